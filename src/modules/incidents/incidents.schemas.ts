import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });
const Time = Type.String({ format: 'date-time' });

/** The teams of an incident response, one list everywhere (tasks, participants, notification audiences). */
export const TEAMS = ['it', 'security', 'legal', 'privacy', 'compliance', 'vendor', 'counsel'] as const;
export type Team = (typeof TEAMS)[number];
/** A participant's role: a team, or the incident lead. */
export const PARTICIPANT_ROLES = [...TEAMS, 'lead'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SOURCES = ['vendor', 'correlation', 'manual'] as const;
export type IncidentSource = (typeof SOURCES)[number];
/** The workflow, in order; false-positive may be reached from any open status. */
export const STATUS_ORDER = ['new', 'acknowledged', 'contained', 'eradicated', 'recovered', 'closed'] as const;
export const STATUSES = [...STATUS_ORDER, 'false-positive'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const TERMINAL_STATUSES: readonly IncidentStatus[] = ['closed', 'false-positive'];
export const OPEN_STATUSES: readonly IncidentStatus[] = ['new', 'acknowledged', 'contained', 'eradicated', 'recovered'];
export const LINK_KINDS = ['risk', 'finding', 'sighting', 'assessment', 'indicator'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
export const TASK_STATUSES = ['open', 'done', 'skipped'] as const;
/** Fields of an incident an analyst may share with its vendor (the vendor's own report is always visible to it). */
export const SHAREABLE_FIELDS = ['title', 'summary', 'severity', 'status', 'impact', 'detectedAt', 'statusTimes', 'tasks'] as const;
export type ShareableField = (typeof SHAREABLE_FIELDS)[number];

const Text = (max: number) => Type.String({ maxLength: max });
const Name = Type.String({ minLength: 1, maxLength: 300 });

export const ImpactSchema = Type.Object(
  {
    dataCategories: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, uniqueItems: true, description: 'Kinds of data affected, e.g. personal, health, payment, credentials, customer.' }),
    systems: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 500, uniqueItems: true, description: 'Systems affected.' }),
    records: Nullable(Type.Integer({ minimum: 0, description: 'Number of records affected; null when unknown.' })),
    serviceIds: Type.Array(Uuid, { maxItems: 500, uniqueItems: true, description: 'Business services affected.' }),
  },
  { additionalProperties: false },
);
export type Impact = Static<typeof ImpactSchema>;
export const EMPTY_IMPACT: Impact = { dataCategories: [], systems: [], records: null, serviceIds: [] };

/** A partial impact on input: missing members keep their value (or are empty on create). */
export const ImpactInput = Type.Partial(ImpactSchema, { additionalProperties: false });

export const ContactSchema = Type.Object(
  { name: Name, email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 320 }))), phone: Type.Optional(Nullable(Text(60))) },
  { additionalProperties: false },
);
export type Contact = Static<typeof ContactSchema>;

// Task forms: what approval and input tasks ask (playbook steps), validated on completion.

export const FORM_FIELD_TYPES = ['text', 'number', 'boolean', 'choice', 'date'] as const;
export const FormFieldSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_-]{0,63}$' }),
    label: Type.String({ minLength: 1, maxLength: 500 }),
    type: Type.Enum([...FORM_FIELD_TYPES]),
    options: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 50, uniqueItems: true, description: 'The choices of a choice field.' })),
    required: Type.Optional(Type.Boolean({ description: 'Defaults to true.' })),
  },
  { additionalProperties: false },
);
export const TaskFormSchema = Type.Object(
  { fields: Type.Array(FormFieldSchema, { minItems: 1, maxItems: 50 }) },
  { additionalProperties: false, description: 'What completing the task must answer: { fields: [{ id, label, type: text|number|boolean|choice|date, options?, required? }] }; the answer is an object of field id → value.' },
);
export type TaskForm = Static<typeof TaskFormSchema>;
export type TaskAnswer = Record<string, string | number | boolean | null>;

// Shapes returned.

const VendorRef = Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String() });
const ProductRef = Type.Object({ id: Type.String(), name: Type.String(), vendorId: Type.String() });

export const IncidentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  source: Type.String({ description: SOURCES.join(', ') }),
  severity: Type.String({ description: SEVERITIES.join(', ') }),
  status: Type.String({ description: STATUSES.join(', ') }),
  vendorIds: Type.Array(Type.String()),
  productIds: Type.Array(Type.String()),
  vendors: Type.Array(VendorRef),
  impact: ImpactSchema,
  detectedAt: Type.String(),
  acknowledgedAt: Nullable(Type.String()),
  containedAt: Nullable(Type.String()),
  eradicatedAt: Nullable(Type.String()),
  recoveredAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  correlationKey: Nullable(Type.String()),
  sharedFields: Type.Array(Type.String()),
  reportedBy: Nullable(ContactSchema),
  drillId: Nullable(Type.String()),
  openTasks: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Incident = Static<typeof IncidentSchema>;

