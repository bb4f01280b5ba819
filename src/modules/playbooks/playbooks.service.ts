import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, invalidField, notFound, validationError, type FieldProblem } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import { ExpressionError, test } from './playbooks.expression.js';
import { unifiedDiff } from './playbooks.diff.js';
import { PlaybookEngine, STEP_JOB } from './playbooks.engine.js';
import { fallthrough, parsePlaybook, type PlaybookDocument } from './playbooks.model.js';
import { PlaybookRepository, type PlaybookVersionRow } from './playbooks.repository.js';
import type { PlaybookRunsTable, PlaybookRunStepsTable } from './playbooks.tables.js';

export { STEP_JOB };

/** created_by of the versions Thirdwatch wrote from a shipped playbook. */
export const SHIPPED_BY = 'thirdwatch (shipped playbook)';

export interface PlaybookSummary {
  id: string;
  key: string | null;
  name: string;
  description: string | null;
  enabled: boolean;
  version: number;
  on: string[];
  when: string | null;
  stepCount: number;
  stepTypes: string[];
  updatedAt: string;
}

export interface PlaybookDetail extends PlaybookSummary {
  currentVersion: number;
  yaml: string;
  document: PlaybookDocument;
  createdAt: string;
  createdBy: string;
  versions: Array<{ version: number; createdAt: string; createdBy: string; sha256: string }>;
  /** The step graph for a visual view: where each step can go (`to` a step id or end), and on what. */
  edges: Array<{ from: string; to: string; when: string | null; kind: 'next' | 'branch' }>;
}

export interface RunStep {
  stepId: string;
  type: string;
  seq: number;
  status: string;
  attempt: number;
  taskId: string | null;
  wakeAt: string | null;
  output: unknown;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface RunDetail {
  id: string;
  playbookId: string;
  playbookName: string;
  playbookVersion: number;
  incidentId: string;
  status: string;
  drillId: string | null;
  trigger: string;
  error: string | null;
  createdBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** The steps the run reached, in order, then the ones it has not reached (status "not reached"). */
  steps: RunStep[];
}

/** Incident events the module listens to (IncidentService.onEvent). */
export interface PlaybookIncidentEvent {
  type: string;
  incidentId: string;
  drillId: string | null;
  taskId?: string;
}

function edgesOf(doc: PlaybookDocument): PlaybookDetail['edges'] {
  return doc.steps.flatMap((step, i) => [
    ...('branches' in step && step.branches ? step.branches.map((b) => ({ from: step.id, to: b.next, when: b.when ?? null, kind: 'branch' as const })) : []),
    { from: step.id, to: fallthrough(doc, i), when: null, kind: 'next' as const },
  ]);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function summaryOf(row: PlaybookVersionRow): PlaybookSummary {
  const doc = JSON.parse(row.document) as PlaybookDocument;
  return {
    id: row.playbook_id,
    key: row.key,
    name: doc.name,
    description: doc.description ?? null,
    enabled: Number(row.enabled) === 1,
    version: Number(row.version),
    on: doc.on,
    when: doc.when ?? null,
    stepCount: doc.steps.length,
    stepTypes: [...new Set(doc.steps.map((s) => s.type))],
    updatedAt: row.updated_at,
  };
}

const SHIPPED_DIR = [new URL('./shipped/', import.meta.url), new URL('../../../src/modules/playbooks/shipped/', import.meta.url)].map((u) => fileURLToPath(u)).find((dir) => existsSync(dir));

/** The playbooks shipped with Thirdwatch (src/modules/playbooks/shipped/*.yaml), by key (the file name). */
export function shippedPlaybooks(): Array<{ key: string; yaml: string }> {
  if (!SHIPPED_DIR) return [];
  return readdirSync(SHIPPED_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ key: f.replace(/\.yaml$/, ''), yaml: readFileSync(`${SHIPPED_DIR}/${f}`, 'utf8') }));
}

