/**
 * The prefilter of the personal-data scan: one walk over a text's character codes that finds every
 * place a detector could match, so no detector reads the whole text. It yields the digit runs
 * (every identifier made of digits), the long token runs (random-looking secrets), and at the few
 * characters it stops at ("@", "+", ":", "_", "-", "A", "B", "J", "p"/"P", each where its
 * neighbours fit) the anchors of e-mail addresses, international phone numbers, IPv6 addresses,
 * issuer prefixes, private keys, JWTs and password field names. A body without personal data costs
 * this walk, so it runs as WebAssembly with SIMD (pii.prefilter.wat, assembled into
 * pii.prefilter.wasm), 16 characters a step: the whole walk takes less time than a JavaScript loop
 * that only reads every byte.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where each detector may start, in increasing order. */
export interface Anchors {
  /** start, end pairs of the digit runs */
  groups: Int32Array;
  /** Where an IBAN, a NINO ("[A-Z][A-Z] ?\d") or a NIE ("[XYZ]\d") may start: capitals just before a digit run. */
  letterStarts: Int32Array;
  /** start, end pairs of the runs of token characters 20 to 512 long (base64 padding included): secret candidates */
  longTokens: Int32Array;
  ats: number[];
  pluses: number[];
  /** Colons that start a pair ":", at most four hex digits, ":" (every IPv6 address has one). */
  colonPairs: number[];
  jwtStarts: number[];
  pemStarts: number[];
  /** Where an issuer prefix is, and which (its index in the list the Prefilter was made with). */
  prefixStarts: number[];
  prefixIndexes: number[];
  /** "pass" or "pwd" in any case somewhere in the text: a password field's name may be in it. */
  passwordHint: boolean;
}

// The module's memory layout (pii.prefilter.wat says what each part holds).
const RULES = 512;
const RULE_SIZE = 64;
const MAX_RULES = (3584 - RULES) / RULE_SIZE;
const MAX_PREFIX = RULE_SIZE - 16;
const COUNTS = 3584;
const SETS = 4096;
const TEXT = 8192;
/** Zeros after the text: the last block's 16-byte load and the looks ahead from its characters. */
const TAIL = 48;
const PAGE = 65536;

