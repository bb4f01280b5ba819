import { UUID_PATTERN } from '../../platform/ids.js';
import type { Question, Section } from './questionnaires.model.js';

/** Longest text answer, in characters. */
export const MAX_TEXT_ANSWER = 10_000;
/** Most per-service values one number answer carries. */
const MAX_SERVICES = 500;
const UUID = new RegExp(UUID_PATTERN);
const DAY_MS = 86_400_000;

export type AnswerCheck = { ok: true; value: unknown } | { ok: false; reason: string };

const bad = (reason: string): AnswerCheck => ({ ok: false, reason });

/**
 * Checks one answer against its question and returns it normalised: yes/no answers also accept
 * booleans and 'n/a', numbers also numeric text, choices their option in any letter case. The
 * reasons are plain language for the person answering.
 */
export function validateAnswer(q: Question, value: unknown): AnswerCheck {
  if (value === null || value === undefined) return bad('no answer given');
  switch (q.type) {
    case 'yesno': {
      if (value === true) return { ok: true, value: 'yes' };
      if (value === false) return { ok: true, value: 'no' };
      const text = typeof value === 'string' ? value.trim().toLowerCase().replace(/^n\/a$/, 'na') : null;
      return text === 'yes' || text === 'no' || text === 'partial' || text === 'na' ? { ok: true, value: text } : bad('must be yes, no, partial or na');
    }
    case 'choice': {
      const option = typeof value === 'string' ? optionOf(q, value) : undefined;
      return option !== undefined ? { ok: true, value: option } : bad(`must be one of: ${(q.options ?? []).join(', ')}`);
    }
    case 'multichoice': {
      if (!Array.isArray(value)) return bad('must be a list of options');
      const picked: string[] = [];
      for (const item of value) {
        const option = typeof item === 'string' ? optionOf(q, item) : undefined;
        if (option === undefined) return bad(`each item must be one of: ${(q.options ?? []).join(', ')}`);
        if (picked.includes(option)) return bad(`names ${option} twice`);
        picked.push(option);
      }
      return { ok: true, value: picked };
    }
    case 'number': {
      if (!q.perService) {
        const n = numberOf(value);
        return n === null ? bad('must be a number') : n < 0 && durationUnit(q) ? bad(`must not be negative (${q.unit})`) : { ok: true, value: n };
      }
      if (!Array.isArray(value)) return bad('must be a list of { serviceId, value }, one per business service');
      if (value.length > MAX_SERVICES) return bad(`names more than ${MAX_SERVICES} services`);
      const seen = new Set<string>();
      const out: { serviceId: string; value: number }[] = [];
      for (const item of value) {
        if (!isPlainObject(item) || Object.keys(item).some((k) => k !== 'serviceId' && k !== 'value')) return bad('each item must be { serviceId, value }');
        const { serviceId } = item;
        if (typeof serviceId !== 'string' || !UUID.test(serviceId)) return bad('serviceId must be a business service id');
        if (seen.has(serviceId)) return bad(`names service ${serviceId} twice`);
        seen.add(serviceId);
        const n = numberOf(item.value);
        if (n === null || n < 0) return bad(`the value for service ${serviceId} must be a number, not negative`);
        out.push({ serviceId, value: n });
      }
      return { ok: true, value: out };
    }
    case 'date':
      return typeof value === 'string' && isDate(value) ? { ok: true, value } : bad('must be a date as YYYY-MM-DD');
    case 'text': {
      if (typeof value !== 'string') return bad('must be text');
      if (!value.trim()) return bad('is empty');
      return value.length > MAX_TEXT_ANSWER ? bad(`is longer than ${MAX_TEXT_ANSWER} characters`) : { ok: true, value };
    }
    case 'file':
      return typeof value === 'string' && UUID.test(value) ? { ok: true, value } : bad('must be the id of an uploaded file');
    case 'sbom': {
      if (!isPlainObject(value) || Object.keys(value).some((k) => k !== 'fileId' && k !== 'productId')) return bad('must be { fileId, productId }');
      const { fileId, productId } = value;
      if (typeof fileId !== 'string' || !UUID.test(fileId)) return bad('fileId must be the id of an uploaded SBOM file');
      if (typeof productId !== 'string' || !UUID.test(productId)) return bad('productId must be the id of one of the vendor\'s products');
      return { ok: true, value: { fileId, productId } };
    }
  }
}

function optionOf(q: Question, value: string): string | undefined {
  const wanted = value.trim().toLowerCase();
  return (q.options ?? []).find((o) => o.toLowerCase() === wanted);
}

function numberOf(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= 1e12 ? n : null;
}

const durationUnit = (q: Question) => ['hours', 'minutes', 'days'].includes(q.unit ?? '');

function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === value;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The questions shown for these answers, in template order: a question with showWhen is shown when
 * the question it names is shown and answered with one of anyOf (for multichoice: any picked).
 */
export function visibleQuestions(sections: Section[], answers: ReadonlyMap<string, unknown>): Question[] {
  const shown = new Set<string>();
  const out: Question[] = [];
  for (const q of sections.flatMap((s) => s.questions)) {
    if (q.showWhen) {
      const { questionId, anyOf } = q.showWhen;
      const answer = answers.get(questionId);
      const given = Array.isArray(answer) ? answer : [answer];
      if (!shown.has(questionId) || !given.some((a) => typeof a === 'string' && anyOf.includes(a))) continue;
    }
    shown.add(q.id);
    out.push(q);
  }
  return out;
}

export type ComplianceStatus = 'met' | 'partial' | 'not-met' | 'unanswered' | 'na';

