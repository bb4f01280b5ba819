// Structure-aware mutators. fast-check generates a short list of mutation instructions (small
// integers); applying them to a seed document is deterministic, so fast-check can replay and shrink
// an input by dropping instructions and making their numbers smaller.
import fc from 'fast-check';

export type FuzzBytes = string | Uint8Array;

/** One instruction: which operation, and two numbers that pick the place and the payload. */
export interface Step {
  op: number;
  at: number;
  arg: number;
}

export const steps = (maxLength = 4): fc.Arbitrary<Step[]> =>
  fc.array(fc.record({ op: fc.nat(63), at: fc.nat(), arg: fc.nat() }), { maxLength });

/** Strings that break naive code: prototype keys, NUL, lone surrogates, huge and odd numbers, markup. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\ufeff',
  '\u202e',
  '😀',
  'é',
  '%',
  '%00',
  '%zz',
  '%ff%fe',
  '../../../etc/passwd',
  '\\',
  '"',
  "'",
  '<',
  ']]>',
  '&amp;',
  '&#0;',
  '&#x110000;',
  '\r\n',
  '\t',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  '99999999999999999999999999999999',
  '0x10',
  '=cmd|calc',
  'null',
  'true',
  '[]',
  '{}',
  '{{7*7}}',
  '$(id)',
  "' OR 1=1 --",
  'pkg:npm/a@1',
  'cpe:2.3:a:v:p:1:*:*:*:*:*:*:*',
  'vers:npm/>=1|<2',
  'CVE-2021-44228',
  '2024-02-30T25:61:61Z',
  '0000-00-00',
];

/** JSON values of every type, including the ones JSON.parse can produce but code rarely expects. */
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 53,
  {},
  [],
  [null],
  [[]],
  { __proto__: null, x: 1 },
  { constructor: { prototype: { polluted: true } } },
  { toString: 1, valueOf: 'x' },
];

/** A deterministic generator seeded by the numbers of one instruction (mulberry32). */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length];

export function hostileString(n: number): string {
  const base = pick(HOSTILE_STRINGS, n);
  // One in 32 is long (up to 200,000 characters): enough to find quadratic work without slowing every input.
  switch ((n >>> 8) % 64) {
    case 0:
      return 'x'.repeat(1 + ((n >>> 11) % 200_000));
    case 1:
      return base.repeat(1 + ((n >>> 11) % 5000));
    default:
      return base;
  }
}

function hostileValue(n: number): unknown {
  const choice = n % (HOSTILE_VALUES.length + 3);
  if (choice < HOSTILE_VALUES.length) return structuredClone(HOSTILE_VALUES[choice]);
  if (choice === HOSTILE_VALUES.length) return hostileString(n >>> 5);
  if (choice === HOSTILE_VALUES.length + 1) return nested(1 + ((n >>> 5) % 1000), (n >>> 4) % 2 === 0);
  return Array.from({ length: 1 + ((n >>> 5) % 2000) }, (_, i) => i);
}

/** Deep nesting built without recursion, so the mutator itself never overflows. */
function nested(depth: number, arrays: boolean): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
}

type Container = Record<string, unknown> | unknown[];

/** Walks down from the root, choosing children with `next`, and returns a container and a key in it. */
function randomSlot(root: Container, next: () => number): { parent: Container; key: string | number } | null {
  let node: Container = root;
  for (let depth = 0; depth < 64; depth++) {
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (!keys.length) return null;
    const key = keys[Math.floor(next() * keys.length)];
    const child = (node as Record<string | number, unknown>)[key];
    const descend = typeof child === 'object' && child !== null && next() < 0.8;
    if (!descend) return { parent: node, key };
    node = child as Container;
  }
  return null;
}

