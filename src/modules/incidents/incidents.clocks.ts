/**
 * Clock policy: which clocks an incident has and when each falls due, as pure functions of the
 * incident's facts, the clocks it already has and the two settings. The service stores the result.
 *
 * - SLA clocks (per severity, setting `incident-sla`) run from the incident's creation (when it
 *   entered our process) and stop by themselves when the workflow gets there: acknowledge at the
 *   first of acknowledged/contained/…/closed, contain at the first of contained/…/closed, resolve at
 *   recovered or closed. A severity change moves their due time.
 * - Regulatory clocks (setting `incident-regulation`) start when a fact makes them apply, from the
 *   moment we became aware of it: personal data in the impact → GDPR 72 h; a significant incident
 *   (NIS2) → early warning 24 h, notification 72 h, final report one month after the notification;
 *   a major incident (DORA) involving an in-scope ICT provider → initial 4 h after classification,
 *   intermediate 72 h after the initial report, final one month after the intermediate one. Only a
 *   person stops them (completing them with the authority's reference); if the fact goes away
 *   before that they are withdrawn, and they start again if it comes back.
 * - A false positive withdraws every running clock.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SLA_KINDS = ['sla-acknowledge', 'sla-contain', 'sla-resolve'] as const;
export const REGULATORY_KINDS = [
  'gdpr-72h',
  'nis2-early-warning',
  'nis2-notification',
  'nis2-final-report',
  'dora-initial',
  'dora-intermediate',
  'dora-final',
] as const;
export const CLOCK_KINDS = [...SLA_KINDS, ...REGULATORY_KINDS] as const;
export type SlaKind = (typeof SLA_KINDS)[number];
export type RegulatoryKind = (typeof REGULATORY_KINDS)[number];
export type ClockKind = (typeof CLOCK_KINDS)[number];

export const isRegulatory = (kind: string): kind is RegulatoryKind => (REGULATORY_KINDS as readonly string[]).includes(kind);

export const CLOCK_LABEL: Record<ClockKind, string> = {
  'sla-acknowledge': 'Acknowledge (SLA)',
  'sla-contain': 'Contain (SLA)',
  'sla-resolve': 'Resolve (SLA)',
  'gdpr-72h': 'GDPR notification to the supervisory authority (72 h)',
  'nis2-early-warning': 'NIS2 early warning (24 h)',
  'nis2-notification': 'NIS2 incident notification (72 h)',
  'nis2-final-report': 'NIS2 final report (1 month)',
  'dora-initial': 'DORA initial notification (4 h)',
  'dora-intermediate': 'DORA intermediate report (72 h)',
  'dora-final': 'DORA final report (1 month)',
};

/** Why a clock stopped: met (the workflow got there in time or late), completed (a person filed it), withdrawn (no longer applies), false-positive. */
export type StopReason = 'met' | 'completed' | 'withdrawn' | 'false-positive';

export interface SlaTargets {
  /** Minutes from creation; null: no clock for this step at this severity. */
  acknowledgeMinutes: number | null;
  containMinutes: number | null;
  resolveMinutes: number | null;
}
export type SlaSettings = Record<Severity, SlaTargets>;

export const DEFAULT_SLA: SlaSettings = {
  critical: { acknowledgeMinutes: 15, containMinutes: 4 * 60, resolveMinutes: 24 * 60 },
  high: { acknowledgeMinutes: 60, containMinutes: 12 * 60, resolveMinutes: 3 * 24 * 60 },
  medium: { acknowledgeMinutes: 4 * 60, containMinutes: 2 * 24 * 60, resolveMinutes: 7 * 24 * 60 },
  low: { acknowledgeMinutes: 24 * 60, containMinutes: 7 * 24 * 60, resolveMinutes: 30 * 24 * 60 },
};

export interface RegulationSettings {
  gdpr: { enabled: boolean; /** Impact data categories that are personal data. */ personalDataCategories: string[] };
  nis2: { enabled: boolean; /** Severities that make an incident significant. */ significantSeverities: Severity[] };
  dora: { enabled: boolean; /** Severities classified as a major ICT-related incident. */ majorSeverities: Severity[]; /** Vendors that are ICT third-party providers in scope. */ ictProviderVendorIds: string[] };
}

