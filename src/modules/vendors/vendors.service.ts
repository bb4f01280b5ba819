import type { Kysely } from 'kysely';
import { insertAudited, recordAudit } from '../../platform/audit/audit.js';
import { isForeignKeyViolation, isPostgres, isUniqueViolation } from '../../platform/db/database.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import type { RequestContext } from '../../platform/context.js';
import { conflict, invalidField, notFound, validationError } from '../../platform/errors.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import { readSetting, writeSetting } from '../../platform/settings.js';
import { searchText } from '../../platform/search-text.js';
import {
  ANSWERABLE_FACTORS,
  DEFAULT_RISK_MODEL,
  nextReviewAt,
  scoreVendor,
  stillMissing,
  validateRiskModel,
  type RiskInputs,
  type RiskModel,
} from './risk-score.js';
import { presentComment, presentContact, presentContract, presentProduct, presentVendor } from './vendors.mappers.js';
import { sortSpec, VendorRepository, type VendorRow } from './vendors.repository.js';
import type { CreateVendorInput, FourthPartyNode, UpdateVendorInput, Vendor, VendorFilter } from './vendors.schemas.js';
import type { ResidualRisk } from '../resilience/residual-risk.js';
import type { ContactsTable, ContractsTable, ProductsTable, VendorsTable } from './vendors.tables.js';

const RISK_MODEL_KEY = 'risk-model';
const FOURTH_PARTY_MAX_DEPTH = 12;

type ProductInput = { name?: string; type?: string; description?: string | null; version?: string | null; deploymentCount?: number | null; updateChannel?: string | null; autoUpdate?: boolean; endpoints?: string[] };
type ContactInput = { name?: string; email?: string | null; phone?: string | null; role?: string | null; isPrimary?: boolean };
type ContractInput = { title?: string; startDate?: string | null; endDate?: string | null; value?: number | null; currency?: string | null; noticePeriodDays?: number | null; sbomClause?: boolean; breachNotificationClause?: boolean; breachNotificationHours?: number | null };

export type VendorValues = Required<CreateVendorInput>;

/** Endpoints as attribution matches them: lower case, no trailing dot, each once. */
function productEndpoints(endpoints: string[]): string[] {
  return [...new Set(endpoints.map((e) => e.trim().toLowerCase().replace(/\.+$/, '')))].sort();
}

export const VENDOR_DEFAULTS: Omit<VendorValues, 'name'> = {
  aliases: [],
  domains: [],
  legalIds: {},
  country: null,
  website: null,
  description: null,
  status: 'active',
  businessOwner: null,
  ownerUserId: null,
  team: null,
  services: [],
  dataCategories: [],
  accessLevel: 'none',
  criticality: 2,
  substitutability: 2,
  annualSpend: null,
  currency: null,
  regulatoryScope: [],
  shipsSoftware: false,
  autoUpdate: false,
  parentVendorId: null,
};

/** Runs in the transaction that set or changed these vendors' domains (correlation with threat-intel indicators). */
export type VendorDomainsHook = (trx: Executor, vendorIds: string[], ctx: RequestContext) => Promise<unknown>;

/** The residual risk of vendors as the API shows them, a page at a time (the resilience module computes it). */
export type ResidualRiskSource = (vendors: Vendor[]) => Promise<Map<string, ResidualRisk>>;

