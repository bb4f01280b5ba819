import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { parse as parseDomain } from 'tldts';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import type { JobRun } from '../../platform/jobs/worker.js';
import { EffectUnavailable, type IncidentFacts, type PlaybookEffects, type PlaybookForm } from './playbooks.effects.js';
import { ExpressionError, parseExpression, test, type ExpressionContext, type Node } from './playbooks.expression.js';
import { END, durationMs, fallthrough, renderText, type PlaybookDocument, type Step } from './playbooks.model.js';
import { PlaybookRepository } from './playbooks.repository.js';
import type { PlaybookRunsTable, PlaybookRunStepsTable } from './playbooks.tables.js';

const EFFECTS: Array<keyof PlaybookEffects> = ['facts', 'addTask', 'taskAnswer', 'update', 'setStatus', 'addEvent', 'notify', 'webhook', 'block', 'questionnaire'];

/** The durable job that executes one step of one run. */
export const STEP_JOB = 'playbooks.step';
const STEP_ATTEMPTS = 5;

/** An approval step's task asks this; its branches read answer.approved and answer.comment. */
const APPROVAL_FORM: PlaybookForm = {
  fields: [
    { id: 'approved', label: 'Approve?', type: 'boolean', required: true },
    { id: 'comment', label: 'Comment', type: 'text', required: false },
  ],
};

export interface StepJobPayload {
  runId: string;
  stepId: string;
}

type Outcome =
  | { status: 'done'; output: unknown; next?: string }
  | { status: 'skipped'; output: unknown }
  | { status: 'waiting'; output: unknown; taskId?: string; wakeAt?: string | null };

/** The actor a run's effects are recorded as (audit trail, timeline): the playbook itself. */
export function runContext(playbookName: string, version: number): RequestContext {
  return { actor: { type: 'system', id: null, name: `playbook: ${playbookName} v${version}`, role: 'admin' }, requestId: null };
}

/**
 * Executes runs. A run advances one step at a time: each step is a `playbooks.step` job whose
 * transaction reads the step's row, does the step's effects, marks the row and enqueues the next
 * step's job, and completes the job: all or nothing. A worker killed mid-step leaves nothing
 * behind, and the job (its lease expired) runs the step again; a step already marked done is not
 * done again. Approval and input steps wait for their incident task to be completed; wait steps
 * wake on incident changes and at their time.
 */
