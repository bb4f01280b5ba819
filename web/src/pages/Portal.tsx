/**
 * The vendor portal at /portal: no account. The page takes the single-use link's token from the
 * address (/portal/#token or ?token=), exchanges it for a portal session kept in sessionStorage,
 * and removes it from the address. A vendor sees only its own assessments: it answers them section
 * by section, uploads evidence, saves drafts, submits, and fixes answers a reviewer rejected.
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, describeError, request } from '../api.js';
import { ErrorBanner, Loading, useAsync } from '../components.js';
import { formatDate } from '../format.js';
import { Link, match, useLocation } from '../router.js';
import { PortalIncidentForm, PortalIncidentList, PortalIncidentPage, type PortalProduct } from './PortalIncidents.js';

const SESSION_KEY = 'thirdwatch.portal';

interface PortalSession {
  vendorId: string;
  vendorName: string;
  expiresAt: string | null;
  products: PortalProduct[];
}

interface Question {
  id: string;
  text: string;
  help?: string;
  type: 'yesno' | 'choice' | 'multichoice' | 'number' | 'date' | 'text' | 'file' | 'sbom';
  required: boolean;
  options?: string[];
  unit?: string;
  perService?: boolean;
  showWhen?: { questionId: string; anyOf: string[] };
}

interface PortalFile {
  id: string;
  name: string;
  mediaType: string;
  sizeBytes: number;
}

interface Summary {
  id: string;
  templateName: string;
  status: string;
  dueAt: string | null;
  submittedAt: string | null;
  progress: { answered: number; required: number; requiredAnswered: number };
}

interface Assessment extends Summary {
  vendorName: string;
  sections: Array<{ title: string; description?: string; questions: Question[] }>;
  answers: Array<{ questionId: string; value: unknown; state: 'draft' | 'submitted' | 'accepted' | 'rejected'; comment: string | null }>;
  files: PortalFile[];
  products: Array<{ id: string; name: string }>;
  services: Array<{ id: string; name: string }>;
}

const STATUS_LABEL: Record<string, string> = {
  sent: 'Not started',
  in_progress: 'In progress',
  submitted: 'Submitted',
  in_review: 'In review',
  closed: 'Closed',
};

const YESNO: Array<[string, string]> = [
  ['yes', 'Yes'],
  ['no', 'No'],
  ['partial', 'Partly'],
  ['na', 'Not applicable'],
];

type Gate = { kind: 'starting' } | { kind: 'ready'; token: string; session: PortalSession } | { kind: 'closed'; title: string; detail: string } | { kind: 'failed'; error: unknown };

/** The link token in the address, if any: /portal/#twl_... or /portal?token=twl_... */
function linkTokenInAddress(): string | null {
  const hash = window.location.hash.replace(/^#/, '');
  if (hash) return decodeURIComponent(hash);
  return new URLSearchParams(window.location.search).get('token');
}

function storedToken(): string | null {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

export function PortalApp() {
  const [gate, setGate] = useState<Gate>({ kind: 'starting' });

  const start = useCallback(async () => {
    setGate({ kind: 'starting' });
    const link = linkTokenInAddress();
    let token = storedToken();
    if (link) {
      // The secret leaves the address bar (and the history) before anything else happens.
      window.history.replaceState(null, '', '/portal');
      try {
        const opened = await request<{ token: string }>('POST', '/api/v1/portal/sessions', { json: { token: link } });
        token = opened.token;
        sessionStorage.setItem(SESSION_KEY, token);
      } catch (error) {
        // A used link in a browser that already holds a session for it is just a reload.
        if (!(token && error instanceof ApiError && error.status === 410)) {
          setGate(linkProblem(error));
          return;
        }
      }
    }
    if (!token) {
      setGate({ kind: 'closed', title: 'Open the link from your e-mail', detail: 'This portal has no accounts: it opens with the personal link in the e-mail you received. If you cannot find it, ask your contact for a new one.' });
      return;
    }
    try {
      const session = await request<PortalSession>('GET', '/api/v1/portal/session', { bearer: token });
      setGate({ kind: 'ready', token, session });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        sessionStorage.removeItem(SESSION_KEY);
        setGate({ kind: 'closed', title: 'Your session has ended', detail: 'Portal sessions last a few hours. Ask your contact for a new link to continue; your saved answers are kept.' });
      } else setGate({ kind: 'failed', error });
    }
  }, []);

  useEffect(() => {
    void start();
  }, [start]);

  return (
    <div className="portal">
      <header className="portal-bar">
        <span className="brand-name">Thirdwatch</span>
        <span className="portal-title">Vendor portal{gate.kind === 'ready' ? ` · ${gate.session.vendorName}` : ''}</span>
      </header>
      <main id="main" className="portal-main" tabIndex={-1}>
        {gate.kind === 'starting' && <Loading label="Opening the portal…" />}
        {gate.kind === 'failed' && <ErrorBanner error={gate.error} onRetry={() => void start()} />}
        {gate.kind === 'closed' && (
          <section className="card portal-closed" data-testid="portal-closed">
            <h1>{gate.title}</h1>
            <p>{gate.detail}</p>
          </section>
        )}
        {gate.kind === 'ready' && <PortalRoutes token={gate.token} session={gate.session} />}
      </main>
    </div>
  );
}

function linkProblem(error: unknown): Gate {
  if (error instanceof ApiError && error.problem.type.endsWith('/link-used')) {
    return { kind: 'closed', title: 'This link has already been used', detail: 'Each link opens the portal once, in one browser. Ask your contact for a new link; the answers you saved are kept.' };
  }
  if (error instanceof ApiError && error.problem.type.endsWith('/link-expired')) {
    return { kind: 'closed', title: 'This link has expired', detail: 'Ask your contact for a new link; the answers you saved are kept.' };
  }
  if (error instanceof ApiError && (error.status === 401 || error.status === 400)) {
    return { kind: 'closed', title: 'This link is not valid', detail: 'Check that the whole link was copied from the e-mail, or ask your contact for a new one.' };
  }
  return { kind: 'failed', error };
}

function PortalRoutes({ token, session }: { token: string; session: PortalSession }) {
  const location = useLocation();
  const incidents = location.path.startsWith('/portal/incidents');
  return (
    <>
      <nav className="subnav portal-incident-nav" aria-label="Portal">
        <Link to="/portal" aria-current={incidents ? undefined : 'page'}>
          Assessments
        </Link>
        <Link to="/portal/incidents" aria-current={incidents ? 'page' : undefined}>
          Incidents
        </Link>
      </nav>
      <PortalPage token={token} session={session} path={location.path} />
    </>
  );
}

function PortalPage({ token, session, path }: { token: string; session: PortalSession; path: string }) {
  if (path === '/portal/incidents') return <PortalIncidentList token={token} />;
  if (path === '/portal/incidents/new') return <PortalIncidentForm token={token} products={session.products} />;
  let params = match('/portal/incidents/:id', path);
  if (params) return <PortalIncidentPage token={token} id={params.id} key={params.id} />;
  params = match('/portal/assessments/:id', path);
  if (params) return <AssessmentForm token={token} id={params.id} key={params.id} />;
  return <AssessmentList token={token} session={session} />;
}

function AssessmentList({ token, session }: { token: string; session: PortalSession }) {
  const list = useAsync((signal) => request<{ items: Summary[] }>('GET', '/api/v1/portal/assessments', { bearer: token, signal }), [token]);
  return (
    <>
      <h1>Assessments for {session.vendorName}</h1>
      {session.expiresAt && <p className="muted small">This session ends {formatDate(session.expiresAt)}.</p>}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <p className="empty">Nothing to answer at the moment.</p>}
      <ul className="portal-list">
        {list.data?.items.map((a) => (
          <li key={a.id} className="card">
            <Link to={`/portal/assessments/${a.id}`} className="portal-list-title">
              {a.templateName}
            </Link>
            <span className="tag">{STATUS_LABEL[a.status] ?? a.status}</span>
            <p className="small muted">
              {a.dueAt ? `Due ${formatDate(a.dueAt)} · ` : ''}
              {a.progress.requiredAnswered} of {a.progress.required} required answers
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}

/** Whether an answer value matches one of the showWhen values (a multichoice answer: any of its options). */
function matches(value: unknown, anyOf: string[]): boolean {
  if (Array.isArray(value)) return value.some((v) => anyOf.includes(String(v)));
  return value !== undefined && value !== null && anyOf.includes(String(value));
}

/** The questions shown for these answers: a conditional one appears when its condition's question is shown and matches. */
function visibleIds(sections: Assessment['sections'], answers: ReadonlyMap<string, unknown>): Set<string> {
  const all = new Map(sections.flatMap((s) => s.questions.map((q) => [q.id, q] as const)));
  const memo = new Map<string, boolean>();
  const visible = (q: Question, depth = 0): boolean => {
    if (memo.has(q.id)) return memo.get(q.id)!;
    let shown = true;
    if (q.showWhen) {
      const parent = all.get(q.showWhen.questionId);
      shown = depth < 50 && !!parent && visible(parent, depth + 1) && matches(answers.get(parent.id), q.showWhen.anyOf);
    }
    memo.set(q.id, shown);
    return shown;
  };
  return new Set([...all.values()].filter((q) => visible(q)).map((q) => q.id));
}

const isAnswered = (value: unknown) => value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);

function AssessmentForm({ token, id }: { token: string; id: string }) {
  const loaded = useAsync((signal) => request<Assessment>('GET', `/api/v1/portal/assessments/${id}`, { bearer: token, signal }), [token, id]);
  const [values, setValues] = useState<Map<string, unknown>>(new Map());
  const [dirty, setDirty] = useState<Set<string>>(new Set());
  const [files, setFiles] = useState<Map<string, PortalFile>>(new Map());
  const [busy, setBusy] = useState<'saving' | 'submitting' | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string; problems?: Map<string, string> } | null>(null);

  const assessment = loaded.data;
  useEffect(() => {
    if (!assessment) return;
    setValues(new Map(assessment.answers.map((a) => [a.questionId, a.value])));
    setFiles(new Map(assessment.files.map((f) => [f.id, f])));
    setDirty(new Set());
  }, [assessment]);

  const answers = useMemo(() => new Map((assessment?.answers ?? []).map((a) => [a.questionId, a])), [assessment]);
  const shown = useMemo(() => visibleIds(assessment?.sections ?? [], values), [assessment, values]);
  const rejected = (assessment?.answers ?? []).filter((a) => a.state === 'rejected').length;
  const editable = !!assessment && ['sent', 'in_progress'].includes(assessment.status);

  if (!assessment) {
    return loaded.error ? <ErrorBanner error={loaded.error} onRetry={loaded.reload} /> : <Loading />;
  }

  const set = (questionId: string, value: unknown) => {
    setValues((v) => new Map(v).set(questionId, value));
    setDirty((d) => new Set(d).add(questionId));
    setMessage(null);
  };

  const save = async (): Promise<boolean> => {
    const batch = [...dirty].filter((q) => shown.has(q) && isAnswered(values.get(q))).map((questionId) => ({ questionId, value: values.get(questionId) }));
    if (!batch.length) return true;
    try {
      loaded.setData(await request<Assessment>('PUT', `/api/v1/portal/assessments/${id}/answers`, { json: { answers: batch }, bearer: token }));
      return true;
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error), problems: problemsByQuestion(error, batch) });
      return false;
    }
  };

  const onSave = async () => {
    setBusy('saving');
    if (await save()) setMessage({ kind: 'ok', text: 'Draft saved.' });
    setBusy(null);
  };

  const onSubmit = async () => {
    setBusy('submitting');
    if (await save()) {
      try {
        loaded.setData(await request<Assessment>('POST', `/api/v1/portal/assessments/${id}/submit`, { bearer: token }));
        setMessage({ kind: 'ok', text: 'Submitted. Thank you: the reviewers will be in touch if anything needs more.' });
      } catch (error) {
        setMessage({ kind: 'error', text: describeError(error), problems: problemsByQuestion(error, []) });
      }
    }
    setBusy(null);
  };

  const uploaded = (file: PortalFile) => setFiles((f) => new Map(f).set(file.id, file));

  return (
    <article className="portal-assessment">
      <p className="crumbs">
        <Link to="/portal">All assessments</Link>
      </p>
      <h1>{assessment.templateName}</h1>
      <p className="small muted" data-testid="portal-status">
        {STATUS_LABEL[assessment.status] ?? assessment.status}
        {assessment.dueAt ? ` · due ${formatDate(assessment.dueAt)}` : ''} · {assessment.progress.requiredAnswered} of {assessment.progress.required} required answers
      </p>
      {rejected > 0 && (
        <div className="banner banner-error" role="status">
          {rejected === 1 ? 'A reviewer asks you to change one answer' : `Reviewers ask you to change ${rejected} answers`}: see the comments below, then submit again.
        </div>
      )}
      {!editable && <div className="banner banner-info">These answers are with the reviewers; nothing to do here for now.</div>}
      {assessment.sections.map((section) => {
        const questions = section.questions.filter((q) => shown.has(q.id));
        if (!questions.length) return null;
        return (
          <section key={section.title} className="card portal-section">
            <h2>{section.title}</h2>
            {section.description && <p className="muted">{section.description}</p>}
            {questions.map((q) => (
              <QuestionRow
                key={q.id}
                question={q}
                value={values.get(q.id)}
                answer={answers.get(q.id)}
                problem={message?.problems?.get(q.id)}
                // Accepted answers are settled: reviewers lock them.
                disabled={!editable || busy !== null || answers.get(q.id)?.state === 'accepted'}
                onChange={(v) => set(q.id, v)}
                token={token}
                files={files}
                onUploaded={uploaded}
                assessment={assessment}
              />
            ))}
          </section>
        );
      })}
      {message && (
        <div className={`banner ${message.kind === 'ok' ? 'banner-ok' : 'banner-error'}`} role={message.kind === 'ok' ? 'status' : 'alert'} data-testid="portal-message">
          {message.text}
        </div>
      )}
      {editable && (
        <div className="portal-actions">
          <button type="button" className="btn" onClick={() => void onSave()} disabled={busy !== null}>
            {busy === 'saving' ? 'Saving…' : 'Save draft'}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void onSubmit()} disabled={busy !== null}>
            {busy === 'submitting' ? 'Submitting…' : 'Submit for review'}
          </button>
        </div>
      )}
    </article>
  );
}

