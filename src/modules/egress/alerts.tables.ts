import type { Json } from '../../platform/db/tables.js';

/**
 * One egress alert (migration 0037): a rule that fired for a key (destination, path owner, flow,
 * indicator) and kept counting while it recurred within the rule's window.
 */
export interface EgressAlertsTable {
  id: string;
  rule: 'personal-data' | 'new-destination' | 'volume-anomaly' | 'indicator-contact';
  /** What recurrences are folded on, with the rule: e.g. "vendor:<id>|dest:github:iconstorages". */
  dedupe_key: string;
  status: 'open' | 'acknowledged' | 'resolved';
  severity: 'low' | 'medium' | 'high' | 'critical';
  title: string;
  detail: string;
  vendor_id: string | null;
  product_id: string | null;
  /** The flow's destination (registrable domain or IP) and the host actually contacted. */
  destination: string;
  host: string;
  /** The flow's source: client host or app. */
  source: string;
  app: string | null;
  /** The shared-hosting owner ("github:iconstorages") the rule judged, when it judged one. */
  path_owner: string | null;
  sanction: string | null;
  data_classes: Json;
  indicator_id: string | null;
  sighting_id: string | null;
  risk_id: string | null;
  /** Rule-specific numbers (baseline median/MAD, volume): JSON object. */
  evidence: Json;
  count: number;
  first_seen: string;
  last_seen: string;
  first_event_id: string;
  last_event_id: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Destinations (or shared-hosting owners) each product has contacted: the new-destination rule's memory. */
export interface EgressAlertNoveltyTable {
  product_id: string;
  /** Registrable domain, IP, or "<platform>:<owner>" on shared hosting; "*" marks when the product was first seen. */
  target: string;
  first_seen: string;
}

/** The volume rule's per-flow state: the current hour's bytes and the recent active hours'. */
export interface EgressAlertBaselinesTable {
  /** "<source>|<destination>". */
  flow_key: string;
  /** Start of the hour being counted (ISO). */
  hour: string;
  bytes_out: number;
  /** JSON array of [hourStartMs, bytesOut] for completed active hours inside the window, oldest first. */
  history: Json;
  updated_at: string;
}

export interface EgressAlertTables {
  egress_alerts: EgressAlertsTable;
  egress_alert_novelty: EgressAlertNoveltyTable;
  egress_alert_baselines: EgressAlertBaselinesTable;
}
