import { Type, type Static, type TEnum } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });
const literals = <const T extends string[]>(values: readonly [...T]): TEnum<T> => Type.Enum(values);
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const DRILL_STATUSES = ['running', 'finished', 'cancelled'] as const;
export type DrillStatus = (typeof DRILL_STATUSES)[number];
export const TIERS = ['T1', 'T2', 'T3', 'T4'] as const;
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const SOURCES = ['vendor', 'correlation', 'manual'] as const;
const StepId = Type.String({ pattern: '^[A-Za-z0-9_.-]+$', minLength: 1, maxLength: 100 });
export const SCENARIO_INDICATOR_TYPES = ['domain', 'url', 'ipv4', 'ipv6', 'sha256', 'sha1', 'md5', 'email'] as const;

/**
 * What the synthetic incident looks like. Everything is optional: left out, it is derived from the
 * playbook's trigger (a severity, source, data categories and vendor tier it accepts) and a vendor
 * of that tier. `answers` answer the drill's human steps as a participant would: by step id, the
 * answer to an approval/input step's form, or true (any object) to complete a task step.
 */
export const ScenarioSchema = Type.Object(
  {
    title: Type.Optional(Text(300)),
    summary: Type.Optional(Type.String({ maxLength: 10_000 })),
    severity: Type.Optional(literals(SEVERITIES)),
    source: Type.Optional(literals(SOURCES)),
    vendorId: Type.Optional(Uuid),
    productIds: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
    impact: Type.Optional(
      Type.Object(
        {
          dataCategories: Type.Optional(Type.Array(Text(100), { maxItems: 50 })),
          systems: Type.Optional(Type.Array(Text(200), { maxItems: 100 })),
          records: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e12 })),
          serviceIds: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
        },
        { additionalProperties: false },
      ),
    ),
    indicatorIds: Type.Optional(Type.Array(Uuid, { maxItems: 200, description: 'Existing indicators linked to the synthetic incident (block steps stage their domains).' })),
    indicators: Type.Optional(
      Type.Array(
        Type.Object({ type: literals(SCENARIO_INDICATOR_TYPES), value: Text(2048) }, { additionalProperties: false }),
        {
          maxItems: 200,
          description:
            'Synthetic indicators the playbook sees on the drill\'s incident (defanged values are refanged). They stay in the drill: never stored as indicators, so nothing real (correlation, the ICAP service) matches them.',
        },
      ),
    ),
    answers: Type.Optional(Type.Record(StepId, Type.Unknown(), { description: 'By step id: the answer to that step\'s task (approval/input form values, or true for a plain task).' })),
  },
  { additionalProperties: false },
);
export type Scenario = Static<typeof ScenarioSchema>;

export const StartDrillBody = Type.Object(
  {
    playbookId: Uuid,
    scenario: Type.Optional(ScenarioSchema),
  },
  { additionalProperties: false },
);
export type StartDrillInput = Static<typeof StartDrillBody>;

const StepReport = Type.Object({
  stepId: Type.String(),
  type: Type.String(),
  title: Nullable(Type.String()),
  team: Nullable(Type.String()),
  status: Type.String({ description: 'pending (not reached), running, waiting, done, failed, skipped' }),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  plannedSeconds: Nullable(Type.Number({ description: 'The step\'s due offset (tasks, approvals, inputs); null when the playbook sets none.' })),
  actualSeconds: Nullable(Type.Number({ description: 'From the step\'s start to its end, or to now while it is open.' })),
  overrun: Type.Boolean(),
  overrunSeconds: Type.Number(),
  error: Nullable(Type.String()),
});

const Response = Type.Object({
  taskId: Type.String(),
  stepId: Nullable(Type.String()),
  team: Type.String(),
  title: Type.String(),
  owner: Nullable(Type.String()),
  status: Type.String(),
  createdAt: Nullable(Type.String()),
  dueAt: Nullable(Type.String()),
  completedBy: Nullable(Type.String()),
  completedAt: Nullable(Type.String()),
  secondsToRespond: Nullable(Type.Number()),
  overdue: Type.Boolean(),
});

