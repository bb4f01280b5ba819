// Helpers shared by every format parser: limits, warnings, type-checked field access, purl/hash
// normalisation and the assembler that enforces the ParsedSbom invariants.
import { normalizePurl } from '../../purl/purl.js';
import {
  SbomParseError,
  type ParsedComponent,
  type ParsedDependency,
  type ParsedHash,
  type ParsedSbom,
} from './model.js';

export interface ParseLimits {
  maxComponents: number;
  /** Deepest allowed component nesting (CycloneDX nested components, XML element depth is derived). */
  maxDepth: number;
  maxBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxComponents: 500_000,
  maxDepth: 64,
  maxBytes: 256 * 1024 * 1024,
};

/** Longest string kept from any field; longer ones are hostile or broken, never a real identifier. */
const MAX_FIELD_LENGTH = 64 * 1024;

const MAX_WARNINGS = 200;

export type JsonObject = Record<string, unknown>;

export class Warnings {
  private readonly list: string[] = [];
  private suppressed = 0;

  add(message: string): void {
    if (this.list.length < MAX_WARNINGS) this.list.push(message);
    else this.suppressed++;
  }

  toArray(): string[] {
    return this.suppressed ? [...this.list, `${this.suppressed} more warnings suppressed`] : [...this.list];
  }
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function typeError(pointer: string, expected: string, value: unknown): SbomParseError {
  return new SbomParseError(`${pointer || '/'}: expected ${expected}, got ${describeType(value)}`, pointer);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown, pointer: string): JsonObject {
  if (!isObject(value)) throw typeError(pointer, 'an object', value);
  return value;
}

// The field readers below build child pointers only when they throw: they run for every field of
// every component, and eager template strings were a measurable share of a 10,000-component parse.

export function optObject(obj: JsonObject, key: string, pointer: string): JsonObject | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw typeError(`${pointer}/${key}`, 'an object', value);
  return value;
}

const NONE: readonly never[] = Object.freeze([]);

export function optArray(obj: JsonObject, key: string, pointer: string): readonly unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return NONE;
  if (!Array.isArray(value)) throw typeError(`${pointer}/${key}`, 'an array', value);
  return value;
}

function tooLong(value: string, pointer: string): SbomParseError {
  return new SbomParseError(
    `${pointer}: string of ${value.length} characters exceeds the ${MAX_FIELD_LENGTH}-character limit`,
    pointer,
  );
}

export function checkLength(value: string, pointer: string): string {
  if (value.length > MAX_FIELD_LENGTH) throw tooLong(value, pointer);
  return value;
}

/** A non-empty string within MAX_FIELD_LENGTH: what fast paths accept without further checks. */
export function isPlainString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD_LENGTH;
}

function asString(value: unknown, pointer: string): string {
  if (typeof value !== 'string') throw typeError(pointer, 'a string', value);
  return checkLength(value, pointer);
}

/** Missing, null and empty strings all read as null. */
export function optString(obj: JsonObject, key: string, pointer: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw typeError(`${pointer}/${key}`, 'a string', value);
  if (value.length > MAX_FIELD_LENGTH) throw tooLong(value, `${pointer}/${key}`);
  return value || null;
}

export function reqString(obj: JsonObject, key: string, pointer: string): string {
  const value = optString(obj, key, pointer);
  if (value === null) throw new SbomParseError(`${pointer || '/'}: missing required "${key}"`, `${pointer}/${key}`);
  return value;
}

export function stringArray(obj: JsonObject, key: string, pointer: string): readonly string[] {
  const list = optArray(obj, key, pointer);
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item !== 'string' || item.length > MAX_FIELD_LENGTH) asString(item, `${pointer}/${key}/${i}`);
  }
  return list as readonly string[];
}

/** Canonical purl, or null plus a warning when the purl does not parse. */
export function canonicalPurl(raw: string | null, where: string, warnings: Warnings): string | null {
  if (!raw) return null;
  try {
    // normalizePurl is formatPurl(parsePurl(raw)) without formatPurl's redundant second normalisation.
    return normalizePurl(raw);
  } catch (err) {
    // Any failure, not only PurlError: one odd purl must not sink the whole document.
    warnings.add(`${where}: invalid purl "${clip(raw)}" dropped (${(err as Error).message})`);
    return null;
  }
}

const HASH_ALGORITHMS = new Map<string, string>(
  [
    'MD2', 'MD4', 'MD5', 'MD6', 'SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512',
    'SHA3-224', 'SHA3-256', 'SHA3-384', 'SHA3-512', 'BLAKE2b-256', 'BLAKE2b-384', 'BLAKE2b-512',
    'BLAKE3', 'ADLER32',
  ].map((alg) => [compactAlg(alg), alg]),
);

function compactAlg(alg: string): string {
  return alg.toUpperCase().replace(/[-_ ]/g, '');
}

