/** One custom personal-data pattern of the organisation (see migration 0033). */
export interface PiiPatternsTable {
  id: string;
  /** Unique; becomes the detection's subtype. */
  name: string;
  /** In the vetted linear-time subset (pii.patterns.ts). */
  pattern: string;
  case_insensitive: number;
  confidence: number;
  description: string | null;
  /** Order in the list as last saved. */
  position: number;
  updated_by: string;
  updated_at: string;
}

export interface PiiTables {
  pii_patterns: PiiPatternsTable;
}
