import type { VendorRow } from './vendors.repository.js';
import type { CommentsTable, ContactsTable, ContractsTable, ProductsTable } from './vendors.tables.js';
import type { Vendor } from './vendors.schemas.js';
import type { Factor, RiskTerm } from './risk-score.js';

const json = <T>(text: string): T => JSON.parse(text) as T;

/** Only vendors we still work with owe reviews; computed on read so it never lags the clock. */
export const REVIEWED_STATUSES = ['active', 'offboarding'];
export function isReviewOverdue(status: string, nextReviewAt: string, now = new Date().toISOString()): boolean {
  return REVIEWED_STATUSES.includes(status) && nextReviewAt <= now;
}

/** `now` decides reviewOverdue; a page passes one for all its vendors. */
export function presentVendor(row: VendorRow, now = new Date().toISOString()): Vendor {
  return {
    id: row.id,
    name: row.name,
    aliases: json(row.aliases),
    domains: json(row.domains),
    legalIds: json(row.legal_ids),
    country: row.country,
    website: row.website,
    description: row.description,
    status: row.status as Vendor['status'],
    businessOwner: row.business_owner,
    ownerUserId: row.owner_user_id,
    team: row.team_id && row.team_key ? { id: row.team_id, key: row.team_key, name: row.team_name ?? row.team_key } : null,
    services: json(row.services),
    dataCategories: json(row.data_categories),
    accessLevel: row.access_level as Vendor['accessLevel'],
    criticality: Number(row.criticality),
    substitutability: Number(row.substitutability),
    annualSpend: row.annual_spend === null ? null : Number(row.annual_spend),
    currency: row.currency,
    regulatoryScope: json(row.regulatory_scope),
    shipsSoftware: row.ships_software === 1,
    autoUpdate: row.auto_update === 1,
    parentVendorId: row.parent_vendor_id,
    tier: row.tier as Vendor['tier'],
    tierProvisional: json<Factor[]>(row.risk_missing).length > 0,
    inherentRisk: { score: Number(row.risk_score), terms: json<RiskTerm[]>(row.risk_terms), missing: json<Factor[]>(row.risk_missing) },
    subcontractorCount: Number(row.subcontractor_count ?? 0),
    lastReviewedAt: row.last_reviewed_at,
    // A terminated vendor is no longer reviewed: it has no next review (the stored date only keeps sorting total).
    nextReviewAt: row.status === 'terminated' ? null : row.next_review_at,
    reviewOverdue: isReviewOverdue(row.status, row.next_review_at, now),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function presentProduct(row: ProductsTable) {
  return {
    id: row.id,
    vendorId: row.vendor_id,
    name: row.name,
    type: row.type,
    description: row.description,
    version: row.version,
    deploymentCount: row.deployment_count === null ? null : Number(row.deployment_count),
    updateChannel: row.update_channel,
    autoUpdate: row.auto_update === 1,
    cpe: row.cpe ?? null,
    endpoints: JSON.parse(row.endpoints ?? '[]') as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function presentContact(row: ContactsTable) {
  return {
    id: row.id,
    vendorId: row.vendor_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    role: row.role,
    isPrimary: row.is_primary === 1,
    createdAt: row.created_at,
  };
}

export function presentContract(row: ContractsTable) {
  return {
    id: row.id,
    vendorId: row.vendor_id,
    title: row.title,
    startDate: row.start_date,
    endDate: row.end_date,
    value: row.value === null ? null : Number(row.value),
    currency: row.currency,
    noticePeriodDays: row.notice_period_days === null ? null : Number(row.notice_period_days),
    sbomClause: row.sbom_clause === 1,
    breachNotificationClause: row.breach_notification_clause === 1,
    breachNotificationHours: row.breach_notification_hours === null ? null : Number(row.breach_notification_hours),
    createdAt: row.created_at,
  };
}

export function presentComment(row: CommentsTable) {
  return { id: row.id, authorId: row.author_id, authorName: row.author_name, body: row.body, createdAt: row.created_at };
}
