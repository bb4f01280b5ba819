import { useState, type FormEvent } from 'react';
import { parse } from 'yaml';
import { api, ApiError } from '../api.js';
import { DetailRow, Empty, ErrorBanner, PageStatus, useAsync, useDocumentTitle } from '../components.js';
import { formatDateTime, plural } from '../format.js';
import { DataTable } from '../lists.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { Async } from '../components.js';
import type { Drill, DrillDetail, DrillSchedule, PlaybookSummary } from '../drillTypes.js';
import { IncidentArea } from './DrillsNav.js';

/** 90 → "1 min 30 s", 7200 → "2 h". */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds} s`;
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [d && `${d} d`, h && `${h} h`, m && `${m} min`, !d && !h && s && `${s} s`].filter(Boolean).join(' ');
}

export function DrillsPage() {
  useDocumentTitle('Drills');
  const { can } = useSession();
  const { search } = useLocation();
  const preselected = search.get('playbookId') ?? '';
  const playbooks = useAsync((signal) => api.get<{ items: PlaybookSummary[] }>('/api/v1/playbooks', undefined, signal), []);
  const drills = useAsync((signal) => api.get<{ items: Drill[] }>('/api/v1/drills', { limit: 100 }, signal), []);
  const schedules = useAsync((signal) => api.get<{ items: DrillSchedule[] }>('/api/v1/drill-schedules', undefined, signal), []);
  return (
    <IncidentArea title="Drills">
      <p className="muted">A drill runs a playbook against a synthetic incident: tasks go to people as in a real incident, while notifications and webhooks are recorded instead of sent, blocks are staged (never exported) and questionnaires are recorded. The report — who responded when, which steps overran — is kept as evidence that the plan is tested.</p>
      {can('incidents:write') && playbooks.data ? <Launcher playbooks={playbooks.data.items} preselected={preselected} /> : null}
      <section className="card">
        <div className="card-head">
          <h2>Drills run</h2>
        </div>
        {!drills.data ? (
          <PageStatus state={drills} label="Loading drills…" />
        ) : !drills.data.items.length ? (
          <Empty>No drill yet.</Empty>
        ) : (
          <DataTable
            rows={drills.data.items}
            rowKey={(d) => d.id}
            testId="drills"
            caption="Drills"
            columns={[
              { header: 'Started', rowHeader: true, cell: (d) => <Link to={`/drills/${d.id}`}>{formatDateTime(d.startedAt)}</Link> },
              { header: 'Playbook', cell: (d) => `${d.playbookName} v${d.playbookVersion}` },
              { header: 'Vendor', cell: (d) => (d.vendorId ? <Link to={`/vendors/${d.vendorId}`}>{d.vendorName}</Link> : '—') },
              { header: 'Status', cell: (d) => <span className={`drill-status drill-status-${d.status}`}>{d.status}</span> },
              { header: 'By', cell: (d) => d.startedBy },
            ]}
          />
        )}
      </section>
      <Schedules playbooks={playbooks.data?.items ?? []} schedules={schedules} />
    </IncidentArea>
  );
}

function Launcher({ playbooks, preselected }: { playbooks: PlaybookSummary[]; preselected: string }) {
  const [playbookId, setPlaybookId] = useState(preselected || playbooks[0]?.id || '');
  const [scenario, setScenario] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function start(event: FormEvent) {
    event.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = scenario.trim() ? parse(scenario, { maxAliasCount: 100 }) : undefined;
    } catch (e) {
      setError(new Error(`The scenario is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`));
      return;
    }
    setBusy(true);
    try {
      const drill = await api.post<DrillDetail>('/api/v1/drills', { playbookId, ...(parsed === undefined ? {} : { scenario: parsed }) });
      navigate(`/drills/${drill.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }
  return (
    <form className="card drill-launcher" onSubmit={(e) => void start(e)}>
      <div className="card-head">
        <h2>Start a drill</h2>
      </div>
      <label className="field">
        <span className="label">Playbook</span>
        <select value={playbookId} onChange={(e) => setPlaybookId(e.target.value)} required>
          {playbooks.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} (v{p.version})
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="label">Scenario (optional, YAML or JSON)</span>
        <textarea
          className="drill-scenario"
          rows={5}
          spellCheck={false}
          value={scenario}
          onChange={(e) => setScenario(e.target.value)}
          placeholder={'severity: critical\nvendorId: …\nimpact: { dataCategories: [personal] }\nanswers: { containment-approval: { approved: true } }'}
        />
        <span className="hint">Left empty, the incident is derived from the playbook's trigger, against the vendor of its tier drilled least recently.</span>
      </label>
      {error ? error instanceof ApiError && error.fieldProblems.length ? <ul>{error.fieldProblems.map((p, i) => <li key={i} className="field-error"><code>{p.field}</code> {p.reason}</li>)}</ul> : <ErrorBanner error={error} /> : null}
      <button type="submit" className="btn btn-primary" disabled={busy || !playbookId}>
        {busy ? 'Starting…' : 'Start drill'}
      </button>
    </form>
  );
}

