import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId, UUID_PATTERN } from './ids.js';

test('ids are RFC 9562 version 7 UUIDs with the time in their first 48 bits', () => {
  const at = Date.parse('2026-12-06T06:00:00.123Z');
  const id = newId(at);
  assert.match(id, new RegExp(UUID_PATTERN));
  assert.equal(id[14], '7');
  assert.match(id[19], /[89ab]/);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), at);
});

test('ids drawn from the shared random pool stay distinct across many refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50_000; i++) seen.add(newId(1_700_000_000_000));
  assert.equal(seen.size, 50_000);
});

test('ids of later milliseconds sort after earlier ones', () => {
  assert.ok(newId(1_700_000_000_001) > newId(1_700_000_000_000));
  assert.ok(newId(2 ** 40) > newId(2 ** 40 - 1));
});
