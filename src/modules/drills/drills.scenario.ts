import { validationError } from '../../platform/errors.js';
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
