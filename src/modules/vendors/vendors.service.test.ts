import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { openDatabase, type Database } from '../../platform/db/database.js';
import { JobQueue } from '../../platform/jobs/queue.js';
import { systemContext } from '../../platform/context.js';
import { AccessService } from '../access/access.service.js';
import { VendorService } from './vendors.service.js';

describeEachEngine('vendor create round trips', ({ engine, createDatabase }) => {
  let database: Database;
  let vendors: VendorService;
  let statements: string[] = [];
  const ctx = systemContext('round-trip test');

  before(async () => {
    const created = await createDatabase();
    database = openDatabase(created.url, { onQuery: (sql) => statements.push(sql) });
    vendors = new VendorService(database.db, new JobQueue(database.db));
  });
  after(() => database.close());

  const counted = async <T>(fn: () => Promise<T>) => {
    statements = [];
    const result = await fn();
    return { result, statements };
  };

  test('a create with a team, an owner and a parent: one read, then the vendor and its audit event together', async () => {
    const parent = await vendors.create({ name: 'Round Trip Parent' }, ctx);
    const owner = await new AccessService(database.db, { authFailuresPerMinute: 10 }).createUser({ email: 'owner@example.test', name: 'Owner', role: 'analyst' }, ctx);
    const { result: vendor, statements: sent } = await counted(() =>
      vendors.create({ name: 'Round Trip Child', team: 'security', ownerUserId: owner.id, parentVendorId: parent.id, criticality: 3, dataCategories: ['personal'], accessLevel: 'network' }, ctx),
    );
    // PostgreSQL: one read and one statement (no BEGIN/COMMIT: a single statement is atomic).
    // SQLite (in process, where a round trip is a function call): the same inside BEGIN … COMMIT,
    // and two inserts, since SQLite allows no insert inside a CTE.
    assert.equal(sent.length, engine === 'postgres' ? 2 : 5, sent.join('\n'));
    assert.equal(vendor.team?.key, 'security');
    assert.equal(vendor.parentVendorId, parent.id);
    assert.equal(vendor.ownerUserId, owner.id);
    // What the create answered (built in memory) is what the database holds.
    assert.deepEqual(await vendors.get(vendor.id), vendor);
    const audit = await database.db.selectFrom('audit_events').select(['action', 'after']).where('entity_id', '=', vendor.id).execute();
    assert.deepEqual(audit.map((a) => a.action), ['vendor.create']);
    assert.deepEqual(JSON.parse(audit[0].after!), JSON.parse(JSON.stringify(vendor)));
  });

  test('every check still runs, each naming its field, and a refused create writes nothing', async () => {
    const before = await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const refuses = async (input: Parameters<VendorService['create']>[0], field: string) => {
      await assert.rejects(vendors.create(input, ctx), (error: { errors?: Array<{ field: string }> }) => {
        assert.equal(error.errors?.[0]?.field, field, JSON.stringify(error));
        return true;
      });
    };
    await refuses({ name: '  ' }, '/name');
    await refuses({ name: 'round trip parent' }, '/name');
    await refuses({ name: 'Unknown Team', team: 'nope' }, '/team');
    await refuses({ name: 'Unknown Owner', ownerUserId: '00000000-0000-4000-8000-000000000000' }, '/ownerUserId');
    await refuses({ name: 'Unknown Parent', parentVendorId: '00000000-0000-4000-8000-000000000000' }, '/parentVendorId');
    await refuses({ name: 'Auto Update', autoUpdate: true, shipsSoftware: false }, '/autoUpdate');
    const afterwards = await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(afterwards.n), Number(before.n));
    assert.equal(await database.db.selectFrom('vendors').select('id').where('name', 'like', 'Unknown%').executeTakeFirst(), undefined);
  });
});
