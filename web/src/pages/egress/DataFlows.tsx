/**
 * The data-flow map (/egress): which data goes to which third party. A graph of sources → vendors →
 * destinations (GET /api/v1/dataflows/graph) and the flows as a table (GET /api/v1/dataflows), both
 * under the same filters, kept in the address.
 */
import { useMemo } from 'react';
import { api } from '../../api.js';
import { ErrorBanner, Loading, useAsync, useDocumentTitle } from '../../components.js';
import { formatDateTime, plural } from '../../format.js';
import { DataTable, FilterBar, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters, useVendorOptions } from '../../lists.js';
import { Link } from '../../router.js';
import { EgressNav } from './EgressNav.js';
import { DETECTION_LABEL, DETECTION_TYPES, detectionLabel, formatBytes, formatCount, SANCTION_LABEL, SANCTIONS, type DataFlow, type Sanction } from './egressTypes.js';
import { FlowGraph, type FlowGraphData } from './FlowGraph.js';

const FILTER_KEYS = ['window', 'vendorId', 'sanction', 'dataClass', 'q', 'sort'] as const;
const WINDOWS = [
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['all', 'All retained'],
] as const;
const WINDOW_MS: Record<string, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
/** The largest destinations the map draws; the table lists them all. */
const GRAPH_DESTINATIONS = 14;
const SANCTION_RANK: Record<Sanction, number> = { unsanctioned: 0, unknown: 1, sanctioned: 2 };

/** Sort keys of the table; the API returns one page, which is sorted here. */
const SORTS: Record<string, (a: DataFlow, b: DataFlow) => number> = {
  destination: (a, b) => a.destination.localeCompare(b.destination),
  vendor: (a, b) => (a.vendor?.name ?? '\uffff').localeCompare(b.vendor?.name ?? '\uffff'),
  sanction: (a, b) => SANCTION_RANK[a.sanction] - SANCTION_RANK[b.sanction],
  requests: (a, b) => a.requests - b.requests,
  bytesOut: (a, b) => a.bytesOut - b.bytesOut,
  bytesIn: (a, b) => a.bytesIn - b.bytesIn,
  classes: (a, b) => a.dataClasses.length - b.dataClasses.length,
  lastSeen: (a, b) => a.lastSeen.localeCompare(b.lastSeen),
};

export function SanctionTag({ sanction }: { sanction: Sanction }) {
  return <span className={`tag egress-sanction egress-sanction-${sanction}`}>{SANCTION_LABEL[sanction]}</span>;
}

export function DataClasses({ classes }: { classes: readonly string[] }) {
  if (!classes.length) return <span className="muted">none seen</span>;
  return (
    <span className="egress-classes">
      {classes.map((c) => (
        <span key={c} className="tag egress-class">
          {detectionLabel(c)}
        </span>
      ))}
    </span>
  );
}

