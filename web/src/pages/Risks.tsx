import { useState, type FormEvent } from 'react';
import { api, fieldErrors, type QueryValue } from '../api.js';
import { DetailRow, Dialog, Empty, ErrorBanner, Field, Loading, PageStatus, SelectField, SubmitButton, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { formatDate, formatDateTime, plural } from '../format.js';
import { DataTable, FilterBar, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters, useVendorOptions } from '../lists.js';
import { Link, navigate } from '../router.js';
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

/** A risk's vendors, each with its tier. */
function VendorLinks({ vendors }: { vendors: Risk['vendors'] }) {
  return vendors.map((v) => (
    <div key={v.id}>
      <Link to={`/vendors/${v.id}`}>{v.name}</Link> <TierBadge tier={v.tier} />
    </div>
  ));
}

export function RisksTable({ query, showVendors = true, refreshKey }: { query: Record<string, QueryValue>; showVendors?: boolean; refreshKey?: number }) {
  const list = usePagedList<Risk>('/api/v1/risks', query, refreshKey);
  return (
    <ListBody list={list} loading="Loading risks…" empty="No risks match.">
      {(items) => (
        <DataTable
          rows={items}
          rowKey={(r) => r.id}
          rowClassName={(r) => (r.overdue ? 'row-overdue' : undefined)}
          className="table-risks"
          testId="risks-table"
          columns={[
            {
              header: 'Risk',
              rowHeader: true,
              cell: (r) => (
                <>
                  <Link to={`/risks/${r.id}`}>{r.title}</Link>
                  <div className="small muted">
                    {label(r.source)}
                    {r.evidenceCount > 0 && ` · ${plural(r.evidenceCount, 'evidence link')}`}
                    {r.reopenCount > 0 && ` · reopened ${r.reopenCount}×`}
                  </div>
                </>
              ),
            },
            {
              header: 'Level',
              cell: (r) => (
                <>
                  <LevelTag level={r.level} score={r.score} />
                  {r.residual && <div className="small muted">inherent {r.inherent.score}</div>}
                </>
              ),
            },
            { header: 'L × I', className: 'nowrap', cell: (r) => `${(r.residual ?? r.inherent).likelihood} × ${(r.residual ?? r.inherent).impact}` },
            showVendors && { header: 'Vendors', cell: (r) => <VendorLinks vendors={r.vendors} /> },
            {
              header: 'Status',
              className: 'nowrap',
              cell: (r) => (
                <>
                  {label(r.status)}
                  {r.treatment && <div className="small muted">{r.treatment}</div>}
                </>
              ),
            },
            { header: 'Owner', cell: (r) => [r.owner, r.team?.name].filter(Boolean).join(' · ') || '—' },
            { header: 'Due', className: (r) => (r.overdue ? 'overdue-tag nowrap' : 'nowrap'), cell: (r) => (r.dueDate ? formatDate(r.dueDate) : '—') },
          ]}
        />
      )}
    </ListBody>
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
  const { can } = useSession();
  const scales = useScales();
  const [refresh, setRefresh] = useState(0);
  const [creating, setCreating] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const filters = useUrlFilters('/risks', FILTER_KEYS);
  const set = filters.set;
  const summary = useAsync((signal) => api.get<RiskSummary>('/api/v1/risks/summary', undefined, signal), [refresh]);
  const vendors = useVendorOptions();
  const cell: [number, number] | null = filters.value('likelihood') && filters.value('impact') ? [Number(filters.value('likelihood')), Number(filters.value('impact'))] : null;
  const s = summary.data;

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
              api.download('/api/v1/risks/export', filters.query, 'risks.csv').catch(setDownloadError);
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
            <DataTable
              rows={s.vendors.slice(0, 10)}
              rowKey={(v) => v.id}
              testId="risk-vendors"
              columns={[
                {
                  header: 'Vendor',
                  rowHeader: true,
                  cell: (v) => (
                    <>
                      <button type="button" className="link-btn" onClick={() => set({ vendorId: v.id })}>
                        {v.name}
                      </button>{' '}
                      <TierBadge tier={v.tier} />
                    </>
                  ),
                },
                { header: 'Risks', cell: (v) => v.total },
                { header: 'Critical / high', cell: (v) => `${v.byLevel.critical} / ${v.byLevel.high}` },
              ]}
            />
          )}
          {s && <p className="small muted">A risk that names several vendors counts for each here, and once in the totals.</p>}
        </section>
      </div>
      <FilterBar label="Filter risks">
        <FilterSelect filters={filters} name="status" label="Status" options={RISK_STATUSES.filter((x) => x !== 'active').map((x) => [x, label(x)])} all="Active (open, pending, accepted)" />
        <FilterSelect filters={filters} name="level" label="Level" options={LEVELS} all="All levels" />
        <FilterSelect filters={filters} name="source" label="Source" options={RISK_SOURCES.map((x) => [x, label(x)])} all="All sources" />
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name])} all="All vendors" />
        <FilterSelect filters={filters} name="treatment" label="Treatment" options={[...TREATMENTS, ['none', 'not decided']]} all="Any treatment" />
        <FilterSelect filters={filters} name="overdue" label="Due" options={[['true', 'overdue'], ['false', 'not overdue']]} all="Any" />
        <FilterSearch filters={filters} placeholder="title or description" />
      </FilterBar>
      <RisksTable query={{ ...filters.query, limit: 50 }} refreshKey={refresh} />
      {creating && (
        <RiskFormDialog
          scales={scales.data}
          vendors={vendors}
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
  return <SelectField label={text} error={error} value={value} onChange={onChange} placeholder={allowNone ? 'not assessed' : undefined} options={[1, 2, 3, 4, 5].map((n) => [String(n), `${n} — ${scales?.[axis][n - 1]?.label ?? n}`])} />;
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
          <SelectField label="Vendor" value={form.vendorId} onChange={update('vendorId')} options={vendors.map((v) => [v.id, v.name])} placeholder="none" />
          <Field label="Owner">{(p) => <input {...p} value={form.owner} onChange={(e) => update('owner')(e.target.value)} />}</Field>
          <SelectField label="Team" error={errors['/team']} value={form.team} onChange={update('team')} options={TEAMS} placeholder="none" />
          <Field label="Due date" error={errors['/dueDate']}>
            {(p) => <input {...p} type="date" value={form.dueDate} onChange={(e) => update('dueDate')(e.target.value)} />}
          </Field>
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton busy={busy} label="Create risk" />
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
    case 'indicator':
      return `/indicators/${e.id}`;
    case 'sighting': {
      // A sighting is listed on its indicator's page; the sightings page narrows to the vendor otherwise.
      const indicator = risk.evidence.find((x) => x.type === 'indicator')?.id;
      if (indicator) return `/indicators/${indicator}`;
      return risk.vendors[0] ? `/sightings?vendorId=${risk.vendors[0].id}` : '/sightings';
    }
    case 'egress-alert':
      return `/egress/alerts/${e.id}`;
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
  if (!r) return <PageStatus state={state} label="Loading risk…" />;
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
            <DetailRow label="Inherent">
              <LevelTag level={r.inherent.level} score={r.inherent.score} /> likelihood {r.inherent.likelihood} ({scales.data?.likelihood[r.inherent.likelihood - 1]?.label}) × impact {r.inherent.impact} ({scales.data?.impact[r.inherent.impact - 1]?.label})
            </DetailRow>
            <DetailRow label="Residual">
              {r.residual ? (
                <>
                  <LevelTag level={r.residual.level} score={r.residual.score} /> likelihood {r.residual.likelihood} × impact {r.residual.impact}
                </>
              ) : (
                'not assessed'
              )}
            </DetailRow>
            <DetailRow label="Source">
              {label(r.source)}
              {r.sourceKey && <div className="small muted mono-wrap">{r.sourceKey}</div>}
              {r.source !== 'manual' && <div className="small muted">raised {plural(r.raiseCount, 'time')}{r.lastRaisedAt && `, last ${formatDateTime(r.lastRaisedAt)}`}{r.assessed ? '; a person has assessed it, so re-raises keep this rating' : ''}</div>}
            </DetailRow>
            <DetailRow label="Vendors">
              {r.vendors.length ? <VendorLinks vendors={r.vendors} /> : '—'}
            </DetailRow>
            <DetailRow label="Products">{r.products.length ? r.products.map((p) => <div key={p.id}><Link to={`/products/${p.id}`}>{p.name}</Link></div>) : '—'}</DetailRow>
            <DetailRow label="Created">{formatDateTime(r.createdAt)} by {r.createdBy}</DetailRow>
          </dl>
          {r.description && <p className="description">{r.description}</p>}
        </section>
        <section className="card" aria-labelledby="treatment-title">
          <header className="card-head">
            <h2 id="treatment-title">Treatment</h2>
          </header>
          <dl className="dl">
            <DetailRow label="Treatment">{r.treatment ?? 'not decided'}</DetailRow>
            <DetailRow label="Plan">{r.treatmentPlan ?? '—'}</DetailRow>
            <DetailRow label="Owner">{r.owner ?? '—'}</DetailRow>
            <DetailRow label="Team">{r.team?.name ?? '—'}</DetailRow>
            <DetailRow label="Due">{r.dueDate ? formatDate(r.dueDate) : '—'}</DetailRow>
            {r.acceptance && (
              <DetailRow label="Acceptance">
                <div data-testid="acceptance">
                  {r.acceptance.approvedBy ? `Accepted by ${r.acceptance.approvedBy} ${formatDateTime(r.acceptance.approvedAt)}` : `Requested by ${r.acceptance.requestedBy}, awaiting approval`}; expires {formatDateTime(r.acceptance.expiresAt)}
                  <div className="small muted">{r.acceptance.justification}</div>
                </div>
              </DetailRow>
            )}
            {r.status === 'closed' && <DetailRow label="Closed">{formatDateTime(r.closedAt)} as {label(r.closeReason ?? '')}</DetailRow>}
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
                  <span className="tag">{label(e.type)}</span>{' '}
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
          <SelectField label="Team" error={errors['/team']} value={form.team} onChange={update('team')} options={TEAMS} placeholder="none" />
          <SelectField label="Treatment" hint="Accepting goes through an approval below." value={form.treatment} onChange={update('treatment')} options={TREATMENTS} placeholder="not decided" />
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
              <SelectField label="Close as" value={closeReason} onChange={setCloseReason} options={CLOSE_REASONS.map((c) => [c, label(c)])} />
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
        <SelectField label="Type" value={form.type} onChange={(type) => setForm({ ...form, type })} options={['document', 'finding', 'sighting', 'mention', 'artifact-alert', 'egress-alert', 'indicator', 'advisory', 'vendor', 'product', 'assessment']} />
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
