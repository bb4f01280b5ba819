import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { AppError, invalidField, notFound, unprocessable } from '../../platform/errors.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { DrillRepository, type DrillRow } from './drills.repository.js';
import { normaliseScenarioIndicators, shippedScenario } from './drills.scenario.js';
import {
  SCENARIO_INDICATOR_TYPES,
  SEVERITIES,
  SOURCES,
  TIERS,
  type CreateScheduleInput,
  type Drill,
  type DrillDetail,
  type DrillReport,
  type DrillSchedule,
  type ListDrillsQueryType,
  type Scenario,
  type StartDrillInput,
  type UpdateScheduleInput,
} from './drills.schemas.js';
import type { DrillSchedulesTable } from './drills.tables.js';

export const RUN_DUE_JOB = 'drills.run-due';
export const DRILL_SCHEDULE = { name: 'drill-schedules', cron: '*/10 * * * *', jobKind: RUN_DUE_JOB };

/** A step as the playbook version defines it. */
export interface DrillPlaybookStep {
  id: string;
  type: string;
  title: string | null;
  team: string | null;
  /** The step's due offset in seconds (task, approval, input), else null. */
  dueSeconds: number | null;
}

export interface DrillPlaybook {
  id: string;
  name: string;
  /** The shipped playbook's key (its default scenario ships under the same name), null for one written here. */
  key: string | null;
  version: number;
  /** The trigger's `when` expression, the source of the default scenario. */
  when: string | null;
  steps: DrillPlaybookStep[];
}

export interface DrillRunStep {
  stepId: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  output: unknown;
  error: string | null;
}

export interface DrillRun {
  id: string;
  status: string;
  playbookVersion: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  steps: DrillRunStep[];
}

export interface DrillTask {
  id: string;
  team: string;
  title: string;
  owner: string | null;
  status: string;
  dueAt: string | null;
  createdAt: string | null;
  completedBy: string | null;
  completedAt: string | null;
  stepId: string | null;
  runId: string | null;
  /** The task's form (approval/input steps), null for a plain task. */
  form: unknown;
}

export interface DrillCaptured {
  kind: 'notification' | 'webhook' | 'block' | 'questionnaire';
  at: string | null;
  stepId: string | null;
  target: string;
  summary: string;
  detail: unknown;
}

export interface DrillIncidentInput {
  title: string;
  summary: string;
  source: (typeof SOURCES)[number];
  severity: (typeof SEVERITIES)[number];
  vendorIds: string[];
  productIds: string[];
  impact: { dataCategories: string[]; systems: string[]; records: number | null; serviceIds: string[] };
}

/**
 * What the drills module needs from the incident, playbook, notification and blocklist modules,
 * wired in thirdwatch.ts. The writes run in the caller's transaction (the drill row, the synthetic
 * incident and the run's start commit together); drillId passes drill mode through to every effect.
 */
export interface DrillDeps {
  playbook(id: string, version?: number): Promise<DrillPlaybook>;
  createIncident(trx: Executor, input: DrillIncidentInput, ctx: RequestContext, drillId: string): Promise<{ id: string }>;
  linkIndicator(trx: Executor, incidentId: string, indicatorId: string, ctx: RequestContext): Promise<void>;
  startRun(trx: Executor, incidentId: string, playbookId: string, ctx: RequestContext, drillId: string): Promise<{ id: string }>;
  runsOf(drillId: string): Promise<DrillRun[]>;
  tasks(incidentId: string): Promise<DrillTask[]>;
  completeTask(incidentId: string, taskId: string, answer: unknown, ctx: RequestContext): Promise<void>;
  /** What the drill would have sent or changed: notifications, signed webhooks, staged blocks, questionnaires. */
  captured(drillId: string): Promise<DrillCaptured[]>;
  /** Ends the drill's runs that still wait, in the finishing transaction. */
  cancelRuns(trx: Executor, drillId: string, reason: string): Promise<number>;
}

const DAY_MS = 86_400_000;
const OPEN_RUN = ['running', 'waiting'];

/**
 * Drills: any playbook run against a synthetic incident in drill mode. Every row the drill causes
 * elsewhere carries its drill_id, so real lists leave it out and effects are captured, not sent.
 * The report (who responded when, each step planned vs actual, what was captured) is computed live
 * while the drill runs and frozen when it is finished: it is the evidence that the plan was tested.
 */
export class DrillService {
  private deps: Partial<DrillDeps> = {};

  constructor(private readonly db: Kysely<DB>) {}

