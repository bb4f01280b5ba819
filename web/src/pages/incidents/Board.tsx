import { useState } from 'react';
import { api } from '../../api.js';
import { ErrorBanner, Loading, useAsync, useDocumentTitle } from '../../components.js';
import { plural } from '../../format.js';
import { FilterBar, FilterSearch, FilterSelect, useUrlFilters, useVendorOptions } from '../../lists.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { SeverityTag } from '../../severity.js';
import type { Page } from '../../types.js';
import { SEVERITIES, SOURCES, STATUS_ORDER, type Incident, type RunningClock } from '../../incidentTypes.js';
import { Countdown, useNow } from './clocks.js';
import { IncidentsNav } from './IncidentsNav.js';

const FILTER_KEYS = ['severity', 'source', 'vendorId', 'q', 'closed'] as const;
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
/** Incidents a page of the board asks for: open ones, and closed ones when shown. */
const OPEN_PAGE = 500;
const CLOSED_PAGE = 100;

interface BoardPages {
  items: Incident[];
  /** Where the open and the closed lists go on (the API's nextCursor), null when they are whole. */
  next: { open: string | null; closed: string | null };
}

/** The board: one column per status, the most severe and most urgent first in each. */
export function IncidentBoardPage() {
  useDocumentTitle('Incidents');
  const { can } = useSession();
  const filters = useUrlFilters('/incidents', FILTER_KEYS);
  const showClosed = filters.value('closed') === 'true';
  const query = { severity: filters.value('severity'), source: filters.value('source'), vendorId: filters.value('vendorId'), q: filters.value('q') };
  const incidents = useAsync<BoardPages>(
    async (signal) => {
      const open = api.get<Page<Incident>>('/api/v1/incidents', { ...query, status: 'open', limit: OPEN_PAGE }, signal);
      const closed = showClosed ? api.get<Page<Incident>>('/api/v1/incidents', { ...query, status: 'closed', limit: CLOSED_PAGE }, signal) : Promise.resolve({ items: [], nextCursor: null });
      const [a, b] = await Promise.all([open, closed]);
      return { items: [...a.items, ...b.items], next: { open: a.nextCursor, closed: b.nextCursor } };
    },
    [JSON.stringify(query), showClosed],
  );
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  // The next page of each list that has one, with the same filters, added to what the board shows.
  const loadMore = async () => {
    const current = incidents.data;
    if (!current || more.loading) return;
    setMore({ loading: true, error: null });
    try {
      const page = (status: 'open' | 'closed', limit: number) => {
        const cursor = current.next[status];
        return cursor ? api.get<Page<Incident>>('/api/v1/incidents', { ...query, status, limit, cursor }) : Promise.resolve(null);
      };
      const [open, closed] = await Promise.all([page('open', OPEN_PAGE), page('closed', CLOSED_PAGE)]);
      const seen = new Set(current.items.map((i) => i.id));
      const added = [...(open?.items ?? []), ...(closed?.items ?? [])].filter((i) => !seen.has(i.id));
      incidents.setData({ items: [...current.items, ...added], next: { open: open ? open.nextCursor : current.next.open, closed: closed ? closed.nextCursor : current.next.closed } });
      setMore({ loading: false, error: null });
    } catch (error) {
      setMore({ loading: false, error });
    }
  };
  const hasMore = Boolean(incidents.data && (incidents.data.next.open || incidents.data.next.closed));
  const clocks = useAsync((signal) => api.get<{ items: RunningClock[] }>('/api/v1/incidents/clocks', undefined, signal), []);
  const vendors = useVendorOptions();
  const now = useNow();

  // The nearest running clock of each incident (the API lists them soonest first).
  const nearest = new Map<string, RunningClock>();
  for (const c of clocks.data?.items ?? []) if (!nearest.has(c.incidentId)) nearest.set(c.incidentId, c);
  const columns = showClosed ? STATUS_ORDER : STATUS_ORDER.filter((s) => s !== 'closed');
  const list = incidents.data?.items ?? [];
  const sorted = [...list].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      (nearest.get(a.id)?.dueAt ?? '9').localeCompare(nearest.get(b.id)?.dueAt ?? '9') ||
      b.createdAt.localeCompare(a.createdAt),
  );

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Incidents</h1>
          <p className="muted">{incidents.data ? `${plural(list.filter((i) => i.status !== 'closed').length, 'open incident')}${hasMore ? ' loaded, more to load' : ''} · ${plural(clocks.data?.items.filter((c) => Date.parse(c.dueAt) <= now).length ?? 0, 'overdue clock')}` : ' '}</p>
        </div>
        {can('incidents:write') && (
          <div className="actions">
            <Link className="btn btn-primary" to="/incidents/new">
              New incident
            </Link>
          </div>
        )}
      </div>
      <IncidentsNav />
      <FilterBar label="Filter incidents">
        <FilterSelect filters={filters} name="severity" label="Severity" options={SEVERITIES} all="Any" />
        <FilterSelect filters={filters} name="source" label="Source" options={SOURCES} all="Any" />
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name] as const)} all="Any" />
        <FilterSearch filters={filters} placeholder="Title or summary" />
        <label className="check">
          <input type="checkbox" checked={showClosed} onChange={(e) => filters.set({ closed: e.target.checked ? 'true' : null })} /> Show closed
        </label>
      </FilterBar>
      <ErrorBanner error={incidents.error} onRetry={incidents.reload} />
      <ErrorBanner error={clocks.error} onRetry={clocks.reload} />
      <ErrorBanner error={more.error} onRetry={() => void loadMore()} />
      {!incidents.data && incidents.loading ? (
        <Loading />
      ) : (
        <div className="incident-board" data-testid="incident-board">
          {columns.map((status) => {
            const items = sorted.filter((i) => i.status === status);
            return (
              <section key={status} className="incident-column" aria-labelledby={`col-${status}`} data-status={status}>
                <h2 id={`col-${status}`} className="incident-column-head">
                  {status} <span className="muted">{items.length}</span>
                </h2>
                {items.length === 0 && <p className="muted small">None</p>}
                {items.map((i) => {
                  const clock = nearest.get(i.id);
                  return (
                    <article key={i.id} className={`incident-card incident-card-${i.severity}`} data-testid="incident-card">
                      <Link to={`/incidents/${i.id}`} className="incident-card-title">
                        {i.title}
                      </Link>
                      <div className="incident-card-meta">
                        <SeverityTag severity={i.severity} />
                        <span className="small muted">{i.source}</span>
                        {i.openTasks > 0 && <span className="small muted">{plural(i.openTasks, 'open task')}</span>}
                      </div>
                      {i.vendors.length > 0 && <div className="small">{i.vendors.map((v) => v.name).join(', ')}</div>}
                      {clock && <Countdown clock={clock} now={now} />}
                    </article>
                  );
                })}
              </section>
            );
          })}
        </div>
      )}
      {hasMore && (
        <div className="actions">
          <button type="button" className="btn" onClick={() => void loadMore()} disabled={more.loading}>
            {more.loading ? 'Loading…' : 'Load more incidents'}
          </button>
        </div>
      )}
    </div>
  );
}
