import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';
import { LEVELS } from './risks.scales.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });
const Rating = Type.Integer({ minimum: 1, maximum: 5 });
const DateOnly = Type.String({ format: 'date' });
const DateTime = Type.String({ format: 'date-time' });

export const AUTOMATIC_SOURCES = ['finding', 'sighting', 'integrity-alert', 'mention', 'assessment', 'resilience', 'egress-alert'] as const;
export type AutomaticSource = (typeof AUTOMATIC_SOURCES)[number];
export const SOURCES = ['manual', ...AUTOMATIC_SOURCES] as const;
export const EVIDENCE_TYPES = ['finding', 'sighting', 'mention', 'artifact-alert', 'egress-alert', 'indicator', 'advisory', 'vendor', 'product', 'assessment', 'document'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];
export const TREATMENTS = ['mitigate', 'accept', 'transfer', 'avoid'] as const;
export const STATUSES = ['open', 'pending-acceptance', 'accepted', 'closed'] as const;
export type RiskStatus = (typeof STATUSES)[number];
/** Why a risk was closed: what a re-raise of its automatic source does depends on it (see RISK_RECURRENCE_RULE). */
export const CLOSE_REASONS = ['mitigated', 'resolved', 'transferred', 'avoided', 'not-a-risk'] as const;

export const EvidenceInput = Type.Object(
  {
    type: Type.Enum(EVIDENCE_TYPES),
    id: Type.String({ minLength: 1, maxLength: 300, description: 'The linked record\'s id (a URL for type document).' }),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  },
  { additionalProperties: false },
);

export const EvidenceSchema = Type.Object({
  type: Type.String(),
  id: Type.String(),
  label: Nullable(Type.String()),
  addedBy: Type.String(),
  addedAt: Type.String(),
});

const Rated = Type.Object({ likelihood: Type.Integer(), impact: Type.Integer(), score: Type.Integer(), level: Type.String() });

export const RiskSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  source: Type.String({ description: SOURCES.join(', ') }),
  sourceKey: Nullable(Type.String()),
  inherent: Rated,
  residual: Nullable(Rated),
  score: Type.Integer({ description: 'The current score: residual when assessed, else inherent.' }),
  level: Type.String({ description: LEVELS.join(', ') }),
  assessed: Type.Boolean({ description: 'A person set the inherent rating; automatic re-raises no longer change it.' }),
  owner: Nullable(Type.String()),
  team: Nullable(Type.Object({ key: Type.String(), name: Type.String() })),
  treatment: Nullable(Type.String({ description: TREATMENTS.join(', ') })),
  treatmentPlan: Nullable(Type.String()),
  dueDate: Nullable(Type.String()),
  overdue: Type.Boolean(),
  status: Type.String({ description: STATUSES.join(', ') }),
  acceptance: Nullable(
    Type.Object({
      justification: Type.String(),
      expiresAt: Type.String(),
      requestedBy: Type.String(),
      requestedAt: Type.String(),
      approvedBy: Nullable(Type.String()),
      approvedAt: Nullable(Type.String()),
    }),
  ),
  closeReason: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  reopenCount: Type.Integer(),
  reopenedAt: Nullable(Type.String()),
  reopenReason: Nullable(Type.String()),
  raiseCount: Type.Integer(),
  lastRaisedAt: Nullable(Type.String()),
  vendors: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String() })),
  products: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), vendorId: Type.String() })),
  evidenceCount: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Risk = Static<typeof RiskSchema>;

export const RiskDetailSchema = Type.Object({ ...RiskSchema.properties, evidence: Type.Array(EvidenceSchema) });
export type RiskDetail = Static<typeof RiskDetailSchema>;

export const CreateRiskBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    likelihood: Rating,
    impact: Rating,
    residualLikelihood: Type.Optional(Nullable(Rating)),
    residualImpact: Type.Optional(Nullable(Rating)),
    owner: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300 }))),
    team: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'Team key: it, security, legal, privacy, compliance.' }))),
    treatment: Type.Optional(Nullable(Type.Enum(TREATMENTS))),
    treatmentPlan: Type.Optional(Nullable(Type.String({ maxLength: 20000 }))),
    dueDate: Type.Optional(Nullable(DateOnly)),
    vendorIds: Type.Optional(Type.Array(Uuid, { maxItems: 200, uniqueItems: true })),
    productIds: Type.Optional(Type.Array(Uuid, { maxItems: 200, uniqueItems: true })),
    evidence: Type.Optional(Type.Array(EvidenceInput, { maxItems: 500 })),
  },
  { additionalProperties: false },
);
export type CreateRiskInput = Static<typeof CreateRiskBody>;

