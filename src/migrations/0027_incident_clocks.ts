import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Incident clocks (modules/incidents/incidents.clocks.ts): one row per (incident, kind) for good —
 * SLA clocks per severity and regulatory clocks (GDPR, NIS2, DORA). The policy recomputes a row in
 * the transaction that changed its incident; a person completes a regulatory clock with the
 * authority's reference; the breach job sets breached_at/escalated_at once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incident_clocks')
    .addColumn('incident_id', T.id, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('kind', T.text, (c) => c.notNull())
    .addColumn('basis', T.text, (c) => c.notNull())
    .addColumn('started_at', T.time, (c) => c.notNull())
    .addColumn('due_at', T.time, (c) => c.notNull())
    .addColumn('stopped_at', T.time)
    .addColumn('stop_reason', T.text)
    .addColumn('breached_at', T.time)
    .addColumn('escalated_at', T.time)
    .addColumn('reference', T.text)
    .addColumn('note', T.text)
    .addColumn('completed_by', T.text)
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_clocks_pk', ['incident_id', 'kind'])
    .execute();
  // The breach job's scan: running clocks not yet marked, by due time.
  await db.schema.createIndex('incident_clocks_due').on('incident_clocks').columns(['stopped_at', 'breached_at', 'due_at']).execute();
}
