/** One stored egress event (migration 0034): an EgressEvent in columns. */
export interface EgressEventsTable {
  id: string;
  at: string;
  source: string;
  client: string | null;
  app: string | null;
  method: string | null;
  host: string;
  port: number | null;
  path: string | null;
  status: number | null;
  /** bigint: PostgreSQL answers a string, SQLite a number. */
  bytes_out: number | string;
  bytes_in: number | string;
  content_type: string | null;
  /** JSON array of DetectionType. */
  data_classes: string;
  /** JSON DetectionSummary. */
  detections: string;
  decision: string | null;
  reason: string | null;
  /** 1 when the body was larger than the scan cap and only its start was scanned. */
  scan_truncated: number;
  ingested_at: string;
}

/** How far `thirdwatch egress ingest` read a file (absolute path): resumes there unless the file was rotated or truncated. */
export interface EgressIngestOffsetsTable {
  path: string;
  format: string;
  offset: number | string;
  /** Lines read up to offset (line numbers in reports stay those of the file). */
  line: number;
  /** The file's first head_length bytes hash to head_hash (sha256 hex) while it is the same file. */
  head_length: number;
  head_hash: string;
  updated_at: string;
}

export interface IngestTables {
  egress_events: EgressEventsTable;
  egress_ingest_offsets: EgressIngestOffsetsTable;
}
