import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { AppError } from '../../platform/errors.js';
import { loadTrustMaterial, SigstoreVerifier } from './sigstore.js';
import { makeSigstore, type TestSigstore } from './test-support/sigstore-fixtures.js';

const SHA256 = 'ab'.repeat(32);
const SHA512 = 'cd'.repeat(64);

function refused(fn: () => unknown, reason: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AppError, `an AppError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.match(error.message, reason);
    return true;
  });
}

describe('Sigstore bundle verification (offline, against a test trusted root)', () => {
  let sigstore: TestSigstore;
  let verifier: SigstoreVerifier;
  let bundle: Record<string, any>;

  before(async () => {
    sigstore = await makeSigstore();
    verifier = new SigstoreVerifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)));
    bundle = await sigstore.bundle([{ name: 'other.msi', digest: { sha256: 'ef'.repeat(32) } }, { name: 'AcmeDesk.msi', digest: { sha256: SHA256.toUpperCase() } }]);
  });

  test('a DSSE in-toto bundle naming the artifact verifies, with identity, issuer, builder and source', () => {
    const provenance = verifier.verify(bundle, { sha256: SHA256, sha512: null });
    assert.equal(provenance.status, 'verified');
    assert.equal(provenance.bundleType, 'dsse');
    assert.equal(provenance.identity, 'release-bot@acme.test');
    assert.equal(provenance.issuer, 'https://token.actions.githubusercontent.com');
    assert.equal(provenance.predicateType, 'https://slsa.dev/provenance/v1');
    assert.equal(provenance.builder, 'https://github.com/actions/runner/github-hosted');
    assert.equal(provenance.sourceRepository, 'https://github.com/acme/desk');
    assert.equal(provenance.subjects.length, 2);
  });

  test('a SHA-512 subject names the artifact too', async () => {
    const by512 = await sigstore.bundle([{ name: 'a', digest: { sha512: SHA512 } }]);
    assert.equal(verifier.verify(by512, { sha256: SHA256, sha512: SHA512 }).status, 'verified');
    refused(() => verifier.verify(by512, { sha256: SHA256, sha512: null }), /do not include this artifact's SHA-256/);
  });

  test('a valid bundle about other bytes is refused (the in-toto subject digest)', () => {
    refused(() => verifier.verify(bundle, { sha256: '00'.repeat(32), sha512: null }), /subjects \(2\) do not include/);
  });

  test('a changed statement (new subject digest, old signature) is refused', () => {
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    statement.subject[0].digest.sha256 = '00'.repeat(32);
    const forged = structuredClone(bundle);
    forged.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    refused(() => verifier.verify(forged, { sha256: '00'.repeat(32), sha512: null }), /does not verify against the trusted root/);
  });

  test('a flipped signature byte is refused', () => {
    const forged = structuredClone(bundle);
    const sig = Buffer.from(forged.dsseEnvelope.signatures[0].sig, 'base64');
    sig[sig.length - 3] ^= 1;
    forged.dsseEnvelope.signatures[0].sig = sig.toString('base64');
    refused(() => verifier.verify(forged, { sha256: SHA256, sha512: null }), /does not verify/);
  });

  test('a bundle from another Sigstore (not in the trusted root) is refused', async () => {
    const stranger = await makeSigstore();
    const foreign = await stranger.bundle([{ name: 'AcmeDesk.msi', digest: { sha256: SHA256 } }]);
    refused(() => verifier.verify(foreign, { sha256: SHA256, sha512: null }), /does not verify against the trusted root/);
    refused(() => new SigstoreVerifier(loadTrustMaterial(null)).verify(bundle, { sha256: SHA256, sha512: null }), /does not verify against the trusted root/);
  });

  test('a tampered inclusion promise is refused', () => {
    const forged = structuredClone(bundle);
    forged.verificationMaterial.tlogEntries[0].integratedTime = String(Number(forged.verificationMaterial.tlogEntries[0].integratedTime) + 1);
    refused(() => verifier.verify(forged, { sha256: SHA256, sha512: null }), /does not verify/);
  });

  test('malformed bundles get a reason, never a crash', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /not a Sigstore bundle/],
      ['a string', /not a Sigstore bundle/],
      [[], /not a Sigstore bundle/],
      [{}, /not a Sigstore bundle/],
      [{ ...bundle, mediaType: 'application/json' }, /not a Sigstore bundle/],
      [{ ...bundle, verificationMaterial: { ...bundle.verificationMaterial, tlogEntries: [{}] } }, /not a Sigstore bundle|does not verify/],
      [{ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payloadType: 'text/plain' } }, /not an in-toto statement/],
      [{ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: Buffer.from('not json').toString('base64') } }, /payload is not JSON/],
      [{ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: Buffer.from('{"subject":5}').toString('base64') } }, /no subject list/],
      [{ ...bundle, verificationMaterial: { ...bundle.verificationMaterial, x509CertificateChain: { certificates: [{ rawBytes: 'AAAA' }] } } }, /does not verify|not a Sigstore bundle/],
    ];
    for (const [input, reason] of cases) refused(() => verifier.verify(input, { sha256: SHA256, sha512: null }), reason);
  });

  test('a message-signature bundle names the digest it signs, and is refused without the bytes', () => {
    const message = {
      mediaType: bundle.mediaType,
      verificationMaterial: bundle.verificationMaterial,
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(SHA256, 'hex').toString('base64') }, signature: bundle.dsseEnvelope.signatures[0].sig },
    };
    refused(() => verifier.verify(message, { sha256: SHA256, sha512: null }), /message-signature bundle signs the file's bytes/);
    refused(() => verifier.verify(message, { sha256: '11'.repeat(32), sha512: null }), /signs the digest ab/);
  });
});
