import type { SeveritySource } from './advisories.groups.js';
import type { Advisory, AdvisoryDetail } from './advisories.schemas.js';
import type { AdvisoriesTable, AdvisoryGroupsTable, KevEntriesTable } from './advisories.tables.js';

const json = <T>(text: string | null, fallback: T): T => (text ? (JSON.parse(text) as T) : fallback);
const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function presentAdvisory(g: AdvisoryGroupsTable): Advisory {
  const identifiers = json<string[]>(g.identifiers, []);
  return {
    id: g.id,
    advisoryId: g.display_id,
    aliases: identifiers.filter((id) => id.toUpperCase() !== g.display_id.toUpperCase()),
    summary: g.summary,
    severity: g.severity ?? 'unknown',
    cvss: g.cvss_score === null ? null : { score: Number(g.cvss_score), vector: g.cvss_vector ?? '', version: g.cvss_version },
    severitySource: json<SeveritySource | null>(g.severity_source, null),
    kev: Number(g.kev) === 1,
    kevDateAdded: g.kev_date_added,
    kevDueDate: g.kev_due_date,
    epss: num(g.epss),
    epssPercentile: num(g.epss_percentile),
    epssModel: g.epss_model,
    epssDate: g.epss_date,
    malicious: Number(g.malicious) === 1,
    withdrawn: Number(g.withdrawn) === 1,
    published: g.published,
    modified: g.modified,
    recordCount: Number(g.member_count),
  };
}

type PackageRow = {
  ecosystem: string;
  ecosystem_release: string | null;
  package_name: string;
  raw_ecosystem: string;
  raw_name: string;
  purl: string | null;
  versions: string;
  ranges: string;
  fixed: string;
  external_id: string;
};

export function presentAdvisoryDetail(g: AdvisoryGroupsTable, members: AdvisoriesTable[], packages: PackageRow[], kev: KevEntriesTable[], findings: { open: number; total: number }): AdvisoryDetail {
  return {
    ...presentAdvisory(g),
    records: members.map((m) => ({
      id: m.external_id,
      source: m.source,
      origin: m.origin,
      summary: m.summary,
      details: m.details,
      aliases: json<string[]>(m.aliases, []),
      published: m.published,
      modified: m.modified,
      withdrawn: m.withdrawn,
      severity: json(m.severity, []),
      cvss: m.cvss_score === null ? null : { score: Number(m.cvss_score), vector: m.cvss_vector ?? '', version: m.cvss_version },
      malicious: Number(m.malicious) === 1,
      references: json<string[]>(m.reference_urls, []),
      ...nvdFields(m),
      importedAt: m.imported_at,
      updatedAt: m.updated_at,
    })),
    packages: packages.map((p) => ({
      advisory: p.external_id,
      ecosystem: p.ecosystem,
      release: p.ecosystem_release,
      name: p.package_name,
      published: { ecosystem: p.raw_ecosystem, name: p.raw_name },
      purl: p.purl,
      versions: json<string[]>(p.versions, []),
      // CPE entries carry their bounds on the criterion: no OSV events.
      ranges: json<Array<AdvisoryDetail['packages'][number]['ranges'][number]>>(p.ranges, []).map((r) => (r.events ? r : { ...r, events: [] })),
      fixed: json<string[]>(p.fixed, []),
    })),
    kevEntries: kev.map((k) => ({
      cveId: k.cve_id,
      vendorProject: k.vendor_project,
      product: k.product,
      name: k.name,
      dateAdded: k.date_added,
      dueDate: k.due_date,
      knownRansomwareCampaignUse: k.ransomware,
      requiredAction: k.required_action,
    })),
    findings,
  };
}

/** What only NVD records carry (absent for other sources). */
function nvdFields(m: AdvisoriesTable): Pick<AdvisoryDetail['records'][number], 'cwes' | 'status' | 'cvssMetrics' | 'kev'> {
  const out: Pick<AdvisoryDetail['records'][number], 'cwes' | 'status' | 'cvssMetrics' | 'kev'> = {};
  if (m.cwes) out.cwes = json<string[]>(m.cwes, []);
  if (m.nvd_status) out.status = m.nvd_status;
  if (m.cvss_metrics) out.cvssMetrics = json(m.cvss_metrics, []);
  if (m.kev_date_added) out.kev = { dateAdded: m.kev_date_added, actionDue: m.kev_due_date, requiredAction: m.kev_required_action, vulnerabilityName: m.kev_name };
  return out;
}
