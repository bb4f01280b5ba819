import type { Flag, Json } from '../../platform/db/tables.js';

export interface VendorsTable {
  id: string;
  name: string;
  /** Lower-cased name: the uniqueness and search key. */
  name_key: string;
  aliases: Json;
  domains: Json;
  legal_ids: Json;
  country: string | null;
  website: string | null;
  description: string | null;
  status: string;
  business_owner: string | null;
  owner_user_id: string | null;
  team_id: string | null;
  services: Json;
  data_categories: Json;
  access_level: string;
  criticality: number;
  substitutability: number;
  annual_spend: number | null;
  currency: string | null;
  regulatory_scope: Json;
  ships_software: Flag;
  auto_update: Flag;
  parent_vendor_id: string | null;
  risk_score: number;
  risk_terms: Json;
  /** Factors not answered yet (0008): they score nothing and make the tier provisional. */
  risk_missing: Json;
  tier: string;
  last_reviewed_at: string | null;
  next_review_at: string;
  /** Set by the review scheduler once it has announced the overdue review; the API computes overdue from next_review_at. */
  review_overdue: Flag;
  created_at: string;
  updated_at: string;
  /** Name, aliases and domains folded by foldForSearch (0008), separated by U+001F: what `q` searches. */
  search_text: string;
  /** 1 for the built-in owner of the organisation's own estate (0003_sboms): not a third party, so not listed, scored or reviewed. */
  internal: Flag;
}

export interface VendorSubcontractorsTable {
  vendor_id: string;
  subcontractor_id: string;
  service: string | null;
  created_at: string;
}

export interface ProductsTable {
  id: string;
  vendor_id: string;
  name: string;
  type: string;
  description: string | null;
  version: string | null;
  deployment_count: number | null;
  update_channel: string | null;
  auto_update: Flag;
  /** The product's own CPE 2.3 name (matched against NVD with each release as version); null: derived. */
  cpe: string | null;
  created_at: string;
  updated_at: string;
  /** The name folded by foldForSearch (0019): what global search looks products up by. */
  search_text: string;
  /** Host names the product talks to (JSON list, subdomains included; 0035): egress attribution maps destinations through them. */
  endpoints: Json;
}

export interface ContactsTable {
  id: string;
  vendor_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: string | null;
  is_primary: Flag;
  created_at: string;
}

export interface ContractsTable {
  id: string;
  vendor_id: string;
  title: string;
  start_date: string | null;
  end_date: string | null;
  value: number | null;
  currency: string | null;
  notice_period_days: number | null;
  sbom_clause: Flag;
  breach_notification_clause: Flag;
  breach_notification_hours: number | null;
  created_at: string;
}

export interface CommentsTable {
  id: string;
  entity_type: string;
  entity_id: string;
  author_id: string | null;
  author_name: string;
  body: string;
  created_at: string;
}

export interface VendorTables {
  vendors: VendorsTable;
  vendor_subcontractors: VendorSubcontractorsTable;
  products: ProductsTable;
  contacts: ContactsTable;
  contracts: ContractsTable;
  comments: CommentsTable;
}
