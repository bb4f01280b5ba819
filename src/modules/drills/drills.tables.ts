import type { Flag, Json } from '../../platform/db/tables.js';

/**
 * One drill: a playbook version run in drill mode against the synthetic incident made from
 * `scenario`. status: running (started, steps may wait for people), finished (report stored),
 * cancelled. report is the JSON of the drill report, frozen at finish (null while running).
 */
export interface DrillsTable {
  id: string;
  playbook_id: string;
  playbook_version: number;
  playbook_name: string;
  scenario: Json;
  status: string;
  incident_id: string | null;
  run_id: string | null;
  /** The vendor the synthetic incident is about (the report is evidence on its page). */
  vendor_id: string | null;
  schedule_id: string | null;
  started_by: string;
  started_at: string;
  finished_by: string | null;
  finished_at: string | null;
  report: Json | null;
}

/** A recurring drill of a playbook for vendors of one tier, every `every_days` days. */
export interface DrillSchedulesTable {
  id: string;
  tier: string;
  playbook_id: string;
  every_days: number;
  next_run_at: string;
  enabled: Flag;
  last_drill_id: string | null;
  /** Why the last due run could not start (no vendor of the tier, playbook gone); null once one starts. */
  last_error: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface DrillTables {
  drills: DrillsTable;
  drill_schedules: DrillSchedulesTable;
}