export interface Scores {
  overall: number | null;
  sections: { title: string; score: number | null; answered: number; total: number }[];
  controls: { label: string; status: 'met' | 'partial' | 'not-met' | 'unanswered' | 'na' }[];
}

/**
 * The credit (0..1) one answer earns, or 'na' / 'unanswered'. yesno: compliant.anyOf (default yes)
 * is full credit, partial half, na excluded. choice: in anyOf (any answer when there is none).
 * multichoice: the share of anyOf picked. number: within min/max (per service: the share of services
 * within). date: no older than withinDays at `at`. text, file, sbom: answered. A rejected answer
 * earns nothing until it is answered again.
 */
export function creditOf(q: Question, raw: unknown, verdict: 'accept' | 'reject' | undefined, at: string): number | 'na' | 'unanswered' {
  const checked = raw === undefined ? null : validateAnswer(q, raw);
  if (!checked?.ok) return 'unanswered';
  // A rejected n.a. is a reviewer saying the question does apply: not met either.
  if (verdict === 'reject') return 0;
  const value = checked.value;
  if (q.type === 'yesno' && value === 'na') return 'na';
  if (q.type === 'number' && q.perService && (value as unknown[]).length === 0) return 'na';
  const c = q.compliant ?? {};
  const within = (n: number) => (c.min === undefined || n >= c.min) && (c.max === undefined || n <= c.max);
  switch (q.type) {
    case 'yesno': {
      const anyOf = c.anyOf ?? ['yes'];
      return anyOf.includes(value as string) ? 1 : value === 'partial' ? 0.5 : 0;
    }
    case 'choice':
      return !c.anyOf || c.anyOf.includes(value as string) ? 1 : 0;
    case 'multichoice':
      return c.anyOf ? (value as string[]).filter((v) => c.anyOf!.includes(v)).length / c.anyOf.length : 1;
    case 'number': {
      if (!q.perService) return within(value as number) ? 1 : 0;
      const values = value as { value: number }[];
      return values.filter((v) => within(v.value)).length / values.length;
    }
    case 'date': {
      if (c.withinDays === undefined) return 1;
      // Whole calendar days: a test on 2025-12-06 is within 365 days all day on 2026-12-06.
      const age = (Date.parse(`${at.slice(0, 10)}T00:00:00Z`) - Date.parse(`${value as string}T00:00:00Z`)) / DAY_MS;
      return age <= c.withinDays ? 1 : 0;
    }
    default:
      return 1;
  }
}

const statusOfCredit = (credit: number | 'na' | 'unanswered'): ComplianceStatus =>
  credit === 'na' || credit === 'unanswered' ? credit : credit >= 1 ? 'met' : credit > 0 ? 'partial' : 'not-met';

/** A percentage with one decimal, or null when nothing counts. */
const percent = (earned: number, possible: number) => (possible > 0 ? Math.round((earned / possible) * 1000) / 10 : null);

/**
 * Scores the visible questions: per section and overall the weighted share of credit, as a
 * percentage (0–100) with one decimal; unanswered questions earn nothing but count, n.a. answers
 * are left out, null when no weight remains. answered/total count visible questions. A control's
 * status combines the visible questions mapped to it: met when all are met, unanswered when none
 * is answered, not-met when none earns credit, else partial (n.a. answers left out; na when all are).
 */
export function scoreAnswers(
  sections: Section[],
  answers: ReadonlyMap<string, unknown>,
  verdicts: ReadonlyMap<string, 'accept' | 'reject'>,
  at: string,
): Scores {
  const visible = new Set(visibleQuestions(sections, answers).map((q) => q.id));
  const byControl = new Map<string, ComplianceStatus[]>();
  let earnedAll = 0;
  let possibleAll = 0;
  const sectionScores = sections.map((section) => {
    let earned = 0;
    let possible = 0;
    let answered = 0;
    let total = 0;
    for (const q of section.questions) {
      if (!visible.has(q.id)) continue;
      total += 1;
      const credit = creditOf(q, answers.get(q.id), verdicts.get(q.id), at);
      if (credit !== 'unanswered') answered += 1;
      if (credit !== 'na') {
        possible += q.weight;
        earned += credit === 'unanswered' ? 0 : credit * q.weight;
      }
      for (const label of q.controls) byControl.set(label, [...(byControl.get(label) ?? []), statusOfCredit(credit)]);
    }
    earnedAll += earned;
    possibleAll += possible;
    return { title: section.title, score: percent(earned, possible), answered, total };
  });
  const controls = [...byControl.entries()]
    .sort(([a], [b]) => compareControls(a, b))
    .map(([label, statuses]) => ({ label, status: combine(statuses) }));
  return { overall: percent(earnedAll, possibleAll), sections: sectionScores, controls };
}

function combine(statuses: ComplianceStatus[]): ComplianceStatus {
  const counted = statuses.filter((s) => s !== 'na');
  if (!counted.length) return 'na';
  if (counted.every((s) => s === 'unanswered')) return 'unanswered';
  if (counted.every((s) => s === 'met')) return 'met';
  if (counted.every((s) => s === 'not-met' || s === 'unanswered')) return 'not-met';
  return 'partial';
}

/** Orders control labels the way the catalog does: family, then number, then enhancement (SR-2 < SR-2(1) < SR-10). */
export function compareControls(a: string, b: string): number {
  const key = (label: string) => {
    const m = /^([A-Z]{2})-(\d+)(?:\((\d+)\))?$/.exec(label);
    return m ? [m[1], Number(m[2]), m[3] === undefined ? -1 : Number(m[3])] as const : [label, 0, 0] as const;
  };
  const [fa, na, ea] = key(a);
  const [fb, nb, eb] = key(b);
  return fa < fb ? -1 : fa > fb ? 1 : na - nb || ea - eb;
}