/** Messages per question from a refused save or submit: fields name a question id or /answers/N/value. */
function problemsByQuestion(error: unknown, batch: Array<{ questionId: string }>): Map<string, string> {
  const out = new Map<string, string>();
  if (!(error instanceof ApiError)) return out;
  for (const p of error.fieldProblems) {
    const index = /^\/answers\/(\d+)/.exec(p.field)?.[1];
    const questionId = index !== undefined ? batch[Number(index)]?.questionId : p.field.replace(/^\/?(answers\/|questions\/)?/, '');
    if (questionId) out.set(questionId, p.reason);
  }
  return out;
}

function QuestionRow({
  question: q,
  value,
  answer,
  problem,
  disabled,
  onChange,
  token,
  files,
  onUploaded,
  assessment,
}: {
  question: Question;
  value: unknown;
  answer: Assessment['answers'][number] | undefined;
  problem: string | undefined;
  disabled: boolean;
  onChange: (value: unknown) => void;
  token: string;
  files: Map<string, PortalFile>;
  onUploaded: (file: PortalFile) => void;
  assessment: Assessment;
}) {
  const inputId = `q-${q.id}`;
  return (
    <div className={`portal-question${problem ? ' has-error' : ''}${answer?.state === 'rejected' ? ' is-rejected' : ''}`} data-question={q.id}>
      <fieldset disabled={disabled}>
        <legend>
          {q.text}
          {q.required && (
            <span className="req" aria-label="required">
              {' '}
              *
            </span>
          )}
        </legend>
        {q.help && <p className="hint">{q.help}</p>}
        {answer?.state === 'rejected' && (
          <p className="portal-rejected" role="note">
            <strong>Reviewer:</strong> {answer.comment || 'please revise this answer.'}
          </p>
        )}
        <AnswerInput question={q} id={inputId} value={value} onChange={onChange} token={token} files={files} onUploaded={onUploaded} assessment={assessment} />
        {problem && <p className="field-error">{problem}</p>}
      </fieldset>
    </div>
  );
}

