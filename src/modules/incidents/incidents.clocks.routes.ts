import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import {
  ClockParams,
  ClockSchema,
  CompleteClockBody,
  MetricsQuery,
  MetricsSchema,
  RegulationSettingsSchema,
  RunningClockSchema,
  RunningClocksQuery,
  SlaSettingsSchema,
} from './incidents.clocks.schemas.js';
import type { ClockService } from './incidents.clocks.service.js';
import type { IncidentMetrics } from './incidents.metrics.js';
import { IncidentIdParams } from './incidents.schemas.js';
import type { RegulationSettings, SlaSettings } from './incidents.clocks.js';

export function incidentClockRoutes(app: App, clocks: ClockService, metrics: IncidentMetrics): void {
  const tags = ['incidents'];
  const read = { permission: 'read' as const };

  app.get('/api/v1/incidents/metrics', {
    config: read,
    schema: {
      tags,
      summary: 'MTTA (creation → acknowledged) and MTTR (detection → recovered, else closed) per week or month, grouped by severity, team or vendor; per team task time to done. Drills excluded.',
      querystring: MetricsQuery,
      response: { 200: MetricsSchema },
    },
  }, async (request) => metrics.compute(request.query));

  app.get('/api/v1/incidents/clocks', {
    config: read,
    schema: { tags, summary: 'Running clocks of every incident (the board\'s countdowns), soonest due first', querystring: RunningClocksQuery, response: { 200: Type.Object({ items: Type.Array(RunningClockSchema) }) } },
  }, async (request) => ({ items: await clocks.running(request.query) }));

  app.get('/api/v1/incidents/:id/clocks', {
    config: read,
    schema: { tags, summary: 'An incident\'s SLA and regulatory clocks', params: IncidentIdParams, response: { 200: Type.Object({ items: Type.Array(ClockSchema) }) } },
  }, async (request) => ({ items: await clocks.list(request.params.id) }));

  app.post('/api/v1/incidents/:id/clocks/:kind/complete', {
    config: { permission: 'incidents:write' },
    schema: {
      tags,
      summary: 'File a regulatory report: stops its clock with the authority\'s reference (SLA clocks stop by the incident\'s status: 409)',
      params: ClockParams,
      body: CompleteClockBody,
      response: { 200: ClockSchema },
    },
  }, async (request) => clocks.complete(request.params.id, request.params.kind, request.body, request.ctx));

  app.get('/api/v1/settings/incident-sla', {
    config: read,
    schema: { tags: ['settings'], summary: 'SLA targets per severity (minutes from creation to acknowledge, contain, resolve)', response: { 200: SlaSettingsSchema } },
  }, async () => clocks.sla());

  app.put('/api/v1/settings/incident-sla', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the SLA targets (open incidents\' running clocks move)', body: SlaSettingsSchema, response: { 200: SlaSettingsSchema } },
  }, async (request) => clocks.setSla(request.body as SlaSettings, request.ctx));

  app.get('/api/v1/settings/incident-regulation', {
    config: read,
    schema: { tags: ['settings'], summary: 'Which regulatory clocks apply: GDPR personal data categories, NIS2 significance, DORA ICT providers in scope', response: { 200: RegulationSettingsSchema } },
  }, async () => clocks.regulation());

  app.put('/api/v1/settings/incident-regulation', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the regulatory settings (open incidents\' clocks are recomputed)', body: RegulationSettingsSchema, response: { 200: RegulationSettingsSchema } },
  }, async (request) => clocks.setRegulation(request.body as RegulationSettings, request.ctx));
}
