// Validates CycloneDX JSON against the official schemas shipped (offline) in
// @cyclonedx/cyclonedx-library/res/schema. Each version's validator is compiled on first use.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { clip, describeType, isObject } from './common.js';
import type { SbomParseIssue } from './model.js';

const SCHEMA_BASE = 'http://cyclonedx.org/schema/';
const SCHEMA_FILES: Record<string, string> = {
  '1.2': 'bom-1.2.SNAPSHOT.schema.json',
  '1.3': 'bom-1.3.SNAPSHOT.schema.json',
  '1.4': 'bom-1.4.SNAPSHOT.schema.json',
  '1.5': 'bom-1.5.SNAPSHOT.schema.json',
  '1.6': 'bom-1.6.SNAPSHOT.schema.json',
};
/** Referenced from the bom schemas by these relative names. */
const SHARED_SCHEMA_FILES = ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json'];

/**
 * ajv checks `uniqueItems` by comparing every pair of items: 10,000 components took 20+ seconds.
 * The schemas are loaded with that keyword renamed to this one, which hashes items instead.
 */
const UNIQUE_ITEMS = 'x-uniqueItemsByValue';

/** Only used to point at the culprit once ajv has run out of stack. */
const MAX_VALIDATION_NESTING = 256;
const MAX_ISSUES = 10;

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();
const partValidators = new Map<string, CycloneDxPartValidators | null>();
const schemas = new Map<string, Record<string, unknown>>();

function schemaDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
}

function readSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(schemaDir(), file), 'utf8'), (_key, value: unknown) => {
    if (isObject(value) && value.uniqueItems === true) {
      delete value.uniqueItems;
      value[UNIQUE_ITEMS] = true;
    }
    return value;
  }) as Record<string, unknown>;
}

function sharedAjv(): Ajv {
  if (ajv) return ajv;
  const schemas = Object.fromEntries(SHARED_SCHEMA_FILES.map((file) => [SCHEMA_BASE + file, readSchema(file)]));
  ajv = new Ajv({
    schemas,
    allErrors: true,
    strict: false,
    // The CycloneDX patterns are ASCII-only; without the u flag they run several times faster.
    unicodeRegExp: false,
    loadSchema: (uri) => Promise.reject(new Error(`remote schemas are disabled: ${uri}`)),
  });
  ajvFormats.default(ajv);
  ajv.addKeyword({
    keyword: UNIQUE_ITEMS,
    type: 'array',
    schemaType: 'boolean',
    error: { message: 'must NOT have duplicate items' },
    validate: (enabled: boolean, items: unknown[]) => !enabled || allDistinct(items),
  });
  // Formats ajv-formats lacks; the CycloneDX library's own validator accepts them the same way.
  ajv.addFormat('idn-email', true);
  ajv.addFormat('iri-reference', true);
  return ajv;
}

function validatorFor(specVersion: string): ValidateFunction | undefined {
  const file = SCHEMA_FILES[specVersion];
  if (!file) return undefined;
  let validate = validators.get(specVersion);
  if (!validate) {
    const schema = readSchema(file);
    validate = sharedAjv().compile(schema);
    validators.set(specVersion, validate);
    schemas.set(specVersion, schema);
  }
  return validate;
}

/** Checks of a bom without its top-level components and dependencies, and of one of each (see cycloneDxPartValidators). */
export interface CycloneDxPartValidators {
  bom: (doc: unknown) => boolean;
  component: (node: unknown) => boolean;
  dependency: (node: unknown) => boolean;
}

/** Keywords an array property may have besides its items and uniqueness for the parts to check what the whole does. */
const ANNOTATIONS = new Set(['$id', 'title', 'description', 'additionalItems']);

/**
 * For a document read a piece at a time: the schema's checks of the document with its components
 * and dependencies arrays emptied, and of one element of each. Passing all of them, with no two
 * elements of an array equal (checked as allDistinct does), means the whole document passes; a
 * failure only means that the whole document must be checked to say what is wrong. Null when this
 * version's schema says more about those arrays than the type, items and uniqueness of their
 * elements (then only the whole will do).
 */
export function cycloneDxPartValidators(specVersion: unknown): CycloneDxPartValidators | null {
  if (typeof specVersion !== 'string') return null;
  if (partValidators.has(specVersion)) return partValidators.get(specVersion)!;
  const bom = validatorFor(specVersion);
  const schema = schemas.get(specVersion);
  const items = (property: string, definition: string): ValidateFunction | null => {
    const array = (schema?.properties as Record<string, Record<string, unknown>> | undefined)?.[property];
    if (!array || array.type !== 'array' || array[UNIQUE_ITEMS] !== true) return null;
    if (Object.keys(array).some((key) => key !== 'type' && key !== 'items' && key !== UNIQUE_ITEMS && !ANNOTATIONS.has(key))) return null;
    const ref = (array.items as Record<string, unknown> | undefined)?.$ref;
    if (ref !== `#/definitions/${definition}` || Object.keys(array.items as object).length !== 1) return null;
    return sharedAjv().getSchema(`${String(schema!.$id)}#/definitions/${definition}`) ?? null;
  };
  const component = bom && items('components', 'component');
  const dependency = bom && items('dependencies', 'dependency');
  const parts = bom && component && dependency ? { bom: (doc: unknown) => bom(doc) === true, component: (node: unknown) => component(node) === true, dependency: (node: unknown) => dependency(node) === true } : null;
  partValidators.set(specVersion, parts);
  return parts;
}

