import { useEffect, useMemo, useRef, useState } from 'react';
import { api, describeError, type QueryValue } from '../api.js';
import { CheckboxGroup, Empty, ErrorBanner, Loading, ReviewDate, ScoreMeter, StatusPill, Tag, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { isReviewOverdue, plural } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { DATA_CATEGORIES, TIER_LABEL, TIERS, VENDOR_SORTS, VENDOR_STATUSES, type Page, type Team, type Tier, type Vendor, type VendorSort, type VendorStatus } from '../types.js';
import { ImportDialog } from './ImportDialog.js';

const SORT_LABEL: Record<VendorSort, string> = {
  name: 'Name A–Z',
  '-name': 'Name Z–A',
  '-riskScore': 'Risk score, highest first',
  riskScore: 'Risk score, lowest first',
  nextReviewAt: 'Next review, soonest first',
  '-nextReviewAt': 'Next review, latest first',
  '-updatedAt': 'Recently updated',
  updatedAt: 'Least recently updated',
};
const PAGE_SIZES = [25, 50, 100, 200];

interface Filters {
  q: string;
  tier: Tier[];
  status: VendorStatus[];
  team: string;
  dataCategory: string;
  sort: VendorSort;
  limit: number;
  reviewOverdue: boolean;
  shipsSoftware: boolean;
  needsTriage: boolean;
}

function readFilters(search: URLSearchParams): Filters {
  const sort = search.get('sort') as VendorSort | null;
  const limit = Number(search.get('limit'));
  return {
    q: search.get('q') ?? '',
    tier: search.getAll('tier').filter((t): t is Tier => (TIERS as readonly string[]).includes(t)),
    status: search.getAll('status').filter((s): s is VendorStatus => (VENDOR_STATUSES as readonly string[]).includes(s)),
    team: search.get('team') ?? '',
    dataCategory: search.get('dataCategory') ?? '',
    sort: sort && (VENDOR_SORTS as readonly string[]).includes(sort) ? sort : 'name',
    limit: PAGE_SIZES.includes(limit) ? limit : 50,
    reviewOverdue: search.get('reviewOverdue') === 'true',
    shipsSoftware: search.get('shipsSoftware') === 'true',
    needsTriage: search.get('needsTriage') === 'true',
  };
}

function toQuery(f: Filters): Record<string, QueryValue> {
  return {
    q: f.q.trim() || undefined,
    tier: f.tier,
    status: f.status,
    team: f.team || undefined,
    dataCategory: f.dataCategory || undefined,
    sort: f.sort === 'name' ? undefined : f.sort,
    limit: f.limit === 50 ? undefined : f.limit,
    reviewOverdue: f.reviewOverdue || undefined,
    shipsSoftware: f.shipsSoftware || undefined,
    needsTriage: f.needsTriage || undefined,
  };
}

function queryString(f: Filters): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(toQuery(f))) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function InventoryPage() {
  useDocumentTitle('Inventory');
  const { can } = useSession();
  const location = useLocation();
  const filters = useMemo(() => readFilters(location.search), [location.search]);
  const filterKey = queryString(filters);
  // The cursor stack belongs to one filter: another filter starts again from the first page.
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key: '', cursors: [] });
  const cursors = paging.key === filterKey ? paging.cursors : [];
  const setCursors = (change: (c: string[]) => string[]) => setPaging({ key: filterKey, cursors: change(cursors) });
  const [importing, setImporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const [search, setSearch] = useState(filters.q);

  const update = (patch: Partial<Filters>) => navigate(`/vendors${queryString({ ...filters, ...patch })}`, { replace: true });

  useEffect(() => setSearch(filters.q), [filters.q]);

  // Typing searches after a short pause.
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  useEffect(() => {
    if (search === filtersRef.current.q) return;
    const timer = setTimeout(() => navigate(`/vendors${queryString({ ...filtersRef.current, q: search })}`, { replace: true }), 250);
    return () => clearTimeout(timer);
  }, [search]);

  // "/" jumps to the search box, as in most dense list UIs.
  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || target.closest('input, textarea, select, [contenteditable], dialog')) return;
      event.preventDefault();
      searchRef.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const cursor = cursors[cursors.length - 1];
  const page = useAsync<Page<Vendor>>((signal) => api.get('/api/v1/vendors', { ...toQuery(filters), limit: filters.limit, cursor }, signal), [filterKey, cursor]);
  const teams = useAsync<Page<Team>>((signal) => api.get('/api/v1/teams', undefined, signal), []);

  const active = filters.q || filters.tier.length || filters.status.length || filters.team || filters.dataCategory || filters.reviewOverdue || filters.shipsSoftware || filters.needsTriage;

  const exportAs = async (format: 'csv' | 'json') => {
    setExportError(null);
    try {
      // What is on screen, every page of it: the same filters and sort (never the paging).
      await api.download('/api/v1/vendors/export', { ...toQuery(filters), limit: undefined, format }, `vendors.${format}`);
    } catch (error) {
      setExportError(error);
    }
  };

  const sortHeader = (label: string, asc: VendorSort, desc: VendorSort, firstDesc = false) => {
    const state = filters.sort === asc ? 'ascending' : filters.sort === desc ? 'descending' : 'none';
    const next = state === 'none' ? (firstDesc ? desc : asc) : state === 'ascending' ? desc : asc;
    return (
      <th scope="col" aria-sort={state}>
        <button type="button" className="sort-btn" onClick={() => update({ sort: next })}>
          {label}
          <span aria-hidden="true" className="sort-icon">
            {state === 'ascending' ? '▲' : state === 'descending' ? '▼' : '↕'}
          </span>
        </button>
      </th>
    );
  };

  const pageNumber = cursors.length + 1;
  // Rows of an earlier filter are never shown as if they answered this one: dimmed while it loads, gone if it fails.
  const items = page.error ? [] : (page.data?.items ?? []);
  const updating = page.loading && page.data !== undefined;

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Inventory</h1>
          <p className="muted">Vendors, their inherent risk and review schedule.</p>
        </div>
        <div className="actions">
          <button type="button" className="btn" onClick={() => void exportAs('csv')} title={active ? 'Every vendor matching the filters, with tier, score and next review' : 'Every vendor, with tier, score and next review'}>
            Export CSV
          </button>
          <button type="button" className="btn" onClick={() => void exportAs('json')} title={active ? 'Every vendor matching the filters' : undefined}>
            Export JSON
          </button>
          {can('inventory:write') && (
            <>
              <button type="button" className="btn" onClick={() => setImporting(true)}>
                Import CSV…
              </button>
              <Link className="btn btn-primary" to="/vendors/new">
                New vendor
              </Link>
            </>
          )}
        </div>
      </div>
      {exportError ? <p className="banner banner-error" role="alert">Export failed: {describeError(exportError)}</p> : null}

      <form className="filters" role="search" aria-label="Filter vendors" onSubmit={(e) => e.preventDefault()}>
        <div className="filters-row">
          <div className="field field-search">
            <label htmlFor="f-q">Search</label>
            <input id="f-q" ref={searchRef} type="search" placeholder="Name, alias or domain  ·  press /" aria-keyshortcuts="/" value={search} onChange={(e) => setSearch(e.target.value)} />
          </div>
          <CheckboxGroup
            legend="Tier"
            className="chips"
            options={TIERS}
            value={filters.tier}
            onChange={(tier) => update({ tier })}
            labels={Object.fromEntries(TIERS.map((t) => [t, <span key={t} title={TIER_LABEL[t]}>{t}</span>]))}
          />
          <CheckboxGroup legend="Status" className="chips" options={VENDOR_STATUSES} value={filters.status} onChange={(status) => update({ status })} />
        </div>
        <div className="filters-row">
          <div className="field">
            <label htmlFor="f-team">Team</label>
            <select id="f-team" value={filters.team} onChange={(e) => update({ team: e.target.value })}>
              <option value="">All teams</option>
              {(teams.data?.items ?? []).map((t) => (
                <option key={t.id} value={t.key}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="f-data">Data category</label>
            <select id="f-data" value={filters.dataCategory} onChange={(e) => update({ dataCategory: e.target.value })}>
              <option value="">Any data</option>
              {DATA_CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          <label className="check toggle">
            <input type="checkbox" checked={filters.reviewOverdue} onChange={(e) => update({ reviewOverdue: e.target.checked })} />
            Review overdue
          </label>
          <label className="check toggle">
            <input type="checkbox" checked={filters.shipsSoftware} onChange={(e) => update({ shipsSoftware: e.target.checked })} />
            Ships software
          </label>
          <label className="check toggle" title="Vendors whose risk factors are not answered yet: their tier is provisional">
            <input type="checkbox" checked={filters.needsTriage} onChange={(e) => update({ needsTriage: e.target.checked })} />
            Needs triage
          </label>
          <div className="field">
            <label htmlFor="f-sort">Sort by</label>
            <select id="f-sort" value={filters.sort} onChange={(e) => update({ sort: e.target.value as VendorSort })}>
              {VENDOR_SORTS.map((s) => (
                <option key={s} value={s}>
                  {SORT_LABEL[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="f-limit">Per page</label>
            <select id="f-limit" value={filters.limit} onChange={(e) => update({ limit: Number(e.target.value) })}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          {active ? (
            <button type="button" className="btn btn-ghost" onClick={() => navigate('/vendors', { replace: true })}>
              Clear filters
            </button>
          ) : null}
        </div>
      </form>

      <ErrorBanner error={page.error} onRetry={page.reload} />
      <div className={`table-wrap${updating ? ' is-updating' : ''}`} aria-busy={page.loading}>
        <table className="table table-vendors" aria-describedby="inventory-status">
          <caption className="sr-only">Vendors{active ? ' matching the filters' : ''}, page {pageNumber}</caption>
          <thead>
            <tr>
              {sortHeader('Name', 'name', '-name')}
              <th scope="col">Tier</th>
              {sortHeader('Score', 'riskScore', '-riskScore', true)}
              <th scope="col">Status</th>
              <th scope="col">Team</th>
              <th scope="col">Data categories</th>
              {sortHeader('Next review', 'nextReviewAt', '-nextReviewAt')}
            </tr>
          </thead>
          <tbody>
            {items.map((v) => (
              <tr key={v.id} className={isReviewOverdue(v) ? 'row-overdue' : undefined}>
                <td className="cell-name">
                  <Link to={`/vendors/${v.id}`}>{v.name}</Link>
                  {v.domains[0] && <span className="muted small"> {v.domains[0]}</span>}
                </td>
                <td>
                  <TierBadge tier={v.tier} provisional={v.tierProvisional} />
                </td>
                <td>
                  <ScoreMeter score={v.inherentRisk.score} tier={v.tier} />
                  {v.tierProvisional && (
                    <span className="muted small" title={`A lower bound: ${plural(v.inherentRisk.missing.length, 'risk factor')} not answered yet`}>
                      {' '}
                      so far
                    </span>
                  )}
                </td>
                <td>
                  <StatusPill status={v.status} />
                </td>
                <td>{v.team?.name ?? <span className="muted">—</span>}</td>
                <td className="cell-tags">
                  {v.dataCategories.length ? v.dataCategories.map((c) => <Tag key={c}>{c}</Tag>) : <span className="muted">—</span>}
                </td>
                <td>
                  <ReviewDate iso={v.nextReviewAt} overdue={isReviewOverdue(v)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.loading && !page.data && <Loading label="Loading vendors…" />}
        {page.data && !page.error && !updating && items.length === 0 && <Empty>{active ? 'No vendor matches these filters.' : 'No vendors yet. Create one or import a CSV.'}</Empty>}
      </div>
      <nav className="pager" aria-label="Pages">
        <p id="inventory-status" className="muted" role="status">
          {updating ? (
            <>
              <span className="spinner" aria-hidden="true" /> Updating…
            </>
          ) : page.data && !page.error ? (
            `Page ${pageNumber} · ${items.length} vendor${items.length === 1 ? '' : 's'} shown${page.data.nextCursor ? ', more on the next page' : ''}`
          ) : (
            ''
          )}
        </p>
        <div className="actions">
          <button type="button" className="btn" disabled={cursors.length === 0 || page.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Previous
          </button>
          <button type="button" className="btn" disabled={!page.data?.nextCursor || page.loading} onClick={() => page.data?.nextCursor && setCursors((c) => [...c, page.data!.nextCursor!])}>
            Next →
          </button>
        </div>
      </nav>

      {importing && (
        <ImportDialog
          onClose={(imported) => {
            setImporting(false);
            if (imported) page.reload();
          }}
        />
      )}
    </div>
  );
}
