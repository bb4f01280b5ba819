import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, invalidField, notFound, payloadTooLarge, unprocessable, validationError, type FieldProblem } from '../../platform/errors.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { searchText } from '../../platform/search-text.js';
import { findUnstorable } from '../../platform/text.js';
import { normalizeValue } from '../indicators/parsers/normalize.js';
import { emptyOutcome, type IndicatorOutcome, type IndicatorType } from '../indicators/parsers/model.js';
import { checkEvidence } from '../portal/portal.files.js';
import { PortalRepository } from '../portal/portal.repository.js';
import { checkAnswer, formProblems } from './incidents.forms.js';
import { IncidentRepository } from './incidents.repository.js';
import {
  EMPTY_IMPACT,
  OPEN_STATUSES,
  STATUS_ORDER,
  TERMINAL_STATUSES,
  type Contact,
  type Evidence,
  type Impact,
  type Incident,
  type IncidentChanges,
  type IncidentDetail,
  type IncidentEvent,
  type IncidentStatus,
  type LinkInput,
  type ListIncidentsQueryType,
  type NewEvent,
  type NewIncident,
  type NewTask,
  type Participant,
  type ParticipantInputType,
  type Severity,
  type ShareableField,
  type Task,
  type TaskAnswer,
  type TaskForm,
  type UpdateIncidentInput,
  type UpdateTaskInput,
  type VendorIncidentReport,
  type VendorIncidentView,
} from './incidents.schemas.js';
import type { IncidentEventsTable, IncidentFilesTable, IncidentParticipantsTable, IncidentsTable, IncidentTasksTable } from './incidents.tables.js';

export type IncidentRow = IncidentsTable;
/** Runs in the writing transaction (clocks, playbooks); a slow listener enqueues a job instead of working inline. */
export type IncidentListener = (trx: Executor, event: IncidentEvent, ctx: RequestContext) => Promise<void>;

export interface IncidentDeps {
  maxFileBytes: number;
  /**
   * Stores the indicators of a vendor's report as indicators of their own source document (the
   * report), so they are correlated like any feed's and playbooks find them; runs its own
   * transaction, before the report's (IndicatorService.importOutcome).
   */
  importIndicators?: (outcome: IndicatorOutcome, source: string, ctx: RequestContext) => Promise<unknown>;
}

const HOUR_MS = 3_600_000;
/** A report this close in detection time and this similar in words is the same incident. */
const DUPLICATE_WINDOW_MS = 72 * HOUR_MS;
const DUPLICATE_JACCARD = 0.5;
const STATUS_TIME: Record<string, keyof IncidentsTable> = {
  acknowledged: 'acknowledged_at',
  contained: 'contained_at',
  eradicated: 'eradicated_at',
  recovered: 'recovered_at',
  closed: 'closed_at',
};
/** What a vendor's own report shows it by default: that it arrived and how it is handled. */
const VENDOR_REPORT_SHARED: ShareableField[] = ['title', 'summary', 'status', 'detectedAt', 'statusTimes'];

/**
 * Third-party incidents: opened by people, by correlation (see incidents.correlation.ts) and by
 * vendors' reports through the portal. The workflow
 *
 *   new → acknowledged → contained → eradicated → recovered → closed, false-positive from any open status,
 *
 * moves forward only (a step skipped gets the same time as the step taken); closed and
 * false-positive are terminal, and reopening goes back to acknowledged. Every write records an
 * audit event and a timeline event in its transaction and tells the listeners (clocks, playbooks)
 * in that transaction. Methods taking `trx` run in the caller's transaction and never open one.
 */
export class IncidentService {
  private readonly listeners: IncidentListener[] = [];

  constructor(
    private readonly db: Kysely<DB>,
    private readonly deps: IncidentDeps,
  ) {}

  onEvent(listener: IncidentListener): void {
    this.listeners.push(listener);
  }

  private async emit(trx: Executor, event: IncidentEvent, ctx: RequestContext): Promise<void> {
    for (const listener of this.listeners) await listener(trx, event, ctx);
  }

  private repo(executor: Executor = this.db) {
    return new IncidentRepository(executor);
  }

  // Reading.

  async get(id: string, executor: Executor = this.db): Promise<IncidentDetail> {
    const repo = this.repo(executor);
    const row = await repo.byId(id);
    if (!row) throw notFound('incident', id);
    const [[incident], products, participants, tasks, events, links, files] = await Promise.all([
      this.presentMany([row], executor),
      repo.productsOf([id]),
      repo.participants(id),
      repo.tasks(id),
      repo.events(id),
      repo.links(id),
      repo.files(id),
    ]);
    const labels = await repo.linkLabels(links);
    const now = new Date().toISOString();
    return {
      ...incident,
      products: products.map((p) => ({ id: p.id, name: p.name, vendorId: p.vendor_id })),
      participants: participants.map(presentParticipant),
      tasks: tasks.map((t) => presentTask(t, now)),
      events: events.map(presentEvent),
      links: links.map((l) => ({ kind: l.kind, targetId: l.target_id, label: labels.get(`${l.kind}:${l.target_id}`) ?? null, createdBy: l.created_by, createdAt: l.created_at })),
      evidence: files.map(presentFile),
    };
  }

