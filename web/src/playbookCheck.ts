/**
 * The editor's live check of a playbook against the JSON Schema the server serves
 * (/api/v1/playbooks/schema): the keywords that schema uses, interpreted here because the page's
 * Content-Security-Policy forbids the code generation a general validator (ajv) relies on. The
 * server's own check (POST /api/v1/playbooks/validate) stays the authority: it adds the semantic
 * rules (references, cycles, expressions).
 */
export interface SchemaProblem {
  path: string;
  reason: string;
}

type Schema = Record<string, any>;

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

export function checkAgainstSchema(schema: Schema, value: unknown, path = '', out: SchemaProblem[] = [], depth = 0): SchemaProblem[] {
  if (depth > 64 || out.length >= 50) return out;
  const bad = (reason: string) => out.push({ path: path || '/', reason });
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) {
    // A step is one of several shapes told apart by its `type`: report against the one it names.
    const tag = value && typeof value === 'object' ? (value as Record<string, unknown>).type : undefined;
    const named = alternatives.find((a) => a.properties?.type?.const !== undefined && a.properties.type.const === tag);
    if (named) return checkAgainstSchema(named, value, path, out, depth + 1);
    if (!alternatives.some((a) => checkAgainstSchema(a, value, path, [], depth + 1).length === 0)) {
      const tags = alternatives.map((a) => a.properties?.type?.const).filter((t) => t !== undefined);
      if (tags.length) out.push({ path: `${path}/type`, reason: `must be one of ${tags.join(', ')}` });
      else bad('matches none of the allowed shapes');
    }
    return out;
  }
  const actual = typeOf(value);
  if (schema.type) {
    const types = ([] as string[]).concat(schema.type);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return bad(`must be ${types.join(' or ')}`), out;
  }
  if ('const' in schema && value !== schema.const) bad(`must be ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) bad(`must be one of ${schema.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) bad(schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) bad(`must be at most ${schema.maxLength} characters`);
    if (schema.pattern && !safeTest(schema.pattern, value)) bad(schema.description ? `must be ${schema.description}` : `must match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) bad(`must be ≥ ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) bad(`must be ≤ ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) bad(`needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) bad(`has more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => checkAgainstSchema(schema.items, item, `${path}/${i}`, out, depth + 1));
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) out.push({ path: `${path}/${key}`, reason: 'is required' });
    for (const [key, v] of Object.entries(record)) {
      const sub = schema.properties?.[key];
      if (sub) checkAgainstSchema(sub, v, `${path}/${key}`, out, depth + 1);
      else if (schema.additionalProperties === false) out.push({ path: `${path}/${key}`, reason: 'is not a known field' });
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') checkAgainstSchema(schema.additionalProperties, v, `${path}/${key}`, out, depth + 1);
    }
  }
  return out;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}
