import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';
import { CONFIDENCE_TIERS, DETECTION_TYPES } from '../pii/pii.model.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });

export const ALERT_RULES = ['personal-data', 'new-destination', 'volume-anomaly', 'indicator-contact'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

const Window = Type.Integer({ minimum: 1, maximum: 43_200, description: 'Minutes: a recurrence within this long of the alert\'s lastSeen grows its count instead of opening another.' });
const OpenRisk = Type.Boolean({ description: 'Whether a new alert of this rule raises a risk in the register (one per rule and key; recurrences add evidence).' });

export const EgressAlertSettingsSchema = Type.Object(
  {
    personalData: Type.Object(
      {
        enabled: Type.Boolean(),
        classes: Type.Array(Type.Enum([...DETECTION_TYPES]), { uniqueItems: true, description: 'Detection types that count as personal data for this rule.' }),
        minTier: Type.Enum([...CONFIDENCE_TIERS], { description: 'Detections below this confidence tier are ignored (low is log-only).' }),
        sanctions: Type.Array(Type.Enum(['unsanctioned', 'unknown']), { uniqueItems: true, description: 'Which standings of the destination alert.' }),
        windowMinutes: Window,
        openRisk: OpenRisk,
      },
      { additionalProperties: false },
    ),
    newDestination: Type.Object(
      {
        enabled: Type.Boolean(),
        learningHours: Type.Integer({ minimum: 0, maximum: 8760, description: 'After a product is first seen, its destinations are learnt silently for this many hours.' }),
        ignoreOwnVendor: Type.Boolean({ description: 'A destination attributed to the product\'s own vendor is learnt without an alert.' }),
        pathOwnedHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9.-]+$' }), { maxItems: 500, uniqueItems: true, description: 'More shared hosts (besides GitHub, GitLab, Bitbucket, S3, GCS, Azure blob, Discord, Pastebin) where the first path segment is the owner.' }),
        windowMinutes: Window,
        openRisk: OpenRisk,
      },
      { additionalProperties: false },
    ),
    volumeAnomaly: Type.Object(
      {
        enabled: Type.Boolean(),
        windowHours: Type.Integer({ minimum: 1, maximum: 2160, description: 'Hours of a flow\'s history its baseline covers.' }),
        minSamples: Type.Integer({ minimum: 1, maximum: 2160, description: 'Active hours the baseline needs before it judges.' }),
        minBytes: Type.Integer({ minimum: 0, description: 'An hour sending fewer bytes out is never an anomaly.' }),
        threshold: Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'Robust standard deviations (1.4826 × MAD, at least 5% of the median) above the median.' }),
        windowMinutes: Window,
        openRisk: OpenRisk,
      },
      { additionalProperties: false },
    ),
    indicatorContact: Type.Object(
      {
        enabled: Type.Boolean(),
        windowMinutes: Window,
        openRisk: OpenRisk,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type EgressAlertSettings = Static<typeof EgressAlertSettingsSchema>;

export const DEFAULT_EGRESS_ALERT_SETTINGS: EgressAlertSettings = {
  personalData: {
    enabled: true,
    // IP addresses are in nearly every body (logs, telemetry): counted in flows, not alerted on by default.
    classes: DETECTION_TYPES.filter((t) => t !== 'ip_address'),
    minTier: 'medium',
    sanctions: ['unsanctioned', 'unknown'],
    windowMinutes: 24 * 60,
    openRisk: false,
  },
  newDestination: { enabled: true, learningHours: 72, ignoreOwnVendor: true, pathOwnedHosts: [], windowMinutes: 24 * 60, openRisk: false },
  volumeAnomaly: { enabled: true, windowHours: 14 * 24, minSamples: 24, minBytes: 10 * 1024 * 1024, threshold: 6, windowMinutes: 60, openRisk: false },
  indicatorContact: { enabled: true, windowMinutes: 24 * 60, openRisk: true },
};

export const VOLUME_DESCRIPTION =
  'volume-anomaly: a flow (source client or app → destination) sending more bytes out in an hour than its baseline allows. The baseline is the flow\'s active hours (hours it sent anything) over the last windowHours: the median, and the median absolute deviation (MAD) scaled by 1.4826 as the spread (at least 5% of the median, so a perfectly regular flow does not alert on one byte more). An hour is anomalous when its bytes out exceed median + threshold × spread, are at least minBytes, and the baseline has at least minSamples hours. Median and MAD are robust: past bursts barely move them, unlike a mean and standard deviation.';

export const RULES_DESCRIPTION = [
  'personal-data: a request carrying personal data (the configured detection types at or above minTier) to a destination that is unsanctioned (its vendor is not approved for the data\'s category) or unknown (unattributed).',
  'new-destination: software of a vendor (the event\'s app, a User-Agent product or process name, found among the vendors\' products by name) contacting a destination it never contacted before, after its learning period. On shared hosting (GitHub and its raw/objects/gist hosts, GitLab, Bitbucket, S3, GCS, Azure blob, Discord attachments, Pastebin) novelty is judged on the path owner (first path segment, bucket or account), not the host: the first 3CX payload came from a GitHub repository.',
  VOLUME_DESCRIPTION,
  'indicator-contact: a request to an active threat-intel indicator (a domain or its subdomains, a URL\'s host and path, an IP address); it is also recorded as a sighting (kind egress), which incident correlation can open an incident from.',
  'Alerts are de-duplicated: the same rule and key (destination, path owner, flow, indicator; and vendor) within the rule\'s window grows count and lastSeen.',
].join(' ');

export const EgressAlertSchema = Type.Object({
  id: Type.String(),
  rule: Type.Enum([...ALERT_RULES]),
  status: Type.Enum([...ALERT_STATUSES]),
  severity: Type.Enum([...ALERT_SEVERITIES]),
  title: Type.String(),
  detail: Type.String(),
  vendor: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  productId: Nullable(Type.String()),
  destination: Type.String({ description: 'The flow\'s destination: registrable domain, or an IP.' }),
  host: Type.String(),
  source: Type.String({ description: 'The flow\'s source: client host, else app.' }),
  app: Nullable(Type.String()),
  pathOwner: Nullable(Type.String({ description: 'The shared-hosting owner judged, e.g. github:iconstorages.' })),
  sanction: Nullable(Type.String()),
  dataClasses: Type.Array(Type.String()),
  indicatorId: Nullable(Type.String()),
  sightingId: Nullable(Type.String()),
  riskId: Nullable(Type.String()),
  evidence: Type.Record(Type.String(), Type.Unknown()),
  count: Type.Integer(),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  firstEventId: Type.String(),
  lastEventId: Type.String(),
  acknowledgedAt: Nullable(Type.String()),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String()),
  resolvedBy: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  links: Type.Object({
    flows: Type.String({ description: 'The data flows of this destination since the alert began.' }),
    events: Type.String({ description: 'The raw events of this host over the alert\'s span (while retention keeps them).' }),
    vendor: Nullable(Type.String()),
    risk: Nullable(Type.String()),
  }),
});
export type EgressAlert = Static<typeof EgressAlertSchema>;

export const ListAlertsQuery = Type.Object(
  {
    rule: Type.Optional(Type.Enum([...ALERT_RULES])),
    status: Type.Optional(Type.Enum([...ALERT_STATUSES, 'unresolved'], { description: 'unresolved: open or acknowledged.' })),
    severity: Type.Optional(Type.Enum([...ALERT_SEVERITIES])),
    vendorId: Type.Optional(Uuid),
    destination: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListAlertsQueryType = Static<typeof ListAlertsQuery>;

export const AlertIdParams = Type.Object({ id: Uuid });
