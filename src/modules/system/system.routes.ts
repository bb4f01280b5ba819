import { sql } from 'kysely';
import { Type } from 'typebox';
import { AppError } from '../../platform/errors.js';
import type { App } from '../../platform/http/server.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import type { AuditService } from '../audit/audit.service.js';
import type { VendorService } from '../vendors/vendors.service.js';
import type { ResilienceService } from '../resilience/resilience.service.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(s: T) => Type.Union([s, Type.Null()]);

export function systemRoutes(app: App, deps: { db: Kysely<DB>; dialect: string; version: string; vendors: VendorService; audit: AuditService; resilience: ResilienceService }): void {
  app.get('/healthz', {
    config: { public: true },
    schema: { tags: ['system'], summary: 'Liveness and database reachability', response: { 200: Type.Object({ status: Type.String(), database: Type.String(), version: Type.String() }) } },
  }, async () => {
    try {
      await sql`select 1`.execute(deps.db);
    } catch {
      throw new AppError('unavailable', 'the database does not answer');
    }
    return { status: 'ok', database: deps.dialect, version: deps.version };
  });

  app.get('/api/v1/dashboard', {
    config: { permission: 'read' },
    schema: {
      tags: ['system'],
      summary: 'Portfolio at a glance: vendors by tier, reviews due, contracts ending, recent activity',
      response: {
        200: Type.Object({
          vendorsByTier: Type.Object({ T1: Type.Integer(), T2: Type.Integer(), T3: Type.Integer(), T4: Type.Integer() }),
          vendorsByStatus: Type.Record(Type.String(), Type.Integer()),
          totalVendors: Type.Integer(),
          reviewsOverdue: Type.Integer(),
          autoUpdatingSoftwareVendors: Type.Integer(),
          needsTriage: Type.Integer({ description: 'Vendors (not terminated) with unanswered risk factors: GET /api/v1/vendors?needsTriage=true lists them.' }),
          reviewsDueSoon: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String(), nextReviewAt: Type.String() })),
          contractsEnding: Type.Array(
            Type.Object({
              contractId: Type.String(),
              title: Type.String(),
              vendorId: Type.String(),
              vendorName: Type.String(),
              endDate: Type.String({ description: 'YYYY-MM-DD' }),
              daysToEnd: Type.Integer(),
              noticePeriodDays: Nullable(Type.Integer()),
              noticeBy: Nullable(Type.String({ description: 'Last day to give notice (end date minus the notice period), YYYY-MM-DD.' })),
              daysToNotice: Nullable(Type.Integer({ description: 'Negative once the notice deadline has passed.' })),
            }),
            { description: 'Contracts of active vendors ending within 90 days or with a notice deadline within 30 days (or passed), soonest first; at most 20.' },
          ),
          assessmentsOverdue: Type.Integer({ description: 'Assessments past their due date whose answers the vendor still owes (draft, sent, in progress): GET /api/v1/assessments?overdue=true lists them.' }),
          overdueAssessments: Type.Array(
            Type.Object({ id: Type.String(), vendorId: Type.String(), vendorName: Type.String(), templateName: Type.String(), status: Type.String(), dueAt: Type.String({ description: 'YYYY-MM-DD' }) }),
            { description: 'The ten longest overdue.' },
          ),
          recentActivity: Type.Array(
            Type.Object({
              at: Type.String(),
              actor: Type.String(),
              action: Type.String(),
              entityType: Type.String(),
              entityId: Nullable(Type.String()),
              entityName: Nullable(Type.String({ description: 'Name or title of the record, as it was recorded.' })),
              vendorId: Nullable(Type.String({ description: 'The vendor the record belongs to, for linking.' })),
            }),
          ),
        }),
      },
    },
  }, async () => {
    // Changes to the portfolio, not people signing in (which otherwise fill the feed on a quiet day).
    const recent = await deps.audit.list({ limit: 10, excludeActions: ['session.login'] });
    return {
      ...(await deps.vendors.dashboard()),
      ...(await deps.resilience.overdueAssessments()),
      recentActivity: recent.items.map((e) => {
        const record = (e.after ?? e.before ?? {}) as { name?: string; title?: string; vendorId?: string };
        return {
          at: e.at,
          actor: e.actor.name,
          action: e.action,
          entityType: e.entityType,
          entityId: e.entityId,
          entityName: record.name ?? record.title ?? null,
          vendorId: e.entityType === 'vendor' ? e.entityId : (record.vendorId ?? null),
        };
      }),
    };
  });
}
