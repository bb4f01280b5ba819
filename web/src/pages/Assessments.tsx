import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, fieldErrors } from '../api.js';
import { DetailRow, Dialog, Empty, ErrorBanner, Field, Loading, PageStatus, SelectField, useAsync, useDocumentTitle } from '../components.js';
import { formatDate, formatDateTime, plural } from '../format.js';
import { DataTable, FilterBar, FilterSelect, ListBody, PagerButtons, usePagedList, useUrlFilters, useVendorOptions } from '../lists.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import {
  ANSWERABLE,
  ASSESSMENT_STATUSES,
  OPEN,
  REVIEWABLE,
  statusLabel,
  type Answer,
  type Assessment,
  type AssessmentDetail,
  type Question,
  type EvidenceFile,
  type Remediation,
  type Scores,
  type TemplateVersion,
} from '../assessmentTypes.js';

const YESNO: Record<string, string> = { yes: 'Yes', no: 'No', partial: 'Partly', na: 'Not applicable' };
const COMPLIANCE_LABEL: Record<string, string> = { met: 'meets the bar', partial: 'partly meets it', 'not-met': 'falls short', na: 'not applicable' };
const STATE_LABEL: Record<string, string> = { draft: 'draft', submitted: 'submitted', accepted: 'accepted', rejected: 'rejected — back to the vendor' };

/** The problems of a refused batch by question id (the API names each question in errors[].field). */
function questionErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof ApiError && error.status === 422) for (const p of error.fieldProblems) out[p.field] = out[p.field] ? `${out[p.field]}; ${p.reason}` : p.reason;
  return out;
}

export function AssessmentStatusTag({ status, overdue }: { status: string; overdue?: boolean }) {
  return (
    <>
      <span className={`tag assessment-status assessment-${status}`} data-testid="assessment-status">
        {statusLabel(status)}
      </span>
      {overdue && <span className="overdue-tag">overdue</span>}
    </>
  );
}

function Progress({ p }: { p: Assessment['progress'] }) {
  const share = p.required ? p.requiredAnswered / p.required : p.total ? p.answered / p.total : 0;
  return (
    <span className="assessment-progress" title={`${p.answered} of ${p.total} questions answered; ${p.requiredAnswered} of ${p.required} required`}>
      <span className="score-track" aria-hidden="true">
        <span className="score-fill progress-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
      <span className="small">
        {p.requiredAnswered}/{p.required} required · {p.answered}/{p.total}
      </span>
    </span>
  );
}

const scoreText = (score: number | null | undefined) => (score === null || score === undefined ? '—' : `${score}%`);

// ---- The list ----

const FILTER_KEYS = ['vendorId', 'status', 'overdue'] as const;

export function AssessmentsTable({ query, showVendor = true, refreshKey }: { query: Record<string, string | number | undefined>; showVendor?: boolean; refreshKey?: number }) {
  const list = usePagedList<Assessment>('/api/v1/assessments', query, refreshKey);
  return (
    <ListBody list={list} loading="Loading assessments…" empty="No assessments match.">
      {(items) => (
        <>
          <DataTable
            rows={items}
            rowKey={(a) => a.id}
            rowClassName={(a) => (a.overdue ? 'row-overdue' : undefined)}
            testId="assessments-table"
            columns={[
              {
                header: showVendor ? 'Vendor' : 'Assessment',
                rowHeader: true,
                cell: (a) => <Link to={`/assessments/${a.id}`}>{showVendor ? a.vendorName : `${a.templateName} v${a.templateVersion}`}</Link>,
              },
              showVendor && { header: 'Template', cell: (a) => `${a.templateName} v${a.templateVersion}` },
              { header: 'Status', className: 'nowrap', cell: (a) => <AssessmentStatusTag status={a.status} overdue={a.overdue} /> },
              { header: 'Due', className: (a) => (a.overdue ? 'due overdue' : 'due'), cell: (a) => formatDate(a.dueAt) },
              { header: 'Progress', cell: (a) => <Progress p={a.progress} /> },
              { header: 'Score', num: true, cell: (a) => scoreText(a.scores?.overall) },
            ]}
          />
          <PagerButtons pager={list.pager} />
        </>
      )}
    </ListBody>
  );
}

export function AssessmentsPage() {
  useDocumentTitle('Assessments');
  const { can } = useSession();
  const filters = useUrlFilters('/assessments', FILTER_KEYS);
  const vendors = useVendorOptions();
  const [creating, setCreating] = useState(false);
  return (
    <div className="page page-wide">
      <div className="page-head">
        <h1>Assessments</h1>
        <div className="actions">
          <Link to="/assessments/templates" className="btn">
            Templates
          </Link>
          <Link to="/controls" className="btn">
            Controls
          </Link>
          <Link to="/services" className="btn">
            Business services
          </Link>
          {can('assessments:write') && (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              New assessment
            </button>
          )}
        </div>
      </div>
      <FilterBar label="Filter assessments">
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name])} all="All vendors" />
        <FilterSelect filters={filters} name="status" label="Status" options={[['open', 'open (not closed or cancelled)'], ...ASSESSMENT_STATUSES.map((s) => [s, statusLabel(s)] as const)]} all="Any status" />
        <FilterSelect filters={filters} name="overdue" label="Due" options={[['true', 'overdue'], ['false', 'not overdue']]} all="Any" />
      </FilterBar>
      <AssessmentsTable query={{ ...(filters.query as Record<string, string>), limit: 50 }} />
      <OpenRemediations vendorId={filters.value('vendorId')} />
      {creating && <NewAssessmentDialog vendors={vendors} onClose={() => setCreating(false)} />}
    </div>
  );
}

