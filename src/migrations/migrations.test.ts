import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { migrateToLatest } from '../platform/db/migrate.js';
import { describeEachEngine } from '../platform/db/test-support/engines.js';
import type { SbomComponentsTable, SbomsTable } from '../modules/sboms/sboms.tables.js';
import { migrations } from './index.js';
import { AdvisoryRepository } from '../modules/advisories/advisories.repository.js';

describeEachEngine('migrations', ({ createDatabase }) => {
  test('apply in order on an empty database, then are a no-op', async () => {
    const database = await createDatabase({ migrate: false });
    const first = await migrateToLatest(database.db);
    assert.deepEqual(first.applied, Object.keys(migrations));
    const second = await migrateToLatest(database.db);
    assert.deepEqual(second.applied, []);
    const teams = await database.db.selectFrom('teams').select('key').orderBy('key').execute();
    assert.deepEqual(teams.map((t) => t.key), ['compliance', 'it', 'legal', 'privacy', 'security']);
  });

  test('data written under an earlier schema survives the later migrations', async () => {
    const database = await createDatabase({ migrate: false });
    await migrateToLatest(database.db, '0001_platform');
    const now = new Date().toISOString();
    await database.db
      .insertInto('users')
      .values({ id: '01900000-0000-7000-8000-000000000001', email: 'a@example.com', name: 'A', password_hash: null, role: 'admin', disabled: 0, created_at: now, updated_at: now })
      .execute();
    await migrateToLatest(database.db);
    const users = await database.db.selectFrom('users').select('email').execute();
    assert.deepEqual(users, [{ email: 'a@example.com' }]);
  });

  test('0007 fills the technologies rollup from the SBOMs already stored', async () => {
    const database = await createDatabase({ migrate: false });
    await migrateToLatest(database.db, '0004_advisories');
    // The tables as they were at 0004 (sboms had no `published` column yet).
    const early = database.db as unknown as Kysely<{ sboms: Omit<SbomsTable, 'published'>; sbom_components: SbomComponentsTable }>;
    const product = '00000000-0000-7000-8000-000000e57a7e';
    const vendor = '00000000-0000-7000-8000-0000000e57a7';
    const sbom = (id: string, release: string, current: number) => ({
      id, product_id: product, release, is_current: current, format: 'cyclonedx', encoding: 'json', spec_version: '1.6', serial_number: null, document_created_at: null,
      tools: '[]', root_ref: null, root_name: null, root_version: null, root_purl: null, component_count: 2, dependency_count: 0, warnings: '[]', byte_size: 1,
      sha256: 'x', media_type: 'application/vnd.cyclonedx+json', uploaded_at: '2026-01-01T00:00:00.000Z', uploaded_by: 'test',
    });
    const component = (sbomId: string, idx: number, name: string, direct: number) => ({
      sbom_id: sbomId, idx, ref: null, name, group_name: null, version: '1.0.0', purl: `pkg:npm/${name}@1.0.0`, purl_type: 'npm', purl_namespace: null, purl_name: name,
      purl_qualifiers: null, ecosystem: 'npm', package_name: name, name_key: name, cpe: null, type: 'library', scope: null, supplier: null, licenses: null, hashes: null,
      parent_idx: null, depth: direct ? 1 : 2, via_idx: 0, direct,
    });
    const ids = ['01900000-0000-7000-8000-00000000000a', '01900000-0000-7000-8000-00000000000b', '01900000-0000-7000-8000-00000000000c'];
    await early.insertInto('sboms').values([sbom(ids[0], '1', 1), sbom(ids[1], '2', 1), sbom(ids[2], '0', 0)]).execute();
    await early
      .insertInto('sbom_components')
      .values([component(ids[0], 1, 'left-pad', 1), component(ids[0], 2, 'lodash', 0), component(ids[1], 1, 'lodash', 1), component(ids[2], 1, 'old-only', 1)])
      .execute();
    await migrateToLatest(database.db);
    const products = await database.db.selectFrom('technology_products').select(['package_name', 'sboms', 'direct_sboms']).orderBy('package_name').execute();
    assert.deepEqual(products.map((r) => [r.package_name, Number(r.sboms), Number(r.direct_sboms)]), [['left-pad', 1, 1], ['lodash', 2, 1]]);
    const vendors = await database.db.selectFrom('technology_vendors').select(['vendor_id', 'package_name', 'products', 'direct_products']).orderBy('package_name').execute();
    assert.deepEqual(vendors.map((r) => [r.vendor_id, r.package_name, Number(r.products), Number(r.direct_products)]), [[vendor, 'left-pad', 1, 1], [vendor, 'lodash', 1, 1]]);
  });

  test('0008: existing name-only vendors become provisional, assessed ones keep their answers, search text is filled', async () => {
    const database = await createDatabase({ migrate: false });
    const names = Object.keys(migrations);
    await migrateToLatest(database.db, names[names.indexOf('0008_vendor_triage') - 1]);
    const now = new Date().toISOString();
    const vendor = (id: string, name: string, risk: Record<string, unknown>) => ({
      id, name, name_key: name.toLowerCase(), aliases: '["ÖKO"]', domains: '[]', legal_ids: '{}', status: 'active', services: '[]',
      data_categories: '[]', access_level: 'none', criticality: 2, substitutability: 2, regulatory_scope: '[]', ships_software: 0, auto_update: 0,
      risk_score: 10, risk_terms: '[]', tier: 'T4', next_review_at: '2030-01-01T00:00:00.000Z', created_at: now, updated_at: now, ...risk,
    });
    // The schema before 0008 has neither risk_missing nor search_text.
    await (database.db as Kysely<any>)
      .insertInto('vendors')
      .values([
        vendor('01900000-0000-7000-8000-0000000000a1', 'Name Only GmbH', {}),
        vendor('01900000-0000-7000-8000-0000000000a2', 'Assessed AG', { data_categories: '["personal"]', criticality: 3, risk_score: 35.5, tier: 'T3' }),
        vendor('01900000-0000-7000-8000-0000000000a3', 'No Categories Ltd', { access_level: 'privileged', criticality: 4, risk_score: 46.7, tier: 'T3' }),
      ])
      .execute();
    await migrateToLatest(database.db);
    const rows = await database.db.selectFrom('vendors').select(['name', 'risk_missing', 'tier', 'risk_score', 'search_text', 'next_review_at']).where('id', 'like', '01900000-%').orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => [r.name, JSON.parse(r.risk_missing), r.tier, Number(r.risk_score)]),
      [
        ['Name Only GmbH', ['dataSensitivity', 'accessLevel', 'criticality', 'substitutability', 'softwareSupply'], 'T2', 0],
        ['Assessed AG', [], 'T3', 35.5],
        ['No Categories Ltd', ['dataSensitivity'], 'T2', 43.3],
      ],
    );
    assert.equal(rows[0].next_review_at, new Date(Date.parse(now) + 180 * 86_400_000).toISOString(), 'reviewed on the T2 cadence');
    assert.equal(rows[1].next_review_at, '2030-01-01T00:00:00.000Z', 'untouched');
    assert.equal(rows[0].search_text, 'name only gmbh\u001föko');
  });

  test('0015: the domain, URL and e-mail indicators held before it get their domains, each with its depth', async () => {
    const database = await createDatabase({ migrate: false });
    const names = Object.keys(migrations);
    await migrateToLatest(database.db, names[names.indexOf('0015_indicator_domains') - 1]);
    const now = new Date().toISOString();
    const indicator = (n: number, type: string, value: string) => ({
      id: `01900000-0000-7000-8000-00000000015${n}`, type, value, confidence: null, tlp: null, valid_from: null, valid_until: null, labels: '[]', kill_chain: '[]', description: null, source_count: 1, created_at: now, updated_at: now,
    });
    await (database.db as Kysely<any>)
      .insertInto('indicators')
      .values([
        indicator(1, 'domain', 'c2.vendor.example'),
        indicator(2, 'url', 'https://cdn.vendor.example/a'),
        indicator(3, 'email', 'ceo@vendor.example'),
        indicator(4, 'url', 'http://10.0.0.1/x'),
        indicator(5, 'sha256', 'a'.repeat(64)),
      ])
      .execute();
    await migrateToLatest(database.db);
    const rows = await database.db.selectFrom('indicator_domains').select(['indicator_id', 'domain', 'depth']).orderBy('indicator_id').orderBy('depth').execute();
    assert.deepEqual(
      rows.map((r) => `${r.indicator_id.slice(-1)} ${r.domain} ${r.depth}`),
      ['1 c2.vendor.example 0', '1 vendor.example 1', '2 cdn.vendor.example 0', '2 vendor.example 1', '3 vendor.example 0'],
    );
  });

  test('0055: the advisory groups held before it get their folded search text, and search finds them by it', async () => {
    const database = await createDatabase({ migrate: false });
    const names = Object.keys(migrations);
    await migrateToLatest(database.db, names[names.indexOf('0055_advisory_search_text') - 1]);
    const now = new Date().toISOString();
    // More groups than one backfill statement takes.
    const groups = Array.from({ length: 1203 }, (_, i) => ({
      id: `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`, display_id: `CVE-2099-${10000 + i}`, identifiers: JSON.stringify([`CVE-2099-${10000 + i}`]),
      summary: i === 1202 ? 'Bypass in the ÄRZTE-Portal of Hauptstraße clinics' : i % 2 ? null : `Denial of service ${i}`,
      malicious: 0, withdrawn: 0, kev: 0, member_count: 1, created_at: now, updated_at: now,
    }));
    for (let i = 0; i < groups.length; i += 300) await (database.db as Kysely<any>).insertInto('advisory_groups').values(groups.slice(i, i + 300)).execute();
    await migrateToLatest(database.db);
    const last = await database.db.selectFrom('advisory_groups').select('search_text').where('id', '=', groups[1202].id).executeTakeFirstOrThrow();
    assert.equal(last.search_text, `["cve-2099-11202"]\u001fbypass in the ärzte-portal of hauptstrasse clinics`);
    const empty = await database.db.selectFrom('advisory_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('search_text', '=', '').executeTakeFirstOrThrow();
    assert.equal(Number(empty.n), 0);
    const found = await new AdvisoryRepository(database.db).list({ q: 'HAUPTSTRASSE' }, null, 10);
    assert.deepEqual(found.map((g) => g.id), [groups[1202].id]);
    assert.equal((await new AdvisoryRepository(database.db).list({ q: 'cve-2099-1120' }, null, 50)).length, 3);
  });

  test('concurrent migrators (replicas starting together) do not collide', async () => {
    const database = await createDatabase({ migrate: false });
    const { openDatabase } = await import('../platform/db/database.js');
    const others = [openDatabase(database.url), openDatabase(database.url)];
    try {
      const results = await Promise.allSettled(others.map((o) => migrateToLatest(o.db)));
      const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.applied : []));
      assert.deepEqual(applied.sort(), Object.keys(migrations).sort(), JSON.stringify(results.map((r) => r.status === 'rejected' && String(r.reason))));
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });
});
