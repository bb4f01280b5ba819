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

/** The board: one column per status, the most severe and most urgent first in each. */
export function IncidentBoardPage() {
  useDocumentTitle('Incidents');
  const { can } = useSession();
  const filters = useUrlFilters('/incidents', FILTER_KEYS);
  const showClosed = filters.value('closed') === 'true';
  const query = { severity: filters.value('severity'), source: filters.value('source'), vendorId: filters.value('vendorId'), q: filters.value('q') };
  const incidents = useAsync(
    async (signal) => {
      const open = api.get<Page<Incident>>('/api/v1/incidents', { ...query, status: 'open', limit: 500 }, signal);
      const closed = showClosed ? api.get<Page<Incident>>('/api/v1/incidents', { ...query, status: 'closed', limit: 100 }, signal) : Promise.resolve({ items: [], nextCursor: null });
      const [a, b] = await Promise.all([open, closed]);
      return [...a.items, ...b.items];
    },
    [JSON.stringify(query), showClosed],
  );
  const clocks = useAsync((signal) => api.get<{ items: RunningClock[] }>('/api/v1/incidents/clocks', undefined, signal), []);
  const vendors = useVendorOptions();
  const now = useNow();

  // The nearest running clock of each incident (the API lists them soonest first).
  const nearest = new Map<string, RunningClock>();
  for (const c of clocks.data?.items ?? []) if (!nearest.has(c.incidentId)) nearest.set(c.incidentId, c);
  const columns = showClosed ? STATUS_ORDER : STATUS_ORDER.filter((s) => s !== 'closed');
  const list = incidents.data ?? [];
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
          <p className="muted">{incidents.data ? `${plural(list.filter((i) => i.status !== 'closed').length, 'open incident')} · ${plural(clocks.data?.items.filter((c) => Date.parse(c.dueAt) <= now).length ?? 0, 'overdue clock')}` : ' '}</p>
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
    </div>
  );
}