const Captured = Type.Object({
  kind: Type.String({ description: 'notification, webhook, block or questionnaire' }),
  at: Nullable(Type.String()),
  stepId: Nullable(Type.String()),
  target: Type.String({ description: 'Channel name, domain, or vendor contact' }),
  summary: Type.String(),
  detail: Type.Unknown({ description: 'What would have been sent: the message, the signed request, the staged block, the questionnaire.' }),
});

export const DrillReportSchema = Type.Object({
  generatedAt: Type.String(),
  durationSeconds: Nullable(Type.Number()),
  run: Nullable(Type.Object({ id: Type.String(), status: Type.String(), playbookVersion: Nullable(Type.Integer()) })),
  steps: Type.Array(StepReport),
  responses: Type.Array(Response),
  captured: Type.Array(Captured),
  summary: Type.Object({
    steps: Type.Integer(),
    stepsDone: Type.Integer(),
    stepsWaiting: Type.Integer(),
    stepsFailed: Type.Integer(),
    overruns: Type.Integer(),
    tasks: Type.Integer(),
    tasksDone: Type.Integer(),
    notifications: Type.Integer(),
    webhooks: Type.Integer(),
    blocks: Type.Integer(),
    questionnaires: Type.Integer(),
  }),
});
export type DrillReport = Static<typeof DrillReportSchema>;

export const DrillSchema = Type.Object({
  id: Type.String(),
  playbookId: Type.String(),
  playbookName: Type.String(),
  playbookVersion: Type.Integer(),
  status: Type.String({ description: DRILL_STATUSES.join(', ') }),
  incidentId: Nullable(Type.String()),
  runId: Nullable(Type.String()),
  vendorId: Nullable(Type.String()),
  vendorName: Nullable(Type.String()),
  scheduleId: Nullable(Type.String()),
  startedBy: Type.String(),
  startedAt: Type.String(),
  finishedBy: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
});
export type Drill = Static<typeof DrillSchema>;

export const DrillDetailSchema = Type.Object({
  ...DrillSchema.properties,
  scenario: ScenarioSchema,
  report: DrillReportSchema,
});
export type DrillDetail = Static<typeof DrillDetailSchema>;

export const ListDrillsQuery = Type.Object({
  ...PageQuery,
  playbookId: Type.Optional(Uuid),
  vendorId: Type.Optional(Uuid),
  status: Type.Optional(literals(DRILL_STATUSES)),
});
export type ListDrillsQueryType = Static<typeof ListDrillsQuery>;

export const DrillIdParams = Type.Object({ id: Uuid });

export const DrillScheduleSchema = Type.Object({
  id: Type.String(),
  tier: Type.String(),
  playbookId: Type.String(),
  playbookName: Nullable(Type.String()),
  everyDays: Type.Integer(),
  nextRunAt: Type.String(),
  enabled: Type.Boolean(),
  lastDrillId: Nullable(Type.String()),
  lastError: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type DrillSchedule = Static<typeof DrillScheduleSchema>;

const Tier = literals(TIERS);
const EveryDays = Type.Integer({ minimum: 1, maximum: 3660, description: 'Days between drills.' });
const NextRunAt = Type.String({ format: 'date-time', description: 'When the next drill starts (default: now + everyDays).' });

export const CreateScheduleBody = Type.Object(
  { tier: Tier, playbookId: Uuid, everyDays: EveryDays, nextRunAt: Type.Optional(NextRunAt), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type CreateScheduleInput = Static<typeof CreateScheduleBody>;

export const UpdateScheduleBody = Type.Object(
  { everyDays: Type.Optional(EveryDays), nextRunAt: Type.Optional(NextRunAt), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateScheduleInput = Static<typeof UpdateScheduleBody>;
