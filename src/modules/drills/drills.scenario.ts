import { parse } from 'yaml';
import { validationError } from '../../platform/errors.js';
import { checker } from '../../platform/validation.js';
import { ScenarioSchema, type Scenario } from './drills.schemas.js';

const check = checker(ScenarioSchema);

/**
 * A scenario file (the CLI's --scenario): JSON or YAML (JSON is YAML), checked against the same
 * schema as the API's body. YAML aliases are capped so a small file cannot expand without bound.
 */
export function parseScenario(text: string): Scenario {
  if (text.length > 1_000_000) throw validationError('the scenario is over 1 MB');
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    throw validationError(`the scenario is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = check(value ?? {});
  if (!result.ok) throw validationError(`the scenario is not valid: ${result.problems.map((p) => `${p.field || '/'} ${p.reason}`).join('; ')}`, result.problems);
  return result.value;
}
