/** One saved version of the ICAP egress policy (migration 0036). */
export interface IcapPoliciesTable {
  version: number;
  /** JSON IcapPolicy. */
  policy: string;
  note: string | null;
  created_by: string;
  created_at: string;
}

export interface IcapTables {
  icap_policies: IcapPoliciesTable;
}