/** 'SHA256', 'sha3_256', 'blake2b256' → 'SHA-256', 'SHA3-256', 'BLAKE2b-256'; unknown ones upper-cased. */
function normaliseHashAlg(alg: string): string {
  let normalised = seenAlgorithms.get(alg);
  if (normalised === undefined) {
    normalised = HASH_ALGORITHMS.get(compactAlg(alg)) ?? alg.toUpperCase();
    if (seenAlgorithms.size < 1000) seenAlgorithms.set(alg, normalised);
  }
  return normalised;
}

/** Documents repeat a handful of spellings thousands of times. */
const seenAlgorithms = new Map<string, string>();

const HEX = /^[0-9a-f]+$/;

export function normaliseHash(alg: string, value: string, where: string, warnings: Warnings): ParsedHash | null {
  let hex = value;
  if (!HEX.test(hex)) {
    hex = value.trim().toLowerCase();
    if (!HEX.test(hex)) {
      warnings.add(`${where}: ${alg} hash "${clip(value)}" is not hex; dropped`);
      return null;
    }
  }
  return { alg: normaliseHashAlg(alg), value: hex };
}

/** SPDX's "no information" markers, which are not licenses. */
export function isLicenseAsserted(expression: string | null): expression is string {
  return !!expression && expression !== 'NOASSERTION' && expression !== 'NONE';
}

export function pushUnique<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export function emptyComponent(ref: string, name: string): ParsedComponent {
  return {
    ref,
    name,
    version: null,
    group: null,
    purl: null,
    cpe: null,
    type: null,
    supplier: null,
    licenses: [],
    hashes: [],
    scope: null,
    parentRef: null,
  };
}

export type SbomHeader = Pick<
  ParsedSbom,
  'format' | 'encoding' | 'specVersion' | 'serialNumber' | 'createdAt' | 'tools'
>;

/** Collects components and edges, rejecting duplicate refs and enforcing maxComponents. */
export class SbomAssembler {
  readonly warnings = new Warnings();
  private readonly all: ParsedComponent[] = [];
  private readonly indexByRef = new Map<string, number>();
  private readonly edges: ParsedDependency[] = [];
  /** from index × component count + to index; small integers hash fastest. */
  private readonly edgeKeys = new Set<number>();
  private readonly tops = new Map<string, string>();
  private root: ParsedComponent | null = null;

  constructor(private readonly limits: ParseLimits) {}

  add(component: ParsedComponent, pointer: string): void {
    if (this.indexByRef.has(component.ref)) {
      throw new SbomParseError(`duplicate ref "${clip(component.ref)}"`, pointer);
    }
    if (this.edges.length) throw new Error('SbomAssembler: every component must be added before the first link');
    if (this.all.length >= this.limits.maxComponents) {
      throw new SbomParseError(`more than ${this.limits.maxComponents} components (maxComponents)`, pointer);
    }
    this.indexByRef.set(component.ref, this.all.length);
    this.all.push(component);
  }

  has(ref: string): boolean {
    return this.indexByRef.has(ref);
  }

  /** Index to pass to link(), or -1 for an unknown ref. */
  indexOf(ref: string): number {
    return this.indexByRef.get(ref) ?? -1;
  }

  get(ref: string): ParsedComponent | undefined {
    const index = this.indexByRef.get(ref);
    return index === undefined ? undefined : this.all[index];
  }

  setRoot(ref: string): void {
    this.root = this.get(ref) ?? null;
  }

  /**
   * Records containment (both refs known). The first container wins, and a link that would close
   * a loop is ignored so that following parentRef always terminates.
   */
  adopt(parentRef: string, childRef: string): void {
    const child = this.get(childRef);
    if (!child || child.parentRef !== null || this.topOf(parentRef) === childRef) return;
    child.parentRef = parentRef;
    this.tops.set(childRef, this.topOf(parentRef));
  }

  /**
   * The ref at the top of a containment chain, via a union-find forest kept beside parentRef so
   * that long chains cost near-constant time per link instead of a walk each.
   */
  private topOf(ref: string): string {
    let top = ref;
    for (let up = this.tops.get(top); up !== undefined; up = this.tops.get(top)) top = up;
    for (let at = ref, up = this.tops.get(at); up !== undefined && up !== top; at = up, up = this.tops.get(at)) {
      this.tops.set(at, top);
    }
    return top;
  }

  /** `from` depends on `to`, both indexes from indexOf(); duplicate edges collapse into one. */
  link(from: number, to: number): void {
    const key = from * this.all.length + to;
    if (this.edgeKeys.has(key)) return;
    this.edgeKeys.add(key);
    this.edges.push({ from: this.all[from].ref, to: this.all[to].ref });
  }

  build(header: SbomHeader): ParsedSbom {
    return {
      ...header,
      rootRef: this.root?.ref ?? null,
      root: this.root,
      components: this.root ? this.all.filter((component) => component !== this.root) : this.all,
      dependencies: this.edges,
      warnings: this.warnings.toArray(),
    };
  }
}
