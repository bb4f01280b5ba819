import { gunzipSync } from 'node:zlib';
import { findUnstorable, invalidUtf8Offset } from '../../../platform/text.js';
import { FeedFormatError, FeedRecordError, describeError } from './errors.js';

export type JsonObject = Record<string, unknown>;
/** Raw feed bytes or text, as received from an upload or a file. */
export type FeedInput = string | Uint8Array;

const GZIP_MAGIC = [0x1f, 0x8b];
const MAX_GUNZIPPED_BYTES = 512 * 1024 * 1024;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isFeedInput(value: unknown): value is FeedInput {
  return typeof value === 'string' || value instanceof Uint8Array;
}

/** Feeds are often published gzipped (EPSS); inflate with a cap so a gzip bomb cannot exhaust memory. */
export function decodeText(input: FeedInput): string {
  if (typeof input === 'string') return stripBom(input);
  const bytes = isGzip(input) ? gunzip(input) : input;
  // Never U+FFFD in place of bad bytes: the record would be stored as something it did not say.
  const offset = invalidUtf8Offset(bytes);
  if (offset !== -1) throw new FeedFormatError(`the document is not valid UTF-8: invalid byte sequence at byte offset ${offset}`);
  return stripBom(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

/** Parses raw JSON text or bytes; an already-parsed value passes through. */
export function parseJson(input: unknown, what: string): unknown {
  if (!isFeedInput(input)) return input;
  const text = decodeText(input);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FeedFormatError(`${what} is not valid JSON: ${describeError(error)}`);
  }
}

/** A document holding text that cannot be stored as written (U+0000, an unpaired surrogate). */
export class UnstorableTextError extends FeedFormatError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * parseJson for documents imported whole (KEV, VEX, CSAF): text that cannot be stored as written is
 * refused, naming its JSON pointer, never altered (no U+FFFD in place of a NUL).
 */
export function parseStorableJson(input: unknown, what: string): unknown {
  const value = parseJson(input, what);
  const unstorable = findUnstorable(value);
  if (unstorable) throw new UnstorableTextError(unstorable.field || '/', unstorable.reason);
  return value;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function gunzip(bytes: Uint8Array): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_GUNZIPPED_BYTES });
  } catch (error) {
    throw new FeedFormatError(`gzip input could not be inflated: ${describeError(error)}`);
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Typed access to one record's fields; every type mismatch becomes a FeedRecordError naming the field. */
export class Fields {
  constructor(
    readonly obj: JsonObject,
    readonly record: string,
    private readonly path = '',
  ) {}

  fail(key: string, reason: string): never {
    const where = `${this.path}${key}`.replace(/\.$/, '');
    throw new FeedRecordError(this.record, where ? `${where}: ${reason}` : reason);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  string(key: string): string {
    const value = this.optString(key);
    if (value === null || value === '') this.fail(key, 'required');
    return value;
  }

  optString(key: string): string | null {
    const value = this.obj[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') this.fail(key, `expected a string, got ${typeName(value)}`);
    return value;
  }

  array(key: string): unknown[] {
    const value = this.obj[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(key, `expected an array, got ${typeName(value)}`);
    return value;
  }

  stringArray(key: string): string[] {
    const values = this.array(key);
    values.forEach((value, i) => {
      if (typeof value !== 'string') this.fail(`${key}[${i}]`, `expected a string, got ${typeName(value)}`);
    });
    return values as string[];
  }

  optObject(key: string): Fields | null {
    const value = this.obj[key];
    if (value === undefined || value === null) return null;
    if (!isObject(value)) this.fail(key, `expected an object, got ${typeName(value)}`);
    return new Fields(value, this.record, `${this.path}${key}.`);
  }

  objects(key: string): Fields[] {
    return this.array(key).map((value, i) => {
      if (!isObject(value)) this.fail(`${key}[${i}]`, `expected an object, got ${typeName(value)}`);
      return new Fields(value, this.record, `${this.path}${key}[${i}].`);
    });
  }
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