export const DEFAULT_REGULATION: RegulationSettings = {
  gdpr: { enabled: true, personalDataCategories: ['personal', 'special-category', 'payment'] },
  nis2: { enabled: false, significantSeverities: ['critical', 'high'] },
  dora: { enabled: false, majorSeverities: ['critical', 'high'], ictProviderVendorIds: [] },
};

export interface ClockPolicy {
  sla: SlaSettings;
  regulation: RegulationSettings;
}

/** What the policy reads from an incident. Times are ISO-8601 UTC. */
export interface ClockFacts {
  source: 'vendor' | 'correlation' | 'manual';
  severity: Severity;
  status: string;
  detectedAt: string;
  createdAt: string;
  acknowledgedAt: string | null;
  containedAt: string | null;
  eradicatedAt: string | null;
  recoveredAt: string | null;
  closedAt: string | null;
  dataCategories: string[];
  vendorIds: string[];
}

export interface ClockState {
  kind: ClockKind;
  /** Why the clock runs and from what, in words (shown next to it). */
  basis: string;
  startedAt: string;
  dueAt: string;
  stoppedAt: string | null;
  stopReason: StopReason | null;
  breachedAt: string | null;
  escalatedAt: string | null;
  reference: string | null;
  note: string | null;
}

const MINUTE = 60_000;

export const addMinutes = (iso: string, minutes: number): string => new Date(Date.parse(iso) + minutes * MINUTE).toISOString();

/** One calendar month later (UTC), the day clamped to the month's length: 31 Jan → 28/29 Feb. */
export function addMonth(iso: string): string {
  const d = new Date(iso);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())).toISOString();
}

const firstOf = (...times: Array<string | null>): string | null => times.filter((t): t is string => t !== null).sort()[0] ?? null;

interface Wanted {
  kind: ClockKind;
  basis: string;
  /** SLA clocks: their fixed start. Regulatory clocks: null (they run from awareness). */
  startedAt: string | null;
  /** Due time from the start actually used. */
  due: (startedAt: string) => string;
  /** SLA clocks: when the workflow met the step (null: not yet). */
  metAt?: string | null;
}

function slaWanted(facts: ClockFacts, sla: SlaSettings): Wanted[] {
  const targets = sla[facts.severity];
  // A false positive is closed too, but it met nothing.
  const closedAt = facts.status === 'false-positive' ? null : facts.closedAt;
  const steps: Array<[SlaKind, number | null, string, string | null]> = [
    ['sla-acknowledge', targets.acknowledgeMinutes, 'acknowledge', firstOf(facts.acknowledgedAt, facts.containedAt, facts.eradicatedAt, facts.recoveredAt, closedAt)],
    ['sla-contain', targets.containMinutes, 'contain', firstOf(facts.containedAt, facts.eradicatedAt, facts.recoveredAt, closedAt)],
    ['sla-resolve', targets.resolveMinutes, 'resolve', firstOf(facts.recoveredAt, closedAt)],
  ];
  const wanted: Wanted[] = [];
  for (const [kind, minutes, verb, metAt] of steps) {
    if (minutes === null) continue;
    wanted.push({ kind, basis: `${facts.severity} severity: ${verb} within ${formatMinutes(minutes)} of the incident's creation`, startedAt: facts.createdAt, due: (s) => addMinutes(s, minutes), metAt });
  }
  return wanted;
}

