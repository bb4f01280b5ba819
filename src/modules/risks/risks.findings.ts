import type { Kysely } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { SUPPRESSED_STATES } from '../findings/findings.policy.js';
import { RiskRepository } from './risks.repository.js';
import type { RiskService } from './risks.service.js';

/**
 * Findings that matter become risks: one risk per (advisory group, product) whose open, current,
 * unsuppressed findings include a malicious package, a known exploited vulnerability (CISA KEV),
 * or one past its SLA due date. Source "finding", key "GROUP_ID:PRODUCT_ID".
 *
 * Incremental: each run reads only the (group, product) pairs whose findings changed since the
 * last run (findings.updated_at moves on triage, closure, reopening and re-prioritisation), whose
 * due date passed since then, and the pairs of products that got a new SBOM (their old findings
 * stop being current without changing). A pair that no longer qualifies resolves its risk.
 * Transactions commit out of order, so each run re-reads OVERLAP_MS before its watermark; a pair
 * whose risk was raised after its last change is skipped, so the overlap costs reads only.
 */
export const FINDINGS_CURSOR = 'findings';
const OVERLAP_MS = 15 * 60_000;
const EVIDENCE_MAX = 50;

type Reason = 'malicious' | 'kev' | 'overdue';
const REASON_TEXT: Record<Reason, string> = { malicious: 'malicious package', kev: 'known exploited (CISA KEV)', overdue: 'past its SLA due date' };
const TIER_IMPACT: Record<string, number> = { T1: 5, T2: 4, T3: 3, T4: 2 };
const SEVERITY_LIKELIHOOD: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1, none: 1, unknown: 2 };

