import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SbomParseError } from './parsers/index.js';
import { generateCycloneDx } from './parsers/test-support/generate.js';
import { readSbom } from './sboms.ingest.js';
import { readSbomOffThread } from './sboms.reader.js';

const limits = { maxBytes: 64 * 1024 * 1024 };

describe('reading uploads on the reader thread', () => {
  test('gives what reading in this thread gives, rows in document order across slices', async () => {
    const body = Buffer.from(generateCycloneDx(4_500, { seed: 3 }));
    const off = await readSbomOffThread(body, limits);
    const here = readSbom(body, limits);
    const slices = [...off.slices()];
    assert.ok(slices.length > 1, 'more than one slice');
    assert.equal(off.componentCount, 4_500);
    assert.deepEqual(slices.flat(), here.components);
    assert.throws(() => [...off.slices()], /taken once/);
    assert.deepEqual(off.facts, here.facts);
    assert.equal(off.sha256, here.sha256);
    assert.equal(off.edgeCount, here.edgeCount);
    assert.ok(Buffer.isBuffer(off.packedEdges));
    assert.ok(off.packedEdges.equals(here.packedEdges));
    assert.equal(body.length, Buffer.from(generateCycloneDx(4_500, { seed: 3 })).length, 'the caller keeps its buffer');
  });

  test('the event loop keeps turning while a large document is read', async () => {
    const body = Buffer.from(generateCycloneDx(20_000, { seed: 4 }));
    let turns = 0;
    let reading = true;
    const spin = () => {
      if (!reading) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const read = await readSbomOffThread(body, limits);
    reading = false;
    assert.equal([...read.slices()].flat().length, 20_000);
    // Reading in this thread would allow no turn at all until it returned.
    assert.ok(turns > 10, `${turns} turns`);
  });

  test('an unreadable document is an SbomParseError with its place; the next one reads', async () => {
    await assert.rejects(readSbomOffThread(Buffer.from('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "gizmo", "name": "x"}]}'), limits), (error) => {
      assert.ok(error instanceof SbomParseError);
      assert.equal(error.pointer, '/components/0/type');
      assert.ok(error.details?.length);
      return true;
    });
    await assert.rejects(readSbomOffThread(Buffer.from('{"bomFormat": "CycloneDX", '), limits), SbomParseError);
    assert.equal((await readSbomOffThread(Buffer.from(generateCycloneDx(10)), limits)).componentCount, 10);
  });

  test('invalid purls are reported (not prepared) unless lenient', async () => {
    const doc = JSON.parse(generateCycloneDx(3)) as { components: Array<{ purl?: string }> };
    doc.components[1].purl = 'pkg:npm/';
    const body = Buffer.from(JSON.stringify(doc));
    const strict = await readSbomOffThread(body, limits);
    assert.equal(strict.badPurlCount, 1);
    assert.match(strict.badPurls[0].field, /^\/components\/1/);
    assert.equal(strict.componentCount, 0);
    const lenient = await readSbomOffThread(body, { ...limits, lenient: true });
    assert.equal([...lenient.slices()].flat().length, 3);
  });
});
