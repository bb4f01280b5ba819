import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, invalidField, notFound } from '../../platform/errors.js';
import type { FindingsHistoryTable } from '../findings/findings.tables.js';
import { MatchingRepository } from '../matching/matching.repository.js';
import { historyRow, type Matcher } from '../matching/matching.service.js';
import { tryParseCpe } from '../purl/index.js';
import { componentIdentity, declaredCpe, productCpes } from './cpes.infer.js';
import { CpeRepository } from './cpes.repository.js';
import type { CpeDecisionInput } from './cpes.schemas.js';

/** Closed reason of findings whose inferred CPE an analyst rejected. */
export const CPE_REJECTED = 'cpe_rejected';

/** Analysts' decisions on inferred CPEs, and products' own CPEs. */
export class CpeService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly matcher: Matcher,
  ) {}

  private repo(executor: Executor = this.db) {
    return new CpeRepository(executor);
  }

  /**
   * Confirms or rejects the inferred CPE of a finding, for the component's identity (supplier and
   * name) everywhere: every SBOM and release holding it now, and every later upload (whose
   * inference reads the decision). Rejecting closes the findings matched through it; confirming
   * makes them certain (confidence 1) and reopens any a rejection closed.
   */
  async decide(findingId: string, input: CpeDecisionInput, ctx: RequestContext) {
    const finding = await this.repo().finding(findingId);
    if (!finding) throw notFound('finding', findingId);
    if (finding.match_kind !== 'inferred-cpe') throw conflict(`finding ${findingId} was matched by ${finding.match_kind}, not by an inferred CPE: there is nothing to confirm or reject`);
    const component = await this.repo().component(finding.sbom_id, Number(finding.component_idx));
    if (!component) throw notFound('component of finding', findingId);
    const componentKey = componentIdentity(component.name, component.supplier);
    const cpeKey = finding.package_name;
    return this.db.transaction().execute(async (trx) => {
      // A decision changes what findings exist, as a feed write does: uploads being matched meanwhile match again.
      await new MatchingRepository(trx).lockMatching('exclusive');
      const repo = this.repo(trx);
      const now = new Date().toISOString();
      const before = await repo.decision(componentKey, cpeKey);
      await repo.setDecision({ component_key: componentKey, cpe_key: cpeKey, decision: input.decision, decided_by: ctx.actor.name, decided_at: now });
      const rows = (await repo.inferredUnder(cpeKey)).filter((r) => componentIdentity(r.name, r.supplier) === componentKey);
      const occurrences = rows.map((r) => ({ sbom_id: r.sbom_id, idx: Number(r.idx) }));
      const findings = await repo.inferredFindings(cpeKey, occurrences);
      const history: FindingsHistoryTable[] = [];
      let changed: string[];
      let created = 0;
      if (input.decision === 'rejected') {
        await repo.setInferred(cpeKey, occurrences, { source: 'rejected', confidence: null });
        changed = findings.filter((f) => f.status === 'open').map((f) => f.id);
        await repo.updateFindings(changed, { status: 'closed', closed_reason: CPE_REJECTED, closed_at: now, updated_at: now });
        for (const id of changed) history.push(historyRow(id, now, ctx, 'analyst', 'closed', null, null, { reason: CPE_REJECTED, cpe: cpeKey }));
      } else {
        await repo.setInferred(cpeKey, occurrences, { source: 'inferred', confidence: 1 });
        changed = findings.map((f) => f.id);
        await repo.updateFindings(changed, { match_confidence: 1, updated_at: now });
        const reopen = findings.filter((f) => f.status === 'closed' && f.closed_reason === CPE_REJECTED).map((f) => f.id);
        await repo.updateFindings(reopen, { status: 'open', closed_reason: null, closed_at: null });
        for (const f of findings) history.push(historyRow(f.id, now, ctx, 'analyst', reopen.includes(f.id) ? 'reopened' : 'cpe-confirmed', f.state, f.state, { cpe: cpeKey }));
        // Current SBOMs uploaded while it was rejected never matched it: they are matched again now.
        const unmatched = new Map(rows.filter((r) => r.source === 'rejected' && Number(r.is_current) === 1).map((r) => [r.sbom_id, r]));
        if (unmatched.size) await new MatchingRepository(trx).insertHistory(history.splice(0));
        for (const r of unmatched.values()) {
          const product = await repo.product(r.product_id);
          if (!product) continue;
          const stats = await this.matcher.rematchSbom(trx, { sbomId: r.sbom_id, productId: r.product_id, vendorId: product.vendor_id, release: r.release, supersedes: null }, ctx);
          created += stats.created;
        }
      }
      await new MatchingRepository(trx).insertHistory(history);
      const decision = { componentKey, cpeKey, decision: input.decision, decidedBy: ctx.actor.name, decidedAt: now };
      await recordAudit(trx, ctx, { action: 'cpe.decide', entityType: 'cpe-decision', entityId: `${componentKey}#${cpeKey}`, before: before ? { decision: before.decision } : undefined, after: { ...decision, findings: changed.length + created } });
      return { ...decision, findingsChanged: changed.length + created };
    });
  }

  async listDecisions(limit: number) {
    return (await this.repo().listDecisions(limit)).map((r) => ({ componentKey: r.component_key, cpeKey: r.cpe_key, decision: r.decision, decidedBy: r.decided_by, decidedAt: r.decided_at }));
  }

  /**
   * Sets (or, with null, clears) a product's own CPE: each current release is matched under it
   * from now on instead of the CPEs derived from the vendor and product names, so the releases'
   * findings are reconciled (created, updated, closed) right away.
   */
  async setProductCpe(productId: string, cpe: string | null, ctx: RequestContext) {
    if (cpe !== null) {
      const parsed = tryParseCpe(cpe.trim());
      if (!parsed) throw invalidField('/cpe', 'not a CPE: expected a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:…) or a 2.2 URI (cpe:/part:vendor:product)');
      if (!declaredCpe(0, cpe.trim(), 'root')) throw invalidField('/cpe', 'the CPE must be complete (13 parts for cpe:2.3) and name a vendor and a product');
    }
    const value = cpe?.trim() ?? null;
    return this.db.transaction().execute(async (trx) => {
      await new MatchingRepository(trx).lockMatching('exclusive');
      const repo = this.repo(trx);
      const product = await repo.product(productId);
      if (!product) throw notFound('product', productId);
      const now = new Date().toISOString();
      await repo.setProductCpe(productId, value, now);
      const sboms = await repo.currentSboms(productId);
      for (const sbom of sboms) {
        await repo.replaceProductCpes(sbom.id, productCpes({ name: product.name, cpe: value }, { name: product.vendor_name }, sbom.release));
        await this.matcher.rematchSbom(trx, { sbomId: sbom.id, productId, vendorId: product.vendor_id, release: sbom.release, supersedes: null }, ctx);
      }
      await recordAudit(trx, ctx, { action: 'product.cpe', entityType: 'product', entityId: productId, before: { cpe: product.cpe }, after: { cpe: value } });
      const matchedAs = [...new Set(productCpes({ name: product.name, cpe: value }, { name: product.vendor_name }, 'any').map((r) => r.cpeKey))];
      return { productId, cpe: value, matchedAs, sbomsRematched: sboms.length };
    });
  }

  async productCpe(productId: string) {
    const product = await this.repo().product(productId);
    if (!product) throw notFound('product', productId);
    const matchedAs = [...new Set(productCpes({ name: product.name, cpe: product.cpe }, { name: product.vendor_name }, 'any').map((r) => r.cpeKey))];
    return { productId, cpe: product.cpe, matchedAs, sbomsRematched: 0 };
  }
}
