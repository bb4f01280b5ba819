import { useState, type FormEvent, type ReactNode } from 'react';
import { api, fieldErrors, type QueryValue } from '../api.js';
import { Dialog, Empty, ErrorBanner, Field, Loading, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { formatDate, formatDateTime, plural } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { Page } from '../types.js';
import {
  CLOSE_REASONS,
  LEVELS,
  levelOf,
  RISK_SOURCES,
  RISK_STATUSES,
  TREATMENTS,
  type Evidence,
  type Level,
  type Risk,
  type RiskDetail,
  type RiskScales,
  type RiskSummary,
  type RiskTrend,
} from '../riskTypes.js';

const TEAMS = ['it', 'security', 'legal', 'privacy', 'compliance'];
const FORM_FIELDS = ['/title', '/description', '/likelihood', '/impact', '/residualLikelihood', '/residualImpact', '/owner', '/team', '/dueDate', '/justification', '/expiresAt'];
const formErrors = (error: unknown) => fieldErrors(error, FORM_FIELDS);
const label = (s: string) => s.replace(/-/g, ' ');

export function LevelTag({ level, score }: { level: Level; score?: number }) {
  return (
    <span className={`sev sev-${level}`} title={score !== undefined ? `score ${score} of 25` : undefined}>
      {level}
      {score !== undefined && ` ${score}`}
    </span>
  );
}

function useScales() {
  return useAsync((signal) => api.get<RiskScales>('/api/v1/settings/risk-scales', undefined, signal), []);
}

/**
 * The 5×5 heat map: likelihood rows (5 at the top), impact columns; each cell shows how many active
 * risks sit there, coloured by the level of likelihood × impact. A cell is a button that filters.
 */
export function HeatMap({ heat, scales, selected, onSelect }: { heat: number[][]; scales: RiskScales | undefined; selected?: [number, number] | null; onSelect?: (cell: [number, number] | null) => void }) {
  const name = (axis: 'likelihood' | 'impact', n: number) => scales?.[axis][n - 1]?.label ?? String(n);
  return (
    <table className="heatmap" data-testid="heat-map">
      <caption className="sr-only">Active risks by likelihood (rows) and impact (columns)</caption>
      <thead>
        <tr>
          <th scope="col" className="heat-corner">
            Likelihood ↓ / impact →
          </th>
          {[1, 2, 3, 4, 5].map((i) => (
            <th scope="col" key={i}>
              {i} <span className="small muted">{name('impact', i)}</span>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {[5, 4, 3, 2, 1].map((l) => (
          <tr key={l}>
            <th scope="row">
              {l} <span className="small muted">{name('likelihood', l)}</span>
            </th>
            {[1, 2, 3, 4, 5].map((i) => {
              const n = heat[l - 1]?.[i - 1] ?? 0;
              const level = levelOf(l * i, scales);
              const active = selected?.[0] === l && selected?.[1] === i;
              const text = `Likelihood ${l} (${name('likelihood', l)}) × impact ${i} (${name('impact', i)}): ${plural(n, 'risk')}, ${level}`;
              return (
                <td key={i} className={`heat heat-${level}${active ? ' heat-selected' : ''}`}>
                  {onSelect ? (
                    <button type="button" aria-label={text} aria-pressed={active} onClick={() => onSelect(active ? null : [l, i])}>
                      {n || ''}
                    </button>
                  ) : (
                    <span aria-label={text}>{n || ''}</span>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RisksTable({ query, showVendors = true, refreshKey }: { query: Record<string, QueryValue>; showVendors?: boolean; refreshKey?: number }) {
  const [cursor, setCursor] = useState<string | null>(null);
  const [pages, setPages] = useState<Array<string | null>>([]);
  const key = JSON.stringify(query);
  const state = useAsync((signal) => api.get<Page<Risk>>('/api/v1/risks', { ...query, cursor }, signal), [key, cursor, refreshKey]);
  const items = state.data?.items ?? [];
  return (
    <>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!state.data ? (
        !state.error && <Loading label="Loading risks…" />
      ) : items.length === 0 ? (
        <Empty>No risks match.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table table-risks" data-testid="risks-table">
            <thead>
              <tr>
                <th scope="col">Risk</th>
                <th scope="col">Level</th>
                <th scope="col">L × I</th>
                {showVendors && <th scope="col">Vendors</th>}
                <th scope="col">Status</th>
                <th scope="col">Owner</th>
                <th scope="col">Due</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} className={r.overdue ? 'row-overdue' : undefined}>
                  <th scope="row">
                    <Link to={`/risks/${r.id}`}>{r.title}</Link>
                    <div className="small muted">
                      {label(r.source)}
                      {r.evidenceCount > 0 && ` · ${plural(r.evidenceCount, 'evidence link')}`}
                      {r.reopenCount > 0 && ` · reopened ${r.reopenCount}×`}
                    </div>
                  </th>
                  <td>
                    <LevelTag level={r.level} score={r.score} />
                    {r.residual && <div className="small muted">inherent {r.inherent.score}</div>}
                  </td>
                  <td className="nowrap">
                    {(r.residual ?? r.inherent).likelihood} × {(r.residual ?? r.inherent).impact}
                  </td>
                  {showVendors && (
                    <td>
                      {r.vendors.map((v) => (
                        <div key={v.id}>
                          <Link to={`/vendors/${v.id}`}>{v.name}</Link> <TierBadge tier={v.tier} />
                        </div>
                      ))}
                    </td>
                  )}
                  <td className="nowrap">
                    {label(r.status)}
                    {r.treatment && <div className="small muted">{r.treatment}</div>}
                  </td>
                  <td>{[r.owner, r.team?.name].filter(Boolean).join(' · ') || '—'}</td>
                  <td className={r.overdue ? 'overdue-tag nowrap' : 'nowrap'}>{r.dueDate ? formatDate(r.dueDate) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(pages.length > 0 || state.data?.nextCursor) && (
        <div className="pager">
          <button type="button" className="btn btn-small" disabled={pages.length === 0} onClick={() => { const prev = pages[pages.length - 1]; setPages(pages.slice(0, -1)); setCursor(prev ?? null); }}>
            Previous
          </button>
          <button type="button" className="btn btn-small" disabled={!state.data?.nextCursor} onClick={() => { setPages([...pages, cursor]); setCursor(state.data?.nextCursor ?? null); }}>
            Next
          </button>
        </div>
      )}
    </>
  );
}

function Trend() {
  const state = useAsync((signal) => api.get<RiskTrend>('/api/v1/risks/trend', { days: 30 }, signal), []);
  const days = state.data?.days ?? [];
  if (state.error) return <ErrorBanner error={state.error} onRetry={state.reload} />;
  if (!days.length) return null;
  const max = Math.max(1, ...days.map((d) => d.open + d.accepted));
  const w = 300;
  const h = 60;
  const x = (i: number) => (days.length === 1 ? w : (i / (days.length - 1)) * w);
  const path = days.map((d, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${(h - (d.open / max) * h).toFixed(1)}`).join(' ');
  const last = days[days.length - 1];
  return (
    <figure className="risk-trend" data-testid="risk-trend">
      {days.length > 1 && (
        <svg viewBox={`-4 -4 ${w + 8} ${h + 8}`} width={w} height={h} role="img" aria-label={`Open risks over the last ${days.length} days: ${days.map((d) => `${d.day} ${d.open}`).join(', ')}`}>
          <path d={path} fill="none" stroke="currentColor" strokeWidth="2" />
        </svg>
      )}
      <figcaption className="small muted">
        {plural(last.open, 'open risk')} today, {last.accepted} accepted · {days.length > 1 ? `${days.length} days of daily snapshots` : 'the trend fills in with one snapshot a day'}
      </figcaption>
    </figure>
  );
}

const FILTER_KEYS = ['status', 'level', 'source', 'vendorId', 'treatment', 'overdue', 'q', 'likelihood', 'impact', 'team'] as const;

export function RisksPage() {
  useDocumentTitle('Risk register');
  const { search } = useLocation();
  const { can } = useSession();
  const scales = useScales();
  const [refresh, setRefresh] = useState(0);
  const [creating, setCreating] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const query: Record<string, QueryValue> = { limit: 50 };
  for (const k of FILTER_KEYS) if (search.get(k)) query[k] = search.get(k);
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    navigate(`/risks${next.toString() ? `?${next}` : ''}`, { replace: true });
  };
  const summary = useAsync((signal) => api.get<RiskSummary>('/api/v1/risks/summary', undefined, signal), [refresh]);
  const vendors = useAsync((signal) => api.get<Page<{ id: string; name: string }>>('/api/v1/vendors', { limit: 200, sort: 'name' }, signal), []);
  const cell: [number, number] | null = search.get('likelihood') && search.get('impact') ? [Number(search.get('likelihood')), Number(search.get('impact'))] : null;
  const s = summary.data;
  const select = (key: (typeof FILTER_KEYS)[number], text: string, options: Array<[string, string]>, all: string) => (
    <Field label={text}>
      {(props) => (
        <select {...props} value={search.get(key) ?? ''} onChange={(e) => set({ [key]: e.target.value })}>
          <option value="">{all}</option>
          {options.map(([value, name]) => (
            <option key={value} value={value}>
              {name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <div className="page page-wide">
      <div className="page-head">
        <h1>Risk register</h1>
        <div className="actions">
          <MentionsLink />
          <button
            type="button"
            className="btn"
            onClick={() => {
              setDownloadError(null);
              api.download('/api/v1/risks/export', Object.fromEntries(Object.entries(query).filter(([k]) => k !== 'limit')), 'risks.csv').catch(setDownloadError);
            }}
          >
            Export CSV
          </button>
          {can('risks:write') && (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              New risk
            </button>
          )}
        </div>
      </div>
      <ErrorBanner error={downloadError} />
      <ErrorBanner error={summary.error} onRetry={summary.reload} />
      {s && (
        <div className="tiles" data-testid="risk-tiles">
          <Tile label="Active risks" value={s.total} detail={`${s.byStatus.open} open · ${s.byStatus.pendingAcceptance} pending acceptance · ${s.byStatus.accepted} accepted`} onClick={() => set({ level: null, status: null })} />
          <Tile label="Critical" value={s.byLevel.critical} detail={`score ${scales.data?.levelThresholds.critical ?? 17}–25`} danger={s.byLevel.critical > 0} onClick={() => set({ level: 'critical' })} />
          <Tile label="High" value={s.byLevel.high} detail={`${s.byLevel.medium} medium · ${s.byLevel.low} low`} onClick={() => set({ level: 'high' })} />
          <Tile label="Overdue treatment" value={s.overdue} detail="past the due date, not accepted" danger={s.overdue > 0} onClick={() => set({ overdue: 'true' })} />
        </div>
      )}
      <div className="risk-overview">
        <section className="card" aria-labelledby="heat-title">
          <header className="card-head">
            <h2 id="heat-title">Heat map</h2>
            {cell && (
              <button type="button" className="link-btn" onClick={() => set({ likelihood: null, impact: null })}>
                Clear cell filter
              </button>
            )}
          </header>
          {s ? <HeatMap heat={s.heat} scales={scales.data} selected={cell} onSelect={(c) => set({ likelihood: c ? String(c[0]) : null, impact: c ? String(c[1]) : null })} /> : <Loading />}
          <p className="small muted">Current rating: the residual rating once assessed, else the inherent one. Select a cell to list its risks.</p>
          <Trend />
        </section>
        <section className="card" aria-labelledby="by-vendor-title">
          <header className="card-head">
            <h2 id="by-vendor-title">By vendor</h2>
          </header>
          {s && s.vendors.length === 0 && <Empty>No vendor has an active risk.</Empty>}
          {s && s.vendors.length > 0 && (
            <table className="table" data-testid="risk-vendors">
              <thead>
                <tr>
                  <th scope="col">Vendor</th>
                  <th scope="col">Risks</th>
                  <th scope="col">Critical / high</th>
                </tr>
              </thead>
              <tbody>
                {s.vendors.slice(0, 10).map((v) => (
                  <tr key={v.id}>
                    <th scope="row">
                      <button type="button" className="link-btn" onClick={() => set({ vendorId: v.id })}>
                        {v.name}
                      </button>{' '}
                      <TierBadge tier={v.tier} />
                    </th>
                    <td>{v.total}</td>
                    <td>
                      {v.byLevel.critical} / {v.byLevel.high}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {s && <p className="small muted">A risk that names several vendors counts for each here, and once in the totals.</p>}
        </section>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter risks">
        <div className="filters-row">
          {select('status', 'Status', RISK_STATUSES.filter((x) => x !== 'active').map((x) => [x, label(x)]), 'Active (open, pending, accepted)')}
          {select('level', 'Level', LEVELS.map((l) => [l, l]), 'All levels')}
          {select('source', 'Source', RISK_SOURCES.map((x) => [x, label(x)]), 'All sources')}
          {select('vendorId', 'Vendor', (vendors.data?.items ?? []).map((v) => [v.id, v.name]), 'All vendors')}
          {select('treatment', 'Treatment', [...TREATMENTS.map((t) => [t, t] as [string, string]), ['none', 'not decided']], 'Any treatment')}
          {select('overdue', 'Due', [['true', 'overdue'], ['false', 'not overdue']], 'Any')}
          <Field label="Search">
            {(props) => <input {...props} type="search" defaultValue={search.get('q') ?? ''} placeholder="title or description" onKeyDown={(e) => e.key === 'Enter' && set({ q: (e.target as HTMLInputElement).value })} onBlur={(e) => set({ q: e.target.value })} />}
          </Field>
        </div>
      </form>
      <RisksTable query={query} refreshKey={refresh} />
      {creating && (
        <RiskFormDialog
          scales={scales.data}
          vendors={vendors.data?.items ?? []}
          onClose={() => setCreating(false)}
          onSaved={(risk) => {
            setCreating(false);
            setRefresh((r) => r + 1);
            navigate(`/risks/${risk.id}`);
          }}
        />
      )}
    </div>
  );
}

/** Mentions are triaged into the register: the way there, with how many wait. */
function MentionsLink() {
  const waiting = useAsync((signal) => api.get<Page<{ id: string }>>('/api/v1/mentions', { triage: 'new', limit: 100 }, signal), []);
  const n = waiting.data?.items.length;
  return (
    <Link to="/mentions" className="btn">
      Mentions to triage{n !== undefined ? ` (${n === 100 && waiting.data?.nextCursor ? '100+' : n})` : ''}
    </Link>
  );
}

function Tile({ label: text, value, detail, danger, onClick }: { label: string; value: number; detail: string; danger?: boolean; onClick: () => void }) {
  return (
    <button type="button" className={`tile${danger ? ' tile-danger' : ''}`} onClick={onClick}>
      <span className="tile-label">{text}</span>
      <span className="tile-value">{value}</span>
      <span className="tile-detail">{detail}</span>
    </button>
  );
}

function RatingSelect({ axis, value, onChange, scales, text, allowNone, error }: { axis: 'likelihood' | 'impact'; value: string; onChange: (v: string) => void; scales: RiskScales | undefined; text: string; allowNone?: boolean; error?: string }) {
  return (
    <Field label={text} error={error}>
      {(props) => (
        <select {...props} value={value} onChange={(e) => onChange(e.target.value)}>
          {allowNone && <option value="">not assessed</option>}
          {[1, 2, 3, 4, 5].map((n) => (
            <option key={n} value={n}>
              {n} — {scales?.[axis][n - 1]?.label ?? n}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function RiskFormDialog({ scales, vendors, onClose, onSaved }: { scales: RiskScales | undefined; vendors: Array<{ id: string; name: string }>; onClose: () => void; onSaved: (risk: RiskDetail) => void }) {
  const [form, setForm] = useState({ title: '', description: '', likelihood: '3', impact: '3', vendorId: '', owner: '', team: '', dueDate: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = formErrors(error);
  const update = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { title: form.title, likelihood: Number(form.likelihood), impact: Number(form.impact) };
      if (form.description.trim()) body.description = form.description.trim();
      if (form.vendorId) body.vendorIds = [form.vendorId];
      if (form.owner.trim()) body.owner = form.owner.trim();
      if (form.team) body.team = form.team;
      if (form.dueDate) body.dueDate = form.dueDate;
      onSaved(await api.post<RiskDetail>('/api/v1/risks', body));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="New risk" onClose={onClose} wide>
      <form onSubmit={submit} aria-label="New risk">
        <ErrorBanner error={error} />
        <Field label="Title" required error={errors['/title']}>
          {(p) => <input {...p} value={form.title} onChange={(e) => update('title')(e.target.value)} />}
        </Field>
        <Field label="Description">
          {(p) => <textarea {...p} rows={3} value={form.description} onChange={(e) => update('description')(e.target.value)} />}
        </Field>
        <div className="grid-fields">
          <RatingSelect axis="likelihood" text="Likelihood" value={form.likelihood} onChange={update('likelihood')} scales={scales} />
          <RatingSelect axis="impact" text="Impact" value={form.impact} onChange={update('impact')} scales={scales} />
          <Field label="Vendor">
            {(p) => (
              <select {...p} value={form.vendorId} onChange={(e) => update('vendorId')(e.target.value)}>
                <option value="">none</option>
                {vendors.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Owner">{(p) => <input {...p} value={form.owner} onChange={(e) => update('owner')(e.target.value)} />}</Field>
          <Field label="Team" error={errors['/team']}>
            {(p) => (
              <select {...p} value={form.team} onChange={(e) => update('team')(e.target.value)}>
                <option value="">none</option>
                {TEAMS.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Due date" error={errors['/dueDate']}>
            {(p) => <input {...p} type="date" value={form.dueDate} onChange={(e) => update('dueDate')(e.target.value)} />}
          </Field>
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Create risk'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Where an evidence link leads in the UI, when it has a page here. */
function evidenceHref(e: Evidence, risk: RiskDetail): string | null {
  switch (e.type) {
    case 'vendor':
      return `/vendors/${e.id}`;
    case 'product':
      return `/products/${e.id}`;
    case 'advisory':
      return `/advisories/${encodeURIComponent(e.id)}`;
    case 'mention':
      return `/mentions?triage=all&minConfidence=0&id=${e.id}`;
    case 'finding': {
      const advisory = risk.evidence.find((x) => x.type === 'advisory')?.id;
      const product = risk.products[0]?.id;
      return advisory && product ? `/findings?advisory=${encodeURIComponent(advisory)}&productId=${product}` : null;
    }
    case 'artifact-alert':
      // Integrity alerts live on their product's page.
      return risk.products[0] ? `/products/${risk.products[0].id}` : null;
    case 'document':
      return /^https?:\/\//.test(e.id) ? e.id : null;
    default:
      return null;
  }
}

export function RiskPage({ id }: { id: string }) {
  const { can } = useSession();
  const state = useAsync((signal) => api.get<RiskDetail>(`/api/v1/risks/${id}`, undefined, signal), [id]);
  const scales = useScales();
  const r = state.data;
  useDocumentTitle(r ? r.title : 'Risk');
  if (state.error && !r) return <div className="page"><ErrorBanner error={state.error} onRetry={state.reload} /></div>;
  if (!r) return <div className="page"><Loading label="Loading risk…" /></div>;
  const changed = (next: RiskDetail) => state.setData(next);
  const writable = can('risks:write');
  return (
    <div className="page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/risks">Risk register</Link>
      </nav>
      <div className="page-head">
        <h1>{r.title}</h1>
        <div className="actions">
          <LevelTag level={r.level} score={r.score} />
          <span className="tag" data-testid="risk-status">{label(r.status)}</span>
        </div>
      </div>
      {r.reopenReason && r.status !== 'closed' && (
        <p className="banner banner-info" role="status">
          Reopened {r.reopenedAt ? formatDateTime(r.reopenedAt) : ''}: {r.reopenReason}
        </p>
      )}
      {r.overdue && <p className="banner banner-error">Treatment was due {formatDate(r.dueDate)}.</p>}
      <div className="grid-2">
        <section className="card" aria-labelledby="rating-title">
          <header className="card-head">
            <h2 id="rating-title">Rating</h2>
          </header>
          <dl className="dl">
            <Row label="Inherent">
              <LevelTag level={r.inherent.level} score={r.inherent.score} /> likelihood {r.inherent.likelihood} ({scales.data?.likelihood[r.inherent.likelihood - 1]?.label}) × impact {r.inherent.impact} ({scales.data?.impact[r.inherent.impact - 1]?.label})
            </Row>
            <Row label="Residual">
              {r.residual ? (
                <>
                  <LevelTag level={r.residual.level} score={r.residual.score} /> likelihood {r.residual.likelihood} × impact {r.residual.impact}
                </>
              ) : (
                'not assessed'
              )}
            </Row>
            <Row label="Source">
              {label(r.source)}
              {r.sourceKey && <div className="small muted mono-wrap">{r.sourceKey}</div>}
              {r.source !== 'manual' && <div className="small muted">raised {plural(r.raiseCount, 'time')}{r.lastRaisedAt && `, last ${formatDateTime(r.lastRaisedAt)}`}{r.assessed ? '; a person has assessed it, so re-raises keep this rating' : ''}</div>}
            </Row>
            <Row label="Vendors">
              {r.vendors.length
                ? r.vendors.map((v) => (
                    <div key={v.id}>
                      <Link to={`/vendors/${v.id}`}>{v.name}</Link> <TierBadge tier={v.tier} />
                    </div>
                  ))
                : '—'}
            </Row>
            <Row label="Products">{r.products.length ? r.products.map((p) => <div key={p.id}><Link to={`/products/${p.id}`}>{p.name}</Link></div>) : '—'}</Row>
            <Row label="Created">{formatDateTime(r.createdAt)} by {r.createdBy}</Row>
          </dl>
          {r.description && <p className="description">{r.description}</p>}
        </section>
        <section className="card" aria-labelledby="treatment-title">
          <header className="card-head">
            <h2 id="treatment-title">Treatment</h2>
          </header>
          <dl className="dl">
            <Row label="Treatment">{r.treatment ?? 'not decided'}</Row>
            <Row label="Plan">{r.treatmentPlan ?? '—'}</Row>
            <Row label="Owner">{r.owner ?? '—'}</Row>
            <Row label="Team">{r.team?.name ?? '—'}</Row>
            <Row label="Due">{r.dueDate ? formatDate(r.dueDate) : '—'}</Row>
            {r.acceptance && (
              <Row label="Acceptance">
                <div data-testid="acceptance">
                  {r.acceptance.approvedBy ? `Accepted by ${r.acceptance.approvedBy} ${formatDateTime(r.acceptance.approvedAt)}` : `Requested by ${r.acceptance.requestedBy}, awaiting approval`}; expires {formatDateTime(r.acceptance.expiresAt)}
                  <div className="small muted">{r.acceptance.justification}</div>
                </div>
              </Row>
            )}
            {r.status === 'closed' && <Row label="Closed">{formatDateTime(r.closedAt)} as {label(r.closeReason ?? '')}</Row>}
          </dl>
          <AcceptancePanel risk={r} scales={scales.data} onChanged={changed} />
        </section>
      </div>
      {writable && <EditRisk risk={r} scales={scales.data} onChanged={changed} />}
      <section className="card" aria-labelledby="evidence-title">
        <header className="card-head">
          <h2 id="evidence-title">Evidence ({r.evidence.length})</h2>
        </header>
        {r.evidence.length === 0 ? (
          <Empty>No evidence linked yet.</Empty>
        ) : (
          <ul className="plain-list evidence-list" data-testid="evidence">
            {r.evidence.map((e) => {
              const href = evidenceHref(e, r);
              const text = e.label ?? e.id;
              return (
                <li key={`${e.type}:${e.id}`}>
                  <span className="tag">{e.type}</span>{' '}
                  {href ? href.startsWith('http') ? <a href={href} rel="noreferrer noopener" target="_blank">{text}</a> : <Link to={href}>{text}</Link> : <span className="mono-wrap">{text}</span>}
                  <span className="small muted"> · added {formatDateTime(e.addedAt)} by {e.addedBy}</span>
                </li>
              );
            })}
          </ul>
        )}
        {writable && <AddEvidence risk={r} onChanged={changed} />}
      </section>
    </div>
  );
}

function Row({ label: text, children }: { label: string; children: ReactNode }) {
  return (
    <div className="dl-row">
      <dt>{text}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function EditRisk({ risk: r, scales, onChanged }: { risk: RiskDetail; scales: RiskScales | undefined; onChanged: (r: RiskDetail) => void }) {
  const initial = () => ({
    likelihood: String(r.inherent.likelihood),
    impact: String(r.inherent.impact),
    residualLikelihood: r.residual ? String(r.residual.likelihood) : '',
    residualImpact: r.residual ? String(r.residual.impact) : '',
    owner: r.owner ?? '',
    team: r.team?.key ?? '',
    treatment: r.treatment ?? '',
    treatmentPlan: r.treatmentPlan ?? '',
    dueDate: r.dueDate ?? '',
  });
  const [form, setForm] = useState(initial);
  const [closeReason, setCloseReason] = useState<string>('mitigated');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = formErrors(error);
  const update = (k: keyof ReturnType<typeof initial>) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const patch = async (body: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    try {
      const next = await api.patch<RiskDetail>(`/api/v1/risks/${r.id}`, body);
      onChanged(next);
      return next;
    } catch (e) {
      setError(e);
      return null;
    } finally {
      setBusy(false);
    }
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    const was = initial();
    if (form.likelihood !== was.likelihood) body.likelihood = Number(form.likelihood);
    if (form.impact !== was.impact) body.impact = Number(form.impact);
    if (form.residualLikelihood !== was.residualLikelihood || form.residualImpact !== was.residualImpact) {
      body.residualLikelihood = form.residualLikelihood ? Number(form.residualLikelihood) : null;
      body.residualImpact = form.residualImpact ? Number(form.residualImpact) : null;
    }
    if (form.owner !== was.owner) body.owner = form.owner.trim() || null;
    if (form.team !== was.team) body.team = form.team || null;
    if (form.treatment !== was.treatment) body.treatment = form.treatment || null;
    if (form.treatmentPlan !== was.treatmentPlan) body.treatmentPlan = form.treatmentPlan.trim() || null;
    if (form.dueDate !== was.dueDate) body.dueDate = form.dueDate || null;
    if (Object.keys(body).length) await patch(body);
  };
  return (
    <section className="card" aria-labelledby="edit-title">
      <header className="card-head">
        <h2 id="edit-title">Assess and treat</h2>
      </header>
      <form onSubmit={save} aria-label="Assess and treat">
        <ErrorBanner error={error} />
        <div className="grid-fields grid-fields-4">
          <RatingSelect axis="likelihood" text="Inherent likelihood" value={form.likelihood} onChange={update('likelihood')} scales={scales} />
          <RatingSelect axis="impact" text="Inherent impact" value={form.impact} onChange={update('impact')} scales={scales} />
          <RatingSelect axis="likelihood" text="Residual likelihood" value={form.residualLikelihood} onChange={update('residualLikelihood')} scales={scales} allowNone error={errors['/residualLikelihood']} />
          <RatingSelect axis="impact" text="Residual impact" value={form.residualImpact} onChange={update('residualImpact')} scales={scales} allowNone error={errors['/residualImpact']} />
          <Field label="Owner">{(p) => <input {...p} value={form.owner} onChange={(e) => update('owner')(e.target.value)} />}</Field>
          <Field label="Team" error={errors['/team']}>
            {(p) => (
              <select {...p} value={form.team} onChange={(e) => update('team')(e.target.value)}>
                <option value="">none</option>
                {TEAMS.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Treatment" hint="Accepting goes through an approval below.">
            {(p) => (
              <select {...p} value={form.treatment} onChange={(e) => update('treatment')(e.target.value)}>
                <option value="">not decided</option>
                {TREATMENTS.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Due date" error={errors['/dueDate']}>
            {(p) => <input {...p} type="date" value={form.dueDate} onChange={(e) => update('dueDate')(e.target.value)} />}
          </Field>
        </div>
        <Field label="Treatment plan">
          {(p) => <textarea {...p} rows={2} value={form.treatmentPlan} onChange={(e) => update('treatmentPlan')(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Save
          </button>
          {r.status === 'closed' ? (
            <button type="button" className="btn" disabled={busy} onClick={() => void patch({ status: 'open' })}>
              Reopen
            </button>
          ) : (
            <span className="inline-form">
              <Field label="Close as">
                {(p) => (
                  <select {...p} value={closeReason} onChange={(e) => setCloseReason(e.target.value)}>
                    {CLOSE_REASONS.map((c) => (
                      <option key={c} value={c}>
                        {label(c)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <button type="button" className="btn" disabled={busy} onClick={() => void patch({ status: 'closed', closeReason })}>
                Close risk
              </button>
            </span>
          )}
        </div>
      </form>
    </section>
  );
}

function AcceptancePanel({ risk: r, scales, onChanged }: { risk: RiskDetail; scales: RiskScales | undefined; onChanged: (r: RiskDetail) => void }) {
  const { can } = useSession();
  const [justification, setJustification] = useState('');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<unknown>(null);
  const errors = formErrors(error);
  const run = async (fn: () => Promise<RiskDetail>) => {
    setError(null);
    try {
      onChanged(await fn());
    } catch (e) {
      setError(e);
    }
  };
  if (r.status === 'pending-acceptance' && can('risks:approve')) {
    return (
      <div className="acceptance-decision">
        <ErrorBanner error={error} />
        <p className="small">The person who asked cannot decide; another approver must.</p>
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={() => void run(() => api.post<RiskDetail>(`/api/v1/risks/${r.id}/acceptance/decision`, { decision: 'approve' }))}>
            Approve acceptance
          </button>
          <button type="button" className="btn" onClick={() => void run(() => api.post<RiskDetail>(`/api/v1/risks/${r.id}/acceptance/decision`, { decision: 'reject' }))}>
            Reject
          </button>
        </div>
      </div>
    );
  }
  if (r.status !== 'open' || !can('risks:write')) return null;
  const max = scales?.maxAcceptanceDays ?? 365;
  return (
    <details className="acceptance-request">
      <summary>Ask to accept this risk</summary>
      <form
        aria-label="Ask to accept this risk"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api.post<RiskDetail>(`/api/v1/risks/${r.id}/acceptance`, { justification, expiresAt: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : '' }));
        }}
      >
        <ErrorBanner error={error} />
        <Field label="Justification" required error={errors['/justification']}>
          {(p) => <textarea {...p} rows={2} value={justification} onChange={(e) => setJustification(e.target.value)} />}
        </Field>
        <Field label="Accepted until" required hint={`At most ${max} days from now; the risk reopens then.`} error={errors['/expiresAt']}>
          {(p) => <input {...p} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />}
        </Field>
        <button type="submit" className="btn">
          Ask for approval
        </button>
      </form>
    </details>
  );
}

function AddEvidence({ risk: r, onChanged }: { risk: RiskDetail; onChanged: (r: RiskDetail) => void }) {
  const [form, setForm] = useState({ type: 'document', id: '', label: '' });
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      onChanged(await api.patch<RiskDetail>(`/api/v1/risks/${r.id}`, { addEvidence: [{ type: form.type, id: form.id.trim(), ...(form.label.trim() ? { label: form.label.trim() } : {}) }] }));
      setForm({ type: 'document', id: '', label: '' });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <details>
      <summary>Link evidence</summary>
      <form className="inline-form" onSubmit={submit} aria-label="Link evidence">
        <ErrorBanner error={error} />
        <Field label="Type">
          {(p) => (
            <select {...p} value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>
              {['document', 'finding', 'sighting', 'mention', 'artifact-alert', 'indicator', 'advisory', 'vendor', 'product', 'assessment'].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Id or URL" required>
          {(p) => <input {...p} value={form.id} onChange={(e) => setForm({ ...form, id: e.target.value })} />}
        </Field>
        <Field label="Label">{(p) => <input {...p} value={form.label} onChange={(e) => setForm({ ...form, label: e.target.value })} />}</Field>
        <button type="submit" className="btn" disabled={!form.id.trim()}>
          Link
        </button>
      </form>
    </details>
  );
}

/** The vendor page's risk section: its roll-up and its active risks. */
export function VendorRisks({ vendorId }: { vendorId: string }) {
  const summary = useAsync((signal) => api.get<RiskSummary>('/api/v1/risks/summary', { vendorId }, signal), [vendorId]);
  const s = summary.data;
  return (
    <section className="card" id="risks" aria-labelledby="vendor-risks-title">
      <header className="card-head">
        <h2 id="vendor-risks-title">Risks{s ? ` (${s.total})` : ''}</h2>
        <Link to={`/risks?vendorId=${vendorId}`}>Open in the register</Link>
      </header>
      <ErrorBanner error={summary.error} onRetry={summary.reload} />
      {s && s.total > 0 && (
        <p data-testid="vendor-risk-summary">
          {LEVELS.slice()
            .reverse()
            .filter((l) => s.byLevel[l] > 0)
            .map((l) => (
              <span key={l}>
                <LevelTag level={l} /> {s.byLevel[l]}{' '}
              </span>
            ))}
          {s.overdue > 0 && <span className="overdue-tag"> · {s.overdue} overdue</span>}
        </p>
      )}
      <RisksTable query={{ vendorId, limit: 10 }} showVendors={false} />
    </section>
  );
}
