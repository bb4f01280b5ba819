import type { Kysely, Selectable } from 'kysely';
import { sealAuditChain, verifyAuditChain } from '../../platform/audit/audit.js';
import type { DB } from '../../platform/db/schema.js';
import type { AuditEventsTable } from '../../platform/db/tables.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { AuditRepository, type AuditFilter } from './audit.repository.js';

export function presentAuditEvent(row: Selectable<AuditEventsTable>) {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before ? (JSON.parse(row.before) as unknown) : null,
    after: row.after ? (JSON.parse(row.after) as unknown) : null,
    requestId: row.request_id,
    chainPosition: row.chain_position === null ? null : Number(row.chain_position),
    hash: row.hash,
  };
}

export class AuditService {
  constructor(private readonly db: Kysely<DB>) {}

  async list(filter: Omit<AuditFilter, 'beforeSeq'> & { cursor?: string }) {
    const cursor = decodeCursor(filter.cursor, 'integer');
    const rows = await new AuditRepository(this.db).list({ ...filter, beforeSeq: cursor ? Number(cursor.key) : undefined });
    return toPage(rows, filter.limit, (row) => Number(row.seq), presentAuditEvent);
  }

  /** The scheduled sealer: skips when another replica is sealing right now. */
  seal() {
    return sealAuditChain(this.db);
  }

  /** Seals whatever can be sealed (waiting for a running sealer), then verifies. */
  async verify() {
    await sealAuditChain(this.db, { wait: true });
    return verifyAuditChain(this.db);
  }
}
