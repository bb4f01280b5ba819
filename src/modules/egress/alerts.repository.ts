import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { chunks } from '../matching/bulk.js';
import type { ProductRef } from './alerts.rules.js';
import type { AlertRule, AlertSeverity } from './alerts.schemas.js';
import type { EgressAlertBaselinesTable, EgressAlertNoveltyTable, EgressAlertsTable } from './alerts.tables.js';

/** Serialises alert evaluation between concurrent ingest batches on PostgreSQL (SQLite has one writer). */
const ALERTS_LOCK = 0x7477_6567; // "tweg"

export interface AlertFilter {
  rule?: AlertRule;
  status?: EgressAlertsTable['status'] | 'unresolved';
  severity?: AlertSeverity;
  vendorId?: string;
  destination?: string;
}

export interface IndicatorHitRow {
  id: string;
  type: string;
  value: string;
  confidence: number | null;
  /** The domain of indicator_domains it was found under (domain and URL indicators). */
  domain: string | null;
}

export class EgressAlertRepository {
  constructor(private readonly db: Executor) {}

  async lock(): Promise<void> {
    if (isPostgres(this.db)) await sql`select pg_advisory_xact_lock(${ALERTS_LOCK})`.execute(this.db);
  }

  /** A fingerprint of products and vendors: when it changes, the product index is rebuilt. */
  async productsVersion(): Promise<string> {
    const row = await this.db
      .selectFrom('products')
      .select([
        sql<number | string>`count(*)`.as('n'),
        sql<string | null>`max(products.updated_at)`.as('p'),
        (eb) => eb.selectFrom('vendors').select(sql<string | null>`max(vendors.updated_at)`.as('v')).as('v'),
      ])
      .executeTakeFirstOrThrow();
    return `${Number(row.n)}|${row.p ?? ''}|${row.v ?? ''}`;
  }

