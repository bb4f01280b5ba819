/**
 * The playbook condition language: small, safe and bounded. A hand-written tokenizer and
 * recursive-descent parser build an AST that a tree walker evaluates; nothing is ever handed to
 * `eval`/`Function`, there are no loops, no assignments and no way to build a value bigger than
 * the inputs (no concatenation, no repetition). Every dimension a hostile author controls is
 * capped: source length, tokens, AST nodes, nesting depth, string literal size, evaluation steps
 * (list membership and substring searches are charged by the size of what they scan) and the size
 * of the strings and lists read from the context.
 *
 * Grammar (lowest precedence first):
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | cmp
 *   cmp     := primary (('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not' 'in') primary)?
 *   primary := literal | path | call | '(' or ')' | '[' (or (',' or)*)? ']'
 *   path    := ROOT ('.' NAME)*          ROOT ∈ incident, vendor, answer, indicators
 *   call    := ('contains'|'len'|'lower') '(' args ')'
 */

export const EXPRESSION_LIMITS = {
  maxLength: 2000,
  maxNodes: 400,
  maxDepth: 32,
  maxStringLiteral: 500,
  maxSteps: 10_000,
  /** A context string or list longer than this stops evaluation (nothing legitimate is this big). */
  maxValueLength: 100_000,
} as const;

/** The names an expression may start a path with; anything else is a typo caught at save time. */
export const EXPRESSION_ROOTS = ['incident', 'vendor', 'answer', 'indicators'] as const;
export type ExpressionRoot = (typeof EXPRESSION_ROOTS)[number];

const FUNCTIONS = { contains: 2, len: 1, lower: 1 } as const;
type FunctionName = keyof typeof FUNCTIONS;

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type ExpressionContext = Partial<Record<ExpressionRoot, unknown>>;

export type Node =
  | { kind: 'literal'; value: null | boolean | number | string }
  | { kind: 'list'; items: Node[] }
  | { kind: 'path'; root: ExpressionRoot; keys: string[] }
  | { kind: 'call'; name: FunctionName; args: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'logic'; op: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; op: CompareOp; left: Node; right: Node };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

/** A parse or evaluation error; `offset` is the character position in the source (parse errors). */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
  constructor(
    message: string,
    readonly offset: number | null = null,
  ) {
    super(offset === null ? message : `${message} (at character ${offset + 1})`);
  }
}

