import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import { AlertIdParams, EgressAlertSchema, EgressAlertSettingsSchema, ListAlertsQuery, RULES_DESCRIPTION } from './alerts.schemas.js';
import type { EgressAlertService } from './alerts.service.js';

export function egressAlertRoutes(app: App, alerts: EgressAlertService): void {
  const tags = ['egress'];
  const read = { permission: 'read' as const };
  const write = { permission: 'egress:write' as const };

  app.get('/api/v1/egress/alerts', {
    config: read,
    schema: {
      tags,
      summary: 'Egress alerts, newest first; filter by rule, status (or unresolved), severity, vendor and destination',
      description: RULES_DESCRIPTION,
      querystring: ListAlertsQuery,
      response: { 200: Page(EgressAlertSchema) },
    },
  }, async (request) => alerts.list(request.query));

  app.get('/api/v1/egress/alerts/settings', {
    config: read,
    schema: { tags, summary: 'The egress alert rules\' settings: each rule on or off, its thresholds, its de-duplication window and whether it opens a risk', description: RULES_DESCRIPTION, response: { 200: EgressAlertSettingsSchema } },
  }, async () => alerts.settings());

  app.put('/api/v1/egress/alerts/settings', {
    config: write,
    schema: { tags, summary: 'Replace the egress alert rules\' settings (audited)', description: RULES_DESCRIPTION, body: EgressAlertSettingsSchema, response: { 200: EgressAlertSettingsSchema } },
  }, async (request) => alerts.setSettings(request.body, request.ctx));

  app.get('/api/v1/egress/alerts/:id', {
    config: read,
    schema: { tags, summary: 'One egress alert with its counts, evidence and links to its flows, events, vendor and risk', params: AlertIdParams, response: { 200: EgressAlertSchema } },
  }, async (request) => alerts.get(request.params.id));

  app.post('/api/v1/egress/alerts/:id/acknowledge', {
    config: write,
    schema: { tags, summary: 'Acknowledge an open alert (audited); 409 when it is acknowledged or resolved already', params: AlertIdParams, response: { 200: EgressAlertSchema } },
  }, async (request) => alerts.acknowledge(request.params.id, request.ctx));

  app.post('/api/v1/egress/alerts/:id/resolve', {
    config: write,
    schema: { tags, summary: 'Resolve an open or acknowledged alert (audited); a later recurrence opens a new alert; 409 when resolved already', params: AlertIdParams, response: { 200: EgressAlertSchema } },
  }, async (request) => alerts.resolve(request.params.id, request.ctx));
}
