// Fuzz target for drill scenario files (the CLI's --scenario, JSON or YAML): documented rejections
// are AppError; an accepted scenario is exactly what the API's body schema accepts and survives a
// JSON round trip unchanged (so the drill row stores what was given).
import fc from 'fast-check';
import { AppError } from '../../src/platform/errors.js';
import { parseScenario } from '../../src/modules/drills/drills.scenario.js';
import { HOSTILE_STRINGS, mutateLines, mutateText, steps, type FuzzBytes } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const SEEDS = [
  '{"severity":"critical","source":"correlation","vendorId":"01900000-0000-7000-8000-000000000001","answers":{"approve-block":{"approved":true},"isolate":true}}',
  'title: Drill of the 3CX playbook\nseverity: high\nimpact:\n  dataCategories: [personal, credentials]\n  records: 1200\nanswers:\n  legal-review: { decision: notify }\n',
  'indicators:\n  - { type: domain, value: "msstorageazure[.]com" }\n  - { type: url, value: "hxxps://akamaitechcloudservices[.]com/v2/storage" }\n',
  'a: &a [*a]\n',
  'base: &b {x: 1}\nanswers: {s1: *b, s2: *b}\n',
  '{}',
  '',
];
const VALUES = ['null', '[]', '~', '!!binary aGk=', '&x', '*x', '<<: *x', '__proto__: {}', '"\\u0000"', ...HOSTILE_STRINGS.slice(0, 8)];

function check(input: FuzzBytes) {
  return expectOnly(() => {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    const scenario = parseScenario(text);
    if (JSON.stringify(JSON.parse(JSON.stringify(scenario))) !== JSON.stringify(scenario)) throw new Crash('the scenario does not survive a JSON round trip');
    if (Object.getPrototypeOf(scenario) !== Object.prototype) throw new Crash('the scenario is not a plain object');
  }, AppError);
}

export function scenarioTarget(): Target<FuzzBytes> {
  return {
    name: 'drill-scenario',
    kind: 'parser',
    inputs: async () => fc.tuple(fc.constantFrom(...SEEDS), steps(3), steps(2)).map(([seed, lines, text]) => mutateText(mutateLines(seed, lines, VALUES), text)),
    open: async () => ({ check }),
  };
}
