import { sql } from 'kysely';
import { likePattern } from '../../platform/search-text.js';
import type { Executor } from '../../platform/db/schema.js';
import type { EgressBlocklistTable } from './egress.tables.js';

export interface BlocklistFilter {
  /** Effective status: an active block past its expiry counts as expired before the job marks it. */
  status?: EgressBlocklistTable['status'];
  /** A drill's own blocks; without it only real ones (drill_id null). */
  drillId?: string;
  incidentId?: string;
  /** Part of the domain. */
  q?: string;
  now: string;
}

export class BlocklistRepository {
  constructor(private readonly db: Executor) {}

  /** Inserts unless the domain already has a live (or, in a drill, staged) block: true when this call added it. */
  async insert(row: EgressBlocklistTable): Promise<boolean> {
    const result = await this.db.insertInto('egress_blocklist').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(id: string): Promise<EgressBlocklistTable | undefined> {
    return this.db.selectFrom('egress_blocklist').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Active blocks past their expiry (all, or of these domains). */
  async lapsed(now: string, domains?: string[]): Promise<EgressBlocklistTable[]> {
    if (domains && !domains.length) return [];
    let query = this.db.selectFrom('egress_blocklist').selectAll().where('status', '=', 'active').where('expires_at', '<=', now);
    if (domains) query = query.where('domain', 'in', domains);
    return query.orderBy('id').execute();
  }

  async setStatus(id: string, from: EgressBlocklistTable['status'], changes: Pick<EgressBlocklistTable, 'status'> & Partial<Pick<EgressBlocklistTable, 'removed_at' | 'removed_by'>>): Promise<boolean> {
    const result = await this.db.updateTable('egress_blocklist').set(changes).where('id', '=', id).where('status', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The blocks holding these domains now: live ones, or a drill's staged ones. */
  async holding(domains: string[], drillId: string | null, now: string): Promise<EgressBlocklistTable[]> {
    if (!domains.length) return [];
    let query = this.db.selectFrom('egress_blocklist').selectAll().where('domain', 'in', domains);
    query = drillId
      ? query.where('status', '=', 'staged').where('drill_id', '=', drillId)
      : query.where('status', '=', 'active').where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    return query.execute();
  }

  /** Newest first (ids are time-ordered); `before` is the last id of the previous page. */
  async list(filter: BlocklistFilter, before: string | null, limit: number): Promise<EgressBlocklistTable[]> {
    let query = this.db.selectFrom('egress_blocklist').selectAll();
    query = filter.drillId ? query.where('drill_id', '=', filter.drillId) : query.where('drill_id', 'is', null);
    if (filter.incidentId) query = query.where('incident_id', '=', filter.incidentId);
    if (filter.q) query = query.where('domain', 'like', sql<string>`${likePattern(filter.q)} escape '\\'`);
    const now = filter.now;
    switch (filter.status) {
      case undefined:
        break;
      case 'active':
        query = query.where('status', '=', 'active').where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
        break;
      case 'expired':
        query = query.where((eb) => eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'active'), eb('expires_at', '<=', now)])]));
        break;
      default:
        query = query.where('status', '=', filter.status);
    }
    if (before) query = query.where('id', '<', before);
    return query.orderBy('id', 'desc').limit(limit + 1).execute();
  }

  /** The live set every export holds: real (not drill) active blocks not past their expiry. */
  async exported(now: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('egress_blocklist')
      .select('domain')
      .where('status', '=', 'active')
      .where('drill_id', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('domain')
      .execute();
    return rows.map((r) => r.domain);
  }

  /**
   * How many changes the exported set has seen: every real block added, removed or lapsed counts
   * one, and rows are never deleted, so the number only grows (the RPZ SOA serial).
   */
  async changeCount(now: string): Promise<number> {
    const row = await this.db
      .selectFrom('egress_blocklist')
      .select([
        sql<number | string>`count(*)`.as('added'),
        sql<number | string>`count(removed_at)`.as('removed'),
        sql<number | string | null>`sum(case when status = 'expired' or (status = 'active' and expires_at <= ${now}) then 1 else 0 end)`.as('lapsed'),
      ])
      .where('drill_id', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.added) + Number(row.removed) + Number(row.lapsed ?? 0);
  }
}