/** Schema problems of a CycloneDX JSON document (empty when valid), at most 10. */
export function validateCycloneDxJson(doc: unknown): SbomParseIssue[] {
  if (!isObject(doc)) return [{ pointer: '', message: `must be object, got ${describeType(doc)}` }];
  const specVersion = doc.specVersion;
  const validate = typeof specVersion === 'string' ? validatorFor(specVersion) : undefined;
  if (!validate) {
    return [{ pointer: '/specVersion', message: `no CycloneDX JSON schema for specVersion ${typeof specVersion === 'string' ? clip(specVersion) : describeType(specVersion)}` }];
  }
  try {
    if (validate(doc)) return [];
  } catch (err) {
    // ajv's validators recurse along recursive schema parts (nested components, pedigree, …).
    if (!(err instanceof RangeError)) throw err;
    const pointer = findNestingBeyond(doc, MAX_VALIDATION_NESTING) ?? '';
    return [{ pointer, message: 'nested too deeply to validate' }];
  }
  return (validate.errors ?? []).slice(0, MAX_ISSUES).map(toIssue);
}

/**
 * Linear duplicate check. Items are bucketed by a hash of their primitive fields, and only items
 * sharing a bucket are compared by their JSON text; so objects equal except for key order count as
 * distinct, which is fine for the verbatim repeats that generators actually emit. The hash is a
 * number, not a key string: a 50,000-component document would otherwise build tens of megabytes
 * of key strings per array only to drop them.
 */
function allDistinct(items: unknown[]): boolean {
  if (items.length < 2) return true;
  const firsts = new Map<unknown, unknown>();
  // Only for keys shared by more than one item: the JSON texts seen under each.
  let shared: Map<unknown, Set<string>> | null = null;
  for (const item of items) {
    const key = shallowKey(item);
    if (!firsts.has(key)) {
      firsts.set(key, item);
      continue;
    }
    shared ??= new Map();
    let texts = shared.get(key);
    if (!texts) shared.set(key, (texts = new Set([JSON.stringify(firsts.get(key))])));
    const text = JSON.stringify(item);
    if (texts.has(text)) return false;
    texts.add(text);
  }
  return true;
}

/**
 * Equal items always get equal keys; unequal items usually get different ones (a clash, with
 * another object or with a primitive item, only costs a comparison of JSON texts).
 */
export function shallowKey(item: unknown): unknown {
  if (Array.isArray(item)) return `[${item.length}`;
  if (typeof item !== 'object' || item === null) return item;
  // FNV-1a over each primitive field's name and (at most the first 64 characters of) its value.
  let hash = 0x811c9dc5;
  const fields = item as Record<string, unknown>;
  for (const name in fields) {
    const value = fields[name];
    if (typeof value === 'object') continue;
    hash = mix(mix(hash, name), typeof value === 'string' ? value : String(value));
  }
  // Within the small-integer range: a number that needs no allocation of its own.
  return hash & 0x3fffffff;
}

function mix(hash: number, text: string): number {
  const end = Math.min(text.length, 64);
  for (let i = 0; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(hash ^ text.length, 0x01000193);
}

function toIssue(error: ErrorObject): SbomParseIssue {
  const params = error.params as Record<string, unknown>;
  let message = error.message ?? error.keyword;
  if (error.keyword === 'additionalProperties') message += `: "${clip(String(params.additionalProperty))}"`;
  if (error.keyword === 'enum') message += `: ${JSON.stringify(params.allowedValues).slice(0, 200)}`;
  return { pointer: error.instancePath, message };
}

interface Visit {
  value: object;
  depth: number;
  key: string;
  parent: Visit | null;
}

/** Pointer of the first value nested deeper than `limit`, or null. Iterative on purpose. */
function findNestingBeyond(doc: object, limit: number): string | null {
  const stack: Visit[] = [{ value: doc, depth: 0, key: '', parent: null }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.depth > limit) return pointerOf(next);
    const value = next.value as Record<string, unknown>;
    for (const key in value) {
      const child = value[key];
      if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, depth: next.depth + 1, key, parent: next });
      }
    }
  }
  return null;
}

function pointerOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | null = visit; at?.parent; at = at.parent) {
    keys.push(at.key.replace(/~/g, '~0').replace(/\//g, '~1'));
  }
  return keys.reverse().map((key) => `/${key}`).join('');
}
