import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import type { AssessmentAnswersTable, AssessmentRemediationsTable, AssessmentsTable } from './assessments.tables.js';

export type AssessmentRow = AssessmentsTable & { vendor_name: string };
export type RemediationRow = AssessmentRemediationsTable & { vendor_name: string };

export interface AssessmentFilter {
  vendorId?: string;
  templateId?: string;
  statuses?: string[];
  /** Due before `today` and not yet submitted. */
  overdue?: boolean;
  today: string;
}

/** Statuses in which the vendor still owes answers: the ones a due date can be missed in. */
export const AWAITING_VENDOR = ['draft', 'sent', 'in_progress'];

export class AssessmentRepository {
  constructor(private readonly db: Executor) {}

  private base() {
    return this.db.selectFrom('assessments').innerJoin('vendors', 'vendors.id', 'assessments.vendor_id').selectAll('assessments').select('vendors.name as vendor_name');
  }

  async byId(id: string, options: { lock?: boolean } = {}): Promise<AssessmentRow | undefined> {
    return this.base()
      .where('assessments.id', '=', id)
      .$if(Boolean(options.lock) && isPostgres(this.db), (q) => q.forUpdate('assessments'))
      .executeTakeFirst();
  }

  async insert(row: AssessmentsTable): Promise<void> {
    await this.db.insertInto('assessments').values(row).execute();
  }

  async update(id: string, changes: Partial<AssessmentsTable>): Promise<void> {
    await this.db.updateTable('assessments').set(changes).where('id', '=', id).execute();
  }

  /** Newest first (ids are time-ordered); `before` is the last id of the previous page. */
  async list(filter: AssessmentFilter, before: string | null, limit: number): Promise<AssessmentRow[]> {
    let query = this.base();
    if (filter.vendorId) query = query.where('assessments.vendor_id', '=', filter.vendorId);
    if (filter.templateId) query = query.where('assessments.template_id', '=', filter.templateId);
    if (filter.statuses) query = query.where('assessments.status', 'in', filter.statuses);
    if (filter.overdue !== undefined) {
      const today = filter.today;
      query = filter.overdue
        ? query.where('assessments.status', 'in', AWAITING_VENDOR).where('assessments.due_at', '<', today)
        : query.where((eb) => eb.or([eb('assessments.status', 'not in', AWAITING_VENDOR), eb('assessments.due_at', 'is', null), eb('assessments.due_at', '>=', today)]));
    }
    if (before) query = query.where('assessments.id', '<', before);
    return query.orderBy('assessments.id', 'desc').limit(limit + 1).execute();
  }

  /** The newest assessment of the vendor in one of the statuses, by when it reached it. */
  async latest(vendorId: string, statuses: string[], order: 'closed_at' | 'submitted_at'): Promise<AssessmentRow | undefined> {
    return this.base()
      .where('assessments.vendor_id', '=', vendorId)
      .where('assessments.status', 'in', statuses)
      .orderBy(`assessments.${order}`, 'desc')
      .orderBy('assessments.id', 'desc')
      .executeTakeFirst();
  }

  async open(statuses: string[]): Promise<Array<Pick<AssessmentsTable, 'id' | 'vendor_id' | 'due_at' | 'status'>>> {
    return this.db
      .selectFrom('assessments')
      .select(['id', 'vendor_id', 'due_at', 'status'])
      .where('status', 'in', statuses)
      .orderBy(sql`coalesce(due_at, '9999-12-31')`)
      .orderBy('id')
      .execute();
  }

  // Answers.

  async answers(assessmentIds: string[]): Promise<AssessmentAnswersTable[]> {
    if (!assessmentIds.length) return [];
    return this.db.selectFrom('assessment_answers').selectAll().where('assessment_id', 'in', assessmentIds).orderBy('assessment_id').orderBy('question_id').execute();
  }

  async upsertAnswer(row: AssessmentAnswersTable): Promise<void> {
    const { assessment_id: _a, question_id: _q, ...changes } = row;
    await this.db
      .insertInto('assessment_answers')
      .values(row)
      .onConflict((oc) => oc.columns(['assessment_id', 'question_id']).doUpdateSet(changes))
      .execute();
  }

  async deleteAnswer(assessmentId: string, questionId: string): Promise<void> {
    await this.db.deleteFrom('assessment_answers').where('assessment_id', '=', assessmentId).where('question_id', '=', questionId).execute();
  }

  async setAnswerStates(assessmentId: string, from: string, to: string): Promise<void> {
    await this.db.updateTable('assessment_answers').set({ state: to }).where('assessment_id', '=', assessmentId).where('state', '=', from).execute();
  }

  async decide(assessmentId: string, questionId: string, changes: Pick<AssessmentAnswersTable, 'state' | 'comment' | 'reviewed_at' | 'reviewed_by'>): Promise<void> {
    await this.db.updateTable('assessment_answers').set(changes).where('assessment_id', '=', assessmentId).where('question_id', '=', questionId).execute();
  }

  // Remediation items.

  async remediation(id: string): Promise<AssessmentRemediationsTable | undefined> {
    return this.db.selectFrom('assessment_remediations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Remediation items with their vendor's name, oldest first (ids are time-ordered). */
  async remediations(filter: { id?: string; assessmentId?: string; vendorId?: string; status?: string }): Promise<RemediationRow[]> {
    let query = this.db.selectFrom('assessment_remediations as r').innerJoin('vendors as v', 'v.id', 'r.vendor_id').selectAll('r').select('v.name as vendor_name');
    if (filter.id) query = query.where('r.id', '=', filter.id);
    if (filter.assessmentId) query = query.where('r.assessment_id', '=', filter.assessmentId);
    if (filter.vendorId) query = query.where('r.vendor_id', '=', filter.vendorId);
    if (filter.status) query = query.where('r.status', '=', filter.status);
    return query.orderBy('r.id').limit(5000).execute();
  }

  async insertRemediation(row: AssessmentRemediationsTable): Promise<void> {
    await this.db.insertInto('assessment_remediations').values(row).execute();
  }

  async updateRemediation(id: string, changes: Partial<AssessmentRemediationsTable>): Promise<void> {
    await this.db.updateTable('assessment_remediations').set(changes).where('id', '=', id).execute();
  }

  async openRemediationCount(vendorId: string): Promise<number> {
    const row = await this.db
      .selectFrom('assessment_remediations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('vendor_id', '=', vendorId)
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async vendorExists(id: string): Promise<boolean> {
    return Boolean(await this.db.selectFrom('vendors').select('id').where('id', '=', id).executeTakeFirst());
  }
}
