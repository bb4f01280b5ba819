/** A single-use link to the portal; only the link's hash is stored. */
export interface AssessmentInvitationsTable {
  id: string;
  token_hash: string;
  /** The assessment the link sends; null: portal access alone, e.g. to report an incident (0038). */
  assessment_id: string | null;
  vendor_id: string;
  contact_id: string | null;
  /** Where the link was e-mailed (null: only handed to the analyst). */
  email: string | null;
  emailed_at: string | null;
  expires_at: string;
  used_at: string | null;
  created_by: string;
  created_at: string;
}

/** A vendor's portal session, made from one invitation; the bearer token's hash only. */
export interface PortalSessionsTable {
  id: string;
  token_hash: string;
  vendor_id: string;
  invitation_id: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
}

/** Evidence bytes, once per SHA-256 of the content. */
export interface PortalBlobsTable {
  sha256: string;
  content: Buffer;
  size_bytes: number;
  created_at: string;
}

/** A file a vendor uploaded: one row per vendor and content (an upload of the same bytes is the same file). */
export interface PortalFilesTable {
  id: string;
  vendor_id: string;
  sha256: string;
  name: string;
  /** Sniffed from the content, never taken from the uploader's label. */
  media_type: string;
  size_bytes: number;
  created_by: string;
  created_at: string;
}

/** Reminders sent: kind 'due-soon', 'overdue-0', 'overdue-1', ... (one per week overdue). */
export interface AssessmentRemindersTable {
  assessment_id: string;
  kind: string;
  email: string;
  sent_at: string;
}

/** A vendor system's API token (twv_...): acts as that vendor's portal principal; only its hash is stored. */
export interface PortalTokensTable {
  id: string;
  vendor_id: string;
  name: string;
  token_hash: string;
  /** First characters of the token, shown so people can tell tokens apart. */
  prefix: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface PortalTables {
  portal_tokens: PortalTokensTable;
  assessment_invitations: AssessmentInvitationsTable;
  portal_sessions: PortalSessionsTable;
  portal_blobs: PortalBlobsTable;
  portal_files: PortalFilesTable;
  assessment_reminders: AssessmentRemindersTable;
}