export function DataFlowsPage() {
  useDocumentTitle('Data flows');
  const filters = useUrlFilters('/egress', FILTER_KEYS, { window: '7d', sort: '-bytesOut' });
  const span = filters.value('window');
  // Computed once per window choice: a moving "now" would reload the lists on every render.
  const from = useMemo(() => (WINDOW_MS[span] ? new Date(Date.now() - WINDOW_MS[span]).toISOString() : undefined), [span]);
  const query = { from, vendorId: filters.value('vendorId'), sanction: filters.value('sanction'), dataClass: filters.value('dataClass'), q: filters.value('q') };
  const graph = useAsync((signal) => api.get<FlowGraphData>('/api/v1/dataflows/graph', { ...query, limit: GRAPH_DESTINATIONS }, signal), [JSON.stringify(query)]);
  const list = usePagedList<DataFlow>('/api/v1/dataflows', { ...query, limit: 200 });
  const vendors = useVendorOptions();
  const sort = filters.value('sort');
  const sorted = (items: DataFlow[]) => {
    const key = sort.replace(/^-/, '');
    const compare = SORTS[key];
    if (!compare) return items;
    const direction = sort.startsWith('-') ? -1 : 1;
    return [...items].sort((a, b) => direction * compare(a, b) || a.destination.localeCompare(b.destination));
  };
  const unattributed = list.items.filter((f) => !f.vendor).length;

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Data flows</h1>
          <p className="muted">
            {list.data
              ? `${plural(list.items.length, 'destination')}${list.pager.hasNext ? '+' : ''} · ${formatBytes(list.items.reduce((n, f) => n + f.bytesOut, 0))} sent · ${plural(unattributed, 'unattributed destination')}`
              : ' '}
          </p>
        </div>
        {unattributed > 0 && (
          <div className="actions">
            <Link className="btn" to="/egress/destinations">
              Triage unattributed destinations
            </Link>
          </div>
        )}
      </div>
      <EgressNav />
      <p className="banner banner-info egress-https-note">
        For HTTPS the proxy sees destinations and volumes only; the data classes of HTTPS bodies are known only where Squid decrypts (ssl_bump). See docs/icap.md.
      </p>
      <FilterBar label="Filter data flows">
        <FilterSelect filters={filters} name="window" label="Window" options={WINDOWS} />
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name] as const)} all="All vendors" />
        <FilterSelect filters={filters} name="sanction" label="Sanction" options={SANCTIONS.map((s) => [s, SANCTION_LABEL[s]] as const)} all="Any" />
        <FilterSelect filters={filters} name="dataClass" label="Data class" options={DETECTION_TYPES.map((t) => [t, DETECTION_LABEL[t]] as const)} all="Any" />
        <FilterSearch filters={filters} label="Destination" placeholder="Part of a domain" />
      </FilterBar>
      <section className="card egress-graph-card" aria-label="Data-flow map">
        <ErrorBanner error={graph.error} onRetry={graph.reload} />
        {graph.data === undefined ? (
          !graph.error && <Loading label="Drawing the map…" />
        ) : graph.data.edges.length === 0 ? (
          <p className="empty">No traffic in this window matches.</p>
        ) : (
          <FlowGraph graph={graph.data} onDestination={(destination) => filters.set({ q: destination })} />
        )}
      </section>
      <ListBody list={list} loading="Loading flows…" empty="No flows match.">
        {(items) => (
          <DataTable
            rows={sorted(items)}
            rowKey={(f) => f.destination}
            caption="Data flows by destination"
            testId="dataflows"
            className="egress-flows-table"
            rowClassName={(f) => (f.vendor ? undefined : 'egress-row-unattributed')}
            sort={{ value: sort, onChange: (value) => filters.set({ sort: value }) }}
            columns={[
              {
                header: 'Destination',
                rowHeader: true,
                sort: 'destination',
                cell: (f) => <code>{f.destination}</code>,
              },
              {
                header: 'Vendor',
                sort: 'vendor',
                cell: (f) =>
                  f.vendor ? (
                    <Link to={`/vendors/${f.vendor.id}`}>{f.vendor.name ?? 'deleted vendor'}</Link>
                  ) : (
                    <Link to="/egress/destinations" className="tag egress-unattributed" title="No vendor claims this destination: assign it on the destinations page">
                      unattributed
                    </Link>
                  ),
              },
              { header: 'Sanction', sort: 'sanction', cell: (f) => <SanctionTag sanction={f.sanction} /> },
              { header: 'Data classes', sort: 'classes', cell: (f) => <DataClasses classes={f.dataClasses} /> },
              { header: 'Requests', num: true, sort: 'requests', cell: (f) => formatCount(f.requests) },
              { header: 'Sent', num: true, sort: 'bytesOut', cell: (f) => formatBytes(f.bytesOut) },
              { header: 'Received', num: true, sort: 'bytesIn', cell: (f) => formatBytes(f.bytesIn) },
              {
                header: 'Sources',
                cell: (f) => (
                  <span className="small" title={f.sources.join(', ')}>
                    {f.sources.slice(0, 3).join(', ')}
                    {f.sources.length > 3 && ` +${f.sources.length - 3}`}
                  </span>
                ),
              },
              { header: 'Methods', cell: (f) => <span className="small">{f.methods.join(' ') || '—'}</span> },
              {
                header: 'Last seen',
                sort: 'lastSeen',
                cell: (f) => (
                  <span title={`First seen ${formatDateTime(f.firstSeen)}`}>
                    <time dateTime={f.lastSeen}>{formatDateTime(f.lastSeen)}</time>
                  </span>
                ),
              },
            ]}
          />
        )}
      </ListBody>
    </div>
  );
}