/** Open remediation items across assessments (of the vendor filtered on), soonest due first. */
function OpenRemediations({ vendorId }: { vendorId: string }) {
  const state = useAsync((signal) => api.get<{ items: Remediation[] }>('/api/v1/assessment-remediations', { status: 'open', vendorId: vendorId || undefined }, signal), [vendorId]);
  const items = [...(state.data?.items ?? [])].sort((x, y) => (x.dueAt ?? '9999-12-31').localeCompare(y.dueAt ?? '9999-12-31'));
  return (
    <section className="card open-remediations" aria-labelledby="open-remediations-title">
      <header className="card-head">
        <h2 id="open-remediations-title">Open remediation items{state.data ? ` (${items.length})` : ''}</h2>
      </header>
      <ListBody list={{ ...state, items }} loading="Loading remediation items…" empty="No open remediation items.">
        {(rows) => (
          <DataTable
            rows={rows}
            rowKey={(r) => r.id}
            rowClassName={(r) => (r.overdue ? 'row-overdue' : undefined)}
            testId="open-remediations"
            columns={[
              { header: 'Item', rowHeader: true, cell: (r) => <Link to={`/assessments/${r.assessmentId}`}>{r.title}</Link> },
              { header: 'Vendor', cell: (r) => <Link to={`/vendors/${r.vendorId}`}>{r.vendorName}</Link> },
              { header: 'Due', className: (r) => (r.overdue ? 'due overdue' : 'due'), cell: (r) => formatDate(r.dueAt) },
              { header: 'Raised', cell: (r) => `${formatDate(r.createdAt)} by ${r.createdBy}` },
            ]}
          />
        )}
      </ListBody>
    </section>
  );
}

