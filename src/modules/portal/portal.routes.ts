import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { Authenticator } from '../../platform/http/auth-hook.js';
import type { App } from '../../platform/http/server.js';
import { rawBody, rawUploadRoutes } from '../../platform/http/uploads.js';
import { unauthorized } from '../../platform/errors.js';
import { SmtpSettingsSchema, type Mailer } from '../../platform/mail.js';
import {
  AnswersBody,
  AssessmentFileParams,
  AssessmentIdParams,
  FileIdParams,
  FileUploadQuery,
  InvitationBody,
  InvitationSchema,
  PortalAssessmentSchema,
  PortalAssessmentSummary,
  PortalFileSchema,
  PortalSessionCreated,
  PortalSessionSchema,
  PortalSettingsSchema,
  SessionBody,
} from './portal.schemas.js';
import type { PortalService } from './portal.service.js';

/** An evidence file as a download: never rendered by the browser, whatever it holds. */
export function sendAttachment(reply: FastifyReply, file: { name: string; mediaType: string }, content: Buffer) {
  const ascii = file.name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return reply
    .type(file.mediaType)
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(content);
}

export function portalRoutes(app: App, portal: PortalService, mailer: Mailer, throttle: Pick<Authenticator, 'assertNotThrottled' | 'recordFailure'>, options: { maxFileBytes: number }): void {
  const settingsTags = ['settings'];
  app.get('/api/v1/settings/smtp', {
    config: { permission: 'settings:write' },
    schema: { tags: settingsTags, summary: 'SMTP server for e-mail (portal invitations, reminders); the password is write-only', description: 'The password is shown as ***; sending *** back keeps the stored one, null removes it.', response: { 200: SmtpSettingsSchema } },
  }, async () => mailer.settingsView());

  app.put('/api/v1/settings/smtp', {
    config: { permission: 'settings:write' },
    schema: { tags: settingsTags, summary: 'Change the SMTP settings', body: SmtpSettingsSchema, response: { 200: SmtpSettingsSchema } },
  }, async (request) => mailer.setSettings(request.body, request.ctx));

  app.get('/api/v1/settings/portal', {
    config: { permission: 'read' },
    schema: { tags: settingsTags, summary: 'Vendor portal: public URL of links, link and session lifetimes, reminder timing', response: { 200: PortalSettingsSchema } },
  }, async () => portal.settings());

  app.put('/api/v1/settings/portal', {
    config: { permission: 'settings:write' },
    schema: { tags: settingsTags, summary: 'Change the vendor portal settings', body: PortalSettingsSchema, response: { 200: PortalSettingsSchema } },
  }, async (request) => portal.setSettings(request.body, request.ctx));

  const tags = ['portal'];
  app.post('/api/v1/assessments/:id/invitations', {
    config: { permission: 'assessments:write' },
    schema: {
      tags: ['assessments'],
      summary: 'Send the assessment to the vendor: a single-use portal link (draft → sent), e-mailed to the contact when e-mail is on',
      description: 'Without contactId the link goes to the vendor\'s primary contact with an e-mail (else the first with one). The link is returned once; only its hash is stored.',
      params: AssessmentIdParams,
      body: InvitationBody,
      response: { 201: InvitationSchema },
    },
  }, async (request, reply) => reply.status(201).send(await portal.invite(request.params.id, request.body ?? {}, request.ctx)));

  app.get('/api/v1/assessments/:id/files/:fileId', {
    config: { permission: 'read' },
    schema: { tags: ['assessments'], summary: 'An evidence file the assessment\'s answers name, as an attachment', params: AssessmentFileParams },
  }, async (request, reply) => {
    const { file, content } = await portal.assessmentFile(request.params.id, request.params.fileId);
    return sendAttachment(reply, file, content);
  });

  app.post('/api/v1/portal/sessions', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Open the portal with the token of an invitation link: a bearer token (twp_...) for that vendor',
      description: 'A link works once: its second use, like an expired link, answers 410 (link-used, link-expired); an unknown token 401 (and counts as an auth failure).',
      body: SessionBody,
      response: { 201: PortalSessionCreated },
    },
  }, async (request, reply) => {
    await throttle.assertNotThrottled(request.ip);
    const session = await portal.openSession(request.body.token);
    if (!session) {
      await throttle.recordFailure(request.ip);
      throw unauthorized('this portal link is not valid: check that it was copied whole, or ask your contact for a new one');
    }
    return reply.status(201).send(session);
  });

  const scoped = { permission: 'portal' } as const;
  app.get('/api/v1/portal/session', {
    config: scoped,
    schema: { tags, summary: 'The portal session: its vendor and when it ends', response: { 200: PortalSessionSchema } },
  }, async (request) => portal.sessionView(request.ctx));

  app.get('/api/v1/portal/assessments', {
    config: scoped,
    schema: { tags, summary: "The session's vendor's assessments (sent and later)", response: { 200: Type.Object({ items: Type.Array(PortalAssessmentSummary) }) } },
  }, async (request) => ({ items: await portal.listAssessments(request.ctx) }));

  app.get('/api/v1/portal/assessments/:id', {
    config: scoped,
    schema: { tags, summary: 'An assessment as the vendor sees it: sections, questions, its answers and reviewers\' comments on rejected ones', params: AssessmentIdParams, response: { 200: PortalAssessmentSchema } },
  }, async (request) => portal.getAssessment(request.params.id, request.ctx));

  app.put('/api/v1/portal/assessments/:id/answers', {
    config: scoped,
    schema: {
      tags,
      summary: 'Save draft answers (all or none: a bad one is a 4xx naming its question)',
      description: 'value by question type: yesno "yes"|"no"|"partial"|"na"; choice one option; multichoice options; number (perService: [{ serviceId, value }]); date YYYY-MM-DD; text; file an uploaded file id; sbom { fileId, productId }.',
      params: AssessmentIdParams,
      body: AnswersBody,
      response: { 200: PortalAssessmentSchema },
    },
  }, async (request) => portal.saveAnswers(request.params.id, request.body.answers, request.ctx));

  app.post('/api/v1/portal/assessments/:id/submit', {
    config: scoped,
    schema: { tags, summary: 'Submit the answers for review (422 naming every required answer missing)', params: AssessmentIdParams, response: { 200: PortalAssessmentSchema } },
  }, async (request) => portal.submit(request.params.id, request.ctx));

  rawUploadRoutes(app, options.maxFileBytes, (scope) => {
    scope.post('/api/v1/portal/files', {
      config: scoped,
      schema: {
        tags,
        summary: 'Upload an evidence file (the body is the file); answer a file or SBOM question with its id',
        description: `Accepted: PDF, PNG, JPEG, GIF, ZIP (and Office documents), gzip, JSON, XML, plain text; the type is read from the content, and a name or Content-Type naming another type is refused (415), as is HTML or SVG. Over ${Math.round(options.maxFileBytes / 1048576)} MB (THIRDWATCH_MAX_EVIDENCE_MB): 413. The same bytes uploaded again are the same file.`,
        querystring: FileUploadQuery,
        response: { 201: PortalFileSchema },
      },
    }, async (request, reply) => reply.status(201).send(await portal.upload(rawBody(request.body), { name: request.query.name, contentType: request.headers['content-type'] }, request.ctx)));
  }, null);

  app.get('/api/v1/portal/files/:id', {
    config: scoped,
    schema: { tags, summary: 'One of the vendor\'s uploaded files, as an attachment', params: FileIdParams },
  }, async (request, reply) => {
    const { file, content } = await portal.download(request.params.id, request.ctx);
    return sendAttachment(reply, file, content);
  });
}