/**
 * Playbooks: versioned YAML documents (every save that changes the text appends a version; a run
 * keeps the version it started with), their runs on incidents, and the triggers that start them.
 */
export class PlaybookService {
  readonly engine: PlaybookEngine;
  private templateKeys: () => Promise<Set<string>> = async () => new Set();

  constructor(
    private readonly db: Kysely<DB>,
    jobs: JobQueue,
    private readonly logger: Logger,
  ) {
    this.engine = new PlaybookEngine(db, jobs, logger);
  }

  /** The questionnaire template keys a questionnaire step may name (the questionnaires module). */
  useTemplateKeys(source: () => Promise<Set<string>>): void {
    this.templateKeys = source;
  }

  private repo(executor: Executor = this.db) {
    return new PlaybookRepository(executor);
  }

  async list(): Promise<PlaybookSummary[]> {
    return (await this.repo().current()).map(summaryOf);
  }

  async get(id: string, version?: number): Promise<PlaybookDetail> {
    const row = await this.repo().version(id, version);
    if (!row) throw version === undefined ? notFound('playbook', id) : notFound(`version ${version} of playbook`, id);
    const history = await this.repo().history(id);
    return {
      ...summaryOf(row),
      currentVersion: Number(row.current_version),
      yaml: row.yaml,
      document: JSON.parse(row.document) as PlaybookDocument,
      createdAt: row.created_at,
      createdBy: row.created_by,
      versions: history.map((h) => ({ version: Number(h.version), createdAt: h.created_at, createdBy: h.created_by, sha256: h.content_sha256 })),
      edges: edgesOf(JSON.parse(row.document) as PlaybookDocument),
    };
  }

  async versions(id: string): Promise<PlaybookDetail['versions']> {
    if (!(await this.repo().playbook(id))) throw notFound('playbook', id);
    return (await this.get(id)).versions;
  }

  /** A unified diff of the YAML between two versions (default: the one before `to`, and the current one). */
  async diff(id: string, query: { from?: number; to?: number }): Promise<{ from: number; to: number; diff: string }> {
    const playbook = await this.repo().playbook(id);
    if (!playbook) throw notFound('playbook', id);
    const to = query.to ?? Number(playbook.current_version);
    const from = query.from ?? Math.max(1, to - 1);
    const [a, b] = await Promise.all([this.repo().version(id, from), this.repo().version(id, to)]);
    if (!a) throw invalidField('from', `playbook ${id} has no version ${from}`);
    if (!b) throw invalidField('to', `playbook ${id} has no version ${to}`);
    return { from, to, diff: unifiedDiff(a.yaml, b.yaml, { from: `${playbook.name} v${from}`, to: `${playbook.name} v${to}` }) };
  }

  /** Parses and checks a playbook (schema, meaning, known questionnaire templates) without saving it. */
  async check(yaml: string): Promise<{ ok: true; document: PlaybookDocument } | { ok: false; problems: FieldProblem[] }> {
    const parsed = parsePlaybook(yaml);
    if (!parsed.ok) return parsed;
    const known = await this.templateKeys();
    const problems: FieldProblem[] = [];
    parsed.document.steps.forEach((step, i) => {
      if (step.type === 'questionnaire' && known.size && !known.has(step.template)) {
        problems.push({ field: `/steps/${i}/template`, reason: `names no questionnaire template (known: ${[...known].sort().join(', ')})` });
      }
    });
    return problems.length ? { ok: false, problems } : parsed;
  }

  private async valid(yaml: string): Promise<PlaybookDocument> {
    const checked = await this.check(yaml);
    if (!checked.ok) throw validationError(`the playbook is not valid: ${checked.problems[0].field} ${checked.problems[0].reason}`, checked.problems);
    return checked.document;
  }

