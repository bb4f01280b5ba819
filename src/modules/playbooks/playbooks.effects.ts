import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';

/**
 * Everything a playbook step does outside this module goes through this one interface, wired in
 * src/app/thirdwatch.ts from the incidents, notifications, egress, assessments and portal
 * services. Every call runs in the step's transaction (`trx`), so a step's effects and its row
 * commit together or not at all; `drillId` travels with each call so a drill's effects are
 * captured by the module that owns them (notifications `captured`, blocks `staged`, ...).
 */
export interface PlaybookEffects {
  /** What expressions and placeholders see of the incident (read in the caller's transaction); null when it does not exist. */
  facts(trx: Executor, incidentId: string): Promise<IncidentFacts | null>;
  addTask(trx: Executor, incidentId: string, task: PlaybookTask, ctx: RequestContext): Promise<{ id: string }>;
  /** The state and answer of a task an approval/input step created. */
  taskAnswer(trx: Executor, taskId: string): Promise<{ status: string; answer: unknown } | null>;
  update(trx: Executor, incidentId: string, changes: { severity?: string; title?: string; summary?: string }, ctx: RequestContext): Promise<void>;
  setStatus(trx: Executor, incidentId: string, status: string, ctx: RequestContext, note?: string): Promise<void>;
  addEvent(trx: Executor, incidentId: string, event: { kind: string; text: string; data?: unknown; shareable?: boolean }, ctx: RequestContext): Promise<void>;
  notify(trx: Executor, msg: NotifyMessage, ctx: RequestContext): Promise<{ outboxIds: string[]; unrouted: boolean }>;
  webhook(trx: Executor, msg: { channel: string; event: string; payload: unknown; incidentId: string; drillId: string | null }, ctx: RequestContext): Promise<{ outboxId: string | null }>;
  block(trx: Executor, input: { domains: string[]; reason: string; incidentId: string; runId: string; expiresAt?: string; drillId: string | null }, ctx: RequestContext): Promise<{ added: string[]; already: string[] }>;
  /**
   * An assessment from the questionnaire template (by key) for the vendor, sent through the portal
   * to its contact; in a drill (drillId set) only recorded: nothing is created or sent.
   */
  questionnaire(trx: Executor, input: { vendorId: string; templateKey: string; dueAt: string | null; incidentId: string; runId: string; stepId: string; drillId: string | null }, ctx: RequestContext): Promise<{ assessmentId: string | null; captured: boolean }>;
}

export interface IncidentFacts {
  incident: {
    id: string;
    title: string;
    summary: string | null;
    source: string;
    severity: string;
    status: string;
    impact: { dataCategories: string[]; systems: string[]; records: number | null; serviceIds: string[] };
    vendorIds: string[];
    productIds: string[];
    detectedAt: string | null;
    drillId: string | null;
    [key: string]: unknown;
  };
  /** The incident's (first) vendor, with its tier; null when the incident names none. */
  vendor: ({ id: string; name: string; tier: string | null; [key: string]: unknown }) | null;
  /** The incident's indicators: linked, sighted, and the other network indicators of their source documents. */
  indicators: Array<{ id: string; type: string; value: string; source: string | null }>;
}

export interface PlaybookTask {
  team: string;
  title: string;
  text?: string;
  dueAt: string | null;
  owner?: string;
  /** approval: approved (boolean) and comment; input: the step's fields. */
  form?: PlaybookForm;
  runId: string;
  stepId: string;
}

/** What the incident task asks (the incidents module checks the answer against it): an answer object keyed by field id. */
export interface PlaybookForm {
  fields: Array<{ id: string; label: string; type: 'text' | 'number' | 'boolean' | 'choice' | 'date'; options?: string[]; required?: boolean }>;
}

export interface NotifyMessage {
  event: string;
  subject: string;
  text?: string;
  data: Record<string, unknown>;
  channel?: string;
  audience?: string;
  incidentId: string;
  drillId: string | null;
}

/** A step whose effect this deployment does not provide (a module not wired): it fails, not retried. */
export class EffectUnavailable extends Error {
  override name = 'EffectUnavailable';
  constructor(effect: string) {
    super(`the ${effect} effect is not available in this deployment`);
  }
}
