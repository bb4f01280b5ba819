import type { DetectionSummary, DetectionType } from '../pii/pii.model.js';

/**
 * One observed request or connection leaving the organisation, normalised from whatever saw it
 * (issue 12). Every parser, the NDJSON API and the ICAP service produce this shape, and the
 * ingestion service is the one place that stores it and hands it on (flows, alerts).
 */
export const EGRESS_SOURCES = ['squid', 'zeek-http', 'zeek-dns', 'zeek-ssl', 'zeek-conn', 'jsonl', 'icap'] as const;
export type EgressSource = (typeof EGRESS_SOURCES)[number];

export const EGRESS_DECISIONS = ['allow', 'block', 'record'] as const;
export type EgressDecision = (typeof EGRESS_DECISIONS)[number];

export interface EgressEvent {
  /** ISO 8601 UTC. */
  at: string;
  source: EgressSource;
  /** The internal host (IP or name) that sent it; null when the log has none. */
  client: string | null;
  /** The application when known (User-Agent product, process name); null otherwise. */
  app: string | null;
  /** HTTP method, or null for DNS/TLS/TCP records. */
  method: string | null;
  /** Lower-case host name (IDNs in punycode, no trailing dot) or an IP address: the destination. */
  host: string;
  port: number | null;
  /**
   * The URL path without query or fragment (a query can carry personal data and is never kept);
   * null when the log has no URL (CONNECT, DNS, TLS, conn).
   */
  path: string | null;
  status: number | null;
  /** Bytes the client sent towards the destination (request size), 0 when unknown. */
  bytesOut: number;
  /** Bytes received from the destination, 0 when unknown. */
  bytesIn: number;
  contentType: string | null;
  /** Detection types seen in the request body (empty when not scanned or none). */
  dataClasses: DetectionType[];
  detections: DetectionSummary;
  /** Set on events from the ICAP service: what the policy decided, and why. */
  decision: EgressDecision | null;
  reason: string | null;
}

/** A flow's standing for the data it carried: see the attribution service. */
export const SANCTIONS = ['sanctioned', 'unsanctioned', 'unknown'] as const;
export type Sanction = (typeof SANCTIONS)[number];
