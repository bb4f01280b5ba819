import { useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { api, ApiError, humanizeReason } from '../api.js';
import { Empty, ErrorBanner, Field, Loading, PageStatus, SubmitButton, useAsync, useDocumentTitle } from '../components.js';
import { setFlash, takeFlash } from '../flash.js';
import { formatDateTime, plural, splitList } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { QUESTION_TYPE_LABELS, QUESTION_TYPES, YESNO_ANSWERS, type Question, type QuestionType, type Section, type TemplateDetail, type TemplateSummary } from '../questionnaireTypes.js';

// ---- The list ----

export function TemplatesPage() {
  useDocumentTitle('Questionnaire templates');
  const { can } = useSession();
  const writable = can('assessments:write');
  const state = useAsync<{ items: TemplateSummary[] }>((signal) => api.get('/api/v1/assessments/templates', undefined, signal), []);
  const [flash] = useState(takeFlash);
  const [importError, setImportError] = useState<unknown>(null);
  const [importing, setImporting] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);

  const importFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setImportError(null);
    setImporting(true);
    try {
      let doc: unknown;
      try {
        doc = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not JSON: export a template with Export JSON and import that file`);
      }
      const created = await api.post<TemplateDetail>('/api/v1/assessments/templates/import', doc);
      setFlash(`Imported “${created.name}” as a new template`);
      navigate(`/assessments/templates/${created.id}`);
    } catch (error) {
      setImportError(error);
    } finally {
      setImporting(false);
    }
  };

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Questionnaire templates</h1>
          <p className="muted">The questions vendors answer, mapped to SP 800-53 controls. Saving a template makes a new version; assessments already sent keep the version they were sent with.</p>
        </div>
        {writable && (
          <div className="actions">
            <label className="btn">
              {importing ? 'Importing…' : 'Import JSON'}
              <input ref={fileRef} type="file" accept="application/json,.json" className="sr-only" onChange={(e) => void importFile(e)} aria-label="Import a template from a JSON file" />
            </label>
            <Link to="/assessments/templates/new" className="btn btn-primary">
              New template
            </Link>
          </div>
        )}
      </div>
      {flash && (
        <div className="banner banner-ok" role="status">
          {flash}
        </div>
      )}
      <ErrorBanner error={importError ?? state.error} onRetry={state.error ? state.reload : undefined} />
      {state.loading && !state.data && <Loading />}
      {state.data && !state.data.items.length && <Empty>No templates yet.</Empty>}
      {state.data && state.data.items.length > 0 && (
        <table className="table" data-testid="templates-table">
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col" className="num">
                Version
              </th>
              <th scope="col" className="num">
                Questions
              </th>
              <th scope="col" className="num">
                Controls
              </th>
              <th scope="col">Last saved</th>
            </tr>
          </thead>
          <tbody>
            {state.data.items.map((t) => (
              <tr key={t.id} data-testid="template-row">
                <th scope="row">
                  <Link to={`/assessments/templates/${t.id}`}>{t.name}</Link>
                  {t.key && <span className="tag">shipped</span>}
                  {t.description && <div className="small muted">{t.description}</div>}
                </th>
                <td className="num">{t.version}</td>
                <td className="num">{t.questionCount}</td>
                <td className="num">{t.controlCount}</td>
                <td className="nowrap">{formatDateTime(t.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

// ---- The editor ----

/** A question as the form edits it: lists as text, numbers as typed, a key for React. */
interface QuestionDraft {
  key: number;
  open: boolean;
  id: string;
  text: string;
  help: string;
  type: QuestionType;
  controls: string;
  iso27036: string;
  weight: string;
  required: boolean;
  options: string;
  unit: string;
  perService: boolean;
  anyOf: string[];
  min: string;
  max: string;
  withinDays: string;
  showWhenId: string;
  showWhenAnyOf: string[];
  tags: string;
}

interface SectionDraft {
  key: number;
  title: string;
  description: string;
  questions: QuestionDraft[];
}

interface Draft {
  name: string;
  description: string;
  sections: SectionDraft[];
}

let nextKey = 1;
const numberText = (n: number | undefined) => (n === undefined ? '' : String(n));
const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

function questionDraft(q?: Question, open = false): QuestionDraft {
  return {
    key: nextKey++,
    open,
    id: q?.id ?? '',
    text: q?.text ?? '',
    help: q?.help ?? '',
    type: q?.type ?? 'yesno',
    controls: (q?.controls ?? []).join(', '),
    iso27036: (q?.iso27036 ?? []).join(', '),
    weight: numberText(q?.weight ?? 1),
    required: q?.required ?? true,
    options: (q?.options ?? []).join('\n'),
    unit: q?.unit ?? '',
    perService: q?.perService ?? false,
    anyOf: q?.compliant?.anyOf ?? [],
    min: numberText(q?.compliant?.min),
    max: numberText(q?.compliant?.max),
    withinDays: numberText(q?.compliant?.withinDays),
    showWhenId: q?.showWhen?.questionId ?? '',
    showWhenAnyOf: q?.showWhen?.anyOf ?? [],
    tags: (q?.tags ?? []).join(', '),
  };
}

const sectionDraft = (s?: Section): SectionDraft => ({ key: nextKey++, title: s?.title ?? '', description: s?.description ?? '', questions: s ? s.questions.map((q) => questionDraft(q)) : [questionDraft(undefined, true)] });
const draftOf = (t?: { name: string; description: string; sections: Section[] }): Draft => ({ name: t?.name ?? '', description: t?.description ?? '', sections: t ? t.sections.map(sectionDraft) : [sectionDraft()] });

/** The answers a question can take when they form a list (what compliant answers and showWhen pick from). */
function possibleAnswers(q: QuestionDraft): string[] | null {
  if (q.type === 'yesno') return [...YESNO_ANSWERS];
  if (q.type === 'choice' || q.type === 'multichoice') return lines(q.options);
  return null;
}

/** Numbers as numbers when they are numbers; anything else is sent as typed, for the server to name. */
const numberOrText = (text: string): number | string => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);

function questionOf(q: QuestionDraft): Record<string, unknown> {
  const out: Record<string, unknown> = { id: q.id.trim(), text: q.text.trim(), type: q.type, controls: splitList(q.controls), weight: numberOrText(q.weight), required: q.required };
  if (q.help.trim()) out.help = q.help.trim();
  if (splitList(q.iso27036).length) out.iso27036 = splitList(q.iso27036);
  if (q.type === 'choice' || q.type === 'multichoice') out.options = lines(q.options);
  if (q.type === 'number') {
    if (q.unit.trim()) out.unit = q.unit.trim();
    if (q.perService) out.perService = true;
  }
  const compliant: Record<string, unknown> = {};
  const possible = possibleAnswers(q);
  const anyOf = possible ? q.anyOf.filter((a) => possible.includes(a)) : [];
  if (anyOf.length) compliant.anyOf = anyOf;
  if (q.type === 'number' && q.min.trim()) compliant.min = numberOrText(q.min);
  if (q.type === 'number' && q.max.trim()) compliant.max = numberOrText(q.max);
  if (q.type === 'date' && q.withinDays.trim()) compliant.withinDays = numberOrText(q.withinDays);
  if (Object.keys(compliant).length) out.compliant = compliant;
  if (q.showWhenId) out.showWhen = { questionId: q.showWhenId, anyOf: q.showWhenAnyOf };
  if (splitList(q.tags).length) out.tags = splitList(q.tags);
  return out;
}

const bodyOf = (d: Draft) => ({
  name: d.name.trim(),
  description: d.description.trim(),
  sections: d.sections.map((s) => ({ title: s.title.trim(), ...(s.description.trim() ? { description: s.description.trim() } : {}), questions: s.questions.map(questionOf) })),
});

function move<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length) return list;
  const out = [...list];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item);
  return out;
}

/** Problems the server named, grouped by where they belong: a question, a section, or the template. */
function groupProblems(error: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!(error instanceof ApiError)) return out;
  for (const { field, reason } of error.fieldProblems) {
    const m = /^\/sections\/(\d+)(?:\/questions\/(\d+))?(\/.*)?$/.exec(field);
    const key = m ? (m[2] !== undefined ? `q:${m[1]}:${m[2]}` : `s:${m[1]}`) : 'template';
    const where = m ? (m[3] ?? '').replace(/^\//, '').replace(/\//g, ' › ') : field.replace(/^\//, '');
    // The server's own reasons are plain language already; only schema wording is rephrased.
    const text = reason.startsWith('is not valid: expected') ? reason : humanizeReason(field, reason);
    out.set(key, [...(out.get(key) ?? []), `${where ? `${where}: ` : ''}${text}`]);
  }
  return out;
}

export function TemplatePage({ id }: { id: string | null }) {
  const location = useLocation();
  const version = location.search.get('version');
  const state = useAsync<TemplateDetail | null>((signal) => (id ? api.get<TemplateDetail>(`/api/v1/assessments/templates/${id}`, { version }, signal) : Promise.resolve(null)), [id, version]);
  useDocumentTitle(state.data ? state.data.name : id ? 'Questionnaire template' : 'New questionnaire template');
  if (id && !state.data) return <PageStatus state={state} crumbs={<Link to="/assessments/templates">Questionnaire templates</Link>} />;
  return <TemplateEditor template={state.data ?? null} key={state.data ? `${state.data.id}:${state.data.version}` : 'new'} onSaved={(t) => state.setData(t)} />;
}

function TemplateEditor({ template, onSaved }: { template: TemplateDetail | null; onSaved: (t: TemplateDetail) => void }) {
  const { can } = useSession();
  const writable = can('assessments:write');
  const [draft, setDraft] = useState<Draft>(() => draftOf(template ?? undefined));
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [flash, setFlashText] = useState(takeFlash);
  const problems = groupProblems(failure);
  const viewingOld = template !== null && template.version !== template.currentVersion;

  const change = (next: Draft) => {
    setDraft(next);
    setDirty(true);
    setFlashText(null);
  };
  const setSection = (s: number, patch: Partial<SectionDraft>) => change({ ...draft, sections: draft.sections.map((x, i) => (i === s ? { ...x, ...patch } : x)) });
  const setQuestion = (s: number, q: number, patch: Partial<QuestionDraft>) => {
    const before = draft.sections[s].questions[q];
    // Renaming a question keeps the questions shown by its answers pointing at it.
    const renamed = patch.id !== undefined && before.id.trim() && patch.id.trim() ? { from: before.id.trim(), to: patch.id.trim() } : null;
    change({
      ...draft,
      sections: draft.sections.map((section, si) => ({
        ...section,
        questions: section.questions.map((x, qi) => {
          const next = si === s && qi === q ? { ...x, ...patch } : x;
          return renamed && next.showWhenId === renamed.from ? { ...next, showWhenId: renamed.to } : next;
        }),
      })),
    });
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setBusy(true);
    try {
      const body = bodyOf(draft);
      const saved = template
        ? await api.put<TemplateDetail>(`/api/v1/assessments/templates/${template.id}`, { ...body, baseVersion: template.currentVersion })
        : await api.post<TemplateDetail>('/api/v1/assessments/templates', body);
      setDirty(false);
      if (template && saved.version === template.currentVersion && !viewingOld) {
        setFlashText('Nothing changed: no new version');
        return;
      }
      setFlash(`Saved as version ${saved.version}`);
      if (!template) {
        navigate(`/assessments/templates/${saved.id}`, { replace: true });
        return;
      }
      if (viewingOld) navigate(`/assessments/templates/${saved.id}`);
      onSaved(saved);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const allQuestions = draft.sections.flatMap((s, si) => s.questions.map((q, qi) => ({ q, si, qi })));
  const templateProblems = problems.get('template');

  return (
    <form className="page page-wide template-editor" onSubmit={save} noValidate aria-label="Questionnaire template">
      <p className="crumbs">
        <Link to="/assessments/templates">Questionnaire templates</Link>
      </p>
      <div className="page-head">
        <div>
          <h1>{template ? template.name : 'New questionnaire template'}</h1>
          {template && (
            <p className="muted" data-testid="template-version">
              Version {template.version}
              {viewingOld ? ` (the current one is ${template.currentVersion})` : ''} · {plural(allQuestions.length, 'question')} · {plural(template.controls.length, 'control')}
              {template.key && ' · shipped with Thirdwatch'}
            </p>
          )}
        </div>
        <div className="actions">
          {template && (
            <button type="button" className="btn" onClick={() => void api.download(`/api/v1/assessments/templates/${template.id}/export`, { version: template.version }, 'template.json').catch(setFailure)}>
              Export JSON
            </button>
          )}
          {writable && (
            <SubmitButton busy={busy} label={template ? (viewingOld ? `Restore as version ${template.currentVersion + 1}` : 'Save as new version') : 'Create template'} disabled={template !== null && !dirty && !viewingOld} />
          )}
        </div>
      </div>
      {flash && (
        <div className="banner banner-ok" role="status">
          {flash}
        </div>
      )}
      {template?.unknownControls && template.unknownControls.length > 0 && (
        <div className="banner banner-info" role="status" data-testid="unknown-controls">
          Not in the imported control catalog: {template.unknownControls.join(', ')}. Check the label, or import the catalog that defines it (<Link to="/controls">Controls</Link>).
        </div>
      )}
      {viewingOld && (
        <div className="banner banner-info" role="status">
          You are looking at version {template.version}. <Link to={`/assessments/templates/${template.id}`}>Open the current version</Link>, or save this one again to restore it.
        </div>
      )}
      {failure !== null && (!(failure instanceof ApiError) || !failure.fieldProblems.length) && <ErrorBanner error={failure} />}
      {failure instanceof ApiError && failure.fieldProblems.length > 0 && (
        <div className="banner banner-error" role="alert">
          Not saved: {plural(failure.fieldProblems.length, 'problem')}. The questions concerned are marked below.
        </div>
      )}
      <fieldset className="template-fields" disabled={!writable}>
        <div className="card">
          <div className="grid-fields">
            <Field label="Name" required error={templateProblems?.filter((p) => p.startsWith('name')).join('; ')}>
              {(p) => <input {...p} name="name" value={draft.name} onChange={(e) => change({ ...draft, name: e.target.value })} autoComplete="off" />}
            </Field>
            <Field label="Description">{(p) => <input {...p} name="description" value={draft.description} onChange={(e) => change({ ...draft, description: e.target.value })} autoComplete="off" />}</Field>
          </div>
          {templateProblems?.some((p) => !p.startsWith('name')) && <p className="field-error">{templateProblems.filter((p) => !p.startsWith('name')).join('; ')}</p>}
        </div>

        {draft.sections.map((section, si) => (
          <section className="card template-section" key={section.key} aria-label={`Section ${si + 1}: ${section.title || 'untitled'}`} data-testid="template-section">
            <header className="card-head">
              <h2>
                Section {si + 1}
                {section.title ? `: ${section.title}` : ''}
              </h2>
              {writable && (
                <div className="row-buttons">
                  <button type="button" className="btn btn-small" aria-label={`Move section ${si + 1} up`} disabled={si === 0} onClick={() => change({ ...draft, sections: move(draft.sections, si, si - 1) })}>
                    ↑
                  </button>
                  <button type="button" className="btn btn-small" aria-label={`Move section ${si + 1} down`} disabled={si === draft.sections.length - 1} onClick={() => change({ ...draft, sections: move(draft.sections, si, si + 1) })}>
                    ↓
                  </button>
                  <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Remove section ${si + 1}`} disabled={draft.sections.length === 1} onClick={() => change({ ...draft, sections: draft.sections.filter((_, i) => i !== si) })}>
                    Remove section
                  </button>
                </div>
              )}
            </header>
            <div className="grid-fields">
              <Field label={`Section ${si + 1} title`} required>
                {(p) => <input {...p} value={section.title} onChange={(e) => setSection(si, { title: e.target.value })} autoComplete="off" />}
              </Field>
              <Field label={`Section ${si + 1} description`}>{(p) => <input {...p} value={section.description} onChange={(e) => setSection(si, { description: e.target.value })} autoComplete="off" />}</Field>
            </div>
            {problems.get(`s:${si}`) && <p className="field-error">{problems.get(`s:${si}`)!.join('; ')}</p>}
            <ol className="tq-list">
              {section.questions.map((q, qi) => (
                <QuestionEditor
                  key={q.key}
                  q={q}
                  number={`${si + 1}.${qi + 1}`}
                  writable={writable}
                  problems={problems.get(`q:${si}:${qi}`)}
                  earlier={allQuestions.slice(0, allQuestions.findIndex((x) => x.q === q)).map((x) => x.q).filter((x) => possibleAnswers(x) && x.id.trim())}
                  onChange={(patch) => setQuestion(si, qi, patch)}
                  onMove={(to) => setSection(si, { questions: move(section.questions, qi, to) })}
                  onRemove={section.questions.length > 1 ? () => setSection(si, { questions: section.questions.filter((_, i) => i !== qi) }) : undefined}
                  index={qi}
                  count={section.questions.length}
                />
              ))}
            </ol>
            {writable && (
              <button type="button" className="btn btn-small" onClick={() => setSection(si, { questions: [...section.questions, questionDraft(undefined, true)] })}>
                Add question to section {si + 1}
              </button>
            )}
          </section>
        ))}
        {writable && (
          <button type="button" className="btn" onClick={() => change({ ...draft, sections: [...draft.sections, sectionDraft()] })}>
            Add section
          </button>
        )}
      </fieldset>

      {template && (
        <div className="card">
          <header className="card-head">
            <h2>Versions</h2>
          </header>
          <ul className="plain-list" data-testid="template-versions">
            {template.versions.map((v) => (
              <li key={v.version}>
                {v.version === template.version ? <strong>Version {v.version}</strong> : <Link to={`/assessments/templates/${template.id}?version=${v.version}`}>Version {v.version}</Link>} <span className="muted">· {formatDateTime(v.createdAt)} · {v.createdBy}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}

function QuestionEditor(props: {
  q: QuestionDraft;
  number: string;
  index: number;
  count: number;
  writable: boolean;
  problems: string[] | undefined;
  earlier: QuestionDraft[];
  onChange: (patch: Partial<QuestionDraft>) => void;
  onMove: (to: number) => void;
  onRemove: (() => void) | undefined;
}) {
  const { q, number, index, count, writable, problems, earlier, onChange, onMove, onRemove } = props;
  const name = q.id || `question ${number}`;
  const possible = possibleAnswers(q);
  const target = earlier.find((x) => x.id.trim() === q.showWhenId);
  const targetAnswers = target ? (possibleAnswers(target) ?? []) : [];
  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  const open = q.open || Boolean(problems) || !writable;

  return (
    <li className={`tq${problems ? ' has-error' : ''}`} data-testid="template-question">
      <div className="tq-summary">
        <span className="tq-number">{number}</span>
        <span className="tq-text">
          {q.text || <em className="muted">No text yet</em>}
          <span className="small muted">
            {' '}
            · {q.id || 'no id'} · {QUESTION_TYPE_LABELS[q.type]} · weight {q.weight || '?'}
            {q.required ? ' · required' : ''}
            {q.showWhenId ? ` · shown when ${q.showWhenId} is ${q.showWhenAnyOf.join(' or ') || '…'}` : ''}
            {splitList(q.controls).length ? ` · ${splitList(q.controls).join(', ')}` : ''}
          </span>
        </span>
        <span className="row-buttons">
          {writable && (
            <>
              <button type="button" className="btn btn-small" aria-expanded={open} aria-label={`${open ? 'Close' : 'Edit'} ${name}`} onClick={() => onChange({ open: !q.open })}>
                {open ? 'Close' : 'Edit'}
              </button>
              <button type="button" className="btn btn-small" aria-label={`Move ${name} up`} disabled={index === 0} onClick={() => onMove(index - 1)}>
                ↑
              </button>
              <button type="button" className="btn btn-small" aria-label={`Move ${name} down`} disabled={index === count - 1} onClick={() => onMove(index + 1)}>
                ↓
              </button>
              <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Remove ${name}`} disabled={!onRemove} onClick={onRemove}>
                Remove
              </button>
            </>
          )}
        </span>
      </div>
      {problems && (
        <div className="tq-problems" role="alert">
          {problems.map((p) => (
            <p className="field-error" key={p}>
              {p}
            </p>
          ))}
        </div>
      )}
      {open && (
        <div className="tq-fields">
          <div className="grid-fields grid-fields-3">
            <Field label="Question id" required hint="Stays the same across versions: lower-case letters, digits, dashes">
              {(p) => <input {...p} value={q.id} onChange={(e) => onChange({ id: e.target.value })} autoComplete="off" spellCheck={false} />}
            </Field>
            <Field label="Answer type" required>
              {(p) => (
                <select {...p} value={q.type} onChange={(e) => onChange({ type: e.target.value as QuestionType, anyOf: [] })}>
                  {QUESTION_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {QUESTION_TYPE_LABELS[t]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Weight" required hint="0 for questions that inform but do not score">
              {(p) => <input {...p} type="number" min={0} step="any" inputMode="decimal" value={q.weight} onChange={(e) => onChange({ weight: e.target.value })} />}
            </Field>
            <Field label="Question text" required className="span-2">
              {(p) => <input {...p} value={q.text} onChange={(e) => onChange({ text: e.target.value })} autoComplete="off" />}
            </Field>
            <div className="field">
              <span className="field-label-spacer" aria-hidden="true" />
              <label className="check">
                <input type="checkbox" checked={q.required} onChange={(e) => onChange({ required: e.target.checked })} /> Answer required
              </label>
            </div>
            <Field label="Help for the vendor" className="span-2">
              {(p) => <input {...p} value={q.help} onChange={(e) => onChange({ help: e.target.value })} autoComplete="off" />}
            </Field>
            <Field label="Tags" hint="e.g. rto, notify-hours, publishes-sbom">
              {(p) => <input {...p} value={q.tags} onChange={(e) => onChange({ tags: e.target.value })} autoComplete="off" spellCheck={false} />}
            </Field>
            <Field label="Controls" hint="SP 800-53 labels, comma-separated: SR-4(3), SA-15">
              {(p) => <input {...p} value={q.controls} onChange={(e) => onChange({ controls: e.target.value })} autoComplete="off" spellCheck={false} />}
            </Field>
            <Field label="ISO/IEC 27036 clauses" hint="Clause ids only, e.g. 27036-3:6.4">
              {(p) => <input {...p} value={q.iso27036} onChange={(e) => onChange({ iso27036: e.target.value })} autoComplete="off" spellCheck={false} />}
            </Field>
            {(q.type === 'choice' || q.type === 'multichoice') && (
              <Field label="Options" required hint="One per line">
                {(p) => <textarea {...p} rows={4} value={q.options} onChange={(e) => onChange({ options: e.target.value })} />}
              </Field>
            )}
            {q.type === 'number' && (
              <>
                <Field label="Unit" hint="hours, minutes, days or any other">
                  {(p) => <input {...p} value={q.unit} onChange={(e) => onChange({ unit: e.target.value })} autoComplete="off" />}
                </Field>
                <div className="field">
                  <span className="field-label-spacer" aria-hidden="true" />
                  <label className="check">
                    <input type="checkbox" checked={q.perService} onChange={(e) => onChange({ perService: e.target.checked })} /> One value per business service
                  </label>
                </div>
                <Field label="Compliant from (minimum)">{(p) => <input {...p} type="number" step="any" value={q.min} onChange={(e) => onChange({ min: e.target.value })} />}</Field>
                <Field label="Compliant up to (maximum)">{(p) => <input {...p} type="number" step="any" value={q.max} onChange={(e) => onChange({ max: e.target.value })} />}</Field>
              </>
            )}
            {q.type === 'date' && (
              <Field label="Compliant when within (days)" hint="e.g. 365: tested in the last year">
                {(p) => <input {...p} type="number" min={1} step={1} value={q.withinDays} onChange={(e) => onChange({ withinDays: e.target.value })} />}
              </Field>
            )}
          </div>
          {possible && possible.length > 0 && (
            <fieldset className="checks">
              <legend>Compliant answers{q.type === 'yesno' ? ' (none ticked: yes; partial earns half)' : ' (none ticked: any answer)'}</legend>
              <div className="checks-row">
                {possible.map((a) => (
                  <label className="check" key={a}>
                    <input type="checkbox" checked={q.anyOf.includes(a)} onChange={() => onChange({ anyOf: toggle(q.anyOf, a) })} /> {a}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          <div className="grid-fields">
            <Field label="Show only when" hint="An earlier yes/no or choice question">
              {(p) => (
                <select {...p} value={q.showWhenId} onChange={(e) => onChange({ showWhenId: e.target.value, showWhenAnyOf: [] })}>
                  <option value="">Always shown</option>
                  {q.showWhenId && !target && <option value={q.showWhenId}>{q.showWhenId} (not an earlier question)</option>}
                  {earlier.map((x) => (
                    <option key={x.key} value={x.id.trim()}>
                      {x.id.trim()}: {x.text.slice(0, 60)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {q.showWhenId && (
              <fieldset className="checks">
                <legend>…is answered with</legend>
                <div className="checks-row">
                  {targetAnswers.map((a) => (
                    <label className="check" key={a}>
                      <input type="checkbox" checked={q.showWhenAnyOf.includes(a)} onChange={() => onChange({ showWhenAnyOf: toggle(q.showWhenAnyOf, a) })} /> {a}
                    </label>
                  ))}
                </div>
              </fieldset>
            )}
          </div>
        </div>
      )}
    </li>
  );
}
