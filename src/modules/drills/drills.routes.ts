import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import {
  CreateScheduleBody,
  DrillDetailSchema,
  DrillIdParams,
  DrillScheduleSchema,
  DrillSchema,
  ListDrillsQuery,
  StartDrillBody,
  UpdateScheduleBody,
} from './drills.schemas.js';
import type { DrillService } from './drills.service.js';

const DRILL_MODE =
  'A drill runs the playbook against a synthetic incident (it carries the drill\'s id, so real lists, metrics and exports leave it out). Effects are captured, not sent: notifications and signed webhooks recorded, blocks staged (never exported), questionnaires recorded. Participants answer its tasks as in a real incident.';

export function drillRoutes(app: App, drills: DrillService): void {
  const tags = ['drills'];
  const read = { permission: 'read' as const };
  const run = { permission: 'incidents:write' as const };
  const plan = { permission: 'playbooks:write' as const };

  app.get('/api/v1/drills', {
    config: read,
    schema: { tags, summary: 'Drills, newest first; filter by playbook, vendor and status', querystring: ListDrillsQuery, response: { 200: Page(DrillSchema) } },
  }, async (request) => drills.list(request.query));

  app.post('/api/v1/drills', {
    config: run,
    schema: {
      tags,
      summary: 'Start a drill of a playbook',
      description: `${DRILL_MODE} The scenario describes the synthetic incident; what it leaves out is derived from the playbook's trigger and a vendor of the tier it names (422 when there is none).`,
      body: StartDrillBody,
      response: { 201: DrillDetailSchema },
    },
  }, async (request, reply) => reply.code(201).send(await drills.start(request.body, request.ctx)));

  app.get('/api/v1/drills/:id', {
    config: read,
    schema: {
      tags,
      summary: 'A drill and its report',
      description: 'The report: each step planned (its due offset) against actual, overruns, who answered which task when, and everything captured. Live while the drill runs; frozen when it is finished.',
      params: DrillIdParams,
      response: { 200: DrillDetailSchema },
    },
  }, async (request) => drills.get(request.params.id));

  app.post('/api/v1/drills/:id/finish', {
    config: run,
    schema: { tags, summary: 'Finish a drill: its report is frozen and kept as evidence', params: DrillIdParams, response: { 200: DrillDetailSchema } },
  }, async (request) => drills.finish(request.params.id, request.ctx));

  app.get('/api/v1/drill-schedules', {
    config: read,
    schema: { tags, summary: 'Recurring drills per vendor tier', response: { 200: Type.Object({ items: Type.Array(DrillScheduleSchema) }) } },
  }, async () => ({ items: await drills.schedules() }));

  app.post('/api/v1/drill-schedules', {
    config: plan,
    schema: {
      tags,
      summary: 'Schedule a playbook\'s drill for a tier every N days',
      description: 'When due, a drill starts against the vendor of the tier drilled least recently. One schedule per tier and playbook (409).',
      body: CreateScheduleBody,
      response: { 201: DrillScheduleSchema },
    },
  }, async (request, reply) => reply.code(201).send(await drills.createSchedule(request.body, request.ctx)));

  app.patch('/api/v1/drill-schedules/:id', {
    config: plan,
    schema: { tags, summary: 'Change a drill schedule\'s period, next run or pause it', params: DrillIdParams, body: UpdateScheduleBody, response: { 200: DrillScheduleSchema } },
  }, async (request) => drills.updateSchedule(request.params.id, request.body, request.ctx));

  app.delete('/api/v1/drill-schedules/:id', {
    config: plan,
    schema: { tags, summary: 'Delete a drill schedule (its drills stay)', params: DrillIdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await drills.deleteSchedule(request.params.id, request.ctx);
    return reply.code(204).send(null);
  });
}
