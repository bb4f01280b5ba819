import { useState, type FormEvent } from 'react';
import { api, describeError, type QueryValue } from '../api.js';
import { Empty, ErrorBanner, Field, Loading, SelectField, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { formatDate, plural } from '../format.js';
import { DataTable, FilterBar, FilterCheck, FilterSelect, ListBody, usePagedList, useUrlFilters, useVendorOptions } from '../lists.js';
import { Link } from '../router.js';
import { SeverityLabel, SeverityTag } from '../severity.js';
import { useSession } from '../session.js';
import { TIERS } from '../types.js';
import { FINDING_STATES, JUSTIFICATIONS, SEVERITIES, type Advisory, type Exposure, type Finding, type VulnerabilityRisk } from '../supplyTypes.js';

const label = (s: string) => s.replace(/_/g, ' ');


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
  const list = usePagedList<Finding>('/api/v1/findings', query, refreshKey);
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    onSelect?.(next);
  };
  return (
    <ListBody list={list} empty="No findings match.">
      {(items) => (
        <DataTable
          rows={items}
          rowKey={(f) => f.id}
          className="table-findings"
          testId="findings-table"
          columns={[
            selectable === true && {
              header: (
                <input
                  type="checkbox"
                  aria-label="Select all findings on this page"
                  checked={items.every((f) => selected?.has(f.id))}
                  onChange={(e) => onSelect?.(e.target.checked ? new Set([...(selected ?? []), ...items.map((f) => f.id)]) : new Set())}
                />
              ),
              cell: (f) => <input type="checkbox" aria-label={`Select ${f.advisoryId} in ${f.component.name}`} checked={selected?.has(f.id) ?? false} onChange={(e) => toggle(f.id, e.target.checked)} />,
            },
            {
              header: 'Advisory',
              rowHeader: true,
              cell: (f) => (
                <>
                  <Link to={`/advisories/${encodeURIComponent(f.advisoryId)}`}>{f.advisoryId}</Link>
                  {f.kev && <span className="tag tag-warn" title="Known exploited (CISA KEV)">KEV</span>}
                  {f.malicious && <span className="tag tag-warn">malicious</span>}
                  {f.summary && <div className="small muted">{f.summary}</div>}
                </>
              ),
            },
            {
              header: 'Severity',
              cell: (f) => (
                <>
                  <SeverityLabel severity={f.severity} source={f.severitySource} override={f.severityOverride} />
                  {f.epss !== null && <div className="small muted">EPSS {(f.epss * 100).toFixed(1)}%</div>}
                </>
              ),
            },
            {
              header: 'Component',
              cell: (f) => (
                <>
                  {f.match === 'kev-name' ? (
                    <>
                      {f.component.name} <span className="muted">{f.component.version}</span>{' '}
                      <span className="tag" title="A CISA KEV entry names this vendor and product; it lists no package to match by">
                        name match
                      </span>
                    </>
                  ) : (
                    <>
                      {f.component.packageName} <span className="muted">{f.component.version}</span>
                    </>
                  )}
                  <div className="small muted">
                    {f.component.direct ? 'direct' : 'transitive'}
                    {!showOwner && f.release && <> · release {f.release}</>}
                  </div>
                </>
              ),
            },
            showOwner && {
              header: 'Vendor / product',
              cell: (f) => (
                <>
                  <Link to={`/vendors/${f.vendor.id}`}>{f.vendor.name}</Link> <TierBadge tier={f.vendor.tier} />
                  <div className="small">
                    <Link to={`/products/${f.product.id}`}>{f.product.name}</Link> {f.release}
                  </div>
                </>
              ),
            },
            {
              header: 'State',
              className: 'nowrap',
              cell: (f) => (
                <>
                  {label(f.state)}
                  {f.justification && <div className="small muted">{label(f.justification)}</div>}
                </>
              ),
            },
            { header: 'Fixed in', cell: (f) => f.fixedIn ?? '—' },
            { header: 'Due', className: (f) => (f.overdue ? 'overdue-tag nowrap' : 'nowrap'), cell: (f) => formatDate(f.dueAt) },
          ]}
        />
      )}
    </ListBody>
  );
}

const FILTER_KEYS = ['vendorId', 'productId', 'tier', 'severity', 'kev', 'malicious', 'epssMin', 'state', 'advisory'] as const;

