import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import { rawBody, rawUploadRoutes } from '../../platform/http/uploads.js';
import { sendAttachment } from '../portal/portal.routes.js';
import type { IncidentCorrelation } from './incidents.correlation.js';
import { IncidentCorrelationSettingsSchema } from './incidents.correlation.js';
import {
  CompleteTaskBody,
  CreateIncidentBody,
  CreateTaskBody,
  EvidenceSchema,
  FileIdParams,
  IncidentDetailSchema,
  IncidentIdParams,
  IncidentSchema,
  LinkBody,
  LinkParams,
  ListIncidentsQuery,
  NoteBody,
  ParticipantIdParams,
  ParticipantInput,
  ParticipantSchema,
  StatusBody,
  TaskIdParams,
  TaskSchema,
  UpdateIncidentBody,
  UpdateTaskBody,
} from './incidents.schemas.js';
import type { IncidentService } from './incidents.service.js';

const WORKFLOW =
  'Statuses: new → acknowledged → contained → eradicated → recovered → closed, and false-positive from any open status. The workflow moves forward (a skipped step is reached with the step taken); closed and false-positive are terminal, and reopening goes back to acknowledged. A move the status does not allow answers 409.';

const EvidenceQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255, description: 'The file name (its extension must match the content).' }),
    shareable: Type.Optional(Type.Boolean({ description: 'Shown to the vendor in the portal.' })),
  },
  { additionalProperties: false },
);