export class VendorService {
  private readonly domainHooks: VendorDomainsHook[] = [];
  private readonly categoryHooks: VendorDomainsHook[] = [];
  private residualSource: ResidualRiskSource | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly jobs: JobQueue,
  ) {}

  /** Registers what runs when vendors gain or change domains, in the writing transaction. */
  onDomainsChanged(hook: VendorDomainsHook): void {
    this.domainHooks.push(hook);
  }

  /** Every write of vendors' domains calls this inside its transaction (create, update, the CSV import). */
  async domainsChanged(trx: Executor, vendorIds: string[], ctx: RequestContext): Promise<void> {
    if (!vendorIds.length) return;
    for (const hook of this.domainHooks) await hook(trx, vendorIds, ctx);
  }

  /** Registers what runs when vendors' approved data categories change (the sanction of egress flows), in the writing transaction. */
  onDataCategoriesChanged(hook: VendorDomainsHook): void {
    this.categoryHooks.push(hook);
  }

  /** Every write that may change vendors' data categories calls this inside its transaction (update, the CSV import). */
  async dataCategoriesChanged(trx: Executor, vendorIds: string[], ctx: RequestContext): Promise<void> {
    if (!vendorIds.length) return;
    for (const hook of this.categoryHooks) await hook(trx, vendorIds, ctx);
  }

  /** Registers what computes residual risk; every vendor the API answers with carries it. */
  useResidualRisk(source: ResidualRiskSource): void {
    this.residualSource = source;
  }

  private async withResidual(vendors: Vendor[]): Promise<Vendor[]> {
    if (!this.residualSource || !vendors.length) return vendors;
    const residual = await this.residualSource(vendors);
    return vendors.map((v) => ({ ...v, residualRisk: residual.get(v.id) }));
  }

  private repo(executor: Executor = this.db) {
    return new VendorRepository(executor);
  }

  /**
   * Inside one transaction the model cannot change under us, so it is read once per transaction
   * (a 10,000-row import would otherwise read it 10,000 times). Outside one it is always re-read:
   * another replica may have changed it.
   */
  private readonly modelByTransaction = new WeakMap<Executor, Promise<RiskModel>>();

  async riskModel(executor: Executor = this.db): Promise<RiskModel> {
    const read = async () => (await readSetting<RiskModel>(executor, RISK_MODEL_KEY)) ?? DEFAULT_RISK_MODEL;
    if (executor === this.db) return read();
    let model = this.modelByTransaction.get(executor);
    if (!model) this.modelByTransaction.set(executor, (model = read()));
    return model;
  }

  async get(id: string): Promise<Vendor> {
    return (await this.withResidual([await this.present(id)]))[0];
  }

  private async mustExist(id: string): Promise<void> {
    if (!(await this.repo().exists(id))) throw notFound('vendor', id);
  }

  /** The vendor as stored, without residual risk: what internal reads need. */
  private async present(id: string): Promise<Vendor> {
    const row = await this.repo().findById(id);
    if (!row) throw notFound('vendor', id);
    return presentVendor(row);
  }

  async list(filter: VendorFilter) {
    const limit = filter.limit ?? 50;
    const { column } = sortSpec(filter.sort);
    const cursor = decodeCursor(filter.cursor, column === 'risk_score' ? 'number' : 'string');
    const rows = await this.repo().list(filter, cursor, limit);
    const now = new Date().toISOString();
    const page = toPage(rows, limit, (row) => row[column] as string | number, (row) => presentVendor(row, now));
    if (this.residualSource && page.items.length) {
      // The page's vendors were presented for this answer alone: each gets its residual risk in
      // place (copying 50 vendors of 30-odd fields to add it cost 0.15-0.2 ms a page).
      const residual = await this.residualSource(page.items);
      for (const vendor of page.items) vendor.residualRisk = residual.get(vendor.id);
    }
    return page;
  }

  /**
   * A create makes as few round trips as it can: one read gathers everything it checks, and the
   * row is scored and presented in memory. On PostgreSQL the vendor and its audit event are then one
   * statement, atomic on its own (two round trips in all); SQLite, in process, runs the same steps in
   * one transaction. A race the read could not see (the name taken or the parent deleted meanwhile)
   * fails a constraint; the read then runs again to name the field.
   */
  async create(input: CreateVendorInput, ctx: RequestContext): Promise<Vendor> {
    try {
      // A vendor with domains is correlated with indicators in the same transaction.
      const vendor = isPostgres(this.db) && !input.domains?.length ? await this.insertNew(this.db, input, ctx) : await this.db.transaction().execute((trx) => this.insertNew(trx, input, ctx));
      return (await this.withResidual([vendor]))[0];
    } catch (error) {
      if (isUniqueViolation(error) || isForeignKeyViolation(error)) {
        await this.prepareCreate(this.db, input);
        throw conflict('the change conflicts with an existing record (duplicate name or key)');
      }
      throw error;
    }
  }

  private async insertNew(executor: Executor, input: CreateVendorInput, ctx: RequestContext): Promise<Vendor> {
    const { row, vendor } = await this.prepareCreate(executor, input);
    await insertAudited(executor, this.repo(executor).insert(row), ctx, { action: 'vendor.create', entityType: 'vendor', entityId: row.id, after: vendor });
    if (vendor.domains.length) await this.domainsChanged(executor, [row.id], ctx);
    return vendor;
  }

  private async prepareCreate(executor: Executor, input: CreateVendorInput): Promise<{ row: VendorsTable; vendor: Vendor }> {
    const values = { ...VENDOR_DEFAULTS, ...input };
    const name = values.name.trim();
    if (!name) throw invalidField('/name', 'must not be blank');
    const found = await this.repo(executor).createContext({
      nameKey: name.toLowerCase(),
      riskModelKey: RISK_MODEL_KEY,
      team: values.team,
      ownerUserId: values.ownerUserId,
      parentVendorId: values.parentVendorId,
    });
    if (found.clash_id) throw nameTaken(found.clash_name ?? name);
    if (values.team && !found.team_id) throw unknownTeam(values.team);
    if (values.ownerUserId && !found.owner_user_id) throw invalidField('/ownerUserId', 'is not a known user');
    // A new vendor is nobody's ancestor yet, so a parent that exists cannot close a cycle.
    if (values.parentVendorId && !found.parent_vendor_id) throw invalidField('/parentVendorId', 'is not a known vendor');
    const model = found.risk_model ? (JSON.parse(found.risk_model) as RiskModel) : DEFAULT_RISK_MODEL;
    const now = new Date().toISOString();
    // Whatever the body leaves out stays unanswered: the defaults are placeholders, not answers.
    const missing = stillMissing(ANSWERABLE_FACTORS, new Set(Object.keys(input)), values.dataCategories);
    const composed = this.composeRow(newId(), values, { created_at: now, last_reviewed_at: null, subcontractors: 0, missing }, found.team_id, model);
    const row: VendorsTable = { ...composed, internal: 0, created_at: now, updated_at: now };
    return { row, vendor: presentVendor({ ...row, team_key: found.team_key, team_name: found.team_name, subcontractor_count: 0 }) };
  }

  async update(id: string, input: UpdateVendorInput, ctx: RequestContext): Promise<Vendor> {
    return (await this.withResidual([await this.write((trx) => this.updateIn(trx, id, input, ctx))]))[0];
  }

  async updateIn(trx: Executor, id: string, input: UpdateVendorInput, ctx: RequestContext): Promise<Vendor> {
    const existingRow = await this.repo(trx).findById(id);
    if (!existingRow) throw notFound('vendor', id);
    const before = presentVendor(existingRow);
    const values = { ...before, team: before.team?.key ?? null, ...input };
    if (input.parentVendorId === id) throw invalidField('/parentVendorId', 'a vendor cannot be its own parent');
    const row = await this.buildRow(trx, id, values, {
      created_at: existingRow.created_at,
      last_reviewed_at: existingRow.last_reviewed_at,
      subcontractors: Number(existingRow.subcontractor_count),
      review_overdue: existingRow.review_overdue,
      missing: stillMissing(before.inherentRisk.missing, new Set(Object.keys(input)), values.dataCategories),
    });
    await this.repo(trx).update(id, { ...row, updated_at: new Date().toISOString() });
    if (row.domains !== existingRow.domains) await this.domainsChanged(trx, [id], ctx);
    if (row.data_categories !== existingRow.data_categories) await this.dataCategoriesChanged(trx, [id], ctx);
    const after = presentVendor((await this.repo(trx).findById(id))!);
    await recordAudit(trx, ctx, { action: 'vendor.update', entityType: 'vendor', entityId: id, before, after });
    return after;
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.write(async (trx) => {
      const existing = await this.repo(trx).findById(id);
      if (!existing) throw notFound('vendor', id);
      // Its subcontractor links go with it (ON DELETE CASCADE): the vendors that used it lose a fourth party.
      const contractors = await this.repo(trx).contractorsOf(id);
      await this.repo(trx).delete(id);
      for (const contractor of contractors) await this.rescore(trx, contractor.id);
      await recordAudit(trx, ctx, { action: 'vendor.delete', entityType: 'vendor', entityId: id, before: presentVendor(existing) });
    });
  }

  /** Turns API values into a stored row: resolves references, scores the vendor, schedules its review. */
  async buildRow(
    trx: Executor,
    id: string,
    v: VendorValues,
    state: { created_at: string; last_reviewed_at: string | null; subcontractors: number; review_overdue?: number; missing: readonly string[] },
  ): Promise<Omit<VendorsTable, 'created_at' | 'updated_at' | 'internal'>> {
    const name = v.name.trim();
    if (!name) throw invalidField('/name', 'must not be blank');
    const clash = await this.repo(trx).findByNameKey(name.toLowerCase());
    if (clash && clash.id !== id) throw nameTaken(clash.name);
    const teamId = v.team ? await this.resolveTeam(trx, v.team) : null;
    if (v.ownerUserId && !(await trx.selectFrom('users').select('id').where('id', '=', v.ownerUserId).executeTakeFirst())) {
      throw invalidField('/ownerUserId', 'is not a known user');
    }
    if (v.parentVendorId && !(await this.repo(trx).findById(v.parentVendorId))) {
      throw invalidField('/parentVendorId', 'is not a known vendor');
    }
    if (v.parentVendorId && (await this.isAncestor(trx, id, v.parentVendorId))) {
      throw conflict('this vendor is already an ancestor of the chosen parent; the parent link would create a cycle', [
        { field: '/parentVendorId', reason: 'would create a cycle' },
      ]);
    }
    return this.composeRow(id, v, state, teamId, await this.riskModel(trx));
  }

  /**
   * The part of buildRow that needs no database: checks between fields, score, tier and next
   * review. Bulk writers (the CSV import) resolve references for many rows at once, then call it.
   */
  composeRow(
    id: string,
    v: VendorValues,
    state: { created_at: string; last_reviewed_at: string | null; subcontractors: number; review_overdue?: number; missing: readonly string[] },
    teamId: string | null,
    model: RiskModel,
  ): Omit<VendorsTable, 'created_at' | 'updated_at' | 'internal'> {
    const name = v.name.trim();
    if (!name) throw invalidField('/name', 'must not be blank');
    if (v.autoUpdate && !v.shipsSoftware) throw invalidField('/autoUpdate', 'only applies to vendors that ship software');
    const risk = scoreVendor(
      {
        dataCategories: v.dataCategories,
        accessLevel: v.accessLevel,
        criticality: v.criticality,
        substitutability: v.substitutability,
        shipsSoftware: v.shipsSoftware,
        autoUpdate: v.autoUpdate,
        fourthPartyCount: state.subcontractors,
        regulatoryScope: v.regulatoryScope,
        missing: state.missing as RiskInputs['missing'],
      },
      model,
    );
    const next = nextReviewAt(risk.tier, state.last_reviewed_at, state.created_at, model);
    return {
      id,
      name,
      name_key: name.toLowerCase(),
      aliases: JSON.stringify(dedupe(v.aliases)),
      domains: JSON.stringify(dedupe(v.domains.map((d) => d.toLowerCase()))),
      legal_ids: JSON.stringify(v.legalIds),
      country: v.country,
      website: v.website,
      description: v.description,
      status: v.status,
      business_owner: v.businessOwner,
      owner_user_id: v.ownerUserId,
      team_id: teamId,
      services: JSON.stringify(v.services),
      data_categories: JSON.stringify(dedupe(v.dataCategories)),
      access_level: v.accessLevel,
      criticality: v.criticality,
      substitutability: v.substitutability,
      annual_spend: v.annualSpend,
      currency: v.currency,
      regulatory_scope: JSON.stringify(dedupe(v.regulatoryScope)),
      ships_software: v.shipsSoftware ? 1 : 0,
      auto_update: v.autoUpdate ? 1 : 0,
      parent_vendor_id: v.parentVendorId,
      risk_score: risk.score,
      risk_terms: JSON.stringify(risk.terms),
      risk_missing: JSON.stringify(risk.missing),
      tier: risk.tier,
      last_reviewed_at: state.last_reviewed_at,
      next_review_at: next,
      review_overdue: overdueFlag(next, state.review_overdue),
      search_text: searchText([name, ...v.aliases, ...v.domains]),
    };
  }

  private async resolveTeam(trx: Executor, team: string): Promise<string> {
    const row = await trx
      .selectFrom('teams')
      .select('id')
      .where((eb) => eb.or([eb('key', '=', team), eb('id', '=', team)]))
      .executeTakeFirst();
    if (!row) throw unknownTeam(team);
    return row.id;
  }

  /** Recomputes score, tier and next review of one vendor after a change to its inputs elsewhere. */
  private async rescore(trx: Executor, id: string): Promise<void> {
    const row = await this.repo(trx).findById(id);
    if (!row) return;
    const v = presentVendor(row);
    const rebuilt = await this.buildRow(trx, id, { ...v, team: v.team?.key ?? null }, {
      created_at: row.created_at,
      last_reviewed_at: row.last_reviewed_at,
      subcontractors: Number(row.subcontractor_count),
      review_overdue: row.review_overdue,
      missing: v.inherentRisk.missing,
    });
    await this.repo(trx).update(id, {
      risk_score: rebuilt.risk_score,
      risk_terms: rebuilt.risk_terms,
      risk_missing: rebuilt.risk_missing,
      tier: rebuilt.tier,
      next_review_at: rebuilt.next_review_at,
      review_overdue: rebuilt.review_overdue,
    });
  }

  async rescoreAll(): Promise<number> {
    const ids = (await this.repo().allForScoring()).map((r) => r.id);
    for (let i = 0; i < ids.length; i += 500) {
      await this.db.transaction().execute(async (trx) => {
        for (const id of ids.slice(i, i + 500)) await this.rescore(trx, id);
      });
    }
    return ids.length;
  }

  async setRiskModel(model: RiskModel, ctx: RequestContext): Promise<RiskModel> {
    const problems = validateRiskModel(model);
    if (problems.length) {
      throw validationError(problems[0], problems.map((p) => ({ field: `/${p.split(':')[0].replace(/\./g, '/')}`, reason: p.split(': ').slice(1).join(': ') })));
    }
    await this.write(async (trx) => {
      const before = (await readSetting<RiskModel>(trx, RISK_MODEL_KEY)) ?? DEFAULT_RISK_MODEL;
      await writeSetting(trx, RISK_MODEL_KEY, model);
      await recordAudit(trx, ctx, { action: 'settings.risk-model.update', entityType: 'settings', entityId: RISK_MODEL_KEY, before, after: model });
      await this.jobs.enqueue('vendors.rescore', {}, {}, trx);
    });
    return model;
  }

  async markReviewed(id: string, input: { note?: string; reviewedAt?: string }, ctx: RequestContext): Promise<Vendor> {
    const reviewed = await this.write(async (trx) => {
      const existing = await this.repo(trx).findById(id);
      if (!existing) throw notFound('vendor', id);
      if (existing.status === 'terminated') throw conflict('a terminated vendor is not reviewed; set its status back first', [{ field: '/status', reason: 'is terminated' }]);
      const reviewedAt = input.reviewedAt ?? new Date().toISOString();
      if (Date.parse(reviewedAt) > Date.now() + 60_000) throw invalidField('/reviewedAt', 'must not be in the future');
      const model = await this.riskModel(trx);
      const next = nextReviewAt(existing.tier as 'T1', reviewedAt, existing.created_at, model);
      await this.repo(trx).update(id, {
        last_reviewed_at: reviewedAt,
        next_review_at: next,
        review_overdue: overdueFlag(next, existing.review_overdue),
        updated_at: new Date().toISOString(),
      });
      if (input.note) await this.insertComment(trx, id, `Review completed: ${input.note}`, ctx);
      const after = presentVendor((await this.repo(trx).findById(id))!);
      await recordAudit(trx, ctx, {
        action: 'vendor.review',
        entityType: 'vendor',
        entityId: id,
        before: { lastReviewedAt: existing.last_reviewed_at, nextReviewAt: existing.next_review_at },
        after: { lastReviewedAt: after.lastReviewedAt, nextReviewAt: after.nextReviewAt, note: input.note ?? null },
      });
      return after;
    });
    return (await this.withResidual([reviewed]))[0];
  }

  /** The scheduled job: flags reviews that came due since the last run, each with an audit event. */
  async flagOverdueReviews(ctx: RequestContext): Promise<{ flagged: number }> {
    return this.write(async (trx) => {
      const due = await this.repo(trx).markOverdue(new Date().toISOString());
      for (const vendor of due) {
        await recordAudit(trx, ctx, {
          action: 'vendor.review-overdue',
          entityType: 'vendor',
          entityId: vendor.id,
          after: { name: vendor.name, nextReviewAt: vendor.next_review_at },
        });
      }
      return { flagged: due.length };
    });
  }

  // Products, contacts and contracts: children of a vendor, audited under their own ids.

  async listProducts(vendorId: string) {
    await this.mustExist(vendorId);
    return (await this.repo().listProducts(vendorId)).map(presentProduct);
  }

  async listAllProducts() {
    return (await this.repo().listAllProducts()).map((row) => ({ ...presentProduct(row), vendorName: row.vendor_name }));
  }

  async getProduct(id: string) {
    const row = await this.repo().findProduct(id);
    if (!row) throw notFound('product', id);
    return presentProduct(row);
  }

  async createProduct(vendorId: string, input: ProductInput & { name: string; type: string }, ctx: RequestContext) {
    return this.write(async (trx) => {
      if (!(await this.repo(trx).exists(vendorId))) throw notFound('vendor', vendorId);
      const now = new Date().toISOString();
      const name = input.name.trim();
      const row: ProductsTable = {
        id: newId(),
        vendor_id: vendorId,
        name,
        type: input.type,
        description: input.description ?? null,
        version: input.version ?? null,
        deployment_count: input.deploymentCount ?? null,
        update_channel: input.updateChannel ?? null,
        auto_update: input.autoUpdate ? 1 : 0,
        cpe: null,
        created_at: now,
        updated_at: now,
        search_text: searchText([name]),
        endpoints: JSON.stringify(productEndpoints(input.endpoints ?? [])),
      };
      await this.repo(trx).insertProduct(row);
      // Product endpoints attribute egress like vendor domains do.
      if (row.endpoints !== '[]') await this.domainsChanged(trx, [vendorId], ctx);
      const product = presentProduct(row);
      await recordAudit(trx, ctx, { action: 'product.create', entityType: 'product', entityId: row.id, after: product });
      return product;
    });
  }

  async updateProduct(id: string, input: ProductInput, ctx: RequestContext) {
    return this.write(async (trx) => {
      const existing = await this.repo(trx).findProduct(id);
      if (!existing) throw notFound('product', id);
      const changes: Partial<ProductsTable> = {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.type !== undefined ? { type: input.type } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.version !== undefined ? { version: input.version } : {}),
        ...(input.deploymentCount !== undefined ? { deployment_count: input.deploymentCount } : {}),
        ...(input.updateChannel !== undefined ? { update_channel: input.updateChannel } : {}),
        ...(input.autoUpdate !== undefined ? { auto_update: input.autoUpdate ? 1 : 0 } : {}),
        ...(input.endpoints !== undefined ? { endpoints: JSON.stringify(productEndpoints(input.endpoints)) } : {}),
        updated_at: new Date().toISOString(),
      };
      await this.repo(trx).updateProduct(id, changes);
      if (changes.endpoints !== undefined && changes.endpoints !== existing.endpoints) await this.domainsChanged(trx, [existing.vendor_id], ctx);
      const after = presentProduct({ ...existing, ...changes });
      await recordAudit(trx, ctx, { action: 'product.update', entityType: 'product', entityId: id, before: presentProduct(existing), after });
      return after;
    });
  }

  async deleteProduct(id: string, ctx: RequestContext) {
    await this.write(async (trx) => {
      const existing = await this.repo(trx).findProduct(id);
      if (!existing) throw notFound('product', id);
      await this.repo(trx).deleteProduct(id);
      if (existing.endpoints !== '[]') await this.domainsChanged(trx, [existing.vendor_id], ctx);
      await recordAudit(trx, ctx, { action: 'product.delete', entityType: 'product', entityId: id, before: presentProduct(existing) });
    });
  }

  async listContacts(vendorId: string) {
    await this.mustExist(vendorId);
    return (await this.repo().listContacts(vendorId)).map(presentContact);
  }

  async createContact(vendorId: string, input: ContactInput & { name: string }, ctx: RequestContext) {
    return this.write(async (trx) => {
      if (!(await this.repo(trx).exists(vendorId))) throw notFound('vendor', vendorId);
      const row: ContactsTable = {
        id: newId(),
        vendor_id: vendorId,
        name: input.name.trim(),
        email: input.email?.toLowerCase() ?? null,
        phone: input.phone ?? null,
        role: input.role ?? null,
        is_primary: input.isPrimary ? 1 : 0,
        created_at: new Date().toISOString(),
      };
      await this.repo(trx).insertContact(row);
      const contact = presentContact(row);
      await recordAudit(trx, ctx, { action: 'contact.create', entityType: 'contact', entityId: row.id, after: contact });
      return contact;
    });
  }

  async updateContact(id: string, input: ContactInput, ctx: RequestContext) {
    return this.write(async (trx) => {
      const existing = await this.repo(trx).findContact(id);
      if (!existing) throw notFound('contact', id);
      const changes: Partial<ContactsTable> = {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.email !== undefined ? { email: input.email?.toLowerCase() ?? null } : {}),
        ...(input.phone !== undefined ? { phone: input.phone } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        ...(input.isPrimary !== undefined ? { is_primary: input.isPrimary ? 1 : 0 } : {}),
      };
      await this.repo(trx).updateContact(id, changes);
      const after = presentContact({ ...existing, ...changes });
      await recordAudit(trx, ctx, { action: 'contact.update', entityType: 'contact', entityId: id, before: presentContact(existing), after });
      return after;
    });
  }

  async deleteContact(id: string, ctx: RequestContext) {
    await this.write(async (trx) => {
      const existing = await this.repo(trx).findContact(id);
      if (!existing) throw notFound('contact', id);
      await this.repo(trx).deleteContact(id);
      await recordAudit(trx, ctx, { action: 'contact.delete', entityType: 'contact', entityId: id, before: presentContact(existing) });
    });
  }

  async listContracts(vendorId: string) {
    await this.mustExist(vendorId);
    return (await this.repo().listContracts(vendorId)).map(presentContract);
  }

  async createContract(vendorId: string, input: ContractInput & { title: string }, ctx: RequestContext) {
    checkContractDates(input.startDate, input.endDate);
    return this.write(async (trx) => {
      if (!(await this.repo(trx).exists(vendorId))) throw notFound('vendor', vendorId);
      const row: ContractsTable = {
        id: newId(),
        vendor_id: vendorId,
        title: input.title.trim(),
        start_date: input.startDate ?? null,
        end_date: input.endDate ?? null,
        value: input.value ?? null,
        currency: input.currency ?? null,
        notice_period_days: input.noticePeriodDays ?? null,
        sbom_clause: input.sbomClause ? 1 : 0,
        breach_notification_clause: input.breachNotificationClause ? 1 : 0,
        breach_notification_hours: input.breachNotificationHours ?? null,
        created_at: new Date().toISOString(),
      };
      await this.repo(trx).insertContract(row);
      const contract = presentContract(row);
      await recordAudit(trx, ctx, { action: 'contract.create', entityType: 'contract', entityId: row.id, after: contract });
      return contract;
    });
  }

  async updateContract(id: string, input: ContractInput, ctx: RequestContext) {
    return this.write(async (trx) => {
      const existing = await this.repo(trx).findContract(id);
      if (!existing) throw notFound('contract', id);
      const changes: Partial<ContractsTable> = {
        ...(input.title !== undefined ? { title: input.title.trim() } : {}),
        ...(input.startDate !== undefined ? { start_date: input.startDate } : {}),
        ...(input.endDate !== undefined ? { end_date: input.endDate } : {}),
        ...(input.value !== undefined ? { value: input.value } : {}),
        ...(input.currency !== undefined ? { currency: input.currency } : {}),
        ...(input.noticePeriodDays !== undefined ? { notice_period_days: input.noticePeriodDays } : {}),
        ...(input.sbomClause !== undefined ? { sbom_clause: input.sbomClause ? 1 : 0 } : {}),
        ...(input.breachNotificationClause !== undefined ? { breach_notification_clause: input.breachNotificationClause ? 1 : 0 } : {}),
        ...(input.breachNotificationHours !== undefined ? { breach_notification_hours: input.breachNotificationHours } : {}),
      };
      const merged = { ...existing, ...changes };
      checkContractDates(merged.start_date, merged.end_date);
      await this.repo(trx).updateContract(id, changes);
      const after = presentContract(merged);
      await recordAudit(trx, ctx, { action: 'contract.update', entityType: 'contract', entityId: id, before: presentContract(existing), after });
      return after;
    });
  }

  async deleteContract(id: string, ctx: RequestContext) {
    await this.write(async (trx) => {
      const existing = await this.repo(trx).findContract(id);
      if (!existing) throw notFound('contract', id);
      await this.repo(trx).deleteContract(id);
      await recordAudit(trx, ctx, { action: 'contract.delete', entityType: 'contract', entityId: id, before: presentContract(existing) });
    });
  }

  async listComments(vendorId: string) {
    await this.mustExist(vendorId);
    return (await this.repo().listComments('vendor', vendorId)).map(presentComment);
  }

  async addComment(vendorId: string, body: string, ctx: RequestContext) {
    return this.write(async (trx) => {
      if (!(await this.repo(trx).exists(vendorId))) throw notFound('vendor', vendorId);
      return this.insertComment(trx, vendorId, body, ctx);
    });
  }

  private async insertComment(trx: Executor, vendorId: string, body: string, ctx: RequestContext) {
    const row = {
      id: newId(),
      entity_type: 'vendor',
      entity_id: vendorId,
      author_id: ctx.actor.id,
      author_name: ctx.actor.name,
      body,
      created_at: new Date().toISOString(),
    };
    await this.repo(trx).insertComment(row);
    const comment = presentComment(row);
    await recordAudit(trx, ctx, { action: 'comment.create', entityType: 'vendor', entityId: vendorId, after: comment });
    return comment;
  }

  /** Adds a fourth party. Refuses edges that would close a loop, so the tree stays a tree. */
  async addSubcontractor(vendorId: string, subcontractorId: string, service: string | null, ctx: RequestContext): Promise<Vendor> {
    return (await this.withResidual([await this.write((trx) => this.addSubcontractorIn(trx, vendorId, subcontractorId, service, ctx))]))[0];
  }

  async addSubcontractorIn(trx: Executor, vendorId: string, subcontractorId: string, service: string | null, ctx: RequestContext): Promise<Vendor> {
    if (vendorId === subcontractorId) throw invalidField('/subcontractorId', 'a vendor cannot subcontract itself');
    const repo = this.repo(trx);
    if (!(await repo.findById(vendorId))) throw notFound('vendor', vendorId);
    const sub = await repo.findById(subcontractorId);
    if (!sub) throw invalidField('/subcontractorId', 'is not a known vendor');
    if (await this.reaches(trx, subcontractorId, vendorId)) {
      throw conflict(`${sub.name} already depends on this vendor; adding it as a subcontractor would create a cycle`, [
        { field: '/subcontractorId', reason: 'would create a cycle' },
      ]);
    }
    await repo.addSubcontractor(vendorId, subcontractorId, service, new Date().toISOString());
    await this.rescore(trx, vendorId);
    await recordAudit(trx, ctx, { action: 'vendor.subcontractor.add', entityType: 'vendor', entityId: vendorId, after: { subcontractorId, name: sub.name, service } });
    return presentVendor((await repo.findById(vendorId))!);
  }

  async removeSubcontractor(vendorId: string, subcontractorId: string, ctx: RequestContext): Promise<Vendor> {
    const removed = await this.write(async (trx) => {
      const repo = this.repo(trx);
      const result = await repo.removeSubcontractor(vendorId, subcontractorId);
      if (!Number(result.numDeletedRows)) throw notFound('subcontractor link', `${vendorId} → ${subcontractorId}`);
      await this.rescore(trx, vendorId);
      await recordAudit(trx, ctx, { action: 'vendor.subcontractor.remove', entityType: 'vendor', entityId: vendorId, before: { subcontractorId } });
      return presentVendor((await repo.findById(vendorId))!);
    });
    return (await this.withResidual([removed]))[0];
  }

  /** Whether `ancestor` is `vendorId` or appears on its chain of parents. */
  private async isAncestor(trx: Executor, ancestor: string, vendorId: string): Promise<boolean> {
    const seen = new Set<string>();
    for (let current: string | null = vendorId; current && !seen.has(current); current = await this.repo(trx).parentOf(current)) {
      if (current === ancestor) return true;
      seen.add(current);
    }
    return false;
  }

  private async reaches(trx: Executor, from: string, target: string): Promise<boolean> {
    const seen = new Set<string>([from]);
    let frontier = [from];
    while (frontier.length) {
      const edges = await this.repo(trx).subcontractorEdges(frontier);
      frontier = [];
      for (const edge of edges) {
        if (edge.subcontractor_id === target) return true;
        if (!seen.has(edge.subcontractor_id)) {
          seen.add(edge.subcontractor_id);
          frontier.push(edge.subcontractor_id);
        }
      }
    }
    return false;
  }

  /** The subcontractor tree, one query per level; repeated vendors are marked, not re-expanded. */
  async fourthPartyTree(vendorId: string): Promise<{ tree: FourthPartyNode; usedBy: Array<{ id: string; name: string; tier: string; service: string | null }> }> {
    const vendor = await this.present(vendorId);
    const root: FourthPartyNode = { id: vendor.id, name: vendor.name, tier: vendor.tier, service: null, children: [], cycle: false };
    let level: Array<{ node: FourthPartyNode; ancestors: Set<string> }> = [{ node: root, ancestors: new Set([vendor.id]) }];
    for (let depth = 0; depth < FOURTH_PARTY_MAX_DEPTH && level.length; depth++) {
      const edges = await this.repo().subcontractorEdges([...new Set(level.map((l) => l.node.id))]);
      const next: typeof level = [];
      for (const { node, ancestors } of level) {
        for (const edge of edges.filter((e) => e.vendor_id === node.id)) {
          const cycle = ancestors.has(edge.subcontractor_id);
          const child: FourthPartyNode = { id: edge.subcontractor_id, name: edge.name, tier: edge.tier, service: edge.service, children: [], cycle };
          node.children.push(child);
          if (!cycle) next.push({ node: child, ancestors: new Set([...ancestors, child.id]) });
        }
      }
      level = next;
    }
    return { tree: root, usedBy: await this.repo().contractorsOf(vendorId) };
  }

  async historyEntityIds(vendorId: string): Promise<string[]> {
    await this.mustExist(vendorId);
    return [vendorId, ...(await this.repo().childIds(vendorId)).map((r) => r.id)];
  }

  async dashboard() {
    const now = new Date();
    const soon = new Date(now.getTime() + 30 * 86_400_000).toISOString();
    const counts = await this.repo().dashboardCounts(now.toISOString(), soon);
    const byTier = Object.fromEntries(['T1', 'T2', 'T3', 'T4'].map((t) => [t, counts.byTier.get(t) ?? 0]));
    return {
      vendorsByTier: byTier as Record<'T1' | 'T2' | 'T3' | 'T4', number>,
      vendorsByStatus: Object.fromEntries(counts.byStatus),
      totalVendors: Object.values(byTier).reduce((a, b) => a + b, 0),
      reviewsOverdue: counts.overdue,
      autoUpdatingSoftwareVendors: counts.autoUpdating,
      needsTriage: counts.needsTriage,
      reviewsDueSoon: counts.dueSoon.map((r) => ({ id: r.id, name: r.name, tier: r.tier, nextReviewAt: r.next_review_at })),
      contractsEnding: contractsNeedingAttention(counts.contractsEnding, now),
    };
  }

  /** Runs fn in one transaction, turning a unique-constraint race into a 409. */
  async write<T>(fn: (trx: Executor) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(fn);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('the change conflicts with an existing record (duplicate name or key)');
      throw error;
    }
  }
}