  async create(yaml: string, ctx: RequestContext): Promise<PlaybookDetail> {
    const document = await this.valid(yaml);
    const id = newId();
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await repo.insertPlaybook({ id, key: null, name: document.name, enabled: 1, current_version: 1, shipped_sha256: null, created_by: ctx.actor.name, created_at: now, updated_at: now });
      await repo.insertVersion({ playbook_id: id, version: 1, yaml, document: JSON.stringify(document), content_sha256: sha256(yaml), created_by: ctx.actor.name, created_at: now });
      await recordAudit(trx, ctx, { action: 'playbook.create', entityType: 'playbook', entityId: id, after: { name: document.name, version: 1, sha256: sha256(yaml), steps: document.steps.length } });
    });
    return this.get(id);
  }

  /**
   * Saves the YAML as the next version. Unchanged text writes nothing; baseVersion, when given, must
   * still be the current version (409 otherwise: someone saved in between).
   */
  async update(id: string, input: { yaml: string; baseVersion?: number }, ctx: RequestContext): Promise<PlaybookDetail> {
    const document = await this.valid(input.yaml);
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const current = await repo.version(id);
      if (!current) throw notFound('playbook', id);
      const from = Number(current.version);
      if (input.baseVersion !== undefined && input.baseVersion !== from) {
        throw conflict(`version ${from} of this playbook was saved after version ${input.baseVersion} you edited: reload it and apply your changes again`);
      }
      if (sha256(input.yaml) === current.content_sha256) return;
      const now = new Date().toISOString();
      if (!(await repo.advance(id, from, { name: document.name, updated_at: now }))) throw conflict('someone saved a new version of this playbook at the same moment: reload it and apply your changes again');
      await repo.insertVersion({ playbook_id: id, version: from + 1, yaml: input.yaml, document: JSON.stringify(document), content_sha256: sha256(input.yaml), created_by: ctx.actor.name, created_at: now });
      await recordAudit(trx, ctx, {
        action: 'playbook.version',
        entityType: 'playbook',
        entityId: id,
        before: { name: current.name, version: from, sha256: current.content_sha256 },
        after: { name: document.name, version: from + 1, sha256: sha256(input.yaml), steps: document.steps.length },
      });
    });
    return this.get(id);
  }

  async setEnabled(id: string, enabled: boolean, ctx: RequestContext): Promise<PlaybookDetail> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const playbook = await repo.playbook(id);
      if (!playbook) throw notFound('playbook', id);
      if ((Number(playbook.enabled) === 1) === enabled) return;
      await repo.setEnabled(id, enabled, new Date().toISOString());
      await recordAudit(trx, ctx, { action: enabled ? 'playbook.enable' : 'playbook.disable', entityType: 'playbook', entityId: id, before: { enabled: !enabled }, after: { enabled } });
    });
    return this.get(id);
  }

  /**
   * Brings the shipped playbooks in: creates missing ones (enabled), and when a release changed a
   * shipped playbook, adds it as a new version unless someone edited it here (theirs stays).
   */
  async syncShipped(ctx: RequestContext, shipped = shippedPlaybooks()): Promise<{ created: string[]; updated: string[]; kept: string[] }> {
    const outcome = { created: [] as string[], updated: [] as string[], kept: [] as string[] };
    for (const { key, yaml } of shipped) {
      // Every start runs this: a playbook already in is not parsed again (which is most of the cost).
      const digest = sha256(yaml);
      const existing = await this.repo().byKey(key);
      if (existing?.shipped_sha256 === digest) continue;
      const parsed = parsePlaybook(yaml);
      if (!parsed.ok) throw new Error(`shipped playbook ${key} is not valid: ${parsed.problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`);
      const document = parsed.document;
      await this.db.transaction().execute(async (trx) => {
        const repo = this.repo(trx);
        const now = new Date().toISOString();
        if (!existing) {
          const id = newId();
          if (!(await repo.insertPlaybook({ id, key, name: document.name, enabled: 1, current_version: 1, shipped_sha256: digest, created_by: SHIPPED_BY, created_at: now, updated_at: now }))) return;
          await repo.insertVersion({ playbook_id: id, version: 1, yaml, document: JSON.stringify(document), content_sha256: digest, created_by: SHIPPED_BY, created_at: now });
          await recordAudit(trx, ctx, { action: 'playbook.ship', entityType: 'playbook', entityId: id, after: { key, name: document.name, version: 1, sha256: digest } });
          outcome.created.push(key);
          return;
        }
        const current = await repo.version(existing.id);
        if (!current || current.created_by !== SHIPPED_BY) {
          outcome.kept.push(key);
          return;
        }
        const from = Number(current.version);
        if (!(await repo.advance(existing.id, from, { name: document.name, updated_at: now, shipped_sha256: digest }))) return;
        await repo.insertVersion({ playbook_id: existing.id, version: from + 1, yaml, document: JSON.stringify(document), content_sha256: digest, created_by: SHIPPED_BY, created_at: now });
        await recordAudit(trx, ctx, { action: 'playbook.ship', entityType: 'playbook', entityId: existing.id, before: { version: from, sha256: current.content_sha256 }, after: { key, version: from + 1, sha256: digest } });
        outcome.updated.push(key);
      });
    }
    return outcome;
  }

  // Runs ------------------------------------------------------------------------------------------

  /**
   * Starts a run of the playbook's current version (or `version`) on the incident, in the caller's
   * transaction. Drills pass drillId: every effect of the run is then captured, not sent.
   */
  async startRun(
    trx: Executor,
    incidentId: string,
    playbookId: string,
    ctx: RequestContext,
    options: { drillId?: string | null; version?: number; trigger?: string } = {},
  ): Promise<{ runId: string }> {
    const repo = this.repo(trx);
    const playbook = await repo.playbook(playbookId);
    if (!playbook) throw notFound('playbook', playbookId);
    const version = options.version ?? Number(playbook.current_version);
    if (!(await repo.version(playbookId, version))) throw notFound(`version ${version} of playbook`, playbookId);
    const drillId = options.drillId ?? null;
    const runId = (await this.engine.start(trx, { playbookId, version, incidentId, drillId, trigger: options.trigger ?? (drillId ? 'drill' : 'manual'), triggerKey: null, createdBy: ctx.actor.name }))!;
    await recordAudit(trx, ctx, { action: 'playbook-run.start', entityType: 'playbook-run', entityId: runId, after: { playbookId, version, incidentId, drillId } });
    return { runId };
  }

  /** Runs of an incident or of a drill, newest first, each with its steps. */
  async runsOf(filter: { incidentId?: string; drillId?: string }, executor: Executor = this.db): Promise<RunDetail[]> {
    if (!filter.incidentId && !filter.drillId) return [];
    return this.present(executor, await this.repo(executor).runs(filter));
  }

  async listRuns(query: { incidentId?: string; drillId?: string; playbookId?: string; status?: string; limit?: number; cursor?: string }): Promise<{ items: RunDetail[]; nextCursor: string | null }> {
    const limit = query.limit ?? 50;
    const rows = await this.repo().runs({ ...query, limit: limit + 1, before: query.cursor });
    const page = rows.slice(0, limit);
    return { items: await this.present(this.db, page), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }

  async getRun(id: string): Promise<RunDetail> {
    const row = await this.repo().run(id);
    if (!row) throw notFound('playbook run', id);
    return (await this.present(this.db, [row]))[0];
  }

  private async present(executor: Executor, rows: PlaybookRunsTable[]): Promise<RunDetail[]> {
    const steps = await this.repo(executor).steps(rows.map((r) => r.id));
    const byRun = new Map<string, PlaybookRunStepsTable[]>();
    for (const s of steps) byRun.set(s.run_id, [...(byRun.get(s.run_id) ?? []), s]);
    const out: RunDetail[] = [];
    for (const r of rows) {
      const doc = await this.engine.document(executor, r.playbook_id, Number(r.playbook_version));
      const reached = byRun.get(r.id) ?? [];
      const seen = new Set(reached.map((s) => s.step_id));
      out.push({
        id: r.id,
        playbookId: r.playbook_id,
        playbookName: doc.name,
        playbookVersion: Number(r.playbook_version),
        incidentId: r.incident_id,
        status: r.status,
        drillId: r.drill_id,
        trigger: r.trigger,
        error: r.error,
        createdBy: r.created_by,
        startedAt: r.started_at,
        updatedAt: r.updated_at,
        finishedAt: r.finished_at,
        steps: [
          ...reached.map((s) => ({
            stepId: s.step_id,
            type: s.type,
            seq: Number(s.seq),
            status: s.status,
            attempt: Number(s.attempt),
            taskId: s.task_id,
            wakeAt: s.wake_at,
            output: s.output === null ? null : (JSON.parse(s.output) as unknown),
            error: s.error,
            createdAt: s.created_at,
            startedAt: s.started_at,
            finishedAt: s.finished_at,
            durationMs: s.finished_at ? Date.parse(s.finished_at) - Date.parse(s.started_at ?? s.created_at) : null,
          })),
          ...doc.steps
            .filter((s) => !seen.has(s.id))
            .map((s) => ({ stepId: s.id, type: s.type, seq: -1, status: 'not reached', attempt: 0, taskId: null, wakeAt: null, output: null, error: null, createdAt: r.started_at, startedAt: null, finishedAt: null, durationMs: null })),
        ],
      });
    }
    return out;
  }

  // Incident events (IncidentService.onEvent; in the writer's transaction) -------------------------

  async onIncidentEvent(trx: Executor, event: PlaybookIncidentEvent, ctx: RequestContext): Promise<void> {
    if (event.type === 'task.completed' && event.taskId) {
      await this.engine.taskCompleted(trx, event.taskId);
      return;
    }
    if (event.type === 'incident.updated' || event.type === 'incident.status') await this.engine.incidentChanged(trx, event.incidentId);
    if (event.type === 'incident.created' || event.type === 'incident.updated') await this.trigger(trx, event, ctx);
  }

  /**
   * Starts every enabled playbook whose `on` names the event and whose `when` holds, once per
   * incident. Drill incidents start nothing by themselves: the drill starts the playbook it runs.
   */
  private async trigger(trx: Executor, event: PlaybookIncidentEvent, ctx: RequestContext): Promise<void> {
    if (event.drillId) return;
    const repo = this.repo(trx);
    const candidates = (await repo.current({ enabled: true })).filter((row) => (JSON.parse(row.document) as PlaybookDocument).on.includes(event.type as PlaybookDocument['on'][number]));
    if (!candidates.length) return;
    const started = await repo.playbooksRunOn(event.incidentId);
    const due = candidates.filter((row) => !started.has(row.playbook_id));
    if (!due.length) return;
    const facts = await this.engine.facts(trx, event.incidentId);
    if (!facts) return;
    const context = this.engine.contextOf(facts);
    for (const row of due) {
      const doc = JSON.parse(row.document) as PlaybookDocument;
      try {
        if (doc.when !== undefined && !test(this.engine.condition(doc.when), context)) continue;
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        this.logger.warn({ playbookId: row.playbook_id, err: error }, 'playbook trigger condition stopped');
        continue;
      }
      const runId = await this.engine.start(trx, {
        playbookId: row.playbook_id,
        version: Number(row.version),
        incidentId: event.incidentId,
        drillId: null,
        trigger: event.type,
        triggerKey: `auto:${event.incidentId}:${row.playbook_id}`,
        createdBy: ctx.actor.name,
      });
      if (runId) await recordAudit(trx, ctx, { action: 'playbook-run.start', entityType: 'playbook-run', entityId: runId, after: { playbookId: row.playbook_id, version: Number(row.version), incidentId: event.incidentId, trigger: event.type } });
    }
  }
}
