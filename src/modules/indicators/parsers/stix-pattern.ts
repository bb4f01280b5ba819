// STIX 2.1 patterning (section 9 of the specification): the whole grammar is read, so that a
// pattern is either matchable (simple equality comparisons on hashes, domains, URLs, addresses and
// e-mail addresses, joined by AND/OR), or valid but kept unsupported (with the reason), or
// malformed (an error naming the position).
import { isIPv4, isIPv6 } from 'node:net';
import { normalizeValue, IndicatorValueError, own } from './normalize.js';
import type { IndicatorType } from './model.js';

export class PatternSyntaxError extends Error {
  override name = 'PatternSyntaxError';
}

export type PatternVerdict = { supported: true; comparisons: Array<{ type: IndicatorType; value: string }> } | { supported: false; reason: string };

const MAX_PATTERN = 65_536;
const MAX_DEPTH = 64;
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET', 'EXISTS', 'IN', 'WITHIN', 'SECONDS', 'REPEATS', 'TIMES', 'START', 'STOP']);

type Token =
  | { kind: 'punct'; text: string; at: number }
  | { kind: 'op'; text: string; at: number }
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'typed'; prefix: 't' | 'h' | 'b'; text: string; at: number }
  | { kind: 'number'; text: string; at: number }
  | { kind: 'end'; text: ''; at: number };

interface PathStep {
  name: string | null;
  index?: string;
}

interface Comparison {
  path: { objectType: string; steps: PathStep[]; text: string };
  operator: string;
  negated: boolean;
  value: Token | Token[] | null;
}

