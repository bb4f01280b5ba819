// SBOM parsing: a generated 10,000-component CycloneDX 1.6 JSON and SPDX 2.3 JSON document, parsed
// from text to ParsedSbom (JSON.parse included), with and without CycloneDX schema validation.
import { median, type BenchRow, type BenchSuite } from '../lib.js';
import { parseSbom, type ParseSbomOptions } from '../../src/modules/sboms/parsers/index.js';
import { generateCycloneDx, generateSpdx23 } from '../../src/modules/sboms/parsers/test-support/generate.js';

const RUNS = 5;

function timeMs(fn: () => void): number {
  // The first run compiles the schema validator and warms the JIT; it is not counted.
  fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

function rows(name: string, components: number, ms: number, notes: string): BenchRow[] {
  return [
    { suite: 'sbom-parse', name: `${name}: parse time`, value: ms, unit: 'ms', notes: `median of ${RUNS}; ${notes}` },
    { suite: 'sbom-parse', name: `${name}: throughput`, value: (components / ms) * 1000, unit: 'components/s' },
  ];
}

export const run: BenchSuite = async (ctx) => {
  const n = ctx.quick ? 2_000 : 10_000;
  const cyclonedx = generateCycloneDx(n);
  const spdx = generateSpdx23(n);
  const megabytes = (text: string) => `${(text.length / 1e6).toFixed(1)} MB`;
  ctx.log(`${n} components: CycloneDX ${megabytes(cyclonedx)}, SPDX ${megabytes(spdx)}`);

  const parse = (text: string, options: ParseSbomOptions) => () => {
    if (parseSbom(text, options).components.length !== n) throw new Error('component count mismatch');
  };
  const label = `${n.toLocaleString('en-US')} components`;
  const jsonParseMs = timeMs(() => JSON.parse(cyclonedx));
  return [
    ...rows(`CycloneDX 1.6 JSON, ${label}, no validation`, n, timeMs(parse(cyclonedx, { validate: false })),
      `${megabytes(cyclonedx)}; JSON.parse alone ${jsonParseMs.toFixed(1)} ms`),
    ...rows(`CycloneDX 1.6 JSON, ${label}, schema-validated`, n, timeMs(parse(cyclonedx, { validate: true })),
      'ajv against the official 1.6 schema (compiled once, not timed)'),
    ...rows(`SPDX 2.3 JSON, ${label}`, n, timeMs(parse(spdx, {})), `${megabytes(spdx)}; no schema validation for SPDX`),
  ];
};