export const ParticipantSchema = Type.Object({
  id: Type.String(),
  role: Type.String({ description: PARTICIPANT_ROLES.join(', ') }),
  name: Type.String(),
  email: Nullable(Type.String()),
  userId: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
});
export type Participant = Static<typeof ParticipantSchema>;

export const TaskSchema = Type.Object({
  id: Type.String(),
  incidentId: Type.String(),
  team: Type.String({ description: TEAMS.join(', ') }),
  title: Type.String(),
  owner: Nullable(Type.String()),
  dueAt: Nullable(Type.String()),
  overdue: Type.Boolean(),
  status: Type.String({ description: TASK_STATUSES.join(', ') }),
  form: Nullable(TaskFormSchema),
  answer: Nullable(Type.Record(Type.String(), Type.Unknown())),
  runId: Nullable(Type.String()),
  stepId: Nullable(Type.String()),
  completedBy: Nullable(Type.String()),
  completedAt: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Task = Static<typeof TaskSchema>;

export const TimelineEventSchema = Type.Object({
  id: Type.String(),
  at: Type.String(),
  kind: Type.String(),
  actor: Type.String(),
  text: Type.String(),
  data: Nullable(Type.Unknown()),
  shareable: Type.Boolean(),
});
export type TimelineEvent = Static<typeof TimelineEventSchema>;

export const LinkSchema = Type.Object({
  kind: Type.String({ description: LINK_KINDS.join(', ') }),
  targetId: Type.String(),
  label: Nullable(Type.String({ description: 'What the target is (risk title, indicator value, ...), when it still exists.' })),
  createdBy: Type.String(),
  createdAt: Type.String(),
});
export type Link = Static<typeof LinkSchema>;

export const EvidenceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  sha256: Type.String(),
  mediaType: Type.String(),
  sizeBytes: Type.Integer(),
  shareable: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Type.String(),
});
export type Evidence = Static<typeof EvidenceSchema>;

export const IncidentDetailSchema = Type.Object({
  ...IncidentSchema.properties,
  products: Type.Array(ProductRef),
  participants: Type.Array(ParticipantSchema),
  tasks: Type.Array(TaskSchema),
  events: Type.Array(TimelineEventSchema),
  links: Type.Array(LinkSchema),
  evidence: Type.Array(EvidenceSchema),
});
export type IncidentDetail = Static<typeof IncidentDetailSchema>;

/** What a vendor sees of an incident of its own: the shared fields, its own reports and the shareable timeline. */
export const VendorIncidentViewSchema = Type.Object({
  id: Type.String(),
  reference: Type.String({ description: 'A short reference to quote (the first characters of the id).' }),
  title: Nullable(Type.String()),
  summary: Nullable(Type.String()),
  severity: Nullable(Type.String()),
  status: Nullable(Type.String()),
  impact: Nullable(ImpactSchema),
  detectedAt: Nullable(Type.String()),
  statusTimes: Nullable(Type.Record(Type.String(), Nullable(Type.String()))),
  tasks: Nullable(Type.Array(Type.Object({ team: Type.String(), title: Type.String(), status: Type.String(), dueAt: Nullable(Type.String()) }))),
  reports: Type.Array(Type.Object({ at: Type.String(), report: Type.Unknown() }), { description: 'What the vendor itself reported, oldest first.' }),
  events: Type.Array(Type.Object({ at: Type.String(), kind: Type.String(), text: Type.String() })),
  reportedAt: Type.String(),
});
export type VendorIncidentView = Static<typeof VendorIncidentViewSchema>;

// Inputs.

const VendorIds = Type.Array(Uuid, { maxItems: 100, uniqueItems: true });
const ProductIds = Type.Array(Uuid, { maxItems: 500, uniqueItems: true });

export const ParticipantInput = Type.Object(
  {
    role: Type.Enum([...PARTICIPANT_ROLES]),
    name: Name,
    email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 320 }))),
    userId: Type.Optional(Nullable(Uuid)),
  },
  { additionalProperties: false },
);
export type ParticipantInputType = Static<typeof ParticipantInput>;

export const CreateIncidentBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    summary: Type.Optional(Text(20_000)),
    severity: Type.Enum([...SEVERITIES]),
    detectedAt: Type.Optional(Time),
    impact: Type.Optional(ImpactInput),
    vendorIds: Type.Optional(VendorIds),
    productIds: Type.Optional(ProductIds),
    participants: Type.Optional(Type.Array(ParticipantInput, { maxItems: 100 })),
    sharedFields: Type.Optional(Type.Array(Type.Enum([...SHAREABLE_FIELDS]), { uniqueItems: true })),
  },
  { additionalProperties: false },
);

/** What the service creates from (the HTTP body plus what other modules set). */
export type NewIncident = Static<typeof CreateIncidentBody> & {
  source?: IncidentSource;
  correlationKey?: string | null;
  reportedBy?: Contact | null;
};

