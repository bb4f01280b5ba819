/**
 * Package URL (purl) parsing, normalisation and building: ECMA-427 plus the per-type rules of the
 * purl-spec type definitions. Written for SBOM ingestion: linear time on any input, no regex that
 * can backtrack, and every failure is a PurlError.
 *
 * parsePurl is lenient in the ways the purl-spec's "recommended" tests describe: it lower-cases
 * qualifier keys, accepts an unencoded npm scope "@", drops "." and ".." subpath segments and so on.
 * parseStrictPurl is for checking conformance rather than ingesting data.
 */

export interface Purl {
  type: string;
  namespace: string | null;
  name: string;
  version: string | null;
  qualifiers: Record<string, string> | null;
  subpath: string | null;
}

export class PurlError extends Error {
  override name = 'PurlError';
}

/** Parses and normalises a purl; throws PurlError when it is not one. */
export function parsePurl(input: string): Purl {
  return parse(input, false);
}

/** Like parsePurl, but rejects upper-case qualifier keys, which ECMA-427 forbids rather than folds. */
export function parseStrictPurl(input: string): Purl {
  return parse(input, true);
}

export function tryParsePurl(input: string): Purl | null {
  try {
    return parsePurl(input);
  } catch (err) {
    if (err instanceof PurlError) return null;
    throw err;
  }
}

/** Builds the canonical purl string from (decoded) components, normalising them first. */
export function formatPurl(p: Purl): string {
  return serialize(canonicalize(fromComponents(p)));
}

/** The canonical form of a purl string: formatPurl(parsePurl(input)). */
export function normalizePurl(input: string): string {
  // parsePurl's result is already canonical, so skip formatPurl's second normalisation pass.
  return serialize(parsePurl(input));
}

// ---------------------------------------------------------------------------------------------
// Per-type rules

type Component = 'namespace' | 'name' | 'version';

interface TypeRule {
  /** Components the ecosystem compares case-insensitively: their canonical form is lower-case. */
  lowerCase?: readonly Component[];
  namespace?: 'required' | 'prohibited';
  requiredQualifiers?: readonly string[];
  /** The namespace is one segment (a git host) and the name is the rest of the path. */
  nameIsPath?: boolean;
  /** Normalisation or validation that the fields above cannot express. */
  refine?: (p: Purl) => void;
}

// Deliberately absent: golang and npm names keep their case. The type definitions ask for
// lower-case, but Go module paths and legacy npm names (JSONStream) are case-sensitive in their
// registries, and folding them would point at a different, possibly squatted, package.
const TYPE_RULES = new Map<string, TypeRule>([
  ['alpm', { lowerCase: ['namespace', 'name'] }],
  ['apk', { lowerCase: ['namespace', 'name'] }],
  ['bitbucket', { lowerCase: ['namespace', 'name'] }],
  ['bitnami', { lowerCase: ['name'] }],
  ['brew', { lowerCase: ['namespace', 'name'] }],
  ['chrome-extension', { lowerCase: ['name'], namespace: 'prohibited', refine: refineChromeExtension }],
  ['composer', { lowerCase: ['namespace', 'name'] }],
  ['conda', { namespace: 'prohibited' }],
  ['cpan', { refine: refineCpan }],
  ['deb', { lowerCase: ['namespace', 'name'] }],
  ['git', { lowerCase: ['namespace', 'name'], nameIsPath: true }],
  ['github', { lowerCase: ['namespace', 'name'] }],
  ['hex', { lowerCase: ['namespace', 'name'] }],
  ['huggingface', { lowerCase: ['version'] }],
  ['julia', { namespace: 'prohibited', requiredQualifiers: ['uuid'] }],
  ['luarocks', { lowerCase: ['namespace', 'name'] }],
  ['mlflow', { namespace: 'prohibited', refine: refineMlflow }],
  ['npm', { lowerCase: ['namespace'] }],
  ['oci', { lowerCase: ['name'], namespace: 'prohibited' }],
  ['opam', { namespace: 'prohibited' }],
  ['otp', { lowerCase: ['name'], namespace: 'prohibited' }],
  ['pub', { lowerCase: ['name'] }],
  ['pypi', { lowerCase: ['name', 'version'], namespace: 'prohibited', refine: refinePypi }],
  ['qpkg', { lowerCase: ['namespace'] }],
  ['rpm', { lowerCase: ['namespace'] }],
  ['swid', { requiredQualifiers: ['tag_id'] }],
  ['swift', { namespace: 'required' }],
  ['vcpkg', { namespace: 'prohibited' }],
  ['vscode-extension', { lowerCase: ['namespace', 'name', 'version'], namespace: 'required' }],
  ['yocto', { lowerCase: ['namespace'] }],
]);