export class PlaybookEngine {
  private effects: Partial<PlaybookEffects> = {};
  private readonly documents = new Map<string, PlaybookDocument>();
  private readonly conditions = new Map<string, Node>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly jobs: JobQueue,
    private readonly logger: Logger,
  ) {}

  /** Wires the other modules' services (src/app/thirdwatch.ts); later calls add to earlier ones. */
  useEffects(effects: Partial<PlaybookEffects>): void {
    this.effects = { ...this.effects, ...effects };
  }

  /** Throws at start when the composition root left an effect unwired: no step may meet a missing one at run time. */
  assertWired(): void {
    const missing = EFFECTS.filter((name) => !this.effects[name]);
    if (missing.length) throw new Error(`playbook effects not wired: ${missing.join(', ')}`);
  }

  private effect<K extends keyof PlaybookEffects>(name: K): PlaybookEffects[K] {
    const fn = this.effects[name];
    if (!fn) throw new EffectUnavailable(name);
    return fn;
  }

  /** Versions never change, so their parsed documents are cached by (playbook, version). */
  async document(executor: Executor, playbookId: string, version: number): Promise<PlaybookDocument> {
    const key = `${playbookId}@${version}`;
    let doc = this.documents.get(key);
    if (!doc) {
      const row = await new PlaybookRepository(executor).version(playbookId, version);
      if (!row) throw new Error(`playbook ${playbookId} has no version ${version}`);
      doc = JSON.parse(row.document) as PlaybookDocument;
      this.documents.set(key, doc);
    }
    return doc;
  }

  condition(source: string): Node {
    let node = this.conditions.get(source);
    if (!node) {
      node = parseExpression(source);
      if (this.conditions.size > 5000) this.conditions.clear();
      this.conditions.set(source, node);
    }
    return node;
  }

  async facts(trx: Executor, incidentId: string): Promise<IncidentFacts | null> {
    return this.effect('facts')(trx, incidentId);
  }

  /** What expressions see: the incident, its vendor, its indicators' types and domains, and the latest answer. */
  contextOf(facts: IncidentFacts, answer: unknown = null): ExpressionContext {
    const types = [...new Set(facts.indicators.map((i) => i.type))].sort();
    return {
      incident: { ...facts.incident, drill: facts.incident.drillId !== null },
      vendor: facts.vendor,
      indicators: { types, domains: domainsOf(facts.indicators, ['domain']), count: facts.indicators.length },
      answer,
    };
  }

  /** Starts a run at its first step, in the caller's transaction; null when trigger_key says it already started. */
  async start(
    trx: Executor,
    input: { playbookId: string; version: number; incidentId: string; drillId: string | null; trigger: string; triggerKey: string | null; createdBy: string },
  ): Promise<string | null> {
    const doc = await this.document(trx, input.playbookId, input.version);
    const repo = new PlaybookRepository(trx);
    const now = new Date().toISOString();
    const id = newId();
    const inserted = await repo.insertRun({
      id,
      playbook_id: input.playbookId,
      playbook_version: input.version,
      incident_id: input.incidentId,
      status: 'running',
      drill_id: input.drillId,
      trigger: input.trigger,
      trigger_key: input.triggerKey,
      answer: null,
      error: null,
      created_by: input.createdBy,
      started_at: now,
      updated_at: now,
      finished_at: null,
    });
    if (!inserted) return null;
    if (this.effects.addEvent) {
      const text = `Playbook ${doc.name} v${input.version} started (${input.trigger})`;
      await this.effects.addEvent(trx, input.incidentId, { kind: 'playbook', text, data: { runId: id, playbookId: input.playbookId, version: input.version } }, runContext(doc.name, input.version));
    }
    await this.reach(trx, id, doc.steps[0], now);
    return id;
  }

  /** Adds the step's row (pending) and its job; reaching a step twice does nothing the second time. */
  private async reach(trx: Executor, runId: string, step: Step, now: string): Promise<void> {
    const repo = new PlaybookRepository(trx);
    const seq = await repo.stepCount(runId);
    const added = await repo.insertStep({ run_id: runId, step_id: step.id, seq, type: step.type, status: 'pending', attempt: 0, task_id: null, wake_at: null, output: null, error: null, created_at: now, started_at: null, finished_at: null });
    if (added) await this.jobs.enqueue(STEP_JOB, { runId, stepId: step.id } satisfies StepJobPayload, { idempotencyKey: `playbook-step:${runId}:${step.id}`, maxAttempts: STEP_ATTEMPTS }, trx);
  }

  /** The `playbooks.step` job handler. */
  async runStepJob(payload: StepJobPayload, run: JobRun): Promise<unknown> {
    const attempt = Number(run.job.attempts);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const result = await this.step(trx, payload, attempt);
        await run.finish(trx, result);
        return result;
      });
    } catch (error) {
      const permanent = error instanceof ExpressionError || error instanceof EffectUnavailable || (error instanceof AppError && error.status < 500);
      if (!permanent && attempt < Number(run.job.max_attempts)) throw error;
      // The step's failure is the run's state from now on: recorded, with the job's end, in one transaction.
      const message = (error as Error).message.slice(0, 2000);
      this.logger.warn({ runId: payload.runId, stepId: payload.stepId, err: error }, 'playbook step failed');
      await this.db.transaction().execute(async (trx) => {
        await this.failStep(trx, payload, message, attempt);
        await run.finish(trx, { failed: message });
      });
      return { failed: message };
    }
  }

  private async failStep(trx: Executor, payload: StepJobPayload, message: string, attempt: number): Promise<void> {
    const repo = new PlaybookRepository(trx);
    const runRow = await repo.run(payload.runId, { lock: true });
    const stepRow = await repo.step(payload.runId, payload.stepId);
    if (!runRow || !stepRow || stepRow.status === 'done' || stepRow.status === 'skipped') return;
    const now = new Date().toISOString();
    await repo.updateStep(payload.runId, payload.stepId, { status: 'failed', error: message, attempt, finished_at: now });
    await repo.updateRun(payload.runId, { status: 'failed', error: `step ${payload.stepId}: ${message}`, updated_at: now, finished_at: now });
    const ctx = await this.ctxOf(trx, runRow);
    if (this.effects.addEvent) {
      await this.effects.addEvent(trx, runRow.incident_id, { kind: 'playbook', text: `Playbook step ${payload.stepId} failed: ${message}`, data: { runId: runRow.id, stepId: payload.stepId } }, ctx);
    }
  }

  private async ctxOf(executor: Executor, runRow: PlaybookRunsTable): Promise<RequestContext> {
    const playbook = await new PlaybookRepository(executor).playbook(runRow.playbook_id);
    return runContext(playbook?.name ?? runRow.playbook_id, Number(runRow.playbook_version));
  }

  /** One step, in the job's transaction. */
  private async step(trx: Executor, payload: StepJobPayload, attempt: number): Promise<unknown> {
    const repo = new PlaybookRepository(trx);
    const runRow = await repo.run(payload.runId, { lock: true });
    if (!runRow || (runRow.status !== 'running' && runRow.status !== 'waiting')) return { ignored: 'the run has ended' };
    const stepRow = await repo.step(payload.runId, payload.stepId);
    if (!stepRow) return { ignored: 'the run never reached this step' };
    if (stepRow.status === 'done' || stepRow.status === 'skipped' || stepRow.status === 'failed') return { ignored: `the step is already ${stepRow.status}` };
    const doc = await this.document(trx, runRow.playbook_id, Number(runRow.playbook_version));
    const index = doc.steps.findIndex((s) => s.id === payload.stepId);
    const step = doc.steps[index];
    const facts = await this.facts(trx, runRow.incident_id);
    if (!facts) throw new AppError('not_found', `incident ${runRow.incident_id} of the run does not exist`);
    const answer = runRow.answer === null ? null : (JSON.parse(runRow.answer) as unknown);
    const context = this.contextOf(facts, answer);
    const ctx = await this.ctxOf(trx, runRow);
    const now = new Date();
    let outcome: Outcome;
    if (stepRow.status === 'waiting') {
      if (step.type !== 'wait') return { ignored: 'the step waits for its task' };
      outcome = this.recheckWait(step, stepRow, context, now);
      if (outcome.status === 'waiting') return { waiting: true };
    } else {
      await repo.updateStep(runRow.id, step.id, { attempt, started_at: stepRow.started_at ?? now.toISOString() });
      outcome = step.when !== undefined && !test(this.condition(step.when), context)
        ? { status: 'skipped', output: { reason: 'its condition did not hold' } }
        : await this.execute(trx, step, { run: runRow, facts, context, ctx, now, playbookName: doc.name });
    }
    const at = now.toISOString();
    if (outcome.status === 'waiting') {
      await repo.updateStep(runRow.id, step.id, { status: 'waiting', output: JSON.stringify(outcome.output ?? null), task_id: outcome.taskId ?? null, wake_at: outcome.wakeAt ?? null });
      await repo.updateRun(runRow.id, { status: 'waiting', updated_at: at });
      if (outcome.wakeAt) await this.jobs.enqueue(STEP_JOB, payload, { idempotencyKey: `playbook-wake:${runRow.id}:${step.id}:${outcome.wakeAt}`, runAt: new Date(outcome.wakeAt), maxAttempts: STEP_ATTEMPTS }, trx);
      return { waiting: step.id };
    }
    await repo.updateStep(runRow.id, step.id, { status: outcome.status, output: JSON.stringify(outcome.output ?? null), finished_at: at, error: null });
    const next = (outcome.status === 'done' ? outcome.next : undefined) ?? fallthrough(doc, index);
    await this.advance(trx, runRow, doc, next, ctx, at);
    return { [outcome.status]: step.id, next };
  }

  /** Moves the run to `next` (or finishes it), in the caller's transaction. */
  private async advance(trx: Executor, runRow: PlaybookRunsTable, doc: PlaybookDocument, next: string, ctx: RequestContext, at: string): Promise<void> {
    const repo = new PlaybookRepository(trx);
    if (next === END) {
      await repo.updateRun(runRow.id, { status: 'done', updated_at: at, finished_at: at });
      if (this.effects.addEvent) await this.effects.addEvent(trx, runRow.incident_id, { kind: 'playbook', text: `Playbook ${doc.name} finished`, data: { runId: runRow.id } }, ctx);
      return;
    }
    await repo.updateRun(runRow.id, { status: 'running', updated_at: at });
    await this.reach(trx, runRow.id, doc.steps.find((s) => s.id === next)!, at);
  }

  private recheckWait(step: Extract<Step, { type: 'wait' }>, row: PlaybookRunStepsTable, context: ExpressionContext, now: Date): Outcome {
    const state = (row.output ? JSON.parse(row.output) : {}) as { forUntil?: string; timeoutAt?: string };
    const timeUp = state.forUntil !== undefined && Date.parse(state.forUntil) <= now.getTime();
    const holds = step.until !== undefined && test(this.condition(step.until), context);
    if ((step.until === undefined || holds) && (state.forUntil === undefined || timeUp)) return { status: 'done', output: { ...state, reason: holds ? 'its condition holds' : 'its time has come' } };
    if (state.timeoutAt !== undefined && Date.parse(state.timeoutAt) <= now.getTime()) return { status: 'done', output: { ...state, timedOut: true } };
    return { status: 'waiting', output: state };
  }

  private async execute(
    trx: Executor,
    step: Step,
    env: { run: PlaybookRunsTable; facts: IncidentFacts; context: ExpressionContext; ctx: RequestContext; now: Date; playbookName: string },
  ): Promise<Outcome> {
    const { run, facts, context, ctx, now } = env;
    const incidentId = run.incident_id;
    const render = (text: string | undefined) => (text === undefined ? undefined : renderText(text, context as Record<string, unknown>));
    const dueAt = (due: string | undefined) => (due ? new Date(now.getTime() + durationMs(due)).toISOString() : null);
    switch (step.type) {
      case 'task': {
        const task = await this.effect('addTask')(trx, incidentId, { team: step.team, title: render(step.title)!, text: render(step.text), dueAt: dueAt(step.due), owner: step.owner, runId: run.id, stepId: step.id }, ctx);
        return { status: 'done', output: { taskId: task.id, team: step.team } };
      }
      case 'approval':
      case 'input': {
        const form: PlaybookForm = step.type === 'approval' ? APPROVAL_FORM : { fields: step.fields };
        const task = await this.effect('addTask')(trx, incidentId, { team: step.team, title: render(step.title)!, text: render(step.text), dueAt: dueAt(step.due), owner: step.owner, form, runId: run.id, stepId: step.id }, ctx);
        return { status: 'waiting', output: { taskId: task.id, team: step.team }, taskId: task.id };
      }
      case 'notify': {
        const sent = await this.effect('notify')(
          trx,
          { event: step.template, subject: render(step.subject)!, text: render(step.text), data: notificationData(facts, run, step.id, env.playbookName), channel: step.channel, audience: step.audience, incidentId, drillId: run.drill_id },
          ctx,
        );
        return { status: 'done', output: sent };
      }
      case 'webhook': {
        const extra = Object.fromEntries(Object.entries(step.payload ?? {}).map(([k, v]) => [k, render(v)!]));
        const payload = { ...notificationData(facts, run, step.id, env.playbookName), ...extra };
        if (step.channel !== undefined) {
          return { status: 'done', output: await this.effect('webhook')(trx, { channel: step.channel, event: step.event, payload, incidentId, drillId: run.drill_id }, ctx) };
        }
        // No channel named: every channel subscribed to the event gets it (a webhook channel as signed JSON with the payload as data).
        const subject = extra.summary ?? `${step.event}: ${facts.incident.title}`;
        return { status: 'done', output: await this.effect('notify')(trx, { event: step.event, subject, data: payload, incidentId, drillId: run.drill_id }, ctx) };
      }
      case 'block': {
        const domains = domainsOf(facts.indicators, step.indicators ?? ['domain']);
        if (!domains.length) return { status: 'done', output: { added: [], already: [], note: 'the incident has no indicator domains' } };
        const expiresAt = step.expires ? new Date(now.getTime() + durationMs(step.expires)).toISOString() : undefined;
        const reason = render(step.reason) ?? `incident ${facts.incident.title} (playbook step ${step.id})`;
        const blocked = await this.effect('block')(trx, { domains, reason, incidentId, runId: run.id, expiresAt, drillId: run.drill_id }, ctx);
        return { status: 'done', output: blocked };
      }
      case 'questionnaire': {
        const sent = [];
        const due = step.due ? dueAt(step.due)!.slice(0, 10) : null;
        for (const vendorId of facts.incident.vendorIds) {
          sent.push({ vendorId, ...(await this.effect('questionnaire')(trx, { vendorId, templateKey: step.template, dueAt: due, incidentId, runId: run.id, stepId: step.id, drillId: run.drill_id }, ctx)) });
        }
        return { status: 'done', output: { template: step.template, sent } };
      }
      case 'set': {
        const changes = { ...(step.severity ? { severity: step.severity } : {}), ...(step.title ? { title: render(step.title)! } : {}), ...(step.summary !== undefined ? { summary: render(step.summary)! } : {}) };
        if (Object.keys(changes).length) await this.effect('update')(trx, incidentId, changes, ctx);
        if (step.status && step.status !== facts.incident.status) await this.effect('setStatus')(trx, incidentId, step.status, ctx, render(step.note));
        return { status: 'done', output: { ...changes, ...(step.status ? { status: step.status } : {}) } };
      }
      case 'wait': {
        const state = {
          ...(step.for ? { forUntil: new Date(now.getTime() + durationMs(step.for)).toISOString() } : {}),
          ...(step.timeout ? { timeoutAt: new Date(now.getTime() + durationMs(step.timeout)).toISOString() } : {}),
        };
        const outcome = this.recheckWait(step, { output: JSON.stringify(state) } as PlaybookRunStepsTable, context, now);
        if (outcome.status !== 'waiting') return outcome;
        const wakes = [state.forUntil, state.timeoutAt].filter((t): t is string => t !== undefined).sort();
        return { ...outcome, wakeAt: wakes[0] ?? null };
      }
    }
  }

  // Listeners (run in the incident writer's transaction) ------------------------------------------

  /** An approval/input step's task was completed: record the answer, take the branch, go on. */
  async taskCompleted(trx: Executor, taskId: string): Promise<void> {
    const repo = new PlaybookRepository(trx);
    const found = await repo.stepByTask(taskId);
    if (!found || found.status !== 'waiting') return;
    const runRow = await repo.run(found.run_id, { lock: true });
    if (!runRow || (runRow.status !== 'waiting' && runRow.status !== 'running')) return;
    const stepRow = await repo.step(found.run_id, found.step_id);
    if (!stepRow || stepRow.status !== 'waiting') return;
    const doc = await this.document(trx, runRow.playbook_id, Number(runRow.playbook_version));
    const index = doc.steps.findIndex((s) => s.id === stepRow.step_id);
    const step = doc.steps[index];
    const task = await this.effect('taskAnswer')(trx, taskId);
    const answer = (task?.answer ?? {}) as unknown;
    const facts = await this.facts(trx, runRow.incident_id);
    const context = facts ? this.contextOf(facts, answer) : { answer };
    const ctx = await this.ctxOf(trx, runRow);
    let next = fallthrough(doc, index);
    if ('branches' in step && step.branches) {
      const taken = step.branches.find((b) => b.when === undefined || test(this.condition(b.when), context));
      if (taken) next = taken.next;
    }
    const at = new Date().toISOString();
    await repo.updateStep(runRow.id, step.id, { status: 'done', output: JSON.stringify({ ...(stepRow.output ? JSON.parse(stepRow.output) : {}), answer, next }), finished_at: at });
    await repo.updateRun(runRow.id, { answer: JSON.stringify(answer), updated_at: at });
    await this.advance(trx, runRow, doc, next, ctx, at);
  }

  /**
   * Ends the open runs of a drill where they stand: waiting and pending steps are skipped with the
   * reason, so no approval answered later, wait step waking or queued step job moves them again.
   */
  async cancelDrillRuns(trx: Executor, drillId: string, reason: string): Promise<number> {
    const repo = new PlaybookRepository(trx);
    const open = (await repo.runs({ drillId })).filter((r) => r.status === 'running' || r.status === 'waiting');
    const at = new Date().toISOString();
    for (const run of open) {
      for (const step of await repo.steps([run.id])) {
        if (step.status === 'waiting' || step.status === 'pending') await repo.updateStep(run.id, step.step_id, { status: 'skipped', output: JSON.stringify({ reason }), finished_at: at });
      }
      await repo.updateRun(run.id, { status: 'cancelled', error: reason, updated_at: at, finished_at: at });
    }
    return open.length;
  }

  /** The incident changed: wait steps of its open runs look at their condition again (as jobs, not inline). */
  async incidentChanged(trx: Executor, incidentId: string): Promise<void> {
    const repo = new PlaybookRepository(trx);
    const runs = await repo.openRuns(incidentId);
    const steps = (await repo.steps(runs.map((r) => r.id))).filter((s) => s.type === 'wait' && s.status === 'waiting');
    for (const s of steps) await this.jobs.enqueue(STEP_JOB, { runId: s.run_id, stepId: s.step_id } satisfies StepJobPayload, { maxAttempts: STEP_ATTEMPTS }, trx);
  }
}

