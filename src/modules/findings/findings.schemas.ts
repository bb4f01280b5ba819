import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';
import { CvssSchema, SeveritySourceSchema } from '../advisories/advisories.schemas.js';
import { JUSTIFICATIONS, PRIORITIES, RESPONSES, SEVERITIES, STATES } from './findings.policy.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });
const TIERS = ['T1', 'T2', 'T3', 'T4'] as const;
/** How a finding's component was matched to its advisory (findings.match_kind). */
export const MATCH_KINDS = ['purl', 'cpe', 'inferred-cpe', 'kev-name'] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];
const RATED = SEVERITIES.filter((s) => s !== 'unknown');

export const FindingSchema = Type.Object({
  id: Type.String(),
  advisoryId: Type.String({ description: 'The advisory group\'s display id (its CVE when it has one).' }),
  advisoryGroupId: Type.String(),
  aliases: Type.Array(Type.String()),
  summary: Nullable(Type.String()),
  component: Type.Object({
    purl: Nullable(Type.String()),
    name: Type.String(),
    version: Nullable(Type.String()),
    ecosystem: Type.String(),
    packageName: Type.String({ description: 'The matched package: for distro packages, the source package.' }),
    direct: Type.Boolean(),
    depth: Type.Integer(),
  }),
  product: Type.Object({ id: Type.String(), name: Type.String() }),
  vendor: Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String() }),
  release: Type.String(),
  sbomId: Type.String(),
  severity: Type.String({ description: 'Effective severity: the analyst override, else the rating of the finding\'s own matched record, else its advisory group\'s (see the advisory\'s severity), else "unknown".' }),
  severityOverride: Nullable(Type.String()),
  cvss: { ...CvssSchema, description: 'The CVSS the rating is from (severitySource), the override aside.' },
  severitySource: SeveritySourceSchema,
  kev: Type.Boolean(),
  kevDueDate: Nullable(Type.String()),
  epss: Nullable(Type.Number()),
  epssPercentile: Nullable(Type.Number()),
  malicious: Type.Boolean(),
  state: Type.String({ description: STATES.join(', ') }),
  justification: Nullable(Type.String()),
  responses: Type.Array(Type.String()),
  detail: Nullable(Type.String()),
  stateSource: Type.String({ description: 'system, analyst, or vendor (imported VEX).' }),
  stateSourceName: Nullable(Type.String()),
  stateUpdatedAt: Nullable(Type.String()),
  status: Type.String({ description: 'open, or closed (advisory withdrawn, no longer affected, merged).' }),
  closedReason: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  verdict: Type.String({ description: 'affected, or indeterminate when a version or range cannot be ordered.' }),
  matched: Type.Array(Type.Object({ advisory: Type.String(), ecosystem: Type.String(), name: Type.String(), verdict: Type.String() })),
  fixedVersions: Type.Array(Type.String()),
  fixedIn: Nullable(Type.String({ description: 'The lowest fixed version above the component\'s version.' })),
  match: Type.Enum(MATCH_KINDS, {
    description: 'How the component was matched: purl (package identity), cpe (a declared, root or product CPE), inferred-cpe (a CPE inferred from name, supplier and version), kev-name (a KEV entry\'s vendor and product names).',
  }),
  matchConfidence: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'For inferred-cpe matches: how sure the inference is (0..1; 1 once an analyst confirmed it).' })),
  priority: Type.String({ description: PRIORITIES.join(' > ') }),
  dueAt: Type.String(),
  overdue: Type.Boolean(),
  firstSeenAt: Type.String(),
  updatedAt: Type.String(),
});
export type Finding = Static<typeof FindingSchema>;

