import type { Json } from '../../platform/db/tables.js';

/**
 * A post (breach notice, leak-site or forum post) that names vendors. Only metadata and a short
 * excerpt are kept, with the SHA-256 and length of the text it came with: never the post.
 */
export interface MentionsTable {
  id: string;
  /** SHA-256 of source + the feed's post id (else its url, else title + published): re-imports update, never duplicate. */
  content_key: string;
  source: string;
  url: string | null;
  title: string;
  excerpt: string;
  text_sha256: string;
  text_length: number;
  published_at: string | null;
  names: Json;
  domains: Json;
  /** Highest confidence among its vendor matches (0 when none): what the triage queue sorts and filters by. */
  best_confidence: number;
  /** new, relevant, not-relevant. */
  triage: string;
  triage_note: string | null;
  triaged_by: string | null;
  triaged_at: string | null;
  /** The risk a relevant mention raised. */
  risk_id: string | null;
  search_text: string;
  imported_at: string;
  updated_at: string;
}

export interface MentionMatchesTable {
  mention_id: string;
  vendor_id: string;
  /** The strongest signal: domain, name, alias, fuzzy-name, domain-in-text, name-in-title, name-in-text. */
  method: string;
  seen: string;
  vendor_term: string;
  confidence: number;
  /** Every signal and how they combine, in words. */
  explanation: string;
}

export interface MentionTables {
  mentions: MentionsTable;
  mention_matches: MentionMatchesTable;
}
