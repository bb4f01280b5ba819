import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { indexComponentIdentities, type IdentitySource } from './search.index.js';

const identity = (name: string): IdentitySource => ({ ecosystem: 'npm', package_name: name, name, group_name: null, purl: `pkg:npm/${name}@1.0.0`, cpe: null });

describeEachEngine('component identities in the search index', ({ createDatabase }) => {
  test('identities the table already holds are skipped by a process that has not seen them; the others get their terms', async () => {
    const database = await createDatabase();
    const db = database.db;
    // More than one SQLite lookup statement's worth (500) of each kind.
    const known = Array.from({ length: 700 }, (_, i) => identity(`known-${i}`));
    const fresh = Array.from({ length: 700 }, (_, i) => identity(`fresh-${i}`));
    await indexComponentIdentities(db, known);
    // Terms removed under the identity rows: only an identity the lookup misses gets them written again.
    await db.deleteFrom('search_component_terms').execute();

    // Another handle has its own cache of what it wrote (as another process would): each identity is looked up.
    const other = db.withoutPlugins();
    const mixed = known.flatMap((k, i) => [k, fresh[i]]);
    for (let i = 0; i < mixed.length; i += 500) await indexComponentIdentities(other, mixed.slice(i, i + 500));

    const withTerms = new Set((await db.selectFrom('search_component_terms').select('package_name').distinct().execute()).map((r) => r.package_name));
    assert.equal(withTerms.size, fresh.length);
    for (const f of fresh) assert.ok(withTerms.has(f.package_name), f.package_name);
    const identities = await db.selectFrom('search_components').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(identities.n), known.length + fresh.length);
  });
});
