import { useState } from 'react';
import { api } from '../api.js';
import { Empty, ErrorBanner, Loading, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { plural } from '../format.js';
import { PagerButtons, usePagedList } from '../lists.js';
import { Link, useLocation } from '../router.js';
import { TIERS, type Page } from '../types.js';
import type { ComponentUse, Portfolio, Technology, TechnologyDetail, VendorTechnology } from '../supplyTypes.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** "Who uses X": every vendor product whose SBOM contains a component, by name or purl. */
export function WhoUsesPage() {
  const { search } = useLocation();
  const purl = search.get('purl') ?? '';
  const name = search.get('name') ?? '';
  const ecosystem = search.get('ecosystem') ?? '';
  const version = search.get('version') ?? '';
  const what = purl || name;
  useDocumentTitle(what ? `Who uses ${what}` : 'Who uses…');
  const state = usePagedList<ComponentUse>(
    (query, signal) => (what ? api.get<Page<ComponentUse>>('/api/v1/components', { ...query, limit: 50 }, signal) : Promise.resolve({ items: [], nextCursor: null })),
    { purl, name, ecosystem, version },
  );
  const items = state.items;
  return (
    <div className="page page-wide">
      <h1>Who uses {what ? <code>{what}</code> : 'a component?'}</h1>
      {!what && <p className="muted">Type a package name or a package URL in the search box at the top.</p>}
      <ErrorBanner error={state.error} onRetry={state.reload} />
      <p aria-live="polite" className="muted">
        {state.data && what ? `${plural(items.length, 'use')}${state.data.nextCursor ? ' on this page' : ''} across ${plural(new Set(items.map((i) => i.vendor.id)).size, 'vendor')}.` : ''}
      </p>
      {state.loading && !state.data ? (
        <Loading />
      ) : what && items.length === 0 ? (
        <Empty>No vendor SBOM contains {what}.</Empty>
      ) : items.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="who-uses-table">
            <thead>
              <tr>
                <th scope="col">Vendor</th>
                <th scope="col">Product</th>
                <th scope="col">Release</th>
                <th scope="col">Component</th>
                <th scope="col">Dependency</th>
                <th scope="col">Path</th>
                <th scope="col" className="num">
                  Open findings
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((u, i) => (
                <tr key={`${u.sbomId}-${u.purl}-${i}`}>
                  <th scope="row">
                    <Link to={`/vendors/${u.vendor.id}`}>{u.vendor.name}</Link> <TierBadge tier={u.vendor.tier} />
                  </th>
                  <td>
                    <Link to={`/products/${u.product.id}`}>{u.product.name}</Link>
                  </td>
                  <td>
                    <Link to={`/sboms/${u.sbomId}`}>{u.release ?? '—'}</Link>
                  </td>
                  <td>
                    {u.name} <span className="muted">{u.version}</span>
                    <div className="small muted">
                      {u.ecosystem}
                      {u.identifiedBy === 'name-heuristic' ? (
                        <span className="badge" title="The SBOM gave no Package URL: this is a match by name only">
                          {' '}matched by name only
                        </span>
                      ) : null}
                    </div>
                  </td>
                  <td>{u.direct ? 'direct' : `transitive${u.depth ? ` (depth ${u.depth})` : ''}`}</td>
                  <td className="small">{u.path.map((p) => `${p.name}${p.version ? `@${p.version}` : ''}`).join(' → ')}</td>
                  <td className="num">
                    {u.openFindings === undefined ? (
                      '—'
                    ) : u.openFindings === 0 ? (
                      <span className="muted">0</span>
                    ) : (
                      <Link to={`/findings?${new URLSearchParams({ productId: u.product.id, ...(u.purl ? { purl: u.purl } : { q: u.name }) })}`}>{u.openFindings}</Link>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <PagerButtons pager={state.pager} />
    </div>
  );
}

function BarChart({ items }: { items: Technology[] }) {
  const top = items.slice(0, 15);
  const max = Math.max(1, ...top.map((t) => t.vendors));
  const row = 20;
  const labelW = 170;
  const width = 640;
  return (
    <svg className="tech-chart" viewBox={`0 0 ${width} ${top.length * row + 4}`} role="img" aria-label={`Vendors per technology, top ${top.length}`}>
      {top.map((t, i) => {
        const w = ((width - labelW - 40) * t.vendors) / max;
        const t1 = ((width - labelW - 40) * (t.tiers.T1 ?? 0)) / max;
        return (
          <g key={t.key} transform={`translate(0 ${i * row})`}>
            <text x={labelW - 6} y={14} textAnchor="end" className="tech-chart-label">
              {t.label.length > 26 ? `${t.label.slice(0, 25)}…` : t.label}
            </text>
            <rect x={labelW} y={3} width={w} height={14} className="tech-chart-bar" rx={2} />
            <rect x={labelW} y={3} width={t1} height={14} className="tech-chart-t1" rx={2} />
            <text x={labelW + w + 4} y={14} className="tech-chart-label">
              {t.vendors}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function TechnologiesPage() {
  useDocumentTitle('Technologies');
  const [q, setQ] = useState('');
  const state = useAsync((signal) => api.get<Page<Technology> & { portfolio: Portfolio }>('/api/v1/technologies', { q, limit: 100 }, signal), [q]);
  const items = state.data?.items ?? [];
  const p = state.data?.portfolio;
  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Technologies</h1>
          <p className="muted">Components shared across vendors' SBOMs, ranked by concentration risk.</p>
        </div>
      </div>
      {p && (
        <p className="muted" data-testid="portfolio">
          {plural(p.vendors, 'vendor')} ({p.criticalVendors} T1/T2) · concentration index (HHI) {p.hhi.toFixed(4)} · about {p.effectiveTechnologies.toFixed(0)} effective technologies
        </p>
      )}
      <div className="field field-search">
        <label htmlFor="tech-q">Filter technologies</label>
        <input id="tech-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </div>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!state.data ? (
        !state.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No technologies yet: upload vendor SBOMs first.</Empty>
      ) : (
        <>
          <section className="card" aria-labelledby="chart-h">
            <h2 id="chart-h">Vendors per technology</h2>
            <p className="small muted">
              <span className="swatch tech-swatch-t1" aria-hidden="true" /> T1 vendors <span className="swatch tech-swatch-all" aria-hidden="true" /> all vendors
            </p>
            <BarChart items={items} />
          </section>
          <div className="table-wrap">
            <table className="table" data-testid="technologies-table">
              <thead>
                <tr>
                  <th scope="col">Technology</th>
                  <th scope="col">Ecosystem</th>
                  <th scope="col" className="num">Vendors</th>
                  <th scope="col" className="num">Products</th>
                  <th scope="col" className="num">Direct</th>
                  {TIERS.map((t) => (
                    <th scope="col" className="num" key={t}>
                      {t}
                    </th>
                  ))}
                  <th scope="col" className="num">T1/T2 share</th>
                  <th scope="col" className="num">Concentration</th>
                </tr>
              </thead>
              <tbody>
                {items.map((t) => (
                  <tr key={t.key}>
                    <th scope="row">
                      <Link to={`/technologies/${encodeURIComponent(t.key)}`}>{t.label}</Link>
                    </th>
                    <td>{t.ecosystem}</td>
                    <td className="num">{t.vendors}</td>
                    <td className="num">{t.products}</td>
                    <td className="num">{t.directVendors}</td>
                    {TIERS.map((tier) => (
                      <td className="num" key={tier}>
                        {t.tiers[tier] ?? 0}
                      </td>
                    ))}
                    <td className="num">{pct(t.concentration.criticalShare)}</td>
                    <td className="num" title={`HHI contribution ${t.concentration.hhiContribution}`}>
                      {pct(t.concentration.weightedShare)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

export function TechnologyPage({ id }: { id: string }) {
  const state = useAsync((signal) => api.get<TechnologyDetail>(`/api/v1/technologies/${encodeURIComponent(id)}`, undefined, signal), [id]);
  useDocumentTitle(state.data?.label ?? 'Technology');
  const t = state.data;
  return (
    <div className="page page-wide">
      <p className="crumbs">
        <Link to="/technologies">Technologies</Link> / {t?.label ?? id}
      </p>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!t ? (
        !state.error && <Loading />
      ) : (
        <>
          <h1>
            {t.label} <span className="tag">{t.ecosystem}</span>
          </h1>
          <p className="muted">
            Used by {plural(t.vendors, 'vendor')} in {plural(t.products, 'product')} · T1/T2 share {pct(t.concentration.criticalShare)} · weighted share {pct(t.concentration.weightedShare)} ·{' '}
            <Link to={`/components?name=${encodeURIComponent(t.packageName)}&ecosystem=${encodeURIComponent(t.ecosystem)}`}>every use with its path</Link>
          </p>
          <p>Versions: {t.versions.map((v) => `${v.version} (${v.products})`).join(', ') || '—'}</p>
          <section className="card" aria-labelledby="deps-h">
            <h2 id="deps-h">Dependents</h2>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Vendor</th>
                    <th scope="col">Product</th>
                    <th scope="col">Release</th>
                    <th scope="col">Versions</th>
                    <th scope="col">Dependency</th>
                  </tr>
                </thead>
                <tbody>
                  {t.dependents.map((d, i) => (
                    <tr key={i}>
                      <th scope="row">
                        <Link to={`/vendors/${d.vendor.id}`}>{d.vendor.name}</Link> <TierBadge tier={d.vendor.tier} />
                      </th>
                      <td>
                        <Link to={`/products/${d.product.id}`}>{d.product.name}</Link>
                      </td>
                      <td>{d.sbomId ? <Link to={`/sboms/${d.sbomId}`}>{d.release ?? 'SBOM'}</Link> : (d.release ?? '—')}</td>
                      <td>{d.versions?.join(', ') || '—'}</td>
                      <td>{d.direct ? 'direct' : 'transitive'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </div>
  );
}

/** A small section for the vendor page: the technologies its products are built on. */
export function VendorTechnologies({ vendorId }: { vendorId: string }) {
  const state = useAsync((signal) => api.get<Page<VendorTechnology>>(`/api/v1/vendors/${vendorId}/technologies`, { limit: 100, direct: true }, signal), [vendorId]);
  const items = state.data?.items ?? [];
  return (
    <section className="card" id="technologies" aria-labelledby="vt-h">
      <div className="card-head">
        <h2 id="vt-h">Technology stack</h2>
        <Link to="/technologies">All technologies</Link>
      </div>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!state.data ? (
        !state.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No direct dependencies known: upload an SBOM for one of this vendor's products.</Empty>
      ) : (
        <ul className="chips tech-chips">
          {items.map((t) => (
            <li key={t.key}>
              <Link to={`/technologies/${encodeURIComponent(t.key)}`} className="tag" title={`${t.ecosystem}; shared with ${t.vendors - 1} other vendors`}>
                {t.label} {t.versions.join(', ')}
                {t.vendors > 1 && <span className="muted"> · {t.vendors} vendors</span>}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
