import type { Migration } from 'kysely';
import * as m0001 from './0001_platform.js';
import * as m0002 from './0002_vendors.js';
import * as m0003 from './0003_sboms.js';
import * as m0004 from './0004_advisories.js';
import * as m0005 from './0005_audit_sealer.js';
import * as m0006 from './0006_job_progress.js';
import * as m0007 from './0007_ingest.js';
import * as m0007s from './0007_ingest_staging.js';
import * as m0008 from './0008_vendor_triage.js';
import * as m0009 from './0009_indicators.js';
import * as m0010 from './0010_integrity.js';
import * as m0011 from './0011_risks.js';
import * as m0013 from './0013_findings_due_index.js';
import * as m0013t from './0013_vendor_domains_statement_triggers.js';
import * as m0013p from './0013_vendors_portfolio_index.js';
import * as m0014 from './0014_vendor_domains_index.js';
import * as m0015 from './0015_indicator_domains.js';
import * as m0016 from './0016_cpe_matching.js';
import * as m0017 from './0017_nvd.js';
import * as m0018 from './0018_severity_source.js';
import * as m0019 from './0019_search.js';
import * as m0020 from './0020_findings_views.js';
import * as m0021 from './0021_controls.js';
import * as m0022 from './0022_questionnaires.js';
import * as m0023 from './0023_assessments.js';
import * as m0024 from './0024_portal.js';
import * as m0025 from './0025_resilience.js';
import * as m0026 from './0026_incidents.js';
import * as m0027 from './0027_incident_clocks.js';
import * as m0028 from './0028_notifications.js';
import * as m0029 from './0029_playbooks.js';
import * as m0030 from './0030_egress_blocklist.js';
import * as m0031 from './0031_portal_incidents.js';
import * as m0032 from './0032_drills.js';
import * as m0033 from './0033_pii_patterns.js';
import * as m0034 from './0034_egress_events.js';
import * as m0035 from './0035_egress_flows.js';
import * as m0036 from './0036_icap_policies.js';
import * as m0037 from './0037_egress_alerts.js';
import * as m0038 from './0038_portal_access.js';
import * as m0041 from './0041_findings_sbom_covering.js';
import * as m0042 from './0042_vendors_parent_index.js';
import * as m0043 from './0043_vendor_finding_counts.js';
import * as m0049 from './0049_egress_scan_truncated.js';
import * as m0053 from './0053_product_open_groups.js';
import * as m0054 from './0054_advisory_text_index.js';
import * as m0055 from './0055_advisory_search_text.js';
import * as m0057 from './0057_findings_row_triggers.js';

/** Every migration, in order. Names are permanent: they are recorded in the database. */
export const migrations: Record<string, Migration> = {
  '0001_platform': m0001,
  '0002_vendors': m0002,
  '0003_sboms': m0003,
  '0004_advisories': m0004,
  '0005_audit_sealer': m0005,
  '0006_job_progress': m0006,
  '0007_ingest': m0007,
  '0007_ingest_staging': m0007s,
  '0008_vendor_triage': m0008,
  '0009_indicators': m0009,
  '0010_integrity': m0010,
  '0011_risks': m0011,
  '0013_findings_due_index': m0013,
  '0013_vendor_domains_statement_triggers': m0013t,
  '0013_vendors_portfolio_index': m0013p,
  '0014_vendor_domains_index': m0014,
  '0015_indicator_domains': m0015,
  '0016_cpe_matching': m0016,
  '0017_nvd': m0017,
  '0018_severity_source': m0018,
  '0019_search': m0019,
  '0020_findings_views': m0020,
  '0021_controls': m0021,
  '0022_questionnaires': m0022,
  '0023_assessments': m0023,
  '0024_portal': m0024,
  '0025_resilience': m0025,
  '0026_incidents': m0026,
  '0027_incident_clocks': m0027,
  '0028_notifications': m0028,
  '0029_playbooks': m0029,
  '0030_egress_blocklist': m0030,
  '0031_portal_incidents': m0031,
  '0032_drills': m0032,
  '0033_pii_patterns': m0033,
  '0034_egress_events': m0034,
  '0035_egress_flows': m0035,
  '0036_icap_policies': m0036,
  '0037_egress_alerts': m0037,
  '0038_portal_access': m0038,
  '0041_findings_sbom_covering': m0041,
  '0042_vendors_parent_index': m0042,
  '0043_vendor_finding_counts': m0043,
  '0049_egress_scan_truncated': m0049,
  '0053_product_open_groups': m0053,
  '0054_advisory_text_index': m0054,
  '0055_advisory_search_text': m0055,
  '0057_findings_row_triggers': m0057,
};
