import { WaitQuery } from '../jobs/jobs.schemas.js';
import { Type, type Static, type TEnum } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';
import { ACCESS_LEVELS, DATA_CATEGORIES, FACTORS, TIERS } from './risk-score.js';
import { ResidualRiskSchema } from '../resilience/resilience.schemas.js';

const literals = <const T extends string[]>(values: readonly [...T], description?: string): TEnum<T> =>
  Type.Enum(values, description ? { description } : {});

export const VENDOR_STATUSES = ['prospect', 'active', 'offboarding', 'terminated'] as const;
export const PRODUCT_TYPES = ['desktop-app', 'server-software', 'library', 'saas', 'agent', 'device', 'service', 'mobile-app', 'firmware'] as const;

const Uuid = Type.String({ pattern: UUID_PATTERN });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const ShortText = (max = 300) => Type.String({ minLength: 1, maxLength: max });
const Domain = Type.String({
  maxLength: 253,
  pattern: '^(?=.{1,253}$)(\\*\\.)?([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63}$',
  description: 'A DNS name such as 3cx.com (a leading *. covers subdomains).',
});
const DateTime = Type.String({ format: 'date-time' });
const DateOnly = Type.String({ format: 'date' });

export const LegalIds = Type.Object(
  {
    lei: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{18}[0-9]{2}$', description: 'ISO 17442 Legal Entity Identifier (20 characters).' })),
    duns: Type.Optional(Type.String({ pattern: '^[0-9]{9}$', description: 'Dun & Bradstreet number (9 digits).' })),
    vat: Type.Optional(Type.String({ pattern: '^[A-Z]{2}[A-Za-z0-9+*.]{2,13}$', description: 'VAT id with its country prefix.' })),
  },
  { additionalProperties: false },
);

const vendorFields = {
  name: ShortText(),
  aliases: Type.Array(ShortText(), { maxItems: 50 }),
  domains: Type.Array(Domain, { maxItems: 200 }),
  legalIds: LegalIds,
  country: Nullable(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code.' })),
  website: Nullable(Type.String({ format: 'uri', maxLength: 2048, pattern: '^https?://' })),
  description: Nullable(Type.String({ maxLength: 20000 })),
  status: literals(VENDOR_STATUSES, 'prospect, active, offboarding or terminated'),
  businessOwner: Nullable(Type.String({ maxLength: 300 })),
  ownerUserId: Nullable(Uuid),
  team: Nullable(Type.String({ maxLength: 64, description: 'Owning team key: it, security, legal, privacy, compliance.' })),
  services: Type.Array(ShortText(), { maxItems: 100 }),
  dataCategories: Type.Array(literals(DATA_CATEGORIES), { maxItems: DATA_CATEGORIES.length, uniqueItems: true }),
  accessLevel: literals(ACCESS_LEVELS, 'none, physical, network, integrated or privileged'),
  criticality: Type.Integer({ minimum: 1, maximum: 4, description: '1 = supports nothing important … 4 = mission-critical.' }),
  substitutability: Type.Integer({ minimum: 1, maximum: 4, description: '1 = replaceable within days … 4 = no practical alternative.' }),
  annualSpend: Nullable(Type.Number({ minimum: 0, maximum: 1e15 })),
  currency: Nullable(Type.String({ pattern: '^[A-Z]{3}$' })),
  regulatoryScope: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 }),
  shipsSoftware: Type.Boolean({ description: 'Installs code in our estate.' }),
  autoUpdate: Type.Boolean({ description: 'That code updates itself from the vendor.' }),
  parentVendorId: Nullable(Uuid),
};

type Fields = typeof vendorFields;
const optional = <K extends keyof Fields>(keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, Type.Optional(vendorFields[k])])) as { [P in K]: ReturnType<typeof Type.Optional<Fields[P]>> };

const allKeys = Object.keys(vendorFields) as Array<keyof Fields>;

export const CreateVendorBody = Type.Object(
  { name: vendorFields.name, ...optional(allKeys.filter((k) => k !== 'name') as Exclude<keyof Fields, 'name'>[]) },
  { additionalProperties: false },
);
export type CreateVendorInput = Static<typeof CreateVendorBody>;

export const UpdateVendorBody = Type.Object(optional(allKeys), { additionalProperties: false, minProperties: 1 });
export type UpdateVendorInput = Static<typeof UpdateVendorBody>;

