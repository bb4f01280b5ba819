import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import {
  AssessmentDetailSchema,
  AssessmentIdParams,
  AssessmentSchema,
  CreateAssessmentBody,
  CreateRemediationBody,
  ListAssessmentsQuery,
  ListRemediationsQuery,
  RemediationSchema,
  ReviewBody,
  SaveAnswersBody,
  UpdateRemediationBody,
} from './assessments.schemas.js';
import type { AssessmentService } from './assessments.service.js';

const List = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item) });

const WORKFLOW = 'Statuses: draft → sent (an invitation went out) → in_progress (answers saved) → submitted → in_review → closed, and cancelled from any open status. A step the status does not allow answers 409.';

export function assessmentRoutes(app: App, assessments: AssessmentService): void {
  const tags = ['assessments'];
  const read = { permission: 'read' as const };
  const write = { permission: 'assessments:write' as const };

  app.get('/api/v1/assessments', {
    config: read,
    schema: {
      tags,
      summary: 'Assessments, newest first, with progress; filter by vendor, template, status (or open) and overdue',
      description: WORKFLOW,
      querystring: ListAssessmentsQuery,
      response: { 200: Page(AssessmentSchema) },
    },
  }, async (request) => assessments.list(request.query));

  app.post('/api/v1/assessments', {
    config: write,
    schema: {
      tags,
      summary: 'Start an assessment of a vendor on a template (draft); it keeps the template\'s current version',
      description: WORKFLOW,
      body: CreateAssessmentBody,
      response: { 201: AssessmentDetailSchema },
    },
  }, async (request, reply) => reply.code(201).send(await assessments.create(request.body, request.ctx)));

  app.get('/api/v1/assessments/:id', {
    config: read,
    schema: { tags, summary: 'An assessment with its answers, progress and (once closed) scores', params: AssessmentIdParams, response: { 200: AssessmentDetailSchema } },
  }, async (request) => assessments.get(request.params.id));

  app.post('/api/v1/assessments/:id/cancel', {
    config: write,
    schema: { tags, summary: 'Cancel an open assessment', params: AssessmentIdParams, response: { 200: AssessmentDetailSchema } },
  }, async (request) => assessments.cancel(request.params.id, request.ctx));

  app.put('/api/v1/assessments/:id/answers', {
    config: write,
    schema: {
      tags,
      summary: 'Enter answers on the vendor\'s behalf (all or nothing; null clears an answer)',
      description:
        'Each value is checked against its question (type, options, ranges). One bad value refuses the whole batch: 422 with errors[] naming each question id (field) and why. Accepted answers are locked; rejected ones can be answered again. Allowed while draft, sent or in progress; moves the assessment to in_progress.',
      params: AssessmentIdParams,
      body: SaveAnswersBody,
      response: { 200: AssessmentDetailSchema },
    },
  }, async (request) => assessments.saveAnswers(request.params.id, request.body.answers, request.ctx));

  app.post('/api/v1/assessments/:id/submit', {
    config: write,
    schema: {
      tags,
      summary: 'Submit the answers for review',
      description: '422 with errors[] naming every required question shown by the answers that has no answer, and every rejected answer not answered again.',
      params: AssessmentIdParams,
      response: { 200: AssessmentDetailSchema },
    },
  }, async (request) => assessments.submit(request.params.id, request.ctx));

  app.post('/api/v1/assessments/:id/review', {
    config: write,
    schema: {
      tags,
      summary: 'Accept or reject answers; close the assessment',
      description:
        'Accepted answers are locked. Any rejection sends the assessment back to the vendor (in_progress); otherwise it is in_review. close: true needs a verdict on every answered question shown and stores the scores per section and overall (a rejected answer kept at close scores as not met).',
      params: AssessmentIdParams,
      body: ReviewBody,
      response: { 200: AssessmentDetailSchema },
    },
  }, async (request) => assessments.review(request.params.id, request.body, request.ctx));

  app.get('/api/v1/assessments/:id/answers.csv', {
    config: read,
    schema: { tags, summary: 'The answers as CSV, one row per question of the template version (cells that a spreadsheet would run as formulas are neutralised)', params: AssessmentIdParams },
  }, async (request, reply) => {
    const { filename, body } = await assessments.answersCsv(request.params.id);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(body);
  });

  app.get('/api/v1/assessments/:id/remediations', {
    config: read,
    schema: { tags, summary: 'Remediation items raised on an assessment', params: AssessmentIdParams, response: { 200: List(RemediationSchema) } },
  }, async (request) => ({ items: await assessments.remediations({ assessmentId: request.params.id }) }));

  app.post('/api/v1/assessments/:id/remediations', {
    config: write,
    schema: {
      tags,
      summary: 'Raise a remediation item from an answer (or from the assessment as a whole)',
      description: 'Open items count against the vendor (residual risk) until closed.',
      params: AssessmentIdParams,
      body: CreateRemediationBody,
      response: { 201: RemediationSchema },
    },
  }, async (request, reply) => reply.code(201).send(await assessments.raiseRemediation(request.params.id, request.body, request.ctx)));

  app.get('/api/v1/assessment-remediations', {
    config: read,
    schema: { tags, summary: 'Remediation items across assessments, by vendor and status', querystring: ListRemediationsQuery, response: { 200: List(RemediationSchema) } },
  }, async (request) => ({ items: await assessments.remediations(request.query) }));

  app.patch('/api/v1/assessment-remediations/:id', {
    config: write,
    schema: { tags, summary: 'Edit, close or reopen a remediation item', params: AssessmentIdParams, body: UpdateRemediationBody, response: { 200: RemediationSchema } },
  }, async (request) => assessments.updateRemediation(request.params.id, request.body, request.ctx));
}