export const HistorySchema = Type.Object({
  at: Type.String(),
  actor: Type.Object({ type: Type.String(), name: Type.String() }),
  source: Type.String(),
  action: Type.String(),
  fromState: Nullable(Type.String()),
  toState: Nullable(Type.String()),
  justification: Nullable(Type.String()),
  responses: Type.Array(Type.String()),
  detail: Nullable(Type.String()),
  details: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

const PathHop = Type.Object({ name: Nullable(Type.String()), version: Nullable(Type.String()), purl: Nullable(Type.String()) });

export const FindingDetailSchema = Type.Object({
  ...FindingSchema.properties,
  history: Type.Array(HistorySchema),
  path: Type.Array(PathHop, { description: 'The dependency path from the SBOM\'s root (first) to the component (last).' }),
});

const filterFields = {
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Text in the advisory id or an alias, the package (name or purl), the product or the vendor.' })),
  productId: Type.Optional(Type.String({ maxLength: 36 })),
  vendorId: Type.Optional(Uuid),
  release: Type.Optional(Type.String({ maxLength: 200 })),
  severity: Type.Optional(Type.Array(Type.Enum(SEVERITIES), { maxItems: SEVERITIES.length })),
  kev: Type.Optional(Type.Boolean()),
  malicious: Type.Optional(Type.Boolean()),
  state: Type.Optional(Type.Array(Type.Enum(STATES), { maxItems: STATES.length })),
  epssMin: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  tier: Type.Optional(Type.Array(Type.Enum(TIERS), { maxItems: 4 })),
  status: Type.Optional(Type.Enum(['open', 'closed', 'all'], { default: 'open' })),
  verdict: Type.Optional(Type.Enum(['affected', 'indeterminate'])),
  priority: Type.Optional(Type.Array(Type.Enum(PRIORITIES), { maxItems: PRIORITIES.length })),
  advisory: Type.Optional(Type.String({ maxLength: 255, description: 'An advisory id or alias (CVE-…, GHSA-…, GO-…) or group id.' })),
  purl: Type.Optional(Type.String({ maxLength: 2000, description: 'Findings of one package (and version, when the purl has one).' })),
};

/** Columns a findings list sorts by; `-column` sorts descending. Ties are broken by the finding's id. */
export const SORT_COLUMNS = ['priority', 'advisory', 'severity', 'component', 'vendor', 'product', 'release', 'state', 'fixedIn', 'due', 'firstSeen', 'epss', 'cvss'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export const FINDING_SORTS = ['newest', ...SORT_COLUMNS, ...SORT_COLUMNS.map((c) => `-${c}` as const)] as const;
export type FindingSortKey = (typeof FINDING_SORTS)[number];
const sortField = Type.Optional(
  Type.Enum(FINDING_SORTS, { default: 'priority', description: `One of ${SORT_COLUMNS.join(', ')}; a leading - sorts descending. newest: most recently detected first.` }),
);

export const ListFindingsQuery = Type.Object({ ...PageQuery, ...filterFields, sort: sortField }, { additionalProperties: false });
export type ListFindingsQueryType = Static<typeof ListFindingsQuery>;

export const EXPORT_FORMATS = ['csv', 'cyclonedx-vex', 'cyclonedx-vdr', 'openvex', 'csaf'] as const;
export const ExportQuery = Type.Object({ ...filterFields, sort: sortField, format: Type.Optional(Type.Enum(EXPORT_FORMATS, { default: 'csv' })) }, { additionalProperties: false });

export const TotalsQuery = Type.Object(filterFields, { additionalProperties: false });
export type TotalsQueryType = Static<typeof TotalsQuery>;
const counts = <T extends readonly string[]>(keys: T) => Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Integer()])) as Record<T[number], ReturnType<typeof Type.Integer>>);
export const TotalsSchema = Type.Object({
  findings: Type.Integer(),
  advisories: Type.Integer(),
  products: Type.Integer(),
  vendors: Type.Integer(),
  severity: counts(SEVERITIES),
  state: counts(STATES),
});

export const GROUP_SORT_COLUMNS = ['priority', 'advisory', 'severity', 'findings', 'products', 'vendors'] as const;
export type GroupSortColumn = (typeof GROUP_SORT_COLUMNS)[number];
export const GROUP_SORTS = [...GROUP_SORT_COLUMNS, ...GROUP_SORT_COLUMNS.map((c) => `-${c}` as const)] as const;
export type GroupSortKey = (typeof GROUP_SORTS)[number];
export const GroupsQuery = Type.Object(
  { ...PageQuery, ...filterFields, sort: Type.Optional(Type.Enum(GROUP_SORTS, { default: 'priority', description: 'priority: the group\'s most urgent finding first. A leading - sorts descending.' })) },
  { additionalProperties: false },
);
export type GroupsQueryType = Static<typeof GroupsQuery>;
export const FindingGroupSchema = Type.Object({
  advisoryGroupId: Type.String(),
  advisoryId: Type.String(),
  aliases: Type.Array(Type.String()),
  summary: Nullable(Type.String()),
  severity: Type.String({ description: 'The most severe effective severity among the group\'s findings.' }),
  priority: Type.String({ description: 'The most urgent priority among them.' }),
  kev: Type.Boolean(),
  malicious: Type.Boolean(),
  epss: Nullable(Type.Number()),
  findings: Type.Integer(),
  products: Type.Integer(),
  vendors: Type.Integer(),
});
export type FindingGroup = Static<typeof FindingGroupSchema>;

