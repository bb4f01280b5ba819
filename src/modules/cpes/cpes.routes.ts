import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { CpeDecisionBody, CpeDecisionSchema, DecisionsQuery, FindingIdParams, ProductCpeBody, ProductCpeSchema, ProductIdParams } from './cpes.schemas.js';
import type { CpeService } from './cpes.service.js';

export function cpeRoutes(app: App, cpes: CpeService): void {
  const tags = ['cpes'];

  app.post('/api/v1/findings/:id/cpe-decision', {
    config: { permission: 'findings:triage' },
    schema: {
      tags,
      summary: 'Confirm or reject the inferred CPE a finding was matched through',
      description:
        'Applies to the component identity (supplier and name) and the inferred vendor:product everywhere: every SBOM and release holding it now and every later upload. Rejecting closes the findings matched through it (closedReason cpe_rejected) and stops inferring it; confirming sets their matchConfidence to 1 and reopens any a rejection closed. 409 for a finding not matched by an inferred CPE.',
      params: FindingIdParams,
      body: CpeDecisionBody,
      response: { 200: CpeDecisionSchema },
    },
  }, async (request) => cpes.decide(request.params.id, request.body, request.ctx));

  app.get('/api/v1/cpe-decisions', {
    config: { permission: 'read' },
    schema: { tags, summary: 'Decisions on inferred CPEs, newest first', querystring: DecisionsQuery, response: { 200: Type.Object({ items: Type.Array(CpeDecisionSchema) }) } },
  }, async (request) => ({ items: await cpes.listDecisions(request.query.limit ?? 100) }));

  app.get('/api/v1/products/:id/cpe', {
    config: { permission: 'read' },
    schema: { tags, summary: 'The CPE a product\'s releases are matched under (its own, or the vendor:product spellings derived from its names)', params: ProductIdParams, response: { 200: ProductCpeSchema } },
  }, async (request) => cpes.productCpe(request.params.id));

  app.put('/api/v1/products/:id/cpe', {
    config: { permission: 'inventory:write' },
    schema: {
      tags,
      summary: 'Set or clear a product\'s own CPE; its current releases are matched again under it',
      params: ProductIdParams,
      body: ProductCpeBody,
      response: { 200: ProductCpeSchema },
    },
  }, async (request) => cpes.setProductCpe(request.params.id, request.body.cpe, request.ctx));
}
