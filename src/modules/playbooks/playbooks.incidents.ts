import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { IncidentService } from '../incidents/incidents.service.js';
import type { IncidentChanges, IncidentStatus, Team } from '../incidents/incidents.schemas.js';
import type { PlaybookEffects } from './playbooks.effects.js';

/** Network indicators taken from the incident indicators' source documents, at most this many (a whole feed is not a document). */
const MAX_SOURCE_INDICATORS = 500;
const NETWORK_TYPES = ['domain', 'url', 'ipv4', 'ipv6'];

/**
 * The incident effects and facts, over the incidents module's service (every call with the
 * step's transaction). Facts add to the incident its first vendor's profile and, besides the
 * incident's own indicators, the other network indicators of the documents they came from: a
 * feed that named the 3CX installer hash named its C2 domains in the same bundle. A drill's
 * incident also has its scenario's synthetic indicators, which exist nowhere else.
 */
export function incidentEffects(
  incidents: IncidentService,
  options: { drillIndicators?: (trx: Executor, drillId: string) => Promise<Array<{ type: string; value: string }>> } = {},
): Pick<PlaybookEffects, 'facts' | 'addTask' | 'taskAnswer' | 'update' | 'setStatus' | 'addEvent'> {
  return {
    async facts(trx, incidentId) {
      let incident: Awaited<ReturnType<IncidentService['get']>>;
      try {
        incident = await incidents.get(incidentId, trx);
      } catch (error) {
        if (error instanceof AppError && error.id === 'not_found') return null;
        throw error;
      }
      const first = incident.vendors[0];
      const vendorRow = first
        ? await trx.selectFrom('vendors').select(['id', 'name', 'tier', 'ships_software', 'auto_update', 'criticality', 'data_categories', 'access_level']).where('id', '=', first.id).executeTakeFirst()
        : undefined;
      const own = await incidents.indicatorsOf(incidentId, trx);
      const sources = [...new Set(own.flatMap((i) => i.sources))];
      const related = sources.length
        ? await trx
            .selectFrom('indicator_sources as s')
            .innerJoin('indicators as i', 'i.id', 's.indicator_id')
            .select(['i.id', 'i.type', 'i.value', 's.source'])
            .where('s.source', 'in', sources)
            .where('i.type', 'in', NETWORK_TYPES)
            .orderBy('i.id')
            .limit(MAX_SOURCE_INDICATORS)
            .execute()
        : [];
      const seen = new Set(own.map((i) => i.id));
      const indicators = [...own.map((i) => ({ id: i.id, type: i.type, value: i.value, source: i.source }))];
      for (const r of related) {
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        indicators.push({ id: r.id, type: r.type, value: r.value, source: r.source });
      }
      if (incident.drillId && options.drillIndicators) {
        const synthetic = await options.drillIndicators(trx, incident.drillId);
        synthetic.forEach((i, n) => indicators.push({ id: `drill:${incident.drillId}:${n}`, type: i.type, value: i.value, source: 'drill scenario' }));
      }
      return {
        incident: {
          id: incident.id,
          title: incident.title,
          summary: incident.summary,
          source: incident.source,
          severity: incident.severity,
          status: incident.status,
          impact: incident.impact,
          vendorIds: incident.vendorIds,
          productIds: incident.productIds,
          detectedAt: incident.detectedAt,
          drillId: incident.drillId,
        },
        vendor: vendorRow
          ? {
              id: vendorRow.id,
              name: vendorRow.name,
              tier: vendorRow.tier,
              shipsSoftware: Number(vendorRow.ships_software) === 1,
              autoUpdate: Number(vendorRow.auto_update) === 1,
              criticality: vendorRow.criticality,
              dataCategories: JSON.parse(vendorRow.data_categories) as string[],
              accessLevel: vendorRow.access_level,
            }
          : null,
        indicators,
      };
    },
    addTask: (trx, incidentId, task, ctx) =>
      incidents.addTask(trx, incidentId, { team: task.team as Team, title: task.title, dueAt: task.dueAt, owner: task.owner ?? null, form: task.form ?? null, runId: task.runId, stepId: task.stepId }, ctx),
    async taskAnswer(trx, taskId) {
      const row = await trx.selectFrom('incident_tasks').select(['status', 'answer']).where('id', '=', taskId).executeTakeFirst();
      return row ? { status: row.status, answer: row.answer === null ? null : (JSON.parse(row.answer) as unknown) } : null;
    },
    update: (trx, incidentId, changes, ctx) => incidents.update(trx, incidentId, changes as IncidentChanges, ctx),
    setStatus: (trx, incidentId, status, ctx, note) => incidents.setStatus(trx, incidentId, status as IncidentStatus, ctx, note),
    addEvent: (trx, incidentId, event, ctx) => incidents.addEvent(trx, incidentId, event, ctx),
  };
}