export function FindingsPage() {
  useDocumentTitle('Findings');
  const { can } = useSession();
  const filters = useUrlFilters('/findings', FILTER_KEYS);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [refresh, setRefresh] = useState(0);
  const [triage, setTriage] = useState({ state: 'not_affected', justification: '', detail: '' });
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const vendors = useVendorOptions();

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
      <FilterBar label="Filter findings">
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name])} all="All vendors" />
        <FilterSelect filters={filters} name="tier" label="Tier" options={TIERS} all="Any tier" />
        <FilterSelect filters={filters} name="severity" label="Severity" options={SEVERITIES} all="Any severity" />
        <FilterSelect filters={filters} name="state" label="State" options={FINDING_STATES.map((s) => [s, label(s)])} all="Any state" />
        <Field label="EPSS ≥">
          {(props) => <input {...props} type="number" min={0} max={1} step={0.05} value={filters.value('epssMin')} onChange={(e) => filters.set({ epssMin: e.target.value })} />}
        </Field>
        <FilterCheck filters={filters} name="kev" label="Known exploited (KEV)" />
        <FilterCheck filters={filters} name="malicious" label="Malicious" />
      </FilterBar>
      {can('findings:triage') && (
        <form className="card inline-form triage" onSubmit={(e) => void submit(e)} aria-label="Triage selected findings">
          <strong aria-live="polite">{plural(selected.size, 'finding')} selected</strong>
          <SelectField label="Set state to" value={triage.state} onChange={(state) => setTriage({ ...triage, state })} options={FINDING_STATES.map((s) => [s, label(s)])} />
          <SelectField label="Justification" value={triage.justification} disabled={triage.state !== 'not_affected'} onChange={(justification) => setTriage({ ...triage, justification })} options={JUSTIFICATIONS.map((j) => [j, label(j)])} placeholder="—" />
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
      <FindingsTable query={{ ...filters.query, limit: 50 }} refreshKey={refresh} selectable={can('findings:triage')} selected={selected} onSelect={setSelected} />
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
          <p data-testid="advisory-severity">
            Severity <SeverityLabel severity={a.severity} source={a.severitySource} />
            {a.severitySource && (
              <span className="small muted">
                {' '}
                · from record {a.severitySource.advisory}
                {a.severitySource.vector && <> · <code>{a.severitySource.vector}</code></>}
              </span>
            )}
          </p>
          <p className="muted small">
            {a.aliases.length > 0 && <>Also {a.aliases.join(', ')} · </>}
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
            <DataTable
              rows={exposure.data.vendors.flatMap((vendor) => vendor.products.flatMap((product) => product.releases.map((release) => ({ vendor, product, release }))))}
              rowKey={(x) => `${x.product.id}-${x.release.sbomId}`}
              testId="exposure-table"
              columns={[
                {
                  header: 'Vendor',
                  rowHeader: true,
                  cell: ({ vendor: v }) => (
                    <>
                      <Link to={`/vendors/${v.id}`}>{v.name}</Link> <TierBadge tier={v.tier} />
                    </>
                  ),
                },
                { header: 'Product', cell: ({ product: p }) => <Link to={`/products/${p.id}`}>{p.name}</Link> },
                { header: 'Release', cell: ({ release: r }) => <Link to={`/sboms/${r.sbomId}`}>{r.release ?? '—'}</Link> },
                { header: 'Component', cell: ({ release: r }) => r.components?.map((c) => `${c.name} ${c.version ?? ''}${c.direct ? '' : ' (transitive)'}`).join(', ') },
              ]}
            />
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
      <DataTable
        rows={packages}
        rowKey={(p, i) => `${p.advisory}-${p.ecosystem}-${p.name}-${i}`}
        testId="affected-table"
        columns={[
          {
            header: 'Package',
            rowHeader: true,
            cell: (p) => (
              <>
                {p.name} <span className="muted small">{p.ecosystem}</span>
              </>
            ),
          },
          {
            header: 'Affected versions',
            className: 'mono-wrap small',
            cell: (p) => [...p.ranges.filter((r) => r.type !== 'GIT').map(describeRange), ...(p.versions.length ? [`${plural(p.versions.length, 'listed version')}: ${p.versions.slice(0, 8).join(', ')}${p.versions.length > 8 ? ', …' : ''}`] : [])].join('; ') || '—',
          },
          { header: 'Fixed in', className: 'mono-wrap small', cell: (p) => (p.fixed.length ? p.fixed.join(', ') : <span className="muted">no fix yet</span>) },
          { header: 'Source', className: 'small', cell: (p) => p.advisory },
        ]}
      />
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