function regulatoryWanted(facts: ClockFacts, regulation: RegulationSettings, existing: Map<ClockKind, ClockState>): Wanted[] {
  const wanted: Wanted[] = [];
  const completedAt = (kind: ClockKind) => {
    const c = existing.get(kind);
    return c?.stopReason === 'completed' ? c.stoppedAt : null;
  };
  const personal = facts.dataCategories.filter((c) => regulation.gdpr.personalDataCategories.includes(c));
  if (regulation.gdpr.enabled && personal.length) {
    wanted.push({ kind: 'gdpr-72h', basis: `personal data affected (${personal.join(', ')}): notify the supervisory authority within 72 h of becoming aware (GDPR Art. 33)`, startedAt: null, due: (s) => addMinutes(s, 72 * 60) });
  }
  if (regulation.nis2.enabled && regulation.nis2.significantSeverities.includes(facts.severity)) {
    const why = `significant incident (${facts.severity} severity)`;
    wanted.push(
      { kind: 'nis2-early-warning', basis: `${why}: early warning to the CSIRT within 24 h of becoming aware (NIS2 Art. 23(4)(a))`, startedAt: null, due: (s) => addMinutes(s, 24 * 60) },
      { kind: 'nis2-notification', basis: `${why}: incident notification within 72 h of becoming aware (NIS2 Art. 23(4)(b))`, startedAt: null, due: (s) => addMinutes(s, 72 * 60) },
      { kind: 'nis2-final-report', basis: `${why}: final report one month after the incident notification (NIS2 Art. 23(4)(d))`, startedAt: null, due: (s) => addMonth(completedAt('nis2-notification') ?? s) },
    );
  }
  const ict = facts.vendorIds.filter((v) => regulation.dora.ictProviderVendorIds.includes(v));
  if (regulation.dora.enabled && ict.length && regulation.dora.majorSeverities.includes(facts.severity)) {
    const why = `major ICT-related incident at an ICT third-party provider in scope (${facts.severity} severity)`;
    wanted.push(
      { kind: 'dora-initial', basis: `${why}: initial notification within 4 h of classification (DORA Art. 19)`, startedAt: null, due: (s) => addMinutes(s, 4 * 60) },
      { kind: 'dora-intermediate', basis: `${why}: intermediate report within 72 h of the initial notification`, startedAt: null, due: (s) => addMinutes(completedAt('dora-initial') ?? s, 72 * 60) },
      { kind: 'dora-final', basis: `${why}: final report one month after the intermediate report`, startedAt: null, due: (s) => addMonth(completedAt('dora-intermediate') ?? s) },
    );
  }
  return wanted;
}

/**
 * The clocks to write: every clock whose stored state differs from what the policy wants at `at`.
 * `justCreated` says the facts are the incident's first: awareness is then its detection (ours) or
 * its creation (a vendor's report: we learn of it when it arrives); facts added later count from `at`.
 */
export function planClocks(facts: ClockFacts, existingList: ClockState[], policy: ClockPolicy, at: string, justCreated: boolean): ClockState[] {
  const existing = new Map(existingList.map((c) => [c.kind, c]));
  const awareAt = justCreated && facts.source !== 'vendor' ? firstOf(facts.detectedAt, facts.createdAt)! : justCreated ? facts.createdAt : at;
  const falsePositive = facts.status === 'false-positive';
  const wanted = [...slaWanted(facts, policy.sla), ...regulatoryWanted(facts, policy.regulation, existing)];
  const wantedKinds = new Set(wanted.map((w) => w.kind));
  const out: ClockState[] = [];
  const emit = (next: ClockState) => {
    const before = existing.get(next.kind);
    if (!before || JSON.stringify(before) !== JSON.stringify(next)) out.push(next);
  };

  for (const w of wanted) {
    const before = existing.get(w.kind);
    // A filed report is history; only its reference and note matter from now on.
    if (before?.stopReason === 'completed') continue;
    const startedAt = w.startedAt ?? (before && before.stopReason !== 'withdrawn' ? before.startedAt : awareAt);
    const dueAt = w.due(startedAt);
    let stoppedAt: string | null = null;
    let stopReason: StopReason | null = null;
    if (w.metAt) {
      stoppedAt = w.metAt;
      stopReason = 'met';
    } else if (falsePositive) {
      stoppedAt = before?.stopReason === 'false-positive' ? before.stoppedAt : at;
      stopReason = 'false-positive';
    }
    // A breach stays recorded only while the (possibly moved) due time is not after it.
    const stillBreached = before?.breachedAt != null && Date.parse(dueAt) <= Date.parse(before.breachedAt);
    emit({
      kind: w.kind,
      basis: w.basis,
      startedAt,
      dueAt,
      stoppedAt,
      stopReason,
      breachedAt: stillBreached ? before.breachedAt : null,
      escalatedAt: stillBreached ? before.escalatedAt : null,
      reference: before?.reference ?? null,
      note: before?.note ?? null,
    });
  }
  for (const before of existing.values()) {
    if (wantedKinds.has(before.kind) || before.stoppedAt) continue;
    emit({ ...before, stoppedAt: at, stopReason: falsePositive ? 'false-positive' : 'withdrawn' });
  }
  return out;
}

/** "15 min", "4 h", "3 d", "1 d 6 h". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes / 60} h`;
  const days = Math.floor(minutes / (24 * 60));
  const hours = Math.round((minutes % (24 * 60)) / 60);
  return hours ? `${days} d ${hours} h` : `${days} d`;
}
