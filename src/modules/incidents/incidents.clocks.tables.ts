/** One clock of an incident (see incidents.clocks.ts for the policy). Times are ISO-8601 UTC. */
export interface IncidentClocksTable {
  incident_id: string;
  kind: string;
  /** Why the clock runs and from what, in words. */
  basis: string;
  started_at: string;
  due_at: string;
  stopped_at: string | null;
  stop_reason: 'met' | 'completed' | 'withdrawn' | 'false-positive' | null;
  breached_at: string | null;
  escalated_at: string | null;
  /** The authority's reference for a filed report (regulatory clocks). */
  reference: string | null;
  note: string | null;
  completed_by: string | null;
  updated_at: string;
}

export interface IncidentClockTables {
  incident_clocks: IncidentClocksTable;
}