/** Drops, duplicates, retypes and replaces fields of a parsed JSON document (which it clones first). */
export function mutateJson(seed: unknown, list: readonly Step[]): unknown {
  if (!list.length) return seed;
  const root = structuredClone(seed) as Container;
  if (typeof root !== 'object' || root === null) return root;
  for (const step of list) {
    const next = prng(step.at);
    const slot = randomSlot(root, next);
    if (!slot) continue;
    const { parent, key } = slot;
    const record = parent as Record<string | number, unknown>;
    const current = record[key];
    switch (step.op % 10) {
      case 0:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete record[key];
        break;
      case 1:
        // Shared, not cloned: the document is only ever serialised, and cloning deep values would overflow the stack.
        if (Array.isArray(parent)) parent.splice(key as number, 0, current);
        else record[`${String(key)}_${step.arg % 3}`] = current;
        break;
      case 2:
      case 3:
        record[key] = hostileValue(step.arg);
        break;
      case 4:
        record[key] = hostileString(step.arg);
        break;
      case 5:
        // Prototype keys as data: JSON.parse makes them own properties, which naive merging turns into pollution.
        if (Array.isArray(parent)) break;
        Object.defineProperty(parent, pick(['__proto__', 'constructor', 'prototype', 'hasOwnProperty'], step.arg), {
          value: hostileValue(step.arg >>> 2),
          enumerable: true,
          configurable: true,
          writable: true,
        });
        break;
      case 6:
        if (Array.isArray(current)) record[key] = current.slice(0, step.arg % 3);
        else record[key] = Array.isArray(parent) ? [current] : { value: current };
        break;
      case 7:
        if (Array.isArray(current) && current.length) {
          // Many copies of small items, a few of big ones: inputs must stay small enough to run by the million.
          const small = (JSON.stringify(current[0]) ?? '').length < 2000;
          const copies = 1 + (step.arg % (small ? 300 : 3));
          record[key] = Array.from({ length: copies }, (_, i) => current[i % current.length]);
        } else record[key] = [current, current];
        break;
      case 8:
        if (typeof current === 'number') record[key] = pick([0, -1, 2 ** 31, 2 ** 32 + 1, 1e21, 1e-7, 0.1 + 0.2, Number.MAX_VALUE], step.arg);
        else if (typeof current === 'string') record[key] = current.slice(0, step.arg % (current.length + 1)) + hostileString(step.arg >>> 3);
        else record[key] = JSON.stringify(current) ?? 'null';
        break;
      default:
        // Deeper nesting than this is made as text (mutateText): JSON.stringify itself would overflow here.
        record[key] = nested(1 + (step.arg % 1_000), step.arg % 2 === 0);
        break;
    }
  }
  return root;
}

/** Text-level damage: truncation, bit flips, inserted bytes, cut-and-paste, invalid UTF-8. */
export function mutateText(text: string, list: readonly Step[]): FuzzBytes {
  let out: string = text;
  let bytes: Uint8Array | null = null;
  for (const step of list) {
    const at = out.length ? step.at % (out.length + 1) : 0;
    switch (step.op % 8) {
      case 0:
        out = out.slice(0, at);
        break;
      case 1: {
        const code = out.charCodeAt(at) ^ (1 << (step.arg % 7));
        out = out.slice(0, at) + String.fromCharCode(code) + out.slice(at + 1);
        break;
      }
      case 2:
        out = out.slice(0, at) + hostileString(step.arg) + out.slice(at);
        break;
      case 3: {
        const end = Math.min(out.length, at + (step.arg % 4096));
        out = out.slice(0, end) + out.slice(at, end) + out.slice(end);
        break;
      }
      case 4:
        out = out.slice(0, at) + out.slice(Math.min(out.length, at + 1 + (step.arg % 512)));
        break;
      case 5: {
        // Mostly one or two punctuation characters; sometimes a run of up to 100,000 (deep nesting as text).
        const count = step.arg % 64 === 0 ? 1 + ((step.arg >>> 6) % 100_000) : 1 + ((step.arg >>> 4) % 3);
        out = out.slice(0, at) + pick(['{', '}', '[', ']', '"', ',', ':', '<', '>', '/', '\n', '&', ';', '\\', '[{"a":', '{"components":['], step.arg >>> 1).repeat(count) + out.slice(at);
        break;
      }
      default: {
        // Invalid UTF-8 only exists as bytes: the input becomes a buffer with bad sequences spliced in.
        const buf = Buffer.from(out, 'utf8');
        const bad = pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80], [0x00]], step.arg);
        const pos = buf.length ? step.at % buf.length : 0;
        bytes = Buffer.concat([buf.subarray(0, pos), Buffer.from(bad), buf.subarray(pos)]).subarray(0, MAX_DOCUMENT);
        out = '';
        break;
      }
    }
    if (bytes) break;
  }
  return bytes ?? out.slice(0, MAX_DOCUMENT);
}

/** Bigger inputs are cut (a truncated document is a fine input too); the seeds themselves stay under it. */
const MAX_DOCUMENT = 2 * 2 ** 20;

