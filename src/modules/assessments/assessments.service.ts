import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { AppError, conflict, invalidField, notFound, unprocessable, type FieldProblem } from '../../platform/errors.js';
import { toCsv } from '../../platform/csv.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { findUnstorable } from '../../platform/text.js';
import { scoreAnswers, validateAnswer, visibleQuestions, type Question, type Section, type TemplateVersion } from '../questionnaires/questionnaires.model.js';
import { creditOf } from '../questionnaires/questionnaires.scoring.js';
import { AssessmentRepository, AWAITING_VENDOR, type AssessmentRow, type RemediationRow } from './assessments.repository.js';
import type {
  Answer,
  AnswerInputType,
  Assessment,
  AssessmentDetail,
  AssessmentStatus,
  CreateAssessmentInput,
  CreateRemediationInput,
  ListAssessmentsQueryType,
  Remediation,
  ReviewInput,
  Scores,
  UpdateRemediationInput,
} from './assessments.schemas.js';
import type { AssessmentAnswersTable, AssessmentRemediationsTable } from './assessments.tables.js';

/** Where template versions come from (the questionnaires module's service). */
export interface TemplateSource {
  getVersion(templateId: string, version?: number, executor?: Executor): Promise<TemplateVersion>;
}

/** A portal scope: the vendor a portal session acts for. Another vendor's assessment is a 404. */
export interface VendorScope {
  vendorId: string;
}

export interface EvidenceFile {
  fileId: string;
  name: string;
  sha256: string;
  mediaType: string;
}

/**
 * What the portal module plugs in (it owns files and the SBOM intake). sbomCheck says whether a
 * changed SBOM answer would be taken, storing nothing; once every one of a batch passes, sbomAnswer
 * runs each through the SBOM ingestion, before the answers are written (a 4xx AppError refuses the
 * batch, naming the question). evidenceFiles names the vendor's stored files among `fileIds` (file
 * answers must name one of them; the OSCAL export lists them).
 */
export interface AssessmentHooks {
  sbomCheck?: (vendorId: string, value: { fileId: string; productId: string }) => Promise<void>;
  sbomAnswer?: (vendorId: string, value: { fileId: string; productId: string }, ctx: RequestContext) => Promise<{ sbomId: string }>;
  evidenceFiles?: (executor: Executor, vendorId: string, fileIds: string[]) => Promise<EvidenceFile[]>;
  /** Runs in the transaction that submitted or closed an assessment: what follows from the vendor's answers (resilience gaps) is brought up to date. */
  settled?: (trx: Executor, vendorId: string, ctx: RequestContext) => Promise<void>;
}

/** The input of the OSCAL exporters (controls module). */
export interface OscalAssessmentInput {
  assessment: {
    id: string;
    vendorId: string;
    vendorName: string;
    templateName: string;
    templateVersion: number;
    status: string;
    dueAt: string | null;
    submittedAt: string | null;
    closedAt: string | null;
    createdAt: string;
    updatedAt: string;
  };
  questions: { id: string; section: string; text: string; controls: string[] }[];
  answers: {
    questionId: string;
    value: unknown;
    answeredAt: string | null;
    state: string;
    comment: string | null;
    compliance: 'met' | 'partial' | 'not-met' | 'na' | 'unanswered';
  }[];
  scores: { overall: number | null; sections: { title: string; score: number | null }[] } | null;
  remediations: { id: string; questionId: string | null; title: string; description: string; dueAt: string | null; status: string; createdAt: string }[];
  evidence: EvidenceFile[];
}

export interface ReminderCandidate {
  id: string;
  vendorId: string;
  dueAt: string | null;
  status: string;
  /** Whole days from `now` to the due date: negative once it has passed; null without a due date. */
  daysLeft: number | null;
}

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);

/** A due date as given (a date, or a date-time taken as its UTC date). */
export function dueDateOf(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(value).toISOString().slice(0, 10);
}

/**
 * Vendor assessments: a template version sent to a vendor, answered (through the portal or entered
 * by an analyst), submitted, reviewed answer by answer, closed with scores. The workflow:
 *
 *   draft → sent → in_progress → submitted → in_review → closed, and cancelled from any open state.
 *
 * A rejection sends the assessment back to in_progress (the vendor answers those again); accepted
 * answers are locked. Every write records its audit events in its transaction; each answer saved is
 * one event, which is the answer's history.
 */
export class AssessmentService {
  private hooks: AssessmentHooks = {};

  constructor(
    private readonly db: Kysely<DB>,
    private readonly templates: TemplateSource,
  ) {}

