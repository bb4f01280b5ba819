import type { FastifyReply } from 'fastify';
import type { App } from '../../platform/http/server.js';
import { AssessmentIdParams } from '../assessments/assessments.schemas.js';
import type { OscalDownload, OscalService } from './oscal.service.js';

export function oscalRoutes(app: App, oscal: OscalService): void {
  const tags = ['assessments'];
  const send = (download: OscalDownload, reply: FastifyReply) =>
    reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="${download.filename}"`).send(JSON.stringify(download.document, null, 2));

  app.get('/api/v1/assessments/:id/oscal/assessment-results', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'The assessment as OSCAL 1.1.2 assessment-results JSON (a download)',
      description:
        'One result: the controls the questionnaire maps to (reviewed-controls), an observation per answered question (evidence files in back-matter with their SHA-256), a finding per control from its worst answer (met: satisfied; partially met or not met: not-satisfied), a risk per remediation item. Object uuids are UUIDv5s of what they stand for, so exporting again names the same objects the same way.',
      params: AssessmentIdParams,
    },
  }, async (request, reply) => send(await oscal.assessmentResults(request.params.id), reply));

  app.get('/api/v1/assessments/:id/oscal/poam', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'The assessment\'s plan of action and milestones as OSCAL 1.1.2 JSON (a download)',
      description: 'A POA&M item per remediation item (with its risk and deadline) and per answer found wanting that no remediation item covers yet. An assessment with neither answers 409.',
      params: AssessmentIdParams,
    },
  }, async (request, reply) => send(await oscal.planOfActionAndMilestones(request.params.id), reply));
}
