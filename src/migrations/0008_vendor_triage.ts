import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';
import { readSetting } from '../platform/settings.js';
import { searchText } from '../platform/search-text.js';
import { ANSWERABLE_FACTORS, DEFAULT_RISK_MODEL, nextReviewAt, scoreVendor, type AnswerableFactor, type RiskModel } from '../modules/vendors/risk-score.js';

/**
 * Vendors remember which risk factors nobody has answered yet (risk_missing), and carry a search
 * text folded the same way on both engines (search_text).
 *
 * Existing vendors: which fields a creator left out was never recorded, so it is inferred. A vendor
 * whose five answerable inputs all still hold the values an omitted field used to get (no data
 * categories, access none, criticality 2, substitutability 2, no software) was created with a name
 * only, and scored 10 in T4: all five are missing. Any other vendor was evidently assessed, and its
 * values are kept as answers, except that an empty data-category list never answered anything.
 * Flagged vendors are rescored at once so their tier and next review follow the provisional rule.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('vendors').addColumn('risk_missing', T.json, (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('vendors').addColumn('search_text', T.text, (c) => c.notNull().defaultTo('')).execute();

  const model = (await readSetting<RiskModel>(db, 'risk-model')) ?? DEFAULT_RISK_MODEL;
  const vendors = await db.selectFrom('vendors').selectAll().orderBy('id').execute();
  for (const v of vendors) {
    const aliases = JSON.parse(v.aliases) as string[];
    const domains = JSON.parse(v.domains) as string[];
    const dataCategories = JSON.parse(v.data_categories) as string[];
    const regulatoryScope = JSON.parse(v.regulatory_scope) as string[];
    const changes: Record<string, unknown> = { search_text: searchText([v.name, ...aliases, ...domains]) };
    const nameOnly =
      !dataCategories.length && v.access_level === 'none' && Number(v.criticality) === 2 && Number(v.substitutability) === 2 && Number(v.ships_software) === 0;
    const missing: AnswerableFactor[] = Number(v.internal) ? [] : nameOnly ? [...ANSWERABLE_FACTORS] : dataCategories.length ? [] : ['dataSensitivity'];
    if (missing.length) {
      const { n } = await db
        .selectFrom('vendor_subcontractors')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('vendor_id', '=', v.id)
        .executeTakeFirstOrThrow();
      const risk = scoreVendor(
        {
          dataCategories: dataCategories as never,
          accessLevel: v.access_level,
          criticality: Number(v.criticality),
          substitutability: Number(v.substitutability),
          shipsSoftware: Number(v.ships_software) === 1,
          autoUpdate: Number(v.auto_update) === 1,
          fourthPartyCount: Number(n),
          regulatoryScope,
          missing,
        },
        model,
      );
      Object.assign(changes, {
        risk_missing: JSON.stringify(risk.missing),
        risk_score: risk.score,
        risk_terms: JSON.stringify(risk.terms),
        tier: risk.tier,
        next_review_at: nextReviewAt(risk.tier, v.last_reviewed_at, v.created_at, model),
      });
    }
    await db.updateTable('vendors').set(changes).where('id', '=', v.id).execute();
  }
  await db.schema.createIndex('vendors_risk_missing').on('vendors').columns(['risk_missing', 'id']).execute();
}
