import { validationError, type FieldProblem } from '../../platform/errors.js';
import { checker } from '../../platform/validation.js';
import { SectionsSchema } from './questionnaires.schemas.js';
import { compareControls } from './questionnaires.scoring.js';

/**
 * The questionnaire template model every assessment module codes against (fixed in the issue's
 * split: keep it backward compatible). A template's content is its sections; answers are keyed by
 * question id, which stays stable across a template's versions.
 */
export const QUESTION_TYPES = ['yesno', 'choice', 'multichoice', 'number', 'date', 'text', 'file', 'sbom'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** The semantic hooks other modules read answers by (resilience targets, contradictions). */
export const QUESTION_TAGS = ['rto', 'rpo', 'mtd', 'bcp-test-date', 'bcp-test-result', 'notify-hours', 'notify-contact', 'crisis-contact', 'fourth-parties', 'publishes-sbom', 'signs-releases'] as const;

export const YESNO_VALUES = ['yes', 'no', 'partial', 'na'] as const;

export interface Question {
  /** Stable within a template across versions, [a-z0-9-]+. */
  id: string;
  text: string;
  help?: string;
  type: QuestionType;
  /** SP 800-53 control labels, e.g. 'SR-4(3)', 'SA-9'. */
  controls: string[];
  /** ISO/IEC 27036 clause ids only, e.g. '27036-3:6.4'. */
  iso27036?: string[];
  weight: number;
  required: boolean;
  /** choice / multichoice. */
  options?: string[];
  /** number: 'hours' | 'minutes' | 'days' | free text. */
  unit?: string;
  /** number: one value per business service the vendor is linked to. */
  perService?: boolean;
  compliant?: { anyOf?: string[]; min?: number; max?: number; withinDays?: number };
  /** Shown only when an earlier question's answer is one of anyOf. */
  showWhen?: { questionId: string; anyOf: string[] };
  tags?: string[];
}

export interface Section {
  title: string;
  description?: string;
  questions: Question[];
}

export interface TemplateVersion {
  id: string;
  key: string | null;
  name: string;
  description: string;
  version: number;
  sections: Section[];
  createdAt: string;
}

/** Most questions one template may hold, across its sections. */
export const MAX_QUESTIONS = 500;

const structure = checker(SectionsSchema);

/**
 * Checks a template's sections: the shape (types, lengths, no unknown fields, see SectionsSchema),
 * then what a schema cannot say: unique question ids, options where a choice needs them, compliant
 * answers that a question can actually take, and showWhen pointing at an earlier question that can
 * take the listed answers. Throws a 400 problem naming every bad field (under `base`); returns the
 * sections as given.
 */
export function validateTemplateContent(input: unknown, base = '/sections'): Section[] {
  const checked = structure(input);
  if (!checked.ok) throw problem(checked.problems.map((p) => ({ field: `${base}${p.field === '/' ? '' : p.field}`, reason: p.reason })));
  const sections = checked.value as Section[];
  const problems: FieldProblem[] = [];
  const seen = new Map<string, Question>();
  let count = 0;
  sections.forEach((section, s) => {
    section.questions.forEach((q, i) => {
      const at = `${base}/${s}/questions/${i}`;
      const bad = (field: string, reason: string) => problems.push({ field: `${at}${field}`, reason });
      count += 1;
      if (seen.has(q.id)) bad('/id', `repeats question id ${q.id}: ids must be unique within a template`);
      const choosing = q.type === 'choice' || q.type === 'multichoice';
      if (choosing && !q.options) bad('/options', `is required for a ${q.type} question`);
      if (!choosing && q.options) bad('/options', `only applies to choice and multichoice questions`);
      if (q.options && new Set(q.options).size !== q.options.length) bad('/options', 'repeats an option');
      if (q.type !== 'number' && q.unit !== undefined) bad('/unit', 'only applies to number questions');
      if (q.type !== 'number' && q.perService !== undefined) bad('/perService', 'only applies to number questions');
      if (new Set(q.controls).size !== q.controls.length) bad('/controls', 'repeats a control');
      const c = q.compliant;
      if (c?.anyOf) {
        const possible = answersOf(q);
        if (!possible) bad('/compliant/anyOf', `does not apply to ${q.type} questions`);
        else c.anyOf.forEach((a, k) => possible.includes(a) || bad(`/compliant/anyOf/${k}`, `is not a possible answer (${possible.join(', ')})`));
      }
      if ((c?.min !== undefined || c?.max !== undefined) && q.type !== 'number') bad('/compliant', 'min and max only apply to number questions');
      if (c?.min !== undefined && c.max !== undefined && c.min > c.max) bad('/compliant/max', 'is below min');
      if (c?.withinDays !== undefined && q.type !== 'date') bad('/compliant/withinDays', 'only applies to date questions');
      if (q.showWhen) {
        const target = seen.get(q.showWhen.questionId);
        if (!target) bad('/showWhen/questionId', `names no earlier question (${q.showWhen.questionId}): a question can only depend on one before it`);
        else {
          const possible = answersOf(target);
          if (!possible) bad('/showWhen/questionId', `names a ${target.type} question: only yesno, choice and multichoice answers can show a question`);
          else q.showWhen.anyOf.forEach((a, k) => possible.includes(a) || bad(`/showWhen/anyOf/${k}`, `is not a possible answer of ${target.id} (${possible.join(', ')})`));
        }
      }
      if (!seen.has(q.id)) seen.set(q.id, q);
    });
  });
  if (count > MAX_QUESTIONS) problems.unshift({ field: base, reason: `holds ${count} questions; at most ${MAX_QUESTIONS}` });
  if (problems.length) throw problem(problems);
  return sections;
}

function problem(problems: FieldProblem[]) {
  const shown = problems.slice(0, 50);
  return validationError(`${shown[0].field}: ${shown[0].reason}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, shown);
}

/** The answers a question can take when they form a closed list (what compliant.anyOf and showWhen may name). */
function answersOf(q: Question): readonly string[] | null {
  if (q.type === 'yesno') return YESNO_VALUES;
  if (q.type === 'choice' || q.type === 'multichoice') return q.options ?? [];
  return null;
}

/** Every control label a template maps, in control order. */
export function controlsOf(sections: Section[]): string[] {
  return [...new Set(sections.flatMap((s) => s.questions.flatMap((q) => q.controls)))].sort(compareControls);
}

export { compareControls, validateAnswer, visibleQuestions, scoreAnswers } from './questionnaires.scoring.js';
