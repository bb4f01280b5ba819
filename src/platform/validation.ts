import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from 'typebox';
import type { FieldProblem } from './errors.js';

const common = { allErrors: true, strict: false, removeAdditional: false as const };

/** Bodies and files: no type coercion, unknown fields are errors. */
export const strictAjv = new Ajv({ ...common, coerceTypes: false, useDefaults: true });
/** Query strings and path parameters arrive as text and are coerced to the declared types. */
export const coercingAjv = new Ajv({ ...common, coerceTypes: 'array', useDefaults: true });
addFormats.default(strictAjv);
addFormats.default(coercingAjv);

export function problemsOf(errors: ErrorObject[] | null | undefined): FieldProblem[] {
  return (errors ?? []).map((issue) => {
    const extra = issue.params?.additionalProperty ?? issue.params?.missingProperty;
    const field = typeof extra === 'string' ? `${issue.instancePath}/${extra}` : issue.instancePath || '/';
    const reason = issue.keyword === 'additionalProperties' ? 'is not a known field' : issue.keyword === 'required' ? 'is required' : (issue.message ?? 'is not valid');
    return { field, reason };
  });
}

/** Compiles a schema once and returns a checker giving field problems (empty when valid). */
export function checker<T extends TSchema>(schema: T): (value: unknown) => { ok: true; value: Static<T> } | { ok: false; problems: FieldProblem[] } {
  const validate = strictAjv.compile(schema);
  return (value) => (validate(value) ? { ok: true, value: value as Static<T> } : { ok: false, problems: problemsOf(validate.errors) });
}