/**
 * Domains of the indicators of the given types (a URL gives its host), lower-case, unique, sorted.
 * Only registrable names under a public suffix are kept: the blocklist refuses a whole call for one
 * IP address or bare suffix, and a feed's odd value must not cost the incident its blocks.
 */
export function domainsOf(indicators: IncidentFacts['indicators'], types: readonly string[]): string[] {
  const out = new Set<string>();
  for (const i of indicators) {
    if (!types.includes(i.type)) continue;
    let host: string | null = null;
    if (i.type === 'domain') host = i.value.toLowerCase().replace(/\.$/, '');
    else if (i.type === 'url') {
      try {
        host = new URL(i.value).hostname.toLowerCase();
      } catch {
        // A URL indicator that does not parse has no host to block.
      }
    }
    if (!host) continue;
    const parsed = parseDomain(host);
    if (!parsed.isIp && parsed.domain && parsed.publicSuffix && host !== parsed.publicSuffix) out.add(host);
  }
  return [...out].sort();
}

function notificationData(facts: IncidentFacts, run: PlaybookRunsTable, stepId: string, playbookName: string): Record<string, unknown> {
  const { incident, vendor } = facts;
  return {
    incident: { id: incident.id, title: incident.title, severity: incident.severity, status: incident.status, source: incident.source, vendorIds: incident.vendorIds, impact: incident.impact },
    vendor: vendor ? { id: vendor.id, name: vendor.name, tier: vendor.tier } : null,
    indicators: facts.indicators.map((i) => ({ type: i.type, value: i.value })),
    playbook: { name: playbookName, runId: run.id, playbookId: run.playbook_id, version: Number(run.playbook_version), stepId },
  };
}
