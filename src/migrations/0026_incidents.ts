import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Incidents (issue 11, modules/incidents): third-party incidents from vendors' reports, from
 * correlation (a sighting on a vendor) and from people, with the vendors and products involved,
 * participants, tasks per team, a timeline, links to other records and evidence files.
 *
 * Evidence bytes live in portal_blobs (0024) by SHA-256, like the portal's files: one blob store.
 * drill_id marks the rows a drill made (null for real incidents); real lists and metrics skip them.
 * Links carry no foreign key to their target: risks, findings, sightings, assessments and
 * indicators belong to other modules and a link must survive their pruning as a plain reference.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('summary', T.text, (c) => c.notNull())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('severity', T.text, (c) => c.notNull())
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('impact', T.json, (c) => c.notNull())
    .addColumn('detected_at', T.time, (c) => c.notNull())
    .addColumn('acknowledged_at', T.time)
    .addColumn('contained_at', T.time)
    .addColumn('eradicated_at', T.time)
    .addColumn('recovered_at', T.time)
    .addColumn('closed_at', T.time)
    .addColumn('correlation_key', T.text)
    .addColumn('shared_fields', T.json, (c) => c.notNull())
    .addColumn('reported_by', T.json)
    .addColumn('drill_id', T.id)
    .addColumn('search_text', T.text, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incidents_status').on('incidents').columns(['status', 'id']).execute();
  await db.schema.createIndex('incidents_drill').on('incidents').columns(['drill_id', 'id']).execute();
  await db.schema.createIndex('incidents_correlation').on('incidents').columns(['correlation_key', 'status']).execute();

  await db.schema
    .createTable('incident_vendors')
    .addColumn('incident_id', T.id, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('incident_vendors_pk', ['incident_id', 'vendor_id'])
    .execute();
  await db.schema.createIndex('incident_vendors_vendor').on('incident_vendors').columns(['vendor_id', 'incident_id']).execute();

  await db.schema
    .createTable('incident_products')
    .addColumn('incident_id', T.id, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('product_id', T.id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('incident_products_pk', ['incident_id', 'product_id'])
    .execute();
  await db.schema.createIndex('incident_products_product').on('incident_products').columns(['product_id', 'incident_id']).execute();

  await db.schema
    .createTable('incident_participants')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('incident_id', T.id, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('role', T.text, (c) => c.notNull())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('email', T.text)
    .addColumn('user_id', T.id, (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_participants_incident').on('incident_participants').columns(['incident_id', 'id']).execute();

  await db.schema
    .createTable('incident_tasks')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('incident_id', T.id, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('team', T.text, (c) => c.notNull())
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('owner', T.text)
    .addColumn('due_at', T.time)
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('form', T.json)
    .addColumn('answer', T.json)
    .addColumn('playbook_run_id', T.id)
    .addColumn('step_id', T.text)
    .addColumn('completed_by', T.text)
    .addColumn('completed_at', T.time)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_tasks_incident').on('incident_tasks').columns(['incident_id', 'id']).execute();
  await db.schema.createIndex('incident_tasks_run').on('incident_tasks').columns(['playbook_run_id', 'step_id']).execute();

  await db.schema
    .createTable('incident_events')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('incident_id', T.id, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('at', T.time, (c) => c.notNull())
    .addColumn('kind', T.text, (c) => c.notNull())
    .addColumn('actor', T.text, (c) => c.notNull())
    .addColumn('text', T.text, (c) => c.notNull())
    .addColumn('data', T.json)
    .addColumn('shareable', T.flag, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('incident_events_incident').on('incident_events').columns(['incident_id', 'at', 'id']).execute();

  await db.schema
    .createTable('incident_links')
    .addColumn('incident_id', T.id, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('kind', T.text, (c) => c.notNull())
    .addColumn('target_id', T.text, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_links_pk', ['incident_id', 'kind', 'target_id'])
    .execute();
  await db.schema.createIndex('incident_links_target').on('incident_links').columns(['kind', 'target_id']).execute();

  await db.schema
    .createTable('incident_files')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('incident_id', T.id, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('sha256', T.text, (c) => c.notNull().references('portal_blobs.sha256'))
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('media_type', T.text, (c) => c.notNull())
    .addColumn('size_bytes', T.int, (c) => c.notNull())
    .addColumn('shareable', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addUniqueConstraint('incident_files_content', ['incident_id', 'sha256'])
    .execute();
}
