// Shapes of the threat-intel API: indicators, their sources, sightings and the patterns kept unmatched
// (see src/modules/indicators/indicators.schemas.ts).

export const INDICATOR_TYPES = ['sha256', 'sha1', 'md5', 'sha512', 'domain', 'url', 'ipv4', 'ipv6', 'email'] as const;
export const SIGHTING_KINDS = ['sbom-component', 'artifact', 'artifact-file', 'vendor-domain', 'egress'] as const;
export type SightingKind = (typeof SIGHTING_KINDS)[number];

export interface IndicatorSource {
  name: string;
  ref: string;
  format: string;
  title: string | null;
  description: string | null;
  pattern: string | null;
  confidence: number | null;
  tlp: string | null;
  validFrom: string | null;
  validUntil: string | null;
  labels: string[];
  importedAt: string;
  updatedAt: string;
}

export interface Indicator {
  id: string;
  type: string;
  value: string;
  sources: IndicatorSource[];
  confidence: number | null;
  tlp: string | null;
  validFrom: string | null;
  validUntil: string | null;
  labels: string[];
  killChainPhases: Array<{ killChainName: string; phaseName: string }>;
  description: string | null;
  sightingCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface Sighting {
  id: string;
  kind: SightingKind;
  indicator: { id: string; type: string; value: string; confidence: number | null; tlp: string | null };
  vendor: { id: string; name: string } | null;
  product: { id: string; name: string } | null;
  release: string | null;
  sbomId: string | null;
  component: { idx: number; name: string; version: string | null; purl: string | null } | null;
  artifactId: string | null;
  /** egress: the request that contacted the indicator (host, path, app, client, at, eventId). */
  evidence: { fileName?: string | null; file?: string | null; hash?: string; algorithm?: string; vendorDomain?: string; host?: string; path?: string | null; app?: string | null; client?: string | null; at?: string };
  foundBy: 'indicator' | 'sbom' | 'artifact' | 'vendor' | 'egress';
  riskId: string | null;
  /** The indicator-contact egress alert that recorded an egress sighting. */
  egressAlertId: string | null;
  createdAt: string;
}

export interface UnsupportedPattern {
  id: string;
  source: string;
  ref: string;
  format: string;
  name: string | null;
  pattern: string;
  patternType: string;
  reason: string;
  importedAt: string;
}

export interface IndicatorOverview {
  totals: { indicators: number; unsupported: number; sightings: number };
  sources: Array<{ name: string; records: number }>;
}
