import type { Flag, Json } from '../../platform/db/tables.js';

/** A playbook: what stays the same across its versions. Shipped playbooks carry a key. */
export interface PlaybooksTable {
  id: string;
  key: string | null;
  name: string;
  enabled: Flag;
  current_version: number;
  /** SHA-256 of the shipped YAML last applied (shipped playbooks only). */
  shipped_sha256: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** One immutable version (append-only): the YAML as written and the validated document it parsed to. */
export interface PlaybookVersionsTable {
  playbook_id: string;
  version: number;
  yaml: string;
  /** JSON PlaybookDocument. */
  document: Json;
  content_sha256: string;
  created_by: string;
  created_at: string;
}

/** cancelled: ended from outside before its last step (a drill finished while the run waited). */
export type RunStatus = 'running' | 'waiting' | 'done' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'waiting' | 'done' | 'skipped' | 'failed';

export interface PlaybookRunsTable {
  id: string;
  playbook_id: string;
  playbook_version: number;
  incident_id: string;
  status: RunStatus;
  drill_id: string | null;
  /** What started it: incident.created, incident.updated, manual or drill. */
  trigger: string;
  /** Unique: an automatic start happens once per incident and playbook. */
  trigger_key: string | null;
  /** JSON: the latest approval/input answer (answer.* in expressions). */
  answer: Json | null;
  error: string | null;
  created_by: string;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** A step a run reached; its row and its effects commit together. */
export interface PlaybookRunStepsTable {
  run_id: string;
  step_id: string;
  /** Order in which the run reached its steps (0, 1, ...). */
  seq: number;
  type: string;
  status: StepStatus;
  /** Attempts of the step's job so far. */
  attempt: number;
  /** The incident task of an approval/input step, answered to resume the run. */
  task_id: string | null;
  /** A waiting wait step is looked at again at this time. */
  wake_at: string | null;
  output: Json | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface PlaybookTables {
  playbooks: PlaybooksTable;
  playbook_versions: PlaybookVersionsTable;
  playbook_runs: PlaybookRunsTable;
  playbook_run_steps: PlaybookRunStepsTable;
}
