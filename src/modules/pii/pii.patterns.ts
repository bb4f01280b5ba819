/**
 * Custom patterns an organisation adds (employee numbers, internal project codes). They run on the
 * JavaScript regex engine, which backtracks, so only a vetted subset is accepted: literals, escapes,
 * classes, `.`, bounded repetition (`?`, `{n}`, `{n,m}` up to 64) and non-capturing groups with
 * alternation (optional at most). No `*`/`+`, no nested quantifiers, no backreferences or lookaround, and
 * the number of ways one start position can be tried is capped, so a scan costs at most a fixed
 * amount of work per input character.
 */
import type { FieldProblem } from '../../platform/errors.js';

export interface CustomPattern {
  name: string;
  pattern: string;
  /** Match letters regardless of case. */
  caseInsensitive?: boolean;
  /** 0..1; decides the tier (high ≥ 0.8 is what a blocking policy acts on). Default 0.8. */
  confidence?: number;
  description?: string;
}

export interface CompiledPattern {
  name: string;
  regex: RegExp;
  confidence: number;
}

export const MAX_PATTERN_LENGTH = 200;
export const MAX_REPEAT = 64;
/** Upper bound on the alternatives the engine may try from one start position. */
export const MAX_PATHS = 256;

class PatternError extends Error {}

/**
 * Parses the subset and returns the number of paths (product of repetition choices and
 * alternatives); throws PatternError with the reason at the first construct outside the subset.
 */
function vet(source: string): number {
  let i = 0;

  const atom = (): number => {
    const c = source[i]!;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) throw new PatternError('ends with a lone backslash');
      if (/[1-9k]/.test(n)) throw new PatternError(`backreference \\${n} at ${i} is not allowed`);
      if (/[pPuxcu0]/.test(n)) throw new PatternError(`escape \\${n} at ${i} is not supported`);
      i += 2;
      return 1;
    }
    if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') {
        if (source[i] === '\\') i++;
        else if (source[i] === '[') throw new PatternError(`nested class at ${i} is not supported`);
        i++;
      }
      if (source[i] !== ']') throw new PatternError('unterminated character class');
      i++;
      return 1;
    }
    if (c === '(') {
      if (source.slice(i, i + 3) !== '(?:') throw new PatternError(`group at ${i}: only non-capturing groups "(?:...)" are allowed`);
      i += 3;
      const paths = alternation();
      if (source[i] !== ')') throw new PatternError('unterminated group');
      i++;
      if (source[i] === '?') {
        i++;
        if (source[i] === '?') i++;
        return paths + 1;
      }
      if (/[*+{]/.test(source[i] ?? '')) throw new PatternError(`repeated group at ${i}: a group may only be optional ("?"); repeat single characters or classes`);
      return paths;
    }
    if (c === '^' || c === '$') throw new PatternError(`anchor "${c}" at ${i} is not allowed; use \\b`);
    if (c === ')' || c === '|') throw new PatternError(`unexpected "${c}" at ${i}`);
    if (c === '*' || c === '+' || c === '?' || c === '{') throw new PatternError(`quantifier "${c}" at ${i} has nothing to repeat`);
    i++;
    return 1;
  };

  const quantifier = (): number => {
    const c = source[i];
    if (c === '*' || c === '+') throw new PatternError(`unbounded "${c}" at ${i}: use a bounded repetition such as {1,${MAX_REPEAT}}`);
    if (c === '?') {
      i++;
      if (source[i] === '?') i++;
      return 2;
    }
    if (c === '{') {
      const m = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(source.slice(i));
      if (!m) throw new PatternError(`malformed repetition at ${i}`);
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max === Infinity) throw new PatternError(`unbounded "{${min},}" at ${i}: give a maximum up to ${MAX_REPEAT}`);
      if (max > MAX_REPEAT || min > max) throw new PatternError(`repetition {${m[1]}${m[2] ?? ''}} at ${i}: at most ${MAX_REPEAT}, minimum not above maximum`);
      i += m[0].length;
      if (source[i] === '?') i++;
      return max - min + 1;
    }
    return 1;
  };

  const sequence = (): number => {
    let paths = 1;
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      paths *= atom() * quantifier();
      if (paths > MAX_PATHS) throw new PatternError(`too many ways to match (more than ${MAX_PATHS}): narrow the repetitions`);
    }
    return paths;
  };

  const alternation = (): number => {
    let paths = sequence();
    while (source[i] === '|') {
      i++;
      paths += sequence();
    }
    return paths;
  };

  const paths = alternation();
  if (i < source.length) throw new PatternError(`unexpected "${source[i]}" at ${i}`);
  return paths;
}

/** The problems with a pattern list, by field path (/patterns/0/pattern …); empty when all compile. */
export function patternProblems(patterns: CustomPattern[], at = '/patterns'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const names = new Set<string>();
  patterns.forEach((p, index) => {
    const field = `${at}/${index}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/.test(p.name)) {
      problems.push({ field: `${field}/name`, reason: 'expected 1-64 letters, digits, spaces, "_", "." or "-"' });
    } else if (names.has(p.name)) problems.push({ field: `${field}/name`, reason: `duplicate name "${p.name}"` });
    names.add(p.name);
    if (p.confidence !== undefined && !(p.confidence >= 0 && p.confidence <= 1)) {
      problems.push({ field: `${field}/confidence`, reason: 'expected a number from 0 to 1' });
    }
    if (p.pattern.length === 0 || p.pattern.length > MAX_PATTERN_LENGTH) {
      problems.push({ field: `${field}/pattern`, reason: `expected 1-${MAX_PATTERN_LENGTH} characters` });
      return;
    }
    try {
      vet(p.pattern);
      new RegExp(p.pattern, 'g');
    } catch (error) {
      const reason = error instanceof PatternError ? error.message : `not a valid regular expression (${(error as Error).message})`;
      problems.push({ field: `${field}/pattern`, reason });
    }
  });
  return problems;
}

/** Compiles vetted patterns; throws on a pattern outside the subset (callers validate first). */
export function compilePatterns(patterns: CustomPattern[]): CompiledPattern[] {
  const problems = patternProblems(patterns);
  if (problems.length > 0) throw new Error(`invalid custom pattern: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`);
  return patterns.map((p) => ({
    name: p.name,
    regex: new RegExp(p.pattern, p.caseInsensitive ? 'gi' : 'g'),
    confidence: p.confidence ?? 0.8,
  }));
}