export function NewAssessmentDialog({ vendors, vendorId, onClose }: { vendors: Array<{ id: string; name: string }>; vendorId?: string; onClose: () => void }) {
  const templates = useAsync((signal) => api.get<{ items: Array<{ id: string; name: string; version: number }> }>('/api/v1/assessments/templates', undefined, signal), []);
  const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const [form, setForm] = useState({ vendorId: vendorId ?? '', templateId: '', dueAt: inAMonth });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error, ['/vendorId', '/templateId', '/dueAt']);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<AssessmentDetail>('/api/v1/assessments', { vendorId: form.vendorId, templateId: form.templateId, dueAt: form.dueAt || null });
      navigate(`/assessments/${created.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <Dialog title="New assessment" onClose={onClose}>
      <form onSubmit={submit} aria-label="New assessment">
        <ErrorBanner error={error} />
        <ErrorBanner error={templates.error} onRetry={templates.reload} />
        <SelectField label="Vendor" error={errors['/vendorId']} value={form.vendorId} onChange={(v) => setForm({ ...form, vendorId: v })} options={vendors.map((v) => [v.id, v.name])} placeholder="Choose a vendor" />
        <SelectField
          label="Template"
          error={errors['/templateId']}
          value={form.templateId}
          onChange={(v) => setForm({ ...form, templateId: v })}
          options={(templates.data?.items ?? []).map((t) => [t.id, `${t.name} (version ${t.version})`])}
          placeholder="Choose a template"
          hint="The assessment keeps this version even if the template is edited later."
        />
        <Field label="Due date" error={errors['/dueAt']}>
          {(p) => <input {...p} type="date" value={form.dueAt} onChange={(e) => setForm({ ...form, dueAt: e.target.value })} />}
        </Field>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !form.vendorId || !form.templateId}>
            {busy ? 'Creating…' : 'Create assessment'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// ---- Rendering answers ----

function download(path: string, name: string, onError: (e: unknown) => void) {
  api.download(path, {}, name).catch(onError);
}

/** Names of the organisation's business services, for per-service numbers (empty when that module is absent). */
interface ServiceRef {
  id: string;
  name: string;
  vendors: Array<{ id: string }>;
}

function useServices(): ServiceRef[] {
  const state = useAsync((signal) => api.get<{ items: ServiceRef[] }>('/api/v1/business-services', undefined, signal).catch(() => ({ items: [] })), []);
  return state.data?.items ?? [];
}

function useServiceNames(): Map<string, string> {
  const services = useServices();
  return new Map(services.map((s) => [s.id, s.name]));
}

export function AnswerValue({
  q,
  answer,
  assessmentId,
  services,
  files,
  onError,
}: {
  q: Question;
  answer: Answer | undefined;
  assessmentId: string;
  services: Map<string, string>;
  files: Map<string, EvidenceFile>;
  onError: (e: unknown) => void;
}) {
  if (!answer) return <span className="muted">not answered</span>;
  const v = answer.value;
  switch (q.type) {
    case 'yesno':
      return <strong>{YESNO[String(v)] ?? String(v)}</strong>;
    case 'multichoice':
      return <>{Array.isArray(v) && v.length ? (v as string[]).join(', ') : 'none'}</>;
    case 'number':
      if (Array.isArray(v)) {
        return (
          <ul className="plain-list">
            {(v as Array<{ serviceId: string; value: number }>).map((s) => (
              <li key={s.serviceId}>
                {services.get(s.serviceId) ?? <span className="mono-wrap">{s.serviceId}</span>}: <strong>{s.value}</strong> {q.unit}
              </li>
            ))}
          </ul>
        );
      }
      return (
        <>
          <strong>{String(v)}</strong> {q.unit}
        </>
      );
    case 'date':
      return <>{formatDate(String(v))}</>;
    case 'text':
      return <p className="answer-text">{String(v)}</p>;
    case 'file': {
      const file = files.get(String(v));
      return (
        <button type="button" className="link-btn evidence-link" onClick={() => download(`/api/v1/assessments/${assessmentId}/files/${String(v)}`, file?.name ?? 'evidence', onError)}>
          {file ? file.name : 'Download evidence file'}
        </button>
      );
    }
    case 'sbom': {
      const s = v as { fileId: string; productId: string };
      const sbomId = typeof answer.meta.sbomId === 'string' ? answer.meta.sbomId : null;
      return (
        <>
          {sbomId ? <Link to={`/sboms/${sbomId}`}>SBOM as ingested</Link> : 'SBOM'} for <Link to={`/products/${s.productId}`}>the product</Link>
          {' · '}
          <button type="button" className="link-btn evidence-link" onClick={() => download(`/api/v1/assessments/${assessmentId}/files/${s.fileId}`, files.get(s.fileId)?.name ?? 'sbom', onError)}>
            {files.get(s.fileId)?.name ?? 'file as uploaded'}
          </button>
        </>
      );
    }
    default:
      return <>{String(v)}</>;
  }
}

/** What counts as compliant, in words, so a reviewer sees the bar the answer is held to. */
function expectation(q: Question): string | null {
  const c = q.compliant;
  if (q.type === 'yesno') return `expected: ${(c?.anyOf ?? ['yes']).map((x) => YESNO[x] ?? x).join(' or ')}`;
  if (!c) return null;
  if (c.anyOf) return `expected: ${c.anyOf.join(q.type === 'multichoice' ? ', ' : ' or ')}`;
  if (c.min !== undefined || c.max !== undefined) return `expected: ${[c.min !== undefined && `at least ${c.min}`, c.max !== undefined && `at most ${c.max}`].filter(Boolean).join(' and ')} ${q.unit ?? ''}`.trim();
  if (c.withinDays !== undefined) return `expected: within the last ${c.withinDays} days`;
  return null;
}

// ---- Entering answers on the vendor's behalf ----

type Draft = Record<string, string | string[]>;

/** A per-service answer's draft is one box per service the vendor delivers, in `services` order. */
function draftOf(q: Question, answer: Answer | undefined, services: readonly ServiceRef[]): string | string[] {
  if (q.perService) {
    const given = new Map(Array.isArray(answer?.value) ? (answer.value as Array<{ serviceId: string; value: number }>).map((e) => [e.serviceId, String(e.value)]) : []);
    return services.map((s) => given.get(s.id) ?? '');
  }
  if (!answer) return q.type === 'multichoice' ? [] : '';
  return Array.isArray(answer.value) && q.type === 'multichoice' ? (answer.value as string[]) : String(answer.value);
}

/** The input for one question; file and SBOM answers come through the vendor portal. */
function AnswerInput({ q, value, onChange, error, services }: { q: Question; value: string | string[]; onChange: (v: string | string[]) => void; error?: string; services: readonly ServiceRef[] }) {
  const label = <span className="sr-only">Answer to {q.id}</span>;
  if (q.type === 'file' || q.type === 'sbom') return <p className="small muted">Answered by the vendor through the portal.</p>;
  if (q.perService) {
    if (!services.length) return <p className="small muted">No business service is linked to this vendor: link one on the Business services page to record this answer.</p>;
    const boxes = value as string[];
    return (
      <fieldset className={`per-service-answer${error ? ' has-error' : ''}`}>
        <legend className="sr-only">Answer to {q.id}, per business service</legend>
        {services.map((s, i) => (
          <Field key={s.id} label={`${s.name}${q.unit ? ` (${q.unit})` : ''}`}>
            {(p) => <input {...p} type="number" step="any" value={boxes[i] ?? ''} onChange={(e) => onChange(services.map((_, j) => (j === i ? e.target.value : (boxes[j] ?? ''))))} />}
          </Field>
        ))}
        {error && <p className="field-error">{error}</p>}
      </fieldset>
    );
  }
  if (q.type === 'multichoice') {
    const picked = value as string[];
    return (
      <fieldset className={`checks${error ? ' has-error' : ''}`}>
        <legend className="sr-only">Answer to {q.id}</legend>
        <div className="checks-row">
          {(q.options ?? []).map((o) => (
            <label key={o} className="check">
              <input type="checkbox" checked={picked.includes(o)} onChange={(e) => onChange(e.target.checked ? [...picked, o] : picked.filter((x) => x !== o))} /> {o}
            </label>
          ))}
        </div>
        {error && <p className="field-error">{error}</p>}
      </fieldset>
    );
  }
  const options = q.type === 'yesno' ? Object.entries(YESNO) : q.type === 'choice' ? (q.options ?? []).map((o) => [o, o] as const) : null;
  if (options) return <SelectField label={label} error={error} value={value as string} onChange={onChange} options={options} placeholder="not answered" />;
  return (
    <Field label={label} error={error}>
      {(p) =>
        q.type === 'text' ? (
          <textarea {...p} rows={2} value={value as string} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input {...p} type={q.type === 'date' ? 'date' : q.type === 'number' ? 'number' : 'text'} step="any" value={value as string} onChange={(e) => onChange(e.target.value)} />
        )
      }
    </Field>
  );
}

function toValue(q: Question, draft: string | string[], services: readonly ServiceRef[]): unknown {
  if (q.perService) {
    const entries = services.flatMap((s, i) => {
      const text = ((draft as string[])[i] ?? '').trim();
      return text ? [{ serviceId: s.id, value: Number(text) }] : [];
    });
    return entries.length ? entries : null;
  }
  if (q.type === 'multichoice') return (draft as string[]).length ? draft : null;
  const text = (draft as string).trim();
  if (!text) return null;
  return q.type === 'number' ? Number(text) : text;
}

// ---- The assessment page ----

export function AssessmentPage({ id }: { id: string }) {
  const { can } = useSession();
  const state = useAsync((signal) => api.get<AssessmentDetail>(`/api/v1/assessments/${id}`, undefined, signal), [id]);
  const a = state.data;
  const template = useAsync(
    (signal) => (a ? api.get<TemplateVersion>(`/api/v1/assessments/templates/${a.templateId}`, { version: a.templateVersion }, signal) : Promise.resolve(undefined)),
    [a?.templateId, a?.templateVersion],
  );
  const [remediationKey, setRemediationKey] = useState(0);
  const remediations = useAsync((signal) => api.get<{ items: Remediation[] }>(`/api/v1/assessments/${id}/remediations`, undefined, signal), [id, remediationKey]);
  const allServices = useServices();
  const services = new Map(allServices.map((s) => [s.id, s.name]));
  const vendorServices = allServices.filter((s) => s.vendors.some((v) => v.id === a?.vendorId));
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Draft>({});
  const [decisions, setDecisions] = useState<Record<string, { verdict: 'accept' | 'reject' | ''; comment: string }>>({});
  const [raising, setRaising] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useDocumentTitle(a ? `${a.vendorName} · ${a.templateName}` : 'Assessment');
  if (!a) return <PageStatus state={state} label="Loading assessment…" crumbs={<Link to="/assessments">Assessments</Link>} />;

  const writable = can('assessments:write');
  const answers = new Map(a.answers.map((x) => [x.questionId, x]));
  const visible = new Set(a.visibleQuestions);
  const files = new Map(a.evidence.map((f) => [f.fileId, f]));
  const errors = questionErrors(error);
  const reviewing = writable && REVIEWABLE.includes(a.status);
  const act = async (fn: () => Promise<AssessmentDetail>) => {
    setBusy(true);
    setError(null);
    try {
      state.setData(await fn());
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const startEditing = () => {
    const initial: Draft = {};
    for (const q of template.data?.sections.flatMap((s) => s.questions) ?? []) initial[q.id] = draftOf(q, answers.get(q.id), vendorServices);
    setDraft(initial);
    setEditing(true);
  };
  const saveAnswers = async () => {
    const changed = (template.data?.sections.flatMap((s) => s.questions) ?? [])
      .filter((q) => q.type !== 'file' && q.type !== 'sbom' && answers.get(q.id)?.state !== 'accepted')
      .map((q) => ({ q, value: toValue(q, draft[q.id] ?? '', vendorServices) }))
      .filter(({ q, value }) => JSON.stringify(value) !== JSON.stringify(answers.get(q.id)?.value ?? null))
      .map(({ q, value }) => ({ questionId: q.id, value }));
    if (!changed.length) {
      setEditing(false);
      return;
    }
    if (await act(() => api.put<AssessmentDetail>(`/api/v1/assessments/${id}/answers`, { answers: changed }))) setEditing(false);
  };
  const chosen = Object.entries(decisions)
    .filter(([, d]) => d.verdict)
    .map(([questionId, d]) => ({ questionId, verdict: d.verdict, ...(d.comment.trim() ? { comment: d.comment.trim() } : {}) }));
  const review = async (close: boolean) => {
    if (await act(() => api.post<AssessmentDetail>(`/api/v1/assessments/${id}/review`, { decisions: chosen, ...(close ? { close: true } : {}) }))) setDecisions({});
  };

  return (
    <div className="page page-wide">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/assessments">Assessments</Link>
      </nav>
      <div className="page-head">
        <h1>
          {a.vendorName} · {a.templateName}
        </h1>
        <div className="actions">
          <AssessmentStatusTag status={a.status} overdue={a.overdue} />
        </div>
      </div>
      <ErrorBanner error={error} />
      {a.status === 'in_progress' && a.answers.some((x) => x.state === 'rejected') && (
        <p className="banner banner-info" role="status">
          Rejected answers went back to the vendor: the assessment waits for them to answer again and resubmit.
        </p>
      )}
      <div className="grid-2">
        <section className="card" aria-labelledby="summary-title">
          <header className="card-head">
            <h2 id="summary-title">Summary</h2>
          </header>
          <dl className="dl">
            <DetailRow label="Vendor">
              <Link to={`/vendors/${a.vendorId}`}>{a.vendorName}</Link>
            </DetailRow>
            <DetailRow label="Template">
              {a.templateName} <span className="tag">version {a.templateVersion}</span>
            </DetailRow>
            <DetailRow label="Progress">
              <Progress p={a.progress} />
            </DetailRow>
            <DetailRow label="Due">
              <span className={a.overdue ? 'due overdue' : 'due'}>{formatDate(a.dueAt)}</span>
            </DetailRow>
            <DetailRow label="Timeline">
              <span className="small">
                created {formatDateTime(a.createdAt)} by {a.createdBy}
                {a.sentAt && <> · sent {formatDateTime(a.sentAt)}</>}
                {a.submittedAt && <> · submitted {formatDateTime(a.submittedAt)}</>}
                {a.closedAt && <> · closed {formatDateTime(a.closedAt)}</>}
                {a.cancelledAt && <> · cancelled {formatDateTime(a.cancelledAt)}</>}
              </span>
            </DetailRow>
            <DetailRow label="Exports">
              <span className="export-links">
                <button type="button" className="link-btn" onClick={() => download(`/api/v1/assessments/${id}/answers.csv`, 'answers.csv', setError)}>
                  Answers (CSV)
                </button>
                <Link to={`/assessments/${id}/report`}>Printable report</Link>
                <button type="button" className="link-btn" onClick={() => download(`/api/v1/assessments/${id}/oscal/assessment-results`, 'assessment-results.json', setError)}>
                  OSCAL assessment results
                </button>
                <button type="button" className="link-btn" onClick={() => download(`/api/v1/assessments/${id}/oscal/poam`, 'poam.json', setError)}>
                  OSCAL POA&amp;M
                </button>
              </span>
            </DetailRow>
          </dl>
          {writable && (
            <div className="form-actions">
              {ANSWERABLE.includes(a.status) && !editing && (
                <button type="button" className="btn" disabled={!template.data} onClick={startEditing}>
                  Enter answers
                </button>
              )}
              {ANSWERABLE.includes(a.status) && (
                <button type="button" className="btn" disabled={busy || editing} onClick={() => void act(() => api.post<AssessmentDetail>(`/api/v1/assessments/${id}/submit`))}>
                  Submit for review
                </button>
              )}
              {OPEN.includes(a.status) && (
                <button
                  type="button"
                  className="btn btn-danger-ghost"
                  disabled={busy}
                  onClick={() => {
                    if (window.confirm('Cancel this assessment? It cannot be reopened.')) void act(() => api.post<AssessmentDetail>(`/api/v1/assessments/${id}/cancel`));
                  }}
                >
                  Cancel assessment
                </button>
              )}
            </div>
          )}
          {writable && ['draft', 'sent', 'in_progress'].includes(a.status) && <SendInvitation assessment={a} onSent={state.reload} />}
        </section>
        <ScoresCard scores={a.scores} />
      </div>

      <ErrorBanner error={template.error} onRetry={template.reload} />
      {!template.data ? (
        !template.error && <Loading label="Loading questions…" />
      ) : (
        template.data.sections.map((section, s) => {
          const questions = section.questions.filter((q) => editing || visible.has(q.id));
          if (!questions.length) return null;
          return (
            <section className="card assessment-section" key={s} aria-labelledby={`section-${s}`}>
              <header className="card-head">
                <h2 id={`section-${s}`}>{section.title}</h2>
                {a.scores?.sections[s] && <span className="tag">score {scoreText(a.scores.sections[s].score)}</span>}
              </header>
              {section.description && <p className="small muted">{section.description}</p>}
              <ol className="questions">
                {questions.map((q) => {
                  const answer = answers.get(q.id);
                  const decision = decisions[q.id] ?? { verdict: '', comment: '' };
                  const setDecision = (d: Partial<typeof decision>) => setDecisions((all) => ({ ...all, [q.id]: { ...decision, ...d } }));
                  return (
                    <li key={q.id} className={`question${answer ? ` answer-${answer.state}` : ''}${visible.has(q.id) ? '' : ' question-hidden'}`} data-testid={`question-${q.id}`}>
                      <div className="question-head">
                        <span className="question-text">
                          {q.text}
                          {q.required && (
                            <span className="req" title="required">
                              {' '}
                              *
                            </span>
                          )}
                        </span>
                        <span className="question-tags">
                          {q.controls.map((c) => (
                            <span className="tag" key={c}>
                              {c}
                            </span>
                          ))}
                        </span>
                      </div>
                      {q.help && <p className="small muted">{q.help}</p>}
                      {!visible.has(q.id) && q.showWhen && <p className="small muted">Asked only when {q.showWhen.questionId} is {q.showWhen.anyOf.join(' or ')}.</p>}
                      {editing && answer?.state !== 'accepted' ? (
                        <AnswerInput q={q} value={draft[q.id] ?? ''} onChange={(v) => setDraft((d) => ({ ...d, [q.id]: v }))} error={errors[q.id]} services={vendorServices} />
                      ) : (
                        <div className="answer" data-testid={`answer-${q.id}`}>
                          <AnswerValue q={q} answer={answer} assessmentId={id} services={services} files={files} onError={setError} />
                          {answer && <span className={`tag answer-state answer-state-${answer.state}`}>{STATE_LABEL[answer.state] ?? answer.state}</span>}
                          {answer && answer.compliance !== 'unanswered' && (
                            <span className={`tag control-${answer.compliance}`} title="Against what the question counts as compliant">
                              {COMPLIANCE_LABEL[answer.compliance] ?? answer.compliance}
                            </span>
                          )}
                          {errors[q.id] && <p className="field-error">{errors[q.id]}</p>}
                        </div>
                      )}
                      <p className="small muted">
                        {[expectation(q), answer && `answered ${formatDateTime(answer.answeredAt)} by ${answer.answeredBy}`, answer?.reviewedAt && `reviewed by ${answer.reviewedBy}`].filter(Boolean).join(' · ')}
                      </p>
                      {answer?.comment && <p className="review-comment">Reviewer: {answer.comment}</p>}
                      {reviewing && answer && (
                        <fieldset className="review-controls">
                          <legend className="sr-only">Verdict on {q.id}</legend>
                          <label className="check">
                            <input type="radio" name={`verdict-${q.id}`} checked={decision.verdict === 'accept'} onChange={() => setDecision({ verdict: 'accept' })} /> Accept
                          </label>
                          <label className="check">
                            <input type="radio" name={`verdict-${q.id}`} checked={decision.verdict === 'reject'} onChange={() => setDecision({ verdict: 'reject' })} /> Reject
                          </label>
                          <input type="text" className="review-comment-input" aria-label={`Comment on ${q.id}`} placeholder="Comment for the vendor" value={decision.comment} onChange={(e) => setDecision({ comment: e.target.value })} />
                        </fieldset>
                      )}
                      {writable && a.status !== 'cancelled' && !editing && (
                        <button type="button" className="link-btn raise-link" onClick={() => setRaising(q.id)}>
                          Raise remediation item
                        </button>
                      )}
                    </li>
                  );
                })}
              </ol>
            </section>
          );
        })
      )}
      {editing && (
        <div className="sticky-actions">
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void saveAnswers()}>
            Save answers
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setEditing(false);
              setError(null);
            }}
          >
            Discard changes
          </button>
        </div>
      )}
      {reviewing && (
        <div className="sticky-actions" data-testid="review-actions">
          <span className="small">{plural(chosen.length, 'verdict')} chosen</span>
          <button
            type="button"
            className="btn btn-small"
            onClick={() =>
              setDecisions((all) => {
                const next = { ...all };
                for (const x of a.answers) if (visible.has(x.questionId) && x.state === 'submitted' && !next[x.questionId]?.verdict) next[x.questionId] = { verdict: 'accept', comment: next[x.questionId]?.comment ?? '' };
                return next;
              })
            }
          >
            Accept the rest
          </button>
          <button type="button" className="btn" disabled={busy || !chosen.length} onClick={() => void review(false)}>
            Record verdicts
          </button>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void review(true)}>
            Close assessment
          </button>
          <span className="small muted">Rejections send the assessment back to the vendor; closing needs a verdict on every answer and computes the scores.</span>
        </div>
      )}
      <RemediationsCard
        items={remediations.data?.items}
        error={remediations.error}
        reload={() => setRemediationKey((k) => k + 1)}
        writable={writable}
        questions={template.data?.sections.flatMap((s) => s.questions) ?? []}
        onRaise={a.status === 'cancelled' ? undefined : () => setRaising('')}
      />
      {raising !== null && (
        <RaiseRemediationDialog
          assessmentId={id}
          questions={template.data?.sections.flatMap((s) => s.questions) ?? []}
          questionId={raising}
          onClose={() => setRaising(null)}
          onSaved={() => {
            setRaising(null);
            setRemediationKey((k) => k + 1);
          }}
        />
      )}
    </div>
  );
}

/** Sending goes through the portal's single-use invitation link (e-mailed when the contact has an address and SMTP is set up). */
function SendInvitation({ assessment: a, onSent }: { assessment: AssessmentDetail; onSent: () => void }) {
  const contacts = useAsync((signal) => api.get<{ items: Array<{ id: string; name: string; email: string | null }> }>(`/api/v1/vendors/${a.vendorId}/contacts`, undefined, signal), [a.vendorId]);
  const [contactId, setContactId] = useState('');
  const [link, setLink] = useState<{ url: string; expiresAt: string; emailedTo?: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const send = async () => {
    setError(null);
    try {
      setLink(await api.post<{ url: string; expiresAt: string; emailedTo?: string | null }>(`/api/v1/assessments/${a.id}/invitations`, contactId ? { contactId } : {}));
      onSent();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <details className="send-invitation" open={a.status === 'draft'}>
        <summary>{a.status === 'draft' ? 'Send to the vendor' : 'Send a new link'}</summary>
        <ErrorBanner error={error} />
        <div className="inline-form">
          <SelectField
            label="Contact"
            value={contactId}
            onChange={setContactId}
            options={(contacts.data?.items ?? []).map((c) => [c.id, `${c.name}${c.email ? ` <${c.email}>` : ' (no e-mail)'}`])}
            placeholder="no contact: copy the link yourself"
          />
          <button type="button" className="btn" onClick={() => void send()}>
            Create invitation link
          </button>
        </div>
      </details>
      {/* Outside the disclosure: sending moves the assessment on, which closes it, and the link is shown once. */}
      {link && (
        <p className="small" data-testid="invitation-link">
          {link.emailedTo ? `E-mailed to ${link.emailedTo}. ` : ''}Single-use link, valid until {formatDateTime(link.expiresAt)}: <code className="mono-wrap">{link.url}</code>
        </p>
      )}
    </>
  );
}

function ScoresCard({ scores }: { scores: Scores | null }) {
  return (
    <section className="card" aria-labelledby="scores-title" data-testid="assessment-scores">
      <header className="card-head">
        <h2 id="scores-title">Scores</h2>
        {scores && <span className="assessment-overall">{scoreText(scores.overall)}</span>}
      </header>
      {!scores ? (
        <Empty>Scores are computed when the assessment is closed.</Empty>
      ) : (
        <>
          <DataTable
            rows={scores.sections}
            rowKey={(s) => s.title}
            columns={[
              { header: 'Section', rowHeader: true, cell: (s) => s.title },
              { header: 'Answered', num: true, cell: (s) => `${s.answered}/${s.total}` },
              { header: 'Score', num: true, cell: (s) => scoreText(s.score) },
            ]}
          />
          <p className="small">
            Controls:{' '}
            {scores.controls.map((c) => (
              <span key={c.label} className={`tag control-${c.status}`} title={c.status}>
                {c.label} · {c.status}
              </span>
            ))}
          </p>
        </>
      )}
    </section>
  );
}

function RemediationsCard({ items, error, reload, writable, questions, onRaise }: { items: Remediation[] | undefined; error: unknown; reload: () => void; writable: boolean; questions: Question[]; onRaise?: () => void }) {
  const [actionError, setActionError] = useState<unknown>(null);
  const text = new Map(questions.map((q) => [q.id, q.text]));
  const setStatus = async (r: Remediation, status: 'open' | 'closed') => {
    setActionError(null);
    try {
      await api.patch(`/api/v1/assessment-remediations/${r.id}`, { status });
      reload();
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <section className="card" aria-labelledby="remediations-title">
      <header className="card-head">
        <h2 id="remediations-title">Remediation items{items ? ` (${items.filter((r) => r.status === 'open').length} open)` : ''}</h2>
        {writable && onRaise && (
          <button type="button" className="btn btn-small" onClick={onRaise}>
            Raise item
          </button>
        )}
      </header>
      <ErrorBanner error={error ?? actionError} onRetry={reload} />
      {items && !items.length && <Empty>No remediation items. Raise one from an answer that falls short.</Empty>}
      {items && items.length > 0 && (
        <DataTable
          rows={items}
          rowKey={(r) => r.id}
          testId="remediations"
          columns={[
            {
              header: 'Item',
              rowHeader: true,
              cell: (r) => (
                <>
                  {r.title}
                  {r.questionId && <div className="small muted">from: {text.get(r.questionId) ?? r.questionId}</div>}
                  {r.description && <div className="small">{r.description}</div>}
                </>
              ),
            },
            { header: 'Due', className: (r) => (r.overdue ? 'due overdue' : 'due'), cell: (r) => formatDate(r.dueAt) },
            { header: 'Status', cell: (r) => (r.status === 'closed' ? `closed ${formatDate(r.closedAt)}` : 'open') },
            writable && {
              header: '',
              cell: (r) => (
                <button type="button" className="btn btn-small" onClick={() => void setStatus(r, r.status === 'open' ? 'closed' : 'open')}>
                  {r.status === 'open' ? 'Close' : 'Reopen'}
                </button>
              ),
            },
          ]}
        />
      )}
    </section>
  );
}

function RaiseRemediationDialog({ assessmentId, questions, questionId, onClose, onSaved }: { assessmentId: string; questions: Question[]; questionId: string; onClose: () => void; onSaved: () => void }) {
  const q = questions.find((x) => x.id === questionId);
  const [form, setForm] = useState({ questionId, title: q ? `Remediate: ${q.text}`.slice(0, 300) : '', description: '', dueAt: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10) });
  const [error, setError] = useState<unknown>(null);
  const errors = fieldErrors(error, ['/title', '/dueAt', '/questionId', '/description']);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.post(`/api/v1/assessments/${assessmentId}/remediations`, {
        title: form.title.trim(),
        ...(form.questionId ? { questionId: form.questionId } : {}),
        ...(form.description.trim() ? { description: form.description.trim() } : {}),
        dueAt: form.dueAt || null,
      });
      onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Dialog title="Raise a remediation item" onClose={onClose} wide>
      <form onSubmit={submit} aria-label="Raise a remediation item">
        <ErrorBanner error={error} />
        <SelectField label="From question" error={errors['/questionId']} value={form.questionId} onChange={(v) => setForm({ ...form, questionId: v })} options={questions.map((x) => [x.id, x.text])} placeholder="the assessment as a whole" />
        <Field label="Title" required error={errors['/title']}>
          {(p) => <input {...p} value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} />}
        </Field>
        <Field label="What the vendor must do" error={errors['/description']}>
          {(p) => <textarea {...p} rows={3} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />}
        </Field>
        <Field label="Due date" error={errors['/dueAt']}>
          {(p) => <input {...p} type="date" value={form.dueAt} onChange={(e) => setForm({ ...form, dueAt: e.target.value })} />}
        </Field>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!form.title.trim()}>
            Raise item
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// ---- The printable report ----

export function AssessmentReportPage({ id }: { id: string }) {
  const state = useAsync((signal) => api.get<AssessmentDetail>(`/api/v1/assessments/${id}`, undefined, signal), [id]);
  const a = state.data;
  const template = useAsync(
    (signal) => (a ? api.get<TemplateVersion>(`/api/v1/assessments/templates/${a.templateId}`, { version: a.templateVersion }, signal) : Promise.resolve(undefined)),
    [a?.templateId, a?.templateVersion],
  );
  const remediations = useAsync((signal) => api.get<{ items: Remediation[] }>(`/api/v1/assessments/${id}/remediations`, undefined, signal), [id]);
  const services = useServiceNames();
  const [error, setError] = useState<unknown>(null);
  useDocumentTitle(a ? `Report · ${a.vendorName} · ${a.templateName}` : 'Assessment report');
  if (!a) return <PageStatus state={state} label="Loading report…" crumbs={<Link to="/assessments">Assessments</Link>} />;
  const answers = new Map(a.answers.map((x) => [x.questionId, x]));
  const visible = new Set(a.visibleQuestions);
  const files = new Map(a.evidence.map((f) => [f.fileId, f]));
  const row = (label: string, value: ReactNode) => (
    <tr>
      <th scope="row">{label}</th>
      <td>{value}</td>
    </tr>
  );
  return (
    <article className="page report" data-testid="assessment-report">
      <nav className="crumbs no-print" aria-label="Breadcrumb">
        <Link to="/assessments">Assessments</Link> / <Link to={`/assessments/${id}`}>{a.vendorName}</Link>
      </nav>
      <div className="page-head">
        <h1>
          Assessment report: {a.vendorName}
        </h1>
        <div className="actions no-print">
          <button type="button" className="btn btn-primary" onClick={() => window.print()}>
            Print
          </button>
        </div>
      </div>
      <ErrorBanner error={error} />
      <table className="report-facts">
        <tbody>
          {row('Template', `${a.templateName}, version ${a.templateVersion}`)}
          {row('Status', statusLabel(a.status))}
          {row('Due', formatDate(a.dueAt))}
          {row('Submitted', formatDateTime(a.submittedAt))}
          {row('Closed', formatDateTime(a.closedAt))}
          {row('Answered', `${a.progress.answered} of ${a.progress.total} questions (${a.progress.requiredAnswered} of ${a.progress.required} required)`)}
          {row('Overall score', scoreText(a.scores?.overall))}
          {row('Printed', formatDateTime(new Date().toISOString()))}
        </tbody>
      </table>
      {a.scores && (
        <section>
          <h2>Scores</h2>
          <ReportTable columns={['Section', 'Answered', 'Score']}>
            {a.scores.sections.map((s) => (
              <tr key={s.title}>
                <td>{s.title}</td>
                <td>
                  {s.answered}/{s.total}
                </td>
                <td>{scoreText(s.score)}</td>
              </tr>
            ))}
          </ReportTable>
          <p>
            Controls:{' '}
            {a.scores.controls.map((c) => (
              <span key={c.label} className={`tag control-${c.status}`}>
                {c.label} · {c.status}
              </span>
            ))}
          </p>
        </section>
      )}
      <ErrorBanner error={template.error} onRetry={template.reload} />
      {template.data?.sections.map((section) => {
        const questions = section.questions.filter((q) => visible.has(q.id));
        if (!questions.length) return null;
        return (
          <section key={section.title} className="report-section">
            <h2>{section.title}</h2>
            <ReportTable columns={['Question', 'Answer', 'Review']}>
              {questions.map((q) => {
                const answer = answers.get(q.id);
                return (
                  <tr key={q.id}>
                    <td>
                      {q.text}
                      {q.required && ' *'}
                      <div className="small muted">{q.controls.join(', ')}</div>
                    </td>
                    <td>
                      <AnswerValue q={q} answer={answer} assessmentId={id} services={services} files={files} onError={setError} />
                      {answer && answer.compliance !== 'unanswered' && <div className="small">{COMPLIANCE_LABEL[answer.compliance] ?? answer.compliance}</div>}
                    </td>
                    <td>
                      {answer ? answer.state : '—'}
                      {answer?.comment && <div className="small">{answer.comment}</div>}
                    </td>
                  </tr>
                );
              })}
            </ReportTable>
          </section>
        );
      })}
      <section>
        <h2>Remediation items</h2>
        {remediations.data && remediations.data.items.length === 0 && <p>None raised.</p>}
        {remediations.data && remediations.data.items.length > 0 && (
          <ReportTable columns={['Item', 'Due', 'Status']}>
            {remediations.data.items.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.title}
                  {r.description && <div className="small">{r.description}</div>}
                </td>
                <td>{formatDate(r.dueAt)}</td>
                <td>{r.status}</td>
              </tr>
            ))}
          </ReportTable>
        )}
      </section>
    </article>
  );
}

/** A table of the printable report: a header row of `columns`, then the rows given. */
function ReportTable({ columns, children }: { columns: string[]; children: ReactNode }) {
  return (
    <table className="report-table">
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
