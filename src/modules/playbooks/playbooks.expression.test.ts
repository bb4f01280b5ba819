import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXPRESSION_LIMITS, ExpressionError, evaluate, parseExpression, pathsOf, test as holds } from './playbooks.expression.js';

const facts = {
  incident: { severity: 'critical', source: 'correlation', title: 'Trojanized 3CX DesktopApp', impact: { dataCategories: ['personal', 'internal'], records: 1200 }, drill: false },
  vendor: { tier: 'T1', name: '3CX', shipsSoftware: true },
  indicators: { types: ['domain', 'sha256'], domains: ['msstorageazure.com', 'sourceslabs.com'], count: 4 },
  answer: { approved: true, 'restore-hours': 36, comment: 'ok' },
};

describe('playbook expressions', () => {
  test('the operators, functions and paths of the language', () => {
    const cases: Array<[string, unknown]> = [
      ["incident.severity == 'critical'", true],
      ["incident.severity != 'critical'", false],
      ["vendor.tier in ['T1', 'T2']", true],
      ["vendor.tier not in ['T1', 'T2']", false],
      ["'personal' in incident.impact.dataCategories", true],
      ["'payment' in incident.impact.dataCategories", false],
      ["'3CX' in incident.title", true],
      ['incident.impact.records > 1000 and incident.impact.records <= 1200', true],
      ['incident.impact.records >= 1201 or incident.impact.records < 0', false],
      ['answer.restore-hours > 24', true],
      ['not answer.approved', false],
      ['not (vendor.tier == \'T3\') and vendor.shipsSoftware', true],
      ["contains(indicators.types, 'domain')", true],
      ["contains(lower(incident.title), 'trojanized')", true],
      ['len(indicators.domains) == 2', true],
      ['len(incident.impact) == 2', true],
      ['len(incident.nothing) == 0', true],
      ['incident.missing == null', true],
      ['incident.missing.deeper == null', true],
      ['-1 < 0 and 1.5 > 1', true],
      ["'a' < 'b'", true],
      // Ordering between different types is false, never an error.
      ["1 < 'a' or 'a' < 1 or null < 1", false],
      ["[1, 'x'] == [1, 'x']", true],
      ["'it''s'", null],
    ];
    for (const [source, expected] of cases) {
      if (expected === null) {
        assert.throws(() => parseExpression(source), ExpressionError, source);
        continue;
      }
      assert.equal(holds(source, facts), expected, source);
    }
    assert.equal(evaluate(parseExpression("lower('ABC')"), facts), 'abc');
    assert.deepEqual(pathsOf(parseExpression("vendor.tier in ['T1'] and len(indicators.types) > 0 or answer.x")), ['vendor.tier', 'indicators.types', 'answer.x']);
  });

  test('precedence: not binds tighter than and, and tighter than or', () => {
    assert.equal(holds('true or false and false', {}), true);
    assert.equal(holds('(true or false) and false', {}), false);
    assert.equal(holds('not false and false', {}), false);
    assert.equal(holds('not (false and false)', {}), true);
  });

  test('syntax errors name what is wrong and where', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty expression/],
      ['incident.severity ==', /unexpected end of expression \(at character 21\)/],
      ["incident.severity = 'x'", /unexpected character "=" \(at character 19\)/],
      ['process.env', /unknown name process/],
      ['constructor', /unknown name constructor/],
      ['eval("1")', /unknown function eval\(\)/],
      ['len(1, 2)', /len\(\) takes 1 argument/],
      ["'unterminated", /unterminated string/],
      ["'bad \\x escape'", /unknown escape/],
      ['1 < 2 < 3', /comparisons do not chain/],
      ['incident.', /expected a field name/],
      ['12abc', /malformed number/],
      ['(1', /expected "\)"/],
      ['[1, 2', /expected "\]"/],
      ['1 2', /unexpected number 2/],
      ['incident.a ; drop', /unexpected character ";"/],
      ['`x`', /unexpected character/],
      ['x => x', /unexpected character "="/],
    ];
    for (const [source, message] of cases) {
      assert.throws(() => parseExpression(source), (e: unknown) => e instanceof ExpressionError && message.test(e.message), source);
    }
  });

  test('no access to prototypes or anything outside the context', () => {
    for (const source of ['incident.__proto__', 'incident.constructor', 'incident.toString', 'incident.hasOwnProperty', 'vendor.__proto__.polluted', 'indicators.types.length']) {
      assert.equal(evaluate(parseExpression(source), facts), null, source);
    }
    const polluted = JSON.parse('{"incident": {"__proto__": {"admin": true}}}') as Record<string, unknown>;
    assert.deepEqual(evaluate(parseExpression('incident.__proto__'), polluted), { admin: true }, 'an own __proto__ key is just data');
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  describe('hostile expressions are stopped by a bound, with a clear error', () => {
    test('length', () => {
      assert.throws(() => parseExpression(`${'true and '.repeat(250)}true`), /longer than 2000 characters/);
    });
    test('nesting (no stack overflow)', () => {
      for (const source of ['('.repeat(1_999), `${'('.repeat(40)}1${')'.repeat(40)}`, `${'not '.repeat(40)}true`, `${'['.repeat(40)}${']'.repeat(40)}`, `${'len('.repeat(40)}1${')'.repeat(40)}`]) {
        assert.throws(() => parseExpression(source), /nested deeper than 32 levels/, source.slice(0, 20));
      }
    });
    test('parts', () => {
      const many = `[${Array.from({ length: 450 }, () => '1').join(',')}]`;
      assert.throws(() => parseExpression(many), /more than 400 parts/);
    });
    test('string literals', () => {
      assert.throws(() => parseExpression(`'${'x'.repeat(EXPRESSION_LIMITS.maxStringLiteral + 1)}'`), /string longer than 500/);
    });
    test('evaluation steps: membership tests over big context lists are charged by what they scan', () => {
      const big = { indicators: { domains: Array.from({ length: 50_000 }, (_, i) => `d${i}.example`) } };
      assert.throws(() => holds("'nope' in indicators.domains", big), /evaluation stopped after 10000 steps/);
      const tests = Array.from({ length: 60 }, (_, i) => `'x${i}' in indicators.domains`).join(' or ');
      const medium = { indicators: { domains: Array.from({ length: 500 }, (_, i) => `d${i}`) } };
      assert.throws(() => holds(tests, medium), /evaluation stopped/);
    });
    test('context values too large to compare', () => {
      assert.throws(() => holds("'x' in incident.title", { incident: { title: 'y'.repeat(EXPRESSION_LIMITS.maxValueLength + 1) } }), /too long to compare/);
    });
    test('non-string sources', () => {
      assert.throws(() => parseExpression(42 as unknown as string), /must be a string/);
    });
  });

  test('random printable input never escapes as anything but an ExpressionError', () => {
    const alphabet = "incident.vendor answer indicators()[]'\",<>=!andornotin len contains lower 0123456789-_ \\\n\t\u0000é😀";
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const source = Array.from({ length: rnd(60) }, () => alphabet[rnd(alphabet.length)]).join('');
      try {
        evaluate(parseExpression(source), facts);
      } catch (error) {
        assert.ok(error instanceof ExpressionError, `${JSON.stringify(source)}: ${(error as Error).stack}`);
      }
    }
  });
});
