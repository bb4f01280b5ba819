import { createHash } from 'node:crypto';
import { sql, type InsertQueryBuilder, type InsertResult, type Kysely } from 'kysely';
import { isPostgres } from '../db/database.js';
import type { DB, Executor } from '../db/schema.js';
import type { AuditEventsTable } from '../db/tables.js';
import { newId } from '../ids.js';
import { insertJsonRows } from '../db/bulk.js';
import type { RequestContext } from '../context.js';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
}

const GENESIS = '0'.repeat(64);

/** Stable JSON: keys sorted at every level, so a row hashes the same on every engine and replica. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  // Written with loops and string appends: imports hash thousands of events, and the
  // entries/filter/sort/map version spent most of its time allocating.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, as a < b does.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** What a row's hash covers: its content, including its seq, and the hash of the row before it. */
export type ChainedFields = Pick<
  AuditEventsTable,
  'id' | 'at' | 'actor_type' | 'actor_id' | 'actor_name' | 'action' | 'entity_type' | 'entity_id' | 'before' | 'after' | 'request_id'
> & { seq: number; prev_hash: string };

export function hashAuditRow(row: ChainedFields): string {
  const content = canonicalJson({
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    actor_name: row.actor_name,
    action: row.action,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    before: row.before,
    after: row.after,
    request_id: row.request_id,
  });
  return createHash('sha256').update(row.prev_hash).update('\n').update(content).digest('hex');
}

/**
 * Records one event. Must run inside the transaction of the write it describes, so the event exists
 * exactly when the change does. It only inserts: seq comes from a sequence (PostgreSQL) or the
 * rowid (SQLite), so concurrent writers never wait on one another for the chain; the sealer chains
 * the row once it has committed.
 */
export async function recordAudit(trx: Executor, ctx: RequestContext, entry: AuditEntry): Promise<void> {
  await trx.insertInto('audit_events').values(auditRow(ctx, entry)).execute();
}

/**
 * Runs one insert and records its event. On PostgreSQL both are one statement (a data-modifying
 * CTE), atomic without a transaction: a single-row write then costs one round trip. SQLite allows
 * no insert inside a CTE, so there they are two statements: call it inside a transaction.
 */
export async function insertAudited<T extends keyof DB>(
  executor: Executor,
  insert: InsertQueryBuilder<DB, T, InsertResult>,
  ctx: RequestContext,
  entry: AuditEntry,
): Promise<void> {
  const event = auditRow(ctx, entry);
  if (isPostgres(executor)) {
    await executor.with('written', () => insert).insertInto('audit_events').values(event).execute();
    return;
  }
  await insert.execute();
  await executor.insertInto('audit_events').values(event).execute();
}

/**
 * Records the events of one bulk write (an import) in the same way. The rows are built by
 * `auditRow` beforehand (an import builds them while it stages, outside its publish transaction),
 * so the publish step only inserts them, many per statement.
 */
export async function recordAuditRows(trx: Executor, rows: AuditRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) await insertJsonRows(trx, 'audit_events', rows.slice(i, i + 2000) as unknown as Array<Record<string, unknown>>);
}

export type AuditRow = ReturnType<typeof auditRow>;

export function auditRow(ctx: RequestContext, entry: AuditEntry) {
  return {
    id: newId(),
    at: new Date().toISOString(),
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id,
    actor_name: ctx.actor.name,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    before: entry.before === undefined ? null : canonicalJson(entry.before),
    after: entry.after === undefined ? null : canonicalJson(entry.after),
    request_id: ctx.requestId,
    chain_position: null,
    prev_hash: null,
    hash: null,
  };
}

/** Advisory lock key of the sealer on PostgreSQL ("twau"): one sealer at a time across replicas. */
const SEALER_LOCK = 0x74776175;

export interface SealResult {
  /** Rows chained by this call. */
  sealed: number;
  /** The last chain position afterwards. */
  position: number;
  /** True when another sealer held the lock and this call (which was asked not to wait) did nothing. */
  skipped: boolean;
}

/**
 * Chains committed, unsealed rows after the sealed head, in batches, each in its own transaction.
 *
 * Why this order is sound. A sequence value is taken at insert, not at commit, so on PostgreSQL a
 * lower seq can commit after a higher one. Chaining "in seq order up to a watermark" would then
 * either skip the late row for ever or need to insert it before rows already sealed. So the chain
 * order is not seq order: it is the order in which the sealer first sees rows committed. Each run
 * takes, under the lock, every row its snapshot sees committed and not yet sealed (chain_position
 * IS NULL, not "seq above the last one sealed"), and appends them after the head, by seq within
 * the run. A row of a transaction still in flight is invisible to that snapshot; when it commits,
 * the next run sees it and appends it after everything sealed before. So no sealed row can ever
 * be preceded by a row not yet sealed, no committed row is skipped, and a rolled-back row (a
 * hole in seq) never enters the chain, whose positions stay dense. Rows sealed in different runs
 * are in commit order; within a run, all committed before the run's snapshot, seq order is as
 * good as any. (Bounding runs by pg_snapshot_xmin instead would also be sound, but any long
 * transaction anywhere in the cluster would hold all sealing back until it ended.)
 *
 * One sealer at a time: an advisory transaction lock on PostgreSQL, the write lock on SQLite
 * (BEGIN IMMEDIATE); the head is read and written under it, so two sealers cannot fork the chain,
 * and the unique index on chain_position would refuse a second row at any position if they did.
 */
