import { useState, type FormEvent, type ReactNode } from 'react';
import { api, describeError } from '../../api.js';
import { DetailRow, Empty, ErrorBanner, Field, PageStatus, SelectField, useAsync, useDocumentTitle } from '../../components.js';
import { formatDateTime, plural } from '../../format.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { SeverityTag } from '../../severity.js';
import {
  LINK_KINDS,
  OPEN_STATUSES,
  PARTICIPANT_ROLES,
  SEVERITIES,
  STATUS_ORDER,
  TEAM_LABEL,
  TEAMS,
  type Clock,
  type FormField,
  type IncidentDetail,
  type Task,
  type Team,
} from '../../incidentTypes.js';
import { Countdown, useNow } from './clocks.js';
import { IncidentsNav } from './IncidentsNav.js';

const LINK_TARGET: Record<string, (id: string) => string | null> = {
  risk: (id) => `/risks/${id}`,
  finding: (id) => `/findings/${id}`,
  indicator: (id) => `/indicators/${id}`,
  assessment: (id) => `/assessments/${id}`,
  sighting: () => null,
};

/** One action at a time per page: its pending state and error, and a reload of the incident after it. */
function useAction(after: () => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async (name: string, action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(name);
    setError(null);
    try {
      await action();
      after();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(null);
    }
  };
  return { busy, error, run };
}

export function IncidentPage({ id }: { id: string }) {
  const incident = useAsync((signal) => api.get<IncidentDetail>(`/api/v1/incidents/${id}`, undefined, signal), [id]);
  const clocks = useAsync((signal) => api.get<{ items: Clock[] }>(`/api/v1/incidents/${id}/clocks`, undefined, signal), [id]);
  const reload = () => {
    incident.reload();
    clocks.reload();
  };
  const action = useAction(reload);
  const { can } = useSession();
  const writer = can('incidents:write');
  const i = incident.data;
  useDocumentTitle(i ? `Incident: ${i.title}` : 'Incident');
  if (!i) return <PageStatus state={incident} crumbs={<Link to="/incidents">Incidents</Link>} label="Loading the incident…" />;
  const terminal = !OPEN_STATUSES.includes(i.status);
  const nextStatuses = terminal ? [] : STATUS_ORDER.slice(STATUS_ORDER.indexOf(i.status as (typeof STATUS_ORDER)[number]) + 1);

  return (
    <div className="page page-wide">
      <p className="crumbs">
        <Link to="/incidents">Incidents</Link> › {i.id.slice(0, 8)}
      </p>
      <div className="page-head">
        <div>
          <h1>{i.title}</h1>
          <p className="incident-head-meta">
            <SeverityTag severity={i.severity} /> <span className={`incident-status incident-status-${i.status}`} data-testid="incident-status">{i.status}</span>
            <span className="muted small">
              {i.source} · detected {formatDateTime(i.detectedAt)}
              {i.drillId && <> · drill</>}
            </span>
          </p>
        </div>
        {writer && (
          <div className="actions" aria-label="Change status">
            {nextStatuses.map((s) => (
              <button key={s} type="button" className={s === nextStatuses[0] ? 'btn btn-primary' : 'btn'} disabled={action.busy !== null} onClick={() => void action.run(s, () => api.post(`/api/v1/incidents/${i.id}/status`, { status: s }))}>
                {s === 'acknowledged' ? 'Acknowledge' : `Mark ${s}`}
              </button>
            ))}
            {!terminal && (
              <button type="button" className="btn btn-danger-ghost" disabled={action.busy !== null} onClick={() => void action.run('fp', () => api.post(`/api/v1/incidents/${i.id}/status`, { status: 'false-positive' }))}>
                False positive
              </button>
            )}
            {terminal && (
              <button type="button" className="btn" disabled={action.busy !== null} onClick={() => void action.run('reopen', () => api.post(`/api/v1/incidents/${i.id}/status`, { status: 'acknowledged', note: 'Reopened' }))}>
                Reopen
              </button>
            )}
          </div>
        )}
      </div>
      <IncidentsNav />
      <ErrorBanner error={action.error} />
      <ErrorBanner error={incident.error} onRetry={incident.reload} />
      <div className="incident-layout">
        <div className="stack">
          <SummaryCard incident={i} writer={writer} onChanged={reload} />
          <ClocksCard clocks={clocks.data?.items} error={clocks.error} onRetry={clocks.reload} incidentId={i.id} writer={writer} onChanged={reload} />
          <TasksCard incident={i} writer={writer} onChanged={reload} />
          <TimelineCard incident={i} writer={writer} onChanged={reload} />
        </div>
        <div className="stack">
          <ParticipantsCard incident={i} writer={writer} onChanged={reload} />
          <EvidenceCard incident={i} writer={writer} onChanged={reload} />
          <LinksCard incident={i} writer={writer} onChanged={reload} />
        </div>
      </div>
    </div>
  );
}

