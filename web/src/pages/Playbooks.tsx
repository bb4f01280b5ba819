import { useEffect, useMemo, useState } from 'react';
import { parseDocument } from 'yaml';
import { api, ApiError } from '../api.js';
import { Empty, ErrorBanner, PageStatus, useAsync, useDocumentTitle } from '../components.js';
import { formatDateTime } from '../format.js';
import { DataTable } from '../lists.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import { checkAgainstSchema, type SchemaProblem } from '../playbookCheck.js';
import type { PlaybookDetail, PlaybookStepDoc, PlaybookSummary } from '../drillTypes.js';
import { IncidentArea } from './DrillsNav.js';

export function PlaybooksPage() {
  useDocumentTitle('Playbooks');
  const { can } = useSession();
  const list = useAsync((signal) => api.get<{ items: PlaybookSummary[] }>('/api/v1/playbooks', undefined, signal), []);
  return (
    <IncidentArea title="Playbooks" actions={can('playbooks:write') ? <Link to="/playbooks/new" className="btn btn-primary">New playbook</Link> : null}>
      <p className="muted">Declarative incident playbooks (YAML, versioned): a trigger with a condition, then steps — tasks per team, notifications, questionnaires to the vendor, egress blocks, approvals, waits, webhooks. A running incident keeps the version it started with.</p>
      {!list.data ? (
        <PageStatus state={list} label="Loading playbooks…" />
      ) : !list.data.items.length ? (
        <Empty>No playbook yet.</Empty>
      ) : (
        <DataTable
          rows={list.data.items}
          rowKey={(p) => p.id}
          testId="playbooks"
          caption="Playbooks"
          columns={[
            { header: 'Playbook', rowHeader: true, cell: (p) => <Link to={`/playbooks/${p.id}`}>{p.name}</Link> },
            { header: 'Trigger', cell: (p) => <span className="playbook-when">{p.on.join(', ')}{p.when ? <> when <code>{p.when}</code></> : null}</span> },
            { header: 'Steps', num: true, cell: (p) => p.stepCount },
            { header: 'Version', num: true, cell: (p) => p.version },
            { header: 'Status', cell: (p) => (p.enabled ? 'enabled' : <span className="muted">disabled</span>) },
            { header: 'Changed', cell: (p) => formatDateTime(p.updatedAt) },
          ]}
        />
      )}
    </IncidentArea>
  );
}

const NEW_PLAYBOOK = `name: New playbook
on: [incident.created]
when: incident.severity == 'critical'
steps:
  - id: first-task
    type: task
    team: security
    title: Look at {{incident.title}}
    due: 1h
`;

interface Parsed {
  value: unknown;
  yamlError: { line: number | null; message: string } | null;
  schemaProblems: SchemaProblem[];
}

function parseYaml(text: string, schema: Record<string, unknown> | null): Parsed {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    return { value: null, yamlError: { line: e.linePos?.[0]?.line ?? null, message: e.message.split('\n')[0] }, schemaProblems: [] };
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return { value, yamlError: null, schemaProblems: schema ? checkAgainstSchema(schema, value) : [] };
}