  /** Called once at wiring with the other modules' entry points. */
  useDeps(deps: Partial<DrillDeps>): void {
    this.deps = { ...this.deps, ...deps };
  }

  private repo(executor: Executor = this.db) {
    return new DrillRepository(executor);
  }

  private need<K extends keyof DrillDeps>(key: K): DrillDeps[K] {
    const dep = this.deps[key];
    if (!dep) throw new AppError('unavailable', `drills need ${key}, which this installation does not provide yet`);
    return dep as DrillDeps[K];
  }

  // Reading.

  async list(query: ListDrillsQueryType): Promise<PageOf<Drill>> {
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor)?.id ?? null;
    const rows = await this.repo().list({ playbookId: query.playbookId, vendorId: query.vendorId, status: query.status }, before, limit);
    return toPage(rows, limit, () => null, presentDrill);
  }

  async get(id: string): Promise<DrillDetail> {
    const row = await this.repo().byId(id);
    if (!row) throw notFound('drill', id);
    const report = row.report ? (JSON.parse(row.report) as DrillReport) : await this.report(row);
    return { ...presentDrill(row), scenario: JSON.parse(row.scenario) as Scenario, report };
  }

  /** The drill's synthetic indicators (its scenario's): what its incident's playbook sees besides the linked ones. */
  async indicatorsOf(drillId: string, executor: Executor = this.db): Promise<NonNullable<Scenario['indicators']>> {
    const row = await this.repo(executor).byId(drillId);
    return row ? ((JSON.parse(row.scenario) as Scenario).indicators ?? []) : [];
  }

  // Starting and finishing.

  async start(input: StartDrillInput, ctx: RequestContext, options: { scheduleId?: string } = {}): Promise<DrillDetail> {
    const id = await this.startDrill(input, ctx, options.scheduleId ?? null);
    return this.get(id);
  }

  private async startDrill(input: StartDrillInput, ctx: RequestContext, scheduleId: string | null, claim?: (trx: Executor, drillId: string) => Promise<boolean>): Promise<string> {
    const playbookOf = this.need('playbook');
    const createIncident = this.need('createIncident');
    const startRun = this.need('startRun');
    let playbook: DrillPlaybook;
    try {
      playbook = await playbookOf(input.playbookId);
    } catch (error) {
      if (error instanceof AppError && error.id === 'not_found') throw invalidField('/playbookId', `no playbook ${input.playbookId}`);
      throw error;
    }
    // The scenario shipped with the playbook (the 3CX case for the critical-compromise one) under what the drill was given.
    const given: Scenario = { ...shippedScenario(playbook.key), ...input.scenario };
    const derived = deriveScenario(playbook.when);
    const vendor = given.vendorId ? await this.repo().vendor(given.vendorId) : await this.repo().vendorToDrill(derived.tier);
    if (!vendor) {
      throw given.vendorId
        ? invalidField('/scenario/vendorId', `no vendor ${given.vendorId}`)
        : unprocessable(`no vendor of tier ${derived.tier} to drill against: add one, or name one in scenario.vendorId`, [{ field: '/scenario/vendorId', reason: `no vendor of tier ${derived.tier}` }]);
    }
    const scenario: Scenario = {
      title: given.title ?? `Drill: ${playbook.name} (${vendor.name})`,
      summary: given.summary ?? `Synthetic incident for a drill of playbook "${playbook.name}" version ${playbook.version}. Nothing here happened; effects are captured, not sent.`,
      severity: given.severity ?? derived.severity,
      source: given.source ?? derived.source,
      vendorId: vendor.id,
      productIds: given.productIds ?? [],
      impact: { dataCategories: derived.dataCategories, systems: [], ...given.impact },
      indicatorIds: given.indicatorIds ?? [],
      indicators: normaliseScenarioIndicators(given.indicators ?? []),
      answers: given.answers ?? {},
    };
    const id = newId();
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      if (claim && !(await claim(trx, id))) throw new AppError('conflict', 'the schedule was taken by another scheduler');
      const repo = this.repo(trx);
      await repo.insert({
        id,
        playbook_id: playbook.id,
        playbook_version: playbook.version,
        playbook_name: playbook.name,
        scenario: JSON.stringify(scenario),
        status: 'running',
        incident_id: null,
        run_id: null,
        vendor_id: vendor.id,
        schedule_id: scheduleId,
        started_by: ctx.actor.name,
        started_at: now,
        finished_by: null,
        finished_at: null,
        report: null,
      });
      const impact = scenario.impact ?? {};
      const incident = await createIncident(
        trx,
        {
          title: scenario.title!,
          summary: scenario.summary ?? '',
          source: scenario.source!,
          severity: scenario.severity!,
          vendorIds: [vendor.id],
          productIds: scenario.productIds ?? [],
          impact: { dataCategories: impact.dataCategories ?? [], systems: impact.systems ?? [], records: impact.records ?? null, serviceIds: impact.serviceIds ?? [] },
        },
        ctx,
        id,
      );
      if (scenario.indicatorIds?.length) {
        const link = this.need('linkIndicator');
        for (const indicatorId of scenario.indicatorIds) await link(trx, incident.id, indicatorId, ctx);
      }
      const run = await startRun(trx, incident.id, playbook.id, ctx, id);
      await repo.update(id, { incident_id: incident.id, run_id: run.id });
      await recordAudit(trx, ctx, {
        action: 'drill.start',
        entityType: 'drill',
        entityId: id,
        after: { playbookId: playbook.id, playbookVersion: playbook.version, playbookName: playbook.name, vendorId: vendor.id, incidentId: incident.id, runId: run.id, scheduleId },
      });
    });
    return id;
  }

  /** Freezes the report: the drill's record from then on. Finishing twice is a 409. */
  async finish(id: string, ctx: RequestContext): Promise<DrillDetail> {
    const row = await this.repo().byId(id);
    if (!row) throw notFound('drill', id);
    if (row.status !== 'running') throw new AppError('conflict', `drill ${id} is ${row.status}; only a running drill can be finished`);
    // Runs still waiting end first, so the frozen report shows them as they were left.
    const cancelRuns = this.need('cancelRuns');
    await this.db.transaction().execute((trx) => cancelRuns(trx, id, `the drill was finished by ${ctx.actor.name}`));
    const report = await this.report(row);
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const locked = await repo.byId(id, { lock: true });
      if (locked?.status !== 'running') throw new AppError('conflict', `drill ${id} is ${locked?.status}; only a running drill can be finished`);
      const now = new Date().toISOString();
      await repo.update(id, { status: 'finished', finished_at: now, finished_by: ctx.actor.name, report: JSON.stringify(report) });
      await recordAudit(trx, ctx, { action: 'drill.finish', entityType: 'drill', entityId: id, before: { status: 'running' }, after: { status: 'finished', summary: report.summary } });
    });
    return this.get(id);
  }

  /**
   * Drives a drill as far as it goes without people (the CLI): runs queued jobs with `drain`,
   * answers the tasks the scenario answers (and, with answerTasks, every other open task), and
   * repeats until nothing moves. A run that ended is finished; one waiting for people stays open.
   */
  async drive(id: string, options: { drain: () => Promise<number>; answerTasks?: boolean; maxRounds?: number }, ctx: RequestContext): Promise<DrillDetail> {
    const row = await this.repo().byId(id);
    if (!row) throw notFound('drill', id);
    const scenario = JSON.parse(row.scenario) as Scenario;
    const answers = scenario.answers ?? {};
    const tasksOf = this.need('tasks');
    const complete = this.need('completeTask');
    for (let round = 0; round < (options.maxRounds ?? 100); round++) {
      const ran = await options.drain();
      let answered = 0;
      if (row.incident_id) {
        for (const task of await tasksOf(row.incident_id)) {
          if (task.status !== 'open') continue;
          const key = task.stepId !== null && Object.hasOwn(answers, task.stepId) ? task.stepId : null;
          if (key === null && !options.answerTasks) continue;
          // A form-less task completes with no answer; a form gets the scenario's answer, or the form's own first choice of each field.
          const answer = key !== null ? answers[key] : task.form ? defaultAnswer(task.form) : undefined;
          await complete(row.incident_id, task.id, answer === true ? undefined : answer, ctx);
          answered++;
        }
      }
      if (!ran && !answered) break;
    }
    const runs = await this.runs(id);
    if (runs.length && runs.every((r) => !OPEN_RUN.includes(r.status))) return this.finish(id, ctx);
    return this.get(id);
  }

  private async runs(drillId: string): Promise<DrillRun[]> {
    return this.deps.runsOf ? this.deps.runsOf(drillId) : [];
  }

  /** The report as of now: steps planned vs actual, who responded when, what was captured. */
  private async report(row: DrillRow): Promise<DrillReport> {
    const now = new Date();
    const [runs, tasks, captured, playbook] = await Promise.all([
      this.runs(row.id),
      row.incident_id && this.deps.tasks ? this.deps.tasks(row.incident_id) : Promise.resolve([]),
      this.deps.captured ? this.deps.captured(row.id) : Promise.resolve([]),
      this.deps.playbook ? this.deps.playbook(row.playbook_id, Number(row.playbook_version)).catch(() => null) : Promise.resolve(null),
    ]);
    const run = runs.find((r) => r.id === row.run_id) ?? runs[0] ?? null;
    return buildReport({ startedAt: row.started_at, finishedAt: row.finished_at, run, tasks, captured, definition: playbook?.steps ?? [], now });
  }

  // Schedules.

  async schedules(): Promise<DrillSchedule[]> {
    const rows = await this.repo().schedules();
    return Promise.all(rows.map((r) => this.presentSchedule(r)));
  }

  private async presentSchedule(row: DrillSchedulesTable): Promise<DrillSchedule> {
    const name = this.deps.playbook ? await this.deps.playbook(row.playbook_id).then((p) => p.name, () => null) : null;
    return {
      id: row.id,
      tier: row.tier,
      playbookId: row.playbook_id,
      playbookName: name,
      everyDays: Number(row.every_days),
      nextRunAt: row.next_run_at,
      enabled: Boolean(row.enabled),
      lastDrillId: row.last_drill_id,
      lastError: row.last_error,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async createSchedule(input: CreateScheduleInput, ctx: RequestContext): Promise<DrillSchedule> {
    await this.checkPlaybook(input.playbookId);
    const id = newId();
    const now = new Date().toISOString();
    const row: DrillSchedulesTable = {
      id,
      tier: input.tier,
      playbook_id: input.playbookId,
      every_days: input.everyDays,
      next_run_at: input.nextRunAt ? new Date(input.nextRunAt).toISOString() : new Date(Date.now() + input.everyDays * DAY_MS).toISOString(),
      enabled: input.enabled === false ? 0 : 1,
      last_drill_id: null,
      last_error: null,
      created_by: ctx.actor.name,
      created_at: now,
      updated_at: now,
    };
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      if (await repo.scheduleFor(input.tier, input.playbookId)) throw new AppError('conflict', `tier ${input.tier} already has a drill schedule for this playbook`, [{ field: '/playbookId', reason: 'already scheduled for this tier' }]);
      await repo.insertSchedule(row);
      await recordAudit(trx, ctx, { action: 'drill-schedule.create', entityType: 'drill-schedule', entityId: id, after: scheduleAudit(row) });
    });
    return this.presentSchedule(row);
  }

  async updateSchedule(id: string, input: UpdateScheduleInput, ctx: RequestContext): Promise<DrillSchedule> {
    let updated: DrillSchedulesTable | undefined;
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await repo.schedule(id);
      if (!row) throw notFound('drill schedule', id);
      const changes: Partial<DrillSchedulesTable> = { updated_at: new Date().toISOString() };
      if (input.everyDays !== undefined) changes.every_days = input.everyDays;
      if (input.nextRunAt !== undefined) changes.next_run_at = new Date(input.nextRunAt).toISOString();
      if (input.enabled !== undefined) changes.enabled = input.enabled ? 1 : 0;
      await repo.updateSchedule(id, changes);
      updated = { ...row, ...changes };
      await recordAudit(trx, ctx, { action: 'drill-schedule.update', entityType: 'drill-schedule', entityId: id, before: scheduleAudit(row), after: scheduleAudit(updated) });
    });
    return this.presentSchedule(updated!);
  }

  async deleteSchedule(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await repo.schedule(id);
      if (!row) throw notFound('drill schedule', id);
      await repo.deleteSchedule(id);
      await recordAudit(trx, ctx, { action: 'drill-schedule.delete', entityType: 'drill-schedule', entityId: id, before: scheduleAudit(row) });
    });
  }

  private async checkPlaybook(id: string): Promise<void> {
    try {
      await this.need('playbook')(id);
    } catch (error) {
      if (error instanceof AppError && error.id === 'not_found') throw invalidField('/playbookId', `no playbook ${id}`);
      throw error;
    }
  }

  /**
   * The scheduler (every 10 minutes): starts a drill for each due schedule, against the vendor of
   * its tier drilled least recently, and moves the schedule on. The move and the drill commit
   * together, so a schedule fires once however many workers run this.
   */
  async runDue(ctx: RequestContext, now = new Date()): Promise<{ started: string[]; failed: Array<{ scheduleId: string; reason: string }> }> {
    const started: string[] = [];
    const failed: Array<{ scheduleId: string; reason: string }> = [];
    for (const schedule of await this.repo().dueSchedules(now.toISOString())) {
      const next = nextRunAfter(schedule.next_run_at, Number(schedule.every_days), now);
      try {
        const vendor = await this.repo().vendorToDrill(schedule.tier);
        if (!vendor) throw unprocessable(`no vendor of tier ${schedule.tier} to drill against`);
        const id = await this.startDrill({ playbookId: schedule.playbook_id, scenario: { vendorId: vendor.id } }, ctx, schedule.id, (trx, drillId) =>
          this.repo(trx).claimSchedule(schedule.id, schedule.next_run_at, { next_run_at: next, last_drill_id: drillId, last_error: null, updated_at: now.toISOString() }),
        );
        started.push(id);
      } catch (error) {
        if (error instanceof AppError && error.id === 'conflict') continue;
        const reason = (error as Error).message;
        // A schedule that cannot start (no vendor of the tier, the playbook gone) says why and tries again next period instead of every run.
        if (await this.repo().claimSchedule(schedule.id, schedule.next_run_at, { next_run_at: next, last_error: reason, updated_at: now.toISOString() })) failed.push({ scheduleId: schedule.id, reason });
      }
    }
    return { started, failed };
  }
}