const ViewQuery = Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 20 })]), {
  maxProperties: 30,
  propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9]{0,31}$' },
  description: 'The workbench\'s query parameters: filters (as GET /api/v1/findings takes them), sort, and group (advisory).',
});
export const ViewBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 120 }), shared: Type.Optional(Type.Boolean({ default: false })), query: ViewQuery },
  { additionalProperties: false },
);
export type ViewInput = Static<typeof ViewBody>;
export const ViewPatchBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })), shared: Type.Optional(Type.Boolean()), query: Type.Optional(ViewQuery) },
  { additionalProperties: false, minProperties: 1 },
);
export type ViewPatch = Static<typeof ViewPatchBody>;
export const ViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  shared: Type.Boolean(),
  query: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
  owner: Type.String({ description: 'Who saved it.' }),
  mine: Type.Boolean({ description: 'Whether the caller saved it (and so may change or delete it).' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type View = Static<typeof ViewSchema>;
export const ViewIdParams = Type.Object({ id: Uuid });
export type ExportQueryType = Static<typeof ExportQuery>;

export const ProductExportQuery = Type.Object(
  {
    release: Type.Optional(Type.String({ maxLength: 200, description: 'Default: the most recently uploaded current release.' })),
    format: Type.Optional(Type.Enum(['cyclonedx', 'openvex', 'csaf'], { default: 'cyclonedx' })),
  },
  { additionalProperties: false },
);

const triageFields = {
  state: Type.Optional(Type.Enum(STATES)),
  justification: Type.Optional(Nullable(Type.Enum(JUSTIFICATIONS, { description: 'Why it is not_affected (CycloneDX justification).' }))),
  responses: Type.Optional(Type.Array(Type.Enum(RESPONSES), { maxItems: RESPONSES.length, uniqueItems: true })),
  detail: Type.Optional(Nullable(Type.String({ maxLength: 20000 }))),
  severity: Type.Optional(Nullable(Type.Enum(RATED, { description: 'Analyst severity override; null removes it.' }))),
};

export const TriageBody = Type.Object(triageFields, { additionalProperties: false, minProperties: 1 });
export type TriageInput = Static<typeof TriageBody>;

export const BulkTriageBody = Type.Object(
  {
    ids: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 1000, uniqueItems: true })),
    advisory: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Every open finding of this advisory (within productId/vendorId when given).' })),
    productId: Type.Optional(Uuid),
    vendorId: Type.Optional(Uuid),
    dryRun: Type.Optional(Type.Boolean({ description: 'Count what would change (and refuse what would be refused) without changing anything.' })),
    ...triageFields,
  },
  { additionalProperties: false },
);
export type BulkTriageInput = Static<typeof BulkTriageBody>;

export const BulkTriageResult = Type.Object({
  updated: Type.Integer({ description: 'Findings changed (with dryRun: that would change).' }),
  unchanged: Type.Integer(),
  ids: Type.Array(Type.String()),
  dryRun: Type.Boolean(),
  batchId: Nullable(Type.String({ description: 'The change as one batch of the audit trail, which POST /api/v1/findings/triage/{batchId}/undo reverts.' })),
});

export const BatchIdParams = Type.Object({ batchId: Uuid });
export const BatchSchema = Type.Object({
  batchId: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  decision: Type.Record(Type.String(), Type.Unknown()),
  advisory: Nullable(Type.String()),
  findings: Type.Integer(),
  undone: Nullable(Type.Object({ at: Type.String(), actor: Type.String() })),
});
export const BatchesSchema = Type.Object({ items: Type.Array(BatchSchema) });
export const UndoResult = Type.Object({ batchId: Type.String(), restored: Type.Integer(), ids: Type.Array(Type.String()) });

export const FindingIdParams = Type.Object({ id: Uuid });

export const RiskSchema = Type.Object({
  score: Type.Number({ minimum: 0, maximum: 100 }),
  formula: Type.String(),
  terms: Type.Array(
    Type.Object({ advisoryId: Type.String(), severity: Type.String(), kev: Type.Boolean(), malicious: Type.Boolean(), epss: Nullable(Type.Number()), points: Type.Number() }),
  ),
  findings: Type.Object({ open: Type.Integer(), counted: Type.Integer(), suppressed: Type.Integer(), indeterminate: Type.Integer() }),
});