type CompExpr = { op: 'and' | 'or'; items: CompExpr[] } | { op: 'test'; test: Comparison };
type ObsExpr = { op: 'and' | 'or' | 'followedby'; items: ObsExpr[] } | { op: 'obs'; expr: CompExpr; qualifiers: string[] };

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if ('[]():.,'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, at });
      i++;
    } else if (c === '=' || c === '<' || c === '>' || c === '!') {
      const two = pattern.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=' || two === '<>') {
        tokens.push({ kind: 'op', text: two, at });
        i += 2;
      } else if (c === '!') {
        throw new PatternSyntaxError(`unexpected "!" at position ${at}`);
      } else {
        tokens.push({ kind: 'op', text: c, at });
        i++;
      }
    } else if (c === "'" || ((c === 't' || c === 'h' || c === 'b') && pattern[i + 1] === "'")) {
      const prefix = c === "'" ? null : c;
      i += prefix ? 2 : 1;
      let text = '';
      for (;;) {
        if (i >= pattern.length) throw new PatternSyntaxError(`unterminated string starting at position ${at}`);
        const ch = pattern[i];
        if (ch === '\\') {
          const next = pattern[i + 1];
          if (next !== "'" && next !== '\\') throw new PatternSyntaxError(`invalid escape "\\${next ?? ''}" at position ${i}: only \\' and \\\\ are allowed`);
          text += next;
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else {
          text += ch;
          i++;
        }
      }
      tokens.push(prefix ? { kind: 'typed', prefix: prefix as 't' | 'h' | 'b', text, at } : { kind: 'string', text, at });
    } else if (/[-+0-9]/.test(c)) {
      const m = /^[-+]?[0-9]+(\.[0-9]+)?/.exec(pattern.slice(i));
      if (!m) throw new PatternSyntaxError(`unexpected "${c}" at position ${at}`);
      tokens.push({ kind: 'number', text: m[0], at });
      i += m[0].length;
    } else if (/[A-Za-z_*]/.test(c)) {
      const m = /^(?:\*|[A-Za-z_][A-Za-z0-9_-]*)/.exec(pattern.slice(i))!;
      tokens.push({ kind: 'word', text: m[0], at });
      i += m[0].length;
    } else {
      throw new PatternSyntaxError(`unexpected character "${c}" at position ${at}`);
    }
  }
  tokens.push({ kind: 'end', text: '', at: pattern.length });
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text.toUpperCase() === word && t.text === word;
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  private expectPunct(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw this.unexpected(t, `"${p}"`);
  }

  private unexpected(t: Token, wanted: string): PatternSyntaxError {
    return new PatternSyntaxError(t.kind === 'end' ? `the pattern ends where ${wanted} is expected` : `expected ${wanted} at position ${t.at}, found "${t.text}"`);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new PatternSyntaxError(`the pattern nests deeper than ${MAX_DEPTH} levels`);
  }

  parse(): ObsExpr {
    const expr = this.observations();
    if (this.peek().kind !== 'end') throw this.unexpected(this.peek(), 'the end of the pattern');
    return expr;
  }

  private observations(): ObsExpr {
    return this.joined('FOLLOWEDBY', 'followedby', () => this.joined('OR', 'or', () => this.joined('AND', 'and', () => this.observation())));
  }

  private joined<T extends ObsExpr | CompExpr>(word: string, op: 'and' | 'or' | 'followedby', item: () => T): T {
    const items = [item()];
    while (this.isWord(word)) {
      this.next();
      items.push(item());
    }
    return (items.length === 1 ? items[0] : { op, items }) as T;
  }

  private observation(): ObsExpr {
    this.enter();
    let expr: ObsExpr;
    if (this.isPunct('[')) {
      this.next();
      const comparison = this.comparisons();
      this.expectPunct(']');
      expr = { op: 'obs', expr: comparison, qualifiers: [] };
    } else if (this.isPunct('(')) {
      this.next();
      expr = this.observations();
      this.expectPunct(')');
    } else {
      throw this.unexpected(this.peek(), '"[" or "("');
    }
    const qualifiers = this.qualifiers();
    this.depth--;
    if (!qualifiers.length) return expr;
    return expr.op === 'obs' ? { ...expr, qualifiers: [...expr.qualifiers, ...qualifiers] } : { op: 'obs', expr: { op: 'and', items: [] }, qualifiers: ['grouped', ...qualifiers] };
  }

  private qualifiers(): string[] {
    const out: string[] = [];
    for (;;) {
      if (this.isWord('WITHIN')) {
        this.next();
        this.number();
        if (!this.isWord('SECONDS')) throw this.unexpected(this.peek(), 'SECONDS');
        this.next();
        out.push('WITHIN');
      } else if (this.isWord('REPEATS')) {
        this.next();
        this.number();
        if (!this.isWord('TIMES')) throw this.unexpected(this.peek(), 'TIMES');
        this.next();
        out.push('REPEATS');
      } else if (this.isWord('START')) {
        this.next();
        this.timestamp();
        if (!this.isWord('STOP')) throw this.unexpected(this.peek(), 'STOP');
        this.next();
        this.timestamp();
        out.push('START/STOP');
      } else {
        return out;
      }
    }
  }

  private number(): void {
    const t = this.next();
    if (t.kind !== 'number') throw this.unexpected(t, 'a number');
  }

  private timestamp(): void {
    const t = this.next();
    if (t.kind !== 'typed' || t.prefix !== 't' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(t.text)) throw this.unexpected(t, "a timestamp t'YYYY-MM-DDTHH:MM:SSZ'");
  }

  private comparisons(): CompExpr {
    return this.joined('OR', 'or', () => this.joined('AND', 'and', () => this.comparison()));
  }

  private comparison(): CompExpr {
    this.enter();
    let out: CompExpr;
    if (this.isPunct('(')) {
      this.next();
      out = this.comparisons();
      this.expectPunct(')');
    } else if (this.isWord('EXISTS')) {
      this.next();
      out = { op: 'test', test: { path: this.path(), operator: 'EXISTS', negated: false, value: null } };
    } else {
      const path = this.path();
      let negated = false;
      if (this.isWord('NOT')) {
        this.next();
        negated = true;
      }
      const t = this.next();
      let operator: string;
      let value: Token | Token[];
      if (t.kind === 'op') {
        operator = t.text;
        value = this.literal();
      } else if (t.kind === 'word' && t.text === 'IN') {
        operator = 'IN';
        value = this.set();
      } else if (t.kind === 'word' && ['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(t.text)) {
        operator = t.text;
        value = this.literal();
        if (value.kind !== 'string') throw this.unexpected(value, `a string after ${operator}`);
      } else {
        throw this.unexpected(t, 'a comparison operator');
      }
      out = { op: 'test', test: { path, operator, negated, value } };
    }
    this.depth--;
    return out;
  }

  private literal(): Token {
    const t = this.next();
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'typed') return t;
    if (t.kind === 'word' && (t.text === 'true' || t.text === 'false')) return t;
    throw this.unexpected(t, 'a literal value');
  }

  private set(): Token[] {
    this.expectPunct('(');
    const items = [this.literal()];
    while (this.isPunct(',')) {
      this.next();
      items.push(this.literal());
    }
    this.expectPunct(')');
    return items;
  }

  private path(): Comparison['path'] {
    const start = this.peek();
    const type = this.next();
    if (type.kind !== 'word' || KEYWORDS.has(type.text) || !/^[a-z0-9-]+$/.test(type.text)) throw this.unexpected(type, 'an object type such as file or domain-name');
    this.expectPunct(':');
    const steps: PathStep[] = [{ name: this.pathName() }];
    let text = `${type.text}:${steps[0].name}`;
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        const name = this.pathName();
        steps.push({ name });
        text += `.${name}`;
      } else if (this.isPunct('[')) {
        this.next();
        const index = this.next();
        if (!(index.kind === 'number' || (index.kind === 'word' && index.text === '*'))) throw this.unexpected(index, 'a list index or *');
        this.expectPunct(']');
        steps.push({ name: null, index: index.text });
        text += `[${index.text}]`;
      } else {
        break;
      }
    }
    if (start.kind === 'end') throw this.unexpected(start, 'an object path');
    return { objectType: type.text, steps, text };
  }

  private pathName(): string {
    const t = this.next();
    if (t.kind === 'string') return t.text;
    if (t.kind === 'word' && t.text !== '*') return t.text;
    throw this.unexpected(t, 'a property name');
  }
}

