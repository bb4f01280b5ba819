import type { Links, RiskRow } from './risks.repository.js';
import { levelOf, type RiskScales } from './risks.scales.js';
import type { Risk } from './risks.schemas.js';
import type { RiskEvidenceTable, RisksTable } from './risks.tables.js';

export function presentRisk(r: RiskRow, links: Links, scales: RiskScales, today = new Date().toISOString().slice(0, 10)): Risk {
  const residual =
    r.residual_likelihood !== null && r.residual_impact !== null && r.residual_score !== null
      ? { likelihood: Number(r.residual_likelihood), impact: Number(r.residual_impact), score: Number(r.residual_score), level: levelOf(Number(r.residual_score), scales) }
      : null;
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    source: r.source,
    sourceKey: r.source_key,
    inherent: { likelihood: Number(r.likelihood), impact: Number(r.impact), score: Number(r.inherent_score), level: levelOf(Number(r.inherent_score), scales) },
    residual,
    score: Number(r.current_score),
    level: levelOf(Number(r.current_score), scales),
    assessed: Number(r.assessed) === 1,
    owner: r.owner,
    team: r.team_key && r.team_name ? { key: r.team_key, name: r.team_name } : null,
    treatment: r.treatment,
    treatmentPlan: r.treatment_plan,
    dueDate: r.due_date,
    overdue: isOverdue(r, today),
    status: r.status,
    acceptance:
      r.acceptance_justification !== null && r.acceptance_expires_at !== null
        ? {
            justification: r.acceptance_justification,
            expiresAt: r.acceptance_expires_at,
            requestedBy: r.acceptance_requested_by_name ?? '',
            requestedAt: r.acceptance_requested_at ?? '',
            approvedBy: r.accepted_by_name,
            approvedAt: r.accepted_at,
          }
        : null,
    closeReason: r.close_reason,
    closedAt: r.closed_at,
    reopenCount: Number(r.reopen_count),
    reopenedAt: r.reopened_at,
    reopenReason: r.reopen_reason,
    raiseCount: Number(r.raise_count),
    lastRaisedAt: r.last_raised_at,
    vendors: links.vendors.get(r.id) ?? [],
    products: links.products.get(r.id) ?? [],
    evidenceCount: Number(r.evidence_count),
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function isOverdue(r: Pick<RisksTable, 'due_date' | 'status'>, today: string): boolean {
  return r.due_date !== null && r.due_date < today && (r.status === 'open' || r.status === 'pending-acceptance');
}

export function presentEvidence(e: RiskEvidenceTable) {
  return { type: e.type, id: e.ref, label: e.label, addedBy: e.added_by, addedAt: e.added_at };
}

/** What the audit trail records of a risk: its decision fields, not its derived columns. */
export function auditView(r: RisksTable) {
  return {
    title: r.title,
    likelihood: r.likelihood,
    impact: r.impact,
    residualLikelihood: r.residual_likelihood,
    residualImpact: r.residual_impact,
    owner: r.owner,
    teamId: r.team_id,
    treatment: r.treatment,
    dueDate: r.due_date,
    status: r.status,
    acceptanceExpiresAt: r.acceptance_expires_at,
    acceptedBy: r.accepted_by_name,
    closeReason: r.close_reason,
  };
}
