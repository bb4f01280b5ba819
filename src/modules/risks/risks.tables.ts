import type { Flag, Json } from '../../platform/db/tables.js';

/**
 * A risk in the register. Scores are likelihood × impact (1–25) on the configured 5×5 scales:
 * inherent from (likelihood, impact), residual from the residual pair once someone assesses the
 * effect of the treatment; current_score is the residual score when set, else the inherent one
 * (what roll-ups, the heat map and sorting use). `assessed` is 1 once a person set the inherent
 * rating: from then on an automatic re-raise no longer overwrites it.
 */
export interface RisksTable {
  id: string;
  title: string;
  description: string;
  /** 'manual', or the automatic source: finding, sighting, integrity-alert, mention, assessment, resilience. */
  source: string;
  /** Unique with source for automatic risks; null for manual ones. */
  source_key: string | null;
  likelihood: number;
  impact: number;
  inherent_score: number;
  residual_likelihood: number | null;
  residual_impact: number | null;
  residual_score: number | null;
  current_score: number;
  assessed: Flag;
  owner: string | null;
  team_id: string | null;
  treatment: string | null;
  treatment_plan: string | null;
  /** Calendar date (YYYY-MM-DD) the treatment is due. */
  due_date: string | null;
  /** open, pending-acceptance, accepted, closed. */
  status: string;
  acceptance_justification: string | null;
  acceptance_expires_at: string | null;
  /** Principal key ("user:ID" or "token:ID") of who asked for acceptance, and who approved it. */
  acceptance_requested_by: string | null;
  acceptance_requested_by_name: string | null;
  acceptance_requested_at: string | null;
  accepted_by: string | null;
  accepted_by_name: string | null;
  accepted_at: string | null;
  /** mitigated, resolved (the source went away), transferred, avoided, not-a-risk. */
  close_reason: string | null;
  closed_at: string | null;
  reopen_count: number;
  reopened_at: string | null;
  reopen_reason: string | null;
  /** How often the automatic source raised it, and when last. */
  raise_count: number;
  last_raised_at: string | null;
  /** Title and description folded for search (see search-text.ts). */
  search_text: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface RiskVendorsTable {
  risk_id: string;
  vendor_id: string;
}

export interface RiskProductsTable {
  risk_id: string;
  product_id: string;
}

/** A typed link from a risk to what shows it: (risk_id, type, ref) is unique. */
export interface RiskEvidenceTable {
  risk_id: string;
  type: string;
  ref: string;
  label: string | null;
  added_by: string;
  added_at: string;
}

/** One row per day: the register's state when the snapshot job ran (the trend). */
export interface RiskSnapshotsTable {
  day: string;
  taken_at: string;
  open: number;
  accepted: number;
  /** JSON { low, medium, high, critical } of open and pending risks by current score. */
  by_level: Json;
  /** JSON 5×5 counts [likelihood-1][impact-1] of open and pending risks (residual rating when set). */
  heat: Json;
}

/** How far an incremental source (e.g. findings) has been read: an ISO time watermark. */
export interface RiskSourceCursorsTable {
  name: string;
  position: string;
  updated_at: string;
}

export interface RiskTables {
  risks: RisksTable;
  risk_vendors: RiskVendorsTable;
  risk_products: RiskProductsTable;
  risk_evidence: RiskEvidenceTable;
  risk_snapshots: RiskSnapshotsTable;
  risk_source_cursors: RiskSourceCursorsTable;
}