/** Parses a STIX pattern; throws PatternSyntaxError when it is not one. */
export function parsePattern(pattern: string): ObsExpr {
  if (pattern.length > MAX_PATTERN) throw new PatternSyntaxError(`the pattern is ${pattern.length} characters, over the ${MAX_PATTERN}-character limit`);
  if (!pattern.trim()) throw new PatternSyntaxError('the pattern is empty');
  return new Parser(tokenize(pattern)).parse();
}

const VALUE_PATHS: Record<string, IndicatorType> = {
  'domain-name:value': 'domain',
  'url:value': 'url',
  'ipv4-addr:value': 'ipv4',
  'ipv6-addr:value': 'ipv6',
  'email-addr:value': 'email',
};

/**
 * Paths through a reference to an address object, as MISP and other exporters write addresses:
 * the type is the referenced object's, said by a `*_ref.type` comparison beside it or by the value's shape.
 */
const ADDRESS_REF_PATHS = new Set(['network-traffic:dst_ref.value', 'network-traffic:src_ref.value', 'domain-name:resolves_to_refs[*].value']);
const ADDRESS_REF_TYPES = new Set(['network-traffic:dst_ref.type', 'network-traffic:src_ref.type', 'domain-name:resolves_to_refs[*].type']);
const EMAIL_REF_PATHS = new Set(['email-message:from_ref.value', 'email-message:sender_ref.value', 'email-message:to_refs[*].value', 'email-message:cc_refs[*].value', 'email-message:bcc_refs[*].value']);
const REF_OBJECT_TYPES: Record<string, IndicatorType> = { 'ipv4-addr': 'ipv4', 'ipv6-addr': 'ipv6', 'domain-name': 'domain' };

/** Every spelling real feeds use for a hash name: 'SHA-256', SHA256, 'SHA256', sha256, SHA_256 … */
const HASH_NAMES: Record<string, IndicatorType> = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

