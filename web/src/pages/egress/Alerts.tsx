/**
 * Egress alerts (/egress/alerts and /egress/alerts/:id): personal data to unsanctioned or unknown
 * destinations, first contact by a vendor's software, volume anomalies, indicator contact. The list
 * filters by status, rule and severity; an alert's page shows why it fired with links to its vendor,
 * flow, risk or incident, and is acknowledged or resolved there.
 */
import { useState } from 'react';
import { api } from '../../api.js';
import { DetailRow, ErrorBanner, PageStatus, useAsync, useDocumentTitle } from '../../components.js';
import { formatDateTime, relativeTime } from '../../format.js';
import { DataTable, FilterBar, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters, useVendorOptions } from '../../lists.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { SeverityTag } from '../../severity.js';
import { DataClasses, SanctionTag } from './DataFlows.js';
import { EgressNav } from './EgressNav.js';
import { SANCTIONS, type Sanction, type VendorRef } from './egressTypes.js';

export interface EgressAlert {
  id: string;
  rule: string;
  status: 'open' | 'acknowledged' | 'resolved';
  severity: string;
  title: string;
  detail: string;
  vendor: VendorRef | null;
  productId: string | null;
  destination: string;
  host: string;
  source: string;
  app: string | null;
  /** The shared-hosting owner judged, e.g. github:iconstorages. */
  pathOwner: string | null;
  sanction: string | null;
  dataClasses: string[];
  indicatorId: string | null;
  sightingId: string | null;
  riskId: string | null;
  evidence: Record<string, unknown>;
  count: number;
  firstSeen: string;
  lastSeen: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

export const ALERT_RULES = [
  ['personal-data', 'Personal data to unsanctioned or unknown'],
  ['new-destination', 'New destination for vendor software'],
  ['volume-anomaly', 'Volume anomaly'],
  ['indicator-contact', 'Indicator contact'],
] as const;
const RULE_LABEL: Record<string, string> = Object.fromEntries(ALERT_RULES);
const STATUS_OPTIONS = [
  ['unresolved', 'Open or acknowledged'],
  ['open', 'Open'],
  ['acknowledged', 'Acknowledged'],
  ['resolved', 'Resolved'],
] as const;
const SEVERITY_OPTIONS = ['critical', 'high', 'medium', 'low'] as const;
const FILTER_KEYS = ['status', 'rule', 'severity', 'vendorId', 'destination'] as const;

function ruleLabel(rule: string): string {
  return RULE_LABEL[rule] ?? rule;
}

function AlertStatus({ status }: { status: EgressAlert['status'] }) {
  return <span className={`tag egress-alert-${status}`}>{status}</span>;
}

export function EgressAlertsPage() {
  useDocumentTitle('Egress alerts');
  const filters = useUrlFilters('/egress/alerts', FILTER_KEYS, { status: 'unresolved' });
  const vendors = useVendorOptions();
  const list = usePagedList<EgressAlert>('/api/v1/egress/alerts', { ...filters.query, limit: 50 });

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Egress alerts</h1>
          <p className="muted">Personal data leaving to destinations not approved for it, first contacts by vendor software, unusual volumes and contact with indicators.</p>
        </div>
      </div>
      <EgressNav />
      <FilterBar label="Filter alerts">
        <FilterSelect filters={filters} name="status" label="Status" options={STATUS_OPTIONS} />
        <FilterSelect filters={filters} name="rule" label="Rule" options={ALERT_RULES} all="Any rule" />
        <FilterSelect filters={filters} name="severity" label="Severity" options={SEVERITY_OPTIONS} all="Any" />
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name] as const)} all="All vendors" />
        <FilterSearch filters={filters} name="destination" label="Destination" placeholder="example.com" />
      </FilterBar>
      <ListBody list={list} loading="Loading alerts…" empty="No alerts match.">
        {(items) => (
          <DataTable
            rows={items}
            rowKey={(a) => a.id}
            caption="Egress alerts"
            testId="egress-alerts"
            columns={[
              { header: 'Severity', cell: (a) => <SeverityTag severity={a.severity} /> },
              { header: 'Alert', rowHeader: true, cell: (a) => <Link to={`/egress/alerts/${a.id}`}>{a.title}</Link> },
              { header: 'Rule', cell: (a) => <span className="small">{ruleLabel(a.rule)}</span> },
              { header: 'Destination', cell: (a) => <code className="nowrap">{a.destination}</code> },
              {
                header: 'Vendor',
                cell: (a) => (a.vendor ? <Link to={`/vendors/${a.vendor.id}`}>{a.vendor.name ?? 'deleted vendor'}</Link> : <span className="tag egress-unattributed">unattributed</span>),
              },
              { header: 'Data', cell: (a) => <DataClasses classes={a.dataClasses} /> },
              { header: 'Seen', num: true, cell: (a) => `${a.count}×` },
              { header: 'Last', cell: (a) => <time dateTime={a.lastSeen} title={formatDateTime(a.lastSeen)}>{relativeTime(a.lastSeen)}</time> },
              { header: 'Status', cell: (a) => <AlertStatus status={a.status} /> },
            ]}
          />
        )}
      </ListBody>
    </div>
  );
}

