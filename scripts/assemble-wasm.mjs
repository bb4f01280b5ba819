#!/usr/bin/env node
// Assembles the hand-written WebAssembly in src (each NAME.wat into NAME.wasm beside it) with
// wabt. The .wasm files are committed; test/pii/prefilter-wasm.test.ts checks they are what
// their .wat assembles to, so run this after changing a .wat.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wabt from 'wabt';

const { parseWat } = await wabt();
const walk = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
for (const file of walk(new URL('../src', import.meta.url).pathname).filter((f) => f.endsWith('.wat'))) {
  const module = parseWat(file, readFileSync(file, 'utf8'), { simd: true });
  module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  writeFileSync(file.replace(/\.wat$/, '.wasm'), buffer);
  console.log(`${file.replace(/\.wat$/, '.wasm')}: ${buffer.length} bytes`);
}