export const UpdateRiskBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    likelihood: Type.Optional(Rating),
    impact: Type.Optional(Rating),
    residualLikelihood: Type.Optional(Nullable(Rating)),
    residualImpact: Type.Optional(Nullable(Rating)),
    owner: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300 }))),
    team: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    treatment: Type.Optional(Nullable(Type.Enum(TREATMENTS))),
    treatmentPlan: Type.Optional(Nullable(Type.String({ maxLength: 20000 }))),
    dueDate: Type.Optional(Nullable(DateOnly)),
    status: Type.Optional(Type.Enum(['open', 'closed'], { description: 'Close a risk (with closeReason) or reopen it. Acceptance has its own routes.' })),
    closeReason: Type.Optional(Type.Enum(CLOSE_REASONS)),
    vendorIds: Type.Optional(Type.Array(Uuid, { maxItems: 200, uniqueItems: true, description: 'Replaces the linked vendors.' })),
    productIds: Type.Optional(Type.Array(Uuid, { maxItems: 200, uniqueItems: true, description: 'Replaces the linked products.' })),
    addEvidence: Type.Optional(Type.Array(EvidenceInput, { maxItems: 500 })),
    removeEvidence: Type.Optional(Type.Array(Type.Object({ type: Type.Enum(EVIDENCE_TYPES), id: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false }), { maxItems: 500 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateRiskInput = Static<typeof UpdateRiskBody>;

export const AcceptanceRequestBody = Type.Object(
  {
    justification: Type.String({ minLength: 1, maxLength: 5000 }),
    expiresAt: DateTime,
  },
  { additionalProperties: false },
);
export type AcceptanceRequest = Static<typeof AcceptanceRequestBody>;

export const AcceptanceDecisionBody = Type.Object(
  {
    decision: Type.Enum(['approve', 'reject']),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false },
);
export type AcceptanceDecision = Static<typeof AcceptanceDecisionBody>;

const filters = {
  status: Type.Optional(Type.Enum([...STATUSES, 'active', 'all'], { default: 'active', description: 'active (default) = open, pending-acceptance and accepted.' })),
  level: Type.Optional(Type.Enum(LEVELS)),
  source: Type.Optional(Type.Enum(SOURCES)),
  vendorId: Type.Optional(Uuid),
  productId: Type.Optional(Uuid),
  treatment: Type.Optional(Type.Enum([...TREATMENTS, 'none'])),
  team: Type.Optional(Type.String({ maxLength: 64 })),
  owner: Type.Optional(Type.String({ maxLength: 300 })),
  likelihood: Type.Optional(Rating),
  impact: Type.Optional(Rating),
  basis: Type.Optional(Type.Enum(['current', 'inherent'], { default: 'current', description: 'Which rating likelihood, impact and level filter on: current (residual when assessed) or inherent.' })),
  overdue: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
};

export const ListRisksQuery = Type.Object(
  { ...filters, sort: Type.Optional(Type.Enum(['score', 'newest', 'due'], { default: 'score' })), ...PageQuery },
  { additionalProperties: false },
);
export type ListRisksQueryType = Static<typeof ListRisksQuery>;
export type RiskFilter = Omit<ListRisksQueryType, 'sort' | 'limit' | 'cursor'>;

export const ExportRisksQuery = Type.Object(filters, { additionalProperties: false });

export const SummaryQuery = Type.Object(
  {
    vendorId: Type.Optional(Uuid),
    basis: Type.Optional(Type.Enum(['current', 'inherent'], { default: 'current' })),
  },
  { additionalProperties: false },
);

const LevelCounts = Type.Object({ low: Type.Integer(), medium: Type.Integer(), high: Type.Integer(), critical: Type.Integer() });

export const SummarySchema = Type.Object({
  basis: Type.String(),
  total: Type.Integer({ description: 'Active risks (open, pending acceptance, accepted), each counted once however many vendors it names.' }),
  byStatus: Type.Object({ open: Type.Integer(), pendingAcceptance: Type.Integer(), accepted: Type.Integer() }),
  byLevel: LevelCounts,
  overdue: Type.Integer(),
  heat: Type.Array(Type.Array(Type.Integer()), { description: '5×5 counts: heat[likelihood-1][impact-1].' }),
  vendors: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      tier: Type.String(),
      total: Type.Integer(),
      byLevel: LevelCounts,
      maxScore: Type.Integer(),
    }),
    { description: 'Per vendor, highest exposure first (top 50). A risk naming two vendors counts for each of them here, and once in the totals.' },
  ),
});

export const TrendSchema = Type.Object({
  days: Type.Array(Type.Object({ day: Type.String(), open: Type.Integer(), accepted: Type.Integer(), byLevel: LevelCounts, live: Type.Boolean() })),
});

export const RiskIdParams = Type.Object({ id: Uuid });

const Step = Type.Object({ label: Type.String({ minLength: 1, maxLength: 60 }), description: Type.String({ maxLength: 500 }) }, { additionalProperties: false });
export const RiskScalesSchema = Type.Object(
  {
    likelihood: Type.Array(Step, { minItems: 5, maxItems: 5 }),
    impact: Type.Array(Step, { minItems: 5, maxItems: 5 }),
    levelThresholds: Type.Object(
      { medium: Type.Integer({ minimum: 2, maximum: 25 }), high: Type.Integer({ minimum: 2, maximum: 25 }), critical: Type.Integer({ minimum: 2, maximum: 25 }) },
      { additionalProperties: false },
    ),
    maxAcceptanceDays: Type.Integer({ minimum: 1, maximum: 1095 }),
  },
  { additionalProperties: false },
);