function AnswerInput({
  question: q,
  id,
  value,
  onChange,
  token,
  files,
  onUploaded,
  assessment,
}: {
  question: Question;
  id: string;
  value: unknown;
  onChange: (value: unknown) => void;
  token: string;
  files: Map<string, PortalFile>;
  onUploaded: (file: PortalFile) => void;
  assessment: Assessment;
}): ReactNode {
  switch (q.type) {
    case 'yesno':
    case 'choice': {
      const options = q.type === 'yesno' ? YESNO : (q.options ?? []).map((o) => [o, o] as [string, string]);
      return (
        <div className="portal-options">
          {options.map(([v, label]) => (
            <label key={v} className="check">
              <input type="radio" name={id} value={v} checked={value === v} onChange={() => onChange(v)} /> {label}
            </label>
          ))}
        </div>
      );
    }
    case 'multichoice': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <div className="portal-options">
          {(q.options ?? []).map((o) => (
            <label key={o} className="check">
              <input type="checkbox" checked={chosen.includes(o)} onChange={(e) => onChange(e.target.checked ? [...chosen, o] : chosen.filter((c) => c !== o))} /> {o}
            </label>
          ))}
        </div>
      );
    }
    case 'number': {
      if (q.perService) {
        const entries = Array.isArray(value) ? (value as Array<{ serviceId: string; value: number }>) : [];
        if (!assessment.services.length) return <p className="muted small">No services of ours are linked to you yet: leave this for now.</p>;
        const setOne = (serviceId: string, raw: string) => {
          const rest = entries.filter((e) => e.serviceId !== serviceId);
          onChange(raw === '' ? rest : [...rest, { serviceId, value: Number(raw) }]);
        };
        return (
          <div className="portal-services">
            {assessment.services.map((s) => (
              <label key={s.id} className="portal-service">
                <span>{s.name}</span>
                <span className="portal-number">
                  <input type="number" inputMode="decimal" min={0} step="any" value={entries.find((e) => e.serviceId === s.id)?.value ?? ''} onChange={(e) => setOne(s.id, e.target.value)} />
                  {q.unit && <span className="muted">{q.unit}</span>}
                </span>
              </label>
            ))}
          </div>
        );
      }
      return (
        <span className="portal-number">
          <input id={id} type="number" inputMode="decimal" step="any" aria-label={q.text} value={typeof value === 'number' ? value : ''} onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))} />
          {q.unit && <span className="muted">{q.unit}</span>}
        </span>
      );
    }
    case 'date':
      return <input id={id} type="date" aria-label={q.text} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value || null)} />;
    case 'text':
      return <textarea id={id} aria-label={q.text} rows={3} maxLength={10000} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} />;
    case 'file':
      return <FileInput label={q.text} token={token} fileId={typeof value === 'string' ? value : null} files={files} onUploaded={(f) => { onUploaded(f); onChange(f.id); }} />;
    case 'sbom': {
      const sbom = (value && typeof value === 'object' ? value : {}) as { fileId?: string; productId?: string };
      return (
        <div className="portal-sbom">
          <label>
            <span>Product</span>
            <select value={sbom.productId ?? ''} onChange={(e) => onChange({ ...sbom, productId: e.target.value })}>
              <option value="">Choose the product…</option>
              {assessment.products.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <FileInput label={`SBOM for ${q.text}`} token={token} fileId={sbom.fileId ?? null} files={files} onUploaded={(f) => { onUploaded(f); onChange({ ...sbom, fileId: f.id }); }} accept=".json,.xml,.spdx,.cdx" />
        </div>
      );
    }
  }
}

