import { sql, type Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * The unified risk register and vendor mentions.
 *
 * risks: one row per risk, manual or automatic. Automatic risks carry (source, source_key), unique,
 * so raising the same source again updates the row instead of adding one. Vendors, products and
 * evidence are link tables: a risk linked to several vendors is still one row, which is what lets
 * the portfolio roll-up count it once. risk_snapshots keeps one row per day for the trend;
 * risk_source_cursors remembers how far the findings-derived risks have been brought up to date
 * (two findings indexes serve those incremental reads).
 *
 * mentions: metadata and a short excerpt of breach/leak/forum posts (never the post itself),
 * unique by content_key; mention_matches holds each vendor a mention was matched to, with the
 * method and the matcher's confidence.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('risks')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('description', T.text, (c) => c.notNull().defaultTo(''))
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('source_key', T.text)
    .addColumn('likelihood', T.int, (c) => c.notNull())
    .addColumn('impact', T.int, (c) => c.notNull())
    .addColumn('inherent_score', T.int, (c) => c.notNull())
    .addColumn('residual_likelihood', T.int)
    .addColumn('residual_impact', T.int)
    .addColumn('residual_score', T.int)
    .addColumn('current_score', T.int, (c) => c.notNull())
    .addColumn('assessed', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('owner', T.text)
    .addColumn('team_id', T.id, (c) => c.references('teams.id').onDelete('set null'))
    .addColumn('treatment', T.text)
    .addColumn('treatment_plan', T.text)
    .addColumn('due_date', T.text)
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('acceptance_justification', T.text)
    .addColumn('acceptance_expires_at', T.time)
    .addColumn('acceptance_requested_by', T.text)
    .addColumn('acceptance_requested_by_name', T.text)
    .addColumn('acceptance_requested_at', T.time)
    .addColumn('accepted_by', T.text)
    .addColumn('accepted_by_name', T.text)
    .addColumn('accepted_at', T.time)
    .addColumn('close_reason', T.text)
    .addColumn('closed_at', T.time)
    .addColumn('reopen_count', T.int, (c) => c.notNull().defaultTo(0))
    .addColumn('reopened_at', T.time)
    .addColumn('reopen_reason', T.text)
    .addColumn('raise_count', T.int, (c) => c.notNull().defaultTo(0))
    .addColumn('last_raised_at', T.time)
    .addColumn('search_text', T.text, (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  // NULL source keys (manual risks) never collide: both engines treat NULLs as distinct.
  await db.schema.createIndex('risks_source_key').on('risks').columns(['source', 'source_key']).unique().execute();
  await db.schema.createIndex('risks_status_score').on('risks').columns(['status', 'current_score', 'id']).execute();
  await db.schema.createIndex('risks_updated').on('risks').columns(['updated_at', 'id']).execute();
  await db.schema
    .createIndex('risks_acceptance_expiry')
    .on('risks')
    .columns(['acceptance_expires_at'])
    .where(sql.ref('status'), '=', 'accepted')
    .execute();

  await db.schema
    .createTable('risk_vendors')
    .addColumn('risk_id', T.id, (c) => c.notNull().references('risks.id').onDelete('cascade'))
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('risk_vendors_pk', ['risk_id', 'vendor_id'])
    .execute();
  await db.schema.createIndex('risk_vendors_vendor').on('risk_vendors').columns(['vendor_id', 'risk_id']).execute();

  await db.schema
    .createTable('risk_products')
    .addColumn('risk_id', T.id, (c) => c.notNull().references('risks.id').onDelete('cascade'))
    .addColumn('product_id', T.id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('risk_products_pk', ['risk_id', 'product_id'])
    .execute();
  await db.schema.createIndex('risk_products_product').on('risk_products').columns(['product_id', 'risk_id']).execute();

  await db.schema
    .createTable('risk_evidence')
    .addColumn('risk_id', T.id, (c) => c.notNull().references('risks.id').onDelete('cascade'))
    .addColumn('type', T.text, (c) => c.notNull())
    .addColumn('ref', T.text, (c) => c.notNull())
    .addColumn('label', T.text)
    .addColumn('added_by', T.text, (c) => c.notNull())
    .addColumn('added_at', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('risk_evidence_pk', ['risk_id', 'type', 'ref'])
    .execute();
  await db.schema.createIndex('risk_evidence_ref').on('risk_evidence').columns(['type', 'ref']).execute();

  await db.schema
    .createTable('risk_snapshots')
    .addColumn('day', T.text, (c) => c.primaryKey())
    .addColumn('taken_at', T.time, (c) => c.notNull())
    .addColumn('open', T.int, (c) => c.notNull())
    .addColumn('accepted', T.int, (c) => c.notNull())
    .addColumn('by_level', T.json, (c) => c.notNull())
    .addColumn('heat', T.json, (c) => c.notNull())
    .execute();

  // The findings source reads changed findings and newly overdue ones, never the whole table.
  await db.schema.createIndex('findings_updated').ifNotExists().on('findings').columns(['updated_at']).execute();
  await db.schema.createIndex('findings_open_due').ifNotExists().on('findings').columns(['status', 'due_at']).execute();

  await db.schema
    .createTable('risk_source_cursors')
    .addColumn('name', T.text, (c) => c.primaryKey())
    .addColumn('position', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('mentions')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('content_key', T.text, (c) => c.notNull().unique())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('url', T.text)
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('excerpt', T.text, (c) => c.notNull())
    .addColumn('text_sha256', T.text, (c) => c.notNull())
    .addColumn('text_length', T.int, (c) => c.notNull())
    .addColumn('published_at', T.time)
    .addColumn('names', T.json, (c) => c.notNull())
    .addColumn('domains', T.json, (c) => c.notNull())
    .addColumn('best_confidence', T.real, (c) => c.notNull().defaultTo(0))
    .addColumn('triage', T.text, (c) => c.notNull().defaultTo('new'))
    .addColumn('triage_note', T.text)
    .addColumn('triaged_by', T.text)
    .addColumn('triaged_at', T.time)
    .addColumn('risk_id', T.id)
    .addColumn('search_text', T.text, (c) => c.notNull().defaultTo(''))
    .addColumn('imported_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mentions_triage').on('mentions').columns(['triage', 'best_confidence', 'id']).execute();
  await db.schema.createIndex('mentions_published').on('mentions').columns(['published_at', 'id']).execute();

  await db.schema
    .createTable('mention_matches')
    .addColumn('mention_id', T.id, (c) => c.notNull().references('mentions.id').onDelete('cascade'))
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('method', T.text, (c) => c.notNull())
    .addColumn('seen', T.text, (c) => c.notNull())
    .addColumn('vendor_term', T.text, (c) => c.notNull())
    .addColumn('confidence', T.real, (c) => c.notNull())
    .addColumn('explanation', T.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('mention_matches_pk', ['mention_id', 'vendor_id'])
    .execute();
  await db.schema.createIndex('mention_matches_vendor').on('mention_matches').columns(['vendor_id', 'mention_id']).execute();
}
