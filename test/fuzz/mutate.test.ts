import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundedJson } from './mutate.js';

test('a document whose shared subtrees expand to gigabytes serialises to its first 2 MiB instead of hanging the generator', () => {
  // What nested duplications make: 300 references to one array of 300 references to one array of ...
  let doc: unknown = { name: 'leaf-component', version: '1.0.0' };
  for (let level = 0; level < 5; level++) {
    const shared = doc;
    doc = { components: Array.from({ length: 300 }, () => shared) };
  }
  const text = boundedJson(doc);
  assert.equal(text.length, 2 * 2 ** 20);
  assert.ok(text.startsWith('{"components":[{"components":[{"components":[{"components":[{"components":[{"name":"leaf-component","version":"1.0.0"},'));
});

test('a small document serialises exactly as JSON.stringify does', () => {
  const shared = { a: [1, -0, null, 'x\u0000'], b: undefined };
  const doc = { list: [shared, shared, undefined], ['__proto__']: 1, n: Number.NaN };
  assert.equal(boundedJson(doc), JSON.stringify(doc));
});