  async list(query: ListIncidentsQueryType): Promise<PageOf<Incident>> {
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor)?.id ?? null;
    const statuses = query.status === 'open' ? OPEN_STATUSES : query.status ? [query.status] : undefined;
    const rows = await this.repo().list({ statuses, severity: query.severity, vendorId: query.vendorId, source: query.source, q: query.q, drillId: query.drillId }, before, limit);
    const page = toPage(rows, limit, () => null, (r) => r);
    return { items: await this.presentMany(page.items), nextCursor: page.nextCursor };
  }

  private async presentMany(rows: IncidentsTable[], executor: Executor = this.db): Promise<Incident[]> {
    const repo = this.repo(executor);
    const ids = rows.map((r) => r.id);
    const [vendors, products, openTasks] = await Promise.all([repo.vendorsOf(ids), repo.productsOf(ids), repo.openTaskCounts(ids)]);
    return rows.map((r) => {
      const own = vendors.filter((v) => v.incident_id === r.id);
      return {
        id: r.id,
        title: r.title,
        summary: r.summary,
        source: r.source,
        severity: r.severity,
        status: r.status,
        vendorIds: own.map((v) => v.id),
        productIds: products.filter((p) => p.incident_id === r.id).map((p) => p.id),
        vendors: own.map((v) => ({ id: v.id, name: v.name, tier: v.tier })),
        impact: impactOf(r),
        detectedAt: r.detected_at,
        acknowledgedAt: r.acknowledged_at,
        containedAt: r.contained_at,
        eradicatedAt: r.eradicated_at,
        recoveredAt: r.recovered_at,
        closedAt: r.closed_at,
        correlationKey: r.correlation_key,
        sharedFields: parseJson<string[]>(r.shared_fields, []),
        reportedBy: parseJson<Contact | null>(r.reported_by, null),
        drillId: r.drill_id,
        openTasks: openTasks.get(r.id) ?? 0,
        createdBy: r.created_by,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      };
    });
  }

  /**
   * Indicators of the incident: those linked to it and those of its linked sightings, each once,
   * with the first of its source documents (sources lists them all).
   */
  async indicatorsOf(incidentId: string, executor: Executor = this.db): Promise<Array<{ id: string; type: string; value: string; source: string | null; sources: string[] }>> {
    const rows = await this.repo(executor).indicatorsOf(incidentId);
    const byId = new Map<string, { id: string; type: string; value: string; source: string | null; sources: string[] }>();
    for (const r of rows) {
      const entry = byId.get(r.id) ?? { id: r.id, type: r.type, value: r.value, source: null, sources: [] };
      if (r.source !== null && !entry.sources.includes(r.source)) entry.sources.push(r.source);
      entry.source = entry.sources[0] ?? null;
      byId.set(r.id, entry);
    }
    return [...byId.values()];
  }

  // Creating.

  async create(input: NewIncident, ctx: RequestContext, opts: { drillId?: string } = {}): Promise<IncidentDetail> {
    const id = await this.db.transaction().execute(async (trx) => (await this.createIn(trx, input, ctx, opts)).id);
    return this.get(id);
  }

  async createIn(trx: Executor, input: NewIncident, ctx: RequestContext, opts: { drillId?: string } = {}): Promise<IncidentRow> {
    assertStorable(input);
    const repo = this.repo(trx);
    const { vendorIds, productIds } = await this.checkParties(repo, input.vendorIds ?? [], input.productIds ?? []);
    const impact = await this.checkImpact(repo, { ...EMPTY_IMPACT, ...(input.impact ?? {}) });
    for (const [i, p] of (input.participants ?? []).entries()) {
      if (p.userId && !(await repo.userExists(p.userId))) throw invalidField(`/participants/${i}/userId`, `no user ${p.userId}`);
    }
    const now = new Date().toISOString();
    const summary = input.summary ?? '';
    const row: IncidentsTable = {
      id: newId(),
      title: input.title,
      summary,
      source: input.source ?? 'manual',
      severity: input.severity,
      status: 'new',
      impact: JSON.stringify(impact),
      detected_at: input.detectedAt ? new Date(input.detectedAt).toISOString() : now,
      acknowledged_at: null,
      contained_at: null,
      eradicated_at: null,
      recovered_at: null,
      closed_at: null,
      correlation_key: input.correlationKey ?? null,
      shared_fields: JSON.stringify(input.sharedFields ?? []),
      reported_by: input.reportedBy ? JSON.stringify(input.reportedBy) : null,
      drill_id: opts.drillId ?? null,
      search_text: searchText([input.title, summary]),
      created_by: ctx.actor.name,
      created_at: now,
      updated_at: now,
    };
    await repo.insert(row);
    await repo.setVendors(row.id, vendorIds);
    await repo.setProducts(row.id, productIds);
    for (const p of input.participants ?? []) await repo.insertParticipant(participantRow(row.id, p, ctx, now));
    await this.timeline(trx, row.id, { kind: 'created', text: `Incident opened (${row.source}, ${row.severity})`, data: { source: row.source, severity: row.severity } }, ctx, now);
    await recordAudit(trx, ctx, {
      action: 'incident.create',
      entityType: 'incident',
      entityId: row.id,
      after: { title: row.title, source: row.source, severity: row.severity, vendorIds, productIds, impact, detectedAt: row.detected_at, drillId: row.drill_id },
    });
    await this.emit(trx, { type: 'incident.created', incidentId: row.id, drillId: row.drill_id }, ctx);
    return row;
  }

  /** Vendors named and the vendors of the products named (a product implies its vendor), each checked to exist. */
  private async checkParties(repo: IncidentRepository, vendorIds: string[], productIds: string[]) {
    const vendors = new Set((await repo.vendors(vendorIds)).map((v) => v.id));
    const missing = vendorIds.findIndex((v) => !vendors.has(v));
    if (missing !== -1) throw invalidField(`/vendorIds/${missing}`, `no vendor ${vendorIds[missing]}`);
    const products = new Map((await repo.products(productIds)).map((p) => [p.id, p.vendor_id]));
    const missingProduct = productIds.findIndex((p) => !products.has(p));
    if (missingProduct !== -1) throw invalidField(`/productIds/${missingProduct}`, `no product ${productIds[missingProduct]}`);
    return { vendorIds: [...new Set([...vendorIds, ...products.values()])], productIds: [...products.keys()] };
  }

  private async checkImpact(repo: IncidentRepository, impact: Impact): Promise<Impact> {
    const known = await repo.servicesExist(impact.serviceIds);
    const missing = impact.serviceIds.findIndex((s) => !known.has(s));
    if (missing !== -1) throw invalidField(`/impact/serviceIds/${missing}`, `no business service ${impact.serviceIds[missing]}`);
    return { dataCategories: impact.dataCategories, systems: impact.systems, records: impact.records ?? null, serviceIds: impact.serviceIds };
  }

  // Changing.

  private async locked(repo: IncidentRepository, id: string): Promise<IncidentsTable> {
    const row = await repo.byId(id, { lock: true });
    if (!row) throw notFound('incident', id);
    return row;
  }

  /** Severity, title, summary, impact (members given replace theirs) and shared fields; nothing changed, nothing emitted. */
  async update(trx: Executor, id: string, changes: IncidentChanges, ctx: RequestContext): Promise<void> {
    await this.applyChanges(trx, id, changes, ctx);
  }

  /** PATCH: update() plus detection time, vendors and products, in its own transaction. */
  async edit(id: string, input: UpdateIncidentInput, ctx: RequestContext): Promise<IncidentDetail> {
    await this.db.transaction().execute((trx) => this.applyChanges(trx, id, input, ctx));
    return this.get(id);
  }

  private async applyChanges(trx: Executor, id: string, input: UpdateIncidentInput, ctx: RequestContext): Promise<void> {
    assertStorable(input);
    const repo = this.repo(trx);
    const row = await this.locked(repo, id);
    const set: Partial<IncidentsTable> = {};
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const change = <K extends keyof IncidentsTable>(field: string, column: K | null, from: unknown, to: unknown, stored?: IncidentsTable[K]) => {
      before[field] = from;
      after[field] = to;
      if (column) set[column] = stored ?? (to as IncidentsTable[K]);
    };
    if (input.title !== undefined && input.title !== row.title) change('title', 'title', row.title, input.title);
    if (input.summary !== undefined && input.summary !== row.summary) change('summary', 'summary', row.summary, input.summary);
    if (input.severity !== undefined && input.severity !== row.severity) change('severity', 'severity', row.severity, input.severity);
    if (input.detectedAt !== undefined) {
      const at = new Date(input.detectedAt).toISOString();
      if (at !== row.detected_at) change('detectedAt', 'detected_at', row.detected_at, at);
    }
    if (input.impact !== undefined) {
      const current = impactOf(row);
      const next = await this.checkImpact(repo, { ...current, ...input.impact });
      if (JSON.stringify(next) !== JSON.stringify(current)) change('impact', 'impact', current, next, JSON.stringify(next));
    }
    if (input.sharedFields !== undefined) {
      const current = parseJson<string[]>(row.shared_fields, []);
      const next = [...input.sharedFields].sort();
      if (JSON.stringify(next) !== JSON.stringify([...current].sort())) change('sharedFields', 'shared_fields', current, next, JSON.stringify(next));
    }
    if (input.vendorIds !== undefined || input.productIds !== undefined) {
      const currentVendors = (await repo.vendorsOf([id])).map((v) => v.id).sort();
      const currentProducts = (await repo.productsOf([id])).map((p) => p.id).sort();
      const parties = await this.checkParties(repo, input.vendorIds ?? currentVendors, input.productIds ?? currentProducts);
      const vendors = [...parties.vendorIds].sort();
      const products = [...parties.productIds].sort();
      if (JSON.stringify(vendors) !== JSON.stringify(currentVendors)) {
        await repo.setVendors(id, vendors);
        change('vendorIds', null, currentVendors, vendors);
      }
      if (JSON.stringify(products) !== JSON.stringify(currentProducts)) {
        await repo.setProducts(id, products);
        change('productIds', null, currentProducts, products);
      }
    }
    const fields = Object.keys(after);
    if (!fields.length) return;
    const now = new Date().toISOString();
    if (set.title !== undefined || set.summary !== undefined) set.search_text = searchText([set.title ?? row.title, set.summary ?? row.summary]);
    await repo.update(id, { ...set, updated_at: now });
    const words = fields.map((f) => (f === 'severity' ? `severity ${before.severity} → ${after.severity}` : f)).join(', ');
    await this.timeline(trx, id, { kind: 'updated', text: `Changed ${words}`, data: { fields, before, after } }, ctx, now);
    await recordAudit(trx, ctx, { action: 'incident.update', entityType: 'incident', entityId: id, before, after });
    await this.emit(trx, { type: 'incident.updated', incidentId: id, drillId: row.drill_id, changes: fields }, ctx);
  }

  async setStatus(trx: Executor, id: string, status: IncidentStatus, ctx: RequestContext, note?: string): Promise<void> {
    const repo = this.repo(trx);
    const row = await this.locked(repo, id);
    const from = row.status as IncidentStatus;
    const refusal = transitionRefusal(from, status);
    if (refusal) throw conflict(`incident ${id} is ${from}: ${refusal}`, [{ field: '/status', reason: refusal }]);
    const now = new Date().toISOString();
    const set: Partial<IncidentsTable> = { status, updated_at: now };
    if (TERMINAL_STATUSES.includes(from)) {
      // Reopening: the incident is being handled again; when it was first acknowledged stays.
      set.closed_at = null;
      if (!row.acknowledged_at) set.acknowledged_at = now;
    } else if (status === 'false-positive') {
      set.closed_at = now;
    } else {
      // A step skipped (new → contained) is reached at the same time as the step taken.
      for (const step of STATUS_ORDER.slice(1, STATUS_ORDER.indexOf(status as (typeof STATUS_ORDER)[number]) + 1)) {
        const column = STATUS_TIME[step] as 'acknowledged_at';
        if (!row[column]) set[column] = now;
      }
    }
    await repo.update(id, set);
    const reopened = TERMINAL_STATUSES.includes(from);
    await this.timeline(trx, id, { kind: reopened ? 'reopened' : 'status', text: `${reopened ? 'Reopened' : 'Status'}: ${from} → ${status}${note ? ` — ${note}` : ''}`, data: { from, to: status, note: note ?? null } }, ctx, now);
    await recordAudit(trx, ctx, { action: reopened ? 'incident.reopen' : 'incident.status', entityType: 'incident', entityId: id, before: { status: from }, after: { status, note: note ?? null } });
    await this.emit(trx, { type: 'incident.status', incidentId: id, drillId: row.drill_id, changes: ['status'] }, ctx);
  }

  async changeStatus(id: string, status: IncidentStatus, ctx: RequestContext, note?: string): Promise<IncidentDetail> {
    if (note !== undefined) assertStorable({ note });
    await this.db.transaction().execute((trx) => this.setStatus(trx, id, status, ctx, note));
    return this.get(id);
  }

  // Participants.

  async addParticipant(id: string, input: ParticipantInputType, ctx: RequestContext): Promise<Participant> {
    assertStorable(input);
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await this.locked(repo, id);
      if (input.userId && !(await repo.userExists(input.userId))) throw invalidField('/userId', `no user ${input.userId}`);
      const now = new Date().toISOString();
      const row = participantRow(id, input, ctx, now);
      await repo.insertParticipant(row);
      await this.timeline(trx, id, { kind: 'participant', text: `${row.name} joined as ${row.role}`, data: { participantId: row.id, role: row.role } }, ctx, now);
      await recordAudit(trx, ctx, { action: 'incident.participant.add', entityType: 'incident', entityId: id, after: { participantId: row.id, role: row.role, name: row.name, email: row.email, userId: row.user_id } });
      return presentParticipant(row);
    });
  }

  async removeParticipant(id: string, participantId: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await this.locked(repo, id);
      const row = await repo.deleteParticipant(id, participantId);
      if (!row) throw notFound('participant', participantId);
      const now = new Date().toISOString();
      await this.timeline(trx, id, { kind: 'participant', text: `${row.name} (${row.role}) left`, data: { participantId, role: row.role } }, ctx, now);
      await recordAudit(trx, ctx, { action: 'incident.participant.remove', entityType: 'incident', entityId: id, before: { participantId, role: row.role, name: row.name } });
    });
  }

  // Tasks.

  /**
   * A task for a team. A playbook step's task (runId and stepId) is made once: calling again for
   * the same run and step returns the task already made, so a retried step adds nothing.
   */
  async addTask(trx: Executor, incidentId: string, task: NewTask, ctx: RequestContext): Promise<{ id: string }> {
    assertStorable(task);
    const repo = this.repo(trx);
    await this.locked(repo, incidentId);
    if (task.form) {
      const problems = formProblems(task.form);
      if (problems.length) throw validationError('the task form is not valid', problems);
    }
    if (task.runId && task.stepId) {
      const existing = (await repo.tasks(incidentId)).find((t) => t.playbook_run_id === task.runId && t.step_id === task.stepId);
      if (existing) return { id: existing.id };
    }
    const now = new Date().toISOString();
    const row: IncidentTasksTable = {
      id: newId(),
      incident_id: incidentId,
      team: task.team,
      title: task.title,
      owner: task.owner ?? null,
      due_at: task.dueAt ? new Date(task.dueAt).toISOString() : null,
      status: 'open',
      form: task.form ? JSON.stringify(task.form) : null,
      answer: null,
      playbook_run_id: task.runId ?? null,
      step_id: task.stepId ?? null,
      completed_by: null,
      completed_at: null,
      created_by: ctx.actor.name,
      created_at: now,
      updated_at: now,
    };
    await repo.insertTask(row);
    await repo.update(incidentId, { updated_at: now });
    await this.timeline(trx, incidentId, { kind: 'task', text: `Task for ${row.team}: ${row.title}`, data: { taskId: row.id, team: row.team, dueAt: row.due_at, runId: row.playbook_run_id, stepId: row.step_id } }, ctx, now);
    await recordAudit(trx, ctx, { action: 'incident.task.create', entityType: 'incident', entityId: incidentId, after: { taskId: row.id, team: row.team, title: row.title, owner: row.owner, dueAt: row.due_at, form: task.form ?? null, runId: row.playbook_run_id, stepId: row.step_id } });
    return { id: row.id };
  }

  async createTask(incidentId: string, task: NewTask, ctx: RequestContext): Promise<Task> {
    const { id } = await this.db.transaction().execute((trx) => this.addTask(trx, incidentId, task, ctx));
    return this.task(incidentId, id);
  }

  async task(incidentId: string, taskId: string): Promise<Task> {
    const row = await this.repo().task(incidentId, taskId);
    if (!row) throw notFound('task', taskId);
    return presentTask(row, new Date().toISOString());
  }

  async updateTask(incidentId: string, taskId: string, input: UpdateTaskInput, ctx: RequestContext): Promise<Task> {
    assertStorable(input);
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await this.locked(repo, incidentId);
      const row = await repo.task(incidentId, taskId);
      if (!row) throw notFound('task', taskId);
      const set: Partial<IncidentTasksTable> = {};
      if (input.title !== undefined) set.title = input.title;
      if (input.owner !== undefined) set.owner = input.owner;
      if (input.team !== undefined) set.team = input.team;
      if (input.dueAt !== undefined) set.due_at = input.dueAt === null ? null : new Date(input.dueAt).toISOString();
      if (input.status !== undefined && input.status !== row.status) {
        set.status = input.status;
        // Reopened: the answer given is withdrawn with the completion.
        if (input.status === 'open') Object.assign(set, { answer: null, completed_by: null, completed_at: null });
        else Object.assign(set, { completed_by: ctx.actor.name, completed_at: new Date().toISOString() });
      }
      const changed = Object.keys(set).filter((k) => JSON.stringify(set[k as keyof IncidentTasksTable]) !== JSON.stringify(row[k as keyof IncidentTasksTable]));
      if (!changed.length) return;
      const now = new Date().toISOString();
      await repo.updateTask(taskId, { ...set, updated_at: now });
      await repo.update(incidentId, { updated_at: now });
      const what = set.status === 'skipped' ? 'skipped' : set.status === 'open' ? 'reopened' : `changed (${changed.join(', ')})`;
      await this.timeline(trx, incidentId, { kind: 'task', text: `Task for ${set.team ?? row.team} ${what}: ${set.title ?? row.title}`, data: { taskId, changed } }, ctx, now);
      await recordAudit(trx, ctx, {
        action: 'incident.task.update',
        entityType: 'incident',
        entityId: incidentId,
        before: { taskId, ...Object.fromEntries(changed.map((k) => [k, row[k as keyof IncidentTasksTable]])) },
        after: { taskId, ...Object.fromEntries(changed.map((k) => [k, set[k as keyof IncidentTasksTable]])) },
      });
    });
    return this.task(incidentId, taskId);
  }

  /** Completes an open task with the answer its form asks (422 naming each field otherwise); listeners get task.completed. */
  async completeTask(incidentId: string, taskId: string, answer: TaskAnswer | undefined, ctx: RequestContext): Promise<Task> {
    if (answer !== undefined) assertStorable({ answer });
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const incident = await this.locked(repo, incidentId);
      const row = await repo.task(incidentId, taskId);
      if (!row) throw notFound('task', taskId);
      if (row.status !== 'open') throw conflict(`task ${taskId} is ${row.status}: reopen it first`);
      const checked = checkAnswer(parseJson<TaskForm | null>(row.form, null), answer);
      if (!checked.ok) throw unprocessable('the answer does not fit the task\'s form', checked.problems);
      const now = new Date().toISOString();
      if (!(await repo.updateTask(taskId, { status: 'done', answer: checked.value ? JSON.stringify(checked.value) : null, completed_by: ctx.actor.name, completed_at: now, updated_at: now }, 'open'))) {
        throw conflict(`task ${taskId} was completed meanwhile`);
      }
      await repo.update(incidentId, { updated_at: now });
      await this.timeline(trx, incidentId, { kind: 'task-completed', text: `Task for ${row.team} done: ${row.title}`, data: { taskId, team: row.team, answer: checked.value, runId: row.playbook_run_id, stepId: row.step_id } }, ctx, now);
      await recordAudit(trx, ctx, { action: 'incident.task.complete', entityType: 'incident', entityId: incidentId, after: { taskId, answer: checked.value } });
      await this.emit(trx, { type: 'task.completed', incidentId, drillId: incident.drill_id, taskId }, ctx);
    });
    return this.task(incidentId, taskId);
  }

  // Timeline and links.

  /** An entry on the timeline (a note, a playbook's step, a clock); shareable ones are shown to the vendor. */
  async addEvent(trx: Executor, incidentId: string, event: NewEvent, ctx: RequestContext): Promise<void> {
    assertStorable(event);
    const repo = this.repo(trx);
    await this.locked(repo, incidentId);
    const now = new Date().toISOString();
    await repo.update(incidentId, { updated_at: now });
    const id = await this.timeline(trx, incidentId, event, ctx, now);
    await recordAudit(trx, ctx, { action: 'incident.event', entityType: 'incident', entityId: incidentId, after: { eventId: id, kind: event.kind, text: event.text, shareable: Boolean(event.shareable) } });
  }

  async addNote(incidentId: string, input: { text: string; shareable?: boolean }, ctx: RequestContext): Promise<IncidentDetail> {
    await this.db.transaction().execute((trx) => this.addEvent(trx, incidentId, { kind: 'note', text: input.text, shareable: input.shareable }, ctx));
    return this.get(incidentId);
  }

  private async timeline(trx: Executor, incidentId: string, event: NewEvent, ctx: RequestContext, at: string): Promise<string> {
    const row: IncidentEventsTable = {
      id: newId(),
      incident_id: incidentId,
      at,
      kind: event.kind.slice(0, 100),
      actor: ctx.actor.name,
      text: event.text.slice(0, 20_000),
      data: event.data === undefined ? null : JSON.stringify(event.data),
      shareable: event.shareable ? 1 : 0,
    };
    await this.repo(trx).insertEvent(row);
    return row.id;
  }

  /** Links a risk, finding, sighting, assessment or indicator (it must exist); linking again changes nothing. */
  async link(trx: Executor, incidentId: string, link: LinkInput, ctx: RequestContext): Promise<void> {
    const repo = this.repo(trx);
    const row = await this.locked(repo, incidentId);
    if (!(await repo.targetExists(link.kind, link.targetId))) throw invalidField('/targetId', `no ${link.kind} ${link.targetId}`);
    await this.linkChecked(trx, row, [link], ctx);
  }

  /** Links known to exist; one timeline entry and one listener call for the batch. */
  private async linkChecked(trx: Executor, row: IncidentsTable, links: LinkInput[], ctx: RequestContext): Promise<void> {
    const repo = this.repo(trx);
    const now = new Date().toISOString();
    const added: LinkInput[] = [];
    for (const link of links) {
      if (await repo.insertLink({ incident_id: row.id, kind: link.kind, target_id: link.targetId, created_by: ctx.actor.name, created_at: now })) added.push(link);
    }
    if (!added.length) return;
    await repo.update(row.id, { updated_at: now });
    const text = added.length === 1 ? `Linked ${added[0].kind} ${added[0].targetId}` : `Linked ${added.length} records (${[...new Set(added.map((l) => l.kind))].join(', ')})`;
    await this.timeline(trx, row.id, { kind: 'link', text, data: { links: added } }, ctx, now);
    await recordAudit(trx, ctx, { action: 'incident.link', entityType: 'incident', entityId: row.id, after: { links: added } });
    await this.emit(trx, { type: 'incident.updated', incidentId: row.id, drillId: row.drill_id, changes: ['links'] }, ctx);
  }

  async addLink(incidentId: string, link: LinkInput, ctx: RequestContext): Promise<IncidentDetail> {
    await this.db.transaction().execute((trx) => this.link(trx, incidentId, link, ctx));
    return this.get(incidentId);
  }

  async removeLink(incidentId: string, link: LinkInput, ctx: RequestContext): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await this.locked(repo, incidentId);
      if (!(await repo.deleteLink(incidentId, link.kind, link.targetId))) throw notFound(`${link.kind} link`, link.targetId);
      const now = new Date().toISOString();
      await repo.update(incidentId, { updated_at: now });
      await this.timeline(trx, incidentId, { kind: 'link', text: `Unlinked ${link.kind} ${link.targetId}`, data: { removed: link } }, ctx, now);
      await recordAudit(trx, ctx, { action: 'incident.unlink', entityType: 'incident', entityId: incidentId, before: { link } });
    });
  }

  // Correlation (incidents.correlation.ts decides when; this is what it writes).

  /**
   * Appends sightings to an open incident (one timeline entry) and links them and their
   * indicators, in the sighting's transaction.
   */
  async appendSightings(trx: Executor, incidentId: string, sightings: Array<{ id: string; indicatorId: string; indicatorType: string; indicatorValue: string; kind: string }>, ctx: RequestContext): Promise<void> {
    const row = await this.locked(this.repo(trx), incidentId);
    const now = new Date().toISOString();
    await this.timeline(trx, incidentId, {
      kind: 'sighting',
      text: `${sightings.length} new sighting${sightings.length === 1 ? '' : 's'}: ${[...new Set(sightings.map((s) => `${s.indicatorType} ${s.indicatorValue}`))].slice(0, 10).join(', ')}`.slice(0, 2000),
      data: { sightings: sightings.map((s) => ({ id: s.id, indicatorId: s.indicatorId, kind: s.kind })) },
    }, ctx, now);
    await this.linkChecked(trx, row, [...sightings.map((s) => ({ kind: 'sighting' as const, targetId: s.id })), ...[...new Set(sightings.map((s) => s.indicatorId))].map((id) => ({ kind: 'indicator' as const, targetId: id }))], ctx);
  }

  /** Open real correlation-or-other incidents of the vendor (newest first), for de-duplication. */
  async openOfVendor(trx: Executor, vendorId: string, source?: string): Promise<IncidentRow[]> {
    return this.repo(trx).openOfVendor(vendorId, source);
  }

  async lockVendor(trx: Executor, vendorId: string): Promise<void> {
    await this.repo(trx).lockVendor(vendorId);
  }

  // Vendor reports.

  /**
   * A vendor's report (portal or vendor API token). A report about an incident already open for
   * that vendor — sharing an indicator with it, or worded alike (token Jaccard ≥ 0.5 of title and
   * description) and detected within 72 hours of it — is appended to it (timeline event
   * vendor-report) and duplicateOf names it; otherwise a new incident (source vendor) is opened.
   */
  async vendorReport(input: VendorIncidentReport, vendorId: string, ctx: RequestContext): Promise<{ incident: VendorIncidentView; duplicateOf: string | null }> {
    assertStorable(input);
    const indicators = normaliseReported(input.indicators ?? []);
    const vendor = (await this.repo().vendors([vendorId]))[0];
    if (!vendor) throw notFound('vendor', vendorId);
    const detectedAt = new Date(input.detectedAt).toISOString();
    // A sighting of a reported indicator may open a correlation incident for the vendor here; the
    // report then shares that indicator with it and is appended to it below.
    if (indicators.length && this.deps.importIndicators) await this.deps.importIndicators(reportedOutcome(indicators, input.title), `vendor report: ${vendor.name}: ${input.title}`.slice(0, 200), ctx);
    const result = await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await repo.lockVendor(vendorId);
      const products = await repo.products(input.productIds ?? []);
      const productOf = new Map(products.map((p) => [p.id, p.vendor_id]));
      const foreign = (input.productIds ?? []).findIndex((p) => productOf.get(p) !== vendorId);
      if (foreign !== -1) throw invalidField(`/productIds/${foreign}`, `no product ${input.productIds![foreign]} of yours`);
      const known = await repo.indicatorsByValue(indicators);
      const report = { ...input, detectedAt, indicators };
      const duplicate = await this.findDuplicate(trx, vendorId, input, detectedAt, new Set(known.map((k) => k.id)), indicators);
      const now = new Date().toISOString();
      if (duplicate) {
        const repoProducts = (await repo.productsOf([duplicate.id])).map((p) => p.id);
        const added = (input.productIds ?? []).filter((p) => !repoProducts.includes(p));
        if (added.length) await repo.setProducts(duplicate.id, [...repoProducts, ...added]);
        await repo.update(duplicate.id, { updated_at: now });
        await this.timeline(trx, duplicate.id, { kind: 'vendor-report', text: `${vendor.name} reported: ${input.title}`, data: { vendorId, report }, shareable: true }, ctx, now);
        await recordAudit(trx, ctx, { action: 'incident.vendor-report', entityType: 'incident', entityId: duplicate.id, after: { vendorId, duplicate: true, title: input.title, indicators: indicators.length } });
        await this.linkChecked(trx, duplicate, known.map((k) => ({ kind: 'indicator' as const, targetId: k.id })), ctx);
        await this.emit(trx, { type: 'incident.updated', incidentId: duplicate.id, drillId: duplicate.drill_id, changes: ['reports'] }, ctx);
        return { id: duplicate.id, duplicateOf: duplicate.id };
      }
      const row = await this.createIn(trx, {
        title: input.title,
        summary: input.description,
        severity: input.severity ?? severityOfTier(vendor.tier),
        detectedAt,
        impact: { dataCategories: input.dataCategories ?? [], records: input.records ?? null },
        vendorIds: [vendorId],
        productIds: input.productIds ?? [],
        participants: [{ role: 'vendor', name: input.contact.name, email: input.contact.email ?? null }],
        sharedFields: VENDOR_REPORT_SHARED,
        source: 'vendor',
        reportedBy: input.contact,
      }, ctx);
      await this.timeline(trx, row.id, { kind: 'vendor-report', text: `${vendor.name} reported: ${input.title}`, data: { vendorId, report }, shareable: true }, ctx, now);
      await this.linkChecked(trx, row, known.map((k) => ({ kind: 'indicator' as const, targetId: k.id })), ctx);
      return { id: row.id, duplicateOf: null };
    });
    return { incident: await this.getForVendor(result.id, vendorId), duplicateOf: result.duplicateOf };
  }

  private async findDuplicate(trx: Executor, vendorId: string, input: VendorIncidentReport, detectedAt: string, knownIds: Set<string>, reported: Array<{ type: string; value: string }>): Promise<IncidentsTable | null> {
    const open = await this.repo(trx).openOfVendor(vendorId);
    const words = tokens(`${input.title} ${input.description}`);
    const reportedKeys = new Set(reported.map((r) => `${r.type}\0${r.value}`));
    for (const incident of open) {
      const theirs = await this.indicatorsOf(incident.id, trx);
      if (theirs.some((i) => knownIds.has(i.id) || reportedKeys.has(`${i.type}\0${i.value}`))) return incident;
      // Indicators reported earlier but not stored as indicators are in the earlier reports.
      const earlier = (await this.repo(trx).events(incident.id)).filter((e) => e.kind === 'vendor-report');
      if (earlier.some((e) => (parseJson<{ report?: { indicators?: Array<{ type: string; value: string }> } }>(e.data, {}).report?.indicators ?? []).some((i) => reportedKeys.has(`${i.type}\0${i.value}`)))) return incident;
      const close = Math.abs(Date.parse(incident.detected_at) - Date.parse(detectedAt)) <= DUPLICATE_WINDOW_MS;
      if (close && jaccard(words, tokens(`${incident.title} ${incident.summary}`)) >= DUPLICATE_JACCARD) return incident;
    }
    return null;
  }

  /** The vendor's incidents it may see: those it reported or was sent a report on, and those shared with it; newest first. */
  async listForVendor(vendorId: string): Promise<VendorIncidentView[]> {
    const rows = await this.repo().ofVendor(vendorId);
    const views: VendorIncidentView[] = [];
    for (const row of rows) {
      const view = await this.vendorView(row, vendorId);
      if (view) views.push(view);
    }
    return views;
  }

  /** One incident as its vendor sees it; any other (another vendor's, a drill's, one not shared) is a 404. */
  async getForVendor(id: string, vendorId: string): Promise<VendorIncidentView> {
    const row = await this.repo().byId(id);
    const named = row && !row.drill_id && (await this.repo().vendorsOf([id])).some((v) => v.id === vendorId);
    const view = named ? await this.vendorView(row, vendorId) : null;
    if (!view) throw notFound('incident', id);
    return view;
  }

  private async vendorView(row: IncidentsTable, vendorId: string): Promise<VendorIncidentView | null> {
    const shared = new Set(parseJson<string[]>(row.shared_fields, []));
    const events = await this.repo().events(row.id, { shareableOnly: true });
    const reports = events.filter((e) => e.kind === 'vendor-report' && parseJson<{ vendorId?: string }>(e.data, {}).vendorId === vendorId);
    if (!shared.size && !reports.length) return null;
    const tasks = shared.has('tasks') ? (await this.repo().tasks(row.id)).map((t) => ({ team: t.team, title: t.title, status: t.status, dueAt: t.due_at })) : null;
    return {
      id: row.id,
      reference: row.id.slice(0, 8),
      title: shared.has('title') ? row.title : null,
      summary: shared.has('summary') ? row.summary : null,
      severity: shared.has('severity') ? row.severity : null,
      status: shared.has('status') ? row.status : null,
      impact: shared.has('impact') ? impactOf(row) : null,
      detectedAt: shared.has('detectedAt') ? row.detected_at : null,
      statusTimes: shared.has('statusTimes')
        ? { acknowledged: row.acknowledged_at, contained: row.contained_at, eradicated: row.eradicated_at, recovered: row.recovered_at, closed: row.closed_at }
        : null,
      tasks,
      reports: reports.map((e) => ({ at: e.at, report: parseJson<{ report?: unknown }>(e.data, {}).report ?? null })),
      // Other vendors' reports on the same incident are theirs, not this vendor's.
      events: events.filter((e) => e.kind !== 'vendor-report' || reports.includes(e)).map((e) => ({ at: e.at, kind: e.kind, text: e.text })),
      reportedAt: reports[0]?.at ?? row.created_at,
    };
  }

  // Evidence.

  /** Stores an evidence file (type sniffed from the bytes; the bytes once per SHA-256 in the portal's blob store). */
  async attach(incidentId: string, bytes: Buffer, meta: { name: string; contentType: string | undefined; shareable?: boolean }, ctx: RequestContext): Promise<Evidence> {
    if (!bytes.length) throw invalidField('body', 'the file is empty');
    if (bytes.length > this.deps.maxFileBytes) throw payloadTooLarge(this.deps.maxFileBytes);
    const name = meta.name.trim().replace(/[\\/]|\p{Cc}/gu, '_');
    if (!name) throw invalidField('name', 'must be a file name');
    const kind = checkEvidence(bytes, name, meta.contentType);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await this.locked(repo, incidentId);
      const at = new Date().toISOString();
      await new PortalRepository(trx).putBlob(sha256, bytes, at);
      const row: IncidentFilesTable = { id: newId(), incident_id: incidentId, sha256, name, media_type: kind.mediaType, size_bytes: bytes.length, shareable: meta.shareable ? 1 : 0, created_by: ctx.actor.name, created_at: at };
      if (!(await repo.insertFile(row))) return presentFile((await repo.fileByContent(incidentId, sha256))!);
      await repo.update(incidentId, { updated_at: at });
      await this.timeline(trx, incidentId, { kind: 'evidence', text: `Evidence added: ${name}`, data: { fileId: row.id, sha256, mediaType: row.media_type, sizeBytes: row.size_bytes } }, ctx, at);
      await recordAudit(trx, ctx, { action: 'incident.evidence.add', entityType: 'incident', entityId: incidentId, after: presentFile(row) });
      return presentFile(row);
    });
  }

  async evidence(incidentId: string, fileId: string): Promise<{ file: Evidence; content: Buffer }> {
    const row = await this.repo().file(incidentId, fileId);
    if (!row) throw notFound('file', fileId);
    const content = await new PortalRepository(this.db).blob(row.sha256);
    if (!content) throw notFound('file', fileId);
    return { file: presentFile(row), content };
  }
}