const CHROME_EXTENSION_ID = /^[a-p]{32}$/;
const CHROME_EXTENSION_VERSION = /^\d+(?:\.\d+){0,3}$/;

function refineChromeExtension(p: Purl): void {
  if (!CHROME_EXTENSION_ID.test(p.name)) throw new PurlError(`purl: chrome-extension name must be 32 letters a-p, got ${show(p.name)}`);
  if (p.version !== null && !CHROME_EXTENSION_VERSION.test(p.version)) {
    throw new PurlError(`purl: chrome-extension version must be 1-4 dot-separated numbers, got ${show(p.version)}`);
  }
}

function refineCpan(p: Purl): void {
  // A name with "::" is a Perl module, not a distribution: the type definition demands an error.
  if (p.name.includes('::')) throw new PurlError(`purl: cpan name must be a distribution, not a module: ${show(p.name)}`);
  if (p.namespace !== null) p.namespace = toAsciiUpper(p.namespace);
}

// Databricks model registries are case-insensitive, Azure ML's is not (mlflow type definition).
const DATABRICKS_URL = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*databricks\.(?:net|com)(?:[:/?#]|$)/i;

function refineMlflow(p: Purl): void {
  const registry = p.qualifiers?.repository_url;
  if (registry !== undefined && DATABRICKS_URL.test(registry)) p.name = toAsciiLower(p.name);
}

function refinePypi(p: Purl): void {
  // PEP 503 name normalisation, which the pypi type definition adopts.
  p.name = p.name.replace(/[-_.]+/g, '-');
}

// ---------------------------------------------------------------------------------------------
// Parsing

const SCHEME = 'pkg:';
// Raw control characters must arrive percent-encoded; unpaired surrogates cannot be encoded at all.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN_RAW = /[\u0000-\u001f\u007f]|\p{Cs}/u;
const TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9.+-]*$/;
const QUALIFIER_KEY = /^[A-Za-z][A-Za-z0-9._-]*$/;

function parse(input: string, strict: boolean): Purl {
  if (typeof input !== 'string') throw new PurlError('purl: input must be a string');
  if (FORBIDDEN_RAW.test(input)) throw new PurlError('purl: raw control character or unpaired surrogate');
  if (input.slice(0, SCHEME.length).toLowerCase() !== SCHEME) throw new PurlError('purl: missing "pkg:" scheme');

  // URL order: the subpath starts at the first '#', the qualifiers at the first '?' before it.
  const hash = input.indexOf('#');
  const end = hash === -1 ? input.length : hash;
  const question = input.indexOf('?');
  const pathEnd = question !== -1 && question < end ? question : end;

  const path = trimSlashes(input.slice(SCHEME.length, pathEnd));
  const typeEnd = path.indexOf('/');
  if (typeEnd === -1) throw new PurlError('purl: expected "pkg:type/name"');
  const rest = path.slice(typeEnd + 1);

  // The version is after the last '@' of the last segment, so an unencoded npm scope
  // ("@babel/core") is not mistaken for one.
  const lastSlash = rest.lastIndexOf('/');
  const lastSegment = rest.slice(lastSlash + 1);
  const at = lastSegment.lastIndexOf('@');

  return canonicalize({
    type: parseType(path.slice(0, typeEnd)),
    namespace: lastSlash === -1 ? null : joinSegments(rest.slice(0, lastSlash), 'namespace'),
    name: decode(at === -1 ? lastSegment : lastSegment.slice(0, at), 'name'),
    version: at === -1 ? null : emptyToNull(decode(lastSegment.slice(at + 1), 'version')),
    qualifiers: pathEnd < end ? parseQualifiers(input.slice(pathEnd + 1, end), strict) : null,
    subpath: hash === -1 ? null : joinSegments(input.slice(hash + 1), 'subpath'),
  });
}

function parseType(raw: string): string {
  if (!TYPE_PATTERN.test(raw)) throw new PurlError(`purl: invalid type ${show(raw)}`);
  return raw.toLowerCase();
}

function parseQualifiers(raw: string, strict: boolean): Record<string, string> | null {
  const pairs: Array<[string, string]> = [];
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    // A key without "=" has an empty value, and pairs with empty values are dropped.
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    if (strict && /[A-Z]/.test(rawKey)) throw new PurlError(`purl: qualifier key must be lower-case: ${show(rawKey)}`);
    pairs.push([rawKey, eq === -1 ? '' : decode(pair.slice(eq + 1), 'qualifier value')]);
  }
  return qualifierRecord(pairs);
}

