// An upload is written unpublished, in bounded statements outside any transaction, and published
// in one short transaction: nothing of it is visible before, nothing is left after a failure,
// other writers are not held up meanwhile, and feed writes that come in between are matched.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { newId } from '../../platform/ids.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { NormalizedAdvisory } from '../advisories/parsers/index.js';
import { sbomMatching, type SbomMatching } from '../matching/matching.hook.js';
import { createWorker } from '../../app/thirdwatch.js';
import { SbomService } from './sboms.service.js';
import { buildCycloneDx } from './test-support/build.js';

const ctx = systemContext('test');

function advisory(id: string, name: string): NormalizedAdvisory {
  return {
    id, aliases: [], source: 'test', summary: `${id} summary`, details: null, published: null, modified: '2030-01-01T00:00:00Z', withdrawn: null,
    severity: [], cvss: null, malicious: false, references: [],
    affected: [{ ecosystem: 'npm', name, purl: null, versions: [], ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '9.0.0' }] }] }],
  };
}

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 400));
  return JSON.parse(text) as T;
}

describeEachEngine('SBOM uploads are written unpublished, then published', ({ engine }) => {
  let server: TestServer;
  let vendorId: string;
  const document = (names: string[]) => Buffer.from(buildCycloneDx({ direct: names.map((n) => `pkg:npm/${n}@1.0.0`), components: names.map((n) => ({ purl: `pkg:npm/${n}@1.0.0` })) }));
  const product = async (name: string) =>
    (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendorId}/products`, { method: 'POST', json: { name, type: 'agent' } }), 201)).id;
  /** An SBOM service whose matching step also runs `during` once the real matching wrote the findings. */
  const serviceWith = (during: (sbomId: string) => Promise<void>) => {
    const real = sbomMatching(server.tw.services.matcher);
    const hook: SbomMatching = {
      ...real,
      start: (db, sbom, c) => {
        const run = real.start(db, sbom, c);
        return {
          add: (rows) => run.add(rows),
          finish: async () => {
            const stats = await run.finish();
            await during(sbom.sbomId);
            return stats;
          },
        };
      },
      match: async (db, sbom, c) => {
        const stats = await real.match(db, sbom, c);
        await during(sbom.sbomId);
        return stats;
      },
    };
    return new SbomService(server.tw.database.db, { maxUploadBytes: 10_000_000 }, hook, server.tw.services.jobs);
  };
  const rowsOf = async (sbomId: string) => {
    const count = async (table: 'sboms' | 'sbom_components' | 'findings' | 'sbom_documents' | 'sbom_graphs', column: 'id' | 'sbom_id') =>
      Number((await server.tw.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where(column, '=', sbomId).executeTakeFirstOrThrow()).n);
    return {
      sboms: await count('sboms', 'id'),
      components: await count('sbom_components', 'sbom_id'),
      findings: await count('findings', 'sbom_id'),
      documents: await count('sbom_documents', 'sbom_id'),
      graphs: await count('sbom_graphs', 'sbom_id'),
    };
  };

  before(async () => {
    server = await startTestServer(engine);
    vendorId = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Staging vendor' } }), 201)).id;
    await server.tw.services.advisories.importAdvisories([advisory('TEST-0001', 'staged-vuln')], 'test', ctx);
  });
  after(async () => {
    await server?.close();
  });

  test('nothing of an SBOM is visible until it is published, its findings included', async () => {
    const productId = await product('Invisible');
    const seen: Record<string, unknown> = {};
    const service = serviceWith(async (sbomId) => {
      seen.rows = await rowsOf(sbomId);
      seen.list = (await json<{ items: unknown[] }>(await server.api(`/api/v1/products/${productId}/sboms`))).items.length;
      seen.get = (await server.api(`/api/v1/sboms/${sbomId}`)).status;
      seen.components = (await server.api(`/api/v1/sboms/${sbomId}/components`)).status;
      seen.usage = (await json<{ items: unknown[] }>(await server.api('/api/v1/components?purl=pkg:npm/staged-only'))).items.length;
      seen.findings = (await json<{ items: unknown[] }>(await server.api(`/api/v1/findings?productId=${productId}`))).items.length;
      seen.technologies = (await json<{ items: unknown[] }>(await server.api('/api/v1/technologies?q=staged-only'))).items.length;
      seen.releases = (await json<{ items: unknown[] }>(await server.api(`/api/v1/products/${productId}/releases`))).items.length;
    });
    const created = await service.upload(productId, document(['staged-only', 'staged-vuln']), { release: '1' }, ctx);
    assert.deepEqual(seen, {
      rows: { sboms: 1, components: 2, findings: 1, documents: 1, graphs: 1 },
      list: 0, get: 404, components: 404, usage: 0, findings: 0, technologies: 0, releases: 0,
    });
    assert.equal(created.current, true);
    assert.equal((await json<{ items: unknown[] }>(await server.api(`/api/v1/products/${productId}/sboms`))).items.length, 1);
    assert.equal((await json<{ items: unknown[] }>(await server.api(`/api/v1/findings?productId=${productId}`))).items.length, 1);
    assert.equal((await json<{ items: unknown[] }>(await server.api('/api/v1/components?purl=pkg:npm/staged-only'))).items.length, 1);
    assert.equal((await json<{ items: unknown[] }>(await server.api('/api/v1/technologies?q=staged-only'))).items.length, 1);
  });

  test('a failure after the rows are written leaves nothing behind, and the current SBOM stays current', async () => {
    const productId = await product('Fails');
    const first = await server.tw.services.sboms.upload(productId, document(['staged-vuln']), { release: '1' }, ctx);
    let staged = '';
    const service = serviceWith(async (sbomId) => {
      staged = sbomId;
      throw new Error('the process gave up here');
    });
    await assert.rejects(service.upload(productId, document(['staged-vuln', 'other-pkg']), { release: '1' }, ctx), /gave up/);
    assert.deepEqual(await rowsOf(staged), { sboms: 0, components: 0, findings: 0, documents: 0, graphs: 0 });
    const list = await json<{ items: Array<{ id: string; current: boolean }> }>(await server.api(`/api/v1/products/${productId}/sboms`));
    assert.deepEqual(list.items.map((s) => [s.id, s.current]), [[first.id, true]]);
    assert.equal((await json<{ items: unknown[] }>(await server.api(`/api/v1/findings?productId=${productId}`))).items.length, 1);
  });

  test('other writes go through while an SBOM is being written', async () => {
    const productId = await product('Busy');
    let status = 0;
    const service = serviceWith(async () => {
      const timeout = AbortSignal.timeout(5000);
      status = (await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Created meanwhile' }, signal: timeout })).status;
    });
    await service.upload(productId, document(['busy-pkg']), { release: '1' }, ctx);
    assert.equal(status, 201);
  });

  test('an advisory imported while an SBOM is being written still finds it', async () => {
    const productId = await product('Raced');
    let imported = false;
    const service = serviceWith(async () => {
      if (imported) return;
      imported = true;
      await server.tw.services.advisories.importAdvisories([advisory('TEST-0002', 'raced-pkg')], 'test', ctx);
    });
    await service.upload(productId, document(['raced-pkg']), { release: '1' }, ctx);
    const findings = await json<{ items: Array<{ advisory: { displayId: string } }> }>(await server.api(`/api/v1/findings?productId=${productId}`));
    assert.equal(findings.items.length, 1);
  });

  test('async=true: 202 with a job that a worker runs; the SBOM appears only when the job is done', async () => {
    const productId = await product('As a job');
    const worker = createWorker(server.tw, { pollMs: 10 });
    // The search index jobs earlier uploads queued run first, so the drain below counts this upload's jobs.
    await worker.drain();
    const res = await server.api(`/api/v1/products/${productId}/sboms?release=2&async=true`, { method: 'POST', body: document(['job-pkg', 'staged-vuln']) });
    const queued = await json<{ id: string; jobId: string; kind: string; status: string }>(res, 202);
    assert.equal(res.headers.get('location'), `/api/v1/jobs/${queued.jobId}`);
    assert.deepEqual([queued.id, queued.kind, queued.status], [queued.jobId, 'sboms.upload', 'queued'], 'the job answer of every import, and jobId for earlier clients');
    assert.equal((await json<{ status: string }>(await server.api(`/api/v1/jobs/${queued.jobId}`))).status, 'queued');
    assert.equal((await json<{ items: unknown[] }>(await server.api(`/api/v1/products/${productId}/sboms`))).items.length, 0);
    assert.equal(await worker.drain(), 2, 'the upload, then the search index job its publish queued');
    const job = await json<{ status: string; progress: { phase: string }; result: { sbomId: string; release: string; componentCount: number } }>(await server.api(`/api/v1/jobs/${queued.jobId}`));
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.deepEqual([job.result.release, job.result.componentCount, job.progress.phase], ['2', 2, 'match']);
    const stored = await json<{ id: string; current: boolean }>(await server.api(`/api/v1/sboms/${job.result.sbomId}`));
    assert.equal(stored.current, true);
    assert.equal((await json<{ items: unknown[] }>(await server.api(`/api/v1/findings?productId=${productId}`))).items.length, 1);
    assert.deepEqual(await server.tw.database.db.selectFrom('job_inputs').select('part').where('job_id', '=', queued.jobId).execute(), [], 'the input is gone');
  });

  test('async=true: a job cancelled while it runs stores nothing', async () => {
    const productId = await product('Cancelled job');
    const jobId = await json<{ jobId: string }>(await server.api(`/api/v1/products/${productId}/sboms?wait=false`, { method: 'POST', body: document(['cancel-pkg']) }), 202);
    const worker = createWorker(server.tw, { pollMs: 10 });
    // Cancelled once it runs: the request lands while the job reports its first progress.
    await server.tw.database.db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', jobId.jobId).execute();
    await worker.drain();
    assert.equal((await json<{ status: string }>(await server.api(`/api/v1/jobs/${jobId.jobId}`))).status, 'cancelled');
    assert.equal(Number((await server.tw.database.db.selectFrom('sboms').select((eb) => eb.fn.countAll<number>().as('n')).where('product_id', '=', productId).executeTakeFirstOrThrow()).n), 0);
  });

  test('an upload of many slices stores every component, hash, edge and finding, in document order', async () => {
    const productId = await product('Many slices');
    // 4,321 components (several reader slices, several batches on PostgreSQL), a chain of
    // dependencies across them, every 97th one vulnerable.
    const names = Array.from({ length: 4_321 }, (_, i) => `slice-pkg-${i}`);
    const vulnerable = names.filter((_, i) => i % 97 === 0);
    await server.tw.services.advisories.importAdvisories(vulnerable.map((name, i) => advisory(`TEST-SLICE-${i}`, name)), 'test', ctx);
    const purl = (name: string) => `pkg:npm/${name}@1.0.0`;
    const body = Buffer.from(
      buildCycloneDx({
        direct: [purl(names[0])],
        components: names.map((name, i) => ({ purl: purl(name), hashes: { 'SHA-256': i.toString(16).padStart(64, '0') }, deps: i + 1 < names.length ? [purl(names[i + 1])] : [] })),
      }),
    );
    const created = await server.tw.services.sboms.upload(productId, body, { release: '1' }, ctx);
    const db = server.tw.database.db;
    const components = await db.selectFrom('sbom_components').select(['idx', 'name', 'depth']).where('sbom_id', '=', created.id).orderBy('idx').execute();
    assert.deepEqual(components.map((c) => [Number(c.idx), c.name, Number(c.depth)]), names.map((name, i) => [i + 1, name, i + 1]));
    const hashes = await db.selectFrom('sbom_component_hashes').select((eb) => eb.fn.countAll<number>().as('n')).where('sbom_id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(Number(hashes.n), names.length);
    const findings = await db.selectFrom('findings').select(['package_name', 'depth']).where('sbom_id', '=', created.id).orderBy('component_idx').execute();
    assert.deepEqual(findings.map((f) => [f.package_name, Number(f.depth)]), vulnerable.map((name) => [name, names.indexOf(name) + 1]));
    assert.equal((await json<{ dependencyCount: number }>(await server.api(`/api/v1/sboms/${created.id}`))).dependencyCount, names.length);
  });

  test('an upload abandoned by a killed process is swept by a later one', async () => {
    const productId = await product('Abandoned');
    const id = newId();
    const db = server.tw.database.db;
    await db
      .insertInto('sboms')
      .values({
        id, product_id: productId, release: '1', is_current: 0, published: 0, format: 'cyclonedx', encoding: 'json', spec_version: '1.5', serial_number: null,
        document_created_at: null, tools: '[]', root_ref: null, root_name: null, root_version: null, root_purl: null, component_count: 1, dependency_count: 0,
        warnings: '[]', byte_size: 1, sha256: 'x', media_type: 'application/vnd.cyclonedx+json', uploaded_at: new Date(Date.now() - 2 * 3_600_000).toISOString(), uploaded_by: 'test',
      })
      .execute();
    await db
      .insertInto('sbom_components')
      .values({
        sbom_id: id, idx: 1, ref: null, name: 'gone', group_name: null, version: '1.0.0', purl: 'pkg:npm/gone@1.0.0', purl_type: 'npm', purl_namespace: null, purl_name: 'gone',
        purl_qualifiers: null, ecosystem: 'npm', package_name: 'gone', name_key: 'gone', cpe: null, type: 'library', scope: null, supplier: null, licenses: null, hashes: null,
        parent_idx: null, depth: 1, via_idx: 0, direct: 1, source_package: null,
      })
      .execute();
    await server.tw.services.sboms.upload(productId, document(['fresh']), { release: '1' }, ctx);
    assert.deepEqual(await rowsOf(id), { sboms: 0, components: 0, findings: 0, documents: 0, graphs: 0 });
  });
});