type PathKind = { kind: 'value'; type: IndicatorType } | { kind: 'address' } | { kind: 'ref-type' } | { kind: 'other'; reason: string };

function pathKind(path: Comparison['path']): PathKind {
  const names = path.steps.map((s) => s.name);
  if (path.steps.length === 1 && VALUE_PATHS[`${path.objectType}:${names[0]}`]) return { kind: 'value', type: VALUE_PATHS[`${path.objectType}:${names[0]}`] };
  if (ADDRESS_REF_PATHS.has(path.text)) return { kind: 'address' };
  if (ADDRESS_REF_TYPES.has(path.text)) return { kind: 'ref-type' };
  if (EMAIL_REF_PATHS.has(path.text)) return { kind: 'value', type: 'email' };
  if ((path.objectType === 'file' || path.objectType === 'artifact') && path.steps.length === 2 && names[0] === 'hashes' && names[1]) {
    const type = HASH_NAMES[names[1].toUpperCase().replace(/[-_\s]/g, '')];
    if (type) return { kind: 'value', type };
    return { kind: 'other', reason: `hash algorithm ${names[1]} is not one of MD5, SHA-1, SHA-256, SHA-512` };
  }
  return { kind: 'other', reason: `${path.text} is not a matchable property (file hashes, domain-name, url, ipv4-addr, ipv6-addr and email-addr values, and addresses referenced by network-traffic, domain-name and email-message are)` };
}

/**
 * What a part of a pattern can be matched as. `narrowing` reasons belong to parts that only
 * restrict a match (a file name beside its hash, a port beside an address): dropped from an AND,
 * they widen it to what is matchable, never past it. `blocking` reasons (qualifiers, FOLLOWEDBY,
 * an OR with a branch that cannot be matched) keep the whole pattern unsupported.
 */
interface Verdict {
  comparisons: Array<{ type: IndicatorType; value: string }>;
  narrowing: string[];
  blocking: string[];
}

const matchable = (v: Verdict) => v.comparisons.length > 0 && !v.narrowing.length && !v.blocking.length;

/** AND: the matchable parts stand for the whole; the others only narrow it. */
function all(items: Verdict[]): Verdict {
  const blocking = items.flatMap((v) => v.blocking);
  const kept = items.filter(matchable);
  if (blocking.length || !kept.length) return { comparisons: [], narrowing: items.flatMap((v) => v.narrowing), blocking };
  return { comparisons: kept.flatMap((v) => v.comparisons), narrowing: [], blocking: [] };
}

/** OR: matchable only when every branch is. */
function any(items: Verdict[]): Verdict {
  if (items.every(matchable)) return { comparisons: items.flatMap((v) => v.comparisons), narrowing: [], blocking: [] };
  const reasons = items.flatMap((v) => [...v.blocking, ...v.narrowing]);
  return { comparisons: [], narrowing: items.some((v) => v.blocking.length) ? [] : reasons, blocking: items.some((v) => v.blocking.length) ? reasons : [] };
}

/**
 * Whether a parsed pattern becomes matchable indicators, and which: each comparison joined by
 * AND or OR is one indicator (any of them seen is worth a sighting: an AND of two hashes of one
 * file names the same file twice). Comparisons that only narrow an AND (file:name beside
 * file:hashes, network-traffic:dst_port beside dst_ref.value, x_* custom properties) are left to
 * the stored pattern. Qualifiers, FOLLOWEDBY and an OR with an unmatchable branch keep it unsupported.
 */
