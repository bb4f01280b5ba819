import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page, PageQuery } from '../../platform/http/pagination.js';
import { UUID_PATTERN } from '../../platform/ids.js';
import type { VendorService } from '../vendors/vendors.service.js';
import type { AuditService } from './audit.service.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(s: T) => Type.Union([s, Type.Null()]);

export const AuditEventSchema = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  at: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), name: Type.String() }),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Nullable(Type.String()),
  before: Type.Unknown(),
  after: Type.Unknown(),
  requestId: Nullable(Type.String()),
  hash: Type.String(),
});

const AuditQuery = Type.Object(
  {
    ...PageQuery,
    entityType: Type.Optional(Type.String({ maxLength: 64 })),
    entityId: Type.Optional(Type.String({ maxLength: 64 })),
    actor: Type.Optional(Type.String({ maxLength: 300 })),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export function auditRoutes(app: App, audit: AuditService, vendors: VendorService): void {
  const tags = ['audit'];
  app.get('/api/v1/audit', {
    config: { permission: 'audit:read' },
    schema: { tags, summary: 'The audit trail, newest first (who, what, when, before/after)', querystring: AuditQuery, response: { 200: Page(AuditEventSchema) } },
  }, async (request) => {
    const { entityId, limit, ...rest } = request.query;
    return audit.list({ ...rest, limit: limit ?? 50, entityIds: entityId ? [entityId] : undefined });
  });

  app.get('/api/v1/audit/verify', {
    config: { permission: 'audit:read' },
    schema: {
      tags,
      summary: 'Recompute the hash chain; reports the first row that was edited, removed or reordered',
      response: { 200: Type.Object({ ok: Type.Boolean(), checked: Type.Integer(), brokenAt: Nullable(Type.Object({ seq: Type.Integer(), reason: Type.String() })) }) },
    },
  }, async () => audit.verify());

  app.get('/api/v1/vendors/:id/history', {
    config: { permission: 'read' },
    schema: {
      tags: ['vendors'],
      summary: 'Audit history of a vendor and its products, contacts and contracts',
      params: Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) }),
      querystring: Type.Object(PageQuery, { additionalProperties: false }),
      response: { 200: Page(AuditEventSchema) },
    },
  }, async (request) => audit.list({ entityIds: await vendors.historyEntityIds(request.params.id), limit: request.query.limit ?? 50, cursor: request.query.cursor }));
}
