import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from 'typebox';
import type { FieldProblem } from './errors.js';

// verbose keeps each failing schema on the error, so a pattern failure can be explained by its description.
const common = { allErrors: true, strict: false, removeAdditional: false as const, verbose: true };

/** Bodies and files: no type coercion, unknown fields are errors. */
export const strictAjv = new Ajv({ ...common, coerceTypes: false, useDefaults: true });
/** Query strings and path parameters arrive as text and are coerced to the declared types. */
export const coercingAjv = new Ajv({ ...common, coerceTypes: 'array', useDefaults: true });
addFormats.default(strictAjv);
addFormats.default(coercingAjv);

export function problemsOf(errors: ErrorObject[] | null | undefined): FieldProblem[] {
  return collapseAlternatives(errors ?? []).map((issue) => {
    const extra = issue.params?.additionalProperty ?? issue.params?.missingProperty;
    const field = typeof extra === 'string' ? `${issue.instancePath}/${extra}` : issue.instancePath || '/';
    return { field, reason: reasonOf(issue) };
  });
}

/**
 * An anyOf/oneOf failure reports every branch: a nullable country code gave "must be a two-letter
 * ISO country code", "must be null" and "must match a schema in anyOf" for one bad cell. One reason
 * per field: the branches that failed past their type check (the value had the right type, so that
 * branch was meant); when every branch failed on its type, one "must be string or null".
 */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (!unions.length) return errors;
  const dropped = new Set<ErrorObject>();
  const replaced = new Map<ErrorObject, ErrorObject>();
  for (const union of unions) {
    const branches = errors.filter((e) => e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`));
    const typeOnly = branches.filter((b) => b.keyword === 'type' && b.instancePath === union.instancePath);
    for (const b of typeOnly) dropped.add(b);
    if (branches.length > typeOnly.length) dropped.add(union);
    else {
      const types = [...new Set(typeOnly.flatMap((b) => String(b.params.type).split(',')))];
      replaced.set(union, { ...union, keyword: 'type', params: { type: types.join(' or ') } });
    }
  }
  return errors.filter((e) => !dropped.has(e)).map((e) => replaced.get(e) ?? e);
}

/** Plain-language reasons; a regex or an enum dump helps nobody fixing a form or a CSV row. */
function reasonOf(issue: ErrorObject): string {
  const description = (issue.parentSchema as { description?: string } | undefined)?.description;
  switch (issue.keyword) {
    case 'additionalProperties':
      return 'is not a known field';
    case 'required':
      return 'is required';
    case 'pattern':
      return description ? `is not valid: expected ${description.replace(/\.$/, '')}` : 'is not in the expected format';
    case 'enum':
      return `must be one of ${(issue.params.allowedValues as unknown[]).join(', ')}`;
    case 'format':
      return `is not a valid ${String(issue.params.format)}`;
    case 'type':
      return `must be ${String(issue.params.type)}`;
    default:
      return issue.message ?? 'is not valid';
  }
}

/**
 * A checker giving field problems (empty when valid). The schema is compiled on the first check, not
 * when the module declaring it loads: compiling every module's schemas cost each process ~0.6 s of
 * CPU at start (a CLI command, a test file), mostly for schemas it never used.
 */
export function checker<T extends TSchema>(schema: T): (value: unknown) => { ok: true; value: Static<T> } | { ok: false; problems: FieldProblem[] } {
  let validate: ValidateFunction | undefined;
  return (value) => {
    validate ??= strictAjv.compile(schema);
    return validate(value) ? { ok: true, value: value as Static<T> } : { ok: false, problems: problemsOf(validate.errors) };
  };
}
