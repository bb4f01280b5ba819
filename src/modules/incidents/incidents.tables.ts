import type { Flag, Json } from '../../platform/db/tables.js';

/**
 * A third-party incident. impact is JSON { dataCategories[], systems[], records, serviceIds[] };
 * shared_fields is a JSON array of the field names the vendor may see in the portal; reported_by
 * the vendor's contact (JSON { name, email, phone }) when the vendor reported it. The timestamps
 * record when each status was first reached.
 */
export interface IncidentsTable {
  id: string;
  title: string;
  summary: string;
  /** vendor, correlation, manual. */
  source: string;
  /** critical, high, medium, low. */
  severity: string;
  /** new, acknowledged, contained, eradicated, recovered, closed, false-positive. */
  status: string;
  impact: Json;
  detected_at: string;
  acknowledged_at: string | null;
  contained_at: string | null;
  eradicated_at: string | null;
  recovered_at: string | null;
  closed_at: string | null;
  /** What correlation opened it for (vendor:<id>); null for other sources. */
  correlation_key: string | null;
  shared_fields: Json;
  reported_by: Json | null;
  /** The drill that made it; null for a real incident. */
  drill_id: string | null;
  /** Title and summary folded by searchText: what the list's q looks in. */
  search_text: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface IncidentVendorsTable {
  incident_id: string;
  vendor_id: string;
}

export interface IncidentProductsTable {
  incident_id: string;
  product_id: string;
}

export interface IncidentParticipantsTable {
  id: string;
  incident_id: string;
  /** A team (TEAMS) or lead. */
  role: string;
  name: string;
  email: string | null;
  user_id: string | null;
  created_by: string;
  created_at: string;
}

export interface IncidentTasksTable {
  id: string;
  incident_id: string;
  team: string;
  title: string;
  owner: string | null;
  due_at: string | null;
  /** open, done, skipped. */
  status: string;
  /** JSON TaskForm the completion must answer (approval and input steps); null: a plain task. */
  form: Json | null;
  answer: Json | null;
  playbook_run_id: string | null;
  step_id: string | null;
  completed_by: string | null;
  completed_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** The timeline. shareable events are shown to the vendor in the portal. */
export interface IncidentEventsTable {
  id: string;
  incident_id: string;
  at: string;
  kind: string;
  actor: string;
  text: string;
  data: Json | null;
  shareable: Flag;
}

export interface IncidentLinksTable {
  incident_id: string;
  /** risk, finding, sighting, assessment, indicator. */
  kind: string;
  target_id: string;
  created_by: string;
  created_at: string;
}

/** Evidence attached to an incident; the bytes are in portal_blobs. */
export interface IncidentFilesTable {
  id: string;
  incident_id: string;
  sha256: string;
  name: string;
  media_type: string;
  size_bytes: number;
  shareable: Flag;
  created_by: string;
  created_at: string;
}

export interface IncidentTables {
  incidents: IncidentsTable;
  incident_vendors: IncidentVendorsTable;
  incident_products: IncidentProductsTable;
  incident_participants: IncidentParticipantsTable;
  incident_tasks: IncidentTasksTable;
  incident_events: IncidentEventsTable;
  incident_links: IncidentLinksTable;
  incident_files: IncidentFilesTable;
}