  /** Called once at wiring by the module that owns files and the SBOM intake. */
  useHooks(hooks: AssessmentHooks): void {
    this.hooks = { ...this.hooks, ...hooks };
  }

  private repo(executor: Executor = this.db) {
    return new AssessmentRepository(executor);
  }

  // Reading.

  /** Template versions are immutable, so a map per call saves re-reading the same one. */
  private templateOf(row: Pick<AssessmentRow, 'template_id' | 'template_version'>, cache?: Map<string, Promise<TemplateVersion>>): Promise<TemplateVersion> {
    const key = `${row.template_id}@${row.template_version}`;
    let version = cache?.get(key);
    if (!version) {
      version = this.templates.getVersion(row.template_id, Number(row.template_version));
      cache?.set(key, version);
    }
    return version;
  }

  private async load(id: string, scope: VendorScope | undefined): Promise<AssessmentRow> {
    const row = await this.repo().byId(id);
    if (!row || (scope && row.vendor_id !== scope.vendorId)) throw notFound('assessment', id);
    return row;
  }

  async get(id: string, scope?: VendorScope): Promise<AssessmentDetail> {
    const row = await this.load(id, scope);
    const [template, answers] = await Promise.all([this.templateOf(row), this.repo().answers([id])]);
    const questions = new Map(template.sections.flatMap((s) => s.questions).map((q) => [q.id, q]));
    const at = row.submitted_at ?? new Date().toISOString();
    return {
      ...presentAssessment(row, template, answers, today()),
      answers: answers.map((a) => presentAnswer(a, questions.get(a.question_id), at)),
      visibleQuestions: visibleQuestions(template.sections, valuesOf(answers)).map((q) => q.id),
      evidence: await this.evidenceOf(row.vendor_id, template, answers),
    };
  }

