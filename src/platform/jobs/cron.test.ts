import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRun, parseCron } from './cron.js';

const next = (expr: string, from: string) => nextRun(parseCron(expr), new Date(from)).toISOString();

test('every minute and hourly', () => {
  assert.equal(next('* * * * *', '2026-01-01T10:00:30Z'), '2026-01-01T10:01:00.000Z');
  assert.equal(next('@hourly', '2026-01-01T10:00:00Z'), '2026-01-01T11:00:00.000Z');
  assert.equal(next('0 * * * *', '2026-01-01T10:59:59Z'), '2026-01-01T11:00:00.000Z');
});

test('steps, ranges and lists', () => {
  assert.equal(next('*/15 * * * *', '2026-01-01T10:16:00Z'), '2026-01-01T10:30:00.000Z');
  assert.equal(next('0 9-17/4 * * *', '2026-01-01T10:00:00Z'), '2026-01-01T13:00:00.000Z');
  assert.equal(next('5,35 2 * * *', '2026-01-01T02:10:00Z'), '2026-01-01T02:35:00.000Z');
});

test('month rollover, leap day and day-of-week (0 and 7 are Sunday)', () => {
  assert.equal(next('0 0 1 * *', '2026-01-31T12:00:00Z'), '2026-02-01T00:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2026-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('30 6 * * 7', '2026-11-21T12:00:00Z'), '2026-11-22T06:30:00.000Z');
  assert.equal(next('30 6 * * 0', '2026-11-21T12:00:00Z'), '2026-11-22T06:30:00.000Z');
});

test('day-of-month OR day-of-week when both are restricted (Vixie cron semantics)', () => {
  // 2026-11-21 is a Saturday: the 1st of December or any Monday, whichever comes first.
  assert.equal(next('0 0 1 * 1', '2026-11-21T00:00:00Z'), '2026-11-23T00:00:00.000Z');
});

test('bad expressions name the field', () => {
  assert.throws(() => parseCron('* * *'), /expected 5 fields/);
  assert.throws(() => parseCron('61 * * * *'), /minute "61"/);
  assert.throws(() => parseCron('* 24 * * *'), /hour/);
  assert.throws(() => parseCron('*/0 * * * *'), /minute/);
  assert.throws(() => parseCron('a * * * *'), /bad minute/);
});
