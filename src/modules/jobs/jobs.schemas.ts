import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(s: T) => Type.Union([s, Type.Null()]);

const Status = (options: { description?: string } = {}) =>
  Type.Union([Type.Literal('uploading'), Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('dead'), Type.Literal('cancelled')], options);

export const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  status: Status({ description: 'uploading (input still being stored), queued, running, done, dead (failed for good; see error), cancelled' }),
  progress: Type.Object({
    done: Type.Integer({ description: 'Units of work done (rows, records, components), as the job counts them.' }),
    total: Nullable(Type.Integer({ description: 'Units of work in all, once known.' })),
    phase: Nullable(Type.String({ description: 'What the job is doing now, e.g. parsing, checking, staging, publishing.' })),
  }),
  result: Type.Unknown({ description: 'What the job answered when done (for an import: its report); null until then.' }),
  error: Nullable(Type.String({ description: 'The last error; set when an attempt failed.' })),
  cancelRequested: Type.Boolean(),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  createdBy: Nullable(Type.String({ description: 'Who started the job; null for scheduled work.' })),
  createdAt: Type.String(),
  runAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
});
export type JobView = Static<typeof JobSchema>;

export const JobIdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) }, { additionalProperties: false });

export const ListJobsQuery = Type.Object(
  {
    status: Type.Optional(Status()),
    kind: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

/** Querystring of the routes that start a job and may wait for it. */
export const WaitQuery = {
  wait: Type.Optional(
    Type.Boolean({
      description:
        'true: the request runs the job itself and answers its result when it ends (the shape this route had before it became a job). Otherwise the answer is 202 with the job and a Location header; follow it with GET /api/v1/jobs/{id}.',
    }),
  ),
};
