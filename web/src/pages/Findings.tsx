import { useState, type FormEvent } from 'react';
import { api, describeError, type QueryValue } from '../api.js';
import { Dialog, Empty, ErrorBanner, Field, Loading, SelectField, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { dependencyPlace, formatDate, formatDateTime, plural } from '../format.js';
import { DataTable, type Column, FilterBar, FilterCheck, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters, useVendorOptions, type TableSort } from '../lists.js';
import { Link } from '../router.js';
import { SeverityLabel, SeverityTag } from '../severity.js';
import { useSession } from '../session.js';
import { TIERS } from '../types.js';
import {
  FINDING_STATES,
  JUSTIFICATIONS,
  SEVERITIES,
  type Advisory,
  type Exposure,
  type ExposureState,
  type Finding,
  type FindingGroup,
  type FindingTotals,
  type SavedView,
  type TriageBatch,
  type VulnerabilityRisk,
} from '../supplyTypes.js';

export const label = (s: string) => s.replace(/_/g, ' ');


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

/** How a finding was matched, when it was not by package URL (CPE matching adds these). */
export function MatchTag({ f }: { f: Pick<Finding, 'match' | 'matchConfidence'> }) {
  if (!f.match || f.match === 'purl') return null;
  if (f.match === 'kev-name') {
    return (
      <span className="tag" title="A CISA KEV entry names this vendor and product; it lists no package to match by">
        name match
      </span>
    );
  }
  const text = f.match === 'inferred-cpe' ? `inferred CPE${f.matchConfidence != null ? ` ${Math.round(f.matchConfidence * 100)}%` : ''}` : 'CPE match';
  return (
    <span className="tag" title="Matched by CPE, not by package URL: check the component is really this software">
      {text}
    </span>
  );
}

/** Open findings by severity for a vendor or product, each linking to the workbench filtered to it. */
export function FindingBadges({ scope }: { scope: { vendorId: string } | { productId: string } }) {
  const key = JSON.stringify(scope);
  const state = useAsync((signal) => api.get<FindingTotals>('/api/v1/findings/totals', scope, signal), [key]);
  if (!state.data) return null;
  const t = state.data;
  const link = (extra: Record<string, string>) => `/findings?${new URLSearchParams({ ...scope, ...extra })}`;
  return (
    <p className="finding-badges" data-testid="finding-badges">
      <Link to={link({})}>{plural(t.findings, 'open finding')}</Link>
      {SEVERITIES.filter((s) => t.severity[s] > 0).map((s) => (
        <Link key={s} to={link({ severity: s })} className={`sev sev-${s}`} aria-label={`${t.severity[s]} ${s}`}>
          {t.severity[s]} {s}
        </Link>
      ))}
    </p>
  );
}

/** The workbench's sort keys, by column. */
const SORTABLE = { advisory: 'advisory', severity: 'severity', component: 'component', vendor: 'vendor', state: 'state', fixedIn: 'fixedIn', due: 'due' } as const;

export function FindingsTable({
  query,
  refreshKey,
  selectable,
  selected,
  onSelect,
  showOwner = true,
  sort,
  testId = 'findings-table',
}: {
  showOwner?: boolean;
  query: Record<string, QueryValue>;
  refreshKey?: number;
  selectable?: boolean;
  selected?: Set<string>;
  onSelect?: (ids: Set<string>) => void;
  sort?: TableSort;
  testId?: string;
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
          testId={testId}
          sort={sort}
          columns={[
            selectable === true && {
              header: (
                <input
                  type="checkbox"
                  aria-label="Select all findings on this page"
                  checked={items.every((f) => selected?.has(f.id))}
                  onChange={(e) => onSelect?.(e.target.checked ? new Set([...(selected ?? []), ...items.map((f) => f.id)]) : new Set([...(selected ?? [])].filter((id) => !items.some((f) => f.id === id))))}
                />
              ),
              cell: (f) => <input type="checkbox" aria-label={`Select ${f.advisoryId} in ${f.component.name}`} checked={selected?.has(f.id) ?? false} onChange={(e) => toggle(f.id, e.target.checked)} />,
            },
            {
              header: 'Advisory',
              sort: SORTABLE.advisory,
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
              sort: SORTABLE.severity,
              cell: (f) => (
                <>
                  <SeverityLabel severity={f.severity} source={f.severitySource} override={f.severityOverride} />
                  {f.epss !== null && <div className="small muted">EPSS {(f.epss * 100).toFixed(1)}%</div>}
                </>
              ),
            },
            {
              header: 'Component',
              sort: SORTABLE.component,
              cell: (f) => (
                <>
                  {/* A KEV name match has no package: the root component (the product) stands for it. */}
                  <Link to={`/findings/${f.id}`} aria-label={`Finding ${f.advisoryId} in ${f.component.packageName} ${f.component.version ?? ''}`.trim()}>
                    {f.match === 'kev-name' ? f.component.name : f.component.packageName}
                  </Link>{' '}
                  <span className="muted">{f.component.version}</span> <MatchTag f={f} />
                  <div className="small muted">
                    {dependencyPlace(f.component)}
                    {!showOwner && f.release && <> · release {f.release}</>}
                  </div>
                </>
              ),
            },
            showOwner && {
              header: 'Vendor / product',
              sort: SORTABLE.vendor,
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
              sort: SORTABLE.state,
              className: 'nowrap',
              cell: (f) => (
                <>
                  {label(f.state)}
                  {f.justification && <div className="small muted">{label(f.justification)}</div>}
                </>
              ),
            },
            { header: 'Fixed in', sort: SORTABLE.fixedIn, cell: (f) => f.fixedIn ?? '—' },
            { header: 'Due', sort: SORTABLE.due, className: (f) => (f.overdue ? 'overdue-tag nowrap' : 'nowrap'), cell: (f) => formatDate(f.dueAt) },
          ]}
        />
      )}
    </ListBody>
  );
}

