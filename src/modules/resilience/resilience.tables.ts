/** The organisation's own services and their recovery targets, in minutes (null: no target). */
export interface BusinessServicesTable {
  id: string;
  name: string;
  /** Lower-cased name: unique, so two services cannot share a name. */
  name_key: string;
  description: string | null;
  owner: string | null;
  rto_minutes: number | null;
  rpo_minutes: number | null;
  mtd_minutes: number | null;
  created_at: string;
  updated_at: string;
}

export interface BusinessServiceVendorsTable {
  service_id: string;
  vendor_id: string;
}

/** One per (vendor, service, metric): the vendor's stated number is worse than the target, or missing. */
export interface ResilienceGapsTable {
  id: string;
  vendor_id: string;
  service_id: string;
  metric: 'rto' | 'rpo' | 'mtd';
  target_minutes: number;
  /** null: the latest assessment gives no number for this service. */
  vendor_minutes: number | null;
  assessment_id: string | null;
  status: 'open' | 'closed';
  opened_at: string;
  closed_at: string | null;
  updated_at: string;
}

/**
 * A vendor's open finding groups per severity (residual risk's finding term), valid only while
 * counted_generation = generation: triggers raise generation on every write that can change them (0043).
 */
export interface VendorFindingCountsTable {
  vendor_id: string;
  generation: number;
  counted_generation: number | null;
  critical: number;
  high: number;
  medium: number;
  low: number;
}

/** Per product, how many counted findings of its current SBOMs name each (advisory group, severity); kept by triggers (0053). */
export interface ProductOpenGroupsTable {
  product_id: string;
  group_id: string;
  severity: string;
  n: number;
}

export interface ResilienceTables {
  business_services: BusinessServicesTable;
  vendor_finding_counts: VendorFindingCountsTable;
  product_open_groups: ProductOpenGroupsTable;
  business_service_vendors: BusinessServiceVendorsTable;
  resilience_gaps: ResilienceGapsTable;
}
