import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/**
 * The audit chain without a global lock. Writers used to lock `audit_head` to append; now they only
 * insert (seq from a sequence, chain fields NULL) and a sealer later sets chain_position, prev_hash
 * and hash, exactly once per row (see src/platform/audit/audit.ts).
 *
 * Rows chained before this migration were appended in seq order from 1 without gaps, and their
 * hash covers their seq: they become chain positions 1..N unchanged, so existing chains stay
 * valid and `audit_head` (seq = last position, hash = last hash) carries on as the sealed head.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await upPostgres(db);
  else await upSqlite(db);
  await db.schema.createIndex('audit_events_chain_position').unique().on('audit_events').column('chain_position').execute();
}

/** Every column of audit_events before the sealer's fields (all covered by the row's hash). */
const CONTENT = ['seq', 'id', 'at', 'actor_type', 'actor_id', 'actor_name', 'action', 'entity_type', 'entity_id', 'before', 'after', 'request_id'];

async function upPostgres(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER audit_events_append_only ON audit_events`.execute(db);
  await sql`ALTER TABLE audit_events ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL, ADD COLUMN chain_position integer`.execute(db);
  await sql`UPDATE audit_events SET chain_position = seq`.execute(db);
  await sql`CREATE SEQUENCE audit_events_seq OWNED BY audit_events.seq`.execute(db);
  await sql`SELECT setval('audit_events_seq', COALESCE((SELECT max(seq) FROM audit_events), 0) + 1, false)`.execute(db);
  await sql`ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT nextval('audit_events_seq')`.execute(db);
  await sql`CREATE INDEX audit_events_unsealed ON audit_events (seq) WHERE chain_position IS NULL`.execute(db);

  const same = CONTENT.map((c) => `NEW.${c} IS NOT DISTINCT FROM OLD.${c}`).join(' AND ');
  await sql
    .raw(
      `CREATE FUNCTION thirdwatch_audit_seal_once() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE'
            AND OLD.chain_position IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
            AND NEW.chain_position IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
            AND ${same} THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION '% is append-only (only the sealer may set a row''s chain fields, once)', TG_TABLE_NAME;
       END; $$ LANGUAGE plpgsql`,
    )
    .execute(db);
  await sql`CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION thirdwatch_audit_seal_once()`.execute(db);
}

/**
 * SQLite cannot drop NOT NULL from a column, so the table is rebuilt. Its INTEGER PRIMARY KEY
 * already numbers new rows (max + 1 inside the one write transaction SQLite allows at a time).
 */
async function upSqlite(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events_sealed')
    .addColumn('seq', T.int, (c) => c.primaryKey())
    .addColumn('id', T.id, (c) => c.notNull().unique())
    .addColumn('at', T.time, (c) => c.notNull())
    .addColumn('actor_type', T.text, (c) => c.notNull())
    .addColumn('actor_id', T.text)
    .addColumn('actor_name', T.text, (c) => c.notNull())
    .addColumn('action', T.text, (c) => c.notNull())
    .addColumn('entity_type', T.text, (c) => c.notNull())
    .addColumn('entity_id', T.text)
    .addColumn('before', T.json)
    .addColumn('after', T.json)
    .addColumn('request_id', T.text)
    .addColumn('prev_hash', T.text)
    .addColumn('hash', T.text)
    .addColumn('chain_position', T.int)
    .execute();
  const columns = [...CONTENT, 'prev_hash', 'hash'].join(', ');
  await sql.raw(`INSERT INTO audit_events_sealed (${columns}, chain_position) SELECT ${columns}, seq FROM audit_events ORDER BY seq`).execute(db);
  await sql`DROP TABLE audit_events`.execute(db);
  await sql`ALTER TABLE audit_events_sealed RENAME TO audit_events`.execute(db);
  await db.schema.createIndex('audit_events_entity').on('audit_events').columns(['entity_type', 'entity_id', 'seq']).execute();
  await sql`CREATE INDEX audit_events_unsealed ON audit_events (seq) WHERE chain_position IS NULL`.execute(db);

  const same = CONTENT.map((c) => `NEW.${c} IS OLD.${c}`).join(' AND ');
  await sql
    .raw(
      `CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       WHEN NOT (OLD.chain_position IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
                 AND NEW.chain_position IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
                 AND ${same})
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only (only the sealer may set a row''s chain fields, once)'); END`,
    )
    .execute(db);
  await sql`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`.execute(db);
}
