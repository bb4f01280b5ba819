import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import {
  AssessmentCadenceSchema,
  BusinessServiceSchema,
  CreateServiceBody,
  ResidualRiskWeightsSchema,
  ServiceIdParams,
  ServiceVendorsBody,
  UpdateServiceBody,
  VendorResilienceSchema,
} from './resilience.schemas.js';
import type { ResilienceService } from './resilience.service.js';

export function resilienceRoutes(app: App, resilience: ResilienceService): void {
  const tags = ['resilience'];
  const read = { permission: 'read' as const };
  const write = { permission: 'assessments:write' as const };

  app.get('/api/v1/business-services', {
    config: read,
    schema: { tags, summary: 'Our business services with their RTO, RPO and MTD targets (minutes) and the vendors that deliver them', response: { 200: Type.Object({ items: Type.Array(BusinessServiceSchema) }) } },
  }, async () => ({ items: await resilience.listServices() }));

  app.post('/api/v1/business-services', {
    config: write,
    schema: { tags, summary: 'Add a business service (targets in minutes; vendorIds optional)', body: CreateServiceBody, response: { 201: BusinessServiceSchema } },
  }, async (request, reply) => reply.status(201).send(await resilience.createService(request.body, request.ctx)));

  app.patch('/api/v1/business-services/:id', {
    config: write,
    schema: { tags, summary: 'Change a business service; its vendors\' gaps are recomputed', params: ServiceIdParams, body: UpdateServiceBody, response: { 200: BusinessServiceSchema } },
  }, async (request) => resilience.updateService(request.params.id, request.body, request.ctx));

  app.delete('/api/v1/business-services/:id', {
    config: write,
    schema: { tags, summary: 'Delete a business service; its gaps close', params: ServiceIdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await resilience.deleteService(request.params.id, request.ctx);
    return reply.status(204).send(null);
  });

  app.put('/api/v1/business-services/:id/vendors', {
    config: write,
    schema: { tags, summary: 'Set the vendors that deliver a business service (replaces the list)', params: ServiceIdParams, body: ServiceVendorsBody, response: { 200: BusinessServiceSchema } },
  }, async (request) => resilience.setServiceVendors(request.params.id, request.body.vendorIds, request.ctx));

  app.get('/api/v1/vendors/:id/resilience', {
    config: read,
    schema: {
      tags,
      summary: 'A vendor\'s latest assessment, the business services it delivers, its open resilience gaps and the contradictions between its answers and what we observe',
      params: ServiceIdParams,
      response: { 200: VendorResilienceSchema },
    },
  }, async (request) => resilience.vendorResilience(request.params.id));

  app.get('/api/v1/settings/residual-risk', {
    config: read,
    schema: { tags: ['settings'], summary: 'Weights of the residual-risk terms on vendors', response: { 200: ResidualRiskWeightsSchema } },
  }, async () => resilience.residualWeights());

  app.put('/api/v1/settings/residual-risk', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the residual-risk weights (vendors show the new score at once)', body: ResidualRiskWeightsSchema, response: { 200: ResidualRiskWeightsSchema } },
  }, async (request) => resilience.setResidualWeights(request.body, request.ctx));

  app.get('/api/v1/settings/assessment-cadence', {
    config: read,
    schema: { tags: ['settings'], summary: 'Which template each tier\'s recurring assessment uses, and how many days before the review it is created', response: { 200: AssessmentCadenceSchema } },
  }, async () => resilience.cadence());

  app.put('/api/v1/settings/assessment-cadence', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the recurring-assessment templates and lead time', body: AssessmentCadenceSchema, response: { 200: AssessmentCadenceSchema } },
  }, async (request) => resilience.setCadence(request.body, request.ctx));
}