export function analysePattern(pattern: string): PatternVerdict {
  const tree = parsePattern(pattern);
  const comparison = (test: Comparison, refTypes: Map<string, IndicatorType>): Verdict => {
    const { path, operator, negated, value } = test;
    const kind = pathKind(path);
    const narrowing = (reason: string): Verdict => ({ comparisons: [], narrowing: [reason], blocking: [] });
    if (kind.kind === 'other') return narrowing(kind.reason);
    if (kind.kind === 'ref-type') return narrowing(`${path.text} names a type, not a value`);
    if (negated || operator !== '=') return narrowing(`${path.text} ${negated ? 'NOT ' : ''}${operator} is not an equality`);
    const literal = value as Token;
    if (literal.kind !== 'string') return narrowing(`${path.text} is compared with a ${literal.kind === 'typed' ? `${literal.prefix}'' literal` : literal.kind}, not a string`);
    const type = kind.kind === 'value' ? kind.type : (refTypes.get(path.text.slice(0, path.text.lastIndexOf('.'))) ?? addressShape(literal.text));
    if (!type) throw new PatternSyntaxError(`${path.text}: "${literal.text.slice(0, 80)}" is not an IP address or domain name`);
    if ((type === 'ipv4' && /\/(?!32$)\d+$/.test(literal.text)) || (type === 'ipv6' && /\/(?!128$)\d+$/.test(literal.text))) return narrowing(`${path.text} = '${literal.text}' is a network range, not one address`);
    try {
      return { comparisons: [{ type, value: normalizeValue(type, literal.text) }], narrowing: [], blocking: [] };
    } catch (error) {
      if (error instanceof IndicatorValueError) throw new PatternSyntaxError(`${path.text}: ${error.message}`);
      throw error;
    }
  };
  // The `dst_ref.type = 'ipv4-addr'` beside `dst_ref.value = '…'` in one AND says what the value is.
  const visitComp = (expr: CompExpr, refTypes: Map<string, IndicatorType>): Verdict => {
    if (expr.op === 'test') return comparison(expr.test, refTypes);
    if (expr.op === 'or') return any(expr.items.map((item) => visitComp(item, refTypes)));
    const scoped = new Map(refTypes);
    for (const item of expr.items) {
      if (item.op !== 'test' || item.test.operator !== '=' || item.test.negated || !ADDRESS_REF_TYPES.has(item.test.path.text)) continue;
      const literal = item.test.value as Token;
      const type = literal.kind === 'string' ? own(REF_OBJECT_TYPES, literal.text) : undefined;
      if (type) scoped.set(item.test.path.text.slice(0, item.test.path.text.lastIndexOf('.')), type);
    }
    return all(expr.items.map((item) => visitComp(item, scoped)));
  };
  const visitObs = (expr: ObsExpr): Verdict => {
    if (expr.op === 'obs') {
      const inner = visitComp(expr.expr, new Map());
      if (!expr.qualifiers.length) return inner;
      return { comparisons: [], narrowing: [], blocking: [`qualifier ${expr.qualifiers.filter((q) => q !== 'grouped').join(', ')}`, ...inner.blocking, ...inner.narrowing] };
    }
    const items = expr.items.map(visitObs);
    if (expr.op === 'followedby') return { comparisons: [], narrowing: [], blocking: ['FOLLOWEDBY (a sequence of observations)', ...items.flatMap((v) => [...v.blocking, ...v.narrowing])] };
    return expr.op === 'and' ? all(items) : any(items);
  };
  const verdict = visitObs(tree);
  if (!matchable(verdict)) return { supported: false, reason: [...new Set([...verdict.blocking, ...verdict.narrowing])].join('; ') || 'no comparison names a value' };
  const seen = new Set<string>();
  const unique = verdict.comparisons.filter((c) => !seen.has(`${c.type}\0${c.value}`) && seen.add(`${c.type}\0${c.value}`));
  return { supported: true, comparisons: unique };
}

/** The type of an address written in a reference's value when no `*_ref.type` says it. */
function addressShape(text: string): IndicatorType | null {
  const bare = text.replace(/\/(32|128)$/, '');
  if (isIPv4(bare.replace(/\/\d+$/, ''))) return 'ipv4';
  if (isIPv6(bare.replace(/\/\d+$/, ''))) return 'ipv6';
  return /^[^\s/:@]+\.[^\s/:@]+$/.test(text) ? 'domain' : null;
}
