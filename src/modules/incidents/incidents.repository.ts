import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { likePattern } from '../../platform/search-text.js';
import type {
  IncidentEventsTable,
  IncidentFilesTable,
  IncidentLinksTable,
  IncidentParticipantsTable,
  IncidentsTable,
  IncidentTasksTable,
} from './incidents.tables.js';

export interface IncidentFilter {
  statuses?: readonly string[];
  severity?: string;
  vendorId?: string;
  source?: string;
  q?: string;
  /** A drill's incidents; without it drill incidents are left out. */
  drillId?: string;
}

export class IncidentRepository {
  constructor(private readonly db: Executor) {}

  async byId(id: string, options: { lock?: boolean } = {}): Promise<IncidentsTable | undefined> {
    return this.db
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', id)
      .$if(Boolean(options.lock) && isPostgres(this.db), (q) => q.forUpdate())
      .executeTakeFirst();
  }

  async insert(row: IncidentsTable): Promise<void> {
    await this.db.insertInto('incidents').values(row).execute();
  }

  async update(id: string, changes: Partial<IncidentsTable>): Promise<void> {
    await this.db.updateTable('incidents').set(changes).where('id', '=', id).execute();
  }

  /** Newest first (ids are time-ordered); `before` is the last id of the previous page. */
  async list(filter: IncidentFilter, before: string | null, limit: number): Promise<IncidentsTable[]> {
    let query = this.db.selectFrom('incidents').selectAll('incidents');
    query = filter.drillId ? query.where('incidents.drill_id', '=', filter.drillId) : query.where('incidents.drill_id', 'is', null);
    if (filter.statuses) query = query.where('incidents.status', 'in', filter.statuses);
    if (filter.severity) query = query.where('incidents.severity', '=', filter.severity);
    if (filter.source) query = query.where('incidents.source', '=', filter.source);
    if (filter.vendorId) {
      const vendorId = filter.vendorId;
      query = query.where((eb) => eb.exists(eb.selectFrom('incident_vendors as iv').select('iv.incident_id').whereRef('iv.incident_id', '=', 'incidents.id').where('iv.vendor_id', '=', vendorId)));
    }
    if (filter.q) query = query.where('incidents.search_text', 'like', sql<string>`${likePattern(filter.q)} escape '\\'`);
    if (before) query = query.where('incidents.id', '<', before);
    return query.orderBy('incidents.id', 'desc').limit(limit + 1).execute();
  }

  // Vendors and products.

  async vendorsOf(incidentIds: string[]): Promise<Array<{ incident_id: string; id: string; name: string; tier: string }>> {
    if (!incidentIds.length) return [];
    return this.db
      .selectFrom('incident_vendors as iv')
      .innerJoin('vendors as v', 'v.id', 'iv.vendor_id')
      .select(['iv.incident_id', 'v.id', 'v.name', 'v.tier'])
      .where('iv.incident_id', 'in', incidentIds)
      .orderBy('v.name')
      .execute();
  }

  async productsOf(incidentIds: string[]): Promise<Array<{ incident_id: string; id: string; name: string; vendor_id: string }>> {
    if (!incidentIds.length) return [];
    return this.db
      .selectFrom('incident_products as ip')
      .innerJoin('products as p', 'p.id', 'ip.product_id')
      .select(['ip.incident_id', 'p.id', 'p.name', 'p.vendor_id'])
      .where('ip.incident_id', 'in', incidentIds)
      .orderBy('p.name')
      .execute();
  }

  async setVendors(incidentId: string, vendorIds: string[]): Promise<void> {
    await this.db.deleteFrom('incident_vendors').where('incident_id', '=', incidentId).execute();
    if (vendorIds.length) await this.db.insertInto('incident_vendors').values(vendorIds.map((vendor_id) => ({ incident_id: incidentId, vendor_id }))).execute();
  }

