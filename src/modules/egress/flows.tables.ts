import type { ColumnType } from 'kysely';
import type { Json } from '../../platform/db/tables.js';

/** PostgreSQL answers bigint columns as strings; SQLite as numbers. */
type BigCount = ColumnType<number | string, number, number>;

/** One hour of egress from one client or app to one destination (see migration 0035). */
export interface EgressFlowsTable {
  id: string;
  /** The hour's start, ISO 8601 UTC ("2026-12-07T01:00:00.000Z"). */
  hour: string;
  /** '' when the log named no client. */
  client: string;
  /** '' when no application was known. */
  app: string;
  /** Registrable domain of the host, or the IP address. */
  destination: string;
  /** '' when unattributed. */
  vendor_id: string;
  direction: 'outbound' | 'inbound';
  product_id: string | null;
  requests: BigCount;
  bytes_out: BigCount;
  bytes_in: BigCount;
  /** Sorted JSON sets of strings. */
  methods: Json;
  content_types: Json;
  data_classes: Json;
  sanction: 'sanctioned' | 'unsanctioned' | 'unknown';
  first_seen: string;
  last_seen: string;
}

/** Every destination seen, and what a person decided about it. */
export interface EgressDestinationsTable {
  destination: string;
  first_seen: string;
  last_seen: string;
  /** The vendor attribution found the last time traffic went there (null: none). */
  seen_vendor_id: string | null;
  /** A person's assignment: it wins over every other attribution. */
  vendor_id: string | null;
  product_id: string | null;
  /** A person's sanction override; null: from the vendor's approved data categories. */
  sanction: 'sanctioned' | 'unsanctioned' | null;
  assigned_by: string | null;
  assigned_at: string | null;
}

export interface EgressFlowTables {
  egress_flows: EgressFlowsTable;
  egress_destinations: EgressDestinationsTable;
}
