import type { SeveritySource } from '../advisories/advisories.groups.js';
import type { FindingRow } from './findings.repository.js';
import type { Finding, MatchKind } from './findings.schemas.js';
import type { FindingsHistoryTable } from './findings.tables.js';

const json = <T>(text: string | null, fallback: T): T => (text ? (JSON.parse(text) as T) : fallback);
const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function presentFinding(row: FindingRow, now = Date.now()): Finding {
  const identifiers = json<string[]>(row.identifiers, []);
  const source = json<SeveritySource | null>(row.severity_source, null);
  return {
    id: row.id,
    advisoryId: row.display_id,
    advisoryGroupId: row.group_id,
    aliases: identifiers.filter((id) => id.toUpperCase() !== row.display_id.toUpperCase()),
    summary: row.summary,
    component: {
      purl: row.component_purl,
      name: row.component_name,
      version: row.component_version,
      ecosystem: row.ecosystem,
      packageName: row.package_name,
      direct: Number(row.direct) === 1,
      depth: Number(row.depth),
    },
    product: { id: row.product_id, name: row.product_name },
    vendor: { id: row.vendor_id, name: row.vendor_name, tier: row.vendor_tier },
    release: row.release,
    sbomId: row.sbom_id,
    severity: row.severity,
    severityOverride: row.severity_override,
    cvss: source ? (source.score === null ? null : { score: source.score, vector: source.vector ?? '', version: source.cvssVersion }) : row.cvss_score === null ? null : { score: Number(row.cvss_score), vector: row.cvss_vector ?? '', version: row.cvss_version },
    severitySource: source,
    kev: Number(row.kev) === 1,
    kevDueDate: row.kev_due_date,
    epss: num(row.epss),
    epssPercentile: num(row.epss_percentile),
    malicious: Number(row.malicious) === 1,
    state: row.state,
    justification: row.justification,
    responses: json<string[]>(row.responses, []),
    detail: row.detail,
    stateSource: row.state_source,
    stateSourceName: row.state_source_name,
    stateUpdatedAt: row.state_updated_at,
    status: row.status,
    closedReason: row.closed_reason,
    closedAt: row.closed_at,
    verdict: row.verdict,
    matched: json(row.matched, []),
    fixedVersions: json<string[]>(row.fixed_versions, []),
    fixedIn: row.fixed_in,
    match: row.match_kind as MatchKind,
    matchConfidence: num(row.match_confidence),
    priority: row.priority,
    dueAt: row.due_at,
    overdue: row.status === 'open' && !['not_affected', 'false_positive', 'resolved'].includes(row.state) && Date.parse(row.due_at) < now,
    firstSeenAt: row.first_seen_at,
    updatedAt: row.updated_at,
  };
}

export function presentHistory(row: FindingsHistoryTable) {
  return {
    at: row.at,
    actor: { type: row.actor_type, name: row.actor_name },
    source: row.source,
    action: row.action,
    fromState: row.from_state,
    toState: row.to_state,
    justification: row.justification,
    responses: json<string[]>(row.responses, []),
    detail: row.detail,
    details: json<Record<string, unknown> | null>(row.details, null),
  };
}
