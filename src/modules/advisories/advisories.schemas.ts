import { WaitQuery } from '../jobs/jobs.schemas.js';
import { Type, type Static } from 'typebox';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const SEVERITY_FILTER = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export const FEED_KINDS = ['osv', 'kev', 'epss', 'csaf', 'openvex', 'cyclonedx-vex', 'nvd'] as const;

export const CvssSchema = Nullable(Type.Object({ score: Type.Number(), vector: Type.String(), version: Nullable(Type.String()) }));

export const SeveritySourceSchema = Nullable(
  Type.Object(
    {
      advisory: Type.String({ description: 'The record the rating is from (CVE-…, GHSA-…, a CSAF tracking id …).' }),
      source: Type.String({ description: 'Its feed: nvd, osv, csaf …' }),
      cvssVersion: Nullable(Type.String()),
      vector: Nullable(Type.String()),
      score: Nullable(Type.Number()),
    },
    { description: 'Where the rating came from; null when no record has one.' },
  ),
);

export const AdvisorySchema = Type.Object({
  id: Type.String({ description: 'The advisory group id: stable across imports (a merged group answers with the group it joined).' }),
  advisoryId: Type.String({ description: 'The id people know it by: its CVE when it has one, else its GHSA, else the first record\'s id.' }),
  aliases: Type.Array(Type.String(), { description: 'Every other id of the group (GHSA, GO, PYSEC, OSV ids, CSAF tracking ids …).' }),
  summary: Nullable(Type.String()),
  severity: Type.String({ description: 'CVSS rating of the best-sourced record: the NVD\'s own assessment, else a GHSA or vendor (CSAF) record, else any other (the highest score within each); "unknown" when none has one.' }),
  cvss: CvssSchema,
  severitySource: SeveritySourceSchema,
  kev: Type.Boolean({ description: 'In the CISA Known Exploited Vulnerabilities catalog.' }),
  kevDateAdded: Nullable(Type.String()),
  kevDueDate: Nullable(Type.String()),
  epss: Nullable(Type.Number({ description: 'FIRST EPSS probability of exploitation in the next 30 days.' })),
  epssPercentile: Nullable(Type.Number()),
  epssModel: Nullable(Type.String()),
  epssDate: Nullable(Type.String()),
  malicious: Type.Boolean({ description: 'A malicious package report (MAL- ids, CWE-506).' }),
  withdrawn: Type.Boolean(),
  published: Nullable(Type.String()),
  modified: Nullable(Type.String()),
  recordCount: Type.Integer(),
});
export type Advisory = Static<typeof AdvisorySchema>;

const CpeCriterionSchema = Type.Object({
  criteria: Type.String({ description: 'CPE 2.3 formatted string as NVD writes it.' }),
  vulnerable: Type.Boolean(),
  versionStartIncluding: Type.Optional(Type.String()),
  versionStartExcluding: Type.Optional(Type.String()),
  versionEndIncluding: Type.Optional(Type.String()),
  versionEndExcluding: Type.Optional(Type.String()),
});

const RangeSchema = Type.Object({
  type: Type.String({ description: 'SEMVER, ECOSYSTEM, GIT (OSV), or CPE: an NVD criterion (ecosystem "cpe").' }),
  events: Type.Array(Type.Record(Type.String(), Type.String()), { description: 'OSV events; empty for CPE entries, whose bounds are on the criterion.' }),
  criterion: Type.Optional(CpeCriterionSchema),
  platforms: Type.Optional(Nullable(Type.Array(Type.Array(CpeCriterionSchema), { description: 'CPE: the running-on platforms its configuration ANDs it with (each list: alternatives).' }))),
});

const CvssMetricSchema = Type.Object({
  version: Type.String(),
  vector: Type.String(),
  baseScore: Type.Number(),
  rating: Type.String(),
  source: Type.String({ description: 'Who scored it: nvd@nist.gov or a CNA.' }),
  type: Type.String({ description: 'Primary (the publisher\'s own assessment) or Secondary.' }),
});

export const AdvisoryDetailSchema = Type.Object({
  ...AdvisorySchema.properties,
  records: Type.Array(
    Type.Object({
      id: Type.String(),
      source: Type.String(),
      origin: Nullable(Type.String()),
      summary: Nullable(Type.String()),
      details: Nullable(Type.String()),
      aliases: Type.Array(Type.String()),
      published: Nullable(Type.String()),
      modified: Type.String(),
      withdrawn: Nullable(Type.String()),
      severity: Type.Array(Type.Object({ type: Type.String(), score: Type.String() })),
      cvss: CvssSchema,
      malicious: Type.Boolean(),
      references: Type.Array(Type.String()),
      cwes: Type.Optional(Type.Array(Type.String(), { description: 'NVD: CWE ids of the weaknesses.' })),
      status: Type.Optional(Type.String({ description: 'NVD: vulnStatus (Analyzed, Modified, Awaiting Analysis, Rejected, …).' })),
      cvssMetrics: Type.Optional(Type.Array(CvssMetricSchema, { description: 'NVD: every CVSS metric, with who scored it.' })),
      kev: Type.Optional(
        Type.Object(
          { dateAdded: Type.String(), actionDue: Nullable(Type.String()), requiredAction: Nullable(Type.String()), vulnerabilityName: Nullable(Type.String()) },
          { description: 'NVD: the CISA KEV fields it copies into a listed CVE.' },
        ),
      ),
      importedAt: Type.String(),
      updatedAt: Type.String(),
    }),
  ),
  packages: Type.Array(
    Type.Object({
      advisory: Type.String(),
      ecosystem: Type.String(),
      release: Nullable(Type.String()),
      name: Type.String(),
      published: Type.Object({ ecosystem: Type.String(), name: Type.String() }),
      purl: Nullable(Type.String()),
      versions: Type.Array(Type.String()),
      ranges: Type.Array(RangeSchema),
      fixed: Type.Array(Type.String()),
    }),
  ),
  kevEntries: Type.Array(
    Type.Object({
      cveId: Type.String(),
      vendorProject: Type.String(),
      product: Type.String(),
      name: Type.String(),
      dateAdded: Type.String(),
      dueDate: Nullable(Type.String()),
      knownRansomwareCampaignUse: Nullable(Type.String()),
      requiredAction: Nullable(Type.String()),
    }),
  ),
  findings: Type.Object({ open: Type.Integer(), total: Type.Integer() }),
});
export type AdvisoryDetail = Static<typeof AdvisoryDetailSchema>;