/** The columns grouped rows sort by; another sort of the list falls back to the most urgent first. */
const GROUP_SORTS = new Set(['priority', 'advisory', 'severity', 'findings', 'products', 'vendors']);

/** The findings grouped by advisory: one row per advisory with its counts, each expandable to its findings. */
function GroupedFindings({ query, sort, refreshKey, selection }: { query: Record<string, QueryValue>; sort: TableSort; refreshKey: number; selection: Selection }) {
  const groupSort = GROUP_SORTS.has(sort.value.replace(/^-/, '')) ? sort.value : 'priority';
  const list = usePagedList<FindingGroup>('/api/v1/findings/groups', { ...query, sort: groupSort, limit: 50 }, refreshKey);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const header = (text: string, key: string) => {
    const state = groupSort === key ? 'ascending' : groupSort === `-${key}` ? 'descending' : 'none';
    return (
      <th scope="col" aria-sort={state} className={['findings', 'products', 'vendors'].includes(key) ? 'num' : undefined}>
        <button type="button" className="sort-btn" onClick={() => sort.onChange(state === 'descending' ? key : `-${key}`)}>
          {text}
          <span aria-hidden="true" className="sort-icon">
            {state === 'ascending' ? '▲' : state === 'descending' ? '▼' : '↕'}
          </span>
        </button>
      </th>
    );
  };
  return (
    <ListBody list={list} empty="No findings match.">
      {(items) => (
        <div className="table-wrap">
          <table className="table table-groups" data-testid="groups-table">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Expand</span>
                </th>
                {header('Advisory', 'advisory')}
                {header('Severity', 'severity')}
                {header('Findings', 'findings')}
                {header('Products', 'products')}
                {header('Vendors', 'vendors')}
              </tr>
            </thead>
            {items.map((g) => {
              const expanded = open.has(g.advisoryGroupId);
              return (
                <tbody key={g.advisoryGroupId}>
                  <tr className={expanded ? 'group-open' : undefined}>
                    <td>
                      <button
                        type="button"
                        className="btn btn-small btn-ghost"
                        aria-expanded={expanded}
                        aria-label={`${expanded ? 'Collapse' : 'Expand'} ${g.advisoryId}`}
                        onClick={() => {
                          const next = new Set(open);
                          if (expanded) next.delete(g.advisoryGroupId);
                          else next.add(g.advisoryGroupId);
                          setOpen(next);
                        }}
                      >
                        {expanded ? '▾' : '▸'}
                      </button>
                    </td>
                    <th scope="row">
                      <Link to={`/advisories/${encodeURIComponent(g.advisoryId)}`}>{g.advisoryId}</Link>
                      {g.kev && <span className="tag tag-warn">KEV</span>}
                      {g.malicious && <span className="tag tag-warn">malicious</span>}
                      {g.summary && <div className="small muted">{g.summary}</div>}
                    </th>
                    <td>
                      <SeverityTag severity={g.severity} />
                    </td>
                    <td className="num">{g.findings}</td>
                    <td className="num">{g.products}</td>
                    <td className="num">{g.vendors}</td>
                  </tr>
                  {expanded && (
                    <tr className="group-findings">
                      <td colSpan={6}>
                        <FindingsTable
                          query={{ ...query, advisory: g.advisoryGroupId, limit: 25 }}
                          refreshKey={refreshKey}
                          selectable={selection.enabled}
                          selected={selection.selected}
                          onSelect={selection.onSelect}
                          testId={`group-findings-${g.advisoryId}`}
                        />
                      </td>
                    </tr>
                  )}
                </tbody>
              );
            })}
          </table>
        </div>
      )}
    </ListBody>
  );
}

