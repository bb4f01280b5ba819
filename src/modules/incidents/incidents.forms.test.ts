import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAnswer, formProblems } from './incidents.forms.js';
import { jaccard, tokens } from './incidents.service.js';
import type { TaskForm } from './incidents.schemas.js';

const FORM: TaskForm = {
  fields: [
    { id: 'decision', label: 'Decision', type: 'choice', options: ['approve', 'reject'] },
    { id: 'records', label: 'Records', type: 'number', required: false },
    { id: 'notified', label: 'Regulator notified', type: 'boolean' },
    { id: 'on', label: 'Notified on', type: 'date', required: false },
    { id: 'why', label: 'Reason', type: 'text', required: false },
  ],
};

test('an answer fits its form field by field; every problem is named', () => {
  assert.deepEqual(checkAnswer(FORM, { decision: 'approve', notified: false }), { ok: true, value: { decision: 'approve', records: null, notified: false, on: null, why: null } });
  const bad = checkAnswer(FORM, { decision: 'APPROVE', records: Number.NaN, notified: 'yes', on: '2027-02-30', why: 3, __proto__: 1 } as never);
  assert.equal(bad.ok, false);
  assert.deepEqual(!bad.ok && bad.problems.map((p) => p.field), ['/answer/decision', '/answer/records', '/answer/notified', '/answer/on', '/answer/why']);
  const extra = checkAnswer(FORM, JSON.parse('{"decision":"reject","notified":true,"__proto__":{"admin":true},"constructor":1}'));
  assert.deepEqual(!extra.ok && extra.problems.map((p) => p.field).sort(), ['/answer/__proto__', '/answer/constructor']);
  assert.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype was polluted');
  assert.deepEqual(checkAnswer(null, undefined), { ok: true, value: null });
  assert.equal(checkAnswer(null, { x: 1 }).ok, false, 'a task without a form takes no answer');
  assert.equal(checkAnswer(FORM, { decision: 'approve', notified: true, on: '2027-01-31' }).ok, true);
});

test('forms: duplicate field ids and choices without options are refused with their path', () => {
  const problems = formProblems({ fields: [{ id: 'a', label: 'A', type: 'choice' }, { id: 'a', label: 'B', type: 'text', options: ['x'] }] });
  assert.deepEqual(problems.map((p) => p.field), ['/form/fields/0/options', '/form/fields/1/id', '/form/fields/1/options']);
});

test('duplicate detection words: folded, short words dropped, bounded on hostile input', () => {
  assert.deepEqual([...tokens('Build PIPELINE compromise, of the Desktop-App!')], ['build', 'pipeline', 'compromise', 'the', 'desktop', 'app']);
  assert.equal(jaccard(tokens('a b c'), tokens('')), 0);
  assert.equal(jaccard(tokens('alpha beta gamma'), tokens('gamma beta alpha')), 1);
  assert.equal(jaccard(tokens('alpha beta gamma delta'), tokens('alpha beta epsilon zeta')), 2 / 6);
  const started = Date.now();
  const huge = tokens(`${'x'.repeat(20_000)} ${'ab1 '.repeat(50_000)}\u0000\ud800`);
  assert.ok(huge.size <= 5000);
  assert.ok(Date.now() - started < 2000);
});
