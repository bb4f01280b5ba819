import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import {
  AcceptanceDecisionBody,
  AcceptanceRequestBody,
  CreateRiskBody,
  ExportRisksQuery,
  ListRisksQuery,
  RiskDetailSchema,
  RiskIdParams,
  RiskScalesSchema,
  RiskSchema,
  SummaryQuery,
  SummarySchema,
  TrendSchema,
  UpdateRiskBody,
} from './risks.schemas.js';
import { RISK_RECURRENCE_RULE, type RiskService } from './risks.service.js';

export function riskRoutes(app: App, risks: RiskService): void {
  const tags = ['risks'];
  const read = { permission: 'read' as const };
  const write = { permission: 'risks:write' as const };

  app.get('/api/v1/risks', {
    config: read,
    schema: {
      tags,
      summary: 'The risk register: active risks by default, highest current score first',
      description: [
        'Score = likelihood × impact (1–25) on the configured 5×5 scales (GET /api/v1/settings/risk-scales); the current score is the residual score when assessed, else the inherent one. level filters on the current score (or the inherent one with basis=inherent); likelihood and impact pick one heat-map cell.',
        `Automatic risks come from findings (KEV, malicious, overdue SLA), sightings, integrity alerts, mentions, assessments; one per (source, sourceKey). ${RISK_RECURRENCE_RULE}`,
      ].join('\n\n'),
      querystring: ListRisksQuery,
      response: { 200: Page(RiskSchema) },
    },
  }, async (request) => risks.list(request.query));

  app.post('/api/v1/risks', {
    config: write,
    schema: { tags, summary: 'Enter a risk by hand', body: CreateRiskBody, response: { 201: RiskDetailSchema } },
  }, async (request, reply) => reply.code(201).send(await risks.create(request.body, request.ctx)));

  app.get('/api/v1/risks/summary', {
    config: read,
    schema: {
      tags,
      summary: 'Portfolio (or one vendor\'s) roll-up: totals by level and status, overdue, the 5×5 heat map, and per-vendor counts',
      description: 'A risk linked to several vendors counts once in the totals and the heat map, and once for each of its vendors in the per-vendor list.',
      querystring: SummaryQuery,
      response: { 200: SummarySchema },
    },
  }, async (request) => risks.summary(request.query));

  app.get('/api/v1/risks/trend', {
    config: read,
    schema: {
      tags,
      summary: 'Open and accepted risks per day from the daily snapshots; today is answered live',
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 730, default: 90 })) }, { additionalProperties: false }),
      response: { 200: TrendSchema },
    },
  }, async (request) => risks.trend(request.query.days ?? 90));

  app.get('/api/v1/risks/export', {
    config: read,
    schema: { tags, summary: 'The register as CSV, with any list filter (at most 100,000 risks)', querystring: ExportRisksQuery },
  }, async (request, reply) => {
    const body = await risks.exportCsv(request.query);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="risks.csv"').send(body);
  });

  app.get('/api/v1/risks/:id', {
    config: read,
    schema: { tags, summary: 'A risk with its vendors, products and evidence links', params: RiskIdParams, response: { 200: RiskDetailSchema } },
  }, async (request) => risks.get(request.params.id));

  app.patch('/api/v1/risks/:id', {
    config: write,
    schema: {
      tags,
      summary: 'Assess, assign, treat, close or reopen a risk; link or unlink vendors, products and evidence',
      description:
        'Setting the inherent rating, title or description marks the risk assessed: automatic re-raises then keep them. Closing needs a closeReason (mitigated, resolved, transferred, avoided, not-a-risk): a risk closed as not-a-risk stays closed when its source recurs, any other is reopened. Acceptance goes through POST /api/v1/risks/{id}/acceptance; changing the treatment away from accept ends an acceptance.',
      params: RiskIdParams,
      body: UpdateRiskBody,
      response: { 200: RiskDetailSchema },
    },
  }, async (request) => risks.update(request.params.id, request.body, request.ctx));

  app.post('/api/v1/risks/:id/acceptance', {
    config: write,
    schema: {
      tags,
      summary: 'Ask for a risk to be accepted until an expiry date; someone else with risks:approve decides',
      description: 'The expiry must lie within maxAcceptanceDays of the risk-scales setting. When it passes, a scheduled job reopens the risk.',
      params: RiskIdParams,
      body: AcceptanceRequestBody,
      response: { 200: RiskDetailSchema },
    },
  }, async (request) => risks.requestAcceptance(request.params.id, request.body, request.ctx));

  app.post('/api/v1/risks/:id/acceptance/decision', {
    config: { permission: 'risks:approve' },
    schema: {
      tags,
      summary: 'Approve or reject a pending acceptance (not by the person who asked for it)',
      params: RiskIdParams,
      body: AcceptanceDecisionBody,
      response: { 200: RiskDetailSchema },
    },
  }, async (request) => risks.decideAcceptance(request.params.id, request.body, request.ctx));

  app.get('/api/v1/settings/risk-scales', {
    config: read,
    schema: { tags: ['settings'], summary: 'The register\'s 5×5 likelihood and impact scales, level thresholds and the longest acceptance', response: { 200: RiskScalesSchema } },
  }, async () => risks.scales());

  app.put('/api/v1/settings/risk-scales', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the scales and thresholds (levels are recomputed on read)', body: RiskScalesSchema, response: { 200: RiskScalesSchema } },
  }, async (request) => risks.setScales(request.body, request.ctx));
}
