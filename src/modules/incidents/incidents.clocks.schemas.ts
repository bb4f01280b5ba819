import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { CLOCK_KINDS, SEVERITIES } from './incidents.clocks.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });
const Time = Type.String({ format: 'date-time' });

export const CLOCK_STATES = ['running', 'overdue', 'met', 'late', 'completed', 'withdrawn', 'false-positive'] as const;
export type ClockDisplayState = (typeof CLOCK_STATES)[number];

export const ClockSchema = Type.Object({
  incidentId: Type.String(),
  kind: Type.String({ description: CLOCK_KINDS.join(', ') }),
  label: Type.String(),
  regulatory: Type.Boolean({ description: 'Regulatory clocks are stopped by completing them (with the authority\'s reference); SLA clocks by the incident\'s status.' }),
  basis: Type.String({ description: 'Why the clock runs and from what.' }),
  startedAt: Type.String(),
  dueAt: Type.String(),
  stoppedAt: Nullable(Type.String()),
  stopReason: Nullable(Type.String({ description: 'met, completed, withdrawn, false-positive' })),
  breachedAt: Nullable(Type.String({ description: 'When the breach job found it overdue (once).' })),
  escalatedAt: Nullable(Type.String()),
  reference: Nullable(Type.String()),
  note: Nullable(Type.String()),
  completedBy: Nullable(Type.String()),
  state: Type.String({ description: `${CLOCK_STATES.join(', ')} (late: stopped after its due time)` }),
});
export type Clock = Static<typeof ClockSchema>;

export const RunningClockSchema = Type.Object({
  ...ClockSchema.properties,
  incidentTitle: Type.String(),
  severity: Type.String(),
  status: Type.String(),
});
export type RunningClock = Static<typeof RunningClockSchema>;

export const ClockParams = Type.Object({ id: Uuid, kind: Type.Enum([...CLOCK_KINDS]) });
export const RunningClocksQuery = Type.Object(
  { drillId: Type.Optional(Type.String({ pattern: UUID_PATTERN, description: 'The running clocks of this drill\'s incidents (otherwise real incidents only).' })) },
  { additionalProperties: false },
);

export const CompleteClockBody = Type.Object(
  {
    reference: Type.String({ minLength: 1, maxLength: 300, description: 'The authority\'s reference for the report filed (case number, submission id).' }),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false },
);

const Minutes = Nullable(Type.Integer({ minimum: 1, maximum: 525_600, description: 'Minutes from the incident\'s creation; null: no clock.' }));
const Targets = Type.Object({ acknowledgeMinutes: Minutes, containMinutes: Minutes, resolveMinutes: Minutes }, { additionalProperties: false });
export const SlaSettingsSchema = Type.Object(
  { critical: Targets, high: Targets, medium: Targets, low: Targets },
  { additionalProperties: false, description: 'SLA targets per severity.' },
);

const SeverityList = Type.Array(Type.Enum([...SEVERITIES]), { uniqueItems: true, maxItems: 4 });
export const RegulationSettingsSchema = Type.Object(
  {
    gdpr: Type.Object(
      { enabled: Type.Boolean(), personalDataCategories: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { uniqueItems: true, maxItems: 100, description: 'Impact data categories that are personal data.' }) },
      { additionalProperties: false },
    ),
    nis2: Type.Object({ enabled: Type.Boolean(), significantSeverities: SeverityList }, { additionalProperties: false }),
    dora: Type.Object(
      {
        enabled: Type.Boolean(),
        majorSeverities: SeverityList,
        ictProviderVendorIds: Type.Array(Uuid, { uniqueItems: true, maxItems: 10_000, description: 'Vendors that are ICT third-party providers in scope of DORA.' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'Which regulatory clocks apply.' },
);

// Metrics.

export const METRIC_GROUPS = ['severity', 'team', 'vendor'] as const;
export type MetricGroup = (typeof METRIC_GROUPS)[number];

export const MetricsQuery = Type.Object(
  {
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    interval: Type.Optional(Type.Enum(['week', 'month'], { default: 'week' })),
    by: Type.Optional(Type.Enum([...METRIC_GROUPS], { default: 'severity' })),
  },
  { additionalProperties: false },
);
export type MetricsQueryType = Static<typeof MetricsQuery>;

const Stats = {
  incidents: Type.Integer({ description: 'Incidents detected in the bucket.' }),
  acknowledged: Type.Integer(),
  mttaMinutes: Nullable(Type.Number({ description: 'Mean time from creation to acknowledgement.' })),
  resolved: Type.Integer(),
  mttrMinutes: Nullable(Type.Number({ description: 'Mean time from detection to recovery (else closure).' })),
};
const Point = Type.Object({ start: Type.String(), ...Stats });
export const MetricsSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  interval: Type.String(),
  by: Type.String(),
  buckets: Type.Array(Type.Object({ start: Type.String(), end: Type.String() })),
  overall: Type.Object({ ...Stats, points: Type.Array(Point) }),
  groups: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), ...Stats, points: Type.Array(Point) })),
  tasks: Type.Array(
    Type.Object({
      team: Type.String(),
      done: Type.Integer(),
      late: Type.Integer({ description: 'Done after their due time.' }),
      meanMinutesToDone: Nullable(Type.Number()),
      points: Type.Array(Type.Object({ start: Type.String(), done: Type.Integer(), late: Type.Integer(), meanMinutesToDone: Nullable(Type.Number()) })),
    }),
    { description: 'Per team: tasks done in the period and their mean time from creation to done.' },
  ),
});
export type Metrics = Static<typeof MetricsSchema>;
