import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { insertJsonRows } from '../../platform/db/bulk.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { invalidField, notFound } from '../../platform/errors.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { likePattern, searchText } from '../../platform/search-text.js';
import { emptyReport } from '../advisories/advisories.service.js';
import type { CsafReport as FeedReport } from '../advisories/feeds.service.js';
import type { RiskService } from '../risks/risks.service.js';
import { excerptOf, MentionMatcher, MIN_CONFIDENCE, type VendorMatch } from './mentions.matcher.js';
import { parseMentions, type MentionRecord } from './mentions.parser.js';
import type { ListMentionsQueryType, Mention, TriageMentionInput } from './mentions.schemas.js';
import type { MentionMatchesTable, MentionsTable } from './mentions.tables.js';

const TIER_IMPACT: Record<string, number> = { T1: 5, T2: 4, T3: 3, T4: 2 };

type MatchRow = MentionMatchesTable & { vendor_name: string; vendor_tier: string };

export class MentionService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly risks: RiskService,
  ) {}

  readonly feedKinds = ['mentions'] as const;

  /** The feed as uploaded (FeedService has checked its size). */
  async importBuffer(_kind: string, body: Buffer, options: { source?: string }, ctx: RequestContext): Promise<FeedReport> {
    return this.import(parseMentions(body), ctx, options.source ?? 'upload');
  }

  async importPath(_kind: string, path: string, options: { source?: string }, ctx: RequestContext): Promise<FeedReport> {
    if (!(await stat(path)).isFile()) throw invalidField('path', `${path} is not a file`);
    return this.import(parseMentions(await readFile(path)), ctx, options.source ?? basename(path));
  }

  /**
   * Matches every record against the vendors (one index built per import) and writes them in one
   * transaction: a re-imported post updates its row (keeping its triage) or is skipped when
   * nothing changed; its matches are replaced.
   */
  private async import(parsed: ReturnType<typeof parseMentions>, ctx: RequestContext, origin: string): Promise<FeedReport> {
    const vendors = await this.db.selectFrom('vendors').select(['id', 'name', 'aliases', 'domains']).where('internal', '=', 0).execute();
    const matcher = new MentionMatcher(vendors.map((v) => ({ id: v.id, name: v.name, aliases: JSON.parse(v.aliases) as string[], domains: JSON.parse(v.domains) as string[] })));
    const report = { ...emptyReport(), errors: parsed.errors, matched: 0 };
    const now = new Date().toISOString();
    const drafts = parsed.records.map((r) => ({ record: r, matches: matcher.match(r) }));
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < drafts.length; i += 500) {
        const batch = drafts.slice(i, i + 500);
        const existing = new Map(
          (await trx.selectFrom('mentions').selectAll().where('content_key', 'in', batch.map((d) => d.record.contentKey)).execute()).map((m) => [m.content_key, m]),
        );
        const inserts: MentionsTable[] = [];
        const matchRows: MentionMatchesTable[] = [];
        for (const { record, matches } of batch) {
          if (matches.length) report.matched++;
          const before = existing.get(record.contentKey);
          const row = rowOf(record, matches, before?.id ?? newId(), now);
          if (!before) {
            inserts.push({ ...row, triage: 'new', triage_note: null, triaged_by: null, triaged_at: null, risk_id: null, imported_at: now });
            report.imported++;
          } else {
            const storedMatches = await trx.selectFrom('mention_matches').select(['vendor_id', 'confidence']).where('mention_id', '=', before.id).orderBy('vendor_id').execute();
            const sameMatches = JSON.stringify(storedMatches.map((m) => [m.vendor_id, Number(m.confidence)])) === JSON.stringify([...matches].sort((a, b) => a.vendorId.localeCompare(b.vendorId)).map((m) => [m.vendorId, m.confidence]));
            const same = sameMatches && (['title', 'excerpt', 'text_sha256', 'url', 'published_at', 'names', 'domains'] as const).every((k) => before[k] === row[k]);
            if (same) {
              report.skipped++;
              continue;
            }
            await trx.updateTable('mentions').set(row).where('id', '=', before.id).execute();
            await trx.deleteFrom('mention_matches').where('mention_id', '=', before.id).execute();
            report.updated++;
          }
          for (const m of matches) {
            matchRows.push({ mention_id: row.id, vendor_id: m.vendorId, method: m.best.method, seen: m.best.seen, vendor_term: m.best.vendorTerm, confidence: m.confidence, explanation: m.explanation });
          }
        }
        // New posts and every match of the batch in two statements (one JSON parameter each).
        await insertJsonRows(trx, 'mentions', inserts as unknown as Array<Record<string, unknown>>);
        await insertJsonRows(trx, 'mention_matches', matchRows as unknown as Array<Record<string, unknown>>);
      }
      if (report.imported || report.updated) {
        await recordAudit(trx, ctx, { action: 'mentions.import', entityType: 'feed', entityId: 'mentions', after: { origin, imported: report.imported, updated: report.updated, skipped: report.skipped, errors: report.errors.length, matched: report.matched } });
      }
    });
    return report;
  }

  async list(query: ListMentionsQueryType): Promise<PageOf<Mention>> {
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor, 'string');
    let q = this.db.selectFrom('mentions').selectAll();
    const triage = query.triage ?? 'new';
    if (triage !== 'all') q = q.where('triage', '=', triage);
    const min = query.minConfidence ?? MIN_CONFIDENCE;
    if (min > 0) q = q.where('best_confidence', '>=', min);
    if (query.source) q = q.where('source', '=', query.source);
    if (query.q) q = q.where('search_text', 'like', sql<string>`${likePattern(query.q)} escape '\\'`);
    if (query.vendorId) {
      const vendorId = query.vendorId;
      q = q.where((eb) => eb.exists(eb.selectFrom('mention_matches').select('mention_id').whereRef('mention_matches.mention_id', '=', 'mentions.id').where('mention_matches.vendor_id', '=', vendorId)));
    }
    // Newest import first (ids are time-ordered).
    if (cursor) q = q.where('id', '<', cursor.id);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    const page = toPage(rows, limit, (r) => r.id, (r) => r);
    return { items: await this.present(page.items), nextCursor: page.nextCursor };
  }

  async get(id: string, executor: Executor = this.db): Promise<Mention> {
    const row = await executor.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('mention', id);
    return (await this.present([row], executor))[0];
  }

  /**
   * Triage. Relevant raises (or re-raises) the mention's risk through the register's automatic-risk
   * API, in the same transaction; not relevant after relevant closes that risk as not-a-risk.
   */
  async triage(id: string, input: TriageMentionInput, ctx: RequestContext): Promise<Mention> {
    await this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirst();
      if (!before) throw notFound('mention', id);
      const now = new Date().toISOString();
      let riskId = before.risk_id;
      if (input.triage === 'relevant') {
        const matches = await this.matches(trx, [id]);
        const vendorIds = input.vendorIds ?? matches.map((m) => m.vendor_id);
        if (!vendorIds.length) throw invalidField('/vendorIds', 'no vendor was matched: say which vendors this mention is about');
        const tiers = await trx.selectFrom('vendors').select(['id', 'tier']).where('id', 'in', vendorIds).execute();
        const impact = input.impact ?? Math.max(...tiers.map((t) => TIER_IMPACT[t.tier] ?? 3), 1);
        const { risk } = await this.risks.raiseAutomatic(
          {
            source: 'mention',
            sourceKey: id,
            title: `Mentioned in ${before.source}: ${before.title}`.slice(0, 300),
            description: [before.excerpt, before.url ? `Source: ${before.url}` : '', input.note ? `Triage note: ${input.note}` : ''].filter(Boolean).join('\n\n'),
            likelihood: input.likelihood ?? 3,
            impact,
            vendorIds,
            evidence: [{ type: 'mention', id, label: before.title.slice(0, 300) }, ...vendorIds.map((v) => ({ type: 'vendor' as const, id: v }))],
          },
          ctx,
          trx,
        );
        riskId = risk.id;
      } else if (input.triage === 'not-relevant' && before.triage === 'relevant') {
        await this.risks.resolveAutomatic({ source: 'mention', sourceKey: id, reason: 'the mention was triaged as not relevant', closeAs: 'not-a-risk' }, ctx, trx);
      }
      const changes = { triage: input.triage, triage_note: input.note ?? null, triaged_by: ctx.actor.name, triaged_at: now, risk_id: riskId, updated_at: now };
      await trx.updateTable('mentions').set(changes).where('id', '=', id).execute();
      await recordAudit(trx, ctx, {
        action: 'mention.triage',
        entityType: 'mention',
        entityId: id,
        before: { triage: before.triage, note: before.triage_note, riskId: before.risk_id },
        after: { triage: changes.triage, note: changes.triage_note, riskId },
      });
    });
    return this.get(id);
  }

  private matches(executor: Executor, ids: string[]): Promise<MatchRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return executor
      .selectFrom('mention_matches')
      .innerJoin('vendors', 'vendors.id', 'mention_matches.vendor_id')
      .selectAll('mention_matches')
      .select(['vendors.name as vendor_name', 'vendors.tier as vendor_tier'])
      .where('mention_matches.mention_id', 'in', ids)
      .orderBy('mention_matches.confidence', 'desc')
      .orderBy('vendors.name')
      .execute();
  }

  private async present(rows: MentionsTable[], executor: Executor = this.db): Promise<Mention[]> {
    const matches = await this.matches(executor, rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      source: r.source,
      url: r.url,
      title: r.title,
      excerpt: r.excerpt,
      textSha256: r.text_sha256,
      textLength: Number(r.text_length),
      published: r.published_at,
      names: JSON.parse(r.names) as string[],
      domains: JSON.parse(r.domains) as string[],
      confidence: Number(r.best_confidence),
      matches: matches
        .filter((m) => m.mention_id === r.id)
        .map((m) => ({ vendor: { id: m.vendor_id, name: m.vendor_name, tier: m.vendor_tier }, method: m.method, seen: m.seen, vendorTerm: m.vendor_term, confidence: Number(m.confidence), explanation: m.explanation })),
      triage: r.triage,
      triageNote: r.triage_note,
      triagedBy: r.triaged_by,
      triagedAt: r.triaged_at,
      riskId: r.risk_id,
      importedAt: r.imported_at,
      updatedAt: r.updated_at,
    }));
  }
}

function rowOf(record: MentionRecord, matches: VendorMatch[], id: string, now: string) {
  const terms = matches.map((m) => m.best.seen);
  return {
    id,
    content_key: record.contentKey,
    source: record.source,
    url: record.url,
    title: record.title,
    excerpt: excerptOf(record.text, terms),
    text_sha256: createHash('sha256').update(record.text).digest('hex'),
    text_length: record.text.length,
    published_at: record.published,
    names: JSON.stringify(record.names),
    domains: JSON.stringify(record.domains),
    best_confidence: matches[0]?.confidence ?? 0,
    search_text: searchText([record.title, record.source, ...record.names, ...record.domains]),
    updated_at: now,
  };
}