interface Selection {
  enabled: boolean;
  selected: Set<string>;
  onSelect: (ids: Set<string>) => void;
}

const FILTER_KEYS = ['q', 'vendorId', 'productId', 'tier', 'severity', 'kev', 'malicious', 'epssMin', 'state', 'advisory', 'purl', 'sort', 'group'] as const;
const EXPORTS = [
  ['csv', 'CSV'],
  ['cyclonedx-vex', 'CycloneDX VEX'],
  ['cyclonedx-vdr', 'CycloneDX VDR'],
  ['openvex', 'OpenVEX'],
  ['csaf', 'CSAF VEX'],
] as const;

/** Counts for the current filter: the headline and the split by severity and state. */
function Totals({ query, refreshKey }: { query: Record<string, QueryValue>; refreshKey: number }) {
  const { sort: _sort, group: _group, ...filters } = query;
  void _sort;
  void _group;
  const state = useAsync((signal) => api.get<FindingTotals>('/api/v1/findings/totals', filters, signal), [JSON.stringify(filters), refreshKey]);
  if (!state.data) return <ErrorBanner error={state.error} onRetry={state.reload} />;
  const t = state.data;
  return (
    <div className="totals" data-testid="findings-totals" aria-live="polite">
      <strong>{plural(t.findings, 'finding')}</strong>
      <span className="muted">
        {' '}
        · {plural(t.advisories, 'advisory', 'advisories')} · {plural(t.products, 'product')} · {plural(t.vendors, 'vendor')}
      </span>
      <span className="totals-split" aria-label="By severity">
        {SEVERITIES.filter((s) => t.severity[s] > 0).map((s) => (
          <span key={s} className={`sev sev-${s}`}>
            {t.severity[s]} {s}
          </span>
        ))}
      </span>
      <span className="totals-split muted small" aria-label="By state">
        {FINDING_STATES.filter((s) => t.state[s] > 0)
          .map((s) => `${t.state[s]} ${label(s)}`)
          .join(' · ')}
      </span>
    </div>
  );
}