  async list(query: ListAssessmentsQueryType): Promise<PageOf<Assessment>> {
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor)?.id ?? null;
    const statuses = query.status === 'open' ? OPEN_STATUSES : query.status ? [query.status] : undefined;
    const rows = await this.repo().list({ vendorId: query.vendorId, templateId: query.templateId, statuses, overdue: query.overdue, today: today() }, before, limit);
    const page = toPage(rows, limit, () => null, (r) => r);
    return { items: await this.presentMany(page.items), nextCursor: page.nextCursor };
  }

  /** Every assessment of the vendor, newest first. A portal scope for another vendor sees none. */
  async listForVendor(vendorId: string, scope?: VendorScope): Promise<Assessment[]> {
    if (scope && scope.vendorId !== vendorId) return [];
    const rows = await this.repo().list({ vendorId, today: today() }, null, 10_000);
    return this.presentMany(rows);
  }

  private async presentMany(rows: AssessmentRow[]): Promise<Assessment[]> {
    const cache = new Map<string, Promise<TemplateVersion>>();
    const [templates, answers] = await Promise.all([Promise.all(rows.map((r) => this.templateOf(r, cache))), this.repo().answers(rows.map((r) => r.id))]);
    const byAssessment = groupBy(answers, (a) => a.assessment_id);
    const now = today();
    return rows.map((r, i) => presentAssessment(r, templates[i], byAssessment.get(r.id) ?? [], now));
  }

  /** The latest closed assessment of the vendor, else the latest submitted one (submitted or in review), with its template version. */
  async latestForVendor(vendorId: string): Promise<{ assessment: AssessmentDetail; template: TemplateVersion } | null> {
    const repo = this.repo();
    const row = (await repo.latest(vendorId, ['closed'], 'closed_at')) ?? (await repo.latest(vendorId, ['submitted', 'in_review'], 'submitted_at'));
    if (!row) return null;
    const [assessment, template] = await Promise.all([this.get(row.id), this.templateOf(row)]);
    return { assessment, template };
  }

  async openRemediations(vendorId: string): Promise<number> {
    return this.repo().openRemediationCount(vendorId);
  }

  /** Assessments the vendor still owes answers to (sent, in progress), soonest due first (undated last), for the reminder job. */
  async dueForReminder(now: Date | string = new Date()): Promise<ReminderCandidate[]> {
    const day = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`);
    const rows = await this.repo().open(['sent', 'in_progress']);
    return rows.map((r) => ({
      id: r.id,
      vendorId: r.vendor_id,
      dueAt: r.due_at,
      status: r.status,
      daysLeft: r.due_at === null ? null : Math.round((Date.parse(`${r.due_at}T00:00:00Z`) - day) / DAY_MS),
    }));
  }

  // The workflow.

  async create(input: CreateAssessmentInput, ctx: RequestContext): Promise<AssessmentDetail> {
    const id = await this.db.transaction().execute(async (trx) => this.createIn(trx, input, ctx));
    return this.get(id);
  }

  /** create in the caller's transaction (a playbook step: the assessment and the step commit together); answers the new id. */
  async createIn(trx: Executor, input: CreateAssessmentInput, ctx: RequestContext): Promise<string> {
    let template: TemplateVersion;
    try {
      template = await this.templates.getVersion(input.templateId, undefined, trx);
    } catch (error) {
      if (error instanceof AppError && error.id === 'not_found') throw invalidField('/templateId', `no template ${input.templateId}`);
      throw error;
    }
    const id = newId();
    const now = new Date().toISOString();
    const repo = this.repo(trx);
    if (!(await repo.vendorExists(input.vendorId))) throw invalidField('/vendorId', `no vendor ${input.vendorId}`);
    const row = {
      id,
      vendor_id: input.vendorId,
      template_id: template.id,
      template_version: template.version,
      status: 'draft',
      due_at: dueDateOf(input.dueAt),
      scores: null,
      sent_at: null,
      submitted_at: null,
      closed_at: null,
      cancelled_at: null,
      created_by: ctx.actor.name,
      created_at: now,
      updated_at: now,
    };
    await repo.insert(row);
    await recordAudit(trx, ctx, {
      action: 'assessment.create',
      entityType: 'assessment',
      entityId: id,
      after: { vendorId: row.vendor_id, templateId: row.template_id, templateVersion: row.template_version, templateName: template.name, dueAt: row.due_at, status: row.status },
    });
    return id;
  }

  /** draft → sent, when an invitation goes out (in the invitation's transaction). Sending again while the vendor is answering changes nothing. */
  async markSent(trx: Executor, id: string, ctx: RequestContext): Promise<void> {
    const repo = this.repo(trx);
    const row = await repo.byId(id, { lock: true });
    if (!row) throw notFound('assessment', id);
    if (row.status === 'sent' || row.status === 'in_progress') return;
    if (row.status !== 'draft') throw wrongStatus(row.status, 'send it to the vendor');
    const now = new Date().toISOString();
    await repo.update(id, { status: 'sent', sent_at: now, updated_at: now });
    await recordAudit(trx, ctx, { action: 'assessment.send', entityType: 'assessment', entityId: id, before: { status: row.status }, after: { status: 'sent' } });
  }

  async cancel(id: string, ctx: RequestContext): Promise<AssessmentDetail> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await this.locked(repo, id);
      if (!OPEN_STATUSES.includes(row.status)) throw wrongStatus(row.status, 'cancel it');
      const now = new Date().toISOString();
      await repo.update(id, { status: 'cancelled', cancelled_at: now, updated_at: now });
      await recordAudit(trx, ctx, { action: 'assessment.cancel', entityType: 'assessment', entityId: id, before: { status: row.status }, after: { status: 'cancelled' } });
    });
    return this.get(id);
  }

  /**
   * Saves a batch of answers, all or nothing: any bad value refuses the whole batch with a 422
   * naming each bad question (field = question id) and why. null clears an answer. Accepted
   * answers are locked; rejected ones may be answered again. The first save moves the assessment
   * to in_progress. An analyst (no scope) may also answer a draft; the portal only once sent.
   */
  async saveAnswers(id: string, answers: AnswerInputType[], ctx: RequestContext, scope?: VendorScope): Promise<AssessmentDetail> {
    const template = await this.templateOf(await this.load(id, scope));
    // Checked first outside the transaction: the SBOM intake runs its own transactions, so it runs
    // between this check and the write, and only for a batch already known to be good.
    const checked = await this.checkBatch(this.db, id, template, answers, scope);
    const meta = new Map<string, Record<string, unknown>>();
    const sboms = checked.accepted.filter(({ q, value }) => q.type === 'sbom' && value !== null && !sameValue(checked.existing.get(q.id), value));
    const { sbomCheck, sbomAnswer } = this.hooks;
    // Every SBOM of the batch is checked before any is ingested: one that does not parse must not
    // leave another stored for a batch that is refused.
    const problems: FieldProblem[] = [];
    for (const { q, value } of sboms) {
      if (!sbomCheck || !sbomAnswer) {
        problems.push({ field: q.id, reason: 'SBOM answers are taken through the vendor portal, which is not available' });
        continue;
      }
      try {
        await sbomCheck(checked.row.vendor_id, value as { fileId: string; productId: string });
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        problems.push({ field: q.id, reason: error.message });
      }
    }
    if (problems.length) throw refused(problems, 'answer');
    for (const { q, value } of sboms) meta.set(q.id, await sbomAnswer!(checked.row.vendor_id, value as { fileId: string; productId: string }, ctx));

    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      // Again under the lock: a reviewer may have accepted an answer, or the status moved, meanwhile.
      const { row, existing, accepted } = await this.checkBatch(trx, id, template, answers, scope);
      const now = new Date().toISOString();
      for (const { q, value } of accepted) {
        const before = existing.get(q.id);
        if (value === null) {
          if (!before) continue;
          await repo.deleteAnswer(id, q.id);
        } else {
          // Saving the same value again (a form's autosave) changes nothing, unless it answers a rejection.
          if (before && before.state !== 'rejected' && sameValue(before, value)) continue;
          await repo.upsertAnswer({
            assessment_id: id,
            question_id: q.id,
            value: JSON.stringify(value),
            meta: JSON.stringify(meta.get(q.id) ?? (before && sameValue(before, value) ? JSON.parse(before.meta) : {})),
            state: 'draft',
            comment: null,
            answered_at: now,
            answered_by: ctx.actor.name,
            reviewed_at: null,
            reviewed_by: null,
          });
        }
        await recordAudit(trx, ctx, {
          action: value === null ? 'assessment.answer.clear' : 'assessment.answer',
          entityType: 'assessment',
          entityId: id,
          before: before ? { questionId: q.id, value: JSON.parse(before.value), state: before.state } : null,
          after: value === null ? null : { questionId: q.id, value, state: 'draft', ...(meta.get(q.id) ?? {}) },
        });
      }
      await this.moveTo(trx, row, row.status === 'in_progress' ? null : 'in_progress', ctx, now);
    });
    return this.get(id, scope);
  }

  /** The status allows answers, and every answer of the batch is good: else 409, or 422 naming each bad question. */
  private async checkBatch(executor: Executor, id: string, template: TemplateVersion, answers: AnswerInputType[], scope: VendorScope | undefined) {
    const repo = this.repo(executor);
    const row = await this.locked(repo, id, scope);
    const editable = scope ? ['sent', 'in_progress'] : ['draft', 'sent', 'in_progress'];
    if (!editable.includes(row.status)) throw wrongStatus(row.status, 'change its answers');
    const existing = new Map((await repo.answers([id])).map((a) => [a.question_id, a]));
    const questions = new Map(template.sections.flatMap((s) => s.questions).map((q) => [q.id, q]));
    const problems: FieldProblem[] = [];
    const accepted: Array<{ q: Question; value: unknown }> = [];
    const seen = new Set<string>();
    for (const answer of answers) {
      const bad = (reason: string) => problems.push({ field: answer.questionId, reason });
      const q = questions.get(answer.questionId);
      if (!q) bad(`is not a question of ${template.name} version ${template.version}`);
      else if (seen.has(q.id)) bad('is answered twice in this batch');
      else if (existing.get(q.id)?.state === 'accepted') bad('was accepted by the reviewer and is locked');
      else if (answer.value === null) accepted.push({ q, value: null });
      else if (findUnstorable(answer.value)) bad(findUnstorable(answer.value)!.reason);
      else {
        const checked = validateAnswer(q, answer.value);
        if (checked.ok) accepted.push({ q, value: checked.value });
        else bad(checked.reason);
      }
      seen.add(answer.questionId);
    }
    if (!problems.length) problems.push(...(await this.checkFiles(executor, row.vendor_id, accepted)));
    if (problems.length) throw refused(problems, 'answer');
    return { row, existing, accepted };
  }

  /** sent | in_progress → submitted: refused (422) naming every required visible question without an answer, and every rejected answer not answered again. */
  async submit(id: string, ctx: RequestContext, scope?: VendorScope): Promise<AssessmentDetail> {
    const template = await this.templateOf(await this.load(id, scope));
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await this.locked(repo, id, scope);
      const from = scope ? ['sent', 'in_progress'] : ['draft', 'sent', 'in_progress'];
      if (!from.includes(row.status)) throw wrongStatus(row.status, 'submit it');
      const answers = await repo.answers([id]);
      const byQuestion = new Map(answers.map((a) => [a.question_id, a]));
      const visible = visibleQuestions(template.sections, valuesOf(answers));
      const problems: FieldProblem[] = [];
      for (const q of visible) {
        const answer = byQuestion.get(q.id);
        if (!answer && q.required) problems.push({ field: q.id, reason: `required: "${q.text}" has no answer` });
        else if (answer?.state === 'rejected') problems.push({ field: q.id, reason: `rejected by the reviewer${answer.comment ? ` (${answer.comment})` : ''}: answer it again` });
      }
      if (problems.length) {
        throw unprocessable(`${problems.length} answer${problems.length === 1 ? ' is' : 's are'} missing: ${problems.map((p) => p.field).join(', ')}`, problems);
      }
      const now = new Date().toISOString();
      await repo.setAnswerStates(id, 'draft', 'submitted');
      await repo.update(id, { status: 'submitted', submitted_at: now, updated_at: now });
      await recordAudit(trx, ctx, {
        action: 'assessment.submit',
        entityType: 'assessment',
        entityId: id,
        before: { status: row.status },
        after: { status: 'submitted', answered: visible.filter((q) => byQuestion.has(q.id)).length, visible: visible.length },
      });
      await this.hooks.settled?.(trx, row.vendor_id, ctx);
    });
    return this.get(id, scope);
  }

  /**
   * Verdicts on answers of a submitted assessment. Accepted answers are locked for the vendor; any
   * rejection sends the assessment back to in_progress (the vendor answers again), otherwise it is
   * in_review. close: true needs a verdict on every answered visible question and stores the scores
   * (computed at the submission time); a rejected answer kept at close scores as not met.
   */
  async review(id: string, input: ReviewInput, ctx: RequestContext): Promise<AssessmentDetail> {
    const template = await this.templateOf(await this.load(id, undefined));
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await this.locked(repo, id);
      if (row.status !== 'submitted' && row.status !== 'in_review') throw wrongStatus(row.status, 'review it (only a submitted assessment can be reviewed)');
      const answers = new Map((await repo.answers([id])).map((a) => [a.question_id, a]));
      const problems: FieldProblem[] = [];
      const seen = new Set<string>();
      for (const d of input.decisions) {
        if (!answers.has(d.questionId)) problems.push({ field: d.questionId, reason: 'has no answer to decide on' });
        else if (seen.has(d.questionId)) problems.push({ field: d.questionId, reason: 'is decided twice in this review' });
        seen.add(d.questionId);
      }
      if (problems.length) throw refused(problems, 'decision');

      const now = new Date().toISOString();
      for (const d of input.decisions) {
        const before = answers.get(d.questionId)!;
        const state = d.verdict === 'accept' ? 'accepted' : 'rejected';
        const changes = { state, comment: d.comment ?? null, reviewed_at: now, reviewed_by: ctx.actor.name };
        await repo.decide(id, d.questionId, changes);
        answers.set(d.questionId, { ...before, ...changes });
        await recordAudit(trx, ctx, {
          action: 'assessment.review',
          entityType: 'assessment',
          entityId: id,
          before: { questionId: d.questionId, state: before.state, comment: before.comment },
          after: { questionId: d.questionId, state, verdict: d.verdict, comment: d.comment ?? null },
        });
      }

      const current = [...answers.values()];
      if (input.close) {
        const visible = visibleQuestions(template.sections, valuesOf(current));
        const undecided = visible.filter((q) => {
          const state = answers.get(q.id)?.state;
          return state !== undefined && state !== 'accepted' && state !== 'rejected';
        });
        if (undecided.length) {
          throw unprocessable(
            `every answered question needs a verdict before closing: ${undecided.map((q) => q.id).join(', ')}`,
            undecided.map((q) => ({ field: q.id, reason: 'answered but not yet accepted or rejected' })),
          );
        }
        const scores = scoresOf(template.sections, current, row.submitted_at ?? now);
        await repo.update(id, { status: 'closed', closed_at: now, scores: JSON.stringify(scores), updated_at: now });
        await recordAudit(trx, ctx, { action: 'assessment.close', entityType: 'assessment', entityId: id, before: { status: row.status }, after: { status: 'closed', overall: scores.overall } });
        await this.hooks.settled?.(trx, row.vendor_id, ctx);
      } else {
        const rejected = input.decisions.some((d) => d.verdict === 'reject');
        await this.moveTo(trx, row, rejected ? 'in_progress' : row.status === 'in_review' ? null : 'in_review', ctx, now);
      }
    });
    return this.get(id);
  }

  /** The stored files the answers name (file answers, SBOM answers' documents), as the file store describes them. */
  private async evidenceOf(vendorId: string, template: TemplateVersion, answers: AssessmentAnswersTable[]): Promise<EvidenceFile[]> {
    const questions = new Map(template.sections.flatMap((s) => s.questions).map((q) => [q.id, q]));
    const fileIds = [...new Set(answers.flatMap((a) => fileIdOf(questions.get(a.question_id), JSON.parse(a.value))))];
    return fileIds.length && this.hooks.evidenceFiles ? this.hooks.evidenceFiles(this.db, vendorId, fileIds) : [];
  }

  private async locked(repo: AssessmentRepository, id: string, scope?: VendorScope): Promise<AssessmentRow> {
    const row = await repo.byId(id, { lock: true });
    if (!row || (scope && row.vendor_id !== scope.vendorId)) throw notFound('assessment', id);
    return row;
  }

  private async moveTo(trx: Executor, row: AssessmentRow, status: AssessmentStatus | null, ctx: RequestContext, now: string): Promise<void> {
    if (status === null) {
      await this.repo(trx).update(row.id, { updated_at: now });
      return;
    }
    await this.repo(trx).update(row.id, { status, updated_at: now });
    await recordAudit(trx, ctx, { action: 'assessment.status', entityType: 'assessment', entityId: row.id, before: { status: row.status }, after: { status } });
  }

  /** File answers must name one of the vendor's stored files (when the file store is wired). */
  private async checkFiles(trx: Executor, vendorId: string, answers: Array<{ q: Question; value: unknown }>): Promise<FieldProblem[]> {
    const files = answers.filter((a) => a.q.type === 'file' && typeof a.value === 'string');
    if (!files.length || !this.hooks.evidenceFiles) return [];
    const known = new Set((await this.hooks.evidenceFiles(trx, vendorId, files.map((a) => a.value as string))).map((f) => f.fileId));
    return files.filter((a) => !known.has(a.value as string)).map((a) => ({ field: a.q.id, reason: `names no file uploaded for this vendor (${a.value as string})` }));
  }

  // Remediation items.

  async raiseRemediation(assessmentId: string, input: CreateRemediationInput, ctx: RequestContext): Promise<Remediation> {
    const template = await this.templateOf(await this.load(assessmentId, undefined));
    const questionId = input.questionId ?? null;
    if (questionId !== null && !template.sections.some((s) => s.questions.some((q) => q.id === questionId))) {
      throw invalidField('/questionId', `is not a question of ${template.name} version ${template.version}`);
    }
    const id = newId();
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await this.locked(repo, assessmentId);
      if (row.status === 'cancelled') throw wrongStatus(row.status, 'raise remediation items on it');
      const now = new Date().toISOString();
      const item: AssessmentRemediationsTable = {
        id,
        assessment_id: assessmentId,
        vendor_id: row.vendor_id,
        question_id: questionId,
        title: input.title,
        description: input.description ?? '',
        due_at: dueDateOf(input.dueAt),
        status: 'open',
        created_by: ctx.actor.name,
        created_at: now,
        updated_at: now,
        closed_at: null,
        closed_by: null,
      };
      await repo.insertRemediation(item);
      await recordAudit(trx, ctx, { action: 'assessment.remediation.create', entityType: 'assessment-remediation', entityId: id, after: remediationAudit(item) });
    });
    return presentRemediation((await this.repo().remediations({ id }))[0], today());
  }

  async remediations(filter: { assessmentId?: string; vendorId?: string; status?: string }): Promise<Remediation[]> {
    if (filter.assessmentId) await this.load(filter.assessmentId, undefined);
    const now = today();
    return (await this.repo().remediations(filter)).map((r) => presentRemediation(r, now));
  }

  async updateRemediation(id: string, input: UpdateRemediationInput, ctx: RequestContext): Promise<Remediation> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const before = await repo.remediation(id);
      if (!before) throw notFound('remediation item', id);
      const now = new Date().toISOString();
      const next: AssessmentRemediationsTable = { ...before, updated_at: now };
      if (input.title !== undefined) next.title = input.title;
      if (input.description !== undefined) next.description = input.description;
      if (input.dueAt !== undefined) next.due_at = dueDateOf(input.dueAt);
      if (input.status === 'closed' && before.status !== 'closed') Object.assign(next, { status: 'closed', closed_at: now, closed_by: ctx.actor.name });
      if (input.status === 'open' && before.status !== 'open') Object.assign(next, { status: 'open', closed_at: null, closed_by: null });
      await repo.updateRemediation(id, next);
      await recordAudit(trx, ctx, { action: 'assessment.remediation.update', entityType: 'assessment-remediation', entityId: id, before: remediationAudit(before), after: remediationAudit(next) });
    });
    return presentRemediation((await this.repo().remediations({ id }))[0], today());
  }

  // Exports.

  /** Everything the OSCAL assessment-results and POA&M exporters need of one assessment. */
  async oscalInput(id: string): Promise<OscalAssessmentInput> {
    const row = await this.load(id, undefined);
    const repo = this.repo();
    const [template, answers, remediations] = await Promise.all([this.templateOf(row), repo.answers([id]), repo.remediations({ assessmentId: id })]);
    const byQuestion = new Map(answers.map((a) => [a.question_id, a]));
    const values = valuesOf(answers);
    const visible = new Set(visibleQuestions(template.sections, values).map((q) => q.id));
    const at = row.submitted_at ?? new Date().toISOString();
    const questions = template.sections.flatMap((s) => s.questions.filter((q) => visible.has(q.id)).map((q) => ({ q, section: s.title })));
    const evidence = await this.evidenceOf(row.vendor_id, template, answers.filter((a) => visible.has(a.question_id)));
    const scores = row.scores ? (JSON.parse(row.scores) as Scores) : null;
    return {
      assessment: {
        id: row.id,
        vendorId: row.vendor_id,
        vendorName: row.vendor_name,
        templateName: template.name,
        templateVersion: Number(row.template_version),
        status: row.status,
        dueAt: row.due_at,
        submittedAt: row.submitted_at,
        closedAt: row.closed_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
      questions: questions.map(({ q, section }) => ({ id: q.id, section, text: q.text, controls: q.controls })),
      answers: questions.map(({ q }) => {
        const a = byQuestion.get(q.id);
        return {
          questionId: q.id,
          value: a ? JSON.parse(a.value) : null,
          answeredAt: a?.answered_at ?? null,
          state: a?.state ?? 'unanswered',
          comment: a?.comment ?? null,
          compliance: complianceOf(q, a, at),
        };
      }),
      scores: scores && { overall: scores.overall, sections: scores.sections.map((s) => ({ title: s.title, score: s.score })) },
      remediations: remediations.map((r) => ({ id: r.id, questionId: r.question_id, title: r.title, description: r.description, dueAt: r.due_at, status: r.status, createdAt: r.created_at })),
      evidence,
    };
  }

  /** The answers as CSV: every question of the pinned template version in order, hidden conditional ones marked. Cells go through the shared CSV writer (formulas neutralised). */
  async answersCsv(id: string): Promise<{ filename: string; body: string }> {
    const detail = await this.get(id);
    const template = await this.templateOf({ template_id: detail.templateId, template_version: detail.templateVersion });
    const visible = new Set(detail.visibleQuestions);
    const byQuestion = new Map(detail.answers.map((a) => [a.questionId, a]));
    const rows = template.sections.flatMap((s) =>
      s.questions.map((q) => {
        const a = byQuestion.get(q.id);
        return [s.title, q.id, q.text, q.type, q.required, q.controls.join(' '), visible.has(q.id), a ? answerText(a.value) : '', q.unit ?? '', a?.state ?? 'unanswered', a?.comment ?? '', a?.answeredAt ?? '', a?.answeredBy ?? '', a?.reviewedAt ?? '', a?.reviewedBy ?? ''];
      }),
    );
    const columns = ['section', 'question_id', 'question', 'type', 'required', 'controls', 'shown', 'answer', 'unit', 'state', 'reviewer_comment', 'answered_at', 'answered_by', 'reviewed_at', 'reviewed_by'];
    const slug = detail.vendorName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'vendor';
    return { filename: `assessment-${slug}-${detail.id.slice(0, 8)}.csv`, body: toCsv(columns, rows) };
  }

  /** The template version an assessment is pinned to (what its page renders the questions from). */
  async templateFor(id: string, scope?: VendorScope): Promise<TemplateVersion> {
    return this.templateOf(await this.load(id, scope));
  }
}

/** Not yet closed or cancelled. */
export const OPEN_STATUSES: string[] = ['draft', 'sent', 'in_progress', 'submitted', 'in_review'];

function wrongStatus(status: string, what: string): AppError {
  return conflict(`the assessment is ${status.replace('_', ' ')}: cannot ${what}`);
}

function refused(problems: FieldProblem[], what: string): AppError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return unprocessable(`nothing was saved: ${what} for ${first.field} ${first.reason}${more}`, problems);
}

const sameValue = (row: AssessmentAnswersTable | undefined, value: unknown) => row !== undefined && row.value === JSON.stringify(value);

function valuesOf(answers: AssessmentAnswersTable[]): Map<string, unknown> {
  return new Map(answers.map((a) => [a.question_id, JSON.parse(a.value) as unknown]));
}

function verdictsOf(answers: AssessmentAnswersTable[]): Map<string, 'accept' | 'reject'> {
  const verdicts = new Map<string, 'accept' | 'reject'>();
  for (const a of answers) {
    if (a.state === 'accepted') verdicts.set(a.question_id, 'accept');
    if (a.state === 'rejected') verdicts.set(a.question_id, 'reject');
  }
  return verdicts;
}

export function scoresOf(sections: Section[], answers: AssessmentAnswersTable[], at: string): Scores {
  return scoreAnswers(sections, valuesOf(answers), verdictsOf(answers), at);
}

function complianceOf(q: Question, answer: AssessmentAnswersTable | undefined, at: string): 'met' | 'partial' | 'not-met' | 'na' | 'unanswered' {
  const verdict = answer?.state === 'accepted' ? 'accept' : answer?.state === 'rejected' ? 'reject' : undefined;
  const credit = creditOf(q, answer ? JSON.parse(answer.value) : undefined, verdict, at);
  if (credit === 'na' || credit === 'unanswered') return credit;
  return credit >= 1 ? 'met' : credit > 0 ? 'partial' : 'not-met';
}

/** An answer as one cell: lists joined with "; ", per-service numbers as "service: value", an SBOM as its product and file. */
export function answerText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => (v && typeof v === 'object' && 'serviceId' in v ? `${String(v.serviceId)}: ${String(v.value)}` : String(v))).join('; ');
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return String(value);
}

function fileIdOf(q: Question | undefined, value: unknown): string[] {
  if (!q) return [];
  if (q.type === 'file' && typeof value === 'string') return [value];
  if (q.type === 'sbom' && value && typeof value === 'object' && typeof (value as { fileId?: unknown }).fileId === 'string') return [(value as { fileId: string }).fileId];
  return [];
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export function presentAssessment(r: AssessmentRow, template: TemplateVersion, answers: AssessmentAnswersTable[], now: string): Assessment {
  const values = valuesOf(answers);
  const visible = visibleQuestions(template.sections, values);
  const answered = visible.filter((q) => values.has(q.id));
  return {
    id: r.id,
    vendorId: r.vendor_id,
    vendorName: r.vendor_name,
    templateId: r.template_id,
    templateName: template.name,
    templateVersion: Number(r.template_version),
    status: r.status,
    dueAt: r.due_at,
    overdue: r.due_at !== null && r.due_at < now && AWAITING_VENDOR.includes(r.status),
    sentAt: r.sent_at,
    submittedAt: r.submitted_at,
    closedAt: r.closed_at,
    cancelledAt: r.cancelled_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    scores: r.scores ? (JSON.parse(r.scores) as Scores) : null,
    progress: {
      answered: answered.length,
      total: visible.length,
      required: visible.filter((q) => q.required).length,
      requiredAnswered: answered.filter((q) => q.required).length,
    },
  };
}

function presentAnswer(a: AssessmentAnswersTable, q: Question | undefined, at: string): Answer {
  return {
    questionId: a.question_id,
    value: JSON.parse(a.value) as unknown,
    meta: JSON.parse(a.meta) as Record<string, unknown>,
    compliance: q ? complianceOf(q, a, at) : 'unanswered',
    state: a.state,
    comment: a.comment,
    answeredAt: a.answered_at,
    answeredBy: a.answered_by,
    reviewedAt: a.reviewed_at,
    reviewedBy: a.reviewed_by,
  };
}

function presentRemediation(r: RemediationRow, now: string): Remediation {
  return {
    id: r.id,
    assessmentId: r.assessment_id,
    vendorId: r.vendor_id,
    vendorName: r.vendor_name,
    questionId: r.question_id,
    title: r.title,
    description: r.description,
    dueAt: r.due_at,
    overdue: r.status === 'open' && r.due_at !== null && r.due_at < now,
    status: r.status,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    closedBy: r.closed_by,
  };
}

function remediationAudit(r: AssessmentRemediationsTable) {
  return { assessmentId: r.assessment_id, vendorId: r.vendor_id, questionId: r.question_id, title: r.title, dueAt: r.due_at, status: r.status };
}