export const RiskTermSchema = Type.Object({
  factor: literals(FACTORS),
  value: Type.String(),
  weight: Type.Number(),
  points: Type.Number(),
});

export const VendorSchema = Type.Object({
  id: Type.String(),
  ...vendorFields,
  team: Nullable(Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() })),
  tier: literals(TIERS),
  tierProvisional: Type.Boolean({
    description: 'True while risk factors are unanswered (inherentRisk.missing): the tier is then at least T2, whatever the score, until they are answered.',
  }),
  inherentRisk: Type.Object({
    score: Type.Number({ description: 'Sum of the terms\' points; unanswered factors score 0, so while any are missing this is a lower bound.' }),
    terms: Type.Array(RiskTermSchema),
    missing: Type.Array(literals(FACTORS), {
      description: 'Factors not answered yet (their term reads "not answered" and the value in the matching field is a placeholder). Set dataCategories (at least one, "none" included), accessLevel, criticality, substitutability or shipsSoftware to answer them.',
    }),
  }),
  residualRisk: Type.Optional(ResidualRiskSchema),
  subcontractorCount: Type.Integer(),
  lastReviewedAt: Nullable(Type.String()),
  nextReviewAt: Nullable(Type.String({ description: 'null for a terminated vendor, which is no longer reviewed' })),
  reviewOverdue: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Vendor = Static<typeof VendorSchema>;

export const VENDOR_SORTS = ['name', '-name', 'riskScore', '-riskScore', 'nextReviewAt', '-nextReviewAt', 'updatedAt', '-updatedAt'] as const;
export type VendorSort = (typeof VENDOR_SORTS)[number];

const VendorFilterFields = {
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name, aliases and domains, ignoring case in every script (ß matches ss), identically on SQLite and PostgreSQL.' })),
  tier: Type.Optional(Type.Array(literals(TIERS), { maxItems: 4 })),
  status: Type.Optional(Type.Array(literals(VENDOR_STATUSES), { maxItems: 4 })),
  team: Type.Optional(Type.String({ maxLength: 64 })),
  dataCategory: Type.Optional(literals(DATA_CATEGORIES)),
  reviewOverdue: Type.Optional(Type.Boolean()),
  shipsSoftware: Type.Optional(Type.Boolean()),
  needsTriage: Type.Optional(Type.Boolean({ description: 'true: vendors (not terminated) with unanswered risk factors, the triage queue; false: the others.' })),
  sort: Type.Optional(literals(VENDOR_SORTS, 'A field, optionally prefixed with - for descending.')),
};
export const ListVendorsQuery = Type.Object({ ...PageQuery, ...VendorFilterFields }, { additionalProperties: false });
export type VendorFilter = Static<typeof ListVendorsQuery>;

export const VendorIdParams = Type.Object({ id: Uuid });
export const VendorChildParams = Type.Object({ id: Uuid, childId: Uuid });

export const ProductBody = Type.Object(
  {
    name: ShortText(),
    type: literals(PRODUCT_TYPES),
    description: Type.Optional(Nullable(Type.String({ maxLength: 20000 }))),
    version: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    deploymentCount: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 100_000_000 }))),
    updateChannel: Type.Optional(Nullable(Type.String({ maxLength: 300, description: 'How updates arrive, e.g. "in-app auto-update from vendor CDN".' }))),
    autoUpdate: Type.Optional(Type.Boolean()),
    endpoints: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\\.?$' }), {
        maxItems: 100,
        description: 'Host names the product talks to (e.g. api.vendor.example; subdomains included): egress to them is attributed to this product and its vendor.',
      }),
    ),
  },
  { additionalProperties: false },
);
export const UpdateProductBody = Type.Partial(ProductBody, { additionalProperties: false, minProperties: 1 });
export const ProductSchema = Type.Object({
  id: Type.String(),
  vendorId: Type.String(),
  name: Type.String(),
  type: Type.String(),
  description: Nullable(Type.String()),
  version: Nullable(Type.String()),
  deploymentCount: Nullable(Type.Integer()),
  updateChannel: Nullable(Type.String()),
  autoUpdate: Type.Boolean(),
  endpoints: Type.Array(Type.String(), { description: 'Host names the product talks to: egress attribution maps them (and their subdomains) to the product.' }),
  cpe: Nullable(Type.String({ description: 'The product\'s own CPE (PUT /api/v1/products/{id}/cpe); null: releases are matched under vendor:product spellings derived from its names.' })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ContactBody = Type.Object(
  {
    name: ShortText(),
    email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 320 }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 50, pattern: '^[+0-9 ()./-]{3,50}$' }))),
    role: Type.Optional(Nullable(Type.String({ maxLength: 200, description: 'e.g. security contact, account manager, DPO.' }))),
    isPrimary: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const UpdateContactBody = Type.Partial(ContactBody, { additionalProperties: false, minProperties: 1 });
