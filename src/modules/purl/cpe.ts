/**
 * CPE names (NISTIR 7695): parses the 2.3 formatted string binding and the 2.2 URI binding, and
 * formats the 2.3 formatted string.
 *
 * Attribute values are logical values: the binding's quoting is removed, so `notepad\+\+` reads
 * as `notepad++`. A whole value of `*` is ANY and `-` is NA. Inside a value an unescaped `*` or
 * `?` is a wildcard, so a literal `*`, `?` or `\` keeps its backslash to stay distinguishable.
 * Values are lower-cased because CPE name matching (NISTIR 7696) ignores case.
 */

export interface Cpe {
  part: 'a' | 'o' | 'h' | '*';
  vendor: string;
  product: string;
  version: string;
  update: string;
  edition: string;
  language: string;
  swEdition: string;
  targetSw: string;
  targetHw: string;
  other: string;
}

export class CpeError extends Error {
  override name = 'CpeError';
}

const ATTRIBUTES = ['part', 'vendor', 'product', 'version', 'update', 'edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other'] as const;
type Attribute = (typeof ATTRIBUTES)[number];

const FS_PREFIX = 'cpe:2.3:';
const URI_PREFIX = 'cpe:/';

export function parseCpe(input: string): Cpe {
  if (typeof input !== 'string') throw new CpeError('cpe: input must be a string');
  const prefix = input.slice(0, FS_PREFIX.length).toLowerCase();
  if (prefix === FS_PREFIX) return parseFormattedString(input.slice(FS_PREFIX.length));
  if (prefix.startsWith(URI_PREFIX)) return parseUri(input.slice(URI_PREFIX.length));
  throw new CpeError('cpe: expected "cpe:2.3:" or "cpe:/"');
}

export function tryParseCpe(input: string): Cpe | null {
  try {
    return parseCpe(input);
  } catch (err) {
    if (err instanceof CpeError) return null;
    throw err;
  }
}

/** The canonical 2.3 formatted string; an empty value is written as ANY. */
export function formatCpe(c: Cpe): string {
  if (typeof c !== 'object' || c === null) throw new CpeError('cpe: components must be an object');
  const values = ATTRIBUTES.map((attribute) => bindFs(attributeOf(c, attribute), attribute));
  checkPart(values[0]);
  return FS_PREFIX + values.join(':');
}

// ---------------------------------------------------------------------------------------------
// 2.3 formatted string

function parseFormattedString(body: string): Cpe {
  const fields = splitFs(body);
  if (fields.length > ATTRIBUTES.length) throw new CpeError(`cpe: more than ${ATTRIBUTES.length} components`);
  // Some generators drop trailing ANY components; NISTIR 7695 would reject them, we pad instead.
  return toCpe(ATTRIBUTES.map((attribute, i) => (i < fields.length ? unbindFs(fields[i], attribute) : '*')));
}

/** Splits on the ':' separators, leaving quoted characters (`\:`) inside their component. */
function splitFs(body: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (c === ':') {
      fields.push(body.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(body.slice(start));
  return fields;
}

const PLAIN_FS = /^[A-Za-z0-9._-]+$/;

function unbindFs(field: string, attribute: Attribute): string {
  if (field === '*' || field === '-') return field;
  if (field === '') throw new CpeError(`cpe: empty ${attribute}`);
  if (PLAIN_FS.test(field)) return field.toLowerCase();
  const value = new LogicalValue(attribute);
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c === '\\') {
      if (i + 1 === field.length) throw new CpeError(`cpe: ${attribute} ends in a lone backslash`);
      value.literal(field[++i]);
    } else if (c === '*' || c === '?') value.wildcard(c);
    else value.literal(c);
  }
  return value.finish();
}

/** Writes a logical value with only the quoting the 2.3 binding requires. */
function bindFs(value: string, attribute: Attribute): string {
  if (value === '' || value === '*') return '*';
  if (value === '-' || PLAIN_FS.test(value)) return value.toLowerCase();
  let out = '';
  let shape = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      const next = value[i + 1];
      if (!KEEPS_ESCAPE.has(next)) throw new CpeError(`cpe: in ${attribute}, a backslash may only escape \\, * or ?`);
      out += `\\${next}`;
      shape += 'x';
      i++;
    } else if (c === '*' || c === '?') {
      out += c;
      shape += c;
    } else {
      requirePrintable(c, attribute);
      out += PLAIN_FS.test(c) ? c : `\\${c}`;
      shape += 'x';
    }
  }
  checkWildcards(shape, attribute);
  // Lower-casing only now, once every character is known to be printable ASCII.
  return out.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// 2.2 URI