  async setProducts(incidentId: string, productIds: string[]): Promise<void> {
    await this.db.deleteFrom('incident_products').where('incident_id', '=', incidentId).execute();
    if (productIds.length) await this.db.insertInto('incident_products').values(productIds.map((product_id) => ({ incident_id: incidentId, product_id }))).execute();
  }

  async vendors(ids: string[]): Promise<Array<{ id: string; name: string; tier: string }>> {
    if (!ids.length) return [];
    return this.db.selectFrom('vendors').select(['id', 'name', 'tier']).where('id', 'in', ids).execute();
  }

  async products(ids: string[]): Promise<Array<{ id: string; vendor_id: string }>> {
    if (!ids.length) return [];
    return this.db.selectFrom('products').select(['id', 'vendor_id']).where('id', 'in', ids).execute();
  }

  async servicesExist(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    return new Set((await this.db.selectFrom('business_services').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
  }

  /** Serialises writers deciding about one vendor's incidents (correlation, vendor reports); SQLite already serialises writers. */
  async lockVendor(vendorId: string): Promise<void> {
    if (isPostgres(this.db)) await this.db.selectFrom('vendors').select('id').where('id', '=', vendorId).forUpdate().execute();
  }

  /** Open, real incidents of the vendor, newest first, optionally of one source. */
  async openOfVendor(vendorId: string, source?: string): Promise<IncidentsTable[]> {
    return this.db
      .selectFrom('incidents')
      .innerJoin('incident_vendors as iv', 'iv.incident_id', 'incidents.id')
      .selectAll('incidents')
      .where('iv.vendor_id', '=', vendorId)
      .where('incidents.drill_id', 'is', null)
      .where('incidents.status', 'not in', ['closed', 'false-positive'])
      .$if(source !== undefined, (q) => q.where('incidents.source', '=', source!))
      .orderBy('incidents.id', 'desc')
      .execute();
  }

  async openTaskCounts(incidentIds: string[]): Promise<Map<string, number>> {
    if (!incidentIds.length) return new Map();
    const rows = await this.db
      .selectFrom('incident_tasks')
      .select(['incident_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('incident_id', 'in', incidentIds)
      .where('status', '=', 'open')
      .groupBy('incident_id')
      .execute();
    return new Map(rows.map((r) => [r.incident_id, Number(r.n)]));
  }

  // Participants.

  async participants(incidentId: string): Promise<IncidentParticipantsTable[]> {
    return this.db.selectFrom('incident_participants').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
  }

  async insertParticipant(row: IncidentParticipantsTable): Promise<void> {
    await this.db.insertInto('incident_participants').values(row).execute();
  }

  async deleteParticipant(incidentId: string, id: string): Promise<IncidentParticipantsTable | undefined> {
    const row = await this.db.selectFrom('incident_participants').selectAll().where('incident_id', '=', incidentId).where('id', '=', id).executeTakeFirst();
    if (row) await this.db.deleteFrom('incident_participants').where('id', '=', id).execute();
    return row;
  }

  async userExists(id: string): Promise<boolean> {
    return Boolean(await this.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst());
  }

  // Tasks.

  async tasks(incidentId: string): Promise<IncidentTasksTable[]> {
    return this.db.selectFrom('incident_tasks').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
  }

  async task(incidentId: string, id: string): Promise<IncidentTasksTable | undefined> {
    return this.db.selectFrom('incident_tasks').selectAll().where('incident_id', '=', incidentId).where('id', '=', id).executeTakeFirst();
  }

  async insertTask(row: IncidentTasksTable): Promise<void> {
    await this.db.insertInto('incident_tasks').values(row).execute();
  }

  /** Updates unless the task's status moved meanwhile: true when this call changed it. */
  async updateTask(id: string, changes: Partial<IncidentTasksTable>, expectedStatus?: string): Promise<boolean> {
    const result = await this.db
      .updateTable('incident_tasks')
      .set(changes)
      .where('id', '=', id)
      .$if(expectedStatus !== undefined, (q) => q.where('status', '=', expectedStatus!))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  // Timeline.

  async events(incidentId: string, options: { shareableOnly?: boolean } = {}): Promise<IncidentEventsTable[]> {
    return this.db
      .selectFrom('incident_events')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .$if(Boolean(options.shareableOnly), (q) => q.where('shareable', '=', 1))
      .orderBy('at')
      .orderBy('id')
      .execute();
  }

  async insertEvent(row: IncidentEventsTable): Promise<void> {
    await this.db.insertInto('incident_events').values(row).execute();
  }

  // Links.

  async links(incidentId: string, kind?: string): Promise<IncidentLinksTable[]> {
    return this.db
      .selectFrom('incident_links')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .$if(kind !== undefined, (q) => q.where('kind', '=', kind!))
      .orderBy('created_at')
      .orderBy('kind')
      .orderBy('target_id')
      .execute();
  }

  /** Inserts unless linked already: true when this call linked it. */
  async insertLink(row: IncidentLinksTable): Promise<boolean> {
    const result = await this.db.insertInto('incident_links').values(row).onConflict((oc) => oc.columns(['incident_id', 'kind', 'target_id']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async deleteLink(incidentId: string, kind: string, targetId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('incident_links').where('incident_id', '=', incidentId).where('kind', '=', kind).where('target_id', '=', targetId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Labels of linked records that still exist, keyed kind:id. */
  async linkLabels(links: Array<{ kind: string; target_id: string }>): Promise<Map<string, string>> {
    const labels = new Map<string, string>();
    const ids = (kind: string) => links.filter((l) => l.kind === kind).map((l) => l.target_id);
    const add = (kind: string, rows: Array<{ id: string; label: string | null }>) => rows.forEach((r) => labels.set(`${kind}:${r.id}`, r.label ?? r.id));
    const risk = ids('risk');
    if (risk.length) add('risk', await this.db.selectFrom('risks').select(['id', 'title as label']).where('id', 'in', risk).execute());
    const indicator = ids('indicator');
    if (indicator.length) add('indicator', (await this.db.selectFrom('indicators').select(['id', 'type', 'value']).where('id', 'in', indicator).execute()).map((r) => ({ id: r.id, label: `${r.type} ${r.value}` })));
    const sighting = ids('sighting');
    if (sighting.length) {
      const rows = await this.db.selectFrom('sightings as s').innerJoin('indicators as i', 'i.id', 's.indicator_id').select(['s.id', 's.kind', 'i.type', 'i.value']).where('s.id', 'in', sighting).execute();
      add('sighting', rows.map((r) => ({ id: r.id, label: `${r.type} ${r.value} (${r.kind})` })));
    }
    const assessment = ids('assessment');
    if (assessment.length) {
      const rows = await this.db.selectFrom('assessments as a').innerJoin('vendors as v', 'v.id', 'a.vendor_id').select(['a.id', 'a.template_id', 'a.status', 'v.name']).where('a.id', 'in', assessment).execute();
      add('assessment', rows.map((r) => ({ id: r.id, label: `${r.name}: ${r.template_id} (${r.status})` })));
    }
    const finding = ids('finding');
    if (finding.length) {
      const rows = await this.db.selectFrom('findings').select(['id', 'component_name', 'component_version']).where('id', 'in', finding).execute();
      add('finding', rows.map((r) => ({ id: r.id, label: `${r.component_name}${r.component_version ? `@${r.component_version}` : ''}` })));
    }
    return labels;
  }

  /** Whether a record of that kind exists (a link must name one). */
  async targetExists(kind: string, id: string): Promise<boolean> {
    const table = ({ risk: 'risks', finding: 'findings', sighting: 'sightings', assessment: 'assessments', indicator: 'indicators' } as const)[kind as 'risk'];
    if (!table) return false;
    return Boolean(await this.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst());
  }

  // Indicators.

  /** Indicators linked to the incident, and those of its linked sightings, with their sources. */
  async indicatorsOf(incidentId: string): Promise<Array<{ id: string; type: string; value: string; source: string | null }>> {
    const linked = this.db.selectFrom('incident_links').select('target_id as indicator_id').where('incident_id', '=', incidentId).where('kind', '=', 'indicator');
    const sighted = this.db
      .selectFrom('incident_links as l')
      .innerJoin('sightings as s', 's.id', 'l.target_id')
      .select('s.indicator_id')
      .where('l.incident_id', '=', incidentId)
      .where('l.kind', '=', 'sighting');
    const rows = await this.db
      .selectFrom('indicators as i')
      .leftJoin('indicator_sources as src', 'src.indicator_id', 'i.id')
      .select(['i.id', 'i.type', 'i.value', 'src.source'])
      .where((eb) => eb.or([eb('i.id', 'in', linked), eb('i.id', 'in', sighted)]))
      .orderBy('i.type')
      .orderBy('i.value')
      .orderBy('src.source')
      .execute();
    return rows;
  }

  /** Ids of the risks the sighting rule raised under these source keys. */
  async sightingRisks(sourceKeys: string[]): Promise<string[]> {
    if (!sourceKeys.length) return [];
    return (await this.db.selectFrom('risks').select('id').where('source', '=', 'sighting').where('source_key', 'in', sourceKeys).execute()).map((r) => r.id);
  }

  /** Source documents (indicator_sources.source) of the indicators. */
  async sourcesOfIndicators(indicatorIds: string[]): Promise<Array<{ indicator_id: string; source: string }>> {
    if (!indicatorIds.length) return [];
    return this.db.selectFrom('indicator_sources').select(['indicator_id', 'source']).where('indicator_id', 'in', indicatorIds).execute();
  }

  async indicatorsByValue(pairs: Array<{ type: string; value: string }>): Promise<Array<{ id: string; type: string; value: string }>> {
    if (!pairs.length) return [];
    const rows = await this.db.selectFrom('indicators').select(['id', 'type', 'value']).where('value', 'in', [...new Set(pairs.map((p) => p.value))]).execute();
    const wanted = new Set(pairs.map((p) => `${p.type}\0${p.value}`));
    return rows.filter((r) => wanted.has(`${r.type}\0${r.value}`));
  }

  // Evidence.

  async files(incidentId: string): Promise<IncidentFilesTable[]> {
    return this.db.selectFrom('incident_files').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
  }

  async file(incidentId: string, id: string): Promise<IncidentFilesTable | undefined> {
    return this.db.selectFrom('incident_files').selectAll().where('incident_id', '=', incidentId).where('id', '=', id).executeTakeFirst();
  }

  async fileByContent(incidentId: string, sha256: string): Promise<IncidentFilesTable | undefined> {
    return this.db.selectFrom('incident_files').selectAll().where('incident_id', '=', incidentId).where('sha256', '=', sha256).executeTakeFirst();
  }

  async insertFile(row: IncidentFilesTable): Promise<boolean> {
    const result = await this.db.insertInto('incident_files').values(row).onConflict((oc) => oc.columns(['incident_id', 'sha256']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async updateFile(id: string, changes: Partial<IncidentFilesTable>): Promise<void> {
    await this.db.updateTable('incident_files').set(changes).where('id', '=', id).execute();
  }

  /** Real incidents the vendor is named in, newest first (the service decides which it may see). */
  async ofVendor(vendorId: string): Promise<IncidentsTable[]> {
    return this.db
      .selectFrom('incidents')
      .innerJoin('incident_vendors as iv', 'iv.incident_id', 'incidents.id')
      .selectAll('incidents')
      .where('iv.vendor_id', '=', vendorId)
      .where('incidents.drill_id', 'is', null)
      .orderBy('incidents.id', 'desc')
      .limit(1000)
      .execute();
  }
}
