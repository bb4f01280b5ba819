// The advisory list's `q` finds a group whose identifiers or summary hold the text, folded as every
// search folds it (foldForSearch: case in every script, ß as ss), alike on both engines. On SQLite a
// trigram index narrows the groups first (0054, 0055); it must never leave out a group the text is
// in, nor keep one after its text changed. Each answer is compared with the groups a plain
// substring test over every group's folded text picks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { importFeed, json, osvRecord } from '../findings/test-support.js';
import { foldForSearch } from '../../platform/search-text.js';

const SUMMARIES: Record<string, string> = {
  'GO-2099-0001': 'Denial of service in net/http via HTTP/2 RST_STREAM',
  'GO-2099-0002': 'Crypto: weak DENIAL OF SERVICE check in golang.org/x/crypto/ssh',
  'GO-2099-0003': 'Path traversal with "quoted" names and 100% CPU',
  'GO-2099-0004': 'Unbounded memory in a_b parser (ärzte module)',
  'GO-2099-0005': 'Cryptographic signature bypass',
  'GO-2099-0006': 'Session fixation in the ÄRZTE-Portal of Hauptstraße clinics',
};
const QUERIES = ['denial of service', 'DENIAL', 'net/http', 'crypto', 'CRYPTO/ssh', 'go-2099', 'CVE-2099-00', '"quoted"', '100%', 'a_b', 'ärzte', 'ÄRZTE', 'Ärzte-portal', 'strasse', 'HAUPTSTRASSE', 'straße', 'rst_', 'ab', 'x', 'zz-nothing', 'p/2 rst'];

describeEachEngine('advisory search', ({ engine }) => {
  let server: TestServer;
  const ids = async (q: string) =>
    ((await json(await server.api(`/api/v1/advisories?limit=200&q=${encodeURIComponent(q)}`, { role: 'viewer' }), 200)).items as Array<{ id: string }>).map((g) => g.id).sort();
  /** Every group whose identifiers or summary hold `q`, both folded. */
  const expected = async (q: string) => {
    const all = (await json(await server.api('/api/v1/advisories?limit=200', { role: 'viewer' }), 200)).items as Array<{ id: string; aliases: string[]; summary: string | null }>;
    const fold = foldForSearch;
    const groups = await server.tw.database.db.selectFrom('advisory_groups').select(['id', 'identifiers', 'summary']).where('merged_into', 'is', null).execute();
    assert.equal(groups.length, all.length);
    return groups.filter((g) => fold(g.identifiers).includes(fold(q)) || fold(g.summary ?? '').includes(fold(q))).map((g) => g.id).sort();
  };

  before(async () => {
    server = await startTestServer(engine);
    const records = Object.entries(SUMMARIES).map(([id, summary], i) => osvRecord(id, `example.org/m${i}`, '1.0.0', { summary, aliases: [`CVE-2099-00${i}0`] }));
    await importFeed(server, 'osv', JSON.stringify(records));
  });
  after(async () => {
    await server?.close();
  });

  test('answers are those of a substring test over every group', async () => {
    for (const q of QUERIES) assert.deepEqual(await ids(q), await expected(q), q);
    assert.equal((await ids('denial of service')).length, 2);
    assert.equal((await ids('ärzte')).length, 2);
    // Beyond ASCII on SQLite too, and ß as ss on both engines.
    assert.equal((await ids('ÄRZTE-PORTAL')).length, 1);
    assert.equal((await ids('hauptstrasse')).length, 1);
  });

  test('a summary that changes is found by its new text only; merged groups are left out', async () => {
    const changed = osvRecord('GO-2099-0005', 'example.org/m4', '1.0.0', { summary: 'Heap overflow in the TIFF decoder', aliases: ['CVE-2099-0040'], modified: '2030-02-01T00:00:00Z' });
    await importFeed(server, 'osv', JSON.stringify(changed));
    assert.deepEqual(await ids('signature bypass'), []);
    assert.equal((await ids('tiff decoder')).length, 1);
    // A record naming two groups' aliases merges them: the merged one is no longer listed.
    const joining = osvRecord('GO-2099-0009', 'example.org/m9', '1.0.0', { summary: 'Joins two', aliases: ['CVE-2099-0000', 'CVE-2099-0010'] });
    await importFeed(server, 'osv', JSON.stringify(joining));
    for (const q of [...QUERIES, 'joins two', 'tiff']) assert.deepEqual(await ids(q), await expected(q), q);
  });
});
