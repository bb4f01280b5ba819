import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { Role } from '../../platform/auth/roles.js';
import type { Alert, Artifact, CheckResult, Timeline } from './integrity.schemas.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPe, makeSigner, signPe, type TestSigner } from './test-support/pe-builder.js';
import { makeSigstore, type TestSigstore } from './test-support/sigstore-fixtures.js';

async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${text.slice(0, 400)}`);
  return JSON.parse(text) as T;
}

const hex = (alg: string, bytes: Buffer) => createHash(alg).update(bytes).digest('hex');
const types = (alerts: Alert[]) => alerts.map((a) => a.type).sort();

describeEachEngine('Update integrity API', ({ engine }) => {
  let server: TestServer;
  let productId: string;
  let vendorId: string;
  let vendorSigner: TestSigner;
  let otherSigner: TestSigner;
  let installer: Buffer;
  let sigstore: TestSigstore;

  const check = (bytes: Buffer | Uint8Array, version: string, filename: string, role: Role = 'analyst', product = productId) =>
    server.api(`/api/v1/artifacts/check?productId=${product}&version=${encodeURIComponent(version)}&filename=${encodeURIComponent(filename)}`, {
      method: 'POST',
      body: new Uint8Array(bytes),
      headers: { 'content-type': 'application/octet-stream' },
      role,
    });
  const register = (body: Record<string, unknown>, role: Role = 'analyst') => server.api('/api/v1/artifacts', { method: 'POST', json: { productId, ...body }, role });

  before(async () => {
    sigstore = await makeSigstore();
    const rootFile = join(mkdtempSync(join(tmpdir(), 'thirdwatch-sigstore-')), 'trusted_root.json');
    writeFileSync(rootFile, JSON.stringify(sigstore.trustedRoot));
    server = await startTestServer(engine, { THIRDWATCH_MAX_ARTIFACT_MB: '2', THIRDWATCH_SIGSTORE_TRUSTED_ROOT: rootFile });
    vendorId = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme Softphones' } }), 201)).id;
    productId = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendorId}/products`, { method: 'POST', json: { name: 'Acme Desk', type: 'desktop-app' } }), 201)).id;
    const ca = await makeSigner('Acme Test Root');
    vendorSigner = await makeSigner('Acme Softphones Ltd', { issuer: ca });
    otherSigner = await makeSigner('Unknown Publisher');
    installer = await signPe(buildPe({ body: Buffer.from('acme desk 1.0 installer payload') }), vendorSigner);
  });
  after(async () => {
    await server?.close();
  });

  test('a check of the registered bytes answers all four hashes, the signature and no alerts', async () => {
    const registered = await json<Artifact>(
      await register({
        version: '1.0.0',
        fileName: 'AcmeDesk-1.0.0.exe',
        size: installer.length,
        sha256: hex('sha256', installer).toUpperCase(),
        sha512: hex('sha512', installer),
        signer: { subject: 'O=Thirdwatch Test + CN=Acme Softphones Ltd', thumbprint: hex('sha1', vendorSigner.der) },
      }),
      201,
    );
    assert.equal(registered.source, 'registered');
    assert.equal(registered.sha256, hex('sha256', installer), 'stored lower-case');
    assert.equal(registered.signatureStatus, 'declared');

    const result = await json<CheckResult>(await check(installer, '1.0.0', 'AcmeDesk-1.0.0.exe'), 200);
    assert.deepEqual(
      { md5: result.md5, sha1: result.sha1, sha256: result.sha256, sha512: result.sha512, size: result.size },
      { md5: hex('md5', installer), sha1: hex('sha1', installer), sha256: hex('sha256', installer), sha512: hex('sha512', installer), size: installer.length },
    );
    assert.equal(result.registered, true);
    assert.equal(result.signature.status, 'valid');
    assert.equal(result.signature.signer?.subject, 'O=Thirdwatch Test + CN=Acme Softphones Ltd');
    assert.equal(result.signature.digestMatches, true);
    assert.deepEqual(result.alerts, [], JSON.stringify(result.alerts));
    assert.equal(result.quarantineUntil, null, 'registered bytes are not quarantined');

    const again = await json<CheckResult>(await check(installer, '1.0.0', 'AcmeDesk-1.0.0.exe'), 200);
    assert.equal(again.artifactId, result.artifactId, 'the same bytes are the same observed artifact');
    assert.equal(again.seenCount, 2);

    const found = await json<{ items: Artifact[] }>(await server.api(`/api/v1/artifacts?hash=${hex('md5', installer)}`, { role: 'viewer' }), 200);
    assert.deepEqual(found.items.map((a) => a.source), ['observed'], 'found by MD5: the observed artifact carries every hash, the registration only those published');
  });

  test('the 3CX pattern: bytes padded inside the certificate table keep a valid signature but raise hash-mutation and signature-padding', async () => {
    const padded = await signPe(buildPe({ body: Buffer.from('acme desk 1.0 installer payload') }), vendorSigner, { padding: Buffer.from('\xfe\xed\xfa\xce encrypted shellcode '.repeat(16), 'latin1') });
    const result = await json<CheckResult>(await check(padded, '1.0.0', 'AcmeDesk-1.0.0.exe'), 200);
    assert.equal(result.signature.status, 'valid', 'the padding is outside what Authenticode signs');
    assert.equal(result.signature.padding.suspicious, true);
    assert.deepEqual(types(result.alerts), ['hash-mutation', 'quarantine', 'signature-padding']);
    const mutation = result.alerts.find((a) => a.type === 'hash-mutation')!;
    assert.equal(mutation.severity, 'high');
    assert.match(mutation.detail, /registered with SHA-256/);
    assert.ok(result.quarantineUntil && result.quarantineUntil > new Date().toISOString());

    const again = await json<CheckResult>(await check(padded, '1.0.0', 'AcmeDesk-1.0.0.exe'), 200);
    assert.deepEqual(again.alerts.map((a) => a.id).sort(), result.alerts.map((a) => a.id).sort(), 'a re-check reports the same alerts, not new ones');
    const listed = await json<{ items: Alert[] }>(await server.api(`/api/v1/integrity/alerts?productId=${productId}&type=signature-padding`, { role: 'viewer' }), 200);
    assert.equal(listed.items.length, 1);
    const risks = await json<{ items: Array<{ source: string; sourceKey: string; vendorIds?: string[] }> }>(await server.api('/api/v1/risks?source=integrity-alert&limit=100', { role: 'viewer' }), 200);
    assert.deepEqual(
      risks.items.map((r) => r.sourceKey).sort(),
      [`${productId}:1.0.0:hash-mutation`, `${productId}:1.0.0:signature-padding`],
      'each high-severity alert raised one risk, and the re-check none more',
    );
  });

  test('a signer this product never had raises signer-change; unsigned builds of a signed file too', async () => {
    const foreign = await signPe(buildPe({ body: Buffer.from('acme desk 1.1') }), otherSigner);
    const result = await json<CheckResult>(await check(foreign, '1.1.0', 'AcmeDesk-1.1.0.exe'), 200);
    assert.deepEqual(types(result.alerts), ['quarantine', 'signer-change']);
    assert.match(result.alerts.find((a) => a.type === 'signer-change')!.detail, /Unknown Publisher/);

    const unsigned = await json<CheckResult>(await check(buildPe({ body: Buffer.from('acme desk 1.0 unsigned') }), '1.0.0', 'AcmeDesk-1.0.0.exe'), 200);
    assert.equal(unsigned.signature.status, 'unsigned');
    assert.ok(types(unsigned.alerts).includes('signer-change'));
    assert.ok(types(unsigned.alerts).includes('hash-mutation'));
  });

  test('a tampered signed file: signature-invalid with both digests', async () => {
    const tampered = Buffer.from(installer);
    tampered[0x210] ^= 0xff;
    const result = await json<CheckResult>(await check(tampered, '1.2.0', 'AcmeDesk-1.2.0.exe'), 200);
    assert.equal(result.signature.status, 'invalid');
    assert.equal(result.signature.digestMatches, false);
    assert.ok(types(result.alerts).includes('signature-invalid'));
  });

  test('the same name and version seen with two different byte strings, nothing registered: hash-mutation', async () => {
    const first = await json<CheckResult>(await check(Buffer.from('#!/bin/sh\necho agent 2.0\n'), '2.0.0', 'agent.sh'), 200);
    assert.deepEqual(types(first.alerts), ['quarantine']);
    assert.equal(first.signature.status, 'not-pe');
    const second = await json<CheckResult>(await check(Buffer.from('#!/bin/sh\necho agent 2.0; curl evil\n'), '2.0.0', 'agent.sh'), 200);
    assert.deepEqual(types(second.alerts), ['hash-mutation', 'quarantine']);
    assert.match(second.alerts[0].detail, /was seen with SHA-256/);
  });

  test('the quarantine window is a setting; 0 turns it off', async () => {
    assert.equal((await server.api('/api/v1/settings/integrity', { method: 'PUT', json: { quarantineHours: 0 }, role: 'analyst' })).status, 403);
    await json(await server.api('/api/v1/settings/integrity', { method: 'PUT', json: { quarantineHours: 0 } }), 200);
    const result = await json<CheckResult>(await check(Buffer.from('never seen before'), '3.0.0', 'tool.bin'), 200);
    assert.deepEqual(result.alerts, []);
    await json(await server.api('/api/v1/settings/integrity', { method: 'PUT', json: { quarantineHours: 72 } }), 200);
  });

  test('inner files: a manifest, then the hashes of the release SBOM', async () => {
    const bytes = Buffer.from('msi with two dlls');
    const created = await json<Artifact>(
      await register({ version: '4.0.0', fileName: 'AcmeDesk-4.0.0.msi', sha256: hex('sha256', bytes), files: [{ path: 'app/ffmpeg.dll', sha256: 'ab'.repeat(32) }, { path: 'app/d3dcompiler_47.dll', sha1: 'cd'.repeat(20), md5: 'EF'.repeat(16) }] }),
      201,
    );
    const detail = await json<{ files: Array<{ path: string; md5: string | null }> }>(await server.api(`/api/v1/artifacts/${created.id}`, { role: 'viewer' }), 200);
    assert.deepEqual(detail.files.map((f) => [f.path, f.md5]), [['app/d3dcompiler_47.dll', 'ef'.repeat(16)], ['app/ffmpeg.dll', null]]);

    const noSbom = await json<{ field: string }>(await server.api(`/api/v1/artifacts/${created.id}/files`, { method: 'PUT', json: { fromSbom: true }, role: 'analyst' }), 400);
    assert.equal(noSbom.field, 'fromSbom');
    const sbom = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      metadata: { component: { type: 'application', 'bom-ref': 'root', name: 'acme-desk', version: '4.0.0' } },
      components: [{ type: 'file', 'bom-ref': 'pkg:generic/ffmpeg@6.1', name: 'ffmpeg', version: '6.1', purl: 'pkg:generic/ffmpeg@6.1', hashes: [{ alg: 'SHA-256', content: '12'.repeat(32) }] }],
    });
    await json(await server.api(`/api/v1/products/${productId}/sboms?release=4.0.0`, { method: 'POST', body: sbom, headers: { 'content-type': 'application/json' }, role: 'analyst' }), 201);
    const fromSbom = await json<{ items: Array<{ path: string; sha256: string; source: string }> }>(await server.api(`/api/v1/artifacts/${created.id}/files`, { method: 'PUT', json: { fromSbom: true }, role: 'analyst' }), 200);
    assert.deepEqual(fromSbom.items.map((f) => [f.path, f.sha256, f.source]), [['pkg:generic/ffmpeg@6.1', '12'.repeat(32), 'sbom']]);

    const duplicate = await register({ version: '4.0.0', fileName: 'AcmeDesk-4.0.0.msi', sha256: hex('sha256', bytes) });
    assert.equal(duplicate.status, 409);
    const twice = await register({ version: '4.0.1', fileName: 'x.msi', sha256: 'aa'.repeat(32), files: [{ path: 'a', sha256: 'bb'.repeat(32) }, { path: 'a', sha256: 'cc'.repeat(32) }] });
    assert.equal(twice.status, 400);
    assert.equal((await json<{ items: Artifact[] }>(await server.api(`/api/v1/artifacts?version=4.0.1`, { role: 'viewer' }), 200)).items.length, 0, 'a refused registration stores nothing');
  });

  test('provenance: a verified Sigstore bundle at registration; a later release without one raises provenance-missing', async () => {
    const v5 = Buffer.from('acme desk 5.0 build');
    const bundle = await sigstore.bundle([{ name: 'AcmeDesk-5.0.0.msi', digest: { sha256: hex('sha256', v5) } }]);
    const wrong = await json<{ field: string; detail: string }>(await register({ version: '5.0.0', fileName: 'AcmeDesk-5.0.0.msi', sha256: 'ee'.repeat(32), sigstoreBundle: bundle }), 400);
    assert.equal(wrong.field, 'sigstoreBundle');
    assert.match(wrong.detail, /do not include this artifact's SHA-256/);
    const registered = await json<Artifact>(await register({ version: '5.0.0', fileName: 'AcmeDesk-5.0.0.msi', sha256: hex('sha256', v5), sigstoreBundle: bundle }), 201);
    assert.equal(registered.provenance?.status, 'verified');
    assert.equal(registered.provenance?.identity, 'release-bot@acme.test');

    const checked = await json<CheckResult>(await check(v5, '5.0.0', 'AcmeDesk-5.0.0.msi'), 200);
    assert.equal(checked.provenance?.builder, 'https://github.com/actions/runner/github-hosted');
    assert.deepEqual(checked.alerts, []);

    const v6 = Buffer.from('acme desk 6.0 build');
    const later = await json<CheckResult>(await check(v6, '6.0.0', 'AcmeDesk-6.0.0.msi'), 200);
    assert.deepEqual(types(later.alerts), ['provenance-missing', 'quarantine']);
    assert.match(later.alerts.find((a) => a.type === 'provenance-missing')!.detail, /5\.0\.0/);

    const attached = await json<Artifact>(await server.api(`/api/v1/artifacts/${later.artifactId}/provenance`, { method: 'POST', json: await sigstore.bundle([{ name: 'AcmeDesk-6.0.0.msi', digest: { sha256: hex('sha256', v6) } }]), role: 'analyst' }), 200);
    assert.equal(attached.provenance?.status, 'verified');
    const tampered = await json<{ detail: string }>(await server.api(`/api/v1/artifacts/${later.artifactId}/provenance`, { method: 'POST', json: { ...bundle, dsseEnvelope: { ...(bundle.dsseEnvelope as Record<string, unknown>), payloadType: 'text/plain' } }, role: 'analyst' }), 400);
    assert.match(tampered.detail, /in-toto/);
  });

  test('the product timeline: releases in order, artifacts, signers and alerts', async () => {
    const timeline = await json<Timeline>(await server.api(`/api/v1/products/${productId}/integrity`, { role: 'viewer' }), 200);
    assert.equal(timeline.product.vendorName, 'Acme Softphones');
    assert.deepEqual(timeline.releases.map((r) => r.version).slice(0, 3), ['1.0.0', '1.1.0', '1.2.0']);
    const first = timeline.releases[0];
    assert.ok(first.artifacts.some((a) => a.source === 'registered'));
    assert.ok(first.alerts.some((a) => a.type === 'signature-padding'));
    assert.deepEqual(timeline.signers.map((s) => s.subject).sort(), ['O=Thirdwatch Test + CN=Acme Softphones Ltd', 'O=Thirdwatch Test + CN=Unknown Publisher']);
    assert.equal(timeline.quarantineHours, 72);
  });

  test('every write is audited', async () => {
    const events = await json<{ items: Array<{ action: string }> }>(await server.api('/api/v1/audit?entityType=artifact&limit=200'), 200);
    const actions = new Set(events.items.map((e) => e.action));
    for (const action of ['artifact.register', 'artifact.observe', 'artifact.reobserve', 'artifact.files.replace']) assert.ok(actions.has(action), `${action} in ${[...actions].join(', ')}`);
  });

  test('bad requests: unknown product, bad query, empty and oversized bodies; nothing is stored', async () => {
    const before = (await json<{ items: Artifact[] }>(await server.api('/api/v1/artifacts?limit=500'), 200)).items.length;
    assert.equal((await check(Buffer.from('x'), '1.0.0', 'a.exe', 'analyst', randomUUID())).status, 404);
    const badName = await json<{ field?: string }>(await check(Buffer.from('x'), '1.0.0', '../../etc/passwd'), 400);
    assert.match(JSON.stringify(badName), /filename/);
    assert.equal((await check(Buffer.from('x'), '\u0001', 'a.exe')).status, 400);
    assert.equal((await check(Buffer.alloc(0), '1.0.0', 'empty.exe')).status, 400);
    const big = await check(Buffer.alloc(3 * 1024 * 1024, 1), '1.0.0', 'big.exe');
    assert.equal(big.status, 413);
    assert.equal((await check(Buffer.from('x'), '1.0.0', 'a.exe', 'viewer')).status, 403);
    assert.equal((await server.api(`/api/v1/artifacts/check?productId=${productId}&version=1&filename=a`, { method: 'POST', body: 'x', role: null })).status, 401);
    assert.equal((await register({ version: '1', fileName: 'a', sha256: 'xyz' })).status, 400);
    const after = (await json<{ items: Artifact[] }>(await server.api('/api/v1/artifacts?limit=500'), 200)).items.length;
    assert.equal(after, before, 'refused checks store nothing');
    assert.equal((await server.api('/healthz')).status, 200);
  });
});