function transitionRefusal(from: IncidentStatus, to: IncidentStatus): string | null {
  if (from === to) return `it is ${to} already`;
  if (TERMINAL_STATUSES.includes(from)) return to === 'acknowledged' ? null : 'a closed incident can only be reopened (to acknowledged)';
  if (to === 'false-positive') return null;
  const step = (s: IncidentStatus) => STATUS_ORDER.indexOf(s as (typeof STATUS_ORDER)[number]);
  if (step(to) <= step(from)) return `the workflow moves forward (new → acknowledged → contained → eradicated → recovered → closed), not back to ${to}`;
  return null;
}

export function severityOfTier(tier: string): Severity {
  return tier === 'T1' ? 'critical' : tier === 'T2' ? 'high' : tier === 'T3' ? 'medium' : 'low';
}

/** Words of three or more letters or digits, folded: what duplicate detection compares. */
export function tokens(text: string): Set<string> {
  return new Set((text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]{3,}/gu) ?? []).slice(0, 5000));
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size && !b.size) return 0;
  let both = 0;
  for (const t of a) if (b.has(t)) both++;
  return both / (a.size + b.size - both);
}

/** A vendor's reported indicators as an import of one document (no confidence or TLP: the vendor gave none). */
function reportedOutcome(indicators: Array<{ type: IndicatorType; value: string }>, title: string): IndicatorOutcome {
  const outcome = emptyOutcome('vendor-report');
  outcome.indicators = indicators.map((i) => ({ ...i, ref: `${i.type}:${i.value}`.slice(0, 500), name: title.slice(0, 500), description: null, pattern: null, confidence: null, tlp: null, validFrom: null, validUntil: null, labels: ['vendor-report'], killChain: [] }));
  return outcome;
}