/** What --answer-tasks answers to a form: yes, the first option, zero, today, "drill". */
export function defaultAnswer(form: unknown): Record<string, unknown> {
  const fields = (form as { fields?: Array<{ id: string; type: string; options?: string[] }> } | null)?.fields ?? [];
  const answer: Record<string, unknown> = {};
  for (const f of fields) {
    answer[f.id] = f.type === 'boolean' ? true : f.type === 'number' ? 0 : f.type === 'date' ? new Date().toISOString().slice(0, 10) : f.type === 'choice' ? f.options?.[0] : 'drill';
  }
  return answer;
}

/** The first run time after `now` on the schedule's grid (a scheduler that was down does not fire a backlog). */
export function nextRunAfter(dueAt: string, everyDays: number, now: Date): string {
  const period = everyDays * DAY_MS;
  const due = Date.parse(dueAt);
  const periods = Math.max(1, Math.floor((now.getTime() - due) / period) + 1);
  return new Date(due + periods * period).toISOString();
}

/**
 * A scenario the playbook's trigger accepts, read from the literals of its `when` expression: the
 * most severe severity it names, the first source and tier, and the data categories it tests.
 * Where the expression names none, a critical manual incident about a T1 vendor.
 */
export function deriveScenario(when: string | null): { severity: (typeof SEVERITIES)[number]; source: (typeof SOURCES)[number]; tier: (typeof TIERS)[number]; dataCategories: string[] } {
  const text = (when ?? '').slice(0, 2000);
  const literals = [...text.matchAll(/'((?:[^'\\]|\\.){0,200})'|"((?:[^"\\]|\\.){0,200})"/g)].map((m) => m[1] ?? m[2]);
  const first = <T extends string>(options: readonly T[], near: string): T | undefined =>
    new RegExp(`\\b${near}\\b`).test(text) ? options.find((o) => literals.includes(o)) : undefined;
  const categories = new Set<string>();
  const q = `'((?:[^'\\\\]|\\\\.){1,100})'|"((?:[^"\\\\]|\\\\.){1,100})"`;
  for (const pattern of [
    new RegExp(`(?:${q})\\s+in\\s+[\\w.]*dataCategories`, 'g'),
    new RegExp(`contains\\(\\s*[\\w.]*dataCategories\\s*,\\s*(?:${q})`, 'g'),
  ]) {
    for (const m of text.matchAll(pattern)) categories.add(m[1] ?? m[2]);
  }
  return {
    severity: first(SEVERITIES, 'severity') ?? 'critical',
    source: first(SOURCES, 'source') ?? 'manual',
    tier: first(TIERS, 'tier') ?? 'T1',
    dataCategories: [...categories].filter((c) => !(SCENARIO_INDICATOR_TYPES as readonly string[]).includes(c)),
  };
}

