import type { Json } from '../../platform/db/tables.js';

/** One file of one product release: registered (what the vendor published) or observed (checked here). */
export interface ArtifactsTable {
  id: string;
  product_id: string;
  vendor_id: string;
  version: string;
  file_name: string;
  size: number | null;
  /** Lower-case hex; sha256 always, the others when known (always, for observed artifacts). */
  md5: string | null;
  sha1: string | null;
  sha256: string;
  sha512: string | null;
  source: 'registered' | 'observed';
  /** valid | invalid | unsigned | malformed | not-pe | declared (a registered signer, not verified here). */
  signature_status: string;
  signer_subject: string | null;
  signer_issuer: string | null;
  signer_serial: string | null;
  signer_thumbprint: string | null;
  signing_time: string | null;
  /** The whole signature analysis (ArtifactSignature) as JSON. */
  signature: Json | null;
  /** none | verified (a Sigstore bundle verified against the trusted root and this artifact's digest). */
  provenance_status: string;
  provenance: Json | null;
  sigstore_bundle: Json | null;
  first_seen_at: string;
  last_seen_at: string;
  seen_count: number;
  created_by: string;
}

/** A file inside an installer, from an inner-file manifest or the release SBOM's hashes. */
export interface ArtifactFilesTable {
  id: string;
  artifact_id: string;
  product_id: string;
  vendor_id: string;
  version: string;
  path: string;
  size: number | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  sha512: string | null;
  source: 'manifest' | 'sbom';
}

export interface IntegrityAlertsTable {
  id: string;
  artifact_id: string;
  product_id: string;
  vendor_id: string;
  version: string;
  type: string;
  severity: 'high' | 'medium';
  detail: string;
  indicator_id: string | null;
  alert_key: string;
  evidence: Json;
  created_at: string;
}

export interface IntegrityTables {
  artifacts: ArtifactsTable;
  artifact_files: ArtifactFilesTable;
  integrity_alerts: IntegrityAlertsTable;
}
