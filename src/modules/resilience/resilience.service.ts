import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import { isUniqueViolation } from '../../platform/db/database.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import type { RequestContext } from '../../platform/context.js';
import { conflict, invalidField, notFound, validationError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import { SettingsDocument } from '../../platform/settings.js';
import { OPEN_STATUSES, type AssessmentService } from '../assessments/assessments.service.js';
import type { AssessmentDetail } from '../assessments/assessments.schemas.js';
import type { QuestionnaireService } from '../questionnaires/questionnaires.service.js';
import type { TemplateVersion } from '../questionnaires/questionnaires.model.js';
import type { RiskService } from '../risks/risks.service.js';
import { TIERS, type Tier } from '../vendors/risk-score.js';
import type { Vendor } from '../vendors/vendors.schemas.js';
import type { VendorService } from '../vendors/vendors.service.js';
import { DEFAULT_RESIDUAL_WEIGHTS, FINDING_SEVERITIES, residualRisk, type ControlStatus, type FindingSeverity, type ResidualRisk, type ResidualRiskWeights } from './residual-risk.js';
import { compareTargets, findContradictions, formatHours, isGap, METRIC_LABEL, type ServiceTargets, type TaggedQuestion, type TargetComparison } from './resilience.compare.js';

type Comparison = TargetComparison & { gap: boolean; assessmentId: string | null };
import { ResilienceRepository } from './resilience.repository.js';
import type { AssessmentCadence, BusinessService, CreateServiceInput, UpdateServiceInput } from './resilience.schemas.js';
import type { BusinessServicesTable, ResilienceGapsTable } from './resilience.tables.js';

/** The job that brings a vendor's resilience gaps (and their risks) up to date; enqueued by every change that moves them. */
export const RECOMPUTE_JOB = 'resilience.recompute';
export const SCHEDULE_REVIEWS_JOB = 'resilience.schedule-reviews';
/** The safety net under the stored open-finding counts: recounts every vendor and marks wrong ones out of date. */
export const RECONCILE_FINDING_COUNTS_JOB = 'resilience.reconcile-finding-counts';

export const RESIDUAL_RISK_KEY = 'residual-risk';
export const ASSESSMENT_CADENCE_KEY = 'assessment-cadence';

/** Critical and high vendors answer the supply-chain baseline, moderate ones the short incident-notification one, low ones none. */
export const DEFAULT_CADENCE: AssessmentCadence = {
  leadDays: 30,
  templates: { T1: 'supply-chain-baseline', T2: 'supply-chain-baseline', T3: 'incident-notification', T4: null },
};
const WEIGHTS = new SettingsDocument(RESIDUAL_RISK_KEY, DEFAULT_RESIDUAL_WEIGHTS, { action: 'settings.residual-risk.update' });
const CADENCE = new SettingsDocument(ASSESSMENT_CADENCE_KEY, DEFAULT_CADENCE, { action: 'settings.assessment-cadence.update' });

export interface ResilienceDeps {
  jobs: JobQueue;
  risks: RiskService;
  vendors: VendorService;
  assessments: AssessmentService;
  templates: QuestionnaireService;
}

export class ResilienceService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly deps: ResilienceDeps,
  ) {}

  private repo(executor: Executor = this.db) {
    return new ResilienceRepository(executor);
  }

  // Business services.

  async listServices(): Promise<BusinessService[]> {
    return this.present(await this.repo().listServices());
  }

  /** The services a vendor delivers, by name (the portal asks per-service questions about them). */
  async servicesOfVendor(vendorId: string): Promise<Array<{ id: string; name: string }>> {
    return (await this.repo().servicesOfVendor(vendorId)).map((s) => ({ id: s.id, name: s.name }));
  }

  async getService(id: string, executor: Executor = this.db): Promise<BusinessService> {
    const row = await this.repo(executor).findService(id);
    if (!row) throw notFound('business service', id);
    return (await this.present([row], executor))[0];
  }

  async createService(input: CreateServiceInput, ctx: RequestContext): Promise<BusinessService> {
    return this.write(async (trx) => {
      const now = new Date().toISOString();
      const name = await this.checkName(trx, input.name, null);
      const row: BusinessServicesTable = {
        id: newId(),
        name,
        name_key: name.toLowerCase(),
        description: input.description ?? null,
        owner: input.owner ?? null,
        rto_minutes: input.rtoMinutes ?? null,
        rpo_minutes: input.rpoMinutes ?? null,
        mtd_minutes: input.mtdMinutes ?? null,
        created_at: now,
        updated_at: now,
      };
      checkTargets(row);
      await this.repo(trx).insertService(row);
      await this.linkVendors(trx, row.id, input.vendorIds ?? []);
      const after = await this.getService(row.id, trx);
      await recordAudit(trx, ctx, { action: 'business-service.create', entityType: 'business-service', entityId: row.id, after });
      await this.recomputeLater(trx, after.vendors.map((v) => v.id));
      return after;
    });
  }

  async updateService(id: string, input: UpdateServiceInput, ctx: RequestContext): Promise<BusinessService> {
    return this.write(async (trx) => {
      const existing = await this.repo(trx).findService(id);
      if (!existing) throw notFound('business service', id);
      const before = await this.getService(id, trx);
      const name = input.name === undefined ? existing.name : await this.checkName(trx, input.name, id);
      const changes: Partial<BusinessServicesTable> = {
        name,
        name_key: name.toLowerCase(),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.owner !== undefined ? { owner: input.owner } : {}),
        ...(input.rtoMinutes !== undefined ? { rto_minutes: input.rtoMinutes } : {}),
        ...(input.rpoMinutes !== undefined ? { rpo_minutes: input.rpoMinutes } : {}),
        ...(input.mtdMinutes !== undefined ? { mtd_minutes: input.mtdMinutes } : {}),
        updated_at: new Date().toISOString(),
      };
      checkTargets({ ...existing, ...changes });
      await this.repo(trx).updateService(id, changes);
      const after = await this.getService(id, trx);
      await recordAudit(trx, ctx, { action: 'business-service.update', entityType: 'business-service', entityId: id, before, after });
      await this.recomputeLater(trx, after.vendors.map((v) => v.id));
      return after;
    });
  }

  async deleteService(id: string, ctx: RequestContext): Promise<void> {
    await this.write(async (trx) => {
      const before = await this.getService(id, trx);
      await this.repo(trx).deleteService(id);
      await recordAudit(trx, ctx, { action: 'business-service.delete', entityType: 'business-service', entityId: id, before });
      await this.recomputeLater(trx, before.vendors.map((v) => v.id));
    });
  }

  async setServiceVendors(id: string, vendorIds: string[], ctx: RequestContext): Promise<BusinessService> {
    return this.write(async (trx) => {
      const before = await this.getService(id, trx);
      await this.linkVendors(trx, id, vendorIds);
      const after = await this.getService(id, trx);
      await recordAudit(trx, ctx, {
        action: 'business-service.vendors',
        entityType: 'business-service',
        entityId: id,
        before: { vendors: before.vendors.map((v) => v.id) },
        after: { vendors: after.vendors.map((v) => v.id) },
      });
      await this.recomputeLater(trx, [...before.vendors, ...after.vendors].map((v) => v.id));
      return after;
    });
  }

  private async linkVendors(trx: Executor, serviceId: string, vendorIds: string[]): Promise<void> {
    const known = new Set((await this.repo(trx).existingVendorIds(vendorIds)).map((r) => r.id));
    const unknown = vendorIds.findIndex((v) => !known.has(v));
    if (unknown >= 0) throw invalidField(`/vendorIds/${unknown}`, 'is not a known vendor');
    await this.repo(trx).replaceVendors(serviceId, vendorIds);
  }

  private async checkName(trx: Executor, raw: string, id: string | null): Promise<string> {
    const name = raw.trim();
    if (!name) throw invalidField('/name', 'must not be blank');
    const clash = await this.repo(trx).findServiceByNameKey(name.toLowerCase());
    if (clash && clash.id !== id) throw conflict(`a business service named "${clash.name}" exists`, [{ field: '/name', reason: 'is taken' }]);
    return name;
  }

  private async present(rows: BusinessServicesTable[], executor: Executor = this.db): Promise<BusinessService[]> {
    const ids = rows.map((r) => r.id);
    const [vendors, gaps] = await Promise.all([this.repo(executor).vendorsOf(ids), this.repo(executor).openGapCounts(ids)]);
    const gapCount = new Map(gaps.map((g) => [g.service_id, Number(g.n)]));
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      owner: r.owner,
      rtoMinutes: r.rto_minutes === null ? null : Number(r.rto_minutes),
      rpoMinutes: r.rpo_minutes === null ? null : Number(r.rpo_minutes),
      mtdMinutes: r.mtd_minutes === null ? null : Number(r.mtd_minutes),
      vendors: vendors.filter((v) => v.service_id === r.id).map((v) => ({ id: v.id, name: v.name, tier: v.tier })),
      openGaps: gapCount.get(r.id) ?? 0,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  // Settings.

  async residualWeights(executor: Executor = this.db): Promise<ResidualRiskWeights> {
    return WEIGHTS.read(executor);
  }

  async setResidualWeights(weights: ResidualRiskWeights, ctx: RequestContext): Promise<ResidualRiskWeights> {
    await this.write((trx) => WEIGHTS.replace(trx, weights, ctx));
    return weights;
  }

  async cadence(executor: Executor = this.db): Promise<AssessmentCadence> {
    return CADENCE.read(executor);
  }

  async setCadence(cadence: AssessmentCadence, ctx: RequestContext): Promise<AssessmentCadence> {
    const resolved = await this.resolveTemplates(cadence);
    const unknown = TIERS.filter((t) => cadence.templates[t] !== null && !resolved[t]);
    if (unknown.length) {
      throw validationError(`unknown template: ${unknown.map((t) => `${t} ${cadence.templates[t]}`).join(', ')}`, unknown.map((t) => ({ field: `/templates/${t}`, reason: 'is not a template id or key' })));
    }
    await this.write((trx) => CADENCE.replace(trx, cadence, ctx));
    return cadence;
  }

  // Resilience gaps: recomputed by one job, whatever moved them.

  /** Queues the recomputation of these vendors' gaps, in the transaction of the change that moved them. */
  async recomputeLater(trx: Executor, vendorIds: string[]): Promise<void> {
    const unique = [...new Set(vendorIds)];
    if (unique.length) await this.deps.jobs.enqueue(RECOMPUTE_JOB, { vendorIds: unique }, {}, trx);
  }

  /**
   * Brings each vendor's gaps up to date with its latest submitted or closed assessment and the
   * targets of the services it delivers: gaps found are opened (a risk raised, source resilience),
   * gaps gone are closed (the risk resolved). A metric the latest assessment's template does not
   * ask keeps the number an earlier assessment stated (stored on the gap row), so answering a
   * different questionnaire does not erase what is known. A closed assessment also counts as the
   * vendor's review: the next one is scheduled from it by the tier's cadence.
   */
  async recompute(vendorIds: string[], ctx: RequestContext): Promise<{ vendors: number; opened: number; closed: number }> {
    let opened = 0;
    let closed = 0;
    for (const vendorId of new Set(vendorIds)) {
      const vendor = await this.repo().vendor(vendorId);
      if (!vendor) continue;
      const latest = await this.deps.assessments.latestForVendor(vendorId);
      const counts = await this.db.transaction().execute((trx) => this.recomputeIn(trx, vendor, latest, ctx));
      opened += counts.opened;
      closed += counts.closed;
      const closedAt = latest?.assessment.closedAt;
      if (closedAt && vendor.status !== 'terminated' && (!vendor.last_reviewed_at || vendor.last_reviewed_at < closedAt)) {
        await this.deps.vendors.markReviewed(vendorId, { reviewedAt: closedAt, note: `assessment "${latest.assessment.templateName}" closed` }, ctx);
      }
    }
    return { vendors: new Set(vendorIds).size, opened, closed };
  }

  private async recomputeIn(
    trx: Executor,
    vendor: { id: string; name: string },
    latest: { assessment: AssessmentDetail; template: TemplateVersion } | null,
    ctx: RequestContext,
  ): Promise<{ opened: number; closed: number }> {
    const repo = this.repo(trx);
    const services: ServiceTargets[] = (await repo.servicesOfVendor(vendor.id)).map((r) => ({
      id: r.id,
      name: r.name,
      rtoMinutes: r.rto_minutes === null ? null : Number(r.rto_minutes),
      rpoMinutes: r.rpo_minutes === null ? null : Number(r.rpo_minutes),
      mtdMinutes: r.mtd_minutes === null ? null : Number(r.mtd_minutes),
    }));
    const existing = new Map((await repo.gapsOfVendor(vendor.id)).map((g) => [`${g.service_id}:${g.metric}`, g]));
    // Never assessed: nothing to compare.
    const compared = latest ? this.compare(latest, services, existing) : [];
    const now = new Date().toISOString();
    const serviceName = new Map(services.map((s) => [s.id, s.name]));
    let opened = 0;
    let closed = 0;
    const seen = new Set<string>();
    for (const c of compared) {
      const key = `${c.serviceId}:${c.metric}`;
      seen.add(key);
      const before = existing.get(key);
      const status = c.gap ? 'open' : 'closed';
      const values = { target_minutes: c.targetMinutes, vendor_minutes: c.vendorMinutes, assessment_id: c.assessmentId, updated_at: now };
      if (!before) {
        await repo.insertGap({ id: newId(), vendor_id: vendor.id, service_id: c.serviceId, metric: c.metric, ...values, status, opened_at: now, closed_at: status === 'closed' ? now : null });
      } else {
        const same = before.status === status && Number(before.target_minutes) === c.targetMinutes && nullableNumber(before.vendor_minutes) === c.vendorMinutes && before.assessment_id === c.assessmentId;
        if (same) continue;
        await repo.updateGap(before.id, { ...values, status, opened_at: status === 'open' && before.status !== 'open' ? now : before.opened_at, closed_at: status === 'closed' ? (before.closed_at && before.status === 'closed' ? before.closed_at : now) : null });
      }
      const name = serviceName.get(c.serviceId) ?? c.serviceId;
      if (status === 'open') {
        opened++;
        await this.raiseGap(trx, vendor, name, c, ctx);
        await recordAudit(trx, ctx, { action: 'resilience-gap.open', entityType: 'vendor', entityId: vendor.id, after: { vendorId: vendor.id, name: vendor.name, service: name, metric: c.metric, targetMinutes: c.targetMinutes, vendorMinutes: c.vendorMinutes } });
      } else if (before?.status === 'open') {
        closed++;
        await this.closeGap(trx, vendor, before, `the vendor's ${METRIC_LABEL[c.metric]} for ${name} (${formatMinutes(c.vendorMinutes)}) meets the target (${formatMinutes(c.targetMinutes)})`, ctx);
      }
    }
    // Gaps of services no longer linked, or metrics without a target any more.
    for (const [key, before] of existing) {
      if (seen.has(key) || before.status !== 'open') continue;
      await repo.updateGap(before.id, { status: 'closed', closed_at: now, updated_at: now });
      closed++;
      await this.closeGap(trx, vendor, before, `${serviceName.get(before.service_id) ?? 'the service'} no longer depends on the vendor for this target`, ctx);
    }
    return { opened, closed };
  }

  /**
   * Every (linked service, metric with a target) with the vendor's number and whether it is a gap:
   * the latest assessment's number when its template asks the metric, else the number stored from
   * the assessment that last stated it (none: missing).
   */
  private compare(
    latest: { assessment: AssessmentDetail; template: TemplateVersion },
    services: ServiceTargets[],
    existing: Map<string, ResilienceGapsTable>,
  ): Comparison[] {
    const questions: TaggedQuestion[] = latest.template.sections.flatMap((s) => s.questions);
    return compareTargets(questions, answerValues(latest.assessment), services).map((c) => {
      if (c.asked) return { ...c, gap: isGap(c), assessmentId: latest.assessment.id };
      const before = existing.get(`${c.serviceId}:${c.metric}`);
      const stated = { ...c, vendorMinutes: before ? nullableNumber(before.vendor_minutes) : null };
      return { ...stated, gap: isGap(stated), assessmentId: before?.assessment_id ?? null };
    });
  }

  private async raiseGap(trx: Executor, vendor: { id: string; name: string }, serviceName: string, gap: Comparison, ctx: RequestContext) {
    const metric = METRIC_LABEL[gap.metric];
    const missing = gap.vendorMinutes === null;
    await this.deps.risks.raise(
      {
        source: 'resilience',
        sourceKey: `${vendor.id}:${gap.serviceId}:${gap.metric}`,
        title: missing
          ? `Resilience gap: ${vendor.name} states no ${metric} for ${serviceName} (target ${formatMinutes(gap.targetMinutes)})`
          : `Resilience gap: ${vendor.name} ${metric} ${formatMinutes(gap.vendorMinutes)} for ${serviceName} exceeds the target ${formatMinutes(gap.targetMinutes)}`,
        description: missing
          ? `${serviceName} depends on ${vendor.name} and needs a ${metric} of at most ${formatMinutes(gap.targetMinutes)}; the vendor's latest assessment gives no number for it.`
          : `${serviceName} depends on ${vendor.name} and needs a ${metric} of at most ${formatMinutes(gap.targetMinutes)}; the vendor's assessment states ${formatMinutes(gap.vendorMinutes)}.`,
        // Twice the target or more is likely to bite; a missing number is an unknown, rated as possible.
        likelihood: missing ? 3 : gap.vendorMinutes! >= 2 * gap.targetMinutes ? 4 : 3,
        impact: 4,
        vendorIds: [vendor.id],
        evidence: [
          { type: 'vendor', id: vendor.id, label: vendor.name },
          ...(gap.assessmentId ? [{ type: 'assessment' as const, id: gap.assessmentId, label: `${metric} for ${serviceName}` }] : []),
        ],
      },
      ctx,
      trx,
    );
  }

  private async closeGap(trx: Executor, vendor: { id: string; name: string }, gap: ResilienceGapsTable, reason: string, ctx: RequestContext) {
    await this.deps.risks.resolveAutomatic({ source: 'resilience', sourceKey: `${vendor.id}:${gap.service_id}:${gap.metric}`, reason }, ctx, trx);
    await recordAudit(trx, ctx, { action: 'resilience-gap.close', entityType: 'vendor', entityId: vendor.id, after: { vendorId: vendor.id, name: vendor.name, serviceId: gap.service_id, metric: gap.metric, reason } });
  }

  /** GET /vendors/{id}/resilience: the latest assessment, the services the vendor delivers, open gaps and contradictions. */
  async vendorResilience(vendorId: string) {
    if (!(await this.repo().vendor(vendorId))) throw notFound('vendor', vendorId);
    const [latest, services, gaps, facts] = await Promise.all([
      this.deps.assessments.latestForVendor(vendorId),
      this.repo().servicesOfVendor(vendorId),
      this.repo().openGapsOfVendor(vendorId),
      this.repo().observedFacts(vendorId),
    ]);
    const questions: TaggedQuestion[] = latest ? latest.template.sections.flatMap((s) => s.questions) : [];
    return {
      vendorId,
      assessment: latest
        ? {
            id: latest.assessment.id,
            templateName: latest.assessment.templateName,
            status: latest.assessment.status,
            submittedAt: latest.assessment.submittedAt,
            closedAt: latest.assessment.closedAt,
            overall: latest.assessment.scores?.overall ?? null,
          }
        : null,
      services: services.map((s) => ({ id: s.id, name: s.name, rtoMinutes: nullableNumber(s.rto_minutes), rpoMinutes: nullableNumber(s.rpo_minutes), mtdMinutes: nullableNumber(s.mtd_minutes) })),
      gaps: gaps.map((g) => ({
        id: g.id,
        serviceId: g.service_id,
        serviceName: g.service_name,
        metric: g.metric,
        targetMinutes: Number(g.target_minutes),
        vendorMinutes: nullableNumber(g.vendor_minutes),
        assessmentId: g.assessment_id,
        openedAt: g.opened_at,
      })),
      contradictions: latest ? findContradictions(questions, answerValues(latest.assessment), facts) : [],
    };
  }

  // Residual risk.

  /**
   * Each vendor's open finding groups by severity: the stored counts where they are up to date (no
   * write touched the vendor's findings since they were counted), else counted now and stored for
   * the next read. The generation is read before counting, so a count is never stored over a
   * write it may not have seen.
   */
  async openFindingCounts(ids: string[]): Promise<Map<string, Record<FindingSeverity, number>>> {
    const repo = this.repo();
    const out = new Map<string, Record<FindingSeverity, number>>();
    // Vendor → the generation its count will be stored under (null: no row to store it in).
    const stale = new Map<string, number | null>(ids.map((id) => [id, null]));
    for (const row of await repo.storedFindingCounts(ids)) {
      if (row.counted_generation !== null && Number(row.counted_generation) === Number(row.generation)) {
        out.set(row.vendor_id, { critical: Number(row.critical), high: Number(row.high), medium: Number(row.medium), low: Number(row.low) });
        stale.delete(row.vendor_id);
      } else {
        stale.set(row.vendor_id, Number(row.generation));
      }
    }
    if (!stale.size) return out;
    const counted = this.bySeverity(await repo.openGroupCounts([...stale.keys()]));
    for (const [id, generation] of stale) {
      const counts = counted.get(id) ?? noFindings();
      out.set(id, counts);
      if (generation !== null) await repo.storeFindingCounts(id, generation, counts);
    }
    return out;
  }

  /** Counts rows (vendor, severity, n) as a map of vendors' counts. */
  private bySeverity(rows: ReadonlyArray<{ vendor_id: string; severity: string; n: number | string }>): Map<string, Record<FindingSeverity, number>> {
    const out = new Map<string, Record<FindingSeverity, number>>();
    for (const f of rows) {
      if (!(FINDING_SEVERITIES as readonly string[]).includes(f.severity)) continue;
      let counts = out.get(f.vendor_id);
      if (!counts) out.set(f.vendor_id, (counts = noFindings()));
      counts[f.severity as FindingSeverity] = Number(f.n);
    }
    return out;
  }

  /**
   * The scheduled safety net: counts every vendor's open findings from the findings themselves and
   * compares them with its per-product groups and with its stored counts where those claim to be
   * up to date. A vendor whose groups are wrong has them rebuilt; a wrong one is marked out of date
   * (the next read recounts it). A wrong count means a write reached findings without its trigger:
   * the caller logs it. A vendor written while it was being checked is left to that write's own
   * triggers: its generation moved.
   */
  async reconcileFindingCounts(): Promise<{ vendors: number; corrected: string[] }> {
    const repo = this.repo();
    const corrected: string[] = [];
    let vendors = 0;
    const differ = (a: Record<FindingSeverity, number> | undefined, b: Record<FindingSeverity, number> | undefined) =>
      FINDING_SEVERITIES.some((s) => (a ?? noFindings())[s] !== (b ?? noFindings())[s]);
    for (let after = ''; ; ) {
      const page = (await repo.vendorIdsAfter(after, 200)).map((r) => r.vendor_id);
      if (!page.length) break;
      after = page[page.length - 1];
      vendors += page.length;
      const stored = await repo.storedFindingCounts(page);
      const [live, groups] = [this.bySeverity(await repo.openFindingCounts(page)), this.bySeverity(await repo.openGroupCounts(page))];
      const counts = (r: (typeof stored)[number]) => ({ critical: Number(r.critical), high: Number(r.high), medium: Number(r.medium), low: Number(r.low) });
      const upToDate = (r: (typeof stored)[number]) => r.counted_generation !== null && Number(r.counted_generation) === Number(r.generation);
      const wrong = stored.filter((r) => differ(groups.get(r.vendor_id), live.get(r.vendor_id)) || (upToDate(r) && differ(counts(r), live.get(r.vendor_id))));
      if (!wrong.length) continue;
      const ids = await this.db.transaction().execute(async (trx) => {
        const still = new Map((await this.repo(trx).storedFindingCounts(wrong.map((r) => r.vendor_id))).map((r) => [r.vendor_id, Number(r.generation)]));
        const unmoved = wrong.filter((r) => still.get(r.vendor_id) === Number(r.generation)).map((r) => r.vendor_id);
        // Raising the generations first locks the vendors' rows (PostgreSQL): writers of their findings queue behind the rebuild.
        await this.repo(trx).invalidateFindingCounts(unmoved);
        await this.repo(trx).rebuildOpenGroups(unmoved);
        return unmoved;
      });
      corrected.push(...ids);
    }
    return { vendors, corrected };
  }

  /**
   * Residual risk of a page of vendors in a fixed number of reads, whatever the page size: the
   * settings, their assessments, open remediation items and open findings, each for all of them.
   */
  async residualRisks(vendors: ReadonlyArray<Pick<Vendor, 'id' | 'tier' | 'inherentRisk'>>): Promise<Map<string, ResidualRisk>> {
    const ids = vendors.map((v) => v.id);
    const repo = this.repo();
    const [weights, model, assessed, remediations, findings] = await Promise.all([
      this.residualWeights(),
      this.deps.vendors.riskModel(),
      repo.assessedRows(ids),
      repo.openRemediationCounts(ids),
      this.openFindingCounts(ids),
    ]);
    const latest = new Map<string, (typeof assessed)[number]>();
    // The latest closed assessment, else the latest submitted one (as AssessmentService.latestForVendor picks).
    const rank = (r: (typeof assessed)[number]) => `${r.status === 'closed' ? 1 : 0}${r.closed_at ?? r.submitted_at ?? ''}${r.id}`;
    for (const r of assessed) {
      const current = latest.get(r.vendor_id);
      if (!current || rank(r) > rank(current)) latest.set(r.vendor_id, r);
    }
    const open = new Map(remediations.map((r) => [r.vendor_id, Number(r.n)]));
    const now = new Date();
    return new Map(
      vendors.map((v) => {
        const a = latest.get(v.id);
        const scores = a?.scores ? (JSON.parse(a.scores) as { controls?: Array<{ status: string }> }) : null;
        return [
          v.id,
          residualRisk(
            {
              inherentScore: v.inherentRisk.score,
              cadenceDays: model.reviewCadenceDays[v.tier as Tier],
              assessment: a
                ? {
                    assessmentId: a.id,
                    templateName: a.template_name,
                    status: a.status === 'closed' ? 'closed' : 'submitted',
                    assessedAt: (a.closed_at ?? a.submitted_at)!,
                    // Scores are stored when an assessment closes; a submitted one's answers are not yet reviewed and reduce nothing.
                    controls: (scores?.controls ?? []).map((c) => ({ status: c.status as ControlStatus })),
                  }
                : null,
              openRemediations: open.get(v.id) ?? 0,
              openFindings: findings.get(v.id) ?? {},
            },
            weights,
            now,
          ),
        ];
      }),
    );
  }

  // Recurring reviews.

  /**
   * The scheduled job: a vendor whose review falls due within the lead time, whose tier has a
   * template, and that has no open assessment and none created in this review cycle (a cancelled
   * one included, so cancelling is not undone) gets a draft assessment due on its review date.
   */
  async scheduleReviews(ctx: RequestContext, now = new Date()): Promise<{ created: number }> {
    const cadence = await this.cadence();
    const templates = await this.resolveTemplates(cadence);
    const horizon = new Date(now.getTime() + cadence.leadDays * DAY_MS).toISOString();
    const due = (await this.repo().reviewsDueBy(horizon)).filter((v) => templates[v.tier as Tier]);
    let created = 0;
    for (let i = 0; i < due.length; i += 500) {
      const chunk = due.slice(i, i + 500);
      const cycleStart = (v: (typeof chunk)[number]) => new Date(Date.parse(v.next_review_at) - cadence.leadDays * DAY_MS).toISOString();
      const earliest = chunk.map(cycleStart).sort()[0];
      const existing = await this.repo().openOrRecentAssessments(chunk.map((v) => v.id), earliest, OPEN_STATUSES);
      for (const v of chunk) {
        const start = cycleStart(v);
        if (existing.some((a) => a.vendor_id === v.id && (OPEN_STATUSES.includes(a.status) || a.created_at >= start))) continue;
        // Due on the review date, but never sooner than the lead time from now (an overdue review still gets time to answer).
        const dueAt = new Date(Math.max(Date.parse(v.next_review_at), now.getTime() + cadence.leadDays * DAY_MS)).toISOString().slice(0, 10);
        await this.deps.assessments.create({ vendorId: v.id, templateId: templates[v.tier as Tier]!, dueAt }, ctx);
        created++;
      }
    }
    return { created };
  }

  /** Each tier's template id (a shipped key is resolved); a tier whose template is gone is skipped, not fatal. */
  private async resolveTemplates(cadence: AssessmentCadence): Promise<Record<Tier, string | null>> {
    const all = await this.deps.templates.list();
    const idOf = (ref: string | null) => (ref === null ? null : (all.find((t) => t.id === ref || t.key === ref)?.id ?? null));
    return { T1: idOf(cadence.templates.T1), T2: idOf(cadence.templates.T2), T3: idOf(cadence.templates.T3), T4: idOf(cadence.templates.T4) };
  }

  /** The dashboard's overdue assessments: past due while the vendor still owes the answers. */
  async overdueAssessments(now = new Date()) {
    const { count, rows } = await this.repo().overdueAssessments(now.toISOString().slice(0, 10));
    return {
      assessmentsOverdue: count,
      overdueAssessments: rows.map((r) => ({ id: r.id, vendorId: r.vendor_id, vendorName: r.vendor_name, templateName: r.template_name, status: r.status, dueAt: r.due_at! })),
    };
  }

  /** Runs fn in one transaction, turning a unique-constraint race into a 409. */
  private async write<T>(fn: (trx: Executor) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(fn);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('the change conflicts with an existing record (duplicate name)', [{ field: '/name', reason: 'is taken' }]);
      throw error;
    }
  }
}

const DAY_MS = 86_400_000;

const noFindings = (): Record<FindingSeverity, number> => ({ critical: 0, high: 0, medium: 0, low: 0 });

const nullableNumber = (v: number | string | null) => (v === null ? null : Number(v));

/** A duration in minutes as people read it: hours. */
function formatMinutes(minutes: number | null): string {
  return minutes === null ? 'none' : formatHours(minutes / 60);
}

/** The answers a comparison trusts: rejected ones are not the vendor's word any more. */
function answerValues(assessment: AssessmentDetail): Map<string, unknown> {
  return new Map(assessment.answers.filter((a) => a.state !== 'rejected').map((a) => [a.questionId, a.value]));
}

/** A service cannot tolerate less downtime than it takes to recover: MTD is at least the RTO. */
function checkTargets(row: Pick<BusinessServicesTable, 'rto_minutes' | 'mtd_minutes'>) {
  if (row.rto_minutes !== null && row.mtd_minutes !== null && Number(row.mtd_minutes) < Number(row.rto_minutes)) {
    throw invalidField('/mtdMinutes', `must be at least the RTO (${row.rto_minutes} minutes)`);
  }
}
