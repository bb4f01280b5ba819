import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateToLatest } from '../../platform/db/migrate.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { SearchRepository } from './search.repository.js';

describeEachEngine('0019_search indexes what was stored before it', ({ createDatabase }) => {
  test('component identities, their terms and CPEs, and product search texts', async () => {
    const database = await createDatabase({ migrate: false });
    await migrateToLatest(database.db, '0018_severity_source');
    const db = database.db;
    const now = '2026-01-01T00:00:00.000Z';
    const vendor = '01900000-0000-7000-8000-0000000000f1';
    const product = '01900000-0000-7000-8000-0000000000f2';
    const sbom = '01900000-0000-7000-8000-0000000000f3';
    await db.insertInto('vendors').values({ id: vendor, name: 'Early', name_key: 'early', aliases: '[]', domains: '[]', legal_ids: '[]', country: null, website: null, description: null, status: 'active', business_owner: null, owner_user_id: null, team_id: null, services: '[]', data_categories: '[]', access_level: 'none', criticality: 2, substitutability: 2, annual_spend: null, currency: null, regulatory_scope: '[]', ships_software: 1, auto_update: 0, parent_vendor_id: null, risk_score: 0, risk_terms: '{}', risk_missing: '[]', tier: 'T4', last_reviewed_at: null, next_review_at: now, review_overdue: 0, created_at: now, updated_at: now, search_text: 'early', internal: 0 }).execute();
    await (db as any).insertInto('products').values({ id: product, vendor_id: vendor, name: 'Ärztekammer Portal', type: 'saas', description: null, version: null, deployment_count: null, update_channel: null, auto_update: 0, created_at: now, updated_at: now }).execute();
    await db.insertInto('sboms').values({ id: sbom, product_id: product, release: '1', is_current: 1, published: 1, format: 'cyclonedx', encoding: 'json', spec_version: '1.6', serial_number: null, document_created_at: null, tools: '[]', root_ref: null, root_name: null, root_version: null, root_purl: null, component_count: 3, dependency_count: 0, warnings: '[]', byte_size: 1, sha256: 'x', media_type: 'application/vnd.cyclonedx+json', uploaded_at: now, uploaded_by: 'test' }).execute();
    const component = (idx: number, name: string, purl: string | null, cpe: string | null) => ({
      sbom_id: sbom, idx, ref: null, name, group_name: null, version: '1.0.0', purl, purl_type: purl ? 'npm' : null, purl_namespace: null, purl_name: purl ? name : null,
      purl_qualifiers: null, ecosystem: purl ? 'npm' : 'generic', package_name: name.toLowerCase(), name_key: name.toLowerCase(), cpe, type: 'library', scope: null, supplier: null, licenses: null, hashes: null,
      parent_idx: null, depth: 1, via_idx: 0, direct: 1,
    });
    await (db as any).insertInto('sbom_components').values([
      component(1, 'left-pad', 'pkg:npm/left-pad@1.0.0', null),
      component(2, 'zlib', null, 'cpe:2.3:a:zlib:zlib:1.2.11:*:*:*:*:*:*:*'),
      component(3, 'zlib', null, 'cpe:2.3:a:gnu:zlib:1.2.11:*:*:*:*:*:*:*'),
    ]).execute();
    await migrateToLatest(db);
    const repo = new SearchRepository(db);
    assert.deepEqual(await repo.componentIdentities('pad', 5), [{ ecosystem: 'npm', package_name: 'left-pad' }]);
    assert.deepEqual(await repo.componentIdentities('pkg:npm/left', 5), [{ ecosystem: 'npm', package_name: 'left-pad' }]);
    for (const cpe of ['cpe:2.3:a:zlib:zlib', 'cpe:2.3:a:gnu:zlib']) assert.deepEqual(await repo.componentIdentities(cpe, 5), [{ ecosystem: 'generic', package_name: 'zlib' }], cpe);
    assert.deepEqual((await repo.products('ÄRZTE', 5)).map((p) => p.name), ['Ärztekammer Portal']);
  });
});
