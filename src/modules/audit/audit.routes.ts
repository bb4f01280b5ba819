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
  /** Null until the sealer has chained the event (normally within a minute). */
  chainPosition: Nullable(Type.Integer()),
  hash: Nullable(Type.String()),
});

const AuditVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer({ description: 'Sealed events verified.' }),
  brokenAt: Nullable(
    Type.Object({
      position: Type.Integer({ description: 'Chain position of the first event that does not fit.' }),
      seq: Nullable(Type.Integer({ description: 'That event, or null when the event at that position was removed.' })),
      reason: Type.String(),
    }),
  ),
  unsealed: Type.Object(
    { count: Type.Integer(), oldestSeq: Nullable(Type.Integer()), oldestAt: Nullable(Type.String()) },
    { description: 'Committed events not chained yet: those of transactions still running, or of transactions that began after one still running.' },
  ),
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
      summary: 'Seal committed events, then recompute the hash chain; reports the first event that was edited, removed or reordered, and the unsealed tail',
      response: { 200: AuditVerificationSchema },
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
