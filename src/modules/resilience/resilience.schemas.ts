import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { TIERS } from '../vendors/risk-score.js';
import { FINDING_SEVERITIES } from './residual-risk.js';
import { METRICS } from './resilience.compare.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });
/** Up to a year, in minutes. */
const Minutes = (what: string) => Nullable(Type.Integer({ minimum: 0, maximum: 525_600, description: `${what} in minutes; null: no target.` }));

export const ServiceIdParams = Type.Object({ id: Uuid });

const serviceFields = {
  name: Type.String({ minLength: 1, maxLength: 300 }),
  description: Nullable(Type.String({ maxLength: 20000 })),
  owner: Nullable(Type.String({ maxLength: 300, description: 'Who answers for the service (a person or a team).' })),
  rtoMinutes: Minutes('Recovery time objective: how long the service may be down'),
  rpoMinutes: Minutes('Recovery point objective: how much data (as time) may be lost'),
  mtdMinutes: Minutes('Maximum tolerable downtime: at least the RTO'),
};

export const CreateServiceBody = Type.Object(
  {
    name: serviceFields.name,
    description: Type.Optional(serviceFields.description),
    owner: Type.Optional(serviceFields.owner),
    rtoMinutes: Type.Optional(serviceFields.rtoMinutes),
    rpoMinutes: Type.Optional(serviceFields.rpoMinutes),
    mtdMinutes: Type.Optional(serviceFields.mtdMinutes),
    vendorIds: Type.Optional(Type.Array(Uuid, { maxItems: 1000, uniqueItems: true, description: 'Vendors that deliver the service.' })),
  },
  { additionalProperties: false },
);
export type CreateServiceInput = Static<typeof CreateServiceBody>;

export const UpdateServiceBody = Type.Object(
  {
    name: Type.Optional(serviceFields.name),
    description: Type.Optional(serviceFields.description),
    owner: Type.Optional(serviceFields.owner),
    rtoMinutes: Type.Optional(serviceFields.rtoMinutes),
    rpoMinutes: Type.Optional(serviceFields.rpoMinutes),
    mtdMinutes: Type.Optional(serviceFields.mtdMinutes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateServiceInput = Static<typeof UpdateServiceBody>;

export const ServiceVendorsBody = Type.Object(
  { vendorIds: Type.Array(Uuid, { maxItems: 1000, uniqueItems: true, description: 'Every vendor that delivers the service (replaces the list).' }) },
  { additionalProperties: false },
);

export const BusinessServiceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  owner: Nullable(Type.String()),
  rtoMinutes: Nullable(Type.Integer()),
  rpoMinutes: Nullable(Type.Integer()),
  mtdMinutes: Nullable(Type.Integer()),
  vendors: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String() })),
  openGaps: Type.Integer({ description: 'Open resilience gaps of its vendors against this service\'s targets.' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type BusinessService = Static<typeof BusinessServiceSchema>;

export const ResidualRiskWeightsSchema = Type.Object(
  {
    coverageReduction: Type.Number({ minimum: 0, maximum: 100, description: 'Percent of the inherent score removed when every assessed control is met (partial counts half).' }),
    remediationPoints: Type.Number({ minimum: 0, maximum: 100, description: 'Points per open remediation item.' }),
    remediationMax: Type.Number({ minimum: 0, maximum: 100, description: 'Most points open remediation items add.' }),
    findingPoints: Type.Object(
      Object.fromEntries(FINDING_SEVERITIES.map((s) => [s, Type.Number({ minimum: 0, maximum: 100 })])) as Record<(typeof FINDING_SEVERITIES)[number], ReturnType<typeof Type.Number>>,
      { additionalProperties: false, description: 'Points per open finding (one per advisory) on the vendor\'s products, by severity.' },
    ),
    findingsMax: Type.Number({ minimum: 0, maximum: 100, description: 'Most points open findings add.' }),
    staleEvidencePoints: Type.Number({ minimum: 0, maximum: 100, description: 'Points added when the latest assessment is older than the tier\'s review cadence.' }),
  },
  { additionalProperties: false },
);

export const ResidualRiskSchema = Type.Object(
  {
    score: Type.Number({ description: 'Sum of the terms\' points, within 0..100.' }),
    terms: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), points: Type.Number(), detail: Type.String() })),
    assessedAt: Nullable(Type.String({ description: 'When the assessment the terms use was closed (else submitted); null: never assessed.' })),
  },
  { description: 'The inherent score adjusted by assessed control coverage, open remediation items, open findings on the vendor\'s products and evidence age (weights: GET /api/v1/settings/residual-risk).' },
);

export const AssessmentCadenceSchema = Type.Object(
  {
    leadDays: Type.Integer({ minimum: 0, maximum: 365, description: 'A draft assessment is created this many days before the vendor\'s next review is due.' }),
    templates: Type.Object(
      Object.fromEntries(TIERS.map((t) => [t, Nullable(Type.String({ minLength: 1, maxLength: 100 }))])) as Record<(typeof TIERS)[number], ReturnType<typeof Nullable<ReturnType<typeof Type.String>>>>,
      { additionalProperties: false, description: 'Template (id or shipped key) per tier; null: that tier gets no automatic assessment.' },
    ),
  },
  { additionalProperties: false },
);
export type AssessmentCadence = Static<typeof AssessmentCadenceSchema>;

export const GapSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  serviceName: Nullable(Type.String()),
  metric: Type.Enum(METRICS),
  targetMinutes: Type.Integer(),
  vendorMinutes: Nullable(Type.Integer({ description: 'null: the latest assessment gives no number for this service.' })),
  assessmentId: Nullable(Type.String()),
  openedAt: Type.String(),
});

export const VendorResilienceSchema = Type.Object({
  vendorId: Type.String(),
  assessment: Nullable(
    Type.Object({ id: Type.String(), templateName: Type.String(), status: Type.String(), submittedAt: Nullable(Type.String()), closedAt: Nullable(Type.String()), overall: Nullable(Type.Number()) }),
  ),
  services: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), rtoMinutes: Nullable(Type.Integer()), rpoMinutes: Nullable(Type.Integer()), mtdMinutes: Nullable(Type.Integer()) })),
  gaps: Type.Array(GapSchema),
  contradictions: Type.Array(Type.Object({ kind: Type.String(), questionId: Type.String(), claim: Type.String(), observed: Type.String() })),
});
