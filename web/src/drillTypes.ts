/** Shapes of the playbooks and drills API (src/modules/playbooks, src/modules/drills). */
export interface PlaybookSummary {
  id: string;
  key: string | null;
  name: string;
  description: string | null;
  enabled: boolean;
  version: number;
  on: string[];
  when: string | null;
  stepCount: number;
  stepTypes: string[];
  updatedAt: string;
}

export interface PlaybookStepDoc {
  id: string;
  type: string;
  name?: string;
  title?: string;
  team?: string;
  due?: string;
  next?: string;
  branches?: Array<{ when?: string; next: string }>;
  [key: string]: unknown;
}

export interface PlaybookDetail extends PlaybookSummary {
  currentVersion: number;
  yaml: string;
  document: { name: string; steps: PlaybookStepDoc[] };
  createdAt: string;
  createdBy: string;
  versions: Array<{ version: number; createdAt: string; createdBy: string; sha256: string }>;
}

export interface Drill {
  id: string;
  playbookId: string;
  playbookName: string;
  playbookVersion: number;
  status: string;
  incidentId: string | null;
  runId: string | null;
  vendorId: string | null;
  vendorName: string | null;
  scheduleId: string | null;
  startedBy: string;
  startedAt: string;
  finishedBy: string | null;
  finishedAt: string | null;
}

export interface DrillStepReport {
  stepId: string;
  type: string;
  title: string | null;
  team: string | null;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  plannedSeconds: number | null;
  actualSeconds: number | null;
  overrun: boolean;
  overrunSeconds: number;
  error: string | null;
}

export interface DrillResponse {
  taskId: string;
  stepId: string | null;
  team: string;
  title: string;
  owner: string | null;
  status: string;
  createdAt: string | null;
  dueAt: string | null;
  completedBy: string | null;
  completedAt: string | null;
  secondsToRespond: number | null;
  overdue: boolean;
}

export interface DrillCaptured {
  kind: string;
  at: string | null;
  stepId: string | null;
  target: string;
  summary: string;
  detail: unknown;
}

export interface DrillDetail extends Drill {
  scenario: Record<string, unknown>;
  report: {
    generatedAt: string;
    durationSeconds: number | null;
    run: { id: string; status: string; playbookVersion: number | null } | null;
    steps: DrillStepReport[];
    responses: DrillResponse[];
    captured: DrillCaptured[];
    summary: Record<'steps' | 'stepsDone' | 'stepsWaiting' | 'stepsFailed' | 'overruns' | 'tasks' | 'tasksDone' | 'notifications' | 'webhooks' | 'blocks' | 'questionnaires', number>;
  };
}

export interface DrillSchedule {
  id: string;
  tier: string;
  playbookId: string;
  playbookName: string | null;
  everyDays: number;
  nextRunAt: string;
  enabled: boolean;
  lastDrillId: string | null;
  lastError: string | null;
}
