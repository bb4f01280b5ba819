// The committed WebAssembly prefilter is its source assembled: src/modules/pii/pii.prefilter.wasm
// must be exactly what pii.prefilter.wat assembles to (`node scripts/assemble-wasm.mjs` rewrites it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import wabt from 'wabt';

test('pii.prefilter.wasm is pii.prefilter.wat assembled', async () => {
  const source = new URL('../../src/modules/pii/pii.prefilter.wat', import.meta.url);
  const { parseWat } = await wabt();
  const module = parseWat('pii.prefilter.wat', readFileSync(source, 'utf8'), { simd: true });
  module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  const committed = readFileSync(new URL('../../src/modules/pii/pii.prefilter.wasm', import.meta.url));
  assert.ok(Buffer.from(buffer).equals(committed), 'pii.prefilter.wasm differs from pii.prefilter.wat assembled: run node scripts/assemble-wasm.mjs');
});