/**
 * A seed (chosen by index), structural steps, then text steps. `full` seeds (whole real documents,
 * some of them megabytes) are picked once in fifty inputs, the cut-down ones otherwise.
 */
export function jsonDocument(seeds: readonly unknown[], structural = 4, textual = 2, full: readonly unknown[] = []): fc.Arbitrary<FuzzBytes> {
  const seed = full.length
    ? fc.oneof({ weight: 49, arbitrary: fc.constantFrom(...seeds) }, { weight: 1, arbitrary: fc.constantFrom(...full) })
    : fc.constantFrom(...seeds);
  return fc
    .record({ seed, tree: steps(structural), text: steps(textual), pretty: fc.boolean() })
    .map(({ seed, tree, text, pretty }) => {
      const doc = mutateJson(seed, tree);
      const compact = boundedJson(doc);
      // Indentation grows with depth squared: deeply nested documents stay compact.
      const indent = pretty && compact.length < 200_000 && nesting(compact) < 64;
      return mutateText(indent ? JSON.stringify(doc, null, 2) : compact.slice(0, MAX_DOCUMENT), text);
    });
}

/**
 * Compact JSON text of a mutated document, cut at MAX_DOCUMENT. Duplication shares subtrees rather
 * than cloning them, so a few duplications nested inside each other make a document whose full text
 * is gigabytes (300 copies of 300 copies of 300 ...): serialising that whole hung the generator.
 */
export function boundedJson(doc: unknown): string {
  if (expandedLength(doc, new Map(), MAX_DOCUMENT) <= MAX_DOCUMENT) return JSON.stringify(doc) ?? 'null';
  const parts: string[] = [];
  let length = 0;
  const emit = (text: string) => {
    parts.push(text);
    length += text.length;
    if (length > MAX_DOCUMENT) throw CUT;
  };
  const write = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return emit(JSON.stringify(value) ?? 'null');
    if (Array.isArray(value)) {
      emit('[');
      value.forEach((item, i) => {
        if (i) emit(',');
        write(item);
      });
      return emit(']');
    }
    emit('{');
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      emit(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      write(item);
    }
    emit('}');
  };
  try {
    write(doc);
  } catch (error) {
    if (error !== CUT) throw error;
  }
  return parts.join('').slice(0, MAX_DOCUMENT);
}

const CUT = Symbol('cut');

/** An upper-bound-ish length of the compact JSON text, counting shared subtrees once per use; stops counting past `limit`. */
function expandedLength(value: unknown, memo: Map<object, number>, limit: number): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || value === null) return 24;
  const known = memo.get(value);
  if (known !== undefined) return known;
  let total = 2;
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    total += (typeof key === 'string' ? key.length + 4 : 1) + expandedLength(item, memo, limit);
    if (total > limit) break;
  }
  memo.set(value, total);
  return total;
}