export const PolicySchema = Type.Object(
  {
    epssThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    slaDays: Type.Object(Object.fromEntries(PRIORITIES.map((p) => [p, Type.Integer({ minimum: 0, maximum: 3650 })])) as Record<(typeof PRIORITIES)[number], ReturnType<typeof Type.Integer>>, { additionalProperties: false }),
    severityPoints: Type.Object(Object.fromEntries(SEVERITIES.map((s) => [s, Type.Number({ minimum: 0, maximum: 100 })])) as Record<(typeof SEVERITIES)[number], ReturnType<typeof Type.Number>>, { additionalProperties: false }),
    kevMultiplier: Type.Number({ minimum: 1, maximum: 10 }),
    maliciousMultiplier: Type.Number({ minimum: 1, maximum: 10 }),
    epssMultiplier: Type.Number({ minimum: 1, maximum: 10 }),
    riskScale: Type.Number({ minimum: 1, maximum: 10000, description: 'Points total at which the risk score reaches 63.' }),
  },
  { additionalProperties: false },
);

export const ExposureQuery = Type.Object(
  {
    advisory: Type.Optional(Type.String({ maxLength: 255, description: 'Any advisory id or alias, or a group id.' })),
    cve: Type.Optional(Type.String({ maxLength: 64, pattern: '^CVE-\\d{4}-\\d{4,}$' })),
    purl: Type.Optional(Type.String({ maxLength: 2000 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000, description: 'Most component occurrences listed.' })),
  },
  { additionalProperties: false },
);
export type ExposureQueryType = Static<typeof ExposureQuery>;

export const ExposureSchema = Type.Object({
  query: Type.Object({ advisory: Nullable(Type.String()), purl: Nullable(Type.String()) }),
  advisories: Type.Array(
    Type.Object({
      id: Type.String(),
      advisoryId: Type.String(),
      aliases: Type.Array(Type.String()),
      summary: Nullable(Type.String()),
      severity: Type.String(),
      kev: Type.Boolean(),
      epss: Nullable(Type.Number()),
      malicious: Type.Boolean(),
      withdrawn: Type.Boolean(),
      affectsVersion: Nullable(Type.String({ description: 'For a purl with a version: affected, indeterminate.' })),
      fixed: Type.Array(Type.String()),
    }),
  ),
  summary: Type.Object({
    vendors: Type.Integer({ description: 'Vendors with at least one product that is not (VEX) not affected.' }),
    products: Type.Integer({ description: 'Products whose state is not not_affected: the rows of the exposure table.' }),
    releases: Type.Integer(),
    components: Type.Integer(),
    findings: Type.Integer(),
    truncated: Type.Boolean(),
    notAffected: Type.Object({ products: Type.Integer(), findings: Type.Integer() }, { description: 'Left out of the counts above: products and findings analysed (or stated by VEX) as not affected.' }),
  }),
  products: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      vendor: Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String() }),
      state: Type.Enum(['affected', 'under_investigation', 'fixed', 'not_affected'], {
        description: 'affected when any finding is; else under_investigation when any is; else fixed when any is; else not_affected (VEX).',
      }),
      releases: Type.Array(Type.String()),
      findings: Type.Object({ affected: Type.Integer(), underInvestigation: Type.Integer(), fixed: Type.Integer(), notAffected: Type.Integer() }),
    }),
    { description: 'One row per product, not-affected ones last.' },
  ),
  vendors: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      tier: Type.String(),
      products: Type.Array(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          releases: Type.Array(
            Type.Object({
              release: Type.String(),
              sbomId: Type.String(),
              components: Type.Array(
                Type.Object({
                  findingId: Type.String(),
                  advisoryId: Type.String(),
                  purl: Nullable(Type.String()),
                  name: Type.String(),
                  version: Nullable(Type.String()),
                  direct: Type.Boolean(),
                  depth: Type.Integer(),
                  path: Type.Array(PathHop, { description: 'From the product root to the component.' }),
                  fixedIn: Nullable(Type.String()),
                  fixedVersions: Type.Array(Type.String()),
                  state: Type.String(),
                  verdict: Type.String(),
                  severity: Type.String(),
                  priority: Type.String(),
                }),
              ),
            }),
          ),
        }),
      ),
    }),
  ),
});
export type Exposure = Static<typeof ExposureSchema>;
