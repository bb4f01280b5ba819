import { useState, type FormEvent } from 'react';
import { api, describeError, type QueryValue } from '../api.js';
import { Empty, ErrorBanner, Field, Loading, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { formatDate, plural } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { TIERS, type Page } from '../types.js';
import { FINDING_STATES, JUSTIFICATIONS, SEVERITIES, type Advisory, type Exposure, type Finding, type VulnerabilityRisk } from '../supplyTypes.js';

const label = (s: string) => s.replace(/_/g, ' ');

export function SeverityTag({ severity }: { severity: string }) {
  return <span className={`sev sev-${severity}`}>{severity}</span>;
}

export function RiskScore({ path, refreshKey }: { path: string; refreshKey?: number }) {
  const state = useAsync((signal) => api.get<VulnerabilityRisk>(path, undefined, signal), [path, refreshKey]);
  if (state.error) return <ErrorBanner error={state.error} onRetry={state.reload} />;
  if (!state.data) return <Loading label="Loading vulnerability risk…" />;
  const r = state.data;
  return (
    <p className="vuln-risk" data-testid="vulnerability-risk">
      <span className="risk-score-num">{r.score}</span> <span className="muted">/ 100 vulnerability risk</span> · {plural(r.findings.open, 'open finding')}, {r.findings.counted} counted, {r.findings.suppressed} suppressed
      {r.findings.indeterminate > 0 && <>, {r.findings.indeterminate} indeterminate</>}
      <details className="small">
        <summary>How is this computed?</summary>
        <p className="muted">{r.formula}</p>
      </details>
    </p>
  );
}

export function FindingsTable({
  query,
  refreshKey,
  selectable,
  selected,
  onSelect,
  showOwner = true,
}: {
  showOwner?: boolean;
  query: Record<string, QueryValue>;
  refreshKey?: number;
  selectable?: boolean;
  selected?: Set<string>;
  onSelect?: (ids: Set<string>) => void;
}) {
  const [cursor, setCursor] = useState<string | null>(null);
  const [pages, setPages] = useState<Array<string | null>>([]);
  const key = JSON.stringify(query);
  const state = useAsync((signal) => api.get<Page<Finding>>('/api/v1/findings', { ...query, cursor }, signal), [key, cursor, refreshKey]);
  const items = state.data?.items ?? [];
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    onSelect?.(next);
  };
  return (
    <>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!state.data ? (
        !state.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No findings match.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table table-findings" data-testid="findings-table">
            <thead>
              <tr>
                {selectable && (
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select all findings on this page"
                      checked={items.length > 0 && items.every((f) => selected?.has(f.id))}
                      onChange={(e) => onSelect?.(e.target.checked ? new Set([...(selected ?? []), ...items.map((f) => f.id)]) : new Set())}
                    />
                  </th>
                )}
                <th scope="col">Advisory</th>
                <th scope="col">Severity</th>
                <th scope="col">Component</th>
                {showOwner && <th scope="col">Vendor / product</th>}
                <th scope="col">State</th>
                <th scope="col">Fixed in</th>
                <th scope="col">Due</th>
              </tr>
            </thead>
            <tbody>
              {items.map((f) => (
                <tr key={f.id}>
                  {selectable && (
                    <td>
                      <input type="checkbox" aria-label={`Select ${f.advisoryId} in ${f.component.name}`} checked={selected?.has(f.id) ?? false} onChange={(e) => toggle(f.id, e.target.checked)} />
                    </td>
                  )}
                  <th scope="row">
                    <Link to={`/advisories/${encodeURIComponent(f.advisoryId)}`}>{f.advisoryId}</Link>
                    {f.kev && <span className="tag tag-warn" title="Known exploited (CISA KEV)">KEV</span>}
                    {f.malicious && <span className="tag tag-warn">malicious</span>}
                    {f.summary && <div className="small muted">{f.summary}</div>}
                  </th>
                  <td>
                    <SeverityTag severity={f.severity} />
                    {f.epss !== null && <div className="small muted">EPSS {(f.epss * 100).toFixed(1)}%</div>}
                  </td>
                  <td>
                    {f.component.packageName} <span className="muted">{f.component.version}</span>
                    <div className="small muted">
                      {f.component.direct ? 'direct' : 'transitive'}
                      {!showOwner && f.release && <> · release {f.release}</>}
                    </div>
                  </td>
                  {showOwner ? (
                    <td>
                      <Link to={`/vendors/${f.vendor.id}`}>{f.vendor.name}</Link> <TierBadge tier={f.vendor.tier} />
                      <div className="small">
                        <Link to={`/products/${f.product.id}`}>{f.product.name}</Link> {f.release}
                      </div>
                    </td>
                  ) : null}
                  <td className="nowrap">{label(f.state)}{f.justification && <div className="small muted">{label(f.justification)}</div>}</td>
                  <td>{f.fixedIn ?? '—'}</td>
                  <td className={f.overdue ? 'overdue-tag nowrap' : 'nowrap'}>{formatDate(f.dueAt)}</td>
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

const FILTER_KEYS = ['vendorId', 'productId', 'tier', 'severity', 'kev', 'malicious', 'epssMin', 'state', 'advisory'] as const;

export function FindingsPage() {
  useDocumentTitle('Findings');
  const { search } = useLocation();
  const { can } = useSession();
  const query: Record<string, QueryValue> = { limit: 50 };
  for (const k of FILTER_KEYS) {
    const all = search.getAll(k);
    if (all.length > 1) query[k] = all;
    else if (all.length === 1) query[k] = all[0];
  }
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(search);
    if (v) next.set(k, v);
    else next.delete(k);
    navigate(`/findings${next.toString() ? `?${next}` : ''}`, { replace: true });
  };
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [refresh, setRefresh] = useState(0);
  const [triage, setTriage] = useState({ state: 'not_affected', justification: '', detail: '' });
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const vendors = useAsync((signal) => api.get<Page<{ id: string; name: string }>>('/api/v1/vendors', { limit: 200, sort: 'name' }, signal), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const body: Record<string, unknown> = { ids: [...selected], state: triage.state };
      if (triage.state === 'not_affected' && triage.justification) body.justification = triage.justification;
      if (triage.detail.trim()) body.detail = triage.detail.trim();
      const result = await api.post<{ updated?: number; matched?: number }>('/api/v1/findings/triage', body);
      setMessage(`${plural(result?.updated ?? selected.size, 'finding')} set to ${label(triage.state)}.`);
      setSelected(new Set());
      setRefresh((r) => r + 1);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="page page-wide">
      <div className="page-head">
        <h1>Findings</h1>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter findings">
        <div className="filters-row">
          <Field label="Vendor">
            {(props) => (
              <select {...props} value={search.get('vendorId') ?? ''} onChange={(e) => set('vendorId', e.target.value)}>
                <option value="">All vendors</option>
                {vendors.data?.items.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Tier">
            {(props) => (
              <select {...props} value={search.get('tier') ?? ''} onChange={(e) => set('tier', e.target.value)}>
                <option value="">Any tier</option>
                {TIERS.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Severity">
            {(props) => (
              <select {...props} value={search.get('severity') ?? ''} onChange={(e) => set('severity', e.target.value)}>
                <option value="">Any severity</option>
                {SEVERITIES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="State">
            {(props) => (
              <select {...props} value={search.get('state') ?? ''} onChange={(e) => set('state', e.target.value)}>
                <option value="">Any state</option>
                {FINDING_STATES.map((s) => (
                  <option key={s} value={s}>
                    {label(s)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="EPSS ≥">
            {(props) => <input {...props} type="number" min={0} max={1} step={0.05} value={search.get('epssMin') ?? ''} onChange={(e) => set('epssMin', e.target.value)} />}
          </Field>
          <label className="check">
            <input type="checkbox" checked={search.get('kev') === 'true'} onChange={(e) => set('kev', e.target.checked ? 'true' : '')} /> Known exploited (KEV)
          </label>
          <label className="check">
            <input type="checkbox" checked={search.get('malicious') === 'true'} onChange={(e) => set('malicious', e.target.checked ? 'true' : '')} /> Malicious
          </label>
        </div>
      </form>
      {can('findings:triage') && (
        <form className="card inline-form triage" onSubmit={(e) => void submit(e)} aria-label="Triage selected findings">
          <strong aria-live="polite">{plural(selected.size, 'finding')} selected</strong>
          <Field label="Set state to">
            {(props) => (
              <select {...props} value={triage.state} onChange={(e) => setTriage({ ...triage, state: e.target.value })}>
                {FINDING_STATES.map((s) => (
                  <option key={s} value={s}>
                    {label(s)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Justification">
            {(props) => (
              <select {...props} value={triage.justification} disabled={triage.state !== 'not_affected'} onChange={(e) => setTriage({ ...triage, justification: e.target.value })}>
                <option value="">—</option>
                {JUSTIFICATIONS.map((j) => (
                  <option key={j} value={j}>
                    {label(j)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Note">
            {(props) => <input {...props} type="text" maxLength={2000} value={triage.detail} onChange={(e) => setTriage({ ...triage, detail: e.target.value })} />}
          </Field>
          <button type="submit" className="btn btn-primary" disabled={selected.size === 0}>
            Apply to selected
          </button>
        </form>
      )}
      <div aria-live="polite">
        {message && (
          <p className="banner banner-ok" role="status">
            {message}
          </p>
        )}
      </div>
      {error !== null && (
        <p className="banner banner-error" role="alert">
          {describeError(error)}
        </p>
      )}
      <FindingsTable query={query} refreshKey={refresh} selectable={can('findings:triage')} selected={selected} onSelect={setSelected} />
    </div>
  );
}

export function AdvisoryPage({ id }: { id: string }) {
  useDocumentTitle(id);
  const advisory = useAsync((signal) => api.get<Advisory>(`/api/v1/advisories/${encodeURIComponent(id)}`, undefined, signal), [id]);
  const exposure = useAsync((signal) => api.get<Exposure>('/api/v1/exposure', { advisory: id }, signal), [id]);
  const a = advisory.data;
  return (
    <div className="page page-wide">
      <p className="crumbs">
        <Link to="/findings">Findings</Link> / {id}
      </p>
      <ErrorBanner error={advisory.error} onRetry={advisory.reload} />
      {!a ? (
        !advisory.error && <Loading />
      ) : (
        <>
          <h1>
            {a.advisoryId} <SeverityTag severity={a.severity} />
            {a.kev && <span className="tag tag-warn">KEV</span>}
            {a.malicious && <span className="tag tag-warn">malicious</span>}
            {a.withdrawn && <span className="tag">withdrawn</span>}
          </h1>
          <p>{a.summary}</p>
          <p className="muted small">
            {a.aliases.length > 0 && <>Also {a.aliases.join(', ')} · </>}
            {a.cvss !== null && <>CVSS {a.cvss} · </>}
            {a.epss !== null && <>EPSS {(a.epss * 100).toFixed(1)}% · </>}
            {a.kevDueDate && <>KEV due {formatDate(a.kevDueDate)} · </>}
            {plural(a.records.length, 'source record')}
          </p>
          {a.records[0]?.details && <p className="description">{a.records[0].details}</p>}
          <AffectedPackages packages={a.packages ?? []} />
          <References records={a.records} />
        </>
      )}
      {/* When the advisory itself failed, its banner above says so once. */}
      {!advisory.error && (
      <section className="card" aria-labelledby="exp-h">
        <div className="card-head">
          <h2 id="exp-h">Exposure</h2>
        </div>
        <ErrorBanner error={exposure.error} onRetry={exposure.reload} />
        {!exposure.data ? (
          !exposure.error && <Loading />
        ) : exposure.data.vendors.length === 0 ? (
          <Empty>No vendor product in the portfolio is affected.</Empty>
        ) : (
          <>
            <p className="muted">
              {/* One row per affected release, so the releases are counted too: the rows below must add up. */}
              {plural(exposure.data.summary.vendors, 'vendor')}, {plural(exposure.data.summary.products, 'product')},{' '}
              {plural(exposure.data.summary.releases, 'release')}, {plural(exposure.data.summary.findings, 'finding')}
              {exposure.data.summary.truncated && ' (truncated)'}
            </p>
            <div className="table-wrap">
              <table className="table" data-testid="exposure-table">
                <thead>
                  <tr>
                    <th scope="col">Vendor</th>
                    <th scope="col">Product</th>
                    <th scope="col">Release</th>
                    <th scope="col">Component</th>
                  </tr>
                </thead>
                <tbody>
                  {exposure.data.vendors.flatMap((v) =>
                    v.products.flatMap((p) =>
                      p.releases.map((r) => (
                        <tr key={`${p.id}-${r.sbomId}`}>
                          <th scope="row">
                            <Link to={`/vendors/${v.id}`}>{v.name}</Link> <TierBadge tier={v.tier} />
                          </th>
                          <td>
                            <Link to={`/products/${p.id}`}>{p.name}</Link>
                          </td>
                          <td>
                            <Link to={`/sboms/${r.sbomId}`}>{r.release ?? '—'}</Link>
                          </td>
                          <td>{r.components?.map((c) => `${c.name} ${c.version ?? ''}${c.direct ? '' : ' (transitive)'}`).join(', ')}</td>
                        </tr>
                      )),
                    ),
                  )}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      )}
    </div>
  );
}

type AffectedPackage = NonNullable<Advisory['packages']>[number];

/** An OSV range as comparisons: introduced 0 / fixed 1.2 → "< 1.2"; introduced 1.0 / last_affected 1.4 → ">= 1.0, <= 1.4". */
export function describeRange(range: AffectedPackage['ranges'][number]): string {
  const parts: string[] = [];
  let open: string | null = null;
  const close = (text: string) => {
    parts.push(open && open !== '0' ? `>= ${open}, ${text}` : text);
    open = null;
  };
  for (const event of range.events) {
    if (event.introduced !== undefined) {
      if (open !== null) close('and later');
      open = event.introduced;
    } else if (event.fixed !== undefined) close(`< ${event.fixed}`);
    else if (event.last_affected !== undefined) close(`<= ${event.last_affected}`);
    else if (event.limit !== undefined) close(`< ${event.limit}`);
  }
  if (open !== null) parts.push(open === '0' ? 'every version' : `>= ${open}`);
  return `${parts.join('; ')}${range.type === 'GIT' ? ' (commits)' : ''}`;
}

function AffectedPackages({ packages }: { packages: AffectedPackage[] }) {
  if (!packages.length) return null;
  return (
    <section className="card" aria-labelledby="affected-h">
      <div className="card-head">
        <h2 id="affected-h">Affected packages</h2>
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="affected-table">
          <thead>
            <tr>
              <th scope="col">Package</th>
              <th scope="col">Affected versions</th>
              <th scope="col">Fixed in</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {packages.map((p, i) => (
              <tr key={`${p.advisory}-${p.ecosystem}-${p.name}-${i}`}>
                <th scope="row">
                  {p.name} <span className="muted small">{p.ecosystem}</span>
                </th>
                <td className="mono-wrap small">
                  {[...p.ranges.filter((r) => r.type !== 'GIT').map(describeRange), ...(p.versions.length ? [`${plural(p.versions.length, 'listed version')}: ${p.versions.slice(0, 8).join(', ')}${p.versions.length > 8 ? ', …' : ''}`] : [])].join('; ') || '—'}
                </td>
                <td className="mono-wrap small">{p.fixed.length ? p.fixed.join(', ') : <span className="muted">no fix yet</span>}</td>
                <td className="small">{p.advisory}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function References({ records }: { records: Advisory['records'] }) {
  const urls = [...new Set(records.flatMap((r) => (r.references ?? []).map((ref) => (typeof ref === 'string' ? ref : ref.url))))].filter((u) => /^https?:\/\//i.test(u));
  if (!urls.length) return null;
  return (
    <section className="card" aria-labelledby="refs-h">
      <div className="card-head">
        <h2 id="refs-h">References</h2>
      </div>
      <ul className="ref-list">
        {urls.map((url) => (
          <li key={url}>
            <a href={url} target="_blank" rel="noopener noreferrer">
              {url}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
