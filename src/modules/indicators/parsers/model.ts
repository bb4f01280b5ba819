// The normalised shapes every indicator parser produces.
import type { RecordError } from '../../advisories/parsers/model.js';

export const INDICATOR_TYPES = ['sha256', 'sha1', 'md5', 'sha512', 'domain', 'url', 'ipv4', 'ipv6', 'email'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];
export const HASH_TYPES: readonly IndicatorType[] = ['sha256', 'sha1', 'md5', 'sha512'];

/** Traffic Light Protocol, least to most restrictive (2.0 names; WHITE is read as CLEAR). */
export const TLP_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type Tlp = (typeof TLP_LEVELS)[number];

export interface KillChainPhase {
  killChainName: string;
  phaseName: string;
}

/** What one record of a feed says, shared by every indicator the record yields. */
export interface IndicatorContext {
  /** The feed's id for the record: STIX id, MISP attribute uuid, `line N` of a CSV. */
  ref: string;
  name: string | null;
  description: string | null;
  /** The STIX pattern the indicator came from, when it came from one. */
  pattern: string | null;
  confidence: number | null;
  tlp: Tlp | null;
  validFrom: string | null;
  validUntil: string | null;
  labels: string[];
  killChain: KillChainPhase[];
}

export interface ParsedIndicator extends IndicatorContext {
  type: IndicatorType;
  value: string;
}

/** A STIX indicator kept as it is: its pattern is of another language or has no matchable form. */
export interface UnsupportedPattern extends Omit<IndicatorContext, 'killChain' | 'description' | 'pattern'> {
  pattern: string;
  patternType: string;
  reason: string;
}

export interface IndicatorOutcome {
  /** vendor-report: indicators a vendor reported with an incident (modules/incidents). */
  format: 'stix' | 'misp' | 'csv-iocs' | 'vendor-report';
  indicators: ParsedIndicator[];
  unsupported: UnsupportedPattern[];
  /** Records not imported on purpose (revoked, not for detection, not indicators), counted. */
  skipped: number;
  errors: RecordError[];
  /** Who published the document, when it says so (STIX identity, MISP org): the default source label. */
  publisher: string | null;
}

export function emptyOutcome(format: IndicatorOutcome['format']): IndicatorOutcome {
  return { format, indicators: [], unsupported: [], skipped: 0, errors: [], publisher: null };
}

const unsupportedRefs = new WeakMap<IndicatorOutcome, Map<string, number>>();

/** Keeps a record unsupported; a later record with the same ref replaces it (one row per source and ref). */
export function keepUnsupported(outcome: IndicatorOutcome, record: UnsupportedPattern): void {
  let refs = unsupportedRefs.get(outcome);
  if (!refs) unsupportedRefs.set(outcome, (refs = new Map(outcome.unsupported.map((u, i) => [u.ref, i]))));
  const at = refs.get(record.ref);
  if (at === undefined) {
    refs.set(record.ref, outcome.unsupported.length);
    outcome.unsupported.push(record);
  } else {
    outcome.unsupported[at] = record;
  }
}
