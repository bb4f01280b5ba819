// STIX 2.1 patterning (section 9 of the specification): the whole grammar is read, so that a
// pattern is either matchable (simple equality comparisons on hashes, domains, URLs, addresses and
// e-mail addresses, joined by AND/OR), or valid but kept unsupported (with the reason), or
// malformed (an error naming the position).
import { normalizeValue, IndicatorValueError } from './normalize.js';
import type { IndicatorType } from './model.js';

export class PatternSyntaxError extends Error {
  override name = 'PatternSyntaxError';
}

export type PatternVerdict =
  | { supported: true; comparisons: Array<{ type: IndicatorType; value: string }>; logic: 'or' | 'and' | 'single' }
  | { supported: false; reason: string };

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

/** Every spelling real feeds use for a hash name: 'SHA-256', SHA256, 'SHA256', sha256, SHA_256 … */
const HASH_NAMES: Record<string, IndicatorType> = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

function comparisonType(path: Comparison['path']): IndicatorType | string {
  const names = path.steps.map((s) => s.name);
  if (path.steps.length === 1 && VALUE_PATHS[`${path.objectType}:${names[0]}`]) return VALUE_PATHS[`${path.objectType}:${names[0]}`];
  if ((path.objectType === 'file' || path.objectType === 'artifact') && path.steps.length === 2 && names[0] === 'hashes' && names[1]) {
    const type = HASH_NAMES[names[1].toUpperCase().replace(/[-_\s]/g, '')];
    if (type) return type;
    return `hash algorithm ${names[1]} is not one of MD5, SHA-1, SHA-256, SHA-512`;
  }
  return `${path.text} is not a matchable property (file hashes, domain-name, url, ipv4-addr, ipv6-addr and email-addr values are)`;
}

/**
 * Whether a parsed pattern becomes matchable indicators, and which: each comparison joined by
 * AND or OR is one indicator (any of them seen is worth a sighting: an AND of two hashes of one
 * file names the same file twice). Qualifiers, FOLLOWEDBY and other operators keep it unsupported.
 */
export function analysePattern(pattern: string): PatternVerdict {
  const tree = parsePattern(pattern);
  const comparisons: Array<{ type: IndicatorType; value: string }> = [];
  const joins = new Set<string>();
  const problems: string[] = [];
  const visitComp = (expr: CompExpr) => {
    if (expr.op !== 'test') {
      joins.add(expr.op);
      expr.items.forEach(visitComp);
      return;
    }
    const { path, operator, negated, value } = expr.test;
    const type = comparisonType(path);
    if (!isIndicatorType(type)) return problems.push(type);
    if (negated || operator !== '=') return problems.push(`${path.text} ${negated ? 'NOT ' : ''}${operator} is not an equality`);
    const literal = value as Token;
    if (literal.kind !== 'string') return problems.push(`${path.text} is compared with a ${literal.kind === 'typed' ? `${literal.prefix}'' literal` : literal.kind}, not a string`);
    if (type === 'ipv4' && /\/(?!32$)\d+$/.test(literal.text)) return problems.push(`${path.text} = '${literal.text}' is a network range, not one address`);
    if (type === 'ipv6' && /\/(?!128$)\d+$/.test(literal.text)) return problems.push(`${path.text} = '${literal.text}' is a network range, not one address`);
    try {
      comparisons.push({ type, value: normalizeValue(type, literal.text) });
    } catch (error) {
      if (error instanceof IndicatorValueError) throw new PatternSyntaxError(`${path.text}: ${error.message}`);
      throw error;
    }
  };
  const visitObs = (expr: ObsExpr) => {
    if (expr.op === 'obs') {
      if (expr.qualifiers.length) problems.push(`qualifier ${expr.qualifiers.filter((q) => q !== 'grouped').join(', ')}`);
      visitComp(expr.expr);
      return;
    }
    if (expr.op === 'followedby') problems.push('FOLLOWEDBY (a sequence of observations)');
    joins.add(expr.op);
    expr.items.forEach(visitObs);
  };
  visitObs(tree);
  if (problems.length) return { supported: false, reason: [...new Set(problems)].join('; ') };
  const seen = new Set<string>();
  const unique = comparisons.filter((c) => !seen.has(`${c.type}\0${c.value}`) && seen.add(`${c.type}\0${c.value}`));
  return { supported: true, comparisons: unique, logic: joins.has('and') ? 'and' : joins.has('or') ? 'or' : 'single' };
}

function isIndicatorType(value: string): value is IndicatorType {
  return ['sha256', 'sha1', 'md5', 'sha512', 'domain', 'url', 'ipv4', 'ipv6', 'email'].includes(value);
}