export function incidentRoutes(app: App, incidents: IncidentService, correlation: IncidentCorrelation, options: { maxFileBytes: number }): void {
  const tags = ['incidents'];
  const read = { permission: 'read' as const };
  const write = { permission: 'incidents:write' as const };

  app.get('/api/v1/incidents', {
    config: read,
    schema: {
      tags,
      summary: 'Incidents, newest first; filter by status (or open), severity, vendor, source and words of the title or summary',
      description: `${WORKFLOW} Drill incidents are listed only with their drillId.`,
      querystring: ListIncidentsQuery,
      response: { 200: Page(IncidentSchema) },
    },
  }, async (request) => incidents.list(request.query));

  app.post('/api/v1/incidents', {
    config: write,
    schema: {
      tags,
      summary: 'Open an incident (source manual)',
      description: 'Products imply their vendors. sharedFields names what the vendors named may see in the portal (nothing by default).',
      body: CreateIncidentBody,
      response: { 201: IncidentDetailSchema },
    },
  }, async (request, reply) => reply.code(201).send(await incidents.create(request.body, request.ctx)));

  app.get('/api/v1/incidents/:id', {
    config: read,
    schema: { tags, summary: 'An incident with its products, participants, tasks, timeline, links and evidence', params: IncidentIdParams, response: { 200: IncidentDetailSchema } },
  }, async (request) => incidents.get(request.params.id));

  app.patch('/api/v1/incidents/:id', {
    config: write,
    schema: {
      tags,
      summary: 'Change the title, summary, severity, detection time, impact (members given replace theirs), vendors, products or shared fields',
      params: IncidentIdParams,
      body: UpdateIncidentBody,
      response: { 200: IncidentDetailSchema },
    },
  }, async (request) => incidents.edit(request.params.id, request.body, request.ctx));

  app.post('/api/v1/incidents/:id/status', {
    config: write,
    schema: { tags, summary: 'Move the incident along its workflow, with an optional note on the timeline', description: WORKFLOW, params: IncidentIdParams, body: StatusBody, response: { 200: IncidentDetailSchema } },
  }, async (request) => incidents.changeStatus(request.params.id, request.body.status, request.ctx, request.body.note));

  app.post('/api/v1/incidents/:id/participants', {
    config: write,
    schema: { tags, summary: 'Add a participant by role (a team, the vendor\'s contact, outside counsel, or the lead)', params: IncidentIdParams, body: ParticipantInput, response: { 201: ParticipantSchema } },
  }, async (request, reply) => reply.code(201).send(await incidents.addParticipant(request.params.id, request.body, request.ctx)));

  app.delete('/api/v1/incidents/:id/participants/:participantId', {
    config: write,
    schema: { tags, summary: 'Remove a participant', params: ParticipantIdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await incidents.removeParticipant(request.params.id, request.params.participantId, request.ctx);
    return reply.code(204).send(null);
  });

  app.post('/api/v1/incidents/:id/tasks', {
    config: write,
    schema: {
      tags,
      summary: 'Add a task for a team, with an owner, a due time and optionally a form its completion must answer',
      params: IncidentIdParams,
      body: CreateTaskBody,
      response: { 201: TaskSchema },
    },
  }, async (request, reply) => reply.code(201).send(await incidents.createTask(request.params.id, { ...request.body, dueAt: request.body.dueAt ?? null }, request.ctx)));

  app.patch('/api/v1/incidents/:id/tasks/:taskId', {
    config: write,
    schema: { tags, summary: 'Change a task (title, team, owner, due time), skip it or reopen it', params: TaskIdParams, body: UpdateTaskBody, response: { 200: TaskSchema } },
  }, async (request) => incidents.updateTask(request.params.id, request.params.taskId, request.body, request.ctx));

  app.post('/api/v1/incidents/:id/tasks/:taskId/complete', {
    config: write,
    schema: {
      tags,
      summary: 'Complete an open task; a task with a form takes the answer it asks',
      description: 'The answer is an object of the form\'s field ids; each is checked against its field (type, options, required): 422 naming /answer/<field> otherwise. A task done or skipped answers 409.',
      params: TaskIdParams,
      body: CompleteTaskBody,
      response: { 200: TaskSchema },
    },
  }, async (request) => incidents.completeTask(request.params.id, request.params.taskId, request.body?.answer, request.ctx));

  app.post('/api/v1/incidents/:id/events', {
    config: write,
    schema: { tags, summary: 'Add a note to the timeline (shareable: shown to the vendor)', params: IncidentIdParams, body: NoteBody, response: { 201: IncidentDetailSchema } },
  }, async (request, reply) => reply.code(201).send(await incidents.addNote(request.params.id, request.body, request.ctx)));

  app.post('/api/v1/incidents/:id/links', {
    config: write,
    schema: { tags, summary: 'Link a risk, finding, sighting, assessment or indicator (it must exist; linking again changes nothing)', params: IncidentIdParams, body: LinkBody, response: { 201: IncidentDetailSchema } },
  }, async (request, reply) => reply.code(201).send(await incidents.addLink(request.params.id, request.body, request.ctx)));

  app.delete('/api/v1/incidents/:id/links/:kind/:targetId', {
    config: write,
    schema: { tags, summary: 'Remove a link', params: LinkParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await incidents.removeLink(request.params.id, { kind: request.params.kind, targetId: request.params.targetId }, request.ctx);
    return reply.code(204).send(null);
  });

  rawUploadRoutes(app, options.maxFileBytes, (scope) => {
    scope.post('/api/v1/incidents/:id/evidence', {
      config: write,
      schema: {
        tags,
        summary: 'Attach an evidence file (the body is the file)',
        description: `Accepted: PDF, PNG, JPEG, GIF, ZIP (and Office documents), gzip, JSON, XML, plain text; the type is read from the content, and a name or Content-Type naming another type is refused (415), as is HTML or SVG. Over ${Math.round(options.maxFileBytes / 1048576)} MB (THIRDWATCH_MAX_EVIDENCE_MB): 413. The same bytes attached again are the same file.`,
        params: IncidentIdParams,
        querystring: EvidenceQuery,
        response: { 201: EvidenceSchema },
      },
    }, async (request, reply) =>
      reply.code(201).send(await incidents.attach(request.params.id, rawBody(request.body), { name: request.query.name, contentType: request.headers['content-type'], shareable: request.query.shareable }, request.ctx)));
  }, null);

  app.get('/api/v1/incidents/:id/evidence/:fileId', {
    config: read,
    schema: { tags, summary: 'An evidence file, as an attachment', params: FileIdParams },
  }, async (request, reply) => {
    const { file, content } = await incidents.evidence(request.params.id, request.params.fileId);
    return sendAttachment(reply, file, content);
  });

  app.get('/api/v1/settings/incident-correlation', {
    config: { permission: 'read' },
    schema: { tags: ['settings'], summary: 'The rule by which a sighting opens an incident (per vendor and indicator set)', response: { 200: IncidentCorrelationSettingsSchema } },
  }, async () => correlation.settings());

  app.put('/api/v1/settings/incident-correlation', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the rule by which a sighting opens an incident', body: IncidentCorrelationSettingsSchema, response: { 200: IncidentCorrelationSettingsSchema } },
  }, async (request) => correlation.setSettings(request.body, request.ctx));
}
