import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('vendors')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('name_key', T.text, (c) => c.notNull().unique())
    .addColumn('aliases', T.json, (c) => c.notNull())
    .addColumn('domains', T.json, (c) => c.notNull())
    .addColumn('legal_ids', T.json, (c) => c.notNull())
    .addColumn('country', T.text)
    .addColumn('website', T.text)
    .addColumn('description', T.text)
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('business_owner', T.text)
    .addColumn('owner_user_id', T.id, (c) => c.references('users.id').onDelete('set null'))
    .addColumn('team_id', T.id, (c) => c.references('teams.id').onDelete('set null'))
    .addColumn('services', T.json, (c) => c.notNull())
    .addColumn('data_categories', T.json, (c) => c.notNull())
    .addColumn('access_level', T.text, (c) => c.notNull())
    .addColumn('criticality', T.int, (c) => c.notNull())
    .addColumn('substitutability', T.int, (c) => c.notNull())
    .addColumn('annual_spend', T.real)
    .addColumn('currency', T.text)
    .addColumn('regulatory_scope', T.json, (c) => c.notNull())
    .addColumn('ships_software', T.flag, (c) => c.notNull())
    .addColumn('auto_update', T.flag, (c) => c.notNull())
    .addColumn('parent_vendor_id', T.id, (c) => c.references('vendors.id').onDelete('set null'))
    .addColumn('risk_score', T.real, (c) => c.notNull())
    .addColumn('risk_terms', T.json, (c) => c.notNull())
    .addColumn('tier', T.text, (c) => c.notNull())
    .addColumn('last_reviewed_at', T.time)
    .addColumn('next_review_at', T.time, (c) => c.notNull())
    .addColumn('review_overdue', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  for (const column of ['tier', 'status', 'team_id', 'next_review_at', 'risk_score', 'updated_at']) {
    await db.schema.createIndex(`vendors_${column}`).on('vendors').columns([column, 'id']).execute();
  }

  await db.schema
    .createTable('vendor_subcontractors')
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('subcontractor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('service', T.text)
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('vendor_subcontractors_pk', ['vendor_id', 'subcontractor_id'])
    .execute();
  await db.schema.createIndex('vendor_subcontractors_sub').on('vendor_subcontractors').column('subcontractor_id').execute();

  await db.schema
    .createTable('products')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('type', T.text, (c) => c.notNull())
    .addColumn('description', T.text)
    .addColumn('version', T.text)
    .addColumn('deployment_count', T.int)
    .addColumn('update_channel', T.text)
    .addColumn('auto_update', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('products_vendor').on('products').columns(['vendor_id', 'name']).execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('email', T.text)
    .addColumn('phone', T.text)
    .addColumn('role', T.text)
    .addColumn('is_primary', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contacts_vendor').on('contacts').column('vendor_id').execute();

  await db.schema
    .createTable('contracts')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('start_date', T.time)
    .addColumn('end_date', T.time)
    .addColumn('value', T.real)
    .addColumn('currency', T.text)
    .addColumn('notice_period_days', T.int)
    .addColumn('sbom_clause', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('breach_notification_clause', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('breach_notification_hours', T.int)
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contracts_vendor').on('contracts').column('vendor_id').execute();

  await db.schema
    .createTable('comments')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('entity_type', T.text, (c) => c.notNull())
    .addColumn('entity_id', T.id, (c) => c.notNull())
    .addColumn('author_id', T.text)
    .addColumn('author_name', T.text, (c) => c.notNull())
    .addColumn('body', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('comments_entity').on('comments').columns(['entity_type', 'entity_id', 'id']).execute();
}
