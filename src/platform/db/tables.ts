import type { Generated } from 'kysely';

/**
 * Storage conventions shared by both engines: ids are UUIDv7 text, timestamps are ISO-8601 UTC
 * text (sortable, identical on SQLite and PostgreSQL), booleans are 0/1 integers and structured
 * values are JSON text. One representation means one repository code path per query.
 */
export type Json = string;
export type Flag = number;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  role: string;
  disabled: Flag;
  created_at: string;
  updated_at: string;
}

export interface TeamsTable {
  id: string;
  key: string;
  name: string;
  created_at: string;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  /** First characters of the token, shown so people can tell tokens apart. */
  prefix: string;
  user_id: string | null;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface AuthFailuresTable {
  client_key: string;
  window_start: string;
  failures: number;
}

export interface AuditEventsTable {
  /** Insert order (a sequence; on PostgreSQL not commit order). The chain order is chain_position. */
  seq: Generated<number>;
  id: string;
  at: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: Json | null;
  after: Json | null;
  request_id: string | null;
  /** The chain fields: NULL until the sealer sets them, once (see src/platform/audit/audit.ts). */
  chain_position: number | null;
  prev_hash: string | null;
  hash: string | null;
}

/** The sealed end of the chain: seq is the last chain position, hash that row's hash. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: Json;
  /** uploading: its input is still being stored, not yet claimable; dead: failed for good. */
  status: 'uploading' | 'queued' | 'running' | 'done' | 'dead' | 'cancelled';
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  idempotency_key: string | null;
  created_at: string;
  finished_at: string | null;
  result: Json | null;
  progress_done: number;
  progress_total: number | null;
  phase: string | null;
  started_at: string | null;
  cancel_requested: Flag;
  /** The actor who started the job, as JSON; null for scheduled and system jobs. */
  created_by: Json | null;
  /** "type:id" of that actor: who may watch and cancel the job besides admins. */
  owner_key: string | null;
}

export interface JobInputsTable {
  job_id: string;
  part: number;
  data: Buffer;
}

export interface JobStagedRowsTable {
  job_id: string;
  seq: number;
  data: Json;
}

export interface SchedulesTable {
  name: string;
  cron: string;
  job_kind: string;
  next_run_at: string;
  last_run_at: string | null;
}

export interface SettingsTable {
  key: string;
  value: Json;
  updated_at: string;
}

export interface PlatformTables {
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  auth_failures: AuthFailuresTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  jobs: JobsTable;
  job_inputs: JobInputsTable;
  job_staged_rows: JobStagedRowsTable;
  schedules: SchedulesTable;
  settings: SettingsTable;
}

export type { Generated };