/** The deepest bracket nesting of compact JSON text, strings skipped. */
function nesting(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

/** Element-level damage for XML: drop or duplicate an element, inject a DOCTYPE with entities, nest deeply. */
export function mutateXml(text: string, list: readonly Step[]): string {
  let out = text;
  for (const step of list) {
    const tags = out.length ? tagAt(out, step.at % out.length) : null;
    switch (step.op % 7) {
      case 0:
        if (tags) out = out.slice(0, tags.start) + out.slice(tags.end);
        break;
      case 1:
        if (tags) out = out.slice(0, tags.end) + out.slice(tags.start, tags.end) + out.slice(tags.end);
        break;
      case 2: {
        const decl = pick(
          [
            '<!DOCTYPE bom [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
            '<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            '<!DOCTYPE bom SYSTEM "http://127.0.0.1:1/x.dtd">',
            '<!DOCTYPE bom [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p">%p;]>',
            '<?xml-stylesheet href="x"?>',
            '<!-- -- -->',
          ],
          step.arg,
        );
        const root = out.indexOf('<bom');
        out = root >= 0 ? out.slice(0, root) + decl + out.slice(root) : decl + out;
        if (step.arg % 2) out = out.replace(/<name>[^<]*<\/name>/, pick(['<name>&d;</name>', '<name>&xxe;</name>', '<name>&undefined;</name>'], step.arg >>> 1));
        break;
      }
      case 3: {
        const depth = 1 + (step.arg % 50_000);
        const at = out.indexOf('</components>');
        if (at >= 0) out = out.slice(0, at) + '<component type="library"><name>n</name><components>'.repeat(depth) + out.slice(at);
        break;
      }
      case 4:
        if (tags) out = out.slice(0, tags.start) + `<![CDATA[${hostileString(step.arg)}]]>` + out.slice(tags.end);
        break;
      case 5: {
        const at = out.indexOf('>', step.at % Math.max(1, out.length));
        if (at > 0 && out[at - 1] !== '?' && out[at - 1] !== '/') {
          out = `${out.slice(0, at)} ${pick(['a', 'xmlns', 'xmlns:x', 'type', 'bom-ref', 'version'], step.arg)}="${hostileString(step.arg >>> 3).replace(/"/g, '&quot;')}"${out.slice(at)}`;
        }
        break;
      }
      default:
        out = out.replace(/cyclonedx\.org\/schema\/bom\/[0-9.]+/, `cyclonedx.org/schema/bom/${pick(['1.0', '1.1', '1.6', '9.9', '', '1.4/../1.2', hostileString(step.arg >>> 2)], step.arg)}`);
        break;
    }
  }
  return out;
}

/** The element that starts at the nearest "<" at or after `from`, up to its matching end tag (or the tag alone). */
function tagAt(text: string, from: number): { start: number; end: number } | null {
  const start = text.indexOf('<', from);
  if (start < 0 || text[start + 1] === '/' || text[start + 1] === '?' || text[start + 1] === '!') return null;
  const nameEnd = text.slice(start + 1).search(/[\s/>]/);
  if (nameEnd <= 0) return null;
  const name = text.slice(start + 1, start + 1 + nameEnd);
  const close = text.indexOf(`</${name}>`, start);
  const selfEnd = text.indexOf('>', start);
  if (selfEnd < 0) return null;
  if (text[selfEnd - 1] === '/' || close < 0) return { start, end: selfEnd + 1 };
  return { start, end: close + name.length + 3 };
}

/** Line-level damage for line-oriented formats (SPDX tag-value, CSV): drop, repeat, swap, split. */
export function mutateLines(text: string, list: readonly Step[], values: readonly string[]): string {
  const lines = text.split('\n');
  for (const step of list) {
    const i = lines.length ? step.at % lines.length : 0;
    switch (step.op % 6) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, ...Array.from({ length: 1 + (step.arg % 50) }, () => lines[i] ?? ''));
        break;
      case 2: {
        const line = lines[i] ?? '';
        const colon = line.indexOf(':');
        lines[i] = colon >= 0 ? `${line.slice(0, colon + 1)} ${pick(values, step.arg)}` : pick(values, step.arg);
        break;
      }
      case 3: {
        const line = lines[i] ?? '';
        const colon = line.indexOf(':');
        lines[i] = colon >= 0 ? `${line.slice(0, colon + 1)} ${hostileString(step.arg)}` : `${line}${hostileString(step.arg)}`;
        break;
      }
      case 4: {
        const j = step.arg % Math.max(1, lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        break;
      }
      default:
        lines.splice(i, 0, pick(values, step.arg));
        break;
    }
  }
  // Some files come with CRLF line ends.
  return lines.join(list.length && list[0].arg % 5 === 0 ? '\r\n' : '\n');
}

/** Strings for short grammars (purl, CPE, vers, versions): seeds spliced with pieces and hostile strings. */
export function grammarString(seeds: readonly string[], pieces: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ seed: fc.nat(seeds.length - 1), edits: steps(3) }).map(({ seed, edits }) => editString(seeds[seed], edits, pieces)) },
    { weight: 2, arbitrary: fc.array(fc.constantFrom(...pieces), { maxLength: 16 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 1, arbitrary: fc.nat(HOSTILE_STRINGS.length * 8 - 1).map(hostileString) },
  );
}

function editString(seed: string, list: readonly Step[], pieces: readonly string[]): string {
  let out = seed;
  for (const step of list) {
    const at = step.at % (out.length + 1);
    switch (step.op % 5) {
      case 0:
        out = out.slice(0, at) + pick(pieces, step.arg) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + (step.arg % 8));
        break;
      case 2:
        out = out.slice(0, at) + pick(HOSTILE_STRINGS, step.arg) + out.slice(at);
        break;
      case 3:
        out = out.slice(0, at) + pick(pieces, step.arg).repeat(1 + (step.arg % 2000)) + out.slice(at);
        break;
      default:
        out = out.slice(0, at) + String.fromCharCode(step.arg % 0x10000) + out.slice(at + 1);
        break;
    }
  }
  return out;
}
