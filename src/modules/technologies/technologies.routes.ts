import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { CONCENTRATION_FORMULAS } from './technologies.metrics.js';
import type { TechnologyService } from './technologies.service.js';
import {
  ListTechnologiesQuery,
  StackItemSchema,
  TechnologyDetailSchema,
  TechnologyKeyParams,
  TechnologyListSchema,
  VendorIdParams,
  VendorStackQuery,
} from './technologies.schemas.js';

export function technologyRoutes(app: App, technologies: TechnologyService): void {
  const tags = ['technologies'];
  const read = { permission: 'read' as const };

  app.get('/api/v1/technologies', {
    config: read,
    schema: {
      tags,
      summary: 'Technologies the portfolio depends on, ranked by tier-weighted concentration',
      description: `A technology is a package identity (ecosystem + normalised name, any version) found in the current SBOMs of product releases.\n\n${CONCENTRATION_FORMULAS}`,
      querystring: ListTechnologiesQuery,
      response: { 200: TechnologyListSchema },
    },
  }, async (request) => technologies.list(request.query));

  app.get('/api/v1/technologies/:key', {
    config: read,
    schema: {
      tags,
      summary: 'One technology: concentration metrics, versions in use, and every vendor, product and release that depends on it',
      description: CONCENTRATION_FORMULAS,
      params: TechnologyKeyParams,
      response: { 200: TechnologyDetailSchema },
    },
  }, async (request) => technologies.get(request.params.key));

  app.get('/api/v1/vendors/:id/technologies', {
    config: read,
    schema: {
      tags,
      summary: 'A vendor\'s tech stack: the technologies in its products\' current SBOMs',
      params: VendorIdParams,
      querystring: VendorStackQuery,
      response: { 200: Type.Object({ items: Type.Array(StackItemSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (request) => technologies.vendorStack(request.params.id, request.query));
}