export async function sealAuditChain(db: Kysely<DB>, options: { wait?: boolean; batchSize?: number } = {}): Promise<SealResult> {
  const batchSize = options.batchSize ?? 1000;
  const pg = isPostgres(db);
  let sealed = 0;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      if (pg) {
        if (options.wait) {
          await sql`SELECT pg_advisory_xact_lock(${sql.lit(SEALER_LOCK)})`.execute(trx);
        } else {
          const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${sql.lit(SEALER_LOCK)}) AS locked`.execute(trx);
          if (!rows[0]?.locked) return null;
        }
      }
      const head = await trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
      const rows = await trx
        .selectFrom('audit_events')
        .selectAll()
        .where('chain_position', 'is', null)
        .orderBy('seq')
        .limit(batchSize)
        .execute();
      let position = Number(head.seq);
      let prevHash = head.hash;
      const chained = rows.map((row) => {
        const hash = hashAuditRow({ ...row, seq: Number(row.seq), prev_hash: prevHash });
        const values = sql`(${Number(row.seq)}, ${++position}, ${prevHash}, ${hash})`;
        prevHash = hash;
        return values;
      });
      if (chained.length) {
        await sql`WITH v(seq, pos, prev, hash) AS (VALUES ${sql.join(chained)})
          UPDATE audit_events SET chain_position = CAST(v.pos AS integer), prev_hash = v.prev, hash = v.hash
          FROM v WHERE audit_events.seq = CAST(v.seq AS integer)`.execute(trx);
        await trx.updateTable('audit_head').set({ seq: position, hash: prevHash }).where('id', '=', 1).execute();
      }
      return { count: chained.length, position };
    });
    if (!batch) return { sealed, position: -1, skipped: true };
    sealed += batch.count;
    if (batch.count < batchSize) return { sealed, position: batch.position, skipped: false };
  }
}

export interface AuditVerification {
  ok: boolean;
  /** Sealed rows verified. */
  checked: number;
  /** The first row that does not fit the chain; seq is null when the row at that position is gone. */
  brokenAt: { position: number; seq: number | null; reason: string } | null;
  /** Committed rows the sealer has not chained yet (oldest by seq and by time); verified once sealed. */
  unsealed: { count: number; oldestSeq: number | null; oldestAt: string | null };
}

type Head = { seq: number; hash: string };

const readHead = async (db: Executor): Promise<Head> => {
  const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  return head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS };
};

/**
 * Recomputes the sealed chain in position order: an edited row fails its hash, a removed row
 * leaves its position empty (or, at the end, short of the head), a reordered or inserted row
 * does not follow the hash of the row before it. A sealer may extend the chain meanwhile: the
 * head is re-read until it stands still, and only then are rows sealed beyond it an error.
 */
export async function verifyAuditChain(db: Executor, batchSize = 5000): Promise<AuditVerification> {
  let prevHash = GENESIS;
  let position = 0;
  let lastSeq: number | null = null;
  let checked = 0;
  let head = await readHead(db);
  const unsealed = async () => {
    const tail = await db
      .selectFrom('audit_events')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('seq').as('oldestSeq'), eb.fn.min('at').as('oldestAt')])
      .where('chain_position', 'is', null)
      .executeTakeFirstOrThrow();
    return { count: Number(tail.count), oldestSeq: tail.oldestSeq === null ? null : Number(tail.oldestSeq), oldestAt: tail.oldestAt ?? null };
  };
  const broken = async (at: number, seq: number | null, reason: string): Promise<AuditVerification> => ({
    ok: false,
    checked,
    brokenAt: { position: at, seq, reason },
    unsealed: await unsealed(),
  });
  for (;;) {
    while (position < head.seq) {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('chain_position', '>', position)
        .where('chain_position', '<=', head.seq)
        .orderBy('chain_position')
        .limit(batchSize)
        .execute();
      if (!rows.length) return broken(position + 1, null, `the row at position ${position + 1} is missing (removed)`);
      for (const row of rows) {
        const at = Number(row.chain_position);
        const seq = Number(row.seq);
        if (at !== position + 1) return broken(position + 1, null, `the row at position ${position + 1} is missing (removed)`);
        if (row.prev_hash !== prevHash) return broken(at, seq, 'does not follow the row before it (a row was removed, inserted or reordered)');
        if (row.hash !== hashAuditRow({ ...row, seq, prev_hash: prevHash })) return broken(at, seq, 'content does not match its hash (edited)');
        prevHash = row.hash;
        position = at;
        lastSeq = seq;
        checked++;
      }
    }
    if (prevHash !== head.hash) return broken(position, lastSeq, 'the sealed chain head does not match the last row');
    // Read what lies beyond the head before re-reading the head: a sealer commits both at once, so
    // a sealed row beyond an unmoved head was not sealed by the sealer.
    const beyond = await db
      .selectFrom('audit_events')
      .select(['chain_position', 'seq'])
      .where('chain_position', '>', head.seq)
      .orderBy('chain_position')
      .limit(1)
      .executeTakeFirst();
    const next = await readHead(db);
    if (next.seq < head.seq) return broken(next.seq + 1, null, 'the sealed chain head moved back (rows were removed)');
    if (next.seq === head.seq) {
      if (next.hash !== head.hash) return broken(position, lastSeq, 'the sealed chain head does not match the last row');
      if (beyond) return broken(Number(beyond.chain_position), Number(beyond.seq), 'sealed beyond the chain head (inserted)');
      return { ok: true, checked, brokenAt: null, unsealed: await unsealed() };
    }
    head = next;
  }
}