const seconds = (from: string | null, to: string | null | Date): number | null => {
  if (!from || !to) return null;
  const end = to instanceof Date ? to.getTime() : Date.parse(to);
  return Math.max(0, Math.round((end - Date.parse(from)) / 1000));
};

/** Pure: the report from what the run, the incident's tasks and the captures say. */
export function buildReport(input: {
  startedAt: string;
  finishedAt: string | null;
  run: DrillRun | null;
  tasks: DrillTask[];
  captured: DrillCaptured[];
  definition: DrillPlaybookStep[];
  now: Date;
}): DrillReport {
  const { run, now } = input;
  const tasks = run ? input.tasks.filter((t) => t.runId === null || t.runId === run.id) : input.tasks;
  // The latest attempt of each step is the one that counts.
  const runSteps = new Map<string, DrillRunStep>();
  for (const s of run?.steps ?? []) runSteps.set(s.stepId, s);
  const ids = [...input.definition.map((d) => d.id), ...[...runSteps.keys()].filter((k) => !input.definition.some((d) => d.id === k))];
  const steps = ids.map((stepId) => {
    const def = input.definition.find((d) => d.id === stepId);
    const done = runSteps.get(stepId);
    const stepTasks = tasks.filter((t) => t.stepId === stepId);
    // A step that hands work to people lasts until its tasks are done, not until the task was made.
    const from = stepTasks.map((t) => t.createdAt).filter((x): x is string => Boolean(x)).sort()[0] ?? done?.startedAt ?? null;
    const open = stepTasks.some((t) => t.status === 'open');
    const to = stepTasks.length ? (open ? now : (stepTasks.map((t) => t.completedAt).filter((x): x is string => Boolean(x)).sort().pop() ?? done?.finishedAt ?? null)) : (done?.finishedAt ?? (done?.startedAt ? now : null));
    const actualSeconds = seconds(from, to);
    const plannedSeconds = def?.dueSeconds ?? null;
    const overrunSeconds = plannedSeconds !== null && actualSeconds !== null ? Math.max(0, actualSeconds - plannedSeconds) : 0;
    return {
      stepId,
      type: def?.type ?? 'unknown',
      // The task holds the title as rendered for this incident ("Isolate Acme hosts", not "{{vendor.name}}").
      title: stepTasks[0]?.title ?? def?.title ?? null,
      team: def?.team ?? null,
      status: done?.status ?? 'pending',
      startedAt: done?.startedAt ?? null,
      finishedAt: done?.finishedAt ?? null,
      plannedSeconds,
      actualSeconds,
      overrun: overrunSeconds > 0,
      overrunSeconds,
      error: done?.error ?? null,
    };
  });
  const responses = tasks.map((t) => ({
    taskId: t.id,
    stepId: t.stepId,
    team: t.team,
    title: t.title,
    owner: t.owner,
    status: t.status,
    createdAt: t.createdAt,
    dueAt: t.dueAt,
    completedBy: t.completedBy,
    completedAt: t.completedAt,
    secondsToRespond: seconds(t.createdAt, t.completedAt),
    overdue: t.dueAt !== null && Date.parse(t.completedAt ?? now.toISOString()) > Date.parse(t.dueAt),
  }));
  const count = (kind: DrillCaptured['kind']) => input.captured.filter((c) => c.kind === kind).length;
  return {
    generatedAt: now.toISOString(),
    durationSeconds: seconds(input.startedAt, input.finishedAt ?? now),
    run: run ? { id: run.id, status: run.status, playbookVersion: run.playbookVersion } : null,
    steps,
    responses,
    captured: input.captured,
    summary: {
      steps: steps.length,
      stepsDone: steps.filter((s) => s.status === 'done').length,
      stepsWaiting: steps.filter((s) => s.status === 'waiting' || s.status === 'running').length,
      stepsFailed: steps.filter((s) => s.status === 'failed').length,
      overruns: steps.filter((s) => s.overrun).length,
      tasks: responses.length,
      tasksDone: responses.filter((r) => r.status === 'done').length,
      notifications: count('notification'),
      webhooks: count('webhook'),
      blocks: count('block'),
      questionnaires: count('questionnaire'),
    },
  };
}

function presentDrill(row: DrillRow): Drill {
  return {
    id: row.id,
    playbookId: row.playbook_id,
    playbookName: row.playbook_name,
    playbookVersion: Number(row.playbook_version),
    status: row.status,
    incidentId: row.incident_id,
    runId: row.run_id,
    vendorId: row.vendor_id,
    vendorName: row.vendor_name,
    scheduleId: row.schedule_id,
    startedBy: row.started_by,
    startedAt: row.started_at,
    finishedBy: row.finished_by,
    finishedAt: row.finished_at,
  };
}

function scheduleAudit(row: DrillSchedulesTable) {
  return { tier: row.tier, playbookId: row.playbook_id, everyDays: Number(row.every_days), nextRunAt: row.next_run_at, enabled: Boolean(row.enabled) };
}