/** Saved views: pick one (its filters replace the current ones), save the current view, delete one of yours. */
function SavedViews({ current, apply }: { current: Record<string, string | string[]>; apply: (query: Record<string, string | string[]>) => void }) {
  const [refresh, setRefresh] = useState(0);
  const views = useAsync((signal) => api.get<{ items: SavedView[] }>('/api/v1/findings/views', undefined, signal), [refresh]);
  const [chosen, setChosen] = useState('');
  const [saving, setSaving] = useState(false);
  const [form, setForm] = useState({ name: '', shared: false });
  const [error, setError] = useState<unknown>(null);
  const items = views.data?.items ?? [];
  const view = items.find((v) => v.id === chosen);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await api.post<SavedView>('/api/v1/findings/views', { name: form.name, shared: form.shared, query: current });
      setSaving(false);
      setChosen(created.id);
      setRefresh((r) => r + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="saved-views">
      <SelectField
        label="Saved view"
        value={chosen}
        onChange={(id) => {
          setChosen(id);
          const v = items.find((x) => x.id === id);
          if (v) apply(v.query);
        }}
        options={items.map((v) => [v.id, v.mine ? (v.shared ? `${v.name} (shared)` : v.name) : `${v.name} — ${v.owner}`])}
        placeholder="—"
      />
      <button type="button" className="btn btn-small" onClick={() => { setForm({ name: '', shared: false }); setError(null); setSaving(true); }}>
        Save view…
      </button>
      {view?.mine && (
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={() =>
            void api.delete(`/api/v1/findings/views/${view.id}`).then(() => {
              setChosen('');
              setRefresh((r) => r + 1);
            }, setError)
          }
        >
          Delete view
        </button>
      )}
      {saving && (
        <Dialog title="Save this view" onClose={() => setSaving(false)}>
          <form onSubmit={(e) => void save(e)} aria-label="Save view">
            <Field label="Name">{(props) => <input {...props} type="text" required maxLength={120} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}</Field>
            <label className="check">
              <input type="checkbox" checked={form.shared} onChange={(e) => setForm({ ...form, shared: e.target.checked })} /> Share with everyone
            </label>
            <p className="small muted">Saves the search, filters, sort and grouping shown now.</p>
            {error !== null && (
              <p className="banner banner-error" role="alert">
                {describeError(error)}
              </p>
            )}
            <div className="form-actions">
              <button type="submit" className="btn btn-primary">
                Save
              </button>
              <button type="button" className="btn" onClick={() => setSaving(false)}>
                Cancel
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {!saving && error !== null && (
        <p className="banner banner-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </div>
  );
}

/** The latest bulk changes (from the audit trail), each undoable while its findings are unchanged since. */
function RecentBatches({ refreshKey, onUndone }: { refreshKey: number; onUndone: (message: string) => void }) {
  const [refresh, setRefresh] = useState(0);
  const batches = useAsync((signal) => api.get<{ items: TriageBatch[] }>('/api/v1/findings/triage/batches', undefined, signal), [refreshKey, refresh]);
  const [error, setError] = useState<unknown>(null);
  const items = (batches.data?.items ?? []).filter((b) => b.findings > 0).slice(0, 5);
  if (!items.length) return null;
  const undo = async (b: TriageBatch) => {
    setError(null);
    try {
      const result = await api.post<{ restored: number }>(`/api/v1/findings/triage/${b.batchId}/undo`);
      onUndone(`Undone: ${plural(result.restored, 'finding')} back to their previous state.`);
      setRefresh((r) => r + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <details className="card recent-batches" data-testid="recent-batches">
      <summary>Recent bulk changes</summary>
      {error !== null && (
        <p className="banner banner-error" role="alert">
          {describeError(error)}
        </p>
      )}
      <ul>
        {items.map((b) => (
          <li key={b.batchId}>
            {formatDateTime(b.at)} · {b.actor} set {plural(b.findings, 'finding')} to {label(String(b.decision.state ?? 'a new decision'))}
            {b.undone ? (
              <span className="muted">
                {' '}
                · undone by {b.undone.actor} {formatDateTime(b.undone.at)}
              </span>
            ) : (
              <>
                {' '}
                <button type="button" className="btn btn-small" onClick={() => void undo(b)}>
                  Undo
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function FindingsPage() {
  useDocumentTitle('Findings');
  const { can } = useSession();
  const filters = useUrlFilters('/findings', FILTER_KEYS);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [refresh, setRefresh] = useState(0);
  const [triage, setTriage] = useState({ state: 'not_affected', justification: '', detail: '' });
  const [message, setMessage] = useState<{ text: string; batchId: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState<{ body: Record<string, unknown>; updated: number; unchanged: number } | null>(null);
  const [format, setFormat] = useState('csv');
  const vendors = useVendorOptions();
  const vendorId = filters.value('vendorId');
  const productsOf = useAsync(
    (signal) => (vendorId ? api.get<{ items: Array<{ id: string; name: string }> }>(`/api/v1/vendors/${vendorId}/products`, { limit: 200 }, signal) : Promise.resolve({ items: [] })),
    [vendorId],
  );
  const grouped = filters.value('group') === 'advisory';
  const sort: TableSort = { value: filters.value('sort') || 'priority', onChange: (value) => filters.set({ sort: value }) };
  const { group: _group, ...listQuery } = filters.query;
  void _group;
  const canTriage = can('findings:triage');
  const selection: Selection = { enabled: canTriage, selected, onSelect: setSelected };
  const productId = filters.value('productId');

  const body = () => {
    const b: Record<string, unknown> = { ids: [...selected], state: triage.state };
    if (triage.state === 'not_affected' && triage.justification) b.justification = triage.justification;
    if (triage.detail.trim()) b.detail = triage.detail.trim();
    return b;
  };

  // First a dry run: the confirmation says how many findings will really change.
  const review = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const b = body();
      const dry = await api.post<{ updated: number; unchanged: number }>('/api/v1/findings/triage', { ...b, dryRun: true });
      setConfirm({ body: b, updated: dry.updated, unchanged: dry.unchanged });
    } catch (e) {
      setError(e);
    }
  };

  const apply = async () => {
    if (!confirm) return;
    try {
      const result = await api.post<{ updated: number; batchId: string | null }>('/api/v1/findings/triage', confirm.body);
      setMessage({ text: `${plural(result.updated, 'finding')} set to ${label(String(confirm.body.state))}.`, batchId: result.batchId });
      setSelected(new Set());
      setRefresh((r) => r + 1);
    } catch (e) {
      setError(e);
    } finally {
      setConfirm(null);
    }
  };

  const undo = async (batchId: string) => {
    setError(null);
    try {
      const result = await api.post<{ restored: number }>(`/api/v1/findings/triage/${batchId}/undo`);
      setMessage({ text: `Undone: ${plural(result.restored, 'finding')} back to their previous state.`, batchId: null });
      setRefresh((r) => r + 1);
    } catch (e) {
      setError(e);
    }
  };

  const vexFormat = format !== 'csv';
  const download = () => {
    setError(null);
    const { limit: _limit, cursor: _cursor, ...rest } = listQuery;
    void _limit;
    void _cursor;
    api.download('/api/v1/findings/export', { ...rest, format }, `findings.${format === 'csv' ? 'csv' : 'json'}`).catch(setError);
  };

  return (
    <div className="page page-wide">
      <div className="page-head">
        <h1>Findings</h1>
        <SavedViews
          current={Object.fromEntries(Object.entries(filters.query).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]))}
          apply={(query) => {
            setSelected(new Set());
            filters.set(Object.fromEntries(FILTER_KEYS.map((k) => [k, Array.isArray(query[k]) ? (query[k] as string[])[0] : ((query[k] as string | undefined) ?? null)])));
          }}
        />
      </div>
      <FilterBar label="Filter findings">
        <FilterSearch filters={filters} label="Search" placeholder="CVE, package, product, vendor" />
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name])} all="All vendors" />
        {(vendorId || productId) && (
          <FilterSelect filters={filters} name="productId" label="Product" options={(productsOf.data?.items ?? []).map((p) => [p.id, p.name])} all="All products" />
        )}
        <FilterSelect filters={filters} name="tier" label="Tier" options={TIERS} all="Any tier" />
        <FilterSelect filters={filters} name="severity" label="Severity" options={SEVERITIES} all="Any severity" />
        <FilterSelect filters={filters} name="state" label="State" options={FINDING_STATES.map((s) => [s, label(s)])} all="Any state" />
        <Field label="EPSS ≥">
          {(props) => <input {...props} type="number" min={0} max={1} step={0.05} value={filters.value('epssMin')} onChange={(e) => filters.set({ epssMin: e.target.value })} />}
        </Field>
        <FilterCheck filters={filters} name="kev" label="Known exploited (KEV)" />
        <FilterCheck filters={filters} name="malicious" label="Malicious" />
        <FilterSelect filters={filters} name="group" label="Group by" options={[['advisory', 'Advisory']]} all="No grouping" />
      </FilterBar>
      <div className="workbench-bar">
        <Totals query={listQuery} refreshKey={refresh} />
        <div className="export">
          <SelectField label="Export as" value={format} onChange={setFormat} options={EXPORTS} />
          <button type="button" className="btn btn-small" onClick={download} disabled={vexFormat && !productId} title={vexFormat && !productId ? 'A VEX document describes one product: choose a vendor and a product first' : undefined}>
            Export
          </button>
        </div>
      </div>
      {canTriage && (
        <form className="card inline-form triage" onSubmit={(e) => void review(e)} aria-label="Triage selected findings">
          <strong aria-live="polite">{plural(selected.size, 'finding')} selected</strong>
          <SelectField label="Set state to" value={triage.state} onChange={(state) => setTriage({ ...triage, state })} options={FINDING_STATES.map((s) => [s, label(s)])} />
          <SelectField label="Justification" value={triage.justification} disabled={triage.state !== 'not_affected'} onChange={(justification) => setTriage({ ...triage, justification })} options={JUSTIFICATIONS.map((j) => [j, label(j)])} placeholder="—" />
          <Field label="Note">
            {(props) => <input {...props} type="text" maxLength={2000} value={triage.detail} onChange={(e) => setTriage({ ...triage, detail: e.target.value })} />}
          </Field>
          <button type="submit" className="btn btn-primary" disabled={selected.size === 0}>
            Apply to selected…
          </button>
        </form>
      )}
      {confirm && (
        <Dialog title="Change findings?" onClose={() => setConfirm(null)}>
          <p data-testid="triage-confirm-count">
            {confirm.updated === 0
              ? 'None of the selected findings would change.'
              : `${plural(confirm.updated, 'finding')} will be set to ${label(String(confirm.body.state))}.`}
            {confirm.unchanged > 0 && ` ${plural(confirm.unchanged, 'finding')} already ${confirm.unchanged === 1 ? 'has' : 'have'} this decision.`}
          </p>
          <p className="small muted">The change is recorded in the audit trail and can be undone.</p>
          <div className="form-actions">
            <button type="button" className="btn btn-primary" disabled={confirm.updated === 0} onClick={() => void apply()}>
              Change {plural(confirm.updated, 'finding')}
            </button>
            <button type="button" className="btn" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
      <div aria-live="polite">
        {message && (
          <p className="banner banner-ok" role="status">
            {message.text}{' '}
            {message.batchId && (
              <button type="button" className="btn btn-small" onClick={() => void undo(message.batchId!)}>
                Undo
              </button>
            )}
          </p>
        )}
      </div>
      {error !== null && (
        <p className="banner banner-error" role="alert">
          {describeError(error)}
        </p>
      )}
      {canTriage && <RecentBatches refreshKey={refresh} onUndone={(text) => { setMessage({ text, batchId: null }); setRefresh((r) => r + 1); }} />}
      {grouped ? (
        <GroupedFindings query={listQuery} sort={sort} refreshKey={refresh} selection={selection} />
      ) : (
        <FindingsTable query={{ ...listQuery, limit: 50 }} refreshKey={refresh} selectable={canTriage} selected={selected} onSelect={setSelected} sort={sort} />
      )}
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
          <ExposureTables exposure={exposure.data} />
        )}
      </section>
      )}
      {a && (
        <>
          <AffectedPackages packages={a.packages ?? []} />
          <References records={a.records} />
        </>
      )}
    </div>
  );
}

const STATE_LABELS: Record<ExposureState, string> = { affected: 'affected', under_investigation: 'under investigation', fixed: 'fixed', not_affected: 'not affected (VEX)' };

/**
 * Who is exposed, one row per product with its state; the headline counts the rows above the
 * line, and products analysed (or stated by VEX) as not affected are listed apart, below it.
 */
function ExposureTables({ exposure }: { exposure: Exposure }) {
  const components = new Map<string, string[]>();
  for (const v of exposure.vendors) {
    for (const p of v.products) {
      components.set(p.id, [...new Set(p.releases.flatMap((r) => (r.components ?? []).map((c) => `${c.name} ${c.version ?? ''}${c.direct ? '' : ' (transitive)'}`.trim())))]);
    }
  }
  const products = exposure.products ?? [];
  const exposed = products.filter((p) => p.state !== 'not_affected');
  const notAffected = products.filter((p) => p.state === 'not_affected');
  const columns: Array<Column<(typeof products)[number]>> = [
    {
      header: 'Vendor',
      rowHeader: true,
      cell: ({ vendor: v }) => (
        <>
          <Link to={`/vendors/${v.id}`}>{v.name}</Link> <TierBadge tier={v.tier} />
        </>
      ),
    },
    { header: 'Product', cell: (p) => <Link to={`/products/${p.id}`}>{p.name}</Link> },
    { header: 'Releases', cell: (p) => p.releases.join(', ') },
    { header: 'State', className: 'nowrap', cell: (p) => <span className={`exposure-state exposure-${p.state}`}>{STATE_LABELS[p.state]}</span> },
    { header: 'Component', className: 'small', cell: (p) => (components.get(p.id) ?? []).join(', ') },
    {
      header: 'Findings',
      cell: (p) => (
        <Link to={`/findings?${new URLSearchParams({ productId: p.id, advisory: exposure.advisories[0]?.id ?? '' })}`}>
          {[
            p.findings.affected && `${p.findings.affected} affected`,
            p.findings.underInvestigation && `${p.findings.underInvestigation} under investigation`,
            p.findings.fixed && `${p.findings.fixed} fixed`,
            p.findings.notAffected && `${p.findings.notAffected} not affected`,
          ]
            .filter(Boolean)
            .join(', ')}
        </Link>
      ),
    },
  ];
  return (
    <>
      <p className="exposure-headline" data-testid="exposure-headline">
        {exposed.length === 0 ? (
          'Not used by any product that is still exposed.'
        ) : (
          <>
            Used by <strong>{plural(exposure.summary.vendors, 'vendor')}</strong> in <strong>{plural(exposure.summary.products, 'product')}</strong>
          </>
        )}
        <span className="muted">
          {' '}
          · {plural(exposure.summary.findings, 'finding')}
          {notAffected.length > 0 && <>; {plural(notAffected.length, 'product')} not affected (VEX) left out</>}
          {exposure.summary.truncated && ' (truncated)'}
        </span>
      </p>
      {exposed.length > 0 && <DataTable rows={exposed} rowKey={(p) => p.id} testId="exposure-table" columns={columns} />}
      {notAffected.length > 0 && (
        <>
          <h3 className="exposure-apart">Not affected (VEX)</h3>
          <DataTable rows={notAffected} rowKey={(p) => p.id} testId="not-affected-table" columns={columns} />
        </>
      )}
    </>
  );
}

type AffectedPackage = NonNullable<Advisory['packages']>[number];

/** An OSV range as comparisons: introduced 0 / fixed 1.2 → "< 1.2"; introduced 1.0 / last_affected 1.4 → ">= 1.0, <= 1.4". */
export function describeRange(range: AffectedPackage['ranges'][number]): string {
  if (range.type === 'CPE' && range.criterion) return describeCpe(range.criterion, range.platforms ?? null);
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

/** An NVD criterion: its CPE, its version bounds, and the platforms it must run on. */
function describeCpe(c: NonNullable<AffectedPackage['ranges'][number]['criterion']>, platforms: NonNullable<AffectedPackage['ranges'][number]['criterion']>[][] | null): string {
  const bounds = [
    c.versionStartIncluding && `>= ${c.versionStartIncluding}`,
    c.versionStartExcluding && `> ${c.versionStartExcluding}`,
    c.versionEndIncluding && `<= ${c.versionEndIncluding}`,
    c.versionEndExcluding && `< ${c.versionEndExcluding}`,
  ].filter(Boolean);
  const on = platforms?.length ? ` (running on ${platforms.map((alternatives) => alternatives.map((p) => p.criteria.split(':').slice(3, 5).join(' ')).join(' or ')).join(' and ')})` : '';
  return `${c.criteria}${bounds.length ? ` ${bounds.join(', ')}` : ''}${on}`;
}

export function AffectedPackages({ packages }: { packages: AffectedPackage[] }) {
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

export function References({ records }: { records: Advisory['records'] }) {
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
