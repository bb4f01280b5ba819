import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { IncidentIdParams, VendorIncidentReportSchema, VendorIncidentViewSchema } from '../incidents/incidents.schemas.js';
import type { PortalIncidents } from './portal.incidents.js';
import { InvitationBody, InvitationSchema, PortalTokenBody, PortalTokenCreated, PortalTokenSchema, VendorIdParams, VendorTokenParams } from './portal.schemas.js';
import type { PortalService } from './portal.service.js';

export function portalIncidentRoutes(app: App, portal: PortalService, incidents: PortalIncidents): void {
  const tokenTags = ['portal'];
  app.post('/api/v1/vendors/:id/portal-tokens', {
    config: { permission: 'tokens:manage' },
    schema: {
      tags: tokenTags,
      summary: "A long-lived API token (twv_...) for the vendor's own systems: it reports incidents and reads the vendor's own reports through /api/v1/portal, nothing else",
      description: 'The secret is returned once; only its hash is stored.',
      params: VendorIdParams,
      body: PortalTokenBody,
      response: { 201: PortalTokenCreated },
    },
  }, async (request, reply) => reply.status(201).send(await portal.createToken(request.params.id, request.body, request.ctx)));

  app.get('/api/v1/vendors/:id/portal-tokens', {
    config: { permission: 'tokens:manage' },
    schema: { tags: tokenTags, summary: "The vendor's API tokens (never their secrets), newest first", params: VendorIdParams, response: { 200: Type.Object({ items: Type.Array(PortalTokenSchema) }) } },
  }, async (request) => ({ items: await portal.listTokens(request.params.id) }));

  app.delete('/api/v1/vendors/:id/portal-tokens/:tokenId', {
    config: { permission: 'tokens:manage' },
    schema: { tags: tokenTags, summary: 'Revoke a vendor API token (at once)', params: VendorTokenParams, response: { 200: PortalTokenSchema } },
  }, async (request) => portal.revokeToken(request.params.id, request.params.tokenId, request.ctx));

  app.post('/api/v1/vendors/:id/portal-access', {
    config: { permission: 'incidents:write' },
    schema: {
      tags: tokenTags,
      summary: "A single-use link to the vendor's portal that opens no assessment: a vendor with none under way can report an incident and follow its reports",
      description: "E-mailed to the contact (contactId, else the vendor's primary contact with an e-mail) when e-mail is on. The link is returned once; only its hash is stored.",
      params: VendorIdParams,
      body: InvitationBody,
      response: { 201: InvitationSchema },
    },
  }, async (request, reply) => reply.status(201).send(await portal.portalAccess(request.params.id, request.body ?? {}, request.ctx)));

  const tags = ['portal'];
  const scoped = { permission: 'portal' } as const;
  app.post('/api/v1/portal/incidents', {
    config: scoped,
    schema: {
      tags,
      summary: 'Report an incident (what happened, when it was detected, products and data affected, indicators, contact)',
      description: 'A report matching an open incident of this vendor (a shared indicator, or alike in words and detected within 72 h) is added to it: duplicateOf then names it.',
      body: VendorIncidentReportSchema,
      response: { 201: Type.Object({ incident: VendorIncidentViewSchema, duplicateOf: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (request, reply) => reply.status(201).send(await incidents.report(request.body, request.ctx)));

  app.get('/api/v1/portal/incidents', {
    config: scoped,
    schema: { tags, summary: "The vendor's incidents: those it reported and those shared with it (shared fields only)", response: { 200: Type.Object({ items: Type.Array(VendorIncidentViewSchema) }) } },
  }, async (request) => ({ items: await incidents.list(request.ctx) }));

  app.get('/api/v1/portal/incidents/:id', {
    config: scoped,
    schema: { tags, summary: "One of the vendor's incidents as it may see it; another vendor's is a 404", params: IncidentIdParams, response: { 200: VendorIncidentViewSchema } },
  }, async (request) => incidents.get(request.params.id, request.ctx));
}
