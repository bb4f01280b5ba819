import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { App } from '../../platform/http/server.js';
import type { Job } from '../../platform/jobs/queue.js';
import { JobIdParams, JobSchema, ListJobsQuery } from './jobs.schemas.js';
import { presentJob, type JobService } from './jobs.service.js';

export function jobRoutes(app: App, jobs: JobService): void {
  const tags = ['jobs'];

  app.get('/api/v1/jobs', {
    config: { permission: 'settings:write' },
    schema: { tags, summary: 'Every background job, newest first (admins)', querystring: ListJobsQuery, response: { 200: Type.Object({ items: Type.Array(JobSchema), nextCursor: Type.Null() }) } },
  }, async (request) => ({ items: await jobs.list(request.query), nextCursor: null }));

  app.get('/api/v1/jobs/:id', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'A job: status, progress, result or error',
      description: 'People see the jobs they started; admins see every job. Another person\'s job answers 404.',
      params: JobIdParams,
      response: { 200: JobSchema },
    },
  }, async (request) => jobs.get(request.params.id, request.ctx));

  app.post('/api/v1/jobs/:id/cancel', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Cancel a job',
      description:
        'A job that has not started is cancelled at once; a running one stops at its next chunk and discards what it staged (an import leaves nothing behind). A job that has ended is answered unchanged. Answers 202 with the job as it is now. A job in its publishing phase has passed its point of no return: it answers 409 and completes.',
      params: JobIdParams,
      response: { 202: JobSchema },
    },
  }, async (request, reply) => reply.status(202).send(await jobs.cancel(request.params.id, request.ctx)));
}

/** The answer of a route that started a job: 202 with the job (and any fields its route adds) and where to follow it. */
export function sendAccepted(reply: FastifyReply, job: Job, extra: Record<string, unknown> = {}) {
  return reply.status(202).header('location', `/api/v1/jobs/${job.id}`).send({ ...presentJob(job), ...extra });
}
