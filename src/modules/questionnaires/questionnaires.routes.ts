import type { App } from '../../platform/http/server.js';
import {
  CreateTemplateBody,
  TemplateDetailSchema,
  TemplateExportSchema,
  TemplateIdParams,
  TemplateListSchema,
  UpdateTemplateBody,
  VersionQuery,
} from './questionnaires.schemas.js';
import type { QuestionnaireService } from './questionnaires.service.js';

/** Registered before the assessments' /api/v1/assessments/:id routes; the static segment wins either way. */
export function questionnaireRoutes(app: App, questionnaires: QuestionnaireService): void {
  const tags = ['assessments'];
  const read = { permission: 'read' as const };
  const write = { permission: 'assessments:write' as const };

  app.get('/api/v1/assessments/templates', {
    config: read,
    schema: {
      tags,
      summary: 'Questionnaire templates at their current version, with their sections and questions',
      description: 'Question types: yesno (yes, no, partial, na), choice, multichoice, number (unit; perService: one value per business service), date, text, file, sbom. Each question maps SP 800-53 control labels, has a weight, and may say which answers are compliant and when it is shown (showWhen).',
      response: { 200: TemplateListSchema },
    },
  }, async () => ({ items: await questionnaires.list() }));

  app.post('/api/v1/assessments/templates', {
    config: write,
    schema: { tags, summary: 'Create a template (version 1)', body: CreateTemplateBody, response: { 201: TemplateDetailSchema } },
  }, async (request, reply) => reply.code(201).send(await questionnaires.create(request.body, request.ctx)));

  app.post('/api/v1/assessments/templates/import', {
    config: write,
    schema: {
      tags,
      summary: 'Import a template exported by GET /api/v1/assessments/templates/{id}/export, as a new template',
      body: TemplateExportSchema,
      response: { 201: TemplateDetailSchema },
    },
  }, async (request, reply) => reply.code(201).send(await questionnaires.importTemplate(request.body, request.ctx)));

  app.get('/api/v1/assessments/templates/:id', {
    config: read,
    schema: {
      tags,
      summary: 'A template at its current version (or ?version=N), with its version history and mapped controls',
      params: TemplateIdParams,
      querystring: VersionQuery,
      response: { 200: TemplateDetailSchema },
    },
  }, async (request) => questionnaires.get(request.params.id, request.query.version));

  app.put('/api/v1/assessments/templates/:id', {
    config: write,
    schema: {
      tags,
      summary: 'Save an edit as the next version (versions never change; assessments keep theirs)',
      description: 'An edit that changes nothing writes no version. Give baseVersion to be told (409) when someone saved a newer version since you loaded it.',
      params: TemplateIdParams,
      body: UpdateTemplateBody,
      response: { 200: TemplateDetailSchema },
    },
  }, async (request) => questionnaires.update(request.params.id, request.body, request.ctx));

  app.get('/api/v1/assessments/templates/:id/export', {
    config: read,
    schema: { tags, summary: 'A template version as a JSON file that import reads back', params: TemplateIdParams, querystring: VersionQuery, response: { 200: TemplateExportSchema } },
  }, async (request, reply) => {
    const doc = await questionnaires.exportTemplate(request.params.id, request.query.version);
    const file = `${doc.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'template'}-v${doc.version}.json`;
    return reply.header('content-disposition', `attachment; filename="${file}"`).send(doc);
  });
}
