import { createHash } from 'node:crypto';
import { isPostgres } from '../db/database.js';
import type { Executor } from '../db/schema.js';
import type { AuditEventsTable } from '../db/tables.js';
import { newId } from '../ids.js';
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
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

type HashedFields = Omit<AuditEventsTable, 'hash'>;

export function hashAuditRow(row: HashedFields): string {
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
 * Appends one event to the hash chain. Must run inside the transaction of the write it describes,
 * so the event exists exactly when the change does. The head row is locked to serialise appends
 * from concurrent replicas (SQLite transactions are already serialised by BEGIN IMMEDIATE).
 */
export async function recordAudit(trx: Executor, ctx: RequestContext, entry: AuditEntry): Promise<void> {
  const lock = isPostgres(trx);
  const head = await trx
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirstOrThrow();
  const row: HashedFields = {
    seq: Number(head.seq) + 1,
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
    prev_hash: head.hash,
  };
  const hash = hashAuditRow(row);
  await trx.insertInto('audit_events').values({ ...row, hash }).execute();
  await trx.updateTable('audit_head').set({ seq: row.seq, hash }).where('id', '=', 1).execute();
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first row that does not fit the chain, when one exists. */
  brokenAt: { seq: number; reason: string } | null;
}

/** Recomputes the whole chain in seq order; any edited, removed or re-ordered row breaks it. */
export async function verifyAuditChain(db: Executor, batchSize = 5000): Promise<AuditVerification> {
  let prevHash = GENESIS;
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return broken(checked, expectedSeq, `row ${expectedSeq} is missing`);
      if (row.prev_hash !== prevHash) return broken(checked, seq, 'prev_hash does not match the previous row');
      if (hashAuditRow(row) !== row.hash) return broken(checked, seq, 'content does not match its hash');
      prevHash = row.hash;
      expectedSeq++;
      checked++;
    }
    if (rows.length < batchSize) break;
  }
  const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  if (head && (Number(head.seq) !== checked || head.hash !== prevHash)) {
    return broken(checked, Number(head.seq), 'the chain head does not match the last row (rows were removed)');
  }
  return { ok: true, checked, brokenAt: null };
}

function broken(checked: number, seq: number, reason: string): AuditVerification {
  return { ok: false, checked, brokenAt: { seq, reason } };
}

