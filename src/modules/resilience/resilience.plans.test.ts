import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { createTestDatabase } from '../../platform/db/test-support/engines.js';
import { ResilienceRepository } from './resilience.repository.js';

// Residual risk rides on every vendor read (list, page, create, update). Counting a vendor's open
// findings from findings_vendor also visits every finding of its superseded SBOMs, which grow by a
// whole SBOM's findings per upload: the soak's 2x throughput regression of issue 10. The count
// must reach findings only through the vendor's current SBOMs, and from the index alone: finding
// rows are wide, and reading each one cost most of a page with many current SBOMs (0041).
test('open-finding counts for residual risk reach findings only through current SBOMs, from the index alone', async () => {
  const database = await createTestDatabase('sqlite');
  try {
    const repo = new ResilienceRepository(database.db);
    for (const ids of [['01900000-0000-7000-8000-000000000001'], Array.from({ length: 50 }, (_, i) => `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`)]) {
      const { sql, parameters } = repo.openFindingCountsQuery(ids).compile();
      const plan = await database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]));
      const details = plan.rows.map((r) => r.detail);
      const findings = details.filter((d) => /\b(SCAN|SEARCH) f\b/.test(d));
      assert.deepEqual(findings.map((d) => d.replace(/ \(.*$/, '')), ['SEARCH f USING COVERING INDEX findings_sbom'], `${ids.length} vendor(s): ${details.join('; ')}`);
      assert.ok(details.some((d) => /SEARCH s USING INDEX sboms_current_release/.test(d)), `${ids.length} vendor(s): ${details.join('; ')}`);
    }
  } finally {
    await database.close();
  }
});

// The recount of a vendor out of date reads its products' stored groups (0053), never findings or
// SBOMs: its cost follows the vendor's advisories, not how many SBOMs it uploaded.
test('a recount reads the per-product groups by product, and no finding', async () => {
  const database = await createTestDatabase('sqlite');
  try {
    const repo = new ResilienceRepository(database.db);
    for (const ids of [['01900000-0000-7000-8000-000000000001'], Array.from({ length: 50 }, (_, i) => `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`)]) {
      const { sql, parameters } = repo.openGroupCountsQuery(ids).compile();
      const plan = await database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]));
      const details = plan.rows.map((r) => r.detail);
      assert.ok(details.some((d) => /SEARCH g USING INDEX sqlite_autoindex_product_open_groups_1 \(product_id=\?\)/.test(d)), `${ids.length} vendor(s): ${details.join('; ')}`);
      assert.ok(!details.some((d) => /\b(findings|sboms|SCAN g)\b/.test(d)), `${ids.length} vendor(s): ${details.join('; ')}`);
    }
  } finally {
    await database.close();
  }
});