/** Reported indicators normalised like a feed's (defanged values refanged, hashes lower-cased), each problem naming its index. */
function normaliseReported(indicators: Array<{ type: IndicatorType; value: string }>): Array<{ type: IndicatorType; value: string }> {
  const problems: FieldProblem[] = [];
  const out = new Map<string, { type: IndicatorType; value: string }>();
  indicators.forEach((i, n) => {
    try {
      const value = normalizeValue(i.type, i.value);
      out.set(`${i.type}\0${value}`, { type: i.type, value });
    } catch (error) {
      problems.push({ field: `/indicators/${n}/value`, reason: error instanceof Error ? error.message : 'is not a valid indicator' });
    }
  });
  if (problems.length) throw validationError('some indicators are not valid', problems);
  return [...out.values()];
}

function assertStorable(value: unknown): void {
  const problem = findUnstorable(value);
  if (problem) throw invalidField(problem.field, problem.reason);
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function impactOf(row: Pick<IncidentsTable, 'impact'>): Impact {
  return { ...EMPTY_IMPACT, ...parseJson<Partial<Impact>>(row.impact, {}) };
}

function participantRow(incidentId: string, p: ParticipantInputType, ctx: RequestContext, now: string): IncidentParticipantsTable {
  return { id: newId(), incident_id: incidentId, role: p.role, name: p.name, email: p.email ?? null, user_id: p.userId ?? null, created_by: ctx.actor.name, created_at: now };
}

function presentParticipant(r: IncidentParticipantsTable): Participant {
  return { id: r.id, role: r.role, name: r.name, email: r.email, userId: r.user_id, createdBy: r.created_by, createdAt: r.created_at };
}

function presentTask(r: IncidentTasksTable, now: string): Task {
  return {
    id: r.id,
    incidentId: r.incident_id,
    team: r.team,
    title: r.title,
    owner: r.owner,
    dueAt: r.due_at,
    overdue: r.status === 'open' && r.due_at !== null && r.due_at < now,
    status: r.status,
    form: parseJson<TaskForm | null>(r.form, null),
    answer: parseJson<Record<string, unknown> | null>(r.answer, null),
    runId: r.playbook_run_id,
    stepId: r.step_id,
    completedBy: r.completed_by,
    completedAt: r.completed_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function presentEvent(r: IncidentEventsTable) {
  return { id: r.id, at: r.at, kind: r.kind, actor: r.actor, text: r.text, data: parseJson<unknown>(r.data, null), shareable: Number(r.shareable) === 1 };
}

function presentFile(r: IncidentFilesTable): Evidence {
  return { id: r.id, name: r.name, sha256: r.sha256, mediaType: r.media_type, sizeBytes: Number(r.size_bytes), shareable: Number(r.shareable) === 1, createdBy: r.created_by, createdAt: r.created_at };
}