export const ContactSchema = Type.Object({
  id: Type.String(),
  vendorId: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  role: Nullable(Type.String()),
  isPrimary: Type.Boolean(),
  createdAt: Type.String(),
});

export const ContractBody = Type.Object(
  {
    title: ShortText(),
    startDate: Type.Optional(Nullable(DateOnly)),
    endDate: Type.Optional(Nullable(DateOnly)),
    value: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1e15 }))),
    currency: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z]{3}$' }))),
    noticePeriodDays: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 3650 }))),
    sbomClause: Type.Optional(Type.Boolean({ description: 'The vendor must deliver SBOMs.' })),
    breachNotificationClause: Type.Optional(Type.Boolean()),
    breachNotificationHours: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 8760, description: 'Hours the vendor has to notify us of a breach.' }))),
  },
  { additionalProperties: false },
);
export const UpdateContractBody = Type.Partial(ContractBody, { additionalProperties: false, minProperties: 1 });
export const ContractSchema = Type.Object({
  id: Type.String(),
  vendorId: Type.String(),
  title: Type.String(),
  startDate: Nullable(Type.String()),
  endDate: Nullable(Type.String()),
  value: Nullable(Type.Number()),
  currency: Nullable(Type.String()),
  noticePeriodDays: Nullable(Type.Integer()),
  sbomClause: Type.Boolean(),
  breachNotificationClause: Type.Boolean(),
  breachNotificationHours: Nullable(Type.Integer()),
  createdAt: Type.String(),
});

export const CommentBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 20000 }) }, { additionalProperties: false });
export const CommentSchema = Type.Object({
  id: Type.String(),
  authorId: Nullable(Type.String()),
  authorName: Type.String(),
  body: Type.String(),
  createdAt: Type.String(),
});

export const SubcontractorBody = Type.Object(
  { subcontractorId: Uuid, service: Type.Optional(Nullable(Type.String({ maxLength: 300 }))) },
  { additionalProperties: false },
);

export interface FourthPartyNode {
  id: string;
  name: string;
  tier: string;
  service: string | null;
  children: FourthPartyNode[];
  /** True where the vendor already appears higher up this branch: shown, not expanded. */
  cycle: boolean;
}
export const FourthPartyTree = Type.Cyclic(
  {
    FourthPartyNode: Type.Object({
      id: Type.String(),
      name: Type.String(),
      tier: Type.String(),
      service: Nullable(Type.String()),
      cycle: Type.Boolean(),
      children: Type.Array(Type.Ref('FourthPartyNode')),
    }),
  },
  'FourthPartyNode',
);

export const ReviewBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 20000 })), reviewedAt: Type.Optional(DateTime) },
  { additionalProperties: false },
);

export const RiskModelSchema = Type.Object(
  {
    weights: Type.Object(Object.fromEntries(FACTORS.map((f) => [f, Type.Number({ minimum: 0, maximum: 100 })])) as Record<(typeof FACTORS)[number], ReturnType<typeof Type.Number>>, { additionalProperties: false }),
    tierThresholds: Type.Object({ T1: Type.Number(), T2: Type.Number(), T3: Type.Number() }, { additionalProperties: false }),
    reviewCadenceDays: Type.Object({ T1: Type.Integer(), T2: Type.Integer(), T3: Type.Integer(), T4: Type.Integer() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const ImportQuery = Type.Object(
  { dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Check every row and report, write nothing.' })), ...WaitQuery },
  { additionalProperties: false },
);
export const ImportReport = Type.Object({
  dryRun: Type.Boolean(),
  rows: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), field: Type.String(), reason: Type.String() })),
});
export const ExportQuery = Type.Object(
  { format: Type.Optional(literals(['csv', 'json'] as const)), ...VendorFilterFields },
  { additionalProperties: false, description: 'The same filters and sort as the vendor list; every matching vendor is exported.' },
);