export function EgressAlertPage({ id }: { id: string }) {
  const { can } = useSession();
  const alert = useAsync((signal) => api.get<EgressAlert>(`/api/v1/egress/alerts/${encodeURIComponent(id)}`, undefined, signal), [id]);
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  useDocumentTitle(alert.data ? alert.data.title : 'Egress alert');
  const crumbs = <Link to="/egress/alerts">Egress alerts</Link>;
  if (!alert.data) return <PageStatus state={alert} crumbs={crumbs} label="Loading the alert…" />;
  const a = alert.data;

  const act = async (action: 'acknowledge' | 'resolve') => {
    setState({ busy: true, error: null });
    try {
      alert.setData(await api.post<EgressAlert>(`/api/v1/egress/alerts/${encodeURIComponent(a.id)}/${action}`));
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error });
    }
  };

  return (
    <div className="page page-wide">
      <p className="crumbs">{crumbs}</p>
      <div className="page-head">
        <div>
          <h1>
            <SeverityTag severity={a.severity} /> {a.title}
          </h1>
          <p className="muted">
            {ruleLabel(a.rule)} · <AlertStatus status={a.status} />
          </p>
        </div>
        {can('egress:write') && a.status !== 'resolved' && (
          <div className="actions">
            {a.status === 'open' && (
              <button type="button" className="btn" disabled={state.busy} onClick={() => void act('acknowledge')}>
                Acknowledge
              </button>
            )}
            <button type="button" className="btn btn-primary" disabled={state.busy} onClick={() => void act('resolve')}>
              Resolve
            </button>
          </div>
        )}
      </div>
      <EgressNav />
      <ErrorBanner error={state.error} />
      <section className="card egress-alert-card">
        <p className="egress-alert-detail">{a.detail}</p>
        <dl className="dl">
          <DetailRow label="Destination">
            <code>{a.host}</code>
            {a.host !== a.destination && (
              <>
                {' '}
                (<code>{a.destination}</code>)
              </>
            )}
            {a.pathOwner && (
              <>
                {' '}
                · path owner <code>{a.pathOwner}</code>
              </>
            )}{' '}
            · <Link to={`/egress?q=${encodeURIComponent(a.destination)}&window=all`}>its flows</Link>
          </DetailRow>
          <DetailRow label="Vendor">
            {a.vendor ? (
              <Link to={`/vendors/${a.vendor.id}`}>{a.vendor.name ?? 'deleted vendor'}</Link>
            ) : (
              <>
                <span className="tag egress-unattributed">unattributed</span> · <Link to={`/egress/destinations?q=${encodeURIComponent(a.destination)}`}>triage the destination</Link>
              </>
            )}
          </DetailRow>
          {a.sanction && (
            <DetailRow label="Sanction">
              {isSanction(a.sanction) ? <SanctionTag sanction={a.sanction} /> : a.sanction}
            </DetailRow>
          )}
          <DetailRow label="Source">
            {a.source}
            {a.app && a.app !== a.source && <span className="muted"> · {a.app}</span>}
          </DetailRow>
          <DetailRow label="Data classes">
            <DataClasses classes={a.dataClasses} />
          </DetailRow>
          <DetailRow label="Seen">
            {a.count}× · first {formatDateTime(a.firstSeen)} · last {formatDateTime(a.lastSeen)}
          </DetailRow>
          {a.indicatorId && (
            <DetailRow label="Indicator">
              <Link to={`/indicators/${a.indicatorId}`}>the matching indicator</Link>
            </DetailRow>
          )}
          {a.riskId && (
            <DetailRow label="Risk">
              <Link to={`/risks/${a.riskId}`}>the risk this alert opened</Link>
            </DetailRow>
          )}
          {Object.keys(a.evidence).length > 0 && (
            <DetailRow label="Evidence">
              <Evidence evidence={a.evidence} />
            </DetailRow>
          )}
          {a.acknowledgedAt && (
            <DetailRow label="Acknowledged">
              {formatDateTime(a.acknowledgedAt)} by {a.acknowledgedBy ?? '?'}
            </DetailRow>
          )}
          {a.resolvedAt && (
            <DetailRow label="Resolved">
              {formatDateTime(a.resolvedAt)} by {a.resolvedBy ?? '?'}
            </DetailRow>
          )}
        </dl>
      </section>
    </div>
  );
}

function isSanction(value: string): value is Sanction {
  return (SANCTIONS as readonly string[]).includes(value);
}

/** The rule's evidence (counts, baseline figures, matched indicator…) as label and value. */
function Evidence({ evidence }: { evidence: Record<string, unknown> }) {
  return (
    <dl className="egress-evidence">
      {Object.entries(evidence).map(([key, value]) => (
        <div key={key}>
          <dt>{key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}</dt>
          <dd>{typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : <code>{JSON.stringify(value)}</code>}</dd>
        </div>
      ))}
    </dl>
  );
}