const Bool = Type.Boolean();

export const ListAdvisoriesQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Matches ids, aliases and summaries.' })),
    ecosystem: Type.Optional(Type.String({ maxLength: 100 })),
    package: Type.Optional(Type.String({ maxLength: 1000, description: 'Advisories affecting this package (with ecosystem).' })),
    kev: Type.Optional(Bool),
    malicious: Type.Optional(Bool),
    withdrawn: Type.Optional(Bool),
    severity: Type.Optional(Type.Array(Type.Enum(SEVERITY_FILTER), { maxItems: 6 })),
  },
  { additionalProperties: false },
);
export type ListAdvisoriesQueryType = Static<typeof ListAdvisoriesQuery>;

export const AdvisoryIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'A group id, or any advisory id or alias (CVE-…, GHSA-…, GO-…).' }),
});

export const FeedKindParams = Type.Object({ kind: Type.String({ maxLength: 40, description: FEED_KINDS.join(', ') }) });

export const ImportQuery = Type.Object(
  {
    vendorId: Type.Optional(Type.String({ maxLength: 36, description: 'VEX kinds: the vendor that issued the statements (their source); they apply to its products only.' })),
    productId: Type.Optional(Type.String({ maxLength: 36, description: 'VEX kinds: the product the statements are about.' })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:/ -]+$', description: 'A provenance label for the records (default: the feed kind, or the VEX author; for threat intel, the publisher the document names).' })),
    columns: Type.Optional(Type.String({ maxLength: 500, description: 'csv-iocs: the column mapping when detection cannot tell, e.g. value=indicator,type=kind or value=3 (fields: value, type, confidence, tlp, description, validFrom, validUntil, labels).' })),
    ...WaitQuery,
  },
  { additionalProperties: false },
);
export type ImportQueryType = Static<typeof ImportQuery>;

export const ImportReportSchema = Type.Object({
  imported: Type.Integer(),
  updated: Type.Integer(),
  skipped: Type.Integer(),
  errors: Type.Array(Type.Object({ record: Type.String(), reason: Type.String() })),
  findings: Type.Object({ created: Type.Integer(), updated: Type.Integer(), closed: Type.Integer(), reopened: Type.Integer() }),
  matching: Type.Object(
    { keys: Type.Integer(), componentsExamined: Type.Integer() },
    { description: 'The incremental matching this import caused: (ecosystem, package) keys looked up among components, and components re-evaluated.' },
  ),
  statements: Type.Optional(Type.Object({ imported: Type.Integer(), updated: Type.Integer(), skipped: Type.Integer() }, { description: 'CSAF: the VEX statements of the document.' })),
  unsupported: Type.Optional(Type.Integer({ description: 'stix: indicators kept with a pattern that is not matchable (GET /api/v1/indicators/unsupported lists them).' })),
  sightings: Type.Optional(Type.Integer({ description: 'stix, misp, csv-iocs: sightings the new indicators created (GET /api/v1/sightings).' })),
  source: Type.Optional(Type.String({ description: 'stix, misp, csv-iocs: the source label the records are filed under.' })),
  matched: Type.Optional(Type.Integer({ description: 'mentions: posts of this feed matched to at least one vendor.' })),
});

export const FeedSourceSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    kind: Type.Enum(['osv', 'kev', 'epss', 'csaf', 'openvex', 'cyclonedx-vex']),
    url: Type.String({ format: 'uri', maxLength: 2048, pattern: '^https?://' }),
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const FeedSettingsSchema = Type.Object(
  {
    sources: Type.Array(FeedSourceSchema, { maxItems: 100 }),
    intervalHours: Type.Integer({ minimum: 1, maximum: 720, description: 'How often each enabled source is fetched (checked hourly).' }),
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    maxBytes: Type.Integer({ minimum: 1024, maximum: 8 * 1024 * 1024 * 1024 }),
  },
  { additionalProperties: false },
);
export type FeedSettings = Static<typeof FeedSettingsSchema>;

export const FeedStatusSchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  url: Nullable(Type.String()),
  enabled: Type.Boolean(),
  lastAttemptAt: Nullable(Type.String()),
  lastSuccessAt: Nullable(Type.String()),
  lastError: Nullable(Type.String()),
  lastErrorAt: Nullable(Type.String()),
  lastResult: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const FeedsOverviewSchema = Type.Object({
  feeds: Type.Array(FeedStatusSchema),
  totals: Type.Object({
    advisoryGroups: Type.Integer(),
    advisoryRecords: Type.Integer(),
    kevEntries: Type.Integer(),
    kevCatalogVersion: Nullable(Type.String()),
    epssScores: Type.Integer(),
    epssModel: Nullable(Type.String()),
    epssScoreDate: Nullable(Type.String()),
    vexStatements: Type.Integer(),
  }),
  schedule: Type.Object({ intervalHours: Type.Integer(), nextCheckAt: Nullable(Type.String()) }),
});
