// Shapes of the incident API (see src/modules/incidents): incidents, their clocks and the metrics.

export const TEAMS = ['it', 'security', 'legal', 'privacy', 'compliance', 'vendor', 'counsel'] as const;
export type Team = (typeof TEAMS)[number];
export const TEAM_LABEL: Record<Team, string> = { it: 'IT', security: 'Security', legal: 'Legal', privacy: 'Privacy', compliance: 'Compliance', vendor: 'Vendor', counsel: 'Outside counsel' };
export const PARTICIPANT_ROLES = [...TEAMS, 'lead'] as const;
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SOURCES = ['vendor', 'correlation', 'manual'] as const;
export const STATUS_ORDER = ['new', 'acknowledged', 'contained', 'eradicated', 'recovered', 'closed'] as const;
export const STATUSES = [...STATUS_ORDER, 'false-positive'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const OPEN_STATUSES: readonly string[] = ['new', 'acknowledged', 'contained', 'eradicated', 'recovered'];
export const LINK_KINDS = ['risk', 'finding', 'sighting', 'assessment', 'indicator'] as const;
export const SHAREABLE_FIELDS = ['title', 'summary', 'severity', 'status', 'impact', 'detectedAt', 'statusTimes', 'tasks'] as const;

export interface Impact {
  dataCategories: string[];
  systems: string[];
  records: number | null;
  serviceIds: string[];
}

export interface Contact {
  name: string;
  email?: string | null;
  phone?: string | null;
}

export interface Incident {
  id: string;
  title: string;
  summary: string;
  source: string;
  severity: Severity;
  status: IncidentStatus;
  vendorIds: string[];
  productIds: string[];
  vendors: Array<{ id: string; name: string; tier: string }>;
  impact: Impact;
  detectedAt: string;
  acknowledgedAt: string | null;
  containedAt: string | null;
  eradicatedAt: string | null;
  recoveredAt: string | null;
  closedAt: string | null;
  correlationKey: string | null;
  sharedFields: string[];
  reportedBy: Contact | null;
  drillId: string | null;
  openTasks: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface Participant {
  id: string;
  role: string;
  name: string;
  email: string | null;
  userId: string | null;
  createdBy: string;
  createdAt: string;
}

export interface FormField {
  id: string;
  label: string;
  type: 'text' | 'number' | 'boolean' | 'choice' | 'date';
  options?: string[];
  required?: boolean;
}

export interface Task {
  id: string;
  incidentId: string;
  team: string;
  title: string;
  owner: string | null;
  dueAt: string | null;
  overdue: boolean;
  status: 'open' | 'done' | 'skipped';
  form: { fields: FormField[] } | null;
  answer: Record<string, unknown> | null;
  runId: string | null;
  stepId: string | null;
  completedBy: string | null;
  completedAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface TimelineEvent {
  id: string;
  at: string;
  kind: string;
  actor: string;
  text: string;
  data: unknown;
  shareable: boolean;
}

export interface IncidentLink {
  kind: string;
  targetId: string;
  label: string | null;
  createdBy: string;
  createdAt: string;
}

export interface Evidence {
  id: string;
  name: string;
  sha256: string;
  mediaType: string;
  sizeBytes: number;
  shareable: boolean;
  createdBy: string;
  createdAt: string;
}

export interface IncidentDetail extends Incident {
  products: Array<{ id: string; name: string; vendorId: string }>;
  participants: Participant[];
  tasks: Task[];
  events: TimelineEvent[];
  links: IncidentLink[];
  evidence: Evidence[];
}

export type ClockState = 'running' | 'overdue' | 'met' | 'late' | 'completed' | 'withdrawn' | 'false-positive';

export interface Clock {
  incidentId: string;
  kind: string;
  label: string;
  regulatory: boolean;
  basis: string;
  startedAt: string;
  dueAt: string;
  stoppedAt: string | null;
  stopReason: string | null;
  breachedAt: string | null;
  escalatedAt: string | null;
  reference: string | null;
  note: string | null;
  completedBy: string | null;
  state: ClockState;
}

export interface RunningClock extends Clock {
  incidentTitle: string;
  severity: string;
  status: string;
}

export interface MetricStats {
  incidents: number;
  acknowledged: number;
  mttaMinutes: number | null;
  resolved: number;
  mttrMinutes: number | null;
}

export interface MetricPoint extends MetricStats {
  start: string;
}

export interface Metrics {
  from: string;
  to: string;
  interval: 'week' | 'month';
  by: 'severity' | 'team' | 'vendor';
  buckets: Array<{ start: string; end: string }>;
  overall: MetricStats & { points: MetricPoint[] };
  groups: Array<MetricStats & { key: string; label: string; points: MetricPoint[] }>;
  tasks: Array<{ team: string; done: number; late: number; meanMinutesToDone: number | null; points: Array<{ start: string; done: number; late: number; meanMinutesToDone: number | null }> }>;
}
