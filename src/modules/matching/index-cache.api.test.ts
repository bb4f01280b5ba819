// A server keeps the advisory index entries and advisory groups it has read in memory between
// uploads (Matcher's indexCache and groupCache), including "no advisory names this package". A
// feed write by another connection (the CLI, a sibling server process) must reach its next upload:
// the caches hold only as long as the feed-write count (matching_state) they were read at.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../app/config.js';
import { openThirdwatch, type Thirdwatch } from '../../app/thirdwatch.js';
import { systemContext } from '../../platform/context.js';
import { createLogger } from '../../platform/logger.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { NormalizedAdvisory } from '../advisories/parsers/index.js';
import { allFindings, createProduct, goBom, uploadSbom } from '../findings/test-support.js';

const ctx = systemContext('test');
const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const MODULES: Array<[string, string]> = [['example.com/cache-a', 'v1.0.0'], ['example.com/cache-b', 'v1.0.0']];

function advisory(id: string, module: string, fixed: string, extra: Partial<NormalizedAdvisory> = {}): NormalizedAdvisory {
  return {
    id, aliases: [], source: 'test', summary: `Cache test ${id}`, details: null, published: null, modified: '2030-01-01T00:00:00Z', withdrawn: null,
    severity: [], cvss: null, malicious: false, references: [],
    affected: [{ ecosystem: 'Go', name: module, purl: null, versions: [], ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }] }],
    ...extra,
  };
}

describeEachEngine('advisory caches across connections', ({ engine }) => {
  let server: TestServer;
  let other: Thirdwatch;
  after(async () => {
    await other?.close();
    await server?.close();
  });
  before(async () => {
    server = await startTestServer(engine);
    // A second Thirdwatch on the same database: its own connections, as the CLI beside a server has.
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: server.database.url, THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-test', THIRDWATCH_LOG_LEVEL: 'warn' });
    other = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })), { migrate: false });
  });

  /** A fresh product's findings for one upload of the same SBOM, by module. */
  const uploadFresh = async (label: string) => {
    const { productId } = await createProduct(server, `Cache ${label}`, `Cache agent ${label}`);
    await uploadSbom(server, productId, goBom({ name: 'cache-agent', version: '1.0.0' }, MODULES));
    return new Map((await allFindings(server, `productId=${productId}`)).map((f) => [f.component.name as string, f]));
  };

  const importElsewhere = async (records: NormalizedAdvisory[]) => {
    const report = await other.services.advisories.importAdvisories(records, 'test', ctx);
    assert.deepEqual(report.errors, []);
  };

  test("another connection's advisory writes reach the next upload: new, narrowed, re-rated and withdrawn advisories", async () => {
    await importElsewhere([advisory('GO-2032-0001', 'example.com/cache-a', 'v2.0.0')]);
    const first = await uploadFresh('1');
    assert.deepEqual([...first.keys()], ['example.com/cache-a'], 'a matched; b cached as named by no advisory');

    // b gets an advisory, a's is narrowed so that v1.0.0 is no longer affected.
    await importElsewhere([
      advisory('GO-2032-0002', 'example.com/cache-b', 'v2.0.0'),
      advisory('GO-2032-0001', 'example.com/cache-a', 'v1.0.0', { modified: '2030-02-01T00:00:00Z' }),
    ]);
    const second = await uploadFresh('2');
    assert.deepEqual([...second.keys()], ['example.com/cache-b']);
    assert.equal(second.get('example.com/cache-b').severity, 'unknown');

    // b's advisory is rated critical: the group's rating, cached too, follows.
    await importElsewhere([
      advisory('GO-2032-0002', 'example.com/cache-b', 'v2.0.0', { modified: '2030-03-01T00:00:00Z', severity: [{ type: 'CVSS_V3', score: CRITICAL }], cvss: { version: '3.1', vector: CRITICAL, baseScore: 9.8, rating: 'critical' } }),
    ]);
    const third = await uploadFresh('3');
    assert.equal(third.get('example.com/cache-b')?.severity, 'critical');

    await importElsewhere([advisory('GO-2032-0002', 'example.com/cache-b', 'v2.0.0', { modified: '2030-04-01T00:00:00Z', withdrawn: '2030-04-01T00:00:00Z' })]);
    const fourth = await uploadFresh('4');
    assert.deepEqual([...fourth.keys()], [], 'the withdrawn advisory matches nothing');
  });
});