export function PlaybookPage({ id }: { id: string | null }) {
  const { can } = useSession();
  const writable = can('playbooks:write');
  const [version, setVersion] = useState<number | undefined>(undefined);
  const playbook = useAsync((signal) => (id ? api.get<PlaybookDetail>(`/api/v1/playbooks/${id}`, version ? { version } : undefined, signal) : Promise.resolve(null)), [id, version]);
  const schema = useAsync((signal) => api.get<Record<string, unknown>>('/api/v1/playbooks/schema', undefined, signal), []);
  const [text, setText] = useState<string | null>(id ? null : NEW_PLAYBOOK);
  const [serverProblems, setServerProblems] = useState<Array<{ field: string; reason: string }>>([]);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useDocumentTitle(playbook.data ? playbook.data.name : id ? 'Playbook' : 'New playbook');

  useEffect(() => {
    if (playbook.data) setText(playbook.data.yaml);
  }, [playbook.data]);

  const yamlText = text ?? '';
  const parsed = useMemo(() => parseYaml(yamlText, schema.data ?? null), [yamlText, schema.data]);

  // The server's full check (references, cycles, expressions), a moment after typing stops.
  useEffect(() => {
    if (parsed.yamlError || text === null) return;
    const timer = setTimeout(() => {
      api.post<{ valid: boolean; problems: Array<{ field: string; reason: string }> }>('/api/v1/playbooks/validate', { yaml: yamlText }).then(
        (r) => setServerProblems(r.problems),
        () => undefined,
      );
    }, 400);
    return () => clearTimeout(timer);
  }, [yamlText, parsed.yamlError, text]);

  if (id && !playbook.data) return <PageStatus state={playbook} crumbs={<Link to="/playbooks">Playbooks</Link>} label="Loading the playbook…" />;
  const current = playbook.data;
  const viewingOld = current !== null && current !== undefined && current.version !== current.currentVersion;
  const steps = Array.isArray((parsed.value as { steps?: unknown } | null)?.steps) ? ((parsed.value as { steps: PlaybookStepDoc[] }).steps.filter((s) => s && typeof s === 'object' && typeof s.id === 'string')) : [];

  async function save() {
    setSaving(true);
    setError(null);
    setNotice(null);
    try {
      if (id && current) {
        const saved = await api.put<PlaybookDetail>(`/api/v1/playbooks/${id}`, { yaml: yamlText, baseVersion: current.currentVersion });
        setNotice(saved.version === current.currentVersion ? 'Nothing changed: no new version.' : `Saved as version ${saved.version}.`);
        setVersion(undefined);
        playbook.reload();
      } else {
        const created = await api.post<PlaybookDetail>('/api/v1/playbooks', { yaml: yamlText });
        navigate(`/playbooks/${created.id}`);
      }
      setServerProblems([]);
    } catch (e) {
      if (e instanceof ApiError && e.fieldProblems.length) setServerProblems(e.fieldProblems);
      setError(e);
    } finally {
      setSaving(false);
    }
  }

  const problems = [...parsed.schemaProblems.map((p) => ({ field: p.path, reason: p.reason, from: 'schema' })), ...serverProblems.filter((p) => !parsed.schemaProblems.some((s) => s.path === p.field)).map((p) => ({ ...p, from: 'server' }))];

  return (
    <IncidentArea
      title={current ? current.name : 'New playbook'}
      crumbs={<Link to="/playbooks">Playbooks</Link>}
      actions={current ? <Link to={`/drills?playbookId=${current.id}`} className="btn">Drill it</Link> : null}
    >
      {current ? (
        <p className="muted">
          Version {current.version} of {current.currentVersion}
          {current.key ? <> · shipped as <code>{current.key}</code></> : null} · {current.enabled ? 'enabled' : 'disabled'}
        </p>
      ) : null}
      <div className="playbook-editor">
        <section className="card playbook-source">
          <div className="card-head">
            <h2>YAML</h2>
          </div>
          <label className="sr-only" htmlFor="playbook-yaml">Playbook YAML</label>
          <textarea
            id="playbook-yaml"
            className="playbook-yaml"
            spellCheck={false}
            value={yamlText}
            readOnly={!writable || viewingOld}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={parsed.yamlError || problems.length ? true : undefined}
            aria-describedby="playbook-problems"
            rows={28}
          />
          <div id="playbook-problems" className="playbook-problems" role="status" data-testid="playbook-problems">
            {parsed.yamlError ? (
              <p className="field-error">YAML{parsed.yamlError.line ? ` line ${parsed.yamlError.line}` : ''}: {parsed.yamlError.message}</p>
            ) : problems.length ? (
              <ul>
                {problems.map((p, i) => (
                  <li key={i} className="field-error">
                    <code>{p.field}</code> {p.reason}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="playbook-valid">Valid playbook.</p>
            )}
          </div>
          {error && !(error instanceof ApiError && error.fieldProblems.length) ? <ErrorBanner error={error} /> : null}
          {notice ? <p className="notice">{notice}</p> : null}
          {writable && !viewingOld ? (
            <button type="button" className="btn btn-primary" disabled={saving || Boolean(parsed.yamlError)} onClick={() => void save()}>
              {saving ? 'Saving…' : id ? 'Save as new version' : 'Create playbook'}
            </button>
          ) : null}
        </section>
        <section className="card playbook-flow-card">
          <div className="card-head">
            <h2>Steps</h2>
          </div>
          {steps.length ? <StepFlow steps={steps} /> : <Empty>No steps to show yet.</Empty>}
        </section>
      </div>
      {current ? <Versions key={current.currentVersion} playbook={current} onView={setVersion} /> : null}
    </IncidentArea>
  );
}

const BOX_W = 220;
const BOX_H = 46;
const GAP = 34;

/** The steps as boxes top to bottom, with arrows: the fall-through to the next step, and each branch or `next` jump on the side. */
export function StepFlow({ steps }: { steps: PlaybookStepDoc[] }) {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const y = (i: number) => 10 + i * (BOX_H + GAP);
  const jumps: Array<{ from: number; to: number; label: string }> = [];
  steps.forEach((s, i) => {
    const targets = [...(s.branches ?? []).map((b, n) => ({ next: b.next, label: b.when ? `if ${b.when}` : n ? 'else' : 'then' })), ...(s.next ? [{ next: s.next, label: 'next' }] : [])];
    for (const t of targets) {
      const to = t.next === 'end' ? steps.length : index.get(t.next);
      if (to !== undefined && to !== i + 1) jumps.push({ from: i, to, label: t.label });
    }
  });
  const height = y(steps.length) + 10;
  const width = BOX_W + 60 + jumps.length * 16;
  return (
    <svg className="playbook-flow" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={`Flow of ${steps.length} steps`} data-testid="playbook-flow">
      <defs>
        <marker id="playbook-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
        </marker>
      </defs>
      {steps.map((s, i) => {
        // Down to the next step when nothing always jumps away (a `next`, or a branch without a condition), or when a branch goes there.
        const always = Boolean(s.next) || Boolean(s.branches?.some((b) => !b.when));
        const down = !always || index.get(s.next ?? '') === i + 1 || Boolean(s.branches?.some((b) => index.get(b.next) === i + 1));
        return (
          <g key={s.id} className={`playbook-step playbook-step-${s.type}`} data-step={s.id}>
            <rect x={10} y={y(i)} width={BOX_W} height={BOX_H} rx={6} />
            <text x={20} y={y(i) + 19} className="playbook-step-type">
              {s.type}
              {s.team ? ` · ${s.team}` : ''}
              {s.due ? ` · ${s.due}` : ''}
            </text>
            <text x={20} y={y(i) + 36} className="playbook-step-id">
              {s.id.length > 30 ? `${s.id.slice(0, 29)}…` : s.id}
            </text>
            {down ? <line x1={10 + BOX_W / 2} y1={y(i) + BOX_H} x2={10 + BOX_W / 2} y2={y(i + 1) - 2} markerEnd="url(#playbook-arrow)" /> : null}
          </g>
        );
      })}
      <text x={10 + BOX_W / 2} y={y(steps.length) - GAP / 2} textAnchor="middle" className="playbook-step-end">end</text>
      {jumps.map((j, n) => {
        const x = 10 + BOX_W + 14 + n * 16;
        const y1 = y(j.from) + BOX_H / 2;
        const y2 = j.to >= steps.length ? y(steps.length) - GAP / 2 - 4 : y(j.to) + BOX_H / 2;
        return (
          <g key={n} className="playbook-jump">
            <title>{`${steps[j.from].id} → ${j.to >= steps.length ? 'end' : steps[j.to].id}: ${j.label}`}</title>
            <path d={`M${10 + BOX_W},${y1} H${x} V${y2} H${j.to >= steps.length ? 10 + BOX_W / 2 + 14 : 10 + BOX_W + 2}`} fill="none" markerEnd="url(#playbook-arrow)" />
          </g>
        );
      })}
    </svg>
  );
}

function Versions({ playbook, onView }: { playbook: PlaybookDetail; onView: (v: number | undefined) => void }) {
  const [pair, setPair] = useState<{ from: number; to: number } | null>(playbook.currentVersion > 1 ? { from: playbook.currentVersion - 1, to: playbook.currentVersion } : null);
  const diff = useAsync(
    (signal) => (pair ? api.get<{ diff: string }>(`/api/v1/playbooks/${playbook.id}/diff`, { from: pair.from, to: pair.to }, signal) : Promise.resolve(null)),
    [playbook.id, pair?.from, pair?.to],
  );
  return (
    <section className="card">
      <div className="card-head">
        <h2>Versions</h2>
      </div>
      <DataTable
        rows={playbook.versions}
        rowKey={(v) => String(v.version)}
        testId="playbook-versions"
        caption="Versions"
        columns={[
          { header: 'Version', rowHeader: true, num: true, cell: (v) => (v.version === playbook.version ? <strong>{v.version}</strong> : v.version) },
          { header: 'Saved', cell: (v) => formatDateTime(v.createdAt) },
          { header: 'By', cell: (v) => v.createdBy },
          {
            header: '',
            cell: (v) => (
              <span className="playbook-version-actions">
                <button type="button" className="btn btn-small" onClick={() => onView(v.version === playbook.currentVersion ? undefined : v.version)}>
                  View
                </button>
                {v.version > 1 ? (
                  <button type="button" className="btn btn-small" onClick={() => setPair({ from: v.version - 1, to: v.version })}>
                    Diff with {v.version - 1}
                  </button>
                ) : null}
              </span>
            ),
          },
        ]}
      />
      {pair && diff.data ? (
        <>
          <h3>
            Version {pair.from} → {pair.to}
          </h3>
          <pre className="playbook-diff" data-testid="playbook-diff">
            {diff.data.diff.split('\n').map((line, i) => (
              <span key={i} className={line.startsWith('+') && !line.startsWith('+++') ? 'playbook-diff-add' : line.startsWith('-') && !line.startsWith('---') ? 'playbook-diff-del' : undefined}>
                {line}
                {'\n'}
              </span>
            ))}
          </pre>
        </>
      ) : null}
    </section>
  );
}