const WASM_FILE = [new URL('./pii.prefilter.wasm', import.meta.url), new URL('../../../src/modules/pii/pii.prefilter.wasm', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((file) => existsSync(file));
if (!WASM_FILE) throw new Error('pii.prefilter.wasm is missing');
/** What this file uses of the WebAssembly API (the server build's TypeScript libraries, without the DOM's, do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const MODULE = new Module(readFileSync(WASM_FILE));

interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  walk: (len: number, groups: number, letters: number, tokens: number, marks: number, prefixes: number) => void;
}

/**
 * One instance of the walk (its memory holds the text being walked: one per thread), made with
 * the issuer prefixes it reports. Each prefix is recognised at its first "_", "-" or ":" (or at
 * its first character): those characters are rare, so the walk compares prefixes only there. No
 * prefix is the start of another, so at most one matches at a position; and no prefix can start
 * inside another one before that one's recognising character, so they are found in the order of
 * their starts.
 */
export class Prefilter {
  private readonly exports: Exports;
  private bytes: Uint8Array;

  constructor(prefixes: readonly string[]) {
    this.exports = new Instance(MODULE).exports as Exports;
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    if (prefixes.length > MAX_RULES) throw new Error(`at most ${MAX_RULES} issuer prefixes`);
    const rules = prefixes.map((prefix, index) => {
      const at = Math.max(0, prefix.search(/[-_:]/));
      const trigger = prefix.charCodeAt(at);
      if (prefix.length < 2 || prefix.length > MAX_PREFIX || !/^[\x21-\x7e]+$/.test(prefix)) throw new Error(`issuer prefix ${JSON.stringify(prefix)}: 2 to ${MAX_PREFIX} printable ASCII characters`);
      return { prefix, index, at, trigger };
    });
    // The prefixes of each trigger character one after another, in the order given.
    rules.sort((a, b) => a.trigger - b.trigger || a.index - b.index);
    for (const [r, rule] of rules.entries()) {
      if (this.bytes[2 * rule.trigger + 1] === 0) this.bytes[2 * rule.trigger] = r;
      this.bytes[2 * rule.trigger + 1] = r + 1;
      const base = RULES + r * RULE_SIZE;
      this.bytes[base] = rule.at;
      this.bytes[base + 1] = rule.prefix.length;
      this.bytes[base + 2] = rule.index;
      for (let i = 0; i < rule.prefix.length; i++) this.bytes[base + 16 + i] = rule.prefix.charCodeAt(i);
      // The walk compares prefixes only at a trigger whose neighbour in one of its prefixes is there too.
      const [set, neighbour] = rule.at > 0 ? [SETS, rule.prefix.charCodeAt(rule.at - 1)] : [SETS + 32, rule.prefix.charCodeAt(1)];
      this.addToSet(set, rule.trigger);
      this.addToSet(set + 16, neighbour);
    }
  }

  /** Adds an ASCII character to a set of the walk's memory (bit h of byte l: character 16h + l). */
  private addToSet(set: number, c: number): void {
    this.bytes[set + (c & 15)]! |= 1 << (c >> 4);
  }

  /**
   * The anchors of `text`. `bytes`: its character codes when each byte is one character (an ASCII
   * body); otherwise the codes are taken from the text, everything outside ASCII as 128. The typed
   * arrays are views of the walk's memory, not copies (a 1 MB body has some 80,000 digit-run
   * edges): they hold until the next run.
   */
  run(text: string, bytes?: Uint8Array): Anchors {
    const len = text.length;
    // Worst cases: a digit-run edge and two letter starts per character pair, a mark and an issuer prefix per character.
    const groups = TEXT + align(len + TAIL);
    const letters = groups + 4 * (len + 2);
    const tokens = letters + 4 * (len + 2);
    const marks = tokens + 4 * (Math.ceil(len / 10) + 2);
    const prefixes = marks + 4 * (len + 1);
    const end = prefixes + 8 * (len + 1);
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) {
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
      this.bytes = new Uint8Array(memory.buffer);
    }
    const mem = this.bytes;
    if (bytes) mem.set(bytes, TEXT);
    else {
      for (let i = 0; i < len; i++) {
        const c = text.charCodeAt(i);
        mem[TEXT + i] = c < 128 ? c : 128;
      }
    }
    mem.fill(0, TEXT + len, TEXT + len + TAIL);
    this.exports.walk(len, groups, letters, tokens, marks, prefixes);
    const counts = new Int32Array(memory.buffer, COUNTS, 6);
    const out: Anchors = {
      groups: new Int32Array(memory.buffer, groups, counts[0]),
      letterStarts: new Int32Array(memory.buffer, letters, counts[1]),
      longTokens: new Int32Array(memory.buffer, tokens, counts[2]),
      ats: [],
      pluses: [],
      colonPairs: [],
      jwtStarts: [],
      pemStarts: [],
      prefixStarts: [],
      prefixIndexes: [],
      passwordHint: counts[5] !== 0,
    };
    const kinds = [out.ats, out.pluses, out.colonPairs, out.jwtStarts, out.pemStarts];
    for (const mark of new Uint32Array(memory.buffer, marks, counts[3])) kinds[mark & 7]!.push(mark >>> 3);
    const found = new Int32Array(memory.buffer, prefixes, counts[4]);
    for (let i = 0; i < found.length; i += 2) {
      out.prefixStarts.push(found[i]!);
      out.prefixIndexes.push(found[i + 1]!);
    }
    return out;
  }
}

const align = (n: number): number => (n + 15) & ~15;
