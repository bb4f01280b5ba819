import { sql } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import type { IcapPoliciesTable } from './icap.tables.js';

export class IcapRepository {
  constructor(private readonly db: Executor) {}

  async latestPolicy(): Promise<IcapPoliciesTable | undefined> {
    return this.db.selectFrom('icap_policies').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  /** Inserts the next version; false when another writer took that version number first. */
  async insertPolicy(row: IcapPoliciesTable): Promise<boolean> {
    const result = await this.db.insertInto('icap_policies').values(row).onConflict((oc) => oc.column('version').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Live indicators a destination can match: domains, URLs and IP addresses. */
  destinationIndicators(now: string) {
    return this.db
      .selectFrom('indicators')
      .select(['id', 'type', 'value'])
      .where('type', 'in', ['domain', 'url', 'ipv4', 'ipv6'])
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', now)]))
      .where((eb) => eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', now)]))
      .execute();
  }

  /** Real (not drill) active blocks not past their expiry: what the blocklist exports hold. */
  activeBlocks(now: string) {
    return this.db
      .selectFrom('egress_blocklist')
      .select(['id', 'domain'])
      .where('status', '=', 'active')
      .where('drill_id', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .execute();
  }

  /** ICAP decisions stored since `from`, by decision, and the newest one's time. */
  async decisionsSince(from: string): Promise<{ counts: Record<string, number>; last: string | null }> {
    const rows = await this.db
      .selectFrom('egress_events')
      .select(['decision', sql<number | string>`count(*)`.as('n'), sql<string | null>`max(at)`.as('last')])
      .where('source', '=', 'icap')
      .where('at', '>=', from)
      .groupBy('decision')
      .execute();
    const counts: Record<string, number> = {};
    let last: string | null = null;
    for (const r of rows) {
      counts[r.decision ?? 'none'] = Number(r.n);
      if (r.last && (!last || r.last > last)) last = r.last;
    }
    return { counts, last };
  }
}
