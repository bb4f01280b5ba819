import { Type } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';
import { MAX_YAML_BYTES } from './playbooks.model.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(s: T) => Type.Union([s, Type.Null()]);
const Id = Type.String({ pattern: UUID_PATTERN, description: 'a UUID' });

export const PlaybookIdParams = Type.Object({ id: Id });
export const RunIdParams = Type.Object({ id: Id });
export const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }, { additionalProperties: false });
export const DiffQuery = Type.Object(
  { from: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })), to: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) },
  { additionalProperties: false },
);

const YamlText = Type.String({ minLength: 1, maxLength: MAX_YAML_BYTES, description: 'the playbook as YAML (JSON is YAML too)' });
/** JSON `{ yaml }`, or the YAML itself with Content-Type text/yaml (application/yaml, text/plain). */
export const SaveBody = Type.Union([Type.Object({ yaml: YamlText, baseVersion: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }), YamlText]);
export const CheckBody = SaveBody;

const Summary = {
  id: Type.String(),
  key: Nullable(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  enabled: Type.Boolean(),
  version: Type.Integer(),
  on: Type.Array(Type.String()),
  when: Nullable(Type.String()),
  stepCount: Type.Integer(),
  stepTypes: Type.Array(Type.String()),
  updatedAt: Type.String(),
};
export const PlaybookSummarySchema = Type.Object(Summary);
export const PlaybookListSchema = Type.Object({ items: Type.Array(PlaybookSummarySchema) });
const VersionInfo = Type.Object({ version: Type.Integer(), createdAt: Type.String(), createdBy: Type.String(), sha256: Type.String() });
export const VersionListSchema = Type.Object({ items: Type.Array(VersionInfo) });
export const PlaybookDetailSchema = Type.Object({
  ...Summary,
  currentVersion: Type.Integer(),
  yaml: Type.String(),
  document: Type.Unknown({ description: 'the validated document the YAML parsed to' }),
  createdAt: Type.String(),
  createdBy: Type.String(),
  versions: Type.Array(VersionInfo),
  edges: Type.Array(
    Type.Object({ from: Type.String(), to: Type.String({ description: 'a step id, or end' }), when: Nullable(Type.String()), kind: Type.Enum(['next', 'branch'] as const) }),
    { description: 'where each step can go: its branches (with their conditions), then where it goes otherwise' },
  ),
});
export const DiffSchema = Type.Object({ from: Type.Integer(), to: Type.Integer(), diff: Type.String({ description: 'unified diff of the YAML (empty when equal)' }) });
export const CheckSchema = Type.Object({
  valid: Type.Boolean(),
  problems: Type.Array(Type.Object({ field: Type.String(), reason: Type.String() })),
  document: Type.Optional(Type.Unknown()),
});

const RunStepSchema = Type.Object({
  stepId: Type.String(),
  type: Type.String(),
  seq: Type.Integer({ description: 'order in which the run reached the step; -1 when not reached' }),
  status: Type.String({ description: 'pending, waiting, done, skipped, failed, or not reached' }),
  attempt: Type.Integer(),
  taskId: Nullable(Type.String()),
  wakeAt: Nullable(Type.String()),
  output: Type.Unknown(),
  error: Nullable(Type.String()),
  createdAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  durationMs: Nullable(Type.Number()),
});
export const RunSchema = Type.Object({
  id: Type.String(),
  playbookId: Type.String(),
  playbookName: Type.String(),
  playbookVersion: Type.Integer(),
  incidentId: Type.String(),
  status: Type.String({ description: 'running, waiting, done, failed or cancelled (ended from outside, e.g. its drill finished)' }),
  drillId: Nullable(Type.String()),
  trigger: Type.String(),
  error: Nullable(Type.String()),
  createdBy: Type.String(),
  startedAt: Type.String(),
  updatedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  steps: Type.Array(RunStepSchema),
});
export const ListRunsQuery = Type.Object(
  {
    incidentId: Type.Optional(Id),
    drillId: Type.Optional(Id),
    playbookId: Type.Optional(Id),
    status: Type.Optional(Type.Enum(['running', 'waiting', 'done', 'failed', 'cancelled'] as const)),
    ...PageQuery,
  },
  { additionalProperties: false },
);
