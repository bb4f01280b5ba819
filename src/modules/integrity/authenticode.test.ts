import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { analyseSignature } from './authenticode.js';
import { bufferSource } from './pe.js';
import { buildPe, makeSigner, peOffsets, signPe, type TestSigner } from './test-support/pe-builder.js';

describe('Authenticode: hostile and damaged input', () => {
  let signer: TestSigner;
  let signed: Buffer;

  before(async () => {
    signer = await makeSigner('Hostile Test Signer');
    signed = await signPe(buildPe(), signer);
  });

  const analyse = (bytes: Buffer, requirePe = false) => analyseSignature(bufferSource(bytes), { requirePe });

  test('a non-PE file given as PE is malformed with the reason; without the claim it is not-pe', async () => {
    for (const bytes of [Buffer.from('%PDF-1.7\n'), Buffer.alloc(0), Buffer.from('M'), Buffer.from('PK\u0003\u0004zip')]) {
      const claimed = await analyse(bytes, true);
      assert.deepEqual([claimed.status, claimed.problems], ['malformed', ['not a PE file: no MZ header']]);
      assert.equal((await analyse(bytes)).status, 'not-pe');
    }
  });

  test('MZ headers that lead nowhere: each a malformed verdict naming the problem', async () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.from('MZ'), /no MZ header/],
      [(() => { const b = buildPe(); b.writeUInt32LE(0xfffffff0, 0x3c); return b; })(), /e_lfanew .* past the end/],
      [(() => { const b = buildPe(); b.write('XX', 0x40, 'latin1'); return b; })(), /no PE\\0\\0 signature/],
      [(() => { const b = buildPe(); b.writeUInt16LE(0x1234, 0x58); return b; })(), /optional header magic 0x1234/],
      [(() => { const b = buildPe(); b.writeUInt16LE(0xffff, 0x54); return b; })(), /optional header runs past the end/],
    ];
    for (const [bytes, reason] of cases) {
      const result = await analyse(bytes);
      assert.equal(result.status, 'malformed', reason.source);
      assert.match(result.problems.join('; '), reason);
    }
  });

  test('truncated certificate tables', async () => {
    const cut = signed.subarray(0, signed.length - 100);
    assert.match((await analyse(cut)).problems[0], /truncated certificate table: it claims \d+ bytes at offset \d+, the file has \d+/);

    const { certDirectory } = peOffsets(signed);
    const longEntry = Buffer.from(signed);
    longEntry.writeUInt32LE(signed.readUInt32LE(certDirectory + 4) + 64, signed.readUInt32LE(certDirectory));
    assert.match((await analyse(longEntry)).problems[0], /WIN_CERTIFICATE at \d+ declares \d+ bytes/);

    const shortDer = Buffer.from(signed);
    const at = signed.readUInt32LE(certDirectory) + 8;
    shortDer[at + 2] = 0xff; // the PKCS#7 SEQUENCE now claims more bytes than the entry holds
    assert.match((await analyse(shortDer)).problems[0], /longer than the certificate entry/);

    const notDer = Buffer.from(signed);
    notDer[at] = 0x04;
    assert.match((await analyse(notDer)).problems[0], /does not start with a DER SEQUENCE/);
  });

  test('a garbled PKCS#7 blob is malformed, never a crash; a signature copied from another file is invalid', async () => {
    const { certDirectory } = peOffsets(signed);
    const at = signed.readUInt32LE(certDirectory) + 8;
    for (const offset of [6, 20, 40, 80, 200, 400]) {
      const garbled = Buffer.from(signed);
      garbled.fill(0xa5, at + offset, at + offset + 16);
      const result = await analyse(garbled);
      assert.ok(['malformed', 'invalid'].includes(result.status), `offset ${offset}: ${result.status}`);
      assert.ok(result.problems.length, 'with a reason');
    }
    const other = await signPe(buildPe({ body: Buffer.from('another program') }), signer);
    const { certDirectory: dir } = peOffsets(other);
    const transplanted = Buffer.concat([buildPe({ body: Buffer.from('tampered program') }), other.subarray(other.readUInt32LE(dir))]);
    transplanted.writeUInt32LE(other.readUInt32LE(dir), dir);
    transplanted.writeUInt32LE(other.readUInt32LE(dir + 4), dir + 4);
    const result = await analyse(transplanted);
    assert.equal(result.status, 'invalid');
    assert.equal(result.signatureVerifies, true, 'the signature itself holds');
    assert.equal(result.digestMatches, false, 'but it signs other bytes');
  });

  test('zero padding up to the 8-byte boundary is normal; more, or non-zero bytes, are suspicious', async () => {
    assert.equal((await analyse(signed)).padding.suspicious, false);
    const zeros = await analyse(await signPe(buildPe(), signer, { padding: Buffer.alloc(64) }));
    assert.deepEqual([zeros.status, zeros.padding.suspicious, zeros.padding.nonZero], ['valid', true, false]);
    const one = await analyse(await signPe(buildPe(), signer, { padding: Buffer.from([1]) }));
    assert.deepEqual([one.status, one.padding.suspicious, one.padding.nonZero], ['valid', true, true]);
  });
});
