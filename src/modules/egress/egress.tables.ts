/** One decision to block one domain at the egress (see migration 0030). */
export interface EgressBlocklistTable {
  id: string;
  /** Lower-case ASCII (IDNs in punycode), no trailing dot; its subdomains are blocked with it. */
  domain: string;
  reason: string;
  source: 'playbook' | 'person';
  status: 'active' | 'staged' | 'expired' | 'removed';
  incident_id: string | null;
  playbook_run_id: string | null;
  /** Set on a drill's blocks: staged, never exported. */
  drill_id: string | null;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  removed_at: string | null;
  removed_by: string | null;
}

export interface EgressTables {
  egress_blocklist: EgressBlocklistTable;
}