export const UpdateIncidentBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    summary: Type.Optional(Text(20_000)),
    severity: Type.Optional(Type.Enum([...SEVERITIES])),
    detectedAt: Type.Optional(Time),
    impact: Type.Optional(ImpactInput),
    vendorIds: Type.Optional(VendorIds),
    productIds: Type.Optional(ProductIds),
    sharedFields: Type.Optional(Type.Array(Type.Enum([...SHAREABLE_FIELDS]), { uniqueItems: true })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateIncidentInput = Static<typeof UpdateIncidentBody>;

/** What update() (the playbooks' `set` step among others) may change. */
export type IncidentChanges = Partial<{ severity: Severity; title: string; summary: string; impact: Partial<Impact>; sharedFields: ShareableField[] }>;

export const StatusBody = Type.Object(
  { status: Type.Enum([...STATUSES]), note: Type.Optional(Type.String({ maxLength: 5000 })) },
  { additionalProperties: false },
);

export const CreateTaskBody = Type.Object(
  {
    team: Type.Enum([...TEAMS]),
    title: Type.String({ minLength: 1, maxLength: 500 }),
    owner: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300 }))),
    dueAt: Type.Optional(Nullable(Time)),
    form: Type.Optional(Nullable(TaskFormSchema)),
  },
  { additionalProperties: false },
);
export interface NewTask {
  team: Team;
  title: string;
  dueAt: string | null;
  owner?: string | null;
  form?: TaskForm | null;
  runId?: string | null;
  stepId?: string | null;
}

export const UpdateTaskBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    owner: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300 }))),
    dueAt: Type.Optional(Nullable(Time)),
    team: Type.Optional(Type.Enum([...TEAMS])),
    status: Type.Optional(Type.Enum(['open', 'skipped'], { description: 'Skip a task, or reopen a skipped or done one; completing goes through /complete.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTaskInput = Static<typeof UpdateTaskBody>;

export const CompleteTaskBody = Type.Object(
  { answer: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 10_000 }), Type.Number(), Type.Boolean(), Type.Null()]), { maxProperties: 50 })) },
  { additionalProperties: false },
);

export const NoteBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 20_000 }), shareable: Type.Optional(Type.Boolean({ description: 'Shown to the vendor in the portal.' })) },
  { additionalProperties: false },
);
export interface NewEvent {
  kind: string;
  text: string;
  data?: unknown;
  shareable?: boolean;
}

export const LinkBody = Type.Object(
  { kind: Type.Enum([...LINK_KINDS]), targetId: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:-]+$' }) },
  { additionalProperties: false },
);
export type LinkInput = { kind: LinkKind; targetId: string };

export const ListIncidentsQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...STATUSES, 'open'], { description: 'One status, or open = not closed and not a false positive.' })),
    severity: Type.Optional(Type.Enum([...SEVERITIES])),
    vendorId: Type.Optional(Uuid),
    source: Type.Optional(Type.Enum([...SOURCES])),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Words in the title or summary.' })),
    drillId: Type.Optional(Type.String({ pattern: UUID_PATTERN, description: 'The incidents of this drill (drill incidents are never listed otherwise).' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListIncidentsQueryType = Static<typeof ListIncidentsQuery>;

export const VendorIncidentReportSchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300, description: 'What happened, in a line.' }),
    description: Type.String({ minLength: 1, maxLength: 20_000, description: 'What happened.' }),
    detectedAt: Time,
    productIds: Type.Optional(Type.Array(Uuid, { maxItems: 100, uniqueItems: true, description: 'The vendor\'s own products affected.' })),
    dataCategories: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, uniqueItems: true })),
    records: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    indicators: Type.Optional(
      Type.Array(Type.Object({ type: Type.Enum(['sha256', 'sha1', 'md5', 'sha512', 'domain', 'url', 'ipv4', 'ipv6', 'email']), value: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }), { maxItems: 1000 }),
    ),
    severity: Type.Optional(Type.Enum([...SEVERITIES], { description: 'The vendor\'s view; the customer decides the incident\'s own.' })),
    contact: ContactSchema,
  },
  { additionalProperties: false },
);
export type VendorIncidentReport = Static<typeof VendorIncidentReportSchema>;

export const IncidentIdParams = Type.Object({ id: Uuid });
export const TaskIdParams = Type.Object({ id: Uuid, taskId: Uuid });
export const ParticipantIdParams = Type.Object({ id: Uuid, participantId: Uuid });
export const FileIdParams = Type.Object({ id: Uuid, fileId: Uuid });
export const LinkParams = Type.Object({ id: Uuid, kind: Type.Enum([...LINK_KINDS]), targetId: Type.String({ minLength: 1, maxLength: 200 }) });

/** What listeners of IncidentService.onEvent receive, inside the writing transaction. */
export interface IncidentEvent {
  type: 'incident.created' | 'incident.updated' | 'incident.status' | 'task.completed';
  incidentId: string;
  drillId: string | null;
  changes?: string[];
  taskId?: string;
}