/** Decodes '/'-separated segments, dropping the empty, '.' and '..' ones; null when none remain. */
function joinSegments(raw: string, what: string): string | null {
  const kept: string[] = [];
  for (const segment of raw.split('/')) {
    const decoded = decode(segment, what);
    if (decoded === '' || decoded === '.' || decoded === '..') continue;
    if (decoded.includes('/')) throw new PurlError(`purl: ${what} segment contains an encoded "/": ${show(segment)}`);
    kept.push(decoded);
  }
  return kept.length ? kept.join('/') : null;
}

function decode(raw: string, what: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new PurlError(`purl: invalid percent-encoding in ${what}: ${show(raw)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Building

/** Checks the runtime shape of caller-supplied components and normalises their structure. */
function fromComponents(p: Purl): Purl {
  if (typeof p !== 'object' || p === null) throw new PurlError('purl: components must be an object');
  const type = optionalString(p.type, 'type');
  if (type === null) throw new PurlError('purl: missing type');
  const namespace = optionalString(p.namespace, 'namespace');
  const subpath = optionalString(p.subpath, 'subpath');
  return {
    type: parseType(type),
    namespace: namespace === null ? null : joinPath(namespace),
    name: optionalString(p.name, 'name') ?? '',
    version: emptyToNull(optionalString(p.version, 'version')),
    qualifiers: qualifiersFromRecord(p.qualifiers),
    subpath: subpath === null ? null : joinPath(subpath),
  };
}

function optionalString(value: unknown, what: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new PurlError(`purl: ${what} must be a string`);
  return value;
}

function joinPath(path: string): string | null {
  const kept = path.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  return kept.length ? kept.join('/') : null;
}

function qualifiersFromRecord(qualifiers: unknown): Record<string, string> | null {
  if (qualifiers === null || qualifiers === undefined) return null;
  if (typeof qualifiers !== 'object' || Array.isArray(qualifiers)) throw new PurlError('purl: qualifiers must be an object');
  const pairs = Object.entries(qualifiers).map(([key, value]): [string, string] => [key, optionalString(value, `qualifier ${show(key)}`) ?? '']);
  return qualifierRecord(pairs);
}

/** Lower-cases and validates keys, drops empty values and sorts; null when nothing is left. */
function qualifierRecord(pairs: Array<[string, string]>): Record<string, string> | null {
  for (const pair of pairs) {
    if (!QUALIFIER_KEY.test(pair[0])) throw new PurlError(`purl: invalid qualifier key ${show(pair[0])}`);
    pair[0] = pair[0].toLowerCase();
  }
  // Sorting first makes duplicates adjacent: linear to find, whatever their values.
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let record: Record<string, string> | null = null;
  for (let i = 0; i < pairs.length; i++) {
    const [key, value] = pairs[i];
    if (i > 0 && pairs[i - 1][0] === key) throw new PurlError(`purl: duplicate qualifier key ${show(key)}`);
    if (value !== '') (record ??= {})[key] = value;
  }
  return record;
}

// ---------------------------------------------------------------------------------------------
// Normalisation shared by parsing and building

/** Applies the type's rules to structurally normalised components, in place. */
function canonicalize(p: Purl): Purl {
  if (p.name === '') throw new PurlError('purl: missing name');
  const rule = TYPE_RULES.get(p.type);
  if (rule?.nameIsPath) splitHostFromPath(p);
  for (const component of rule?.lowerCase ?? []) {
    const value = p[component];
    if (value !== null) p[component] = toAsciiLower(value);
  }
  rule?.refine?.(p);
  checkRequirements(p, rule);
  return p;
}

function splitHostFromPath(p: Purl): void {
  const name = joinPath(p.name);
  if (name === null) throw new PurlError('purl: missing name');
  const path = p.namespace === null ? name : `${p.namespace}/${name}`;
  const slash = path.indexOf('/');
  p.namespace = slash === -1 ? null : path.slice(0, slash);
  p.name = path.slice(slash + 1);
}

function checkRequirements(p: Purl, rule: TypeRule | undefined): void {
  if (rule?.namespace === 'required' && p.namespace === null) throw new PurlError(`purl: ${p.type} requires a namespace`);
  if (rule?.namespace === 'prohibited' && p.namespace !== null) throw new PurlError(`purl: ${p.type} does not allow a namespace`);
  for (const key of rule?.requiredQualifiers ?? []) {
    if (p.qualifiers?.[key] === undefined) throw new PurlError(`purl: ${p.type} requires the ${key} qualifier`);
  }
}

// ---------------------------------------------------------------------------------------------
// Serialisation of canonical components

function serialize(p: Purl): string {
  let out = `${SCHEME}${p.type}/`;
  if (p.namespace !== null) out += `${encodePath(p.namespace)}/`;
  out += TYPE_RULES.get(p.type)?.nameIsPath ? encodePath(p.name) : encode(p.name);
  if (p.version !== null) out += `@${encode(p.version)}`;
  const qualifiers = p.qualifiers;
  if (qualifiers !== null) {
    // Keys are sorted at construction and never look like array indices, so insertion order holds.
    out += `?${Object.keys(qualifiers).map((key) => `${key}=${encode(qualifiers[key])}`).join('&')}`;
  }
  if (p.subpath !== null) out += `#${encodePath(p.subpath)}`;
  return out;
}

// ECMA-427 leaves the unreserved characters and ':' unencoded and percent-encodes everything else.
const NEEDS_NO_ENCODING = /^[A-Za-z0-9._~:-]*$/;

function encode(value: string): string {
  if (NEEDS_NO_ENCODING.test(value)) return value;
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw new PurlError('purl: unpaired surrogate in a component');
  }
  return encoded.replace(/%3A/g, ':').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encodePath(path: string): string {
  return path.split('/').map(encode).join('/');
}

// ---------------------------------------------------------------------------------------------

function trimSlashes(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 0x2f) start++;
  while (end > start && s.charCodeAt(end - 1) === 0x2f) end--;
  return s.slice(start, end);
}

// Case folding is ASCII-only: Unicode folding maps look-alikes such as the Kelvin sign (U+212A) or
// the "ﬀ" ligature onto ASCII letters, which would let one package name pass for another.
const NON_ASCII = /[\u0080-\uffff]/;

function toAsciiLower(s: string): string {
  return NON_ASCII.test(s) ? s.replace(/[A-Z]+/g, (run) => run.toLowerCase()) : s.toLowerCase();
}

function toAsciiUpper(s: string): string {
  return NON_ASCII.test(s) ? s.replace(/[a-z]+/g, (run) => run.toUpperCase()) : s.toUpperCase();
}

function emptyToNull(value: string | null): string | null {
  return value === '' ? null : value;
}

/** Quotes a fragment of (possibly hostile, possibly huge) input for an error message. */
function show(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