  async products(): Promise<ProductRef[]> {
    const rows = await this.db
      .selectFrom('products as p')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select(['p.id', 'p.name', 'p.vendor_id', 'v.name as vendor_name'])
      .where('v.internal', '=', 0)
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, vendorId: r.vendor_id, vendorName: r.vendor_name }));
  }

  async vendorNames(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const batch of chunks([...new Set(ids)])) for (const r of await this.db.selectFrom('vendors').select(['id', 'name']).where('id', 'in', batch).execute()) out.set(r.id, r.name);
    return out;
  }

  /**
   * Live domain and URL indicators whose host is one of these domains (a host's parents: the
   * indicator covers it), and live IP indicators equal to these IPs. One query each.
   */
  async indicatorHits(domains: string[], ips: string[], now: string): Promise<IndicatorHitRow[]> {
    const out: IndicatorHitRow[] = [];
    for (const batch of chunks([...new Set(domains)])) {
      const rows = await this.db
        .selectFrom('indicator_domains as d')
        .innerJoin('indicators as i', 'i.id', 'd.indicator_id')
        .select(['i.id', 'i.type', 'i.value', 'i.confidence', 'd.domain'])
        .where('d.domain', 'in', batch)
        .where('d.depth', '=', 0)
        .where('i.type', 'in', ['domain', 'url'])
        .where((eb) => eb.or([eb('i.valid_until', 'is', null), eb('i.valid_until', '>', now)]))
        .execute();
      out.push(...rows.map((r) => ({ ...r, confidence: r.confidence === null ? null : Number(r.confidence) })));
    }
    for (const batch of chunks([...new Set(ips)])) {
      const rows = await this.db
        .selectFrom('indicators as i')
        .select(['i.id', 'i.type', 'i.value', 'i.confidence'])
        .where('i.type', 'in', ['ipv4', 'ipv6'])
        .where('i.value', 'in', batch)
        .where((eb) => eb.or([eb('i.valid_until', 'is', null), eb('i.valid_until', '>', now)]))
        .execute();
      out.push(...rows.map((r) => ({ ...r, confidence: r.confidence === null ? null : Number(r.confidence), domain: null })));
    }
    return out;
  }

  /** The novelty rows of these products among these targets (and each product's "*" first-seen mark). */
  async novelty(productIds: string[], targets: string[]): Promise<EgressAlertNoveltyTable[]> {
    if (!productIds.length) return [];
    const out: EgressAlertNoveltyTable[] = [];
    const wanted = [...new Set([...targets, '*'])];
    for (const products of chunks([...new Set(productIds)], 200)) {
      for (const batch of chunks(wanted, 500)) {
        out.push(...(await this.db.selectFrom('egress_alert_novelty').selectAll().where('product_id', 'in', products).where('target', 'in', batch).execute()));
      }
    }
    return out;
  }

  async insertNovelty(rows: EgressAlertNoveltyTable[]): Promise<void> {
    for (const batch of chunks(rows, 300)) await this.db.insertInto('egress_alert_novelty').values(batch).onConflict((oc) => oc.columns(['product_id', 'target']).doNothing()).execute();
  }

  async baselines(flowKeys: string[]): Promise<EgressAlertBaselinesTable[]> {
    const out: EgressAlertBaselinesTable[] = [];
    for (const batch of chunks([...new Set(flowKeys)])) out.push(...(await this.db.selectFrom('egress_alert_baselines').selectAll().where('flow_key', 'in', batch).execute()));
    return out.map((r) => ({ ...r, bytes_out: Number(r.bytes_out) }));
  }

  async saveBaselines(rows: EgressAlertBaselinesTable[]): Promise<void> {
    for (const batch of chunks(rows, 300)) {
      await this.db
        .insertInto('egress_alert_baselines')
        .values(batch)
        .onConflict((oc) =>
          oc.column('flow_key').doUpdateSet((eb) => ({
            hour: eb.ref('excluded.hour'),
            bytes_out: eb.ref('excluded.bytes_out'),
            history: eb.ref('excluded.history'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  /** Flows idle for longer than the window hold no baseline worth keeping. */
  async pruneBaselines(before: string): Promise<number> {
    const result = await this.db.deleteFrom('egress_alert_baselines').where('updated_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Unresolved alerts with these dedupe keys (any rule: the caller matches the rule). */
  async unresolved(keys: string[]): Promise<EgressAlertsTable[]> {
    const out: EgressAlertsTable[] = [];
    for (const batch of chunks([...new Set(keys)])) {
      out.push(...(await this.db.selectFrom('egress_alerts').selectAll().where('dedupe_key', 'in', batch).where('status', 'in', ['open', 'acknowledged']).execute()));
    }
    return out;
  }

  async insert(rows: EgressAlertsTable[]): Promise<void> {
    for (const batch of chunks(rows, 100)) await this.db.insertInto('egress_alerts').values(batch).execute();
  }

  /** A recurrence: count grows by the batch's occurrences, lastSeen and the data classes seen follow. */
  async recur(id: string, change: { count: number; lastSeen: string; lastEventId: string; dataClasses: string; updatedAt: string }): Promise<void> {
    await this.db
      .updateTable('egress_alerts')
      .set((eb) => ({ count: eb('count', '+', change.count), last_seen: change.lastSeen, last_event_id: change.lastEventId, data_classes: change.dataClasses, updated_at: change.updatedAt }))
      .where('id', '=', id)
      .execute();
  }

  /** The id of the risk an alert rule raised under this source key. */
  async riskOf(sourceKey: string): Promise<string | null> {
    const row = await this.db.selectFrom('risks').select('id').where('source', '=', 'egress-alert').where('source_key', '=', sourceKey).executeTakeFirst();
    return row?.id ?? null;
  }

  async get(id: string): Promise<EgressAlertsTable | undefined> {
    return this.db.selectFrom('egress_alerts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first (ids are time-ordered); `before` is the last id of the previous page. */
  async list(filter: AlertFilter, before: string | null, limit: number): Promise<EgressAlertsTable[]> {
    let query = this.db.selectFrom('egress_alerts').selectAll();
    if (filter.rule) query = query.where('rule', '=', filter.rule);
    if (filter.status === 'unresolved') query = query.where('status', 'in', ['open', 'acknowledged']);
    else if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.severity) query = query.where('severity', '=', filter.severity);
    if (filter.vendorId) query = query.where('vendor_id', '=', filter.vendorId);
    if (filter.destination) query = query.where('destination', '=', filter.destination);
    if (before) query = query.where('id', '<', before);
    return query.orderBy('id', 'desc').limit(limit + 1).execute();
  }

  async setStatus(id: string, from: EgressAlertsTable['status'][], changes: Partial<EgressAlertsTable>): Promise<boolean> {
    const result = await this.db.updateTable('egress_alerts').set(changes).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