function Card({ title, id, children, actions }: { title: string; id: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid={id}>
      <header className="card-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

interface CardProps {
  incident: IncidentDetail;
  writer: boolean;
  onChanged: () => void;
}

function SummaryCard({ incident: i, writer, onChanged }: CardProps) {
  const action = useAction(onChanged);
  return (
    <Card title="Summary and impact" id="incident-summary">
      {i.summary ? <p className="incident-summary-text">{i.summary}</p> : <p className="muted">No summary.</p>}
      <dl className="dl">
        <DetailRow label="Vendors">{i.vendors.length ? i.vendors.map((v) => <Link key={v.id} to={`/vendors/${v.id}`}>{v.name} </Link>) : '—'}</DetailRow>
        <DetailRow label="Products">{i.products.length ? i.products.map((p) => <Link key={p.id} to={`/products/${p.id}`}>{p.name} </Link>) : '—'}</DetailRow>
        <DetailRow label="Data affected">{i.impact.dataCategories.join(', ') || '—'}</DetailRow>
        <DetailRow label="Systems">{i.impact.systems.join(', ') || '—'}</DetailRow>
        <DetailRow label="Records">{i.impact.records ?? 'unknown'}</DetailRow>
        {i.reportedBy && <DetailRow label="Reported by">{[i.reportedBy.name, i.reportedBy.email, i.reportedBy.phone].filter(Boolean).join(' · ')}</DetailRow>}
        <DetailRow label="Severity">
          {writer ? (
            <select aria-label="Severity" value={i.severity} disabled={action.busy !== null} onChange={(e) => void action.run('severity', () => api.patch(`/api/v1/incidents/${i.id}`, { severity: e.target.value }))}>
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          ) : (
            <SeverityTag severity={i.severity} />
          )}
        </DetailRow>
      </dl>
      <ErrorBanner error={action.error} />
    </Card>
  );
}

const STATE_LABEL: Record<string, string> = { met: 'met', late: 'late', completed: 'filed', withdrawn: 'withdrawn', 'false-positive': 'false positive', running: 'running', overdue: 'overdue' };

function ClocksCard({ clocks, error, onRetry, incidentId, writer, onChanged }: { clocks: Clock[] | undefined; error: unknown; onRetry: () => void; incidentId: string; writer: boolean; onChanged: () => void }) {
  const now = useNow();
  const [filing, setFiling] = useState<string | null>(null);
  return (
    <Card title="Clocks" id="incident-clocks">
      <ErrorBanner error={error} onRetry={onRetry} />
      {clocks && clocks.length === 0 && <Empty>No clocks run for this incident.</Empty>}
      {clocks && clocks.length > 0 && (
        <ul className="incident-clock-list">
          {clocks.map((c) => (
            <li key={c.kind} className={`incident-clock incident-clock-${c.state}`} data-kind={c.kind}>
              <div className="incident-clock-row">
                <strong>{c.label}</strong>
                {c.stoppedAt === null ? (
                  <Countdown clock={c} now={now} short />
                ) : (
                  <span className={`incident-clock-state incident-clock-state-${c.state}`}>
                    {STATE_LABEL[c.state] ?? c.state} {formatDateTime(c.stoppedAt)}
                  </span>
                )}
                {writer && c.regulatory && c.stoppedAt === null && (
                  <button type="button" className="btn btn-small" onClick={() => setFiling(filing === c.kind ? null : c.kind)} aria-expanded={filing === c.kind}>
                    Report filed…
                  </button>
                )}
              </div>
              <div className="small muted">
                due {formatDateTime(c.dueAt)} · {c.basis}
                {c.reference && <> · reference {c.reference}</>}
                {c.breachedAt && <> · breached {formatDateTime(c.breachedAt)}{c.escalatedAt ? ', escalated' : ''}</>}
              </div>
              {filing === c.kind && (
                <CompleteClockForm
                  incidentId={incidentId}
                  kind={c.kind}
                  onDone={() => {
                    setFiling(null);
                    onChanged();
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function CompleteClockForm({ incidentId, kind, onDone }: { incidentId: string; kind: string; onDone: () => void }) {
  const [reference, setReference] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/v1/incidents/${incidentId}/clocks/${kind}/complete`, { reference, note: note || undefined });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="incident-inline-form" onSubmit={(e) => void submit(e)} aria-label="Report filed">
      <Field label="Authority's reference" required>
        {(p) => <input {...p} value={reference} onChange={(e) => setReference(e.target.value)} />}
      </Field>
      <Field label="Note">{(p) => <input {...p} value={note} onChange={(e) => setNote(e.target.value)} />}</Field>
      <button type="submit" className="btn btn-primary btn-small" disabled={busy || !reference.trim()}>
        Stop the clock
      </button>
      <ErrorBanner error={error} />
    </form>
  );
}

function TasksCard({ incident: i, writer, onChanged }: CardProps) {
  const [adding, setAdding] = useState(false);
  const teams = TEAMS.filter((t) => i.tasks.some((task) => task.team === t));
  const open = i.tasks.filter((t) => t.status === 'open').length;
  return (
    <Card
      title="Tasks"
      id="incident-tasks"
      actions={
        writer && (
          <button type="button" className="btn btn-small" onClick={() => setAdding(!adding)} aria-expanded={adding}>
            Add task
          </button>
        )
      }
    >
      {adding && (
        <AddTaskForm
          incidentId={i.id}
          onDone={() => {
            setAdding(false);
            onChanged();
          }}
        />
      )}
      {i.tasks.length === 0 ? (
        <Empty>No tasks yet.</Empty>
      ) : (
        <p className="small muted">
          {plural(open, 'open task')} of {i.tasks.length}
        </p>
      )}
      {teams.map((team) => (
        <div key={team} className="incident-team" data-team={team}>
          <h3>{TEAM_LABEL[team]}</h3>
          <ul className="incident-task-list">
            {i.tasks
              .filter((t) => t.team === team)
              .map((t) => (
                <TaskItem key={t.id} task={t} writer={writer} onChanged={onChanged} />
              ))}
          </ul>
        </div>
      ))}
    </Card>
  );
}

function TaskItem({ task: t, writer, onChanged }: { task: Task; writer: boolean; onChanged: () => void }) {
  const [answering, setAnswering] = useState(false);
  const action = useAction(onChanged);
  const complete = (answer?: Record<string, unknown>) => action.run('complete', () => api.post(`/api/v1/incidents/${t.incidentId}/tasks/${t.id}/complete`, answer ? { answer } : {}));
  return (
    <li className={`incident-task incident-task-${t.status}`} data-testid="incident-task">
      <div className="incident-task-row">
        <span className="incident-task-title">{t.title}</span>
        <span className={`small ${t.overdue ? 'incident-overdue' : 'muted'}`}>
          {t.owner ?? 'unassigned'}
          {t.dueAt && <> · due {formatDateTime(t.dueAt)}</>}
          {t.status !== 'open' && <> · {t.status}{t.completedBy ? ` by ${t.completedBy}` : ''}{t.completedAt ? ` ${formatDateTime(t.completedAt)}` : ''}</>}
        </span>
        {writer && t.status === 'open' && (
          <span className="actions">
            {t.form ? (
              <button type="button" className="btn btn-small btn-primary" onClick={() => setAnswering(!answering)} aria-expanded={answering}>
                Answer…
              </button>
            ) : (
              <button type="button" className="btn btn-small btn-primary" disabled={action.busy !== null} onClick={() => void complete()}>
                Done
              </button>
            )}
            <button type="button" className="btn btn-small btn-ghost" disabled={action.busy !== null} onClick={() => void action.run('skip', () => api.patch(`/api/v1/incidents/${t.incidentId}/tasks/${t.id}`, { status: 'skipped' }))}>
              Skip
            </button>
          </span>
        )}
      </div>
      {t.answer && (
        <dl className="incident-answer small">
          {Object.entries(t.answer).map(([k, v]) => (
            <div key={k}>
              <dt>{t.form?.fields.find((f) => f.id === k)?.label ?? k}</dt>
              <dd>{String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {answering && t.form && (
        <TaskAnswerForm
          fields={t.form.fields}
          busy={action.busy !== null}
          onSubmit={async (answer) => {
            if (await complete(answer)) setAnswering(false);
          }}
        />
      )}
      <ErrorBanner error={action.error} />
    </li>
  );
}

function TaskAnswerForm({ fields, busy, onSubmit }: { fields: FormField[]; busy: boolean; onSubmit: (answer: Record<string, unknown>) => Promise<void> }) {
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const set = (id: string, value: string | boolean) => setValues((v) => ({ ...v, [id]: value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const answer: Record<string, unknown> = {};
    for (const f of fields) {
      const v = values[f.id];
      if (f.type === 'boolean') answer[f.id] = v === true;
      else if (v === undefined || v === '') continue;
      else answer[f.id] = f.type === 'number' ? Number(v) : v;
    }
    void onSubmit(answer);
  };
  return (
    <form className="incident-inline-form" onSubmit={submit} aria-label="Answer the task">
      {fields.map((f) =>
        f.type === 'boolean' ? (
          <label key={f.id} className="check">
            <input type="checkbox" checked={values[f.id] === true} onChange={(e) => set(f.id, e.target.checked)} /> {f.label}
          </label>
        ) : f.type === 'choice' ? (
          <SelectField key={f.id} label={f.label} value={String(values[f.id] ?? '')} onChange={(v) => set(f.id, v)} options={f.options ?? []} placeholder="Choose…" />
        ) : (
          <Field key={f.id} label={f.label} required={f.required !== false}>
            {(p) => <input {...p} type={f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text'} value={String(values[f.id] ?? '')} onChange={(e) => set(f.id, e.target.value)} />}
          </Field>
        ),
      )}
      <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
        Submit answer
      </button>
    </form>
  );
}

function AddTaskForm({ incidentId, onDone }: { incidentId: string; onDone: () => void }) {
  const [team, setTeam] = useState<Team>('security');
  const [title, setTitle] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState('');
  const action = useAction(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run('add', () => api.post(`/api/v1/incidents/${incidentId}/tasks`, { team, title, owner: owner || null, dueAt: due ? new Date(due).toISOString() : null }));
  };
  return (
    <form className="incident-inline-form" onSubmit={submit} aria-label="New task">
      <SelectField label="Team" value={team} onChange={(v) => setTeam(v as Team)} options={TEAMS.map((t) => [t, TEAM_LABEL[t]] as const)} />
      <Field label="Task" required>
        {(p) => <input {...p} value={title} onChange={(e) => setTitle(e.target.value)} />}
      </Field>
      <Field label="Owner">{(p) => <input {...p} value={owner} onChange={(e) => setOwner(e.target.value)} />}</Field>
      <Field label="Due">{(p) => <input {...p} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />}</Field>
      <button type="submit" className="btn btn-primary btn-small" disabled={action.busy !== null || !title.trim()}>
        Add
      </button>
      <ErrorBanner error={action.error} />
    </form>
  );
}

function TimelineCard({ incident: i, writer, onChanged }: CardProps) {
  const [text, setText] = useState('');
  const [shareable, setShareable] = useState(false);
  const action = useAction(() => {
    setText('');
    onChanged();
  });
  const events = [...i.events].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <Card title="Timeline" id="incident-timeline">
      {writer && (
        <form
          className="incident-inline-form"
          aria-label="Add a note"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run('note', () => api.post(`/api/v1/incidents/${i.id}/events`, { text, shareable }));
          }}
        >
          <Field label="Note">{(p) => <textarea {...p} rows={2} value={text} onChange={(e) => setText(e.target.value)} />}</Field>
          <label className="check">
            <input type="checkbox" checked={shareable} onChange={(e) => setShareable(e.target.checked)} /> Shown to the vendor
          </label>
          <button type="submit" className="btn btn-small" disabled={action.busy !== null || !text.trim()}>
            Add note
          </button>
          <ErrorBanner error={action.error} />
        </form>
      )}
      <ol className="incident-timeline">
        {events.map((e) => (
          <li key={e.id} className={`incident-event incident-event-${e.kind.replace(/[^a-z0-9-]/gi, '-')}`}>
            <time dateTime={e.at} className="small muted">
              {formatDateTime(e.at)}
            </time>{' '}
            <span className="small muted">{e.actor}</span>
            {e.shareable && <span className="small incident-shared"> shared</span>}
            <div>{e.text}</div>
          </li>
        ))}
      </ol>
    </Card>
  );
}

function ParticipantsCard({ incident: i, writer, onChanged }: CardProps) {
  const [role, setRole] = useState('lead');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const action = useAction(() => {
    setName('');
    setEmail('');
    onChanged();
  });
  return (
    <Card title="Participants" id="incident-participants">
      {i.participants.length === 0 ? (
        <Empty>No participants yet.</Empty>
      ) : (
        <ul className="plain-list">
          {i.participants.map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong> <span className="small muted">{TEAM_LABEL[p.role as Team] ?? p.role}{p.email ? ` · ${p.email}` : ''}</span>
            </li>
          ))}
        </ul>
      )}
      {writer && (
        <form
          className="incident-inline-form"
          aria-label="Add a participant"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run('add', () => api.post(`/api/v1/incidents/${i.id}/participants`, { role, name, email: email || null }));
          }}
        >
          <SelectField label="Role" value={role} onChange={setRole} options={PARTICIPANT_ROLES.map((r) => [r, TEAM_LABEL[r as Team] ?? 'Lead'] as const)} />
          <Field label="Name" required>
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="E-mail">{(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
          <button type="submit" className="btn btn-small" disabled={action.busy !== null || !name.trim()}>
            Add participant
          </button>
          <ErrorBanner error={action.error} />
        </form>
      )}
    </Card>
  );
}

function EvidenceCard({ incident: i, writer, onChanged }: CardProps) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const upload = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      await api.request('POST', `/api/v1/incidents/${i.id}/evidence`, { body: file, contentType: file.type || 'application/octet-stream', query: { name: file.name } });
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Evidence" id="incident-evidence">
      {i.evidence.length === 0 ? (
        <Empty>No evidence attached.</Empty>
      ) : (
        <ul className="plain-list">
          {i.evidence.map((f) => (
            <li key={f.id}>
              <button type="button" className="link-btn" onClick={() => api.download(`/api/v1/incidents/${i.id}/evidence/${f.id}`, {}, f.name).catch(setError)}>
                {f.name}
              </button>{' '}
              <span className="small muted">
                {Math.ceil(f.sizeBytes / 1024)} KiB · {f.createdBy} · {formatDateTime(f.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {writer && (
        <label className="incident-upload">
          <span className="small">{busy ? 'Uploading…' : 'Attach a file'}</span>
          <input type="file" aria-label="Attach evidence" disabled={busy} onChange={(e) => void upload(e.target.files?.[0])} />
        </label>
      )}
      <ErrorBanner error={error} />
    </Card>
  );
}

function LinksCard({ incident: i, writer, onChanged }: CardProps) {
  const [kind, setKind] = useState<string>('risk');
  const [target, setTarget] = useState('');
  const action = useAction(() => {
    setTarget('');
    onChanged();
  });
  return (
    <Card title="Linked items" id="incident-links">
      {i.links.length === 0 ? (
        <Empty>Nothing linked.</Empty>
      ) : (
        <ul className="plain-list">
          {i.links.map((l) => {
            const to = LINK_TARGET[l.kind]?.(l.targetId) ?? null;
            const text = l.label ?? l.targetId;
            return (
              <li key={`${l.kind}:${l.targetId}`}>
                <span className="small muted">{l.kind}</span> {to ? <Link to={to}>{text}</Link> : text}
              </li>
            );
          })}
        </ul>
      )}
      {writer && (
        <form
          className="incident-inline-form"
          aria-label="Link an item"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run('link', () => api.post(`/api/v1/incidents/${i.id}/links`, { kind, targetId: target.trim() }));
          }}
        >
          <SelectField label="Kind" value={kind} onChange={setKind} options={LINK_KINDS} />
          <Field label="Id" required>
            {(p) => <input {...p} value={target} onChange={(e) => setTarget(e.target.value)} />}
          </Field>
          <button type="submit" className="btn btn-small" disabled={action.busy !== null || !target.trim()}>
            Link
          </button>
          {action.error !== null && <p className="field-error">{describeError(action.error)}</p>}
        </form>
      )}
    </Card>
  );
}
