import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { buildZip } from './parsers/test-zip.js';
import { allFindings, createProduct, GO_ZIP, goBom, importFeed, json, KEV_JSON, osvRecord, problem, uploadSbom, VEX_DIR } from '../findings/test-support.js';

/** GO-2022-1059 as the Go vulndb publishes it (x/text < 0.3.8). */
const GO_2022_1059 = {
  schema_version: '1.3.1',
  id: 'GO-2022-1059',
  modified: '0001-01-01T00:00:00Z',
  published: '0001-01-01T00:00:00Z',
  aliases: ['CVE-2022-32149', 'GHSA-69ch-w2m2-3vjp'],
  summary: 'Denial of service via crafted Accept-Language header in golang.org/x/text/language',
  affected: [{ package: { name: 'golang.org/x/text', ecosystem: 'Go' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.3.8' }] }] }],
};

const MODULES: Array<[string, string]> = [
  ['golang.org/x/text', 'v0.3.7'],
  ['github.com/gin-gonic/gin', 'v1.6.3'],
  ['gopkg.in/yaml.v2', 'v2.2.2'],
  ['stdlib', 'go1.13.1'],
];

describeEachEngine('feeds: incremental matching, withdrawal, ecosystems, hostile input, scheduled sync', ({ engine }) => {
  let server: TestServer;
  let productId: string;

  before(async () => {
    // The scheduled-sync test serves feeds from this machine: allow loopback for it.
    server = await startTestServer(engine, { THIRDWATCH_MAX_UPLOAD_MB: '5', THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' });
    const report = await importFeed(server, 'osv', new Uint8Array(readFileSync(GO_ZIP)));
    assert.equal(report.imported, 4291);
    ({ productId } = await createProduct(server, 'Globex', 'Billing API'));
    await uploadSbom(server, productId, goBom({ name: 'billing', version: '2.0.0' }, MODULES));
  });
  after(async () => {
    await server?.close();
  });

  test('Go stdlib versions written go1.x match the vulndb\'s stdlib ranges', async () => {
    const stdlib = (await allFindings(server, `productId=${productId}`)).filter((f) => f.component.name === 'stdlib');
    assert.ok(stdlib.length > 50, `${stdlib.length} stdlib findings for go1.13.1`);
    const kev = stdlib.find((f) => f.advisoryId === 'CVE-2020-0601')!;
    assert.equal(kev.fixedIn, '1.13.7');
    assert.ok(stdlib.every((f) => f.verdict === 'affected'));
  });

  test('a new advisory affecting one component creates exactly its finding and touches nothing else', async () => {
    const before = await allFindings(server, `productId=${productId}&status=all`);
    const snapshot = new Map(before.map((f) => [f.id, f.updatedAt]));
    const report = await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2099-0001', 'gopkg.in/yaml.v2', '2.9.0')));
    assert.deepEqual([report.imported, report.findings.created, report.findings.updated, report.findings.closed], [1, 1, 0, 0]);
    assert.deepEqual(report.matching, { keys: 1, componentsExamined: 1 }, 'one key looked up, one component evaluated: no rescan');
    const afterwards = await allFindings(server, `productId=${productId}&status=all`);
    assert.equal(afterwards.length, before.length + 1);
    const created = afterwards.filter((f) => !snapshot.has(f.id));
    assert.deepEqual(created.map((f) => [f.advisoryId, f.component.name, f.fixedIn]), [['GO-2099-0001', 'gopkg.in/yaml.v2', '2.9.0']]);
    for (const f of afterwards) if (snapshot.has(f.id)) assert.equal(f.updatedAt, snapshot.get(f.id), `${f.advisoryId} untouched`);
    const rows = await server.tw.database.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(rows.n), afterwards.length);

    // An advisory about a package nobody uses costs one lookup and writes no finding.
    const unused = await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2099-0002', 'example.org/unused', '1.0.0')));
    assert.deepEqual([unused.findings.created, unused.matching.keys, unused.matching.componentsExamined], [0, 1, 0]);
  });

  test('withdrawn closes its findings; unchanged re-import is skipped; un-withdrawing reopens; older records are ignored', async () => {
    const open = (await allFindings(server, `productId=${productId}`)).find((f) => f.advisoryId === 'CVE-2022-32149')!;
    assert.ok(open);
    const withdrawn = { ...GO_2022_1059, modified: '2030-02-01T00:00:00Z', withdrawn: '2030-02-01T00:00:00Z' };
    const report = await importFeed(server, 'osv', JSON.stringify(withdrawn));
    assert.deepEqual([report.updated, report.findings.closed], [1, 1]);
    const closed = await json(await server.api(`/api/v1/findings/${open.id}`, { role: 'viewer' }), 200);
    assert.deepEqual([closed.status, closed.closedReason], ['closed', 'advisory_withdrawn']);
    assert.deepEqual(closed.history.map((h: any) => h.action), ['closed']);
    assert.ok(!(await allFindings(server, `productId=${productId}`)).some((f) => f.id === open.id), 'closed findings are not listed by default');
    assert.ok((await allFindings(server, `productId=${productId}&status=closed`)).some((f) => f.id === open.id));
    assert.equal((await json(await server.api('/api/v1/advisories/CVE-2022-32149', { role: 'viewer' }), 200)).withdrawn, true);
    assert.equal((await json(await server.api('/api/v1/exposure?cve=CVE-2022-32149', { role: 'viewer' }), 200)).summary.findings, 0);

    const again = await importFeed(server, 'osv', JSON.stringify(withdrawn));
    assert.deepEqual([again.imported, again.updated, again.skipped], [0, 0, 1]);
    const stale = await importFeed(server, 'osv', JSON.stringify({ ...GO_2022_1059, summary: 'an older copy' }));
    assert.deepEqual([stale.updated, stale.skipped], [0, 1], 'a record older than the stored one is skipped');

    const restored = await importFeed(server, 'osv', JSON.stringify({ ...GO_2022_1059, modified: '2030-03-01T00:00:00Z' }));
    assert.deepEqual([restored.updated, restored.findings.reopened, restored.findings.created], [1, 1, 0]);
    const reopened = await json(await server.api(`/api/v1/findings/${open.id}`, { role: 'viewer' }), 200);
    assert.deepEqual([reopened.status, reopened.closedReason], ['open', null]);
  });

  test('a changed advisory updates incrementally: a lower fix version closes what is no longer affected', async () => {
    const gin = (await allFindings(server, `productId=${productId}`)).find((f) => f.advisoryId === 'CVE-2020-28483')!;
    assert.equal(gin.fixedIn, '1.7.7');
    const changed = {
      ...osvRecord('GO-2021-0052', 'github.com/gin-gonic/gin', '1.6.0'),
      aliases: ['CVE-2020-28483', 'GHSA-h395-qcrw-5vmq'],
      modified: '2030-04-01T00:00:00Z',
    };
    const report = await importFeed(server, 'osv', JSON.stringify(changed));
    assert.deepEqual([report.updated, report.findings.closed, report.matching.componentsExamined], [1, 1, 1]);
    const closed = await json(await server.api(`/api/v1/findings/${gin.id}`, { role: 'viewer' }), 200);
    assert.deepEqual([closed.status, closed.closedReason], ['closed', 'no_longer_affected']);
    const moved = await importFeed(server, 'osv', JSON.stringify({ ...changed, modified: '2030-04-02T00:00:00Z', affected: [{ ...changed.affected[0], ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.8.0' }] }] }] }));
    assert.equal(moved.findings.reopened, 1);
    assert.equal((await json(await server.api(`/api/v1/findings/${gin.id}`, { role: 'viewer' }), 200)).fixedIn, '1.8.0');
  });

  test('EPSS scores keep their model version and date; a likely-exploited finding is prioritised', async () => {
    const csv = '#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2023-29401,0.61234,0.98\nCVE-2019-11254,0.02,0.5\nnot-a-cve,0.1,0.1\n';
    const report = await importFeed(server, 'epss', csv);
    assert.deepEqual([report.imported, report.errors], [2, [{ record: 'line 5', reason: "'not-a-cve' is not a CVE id" }]]);
    const advisory = await json(await server.api('/api/v1/advisories/CVE-2023-29401', { role: 'viewer' }), 200);
    assert.deepEqual([advisory.epss, advisory.epssPercentile, advisory.epssModel, advisory.epssDate], [0.61234, 0.98, 'v2025.03.14', '2025-08-25T00:00:00Z']);
    const likely = await allFindings(server, `productId=${productId}&epssMin=0.5`);
    assert.deepEqual(likely.map((f) => [f.advisoryId, f.priority, f.epss]), [['CVE-2023-29401', 'epss', 0.61234]]);
    const again = await importFeed(server, 'epss', csv);
    assert.deepEqual([again.imported, again.updated, again.skipped], [0, 0, 2]);
  });

  test('ecosystems: MAL- packages, PyPI and Maven names, Debian source packages and releases, CISA VEX on the product root', async () => {
    const { productId: appId } = await createProduct(server, 'Initech', 'TPS Reports');
    const purls = [
      'pkg:npm/evil-pkg@1.0.0',
      'pkg:pypi/Pillow@9.5.0',
      'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      'pkg:deb/debian/libssl3@3.0.9-1?arch=amd64&distro=debian-12&upstream=openssl',
      'pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u5?arch=amd64&distro=debian-11&upstream=openssl%401.1.1n-0%2Bdeb11u5',
      'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=bookworm',
    ];
    const bom = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      metadata: { component: { type: 'application', name: 'ABC', version: '4.2', 'bom-ref': 'product-ABC' } },
      components: purls.map((purl, i) => ({ type: 'library', name: purl.split('/').pop()!.split('@')[0], version: decodeURIComponent(purl.split('@')[1].split('?')[0]), purl, 'bom-ref': `c${i}` })),
    });
    await uploadSbom(server, appId, bom);
    const records = [
      { id: 'MAL-2099-0001', modified: '2030-01-01T00:00:00Z', summary: 'Malicious code in evil-pkg', affected: [{ package: { ecosystem: 'npm', name: 'evil-pkg' }, versions: ['1.0.0'] }] },
      { id: 'PYSEC-2099-1', modified: '2030-01-01T00:00:00Z', aliases: ['CVE-2099-1000'], affected: [{ package: { ecosystem: 'PyPI', name: 'pillow' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '10.0.1' }] }] }] },
      {
        id: 'GHSA-jfh8-c2jp-5v3q',
        modified: '2030-01-01T00:00:00Z',
        aliases: ['CVE-2021-44228'],
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }],
        affected: [{ package: { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.15.0' }] }] }],
      },
      {
        id: 'DSA-2099-1',
        modified: '2030-01-01T00:00:00Z',
        aliases: ['CVE-2099-2000'],
        affected: [
          { package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }] },
          { package: { ecosystem: 'Debian:11', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1w-0+deb11u1' }] }] },
        ],
      },
    ];
    const report = await importFeed(server, 'osv', JSON.stringify(records));
    assert.deepEqual([report.imported, report.errors.length], [4, 0]);
    const findings = await allFindings(server, `productId=${appId}`);
    const got = findings.map((f) => `${f.advisoryId} ${f.component.name} ${f.component.version}`).sort();
    assert.deepEqual(got, [
      'CVE-2021-44228 log4j-core 2.14.1',
      'CVE-2099-1000 Pillow 9.5.0',
      'CVE-2099-2000 libssl1.1 1.1.1n-0+deb11u5',
      'CVE-2099-2000 libssl3 3.0.9-1',
      'MAL-2099-0001 evil-pkg 1.0.0',
    ]);
    const mal = findings.find((f) => f.advisoryId === 'MAL-2099-0001')!;
    assert.deepEqual([mal.malicious, mal.priority], [true, 'malicious']);
    assert.equal(Date.parse(mal.dueAt) - Date.parse(mal.firstSeenAt), 86_400_000);
    assert.equal((await allFindings(server, 'malicious=true')).length, 1);
    const ssl3 = findings.find((f) => f.component.name === 'libssl3')!;
    assert.deepEqual([ssl3.component.packageName, ssl3.fixedIn, ssl3.matched[0].ecosystem], ['openssl', '3.0.11-1~deb12u2', 'Debian:12']);
    assert.equal(findings.find((f) => f.component.name === 'libssl1.1')!.matched[0].ecosystem, 'Debian:11', 'the Debian 12 range does not apply to a Debian 11 package');
    const log4j = findings.find((f) => f.advisoryId === 'CVE-2021-44228')!;
    assert.deepEqual([log4j.severity, log4j.priority], ['critical', 'critical']);

    // CISA VEX use case 1: the vendor says product ABC (the SBOM's root) is not affected by Log4Shell.
    const vex = await importFeed(server, 'cyclonedx-vex', readFileSync(`${VEX_DIR}/CISA-Use-Cases/Case-1/vex-not_affected.json`, 'utf8'));
    assert.equal(vex.findings.updated, 1);
    const decided = (await allFindings(server, `productId=${appId}`)).find((f) => f.advisoryId === 'CVE-2021-44228')!;
    assert.deepEqual([decided.state, decided.justification, decided.stateSource], ['not_affected', 'code_not_present', 'vendor']);
    assert.deepEqual(decided.responses, ['will_not_fix']);
  });

  test('an advisory and an SBOM written at the same moment always meet', async () => {
    const { productId: raceId } = await createProduct(server, 'Racer', 'Race');
    for (let round = 0; round < 4; round++) {
      const module = `example.org/race-${round}`;
      const [report] = await Promise.all([
        importFeed(server, 'osv', JSON.stringify(osvRecord(`GO-2099-09${round}0`, module, '2.0.0'))),
        uploadSbom(server, raceId, goBom({ name: 'race', version: `1.${round}` }, [[module, 'v1.0.0']]), `1.${round}`),
      ]);
      assert.equal(report.imported, 1);
      const found = await allFindings(server, `productId=${raceId}&release=1.${round}`);
      assert.deepEqual(found.map((f) => f.advisoryId), [`GO-2099-09${round}0`], `round ${round}`);
    }
  });

  test('hostile and malformed input: per-record errors with ids, 4xx problems for whole documents, nothing half-stored', async () => {
    const good = osvRecord('GO-2099-0100', 'example.org/good', '1.0.0');
    const manyEvents = Array.from({ length: 3000 }, (_, i) => (i % 2 ? { fixed: `1.${i}.0` } : { introduced: `1.${i}.0` }));
    const array = [
      good,
      { id: 'GO-2099-0101', affected: [] },
      { ...osvRecord('GO-2099-0102', 'x', '1.0.0'), affected: [{ package: { ecosystem: 'NoSuchEcosystem', name: 'x' }, versions: ['1'] }] },
      { ...osvRecord('GO-2099-0103', 'x', '1.0.0'), affected: [{ package: { ecosystem: 'Go', name: 'x' }, ranges: [{ type: 'SEMVER', events: manyEvents }] }] },
      { ...osvRecord('GO-2099-0104', 'x', '1.0.0'), affected: [{ package: { ecosystem: 'Go', name: 'x' }, versions: ['9'.repeat(1000)] }] },
      { ...osvRecord('GO-2099-0105', 'x', '1.0.0'), affected: [{ package: { ecosystem: 'Go', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ fixed: '1.0.0' }] }] }] },
      'not a record',
    ];
    const report = await importFeed(server, 'osv', JSON.stringify(array));
    assert.equal(report.imported, 1);
    const reasons = Object.fromEntries(report.errors.map((e) => [e.record, e.reason]));
    assert.match(reasons['GO-2099-0101'], /modified: required/);
    assert.match(reasons['GO-2099-0102'], /unknown ecosystem 'NoSuchEcosystem'/);
    assert.match(reasons['GO-2099-0103'], /3000 events, more than 2000/);
    assert.match(reasons['GO-2099-0104'], /1000 characters/);
    assert.match(reasons['GO-2099-0105'], /no introduced event/);
    assert.match(reasons['(record)'], /expected an object/);
    for (const id of ['GO-2099-0101', 'GO-2099-0102', 'GO-2099-0103', 'GO-2099-0104']) await problem(await server.api(`/api/v1/advisories/${id}`, { role: 'viewer' }), 404);
    await json(await server.api('/api/v1/advisories/GO-2099-0100', { role: 'viewer' }), 200);

    const yaml = await importFeed(server, 'osv', 'id: GO-2099-0106\nmodified: "2030-01-01T00:00:00Z"\naffected:\n  - package: {ecosystem: Go, name: example.org/yaml}\n    versions: ["1.0.0"]\n');
    assert.equal(yaml.imported, 1);

    const slip = buildZip([
      { name: '../../etc/evil.json', data: JSON.stringify(osvRecord('GO-2099-0107', 'x', '1')) },
      { name: 'GO-2099-0108.json', data: JSON.stringify(osvRecord('GO-2099-0108', 'x', '1')) },
    ]);
    const slipped = await importFeed(server, 'osv', new Uint8Array(slip));
    assert.equal(slipped.imported, 1);
    assert.equal(slipped.errors[0].record, 'entry ../../etc/evil.json');
    const bomb = buildZip([{ name: 'bomb.json', data: Buffer.alloc(40 * 1024 * 1024), declaredSize: 100 }, { name: 'ok.json', data: JSON.stringify(osvRecord('GO-2099-0109', 'x', '1')) }]);
    assert.ok(bomb.length < 100_000);
    const bombed = await importFeed(server, 'osv', new Uint8Array(bomb));
    assert.match(bombed.errors[0].reason, /inflates beyond/);
    assert.equal(bombed.imported, 1);

    // An archive with some bad entries: 207 with the report (the CLI exits 2 with the same report).
    const partial = await server.api('/api/v1/feeds/osv/import?wait=true', {
      method: 'POST',
      role: 'analyst',
      headers: { 'content-type': 'application/zip' },
      body: new Uint8Array(buildZip([
        { name: 'good.json', data: JSON.stringify({ id: 'ZIP-GOOD-1', modified: '2030-01-01T00:00:00Z', affected: [] }) },
        { name: 'bad.json', data: '{"id": "ZIP-BAD-1", "modified": "yesterday"}' },
      ])),
    });
    const partialReport = await json(partial, 207);
    assert.deepEqual([partialReport.imported, partialReport.errors.map((e: { record: string }) => e.record)], [1, ['ZIP-BAD-1']]);

    const upload = (kind: string, body: string | Uint8Array) => server.api(`/api/v1/feeds/${kind}/import?wait=true`, { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/json' }, body: body as BodyInit });
    await problem(await upload('osv', '{"id": "broken'), 400);
    await problem(await upload('osv', ''), 400);
    await problem(await upload('nosuchkind', '{}'), 400);
    await problem(await upload('kev', '[1, 2, 3]'), 400);
    await problem(await upload('epss', 'just,some,text\n1,2,3\n'), 400);
    await problem(await upload('csaf', JSON.stringify({ document: { csaf_version: '1.0' } })), 400);
    await problem(await upload('cyclonedx-vex', '{"bomFormat": "SPDX"}'), 400);
    await problem(await upload('openvex', '<xml/>'), 400);
    await problem(await upload('osv', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6])), 400);
    const tooLarge = await upload('osv', new Uint8Array(6 * 1024 * 1024));
    await problem(tooLarge, 413);

    const kev = await importFeed(server, 'kev', JSON.stringify({ catalogVersion: 'x', vulnerabilities: [{ cveID: 'nope' }, { cveID: 'CVE-2099-9999', dateAdded: '2030-01-01', vendorProject: 'x', product: 'y', vulnerabilityName: 'z' }] }));
    assert.deepEqual([kev.imported, kev.errors.map((e) => e.record)], [1, ['nope']]);
    const openvex = await importFeed(server, 'openvex', JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'x', author: 'a', timestamp: '2030-01-01T00:00:00Z', version: 1, statements: [{ vulnerability: { name: 'CVE-1' }, products: [{ '@id': 'pkg:npm/a@1' }], status: 'maybe' }] }));
    assert.deepEqual([openvex.imported, openvex.errors.length], [0, 1]);
    await problem(await server.api(`/api/v1/feeds/openvex/import?vendorId=01900000-0000-7000-8000-000000000000`, { method: 'POST', role: 'analyst', body: '{"@context":"https://openvex.dev/ns/v0.2.0","statements":[]}' }), 400);

    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200, 'the server is still up');
  });

  test('an import is a job: 202 + Location, progress in records, a cancel stops it between batches and keeps whole batches', async () => {
    const document = (prefix: string, n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => osvRecord(`${prefix}-${String(i).padStart(5, '0')}`, `example.com/${prefix.toLowerCase()}/m${i}`, '1.0.0')));
    const stored = async (prefix: string) => Number((await server.tw.database.db.selectFrom('advisories').select((eb) => eb.fn.countAll().as('n')).where('external_id', 'like', `${prefix}-%`).executeTakeFirstOrThrow()).n);
    const view = async (id: string) => json<{ status: string; kind: string; progress: { done: number; total: number | null; phase: string | null }; result: { imported: number } | null; error: string | null }>(await server.api(`/api/v1/jobs/${id}`, { role: 'analyst' }), 200);
    const start = async (body: string) => {
      const res = await server.api('/api/v1/feeds/osv/import?source=job-test', { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/json' }, body });
      const accepted = await json<{ id: string; kind: string; status: string }>(res.clone(), 202);
      assert.equal(res.headers.get('location'), `/api/v1/jobs/${accepted.id}`);
      return accepted;
    };

    const queued = await start(document('JOBDONE', 1200));
    assert.deepEqual([queued.kind, queued.status], ['feeds.import', 'queued']);
    assert.equal(await stored('JOBDONE'), 0, 'nothing is written before a worker runs the job');
    await createWorker(server.tw).drain();
    const done = await view(queued.id);
    assert.equal(done.status, 'done', JSON.stringify(done));
    assert.deepEqual(done.progress, { done: 1200, total: 1200, phase: 'importing' });
    assert.equal(done.result?.imported, 1200);
    assert.equal(await stored('JOBDONE'), 1200);

    const cancelled = await start(document('JOBCANCEL', 6000));
    const running = createWorker(server.tw).drain();
    for (;;) {
      const seen = await view(cancelled.id);
      if (seen.progress.phase === 'importing' || seen.status !== 'queued' && seen.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal((await server.api(`/api/v1/jobs/${cancelled.id}/cancel`, { method: 'POST', role: 'analyst' })).status, 202);
    await running;
    const ended = await view(cancelled.id);
    assert.equal(ended.status, 'cancelled', JSON.stringify(ended));
    const kept = await stored('JOBCANCEL');
    assert.ok(kept >= 500 && kept < 6000 && kept % 500 === 0, `whole batches of 500 stay: ${kept}`);
    assert.equal(ended.progress.done, kept, 'the job says how far it got');

    const unreadable = await start('{"id": "broken');
    await createWorker(server.tw).drain();
    const dead = await view(unreadable.id);
    assert.equal(dead.status, 'dead', 'a document that cannot be read fails at once (no retries)');
    assert.match(dead.error ?? '', /cannot be read/);
  });

  test('scheduled sync: configured URLs are fetched; an offline source is recorded and retried with backoff', async () => {
    let hits = 0;
    const kev = readFileSync(KEV_JSON);
    const origin: Server = createServer((req, res) => {
      hits++;
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag: '"v1"' }).end(kev);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const port = (origin.address() as AddressInfo).port;
    // A port nothing listens on: the "offline" source.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const settings = {
        sources: [
          { name: 'local-kev', kind: 'kev', url: `http://127.0.0.1:${port}/kev.json`, enabled: true },
          { name: 'offline-osv', kind: 'osv', url: `http://127.0.0.1:${deadPort}/all.zip`, enabled: true },
          { name: 'disabled', kind: 'epss', url: 'http://127.0.0.1:1/epss.csv.gz', enabled: false },
        ],
        intervalHours: 6,
        timeoutSeconds: 5,
        maxBytes: 50 * 1024 * 1024,
      };
      await problem(await server.api('/api/v1/settings/feeds', { method: 'PUT', role: 'analyst', json: settings }), 403);
      await json(await server.api('/api/v1/settings/feeds', { method: 'PUT', json: settings }), 200);
      const sync = await json(await server.api('/api/v1/feeds/sync', { method: 'POST', role: 'analyst', json: {} }), 202);
      assert.deepEqual(sync.enqueued, ['local-kev', 'offline-osv']);
      const worker = createWorker(server.tw, { pollMs: 10 });
      await worker.drain();

      const overview = await json(await server.api('/api/v1/feeds'), 200);
      const feed = (name: string) => overview.feeds.find((f: any) => f.name === name);
      assert.ok(feed('local-kev').lastSuccessAt);
      assert.equal(feed('local-kev').lastResult.imported, 1404);
      assert.equal(feed('offline-osv').lastError, `cannot fetch http://127.0.0.1:${deadPort}/all.zip: ECONNREFUSED`);
      assert.equal(feed('offline-osv').lastSuccessAt, null);
      assert.equal(feed('disabled').lastAttemptAt, null);
      assert.equal(overview.totals.kevEntries, 1405);
      assert.ok(overview.feeds.some((f: any) => f.name === 'local:osv' && f.lastSuccessAt), 'local imports are listed too');

      const jobs = await json(await server.api('/api/v1/jobs?kind=feeds.fetch'), 200);
      const failed = jobs.items.find((j: any) => j.status === 'queued');
      assert.ok(failed, 'the offline fetch waits for its retry');
      assert.equal(failed.attempts, 1);
      assert.ok(Date.parse(failed.runAt) > Date.now(), 'retried later, with backoff');
      assert.match(failed.error, /ECONNREFUSED/);

      // The hourly check enqueues only what is due: the offline source, not the fresh one.
      assert.deepEqual(await server.tw.services.feeds.syncDue(), { enqueued: ['offline-osv'] });
      // A forced re-fetch of an unchanged document is a conditional request answered 304.
      await server.tw.services.feeds.fetchAndImport('local-kev', { actor: { type: 'system', id: null, name: 'test', role: 'admin' }, requestId: null });
      assert.equal(hits, 2);
      assert.deepEqual((await json(await server.api('/api/v1/feeds'), 200)).feeds.find((f: any) => f.name === 'local-kev').lastResult, { notModified: true });
      assert.deepEqual((await json(await server.api('/api/v1/feeds/sync', { method: 'POST', role: 'analyst' }), 202)).enqueued, ['local-kev', 'offline-osv'], 'the body is optional');
      await problem(await server.api('/api/v1/feeds/sync', { method: 'POST', role: 'analyst', json: { names: 'all' } }), 400);
    } finally {
      await new Promise((resolve) => origin.close(resolve));
    }
  });
});