export class FindingRisks {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly risks: RiskService,
  ) {}

  /** One run of the scheduled job. */
  async sync(ctx: RequestContext): Promise<{ pairs: number; raised: number; resolved: number }> {
    const repo = new RiskRepository(this.db);
    const now = new Date().toISOString();
    const cursor = await repo.cursor(FINDINGS_CURSOR);
    const pairs = cursor === null ? await this.initialPairs(now) : await this.changedPairs(new Date(Date.parse(cursor) - OVERLAP_MS).toISOString(), now);
    let raised = 0;
    let resolved = 0;
    for (const pair of pairs.values()) {
      const outcome = await this.evaluate(pair.groupId, pair.productId, now, ctx);
      if (outcome === 'raised') raised++;
      else if (outcome === 'resolved') resolved++;
    }
    await repo.setCursor(FINDINGS_CURSOR, now);
    return { pairs: pairs.size, raised, resolved };
  }

  /** The first run: every pair that qualifies now (later runs read changes only). */
  private async initialPairs(now: string) {
    const rows = await this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .select(['f.group_id', 'f.product_id'])
      .distinct()
      .where('f.status', '=', 'open')
      .where('s.is_current', '=', 1)
      .where((eb) => eb.or([eb('f.priority', 'in', ['malicious', 'kev']), eb('f.due_at', '<=', now)]))
      .execute();
    return keyed(rows);
  }

  private async changedPairs(since: string, now: string) {
    const [updated, overdue, products] = await Promise.all([
      this.db.selectFrom('findings').select(['group_id', 'product_id']).distinct().where('updated_at', '>', since).execute(),
      this.db.selectFrom('findings').select(['group_id', 'product_id']).distinct().where('status', '=', 'open').where('due_at', '>', since).where('due_at', '<=', now).execute(),
      this.db.selectFrom('sboms').select('product_id').distinct().where('uploaded_at', '>', since).where('published', '=', 1).execute(),
    ]);
    const pairs = keyed([...updated, ...overdue]);
    if (products.length) {
      const existing = await this.db
        .selectFrom('risks')
        .innerJoin('risk_products', 'risk_products.risk_id', 'risks.id')
        .select(['risks.source_key', 'risk_products.product_id'])
        .where('risks.source', '=', 'finding')
        .where('risks.status', '!=', 'closed')
        .where('risk_products.product_id', 'in', products.map((p) => p.product_id))
        .execute();
      for (const r of existing) {
        const [groupId, productId] = (r.source_key ?? '').split(':');
        if (groupId && productId === r.product_id) pairs.set(r.source_key!, { groupId, productId });
      }
    }
    return pairs;
  }

  private async evaluate(groupId: string, productId: string, now: string, ctx: RequestContext): Promise<'raised' | 'resolved' | 'skipped'> {
    const sourceKey = `${groupId}:${productId}`;
    const findings = await this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .innerJoin('advisory_groups as g', 'g.id', 'f.group_id')
      .innerJoin('products as p', 'p.id', 'f.product_id')
      .innerJoin('vendors as v', 'v.id', 'f.vendor_id')
      .select([
        'f.id', 'f.vendor_id', 'f.release', 'f.component_name', 'f.component_version', 'f.severity', 'f.priority', 'f.due_at', 'f.updated_at',
        'g.display_id', 'g.summary', 'g.kev', 'g.malicious', 'p.name as product_name', 'v.tier',
      ])
      .where('f.group_id', '=', groupId)
      .where('f.product_id', '=', productId)
      .where('f.status', '=', 'open')
      .where('s.is_current', '=', 1)
      .where('f.state', 'not in', SUPPRESSED_STATES)
      .orderBy('f.priority_rank')
      .orderBy('f.id')
      .execute();
    const reasons = new Set<Reason>();
    for (const f of findings) {
      if (Number(f.malicious) === 1) reasons.add('malicious');
      if (Number(f.kev) === 1) reasons.add('kev');
      if (f.due_at <= now) reasons.add('overdue');
    }
    const existing = await new RiskRepository(this.db).bySource('finding', sourceKey);
    if (!reasons.size) {
      if (!existing) return 'skipped';
      const outcome = await this.risks.resolveAutomatic({ source: 'finding', sourceKey, reason: 'no open finding of this advisory in this product is malicious, known exploited or overdue any more' }, ctx);
      return outcome === 'resolved' ? 'resolved' : 'skipped';
    }
    // Nothing changed since it was last raised: the overlap window read it again, that is all.
    const lastChange = findings.reduce((at, f) => [at, f.updated_at, f.due_at <= now ? f.due_at : ''].reduce((a, b) => (a > b ? a : b)), '');
    if (existing && existing.status !== 'closed' && existing.last_raised_at !== null && existing.last_raised_at >= lastChange) return 'skipped';

    const first = findings[0];
    const ordered = (['malicious', 'kev', 'overdue'] as Reason[]).filter((r) => reasons.has(r));
    const likelihood = reasons.has('malicious') || reasons.has('kev') ? 5 : Math.max(...findings.map((f) => SEVERITY_LIKELIHOOD[f.severity] ?? 2));
    const impact = TIER_IMPACT[first.tier] ?? 3;
    const components = [...new Set(findings.map((f) => `${f.component_name}${f.component_version ? ` ${f.component_version}` : ''} (release ${f.release})`))];
    await this.risks.raise(
      {
        source: 'finding',
        sourceKey,
        title: `${first.display_id} in ${first.product_name}: ${ordered.map((r) => REASON_TEXT[r]).join(', ')}`,
        description: [
          first.summary ?? '',
          `Affected: ${components.slice(0, 20).join('; ')}${components.length > 20 ? `; and ${components.length - 20} more` : ''}.`,
          `Likelihood ${likelihood}: ${reasons.has('malicious') || reasons.has('kev') ? 'malicious or known exploited' : 'from the findings\' severity'}. Impact ${impact}: from the vendor's tier ${first.tier}.`,
        ]
          .filter(Boolean)
          .join('\n\n'),
        likelihood,
        impact,
        vendorIds: [...new Set(findings.map((f) => f.vendor_id))],
        productIds: [productId],
        evidence: [
          { type: 'advisory', id: first.display_id, label: first.display_id },
          ...findings.slice(0, EVIDENCE_MAX).map((f) => ({ type: 'finding' as const, id: f.id, label: `${f.display_id} in ${f.component_name}${f.component_version ? ` ${f.component_version}` : ''} (${f.priority}, due ${f.due_at.slice(0, 10)})` })),
        ],
      },
      ctx,
    );
    return 'raised';
  }
}

function keyed(rows: Array<{ group_id: string; product_id: string }>) {
  const pairs = new Map<string, { groupId: string; productId: string }>();
  for (const r of rows) pairs.set(`${r.group_id}:${r.product_id}`, { groupId: r.group_id, productId: r.product_id });
  return pairs;
}
