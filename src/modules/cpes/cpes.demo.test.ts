import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../app/config.js';
import { openThirdwatch, type Thirdwatch } from '../../app/thirdwatch.js';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createLogger } from '../../platform/logger.js';
import { loadDemoNvd } from '../advisories/advisories.demo.js';
import { loadDemo, loadDemoSboms } from '../vendors/demo.js';

/**
 * `thirdwatch demo` as a user gets it: vendors, SBOMs, then the demo NVD records (demo/nvd) through
 * the NVD importer. The 3CX Desktop App releases match CVE-2023-29059 through the product's CPE
 * (NVD files it as 3cx:3cx), and the Chromium 102 inside every 3CX release, a generic component,
 * matches Chrome's CVEs through an inferred CPE (the known-exploited CVE-2022-2294 and CVE-2022-2856).
 */
describeEachEngine('demo: NVD records reach the 3CX releases and their embedded Chromium', ({ engine, createDatabase }) => {
  let tw: Thirdwatch;
  const ctx = systemContext('demo test');

  before(async () => {
    const database = await createDatabase();
    await database.close();
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: database.url, THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-test' });
    tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })), { migrate: false });
    await loadDemo(tw.services, ctx);
    await loadDemoSboms(tw.services, ctx);
    await loadDemoNvd(tw.services, ctx);
  });
  after(async () => {
    await tw?.close();
  });

  const findingsOf = async (query: Record<string, unknown>) => {
    const items: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await tw.services.findings.list({ limit: 200, ...query, ...(cursor ? { cursor } : {}) } as never);
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  };

  test(`the 3CX Desktop App releases carry CVE-2023-29059, matched by the product's CPE (${engine})`, async () => {
    const found = (await findingsOf({ advisory: 'CVE-2023-29059' })).filter((f) => f.product.name === '3CX Desktop App');
    assert.deepEqual(found.map((f) => [f.release, f.match, f.component.packageName, f.severity]).sort(), [
      ['18.12.407', 'cpe', '3cx:3cx', 'high'],
      ['18.12.416', 'cpe', '3cx:3cx', 'high'],
    ]);
    assert.ok(found.every((f) => f.component.version === f.release));
  });

  test(`the embedded Chromium's Chrome CVEs are inferred-CPE findings with their confidence (${engine})`, async () => {
    const chromium = (await findingsOf({ kev: true })).filter((f) => f.component.name === 'chromium' && f.product.name === '3CX Desktop App');
    const seen = new Set(chromium.map((f) => `${f.release} ${f.advisoryId}`));
    for (const release of ['18.12.407', '18.12.416']) for (const cve of ['CVE-2022-2294', 'CVE-2022-2856']) assert.ok(seen.has(`${release} ${cve}`), `${release} ${cve}`);
    for (const f of chromium) {
      assert.deepEqual([f.match, f.component.packageName, f.component.version], ['inferred-cpe', 'google:chrome', '102.0.5005.167']);
      assert.ok(f.matchConfidence > 0 && f.matchConfidence < 1, 'an inference, not a certainty');
    }
    // Chromium 128 (1Password, Slack) is past both fixes: no finding there.
    const others = (await findingsOf({ advisory: 'CVE-2022-2294' })).filter((f) => f.product.name !== '3CX Desktop App');
    assert.deepEqual(others.map((f) => f.product.name), []);
  });
});