function Schedules({ playbooks, schedules }: { playbooks: PlaybookSummary[]; schedules: Async<{ items: DrillSchedule[] }> }) {
  const { can } = useSession();
  const [tier, setTier] = useState('T1');
  const [playbookId, setPlaybookId] = useState('');
  const [everyDays, setEveryDays] = useState('90');
  const [error, setError] = useState<unknown>(null);
  async function add(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await api.post('/api/v1/drill-schedules', { tier, playbookId: playbookId || playbooks[0]?.id, everyDays: Number(everyDays) });
      schedules.reload();
    } catch (e) {
      setError(e);
    }
  }
  async function toggle(s: DrillSchedule) {
    await api.patch(`/api/v1/drill-schedules/${s.id}`, { enabled: !s.enabled }).catch(setError);
    schedules.reload();
  }
  async function remove(s: DrillSchedule) {
    await api.delete(`/api/v1/drill-schedules/${s.id}`).catch(setError);
    schedules.reload();
  }
  return (
    <section className="card">
      <div className="card-head">
        <h2>Schedules</h2>
      </div>
      <p className="muted">Recurring drills per vendor tier: each run drills the vendor of the tier drilled least recently.</p>
      {schedules.data?.items.length ? (
        <DataTable
          rows={schedules.data.items}
          rowKey={(s) => s.id}
          testId="drill-schedules"
          caption="Drill schedules"
          columns={[
            { header: 'Tier', rowHeader: true, cell: (s) => s.tier },
            { header: 'Playbook', cell: (s) => s.playbookName ?? s.playbookId },
            { header: 'Every', cell: (s) => plural(s.everyDays, 'day') },
            { header: 'Next', cell: (s) => (s.enabled ? formatDateTime(s.nextRunAt) : <span className="muted">paused</span>) },
            { header: 'Last', cell: (s) => (s.lastError ? <span className="field-error">{s.lastError}</span> : s.lastDrillId ? <Link to={`/drills/${s.lastDrillId}`}>report</Link> : '—') },
            can('playbooks:write') && {
              header: '',
              cell: (s) => (
                <span className="drill-schedule-actions">
                  <button type="button" className="btn btn-small" onClick={() => void toggle(s)}>
                    {s.enabled ? 'Pause' : 'Resume'}
                  </button>
                  <button type="button" className="btn btn-small" onClick={() => void remove(s)}>
                    Delete
                  </button>
                </span>
              ),
            },
          ]}
        />
      ) : (
        <Empty>No drill is scheduled.</Empty>
      )}
      {can('playbooks:write') && playbooks.length ? (
        <form className="drill-schedule-form" onSubmit={(e) => void add(e)}>
          <label className="field">
            <span className="label">Tier</span>
            <select value={tier} onChange={(e) => setTier(e.target.value)}>
              {['T1', 'T2', 'T3', 'T4'].map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="label">Playbook</span>
            <select value={playbookId || playbooks[0].id} onChange={(e) => setPlaybookId(e.target.value)}>
              {playbooks.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="label">Every (days)</span>
            <input type="number" min={1} max={3660} value={everyDays} onChange={(e) => setEveryDays(e.target.value)} required />
          </label>
          <button type="submit" className="btn">
            Schedule
          </button>
          {error ? <ErrorBanner error={error} /> : null}
        </form>
      ) : null}
    </section>
  );
}

export function DrillPage({ id }: { id: string }) {
  const { can } = useSession();
  const drill = useAsync((signal) => api.get<DrillDetail>(`/api/v1/drills/${id}`, undefined, signal), [id]);
  const [error, setError] = useState<unknown>(null);
  useDocumentTitle(drill.data ? `Drill: ${drill.data.playbookName}` : 'Drill');
  if (!drill.data) return <PageStatus state={drill} crumbs={<Link to="/drills">Drills</Link>} label="Loading the drill…" />;
  const d = drill.data;
  const r = d.report;
  async function finish() {
    setError(null);
    try {
      await api.post(`/api/v1/drills/${id}/finish`);
      drill.reload();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <IncidentArea
      title={`Drill: ${d.playbookName}`}
      crumbs={<Link to="/drills">Drills</Link>}
      actions={
        <span className="drill-actions">
          <button type="button" className="btn" onClick={drill.reload}>
            Refresh
          </button>
          {d.status === 'running' && can('incidents:write') ? (
            <button type="button" className="btn btn-primary" onClick={() => void finish()}>
              Finish and keep the report
            </button>
          ) : null}
        </span>
      }
    >
      {error ? <ErrorBanner error={error} /> : null}
      <section className="card drill-summary" data-testid="drill-summary">
        <DetailRow label="Status">
          <span className={`drill-status drill-status-${d.status}`}>{d.status}</span>
          {r.run ? ` · run ${r.run.status}` : ''}
        </DetailRow>
        <DetailRow label="Playbook">
          <Link to={`/playbooks/${d.playbookId}`}>{d.playbookName}</Link> version {d.playbookVersion}
        </DetailRow>
        <DetailRow label="Vendor">{d.vendorId ? <Link to={`/vendors/${d.vendorId}`}>{d.vendorName}</Link> : '—'}</DetailRow>
        <DetailRow label="Synthetic incident">{d.incidentId ? <Link to={`/incidents/${d.incidentId}`}>{String(d.scenario.title ?? d.incidentId)}</Link> : '—'}</DetailRow>
        <DetailRow label="Started">
          {formatDateTime(d.startedAt)} by {d.startedBy}
        </DetailRow>
        <DetailRow label={d.finishedAt ? 'Finished' : 'Running for'}>{d.finishedAt ? `${formatDateTime(d.finishedAt)} by ${d.finishedBy} (${duration(r.durationSeconds)})` : duration(r.durationSeconds)}</DetailRow>
        <DetailRow label="Outcome">
          {r.summary.stepsDone}/{r.summary.steps} steps done, {r.summary.stepsWaiting} waiting, {r.summary.stepsFailed} failed · <strong className={r.summary.overruns ? 'drill-overrun' : undefined}>{plural(r.summary.overruns, 'overrun')}</strong> · {r.summary.tasksDone}/{r.summary.tasks} tasks answered
        </DetailRow>
      </section>
      <section className="card">
        <div className="card-head">
          <h2>Steps: planned against actual</h2>
        </div>
        <DataTable
          rows={r.steps}
          rowKey={(s) => s.stepId}
          testId="drill-steps"
          caption="Steps"
          rowClassName={(s) => (s.overrun ? 'drill-row-overrun' : undefined)}
          columns={[
            { header: 'Step', rowHeader: true, cell: (s) => <><code>{s.stepId}</code>{s.title ? <span className="muted"> {s.title}</span> : null}</> },
            { header: 'Type', cell: (s) => `${s.type}${s.team ? ` · ${s.team}` : ''}` },
            { header: 'Status', cell: (s) => s.status },
            { header: 'Planned', num: true, cell: (s) => duration(s.plannedSeconds) },
            { header: 'Actual', num: true, cell: (s) => duration(s.actualSeconds) },
            { header: 'Overrun', num: true, cell: (s) => (s.overrun ? <strong className="drill-overrun">+{duration(s.overrunSeconds)}</strong> : s.error ? <span className="field-error">{s.error}</span> : '—') },
          ]}
        />
      </section>
      <section className="card">
        <div className="card-head">
          <h2>Who responded when</h2>
        </div>
        {r.responses.length ? (
          <DataTable
            rows={r.responses}
            rowKey={(t) => t.taskId}
            testId="drill-responses"
            caption="Responses"
            columns={[
              { header: 'Team', rowHeader: true, cell: (t) => t.team },
              { header: 'Task', cell: (t) => (d.incidentId ? <Link to={`/incidents/${d.incidentId}`}>{t.title}</Link> : t.title) },
              { header: 'Answered by', cell: (t) => t.completedBy ?? <span className="muted">{t.status}</span> },
              { header: 'When', cell: (t) => formatDateTime(t.completedAt) },
              { header: 'Took', num: true, cell: (t) => <span className={t.overdue ? 'drill-overrun' : undefined}>{duration(t.secondsToRespond)}{t.overdue ? ' (late)' : ''}</span> },
            ]}
          />
        ) : (
          <Empty>No task was given to people.</Empty>
        )}
      </section>
      <section className="card">
        <div className="card-head">
          <h2>Captured effects</h2>
        </div>
        <p className="muted">
          {plural(r.summary.notifications, 'notification')}, {plural(r.summary.webhooks, 'webhook')}, {plural(r.summary.blocks, 'staged block')}, {plural(r.summary.questionnaires, 'questionnaire')} — recorded, nothing sent.
        </p>
        {r.captured.length ? (
          <ul className="drill-captured" data-testid="drill-captured">
            {r.captured.map((c, i) => (
              <li key={i}>
                <details>
                  <summary>
                    <span className="tag">{c.kind}</span> {c.target}: {c.summary}
                  </summary>
                  <pre>{JSON.stringify(c.detail, null, 2)}</pre>
                </details>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </IncidentArea>
  );
}
