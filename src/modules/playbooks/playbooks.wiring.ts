import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { invalidField } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import type { JobRun } from '../../platform/jobs/worker.js';
import type { PlaybookEffects } from './playbooks.effects.js';

/** Sends the invitation of an assessment a questionnaire step created (after its transaction committed). */
export const INVITE_JOB = 'playbooks.invite';

interface Assessments {
  createIn(trx: Executor, input: { vendorId: string; templateId: string; dueAt?: string | null }, ctx: RequestContext): Promise<string>;
  get(id: string): Promise<{ status: string }>;
}
interface Templates {
  idOfKey(key: string, executor?: Executor): Promise<string | null>;
}
interface Portal {
  invite(assessmentId: string, input: { contactId?: string; expiresInDays?: number }, ctx: RequestContext): Promise<{ url: string; emailedTo: string | null; emailError?: string }>;
}

/**
 * The questionnaire effect: the assessment is created in the step's transaction, and its portal
 * invitation (a link, and an e-mail that may fail or be slow) is a job enqueued in that same
 * transaction, so the step never waits on SMTP and a crash cannot lose or double the assessment.
 * In a drill nothing is created: the step records what it would have sent.
 */
export function questionnaireEffect(deps: { assessments: Assessments; templates: Templates; jobs: JobQueue }): Pick<PlaybookEffects, 'questionnaire'> {
  return {
    async questionnaire(trx, input, ctx) {
      const templateId = await deps.templates.idOfKey(input.templateKey, trx);
      if (!templateId) throw invalidField('template', `no questionnaire template ${input.templateKey}`);
      if (input.drillId) return { assessmentId: null, captured: true };
      const assessmentId = await deps.assessments.createIn(trx, { vendorId: input.vendorId, templateId, dueAt: input.dueAt }, ctx);
      await deps.jobs.enqueue(INVITE_JOB, { assessmentId, incidentId: input.incidentId }, { idempotencyKey: `playbook-invite:${assessmentId}`, startedBy: ctx }, trx);
      return { assessmentId, captured: false };
    },
  };
}

/** The INVITE_JOB handler: invites once (an assessment no longer in draft was invited already). */
export async function runInviteJob(deps: { assessments: Assessments; portal: Portal }, payload: { assessmentId: string }, run: JobRun): Promise<unknown> {
  const assessment = await deps.assessments.get(payload.assessmentId);
  if (assessment.status !== 'draft') return { already: assessment.status };
  const invited = await deps.portal.invite(payload.assessmentId, {}, run.ctx);
  return { emailedTo: invited.emailedTo, ...(invited.emailError ? { emailError: invited.emailError } : {}) };
}
