import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import { isUniqueViolation } from '../../platform/db/database.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import type { RequestContext } from '../../platform/context.js';
import { conflict, invalidField, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { readSetting, writeSetting } from '../../platform/settings.js';
import { DEFAULT_RESIDUAL_WEIGHTS, type ResidualRiskWeights } from './residual-risk.js';
import { ResilienceRepository } from './resilience.repository.js';
import type { AssessmentCadence, BusinessService, CreateServiceInput, UpdateServiceInput } from './resilience.schemas.js';
import type { BusinessServicesTable } from './resilience.tables.js';

export const RESIDUAL_RISK_KEY = 'residual-risk';
export const ASSESSMENT_CADENCE_KEY = 'assessment-cadence';

/** Critical and high vendors answer the supply-chain baseline, moderate ones the short incident-notification one, low ones none. */
export const DEFAULT_CADENCE: AssessmentCadence = {
  leadDays: 30,
  templates: { T1: 'supply-chain-baseline', T2: 'supply-chain-baseline', T3: 'incident-notification', T4: null },
};

export class ResilienceService {
  constructor(private readonly db: Kysely<DB>) {}

  private repo(executor: Executor = this.db) {
    return new ResilienceRepository(executor);
  }

  // Business services.

  async listServices(): Promise<BusinessService[]> {
    return this.present(await this.repo().listServices());
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
      return after;
    });
  }

  async deleteService(id: string, ctx: RequestContext): Promise<void> {
    await this.write(async (trx) => {
      const before = await this.getService(id, trx);
      await this.repo(trx).deleteService(id);
      await recordAudit(trx, ctx, { action: 'business-service.delete', entityType: 'business-service', entityId: id, before });
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
    return (await readSetting<ResidualRiskWeights>(executor, RESIDUAL_RISK_KEY)) ?? DEFAULT_RESIDUAL_WEIGHTS;
  }

  async setResidualWeights(weights: ResidualRiskWeights, ctx: RequestContext): Promise<ResidualRiskWeights> {
    await this.write(async (trx) => {
      const before = await this.residualWeights(trx);
      await writeSetting(trx, RESIDUAL_RISK_KEY, weights);
      await recordAudit(trx, ctx, { action: 'settings.residual-risk.update', entityType: 'settings', entityId: RESIDUAL_RISK_KEY, before, after: weights });
    });
    return weights;
  }

  async cadence(executor: Executor = this.db): Promise<AssessmentCadence> {
    return (await readSetting<AssessmentCadence>(executor, ASSESSMENT_CADENCE_KEY)) ?? DEFAULT_CADENCE;
  }

  async setCadence(cadence: AssessmentCadence, ctx: RequestContext): Promise<AssessmentCadence> {
    await this.write(async (trx) => {
      const before = await this.cadence(trx);
      await writeSetting(trx, ASSESSMENT_CADENCE_KEY, cadence);
      await recordAudit(trx, ctx, { action: 'settings.assessment-cadence.update', entityType: 'settings', entityId: ASSESSMENT_CADENCE_KEY, before, after: cadence });
    });
    return cadence;
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

/** A service cannot tolerate less downtime than it takes to recover: MTD is at least the RTO. */
function checkTargets(row: Pick<BusinessServicesTable, 'rto_minutes' | 'mtd_minutes'>) {
  if (row.rto_minutes !== null && row.mtd_minutes !== null && Number(row.mtd_minutes) < Number(row.rto_minutes)) {
    throw invalidField('/mtdMinutes', `must be at least the RTO (${row.rto_minutes} minutes)`);
  }
}
