import { sql, type Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * The egress blocklist (issue 11): indicator domains blocked by playbooks or by people, exported
 * as a domain list, a Squid ACL and a DNS RPZ zone.
 *
 * A row is one decision to block one domain: status `active` (exported until expires_at),
 * `staged` (a drill's block: never exported), `expired` or `removed` (kept as the record of who
 * blocked what, when and why). incident_id and playbook_run_id have no foreign keys: incidents and
 * playbook runs come from other migrations (0026, 0029) that may be applied in any order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('egress_blocklist')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('domain', T.text, (c) => c.notNull())
    .addColumn('reason', T.text, (c) => c.notNull())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('incident_id', T.id)
    .addColumn('playbook_run_id', T.id)
    .addColumn('drill_id', T.id)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('expires_at', T.time)
    .addColumn('removed_at', T.time)
    .addColumn('removed_by', T.text)
    .execute();
  // One live block per domain, and one staged block per domain and drill: a second block of the
  // same domain is reported as "already" instead of adding a row (and racing writers cannot both add).
  await sql`CREATE UNIQUE INDEX egress_blocklist_active_domain ON egress_blocklist (domain) WHERE status = 'active'`.execute(db);
  await sql`CREATE UNIQUE INDEX egress_blocklist_staged_domain ON egress_blocklist (drill_id, domain) WHERE status = 'staged'`.execute(db);
  await db.schema.createIndex('egress_blocklist_incident').on('egress_blocklist').columns(['incident_id']).execute();
  await db.schema.createIndex('egress_blocklist_drill').on('egress_blocklist').columns(['drill_id']).execute();
}
