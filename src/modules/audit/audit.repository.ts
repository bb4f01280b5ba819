import type { Executor } from '../../platform/db/schema.js';

export interface AuditFilter {
  entityType?: string;
  entityIds?: string[];
  actor?: string;
  action?: string;
  /** Actions left out (the dashboard's activity feed leaves out sign-ins). */
  excludeActions?: string[];
  since?: string;
  until?: string;
  beforeSeq?: number;
  limit: number;
}

export class AuditRepository {
  constructor(private readonly db: Executor) {}

  /** Newest first; the seq keyset makes paging stable while events keep arriving. */
  list(filter: AuditFilter) {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.entityType) q = q.where('entity_type', '=', filter.entityType);
    if (filter.entityIds?.length) q = q.where('entity_id', 'in', filter.entityIds);
    if (filter.actor) q = q.where('actor_name', '=', filter.actor);
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.excludeActions?.length) q = q.where('action', 'not in', filter.excludeActions);
    if (filter.since) q = q.where('at', '>=', filter.since);
    if (filter.until) q = q.where('at', '<', filter.until);
    if (filter.beforeSeq !== undefined) q = q.where('seq', '<', filter.beforeSeq);
    return q.orderBy('seq', 'desc').limit(filter.limit + 1).execute();
  }
}