function parseUri(body: string): Cpe {
  const fields = body.split(':');
  if (fields.length > 7) throw new CpeError('cpe: a 2.2 URI has at most 7 components');
  const values = ATTRIBUTES.map((attribute, i) => (i < fields.length ? unbindUri(fields[i], attribute) : '*'));
  const edition = fields[5];
  if (edition?.startsWith('~')) unpackEdition(edition, values);
  return toCpe(values);
}

const PACKED_EDITION: readonly Attribute[] = ['edition', 'swEdition', 'targetSw', 'targetHw', 'other'];

/** A 2.2 edition of the form ~edition~sw_edition~target_sw~target_hw~other carries 2.3 fields. */
function unpackEdition(packed: string, values: string[]): void {
  const parts = packed.slice(1).split('~');
  if (parts.length !== PACKED_EDITION.length) throw new CpeError('cpe: a packed edition needs exactly five "~"-separated fields');
  PACKED_EDITION.forEach((attribute, i) => {
    values[ATTRIBUTES.indexOf(attribute)] = unbindUri(parts[i], attribute);
  });
}

function unbindUri(field: string, attribute: Attribute): string {
  if (field === '' || field === '*') return '*';
  if (field === '-') return '-';
  if (PLAIN_FS.test(field)) return field.toLowerCase();
  const value = new LogicalValue(attribute);
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c === '%') {
      const code = hexByte(field, i + 1);
      if (code < 0) throw new CpeError(`cpe: invalid percent-encoding in ${attribute}`);
      // %01 and %02 are the 2.2 binding's spellings of the ? and * wildcards.
      if (code === 1) value.wildcard('?');
      else if (code === 2) value.wildcard('*');
      else value.literal(String.fromCharCode(code));
      i += 2;
    } else if (c === '*' || c === '?') value.wildcard(c);
    else value.literal(c);
  }
  return value.finish();
}

function hexByte(s: string, at: number): number {
  const hex = s.slice(at, at + 2);
  return /^[0-9A-Fa-f]{2}$/.test(hex) ? parseInt(hex, 16) : -1;
}

// ---------------------------------------------------------------------------------------------
// Logical values

const KEEPS_ESCAPE = new Set(['\\', '*', '?']);

/** Accumulates one unbound value, tracking where its wildcards are. */
class LogicalValue {
  private out = '';
  private shape = '';

  constructor(private readonly attribute: Attribute) {}

  literal(c: string): void {
    requirePrintable(c, this.attribute);
    this.out += KEEPS_ESCAPE.has(c) ? `\\${c}` : c;
    this.shape += 'x';
  }

  wildcard(c: '*' | '?'): void {
    this.out += c;
    this.shape += c;
  }

  finish(): string {
    checkWildcards(this.shape, this.attribute);
    return this.out.toLowerCase();
  }
}

// x stands for any literal character. A value may start and/or end with one '*' or a run of '?'.
const WILDCARD_SHAPE = /^(?:\*|\?+)$|^(?:\*|\?+)?x+(?:\*|\?+)?$/;

function checkWildcards(shape: string, attribute: Attribute): void {
  if (!WILDCARD_SHAPE.test(shape)) throw new CpeError(`cpe: ${attribute} has a wildcard that is not at its start or end`);
}

function requirePrintable(c: string, attribute: Attribute): void {
  const code = c.charCodeAt(0);
  if (code < 0x21 || code > 0x7e) throw new CpeError(`cpe: ${attribute} contains a character outside printable ASCII`);
}

// ---------------------------------------------------------------------------------------------

function toCpe(values: string[]): Cpe {
  const part = checkPart(values[0]);
  const [, vendor, product, version, update, edition, language, swEdition, targetSw, targetHw, other] = values;
  return { part, vendor, product, version, update, edition, language, swEdition, targetSw, targetHw, other };
}

function checkPart(value: string): Cpe['part'] {
  if (value === 'a' || value === 'o' || value === 'h' || value === '*') return value;
  throw new CpeError(`cpe: part must be a, o, h or *, got ${JSON.stringify(value.slice(0, 20))}`);
}

function attributeOf(c: Cpe, attribute: Attribute): string {
  const value: unknown = c[attribute];
  if (value === undefined || value === null) return '*';
  if (typeof value !== 'string') throw new CpeError(`cpe: ${attribute} must be a string`);
  return value;
}
