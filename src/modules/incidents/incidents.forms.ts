// Task forms: what an approval or input task asks, and the check of an answer against it. Forms
// come from playbooks (H4) and people; answers come from whoever completes the task.
import type { FieldProblem } from '../../platform/errors.js';
import type { TaskAnswer, TaskForm } from './incidents.schemas.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Problems of a form beyond its schema: duplicate field ids, choice fields without options. */
export function formProblems(form: TaskForm, at = '/form'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  form.fields.forEach((f, i) => {
    if (seen.has(f.id)) problems.push({ field: `${at}/fields/${i}/id`, reason: `duplicates the field id ${f.id}` });
    seen.add(f.id);
    if (f.type === 'choice' && !f.options?.length) problems.push({ field: `${at}/fields/${i}/options`, reason: 'a choice field needs options' });
    if (f.type !== 'choice' && f.options) problems.push({ field: `${at}/fields/${i}/options`, reason: 'only a choice field has options' });
  });
  return problems;
}

/**
 * The answer checked against the form: every required field answered with a value of its type,
 * no field the form does not ask. Returns the answer with only the form's fields (absent optional
 * ones as null) or the problems, each naming /answer/<field id>.
 */
export function checkAnswer(form: TaskForm | null, answer: TaskAnswer | undefined): { ok: true; value: TaskAnswer | null } | { ok: false; problems: FieldProblem[] } {
  if (!form) {
    if (answer && Object.keys(answer).length) return { ok: false, problems: [{ field: '/answer', reason: 'the task has no form: complete it without an answer' }] };
    return { ok: true, value: null };
  }
  const given = answer ?? {};
  const problems: FieldProblem[] = [];
  const known = new Set(form.fields.map((f) => f.id));
  for (const key of Object.keys(given)) if (!known.has(key)) problems.push({ field: `/answer/${key}`, reason: 'the form asks no such field' });
  const value: TaskAnswer = {};
  for (const f of form.fields) {
    const v = Object.hasOwn(given, f.id) ? given[f.id] : null;
    const field = `/answer/${f.id}`;
    if (v === null || v === '') {
      if (f.required !== false) problems.push({ field, reason: `is required (${f.label})` });
      value[f.id] = null;
      continue;
    }
    switch (f.type) {
      case 'text':
        if (typeof v !== 'string') problems.push({ field, reason: 'must be text' });
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) problems.push({ field, reason: 'must be a number' });
        break;
      case 'boolean':
        if (typeof v !== 'boolean') problems.push({ field, reason: 'must be true or false' });
        break;
      case 'choice':
        if (typeof v !== 'string' || !f.options?.includes(v)) problems.push({ field, reason: `must be one of ${(f.options ?? []).join(', ')}` });
        break;
      case 'date':
        if (typeof v !== 'string' || !DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) problems.push({ field, reason: 'must be a date (YYYY-MM-DD)' });
        break;
    }
    value[f.id] = v;
  }
  return problems.length ? { ok: false, problems } : { ok: true, value };
}