type Token =
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'name'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number };

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '(', ')', '[', ']', ',', '.', '-'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const at = i;
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new ExpressionError('unterminated string', at);
        const ch = source[i];
        if (ch === c) break;
        if (ch === '\\') {
          const escaped = ESCAPES[source[i + 1] ?? ''];
          if (escaped === undefined) throw new ExpressionError('unknown escape in string', i);
          value += escaped;
          i += 2;
        } else {
          value += ch;
          i++;
        }
        if (value.length > EXPRESSION_LIMITS.maxStringLiteral) throw new ExpressionError(`string longer than ${EXPRESSION_LIMITS.maxStringLiteral} characters`, at);
      }
      i++;
      tokens.push({ t: 'str', v: value, at });
      continue;
    }
    if (c >= '0' && c <= '9') {
      const match = /^\d{1,15}(\.\d{1,15})?/.exec(source.slice(i, i + 40))!;
      i += match[0].length;
      if (/[0-9A-Za-z_.]/.test(source[i] ?? '')) throw new ExpressionError('malformed number', at);
      tokens.push({ t: 'num', v: Number(match[0]), at });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]{0,63}/.exec(source.slice(i, i + 65))!;
      i += match[0].length;
      if (/[A-Za-z0-9_-]/.test(source[i] ?? '')) throw new ExpressionError('name longer than 64 characters', at);
      tokens.push({ t: 'name', v: match[0], at });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character ${JSON.stringify(c)}`, at);
    i += op.length;
    tokens.push({ t: 'op', v: op, at });
  }
  tokens.push({ t: 'end', at: source.length });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);

class Parser {
  private pos = 0;
  private nodes = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }
  private next(): Token {
    return this.tokens[this.pos++];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'name' && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new ExpressionError(`expected ${JSON.stringify(v)}, found ${describe(t)}`, t.at);
  }
  private node<N extends Node>(n: N, at: number): N {
    if (++this.nodes > EXPRESSION_LIMITS.maxNodes) throw new ExpressionError(`more than ${EXPRESSION_LIMITS.maxNodes} parts in one expression`, at);
    return n;
  }
  private nested<T>(at: number, parse: () => T): T {
    if (++this.depth > EXPRESSION_LIMITS.maxDepth) throw new ExpressionError(`nested deeper than ${EXPRESSION_LIMITS.maxDepth} levels`, at);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  parse(): Node {
    const root = this.or();
    const t = this.peek();
    if (t.t !== 'end') throw new ExpressionError(`unexpected ${describe(t)}`, t.at);
    return root;
  }

  private or(): Node {
    return this.nested(this.peek().at, () => {
      let left = this.and();
      while (this.isWord('or')) {
        const at = this.next().at;
        left = this.node({ kind: 'logic', op: 'or', left, right: this.and() }, at);
      }
      return left;
    });
  }

  private and(): Node {
    let left = this.not();
    while (this.isWord('and')) {
      const at = this.next().at;
      left = this.node({ kind: 'logic', op: 'and', left, right: this.not() }, at);
    }
    return left;
  }

  private not(): Node {
    if (this.isWord('not')) {
      const at = this.next().at;
      return this.nested(at, () => this.node({ kind: 'not', operand: this.not() }, at));
    }
    return this.compare();
  }

  private compare(): Node {
    const left = this.primary();
    const t = this.peek();
    let op: CompareOp | null = null;
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) op = t.v as CompareOp;
    else if (t.t === 'name' && t.v === 'in') op = 'in';
    else if (t.t === 'name' && t.v === 'not' && this.tokens[this.pos + 1]?.t === 'name' && (this.tokens[this.pos + 1] as { v: string }).v === 'in') op = 'not in';
    if (!op) return left;
    this.pos += op === 'not in' ? 2 : 1;
    const node = this.node({ kind: 'compare', op, left, right: this.primary() }, t.at);
    const after = this.peek();
    if ((after.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(after.v)) || (after.t === 'name' && after.v === 'in')) {
      throw new ExpressionError('comparisons do not chain: use "and" between them', after.at);
    }
    return node;
  }

  private primary(): Node {
    const t = this.next();
    if (t.t === 'num') return this.node({ kind: 'literal', value: t.v }, t.at);
    if (t.t === 'op' && t.v === '-') {
      const n = this.next();
      if (n.t !== 'num') throw new ExpressionError(`expected a number after "-", found ${describe(n)}`, n.at);
      return this.node({ kind: 'literal', value: -n.v }, t.at);
    }
    if (t.t === 'str') return this.node({ kind: 'literal', value: t.v }, t.at);
    if (t.t === 'op' && t.v === '(') {
      const inner = this.nested(t.at, () => this.or());
      this.expectOp(')');
      return inner;
    }
    if (t.t === 'op' && t.v === '[') {
      return this.nested(t.at, () => {
        const items: Node[] = [];
        if (!this.isOp(']')) {
          do items.push(this.or());
          while (this.isOp(',') && this.next());
        }
        this.expectOp(']');
        return this.node({ kind: 'list', items }, t.at);
      });
    }
    if (t.t === 'name') {
      if (t.v === 'true' || t.v === 'false') return this.node({ kind: 'literal', value: t.v === 'true' }, t.at);
      if (t.v === 'null') return this.node({ kind: 'literal', value: null }, t.at);
      if (KEYWORDS.has(t.v)) throw new ExpressionError(`unexpected "${t.v}"`, t.at);
      if (this.isOp('(')) {
        if (!Object.hasOwn(FUNCTIONS, t.v)) throw new ExpressionError(`unknown function ${t.v}() (known: ${Object.keys(FUNCTIONS).join(', ')})`, t.at);
        const name = t.v as FunctionName;
        this.next();
        return this.nested(t.at, () => {
          const args: Node[] = [];
          if (!this.isOp(')')) {
            do args.push(this.or());
            while (this.isOp(',') && this.next());
          }
          this.expectOp(')');
          if (args.length !== FUNCTIONS[name]) throw new ExpressionError(`${name}() takes ${FUNCTIONS[name]} argument${FUNCTIONS[name] === 1 ? '' : 's'}`, t.at);
          return this.node({ kind: 'call', name, args }, t.at);
        });
      }
      if (!(EXPRESSION_ROOTS as readonly string[]).includes(t.v)) {
        throw new ExpressionError(`unknown name ${t.v} (a path starts with ${EXPRESSION_ROOTS.join(', ')})`, t.at);
      }
      const keys: string[] = [];
      while (this.isOp('.')) {
        this.next();
        const key = this.next();
        if (key.t !== 'name') throw new ExpressionError(`expected a field name after ".", found ${describe(key)}`, key.at);
        keys.push(key.v);
      }
      return this.node({ kind: 'path', root: t.v as ExpressionRoot, keys }, t.at);
    }
    throw new ExpressionError(`unexpected ${describe(t)}`, t.at);
  }
}

function describe(t: Token): string {
  if (t.t === 'end') return 'end of expression';
  if (t.t === 'str') return 'a string';
  if (t.t === 'num') return `number ${t.v}`;
  return `"${t.v}"`;
}

/** Parses an expression; ExpressionError (with the character offset) when it is not valid or too big. */
export function parseExpression(source: string): Node {
  if (typeof source !== 'string') throw new ExpressionError('an expression must be a string');
  if (source.length > EXPRESSION_LIMITS.maxLength) throw new ExpressionError(`longer than ${EXPRESSION_LIMITS.maxLength} characters`);
  if (!source.trim()) throw new ExpressionError('empty expression');
  return new Parser(tokenize(source)).parse();
}

/** The paths an expression reads (for the editor, and to tell which facts a trigger depends on). */
export function pathsOf(node: Node): string[] {
  const out = new Set<string>();
  const walk = (n: Node): void => {
    if (n.kind === 'path') out.add([n.root, ...n.keys].join('.'));
    else if (n.kind === 'list') n.items.forEach(walk);
    else if (n.kind === 'call') n.args.forEach(walk);
    else if (n.kind === 'not') walk(n.operand);
    else if (n.kind === 'logic' || n.kind === 'compare') {
      walk(n.left);
      walk(n.right);
    }
  };
  walk(node);
  return [...out];
}

class Budget {
  steps = 0;
  charge(n = 1): void {
    this.steps += n;
    if (this.steps > EXPRESSION_LIMITS.maxSteps) throw new ExpressionError(`evaluation stopped after ${EXPRESSION_LIMITS.maxSteps} steps`);
  }
}

/** Reads a context value, turning whatever is there into a Value (own properties only, sizes capped). */
function lookup(context: ExpressionContext, root: ExpressionRoot, keys: string[], budget: Budget): Value {
  let current: unknown = Object.hasOwn(context, root) ? context[root] : null;
  for (const key of keys) {
    budget.charge();
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, key)) return null;
    current = (current as Record<string, unknown>)[key];
  }
  return toValue(current);
}

function toValue(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    if (v.length > EXPRESSION_LIMITS.maxValueLength) throw new ExpressionError(`a value of ${v.length} characters is too long to compare`);
    return v;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    if (v.length > EXPRESSION_LIMITS.maxValueLength) throw new ExpressionError(`a list of ${v.length} items is too long to compare`);
    return v as Value[];
  }
  if (typeof v === 'object') return v as { [key: string]: Value };
  return null;
}

function equal(a: Value, b: Value, budget: Budget): boolean {
  budget.charge();
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') {
    budget.charge(Math.ceil(Math.min(a.length, b.length) / 1000));
    return a === b;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(toValue(x), toValue(b[i]), budget));
  return false;
}

function member(item: Value, container: Value, budget: Budget): boolean {
  if (Array.isArray(container)) {
    for (const x of container) if (equal(item, toValue(x), budget)) return true;
    return false;
  }
  if (typeof container === 'string' && typeof item === 'string') {
    budget.charge(Math.ceil(container.length / 1000) + 1);
    return container.includes(item);
  }
  return false;
}

function order(op: '<' | '<=' | '>' | '>=', a: Value, b: Value): boolean {
  // Ordering is defined between two numbers or two strings only; anything else is simply false.
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

export function truthy(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function evaluateNode(node: Node, context: ExpressionContext, budget: Budget): Value {
  budget.charge();
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'list':
      return node.items.map((item) => evaluateNode(item, context, budget));
    case 'path':
      return lookup(context, node.root, node.keys, budget);
    case 'not':
      return !truthy(evaluateNode(node.operand, context, budget));
    case 'logic': {
      const left = truthy(evaluateNode(node.left, context, budget));
      if (node.op === 'and' ? !left : left) return left;
      return truthy(evaluateNode(node.right, context, budget));
    }
    case 'compare': {
      const a = evaluateNode(node.left, context, budget);
      const b = evaluateNode(node.right, context, budget);
      switch (node.op) {
        case '==':
          return equal(a, b, budget);
        case '!=':
          return !equal(a, b, budget);
        case 'in':
          return member(a, b, budget);
        case 'not in':
          return !member(a, b, budget);
        default:
          return order(node.op, a, b);
      }
    }
    case 'call': {
      const args = node.args.map((arg) => evaluateNode(arg, context, budget));
      if (node.name === 'contains') return member(args[1], args[0], budget);
      if (node.name === 'lower') {
        if (typeof args[0] !== 'string') return null;
        budget.charge(Math.ceil(args[0].length / 1000));
        return args[0].toLowerCase();
      }
      const v = args[0];
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v !== null && typeof v === 'object') return Object.keys(v).length;
      return 0;
    }
  }
}

/** Evaluates a parsed expression to a value; ExpressionError when a bound is hit. */
export function evaluate(node: Node, context: ExpressionContext): Value {
  return evaluateNode(node, context, new Budget());
}

/** Parses and evaluates a condition to true or false (null, false, 0, '' and [] are false). */
export function test(source: string | Node, context: ExpressionContext): boolean {
  return truthy(evaluate(typeof source === 'string' ? parseExpression(source) : source, context));
}
