import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validationError, type FieldProblem } from '../../platform/errors.js';
import { normalizeValue } from '../indicators/parsers/normalize.js';
import { checker } from '../../platform/validation.js';
import { position, readYaml } from '../../platform/yaml.js';
import { ScenarioSchema, type Scenario } from './drills.schemas.js';

const check = checker(ScenarioSchema);
const MAX_SCENARIO_CHARS = 128 * 1024;

/**
 * A scenario file (the CLI's --scenario): JSON or YAML (JSON is YAML), checked against the same
 * schema as the API's body. A scenario is a few KB; the cap keeps the YAML reader fast.
 */
export function parseScenario(text: string): Scenario {
  const read = readYaml(text, { maxChars: MAX_SCENARIO_CHARS, maxAliases: 100 });
  if (!read.ok) {
    const [problem] = read.problems;
    const at = position(read.lines, problem?.offset ?? null);
    throw validationError(`the scenario is not valid YAML or JSON${at ? ` (${at})` : ''}: ${problem?.reason}`);
  }
  const result = check(read.value ?? {});
  if (!result.ok) throw validationError(`the scenario is not valid: ${result.problems.map((p) => `${p.field || '/'} ${p.reason}`).join('; ')}`, result.problems);
  return result.value;
}

const SCENARIO_DIR = [new URL('./scenarios/', import.meta.url), new URL('../../../src/modules/drills/scenarios/', import.meta.url)].map((u) => fileURLToPath(u)).find((dir) => existsSync(dir));

/**
 * The default scenario shipped for a shipped playbook (src/modules/drills/scenarios/<key>.yaml,
 * key as the playbook's), or an empty one: what a drill of it starts from before its own fields.
 */
export function shippedScenario(playbookKey: string | null): Scenario {
  if (!playbookKey || !SCENARIO_DIR || !/^[a-z0-9-]+$/.test(playbookKey)) return {};
  const file = `${SCENARIO_DIR}/${playbookKey}.yaml`;
  return existsSync(file) ? parseScenario(readFileSync(file, 'utf8')) : {};
}

/** A scenario's indicators as feeds' are stored: refanged and normalised, each problem naming its index. */
export function normaliseScenarioIndicators(indicators: NonNullable<Scenario['indicators']>): NonNullable<Scenario['indicators']> {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const out: NonNullable<Scenario['indicators']> = [];
  indicators.forEach((i, n) => {
    try {
      const value = normalizeValue(i.type, i.value);
      if (seen.has(`${i.type}\0${value}`)) return;
      seen.add(`${i.type}\0${value}`);
      out.push({ type: i.type, value });
    } catch (error) {
      problems.push({ field: `/scenario/indicators/${n}/value`, reason: error instanceof Error ? error.message : 'is not a valid indicator' });
    }
  });
  if (problems.length) throw validationError('some scenario indicators are not valid', problems);
  return out;
}