const nameTaken = (name: string) => conflict(`a vendor named "${name}" exists`, [{ field: '/name', reason: 'is taken' }]);
const unknownTeam = (team: string) => invalidField('/team', `unknown team "${team}" (teams: it, security, legal, privacy, compliance)`);

const DAY_MS = 86_400_000;
/** A contract asks for attention when it ends within this many days, or its notice deadline is this near. */
export const CONTRACT_END_WARNING_DAYS = 90;
export const CONTRACT_NOTICE_WARNING_DAYS = 30;

/**
 * Contracts whose end, or whose last day to give notice (end minus the notice period), is near:
 * missing a notice deadline usually means the contract renews for another term. Soonest deadline first.
 */
export function contractsNeedingAttention(
  rows: Array<{ id: string; title: string; end_date: string | null; notice_period_days: number | null; vendor_id: string; vendor_name: string }>,
  now: Date,
) {
  const today = Date.parse(now.toISOString().slice(0, 10));
  const daysFromToday = (iso: string) => Math.round((Date.parse(iso.slice(0, 10)) - today) / DAY_MS);
  return rows
    .filter((r): r is typeof r & { end_date: string } => r.end_date !== null)
    .map((r) => {
      const noticeDays = r.notice_period_days === null ? null : Number(r.notice_period_days);
      const noticeBy = noticeDays ? new Date(Date.parse(r.end_date.slice(0, 10)) - noticeDays * DAY_MS).toISOString().slice(0, 10) : null;
      return {
        contractId: r.id,
        title: r.title,
        vendorId: r.vendor_id,
        vendorName: r.vendor_name,
        endDate: r.end_date.slice(0, 10),
        daysToEnd: daysFromToday(r.end_date),
        noticePeriodDays: noticeDays,
        noticeBy,
        daysToNotice: noticeBy === null ? null : daysFromToday(noticeBy),
      };
    })
    .filter((c) => c.daysToEnd <= CONTRACT_END_WARNING_DAYS || (c.daysToNotice !== null && c.daysToNotice <= CONTRACT_NOTICE_WARNING_DAYS))
    .sort((a, b) => Math.min(a.daysToEnd, a.daysToNotice ?? Infinity) - Math.min(b.daysToEnd, b.daysToNotice ?? Infinity))
    .slice(0, 20);
}

function dedupe<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/**
 * Writes only clear the overdue flag (the next review moved into the future); raising it is the
 * scheduler's job (flagOverdueReviews), which records one vendor.review-overdue event per vendor.
 * Setting it here as well would make the scheduler skip the vendor and the event would never exist.
 */
function overdueFlag(nextReviewAt: string, current: number | undefined): number {
  return Date.parse(nextReviewAt) > Date.now() ? 0 : (current ?? 0);
}

function checkContractDates(start: string | null | undefined, end: string | null | undefined) {
  if (start && end && end < start) throw invalidField('/endDate', 'must not be before startDate');
}

export type { VendorRow };
