/**
 * What a vendor's latest assessment says, compared with what we know: its recovery numbers against
 * our services' targets (gaps) and its claims against what we observe (contradictions). Pure
 * functions over the assessment's questions and answers; the service gathers the inputs.
 */

export const METRICS = ['rto', 'rpo', 'mtd'] as const;
export type Metric = (typeof METRICS)[number];
export const METRIC_LABEL: Record<Metric, string> = { rto: 'RTO', rpo: 'RPO', mtd: 'MTD' };

/** The parts of a template question (questionnaires.model Question) these comparisons read. */
export interface TaggedQuestion {
  id: string;
  text: string;
  type: string;
  unit?: string;
  tags?: string[];
}

export interface ServiceTargets {
  id: string;
  name: string;
  rtoMinutes: number | null;
  rpoMinutes: number | null;
  mtdMinutes: number | null;
}

/** One target of one linked service next to the vendor's number for it. */
export interface TargetComparison {
  serviceId: string;
  metric: Metric;
  targetMinutes: number;
  /** null: not stated (or not asked). */
  vendorMinutes: number | null;
  /** Whether the assessment's template asks this metric at all. */
  asked: boolean;
}

const MINUTES_PER: Array<[RegExp, number]> = [
  [/^min/i, 1],
  [/^h/i, 60],
  [/^d/i, 1440],
  [/^w/i, 10_080],
];

/** Minutes in one of the question's unit: hours unless the unit says minutes, days or weeks. */
export function minutesPerUnit(unit: string | undefined): number {
  const trimmed = unit?.trim() ?? '';
  return MINUTES_PER.find(([pattern]) => pattern.test(trimmed))?.[1] ?? 60;
}

/** The number an answer gives for one service: per-service answers name it, a plain number covers every service. */
function valueFor(answer: unknown, serviceId: string): number | null {
  if (typeof answer === 'number' && Number.isFinite(answer)) return answer;
  if (!Array.isArray(answer)) return null;
  const entry = answer.find((e): e is { serviceId: string; value: unknown } => typeof e === 'object' && e !== null && (e as { serviceId?: unknown }).serviceId === serviceId);
  return typeof entry?.value === 'number' && Number.isFinite(entry.value) ? entry.value : null;
}

/**
 * Every target (a metric the service has a target for) of every linked service, with the vendor's
 * number in minutes. Several questions tagged with one metric: the worst (largest) number counts.
 */
export function compareTargets(questions: readonly TaggedQuestion[], answers: ReadonlyMap<string, unknown>, services: readonly ServiceTargets[]): TargetComparison[] {
  const comparisons: TargetComparison[] = [];
  for (const service of services) {
    for (const metric of METRICS) {
      const target = service[`${metric}Minutes`];
      if (target === null) continue;
      const asking = questions.filter((q) => q.type === 'number' && q.tags?.includes(metric));
      const stated = asking
        .map((q) => {
          const value = valueFor(answers.get(q.id), service.id);
          return value === null ? null : Math.round(value * minutesPerUnit(q.unit));
        })
        .filter((v): v is number => v !== null);
      comparisons.push({ serviceId: service.id, metric, targetMinutes: target, vendorMinutes: stated.length ? Math.max(...stated) : null, asked: asking.length > 0 });
    }
  }
  return comparisons;
}

/** A gap: the vendor's number is worse than the target, or missing (we depend on the vendor and do not know). */
export const isGap = (c: Pick<TargetComparison, 'targetMinutes' | 'vendorMinutes'>) => c.vendorMinutes === null || c.vendorMinutes > c.targetMinutes;

export type ContradictionKind = 'sbom-not-published' | 'unsigned-releases' | 'notification-hours';

export interface Contradiction {
  kind: ContradictionKind;
  /** What the vendor said, and what we see instead. */
  claim: string;
  observed: string;
  questionId: string;
}

export interface ObservedFacts {
  products: number;
  currentSboms: number;
  /** Observed artifacts of its products that are unsigned or whose signature does not hold. */
  unsignedArtifacts: ReadonlyArray<{ fileName: string; version: string; signatureStatus: string }>;
  unsignedTotal: number;
  /** Contracts with breach-notification hours. */
  contracts: ReadonlyArray<{ title: string; breachNotificationHours: number }>;
}

const tagged = (questions: readonly TaggedQuestion[], tag: string) => questions.filter((q) => q.tags?.includes(tag));

export function findContradictions(questions: readonly TaggedQuestion[], answers: ReadonlyMap<string, unknown>, facts: ObservedFacts): Contradiction[] {
  const found: Contradiction[] = [];
  const saidYes = (tag: string) => tagged(questions, tag).find((q) => answers.get(q.id) === 'yes');

  const sbom = saidYes('publishes-sbom');
  if (sbom && facts.currentSboms === 0) {
    found.push({
      kind: 'sbom-not-published',
      questionId: sbom.id,
      claim: `answered yes to "${sbom.text}"`,
      observed: facts.products ? `none of its ${facts.products} product${facts.products === 1 ? ' has' : 's have'} a current SBOM` : 'no product of this vendor is registered, so no SBOM of theirs is held',
    });
  }

  const signs = saidYes('signs-releases');
  if (signs && facts.unsignedTotal > 0) {
    const named = facts.unsignedArtifacts.map((a) => `${a.fileName} ${a.version} (${a.signatureStatus})`).join(', ');
    found.push({
      kind: 'unsigned-releases',
      questionId: signs.id,
      claim: `answered yes to "${signs.text}"`,
      observed: `${facts.unsignedTotal} observed artifact${facts.unsignedTotal === 1 ? ' is' : 's are'} unsigned or fail verification: ${named}${facts.unsignedTotal > facts.unsignedArtifacts.length ? ', …' : ''}`,
    });
  }

  const strictest = [...facts.contracts].sort((a, b) => a.breachNotificationHours - b.breachNotificationHours)[0];
  if (strictest) {
    for (const q of tagged(questions, 'notify-hours')) {
      const value = answers.get(q.id);
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const hours = (value * minutesPerUnit(q.unit)) / 60;
      if (hours > strictest.breachNotificationHours) {
        found.push({
          kind: 'notification-hours',
          questionId: q.id,
          claim: `commits to notify within ${formatHours(hours)}`,
          observed: `contract "${strictest.title}" requires notification within ${formatHours(strictest.breachNotificationHours)}`,
        });
        break;
      }
    }
  }
  return found;
}

export function formatHours(hours: number): string {
  return `${Math.round(hours * 100) / 100} h`;
}