function FileInput({ label, token, fileId, files, onUploaded, accept }: { label: string; token: string; fileId: string | null; files: Map<string, PortalFile>; onUploaded: (file: PortalFile) => void; accept?: string }) {
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  const current = fileId ? files.get(fileId) : undefined;
  const upload = async (file: File | undefined) => {
    if (!file) return;
    setState({ busy: true, error: null });
    try {
      const stored = await request<PortalFile>('POST', '/api/v1/portal/files', { query: { name: file.name }, body: file, contentType: file.type || 'application/octet-stream', bearer: token });
      onUploaded(stored);
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const download = async () => {
    if (!current) return;
    const res = await fetch(`/api/v1/portal/files/${current.id}`, { headers: { authorization: `Bearer ${token}` } });
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = current.name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <div className="portal-file">
      {current && (
        <p className="small">
          <button type="button" className="link-btn" onClick={() => void download()}>
            {current.name}
          </button>{' '}
          <span className="muted">({Math.max(1, Math.round(current.sizeBytes / 1024))} KB)</span>
        </p>
      )}
      {!current && fileId && <p className="small muted">File uploaded.</p>}
      <input type="file" aria-label={label} accept={accept} onChange={(e) => void upload(e.target.files?.[0])} />
      {state.busy && <Loading label="Uploading…" />}
      {state.error ? <p className="field-error">{describeError(state.error)}</p> : null}
    </div>
  );
}
