import { api } from '../api.js';
import { CopyableValue, DetailRow, ErrorBanner, Loading, PageStatus, Tag, useAsync, useDocumentTitle } from '../components.js';
import { formatDate, formatDateTime, plural } from '../format.js';
import { INDICATOR_TYPES, SIGHTING_KINDS, type Indicator, type IndicatorOverview, type IndicatorSource, type Sighting, type SightingKind, type UnsupportedPattern } from '../intelTypes.js';
import { DataTable, FilterBar, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters, useVendorOptions } from '../lists.js';
import { Link } from '../router.js';
import type { Risk } from '../riskTypes.js';
import { LevelTag } from './Risks.js';

const TLP_MEANING: Record<string, string> = {
  clear: 'TLP:CLEAR: may be shared without limit',
  green: 'TLP:GREEN: may be shared within the community',
  amber: 'TLP:AMBER: within the organisation and its clients, on a need-to-know basis',
  'amber+strict': 'TLP:AMBER+STRICT: within the organisation only',
  red: 'TLP:RED: for the named recipients only',
};

/** A Traffic Light Protocol marking in its colours (the strictest any source gives). */
export function TlpBadge({ tlp }: { tlp: string | null }) {
  if (!tlp) return <span className="muted">—</span>;
  return (
    <span className={`tlp tlp-${tlp.replace('+', '-')}`} title={TLP_MEANING[tlp]}>
      TLP:{tlp.toUpperCase()}
    </span>
  );
}

/** An indicator past its valid-until date matches nothing new: said next to the date. */
function ValidUntil({ iso }: { iso: string | null }) {
  if (!iso) return <span className="muted">no end</span>;
  return (
    <>
      {formatDate(iso)}
      {Date.parse(iso) <= Date.now() && <span className="tag tag-warn">expired</span>}
    </>
  );
}

const KIND_LABEL: Record<SightingKind, string> = {
  'sbom-component': 'SBOM component',
  artifact: 'release artifact',
  'artifact-file': 'file in an artifact',
  'vendor-domain': 'vendor domain',
  egress: 'egress traffic',
};

const FOUND_BY: Record<Sighting['foundBy'], string> = {
  indicator: 'found when the indicator was imported',
  sbom: 'found when the SBOM was uploaded',
  artifact: 'found when the artifact was checked',
  vendor: "found when the vendor's domains changed",
  egress: 'found in egress traffic',
};

/** Where a release of the sighting lives: its SBOM, or the product's integrity timeline for an artifact. */
function releaseHref(s: Sighting): string | null {
  if (s.sbomId) return `/sboms/${s.sbomId}`;
  if (s.artifactId && s.product) return `/products/${s.product.id}/integrity`;
  return null;
}

/** What matched: the component, the artifact (or the file inside it), the host on the vendor's domain, or the request to it (linked to its egress alert). */
function Matched({ sighting: s }: { sighting: Sighting }) {
  const e = s.evidence;
  const release = releaseHref(s);
  const what =
    s.kind === 'sbom-component' && s.component ? (
      <>
        {s.component.name} {s.component.version}
      </>
    ) : s.kind === 'vendor-domain' ? (
      <code>{e.host}</code>
    ) : s.kind === 'egress' ? (
      <code>
        {e.host}
        {e.path ?? ''}
      </code>
    ) : s.kind === 'artifact-file' ? (
      <>
        {e.file} in {e.fileName}
      </>
    ) : (
      e.fileName
    );
  return (
    <>
      {s.kind === 'egress' && s.egressAlertId ? <Link to={`/egress/alerts/${s.egressAlertId}`}>{what}</Link> : release && s.kind !== 'vendor-domain' ? <Link to={release}>{what}</Link> : what}
      <div className="small muted">
        {KIND_LABEL[s.kind] ?? s.kind}
        {s.kind === 'egress' && (e.app || e.client) && ` · from ${[e.app, e.client].filter(Boolean).join(' on ')}`}
        {e.algorithm && ` · ${e.algorithm.toUpperCase()} match`}
        {s.kind === 'vendor-domain' && e.vendorDomain && ` · on ${e.vendorDomain}`}
      </div>
    </>
  );
}

/** Sightings with links to their indicator, vendor, product, release and the risk opened from them. */
export function SightingsTable({ rows, showIndicator = true, showVendor = true }: { rows: Sighting[]; showIndicator?: boolean; showVendor?: boolean }) {
  return (
    <DataTable
      rows={rows}
      rowKey={(s) => s.id}
      className="table-sightings"
      testId="sightings-table"
      columns={[
        {
          header: 'Matched',
          rowHeader: true,
          cell: (s) => <Matched sighting={s} />,
        },
        showIndicator && {
          header: 'Indicator',
          cell: (s) => (
            <>
              <Tag>{s.indicator.type}</Tag>
              <Link to={`/indicators/${s.indicator.id}`} className="mono-wrap">
                {s.indicator.value}
              </Link>
            </>
          ),
        },
        showVendor && { header: 'Vendor', cell: (s) => (s.vendor ? <Link to={`/vendors/${s.vendor.id}`}>{s.vendor.name}</Link> : '—') },
        {
          header: 'Product / release',
          cell: (s) => {
            const release = releaseHref(s);
            return s.product ? (
              <>
                <Link to={`/products/${s.product.id}`}>{s.product.name}</Link>
                {s.release && <div className="small">release {release ? <Link to={release}>{s.release}</Link> : s.release}</div>}
              </>
            ) : (
              '—'
            );
          },
        },
        {
          header: 'Risk',
          className: 'nowrap',
          cell: (s) =>
            s.riskId ? (
              <Link to={`/risks/${s.riskId}`}>
                Open risk<span className="sr-only"> from this sighting of {s.indicator.value}</span>
              </Link>
            ) : (
              <span className="muted" title={s.foundBy === 'artifact' ? 'An artifact check raises an integrity alert, which opens its own risk' : 'The sighting-risks rule opened none'}>
                none
              </span>
            ),
        },
        {
          header: 'Seen',
          className: 'nowrap',
          cell: (s) => (
            <>
              {formatDateTime(s.createdAt)}
              <div className="small muted">{FOUND_BY[s.foundBy] ?? s.foundBy}</div>
            </>
          ),
        },
      ]}
    />
  );
}

function ImportHint() {
  return (
    <div className="card intel-empty" data-testid="import-hint">
      <h2>No indicators yet</h2>
      <p>Import a threat-intel feed: its indicators are matched at once against the component hashes in vendors&apos; SBOMs, their release artifacts and their domains.</p>
      <ul>
        <li>
          From the command line: <code>thirdwatch feeds import stix|misp|csv-iocs PATH</code> (a STIX 2.1 or 2.0 bundle, a MISP event or feed zip, a CSV list of IOCs).
        </li>
        <li>
          Over the API: <code>POST /api/v1/feeds/{'{stix|misp|csv-iocs}'}/import</code> with the file as the body.
        </li>
        <li>
          On a schedule from TAXII 2.1 collections: <code>PUT /api/v1/settings/taxii</code>.
        </li>
      </ul>
    </div>
  );
}

function IndicatorsTable({ rows }: { rows: Indicator[] }) {
  return (
    <DataTable
      rows={rows}
      rowKey={(i) => i.id}
      className="table-indicators"
      testId="indicators-table"
      columns={[
        { header: 'Type', cell: (i) => <Tag>{i.type}</Tag> },
        {
          header: 'Value',
          rowHeader: true,
          cell: (i) => (
            <>
              <CopyableValue value={i.value} label={`${i.type} ${i.value}`}>
                <Link to={`/indicators/${i.id}`}>{i.value}</Link>
              </CopyableValue>
              {i.description && <div className="small muted clip">{i.description}</div>}
            </>
          ),
        },
        { header: 'Sources', cell: (i) => [...new Set(i.sources.map((s) => s.name))].join(', ') },
        { header: 'Confidence', num: true, cell: (i) => i.confidence ?? <span className="muted">—</span> },
        { header: 'TLP', cell: (i) => <TlpBadge tlp={i.tlp} /> },
        { header: 'Valid from', className: 'nowrap', cell: (i) => formatDate(i.validFrom) },
        { header: 'Valid until', className: 'nowrap', cell: (i) => <ValidUntil iso={i.validUntil} /> },
        {
          header: 'Sightings',
          num: true,
          cell: (i) =>
            i.sightingCount > 0 ? (
              <Link to={`/sightings?indicatorId=${i.id}`}>
                {i.sightingCount}
                <span className="sr-only"> {i.sightingCount === 1 ? 'sighting' : 'sightings'} of {i.value}</span>
              </Link>
            ) : (
              <span className="muted">0</span>
            ),
        },
      ]}
    />
  );
}

/** STIX patterns Thirdwatch cannot match are kept with the reason, so an import never drops them silently. */
function UnsupportedPanel({ total }: { total: number | undefined }) {
  const list = usePagedList<UnsupportedPattern>('/api/v1/indicators/unsupported', { limit: 20 });
  return (
    <section className="card intel-unsupported" aria-labelledby="unsupported-h" data-testid="unsupported">
      <header className="card-head">
        <h2 id="unsupported-h">Kept but not matchable{total !== undefined ? ` (${total})` : ''}</h2>
      </header>
      <p className="small muted">Patterns of another language, with qualifiers, or on properties other than file hashes, domains, URLs, IP and e-mail addresses: kept as imported, each with the reason it cannot be matched.</p>
      <ListBody list={list} empty="None: every imported pattern could be matched.">
        {(items) => (
          <DataTable
            rows={items}
            rowKey={(u) => u.id}
            columns={[
              {
                header: 'Pattern',
                rowHeader: true,
                cell: (u) => (
                  <>
                    <code className="mono-wrap">{u.pattern}</code>
                    {u.name && <div className="small muted">{u.name}</div>}
                  </>
                ),
              },
              { header: 'Language', cell: (u) => u.patternType },
              { header: 'Why it is not matched', cell: (u) => u.reason },
              {
                header: 'Source',
                cell: (u) => (
                  <>
                    {u.source}
                    <div className="small muted mono-wrap">{u.ref}</div>
                  </>
                ),
              },
              { header: 'Imported', className: 'nowrap', cell: (u) => formatDate(u.importedAt) },
            ]}
          />
        )}
      </ListBody>
    </section>
  );
}

/** Indicators of compromise: search by part of a value, by type, by an exact value in any spelling. */
export function IndicatorsPage() {
  useDocumentTitle('Threat intel');
  const filters = useUrlFilters('/indicators', ['q', 'type', 'value', 'source', 'sighted']);
  const overview = useAsync((signal) => api.get<IndicatorOverview>('/api/v1/indicators/overview', undefined, signal), []);
  const list = usePagedList<Indicator>('/api/v1/indicators', { ...filters.query, limit: 50 });
  const o = overview.data;
  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Threat intel</h1>
          {o && (o.totals.indicators > 0 || o.totals.unsupported > 0) && (
            <p className="muted" data-testid="intel-totals">
              {plural(o.totals.indicators, 'indicator')} from {plural(o.sources.length, 'source')} · {plural(o.totals.sightings, 'sighting')} · {plural(o.totals.unsupported, 'pattern')} kept but not matchable
            </p>
          )}
        </div>
        <div className="actions">
          <Link className="btn" to="/sightings">
            Sightings
          </Link>
        </div>
      </div>
      <ErrorBanner error={overview.error} onRetry={overview.reload} />
      {!o ? (
        !overview.error && <Loading label="Loading indicators…" />
      ) : o.totals.indicators === 0 ? (
        <ImportHint />
      ) : (
        <>
          <FilterBar label="Filter indicators">
            <FilterSearch filters={filters} placeholder="part of a value" />
            <FilterSelect filters={filters} name="type" label="Type" options={INDICATOR_TYPES} all="All types" />
            <FilterSearch filters={filters} name="value" label="Exact value" placeholder="any spelling, e.g. evil[.]example" />
            <FilterSelect filters={filters} name="source" label="Source" options={o.sources.map((s) => s.name)} all="All sources" />
            <FilterSelect filters={filters} name="sighted" label="Sighted" options={[['true', 'with sightings'], ['false', 'without sightings']]} all="Either" />
          </FilterBar>
          <ListBody list={list} loading="Loading indicators…" empty="No indicators match.">
            {(items) => <IndicatorsTable rows={items} />}
          </ListBody>
        </>
      )}
      {o && (o.totals.indicators > 0 || o.totals.unsupported > 0) && <UnsupportedPanel total={o.totals.unsupported} />}
    </div>
  );
}

function SourcesTable({ sources }: { sources: IndicatorSource[] }) {
  return (
    <DataTable
      rows={sources}
      rowKey={(s) => `${s.name}\0${s.ref}`}
      testId="indicator-sources"
      columns={[
        {
          header: 'Source',
          rowHeader: true,
          cell: (s) => (
            <>
              {s.name}
              <div className="small muted">{s.format}</div>
            </>
          ),
        },
        {
          header: 'Record',
          cell: (s) => (
            <>
              <span className="mono-wrap small">{s.ref}</span>
              {s.title && <div>{s.title}</div>}
              {s.pattern && <code className="mono-wrap small code-block">{s.pattern}</code>}
            </>
          ),
        },
        { header: 'Confidence', num: true, cell: (s) => s.confidence ?? <span className="muted">—</span> },
        { header: 'TLP', cell: (s) => <TlpBadge tlp={s.tlp} /> },
        {
          header: 'Valid',
          className: 'nowrap',
          cell: (s) => (
            <>
              {formatDate(s.validFrom)} → <ValidUntil iso={s.validUntil} />
            </>
          ),
        },
        { header: 'Labels', cell: (s) => (s.labels.length ? s.labels.map((l) => <Tag key={l}>{l}</Tag>) : <span className="muted">—</span>) },
        {
          header: 'Seen',
          className: 'nowrap',
          cell: (s) => (
            <>
              first {formatDateTime(s.importedAt)}
              <div className="small muted">last changed {formatDateTime(s.updatedAt)}</div>
            </>
          ),
        },
      ]}
    />
  );
}

/** The risks its sightings opened (one per indicator and vendor), with their level and status. */
function OpenedRisks({ riskIds }: { riskIds: string[] }) {
  const risks = useAsync((signal) => Promise.all(riskIds.map((id) => api.get<Risk>(`/api/v1/risks/${id}`, undefined, signal))), [riskIds.join()]);
  if (!riskIds.length) return <p className="muted">No risk was opened from its sightings.</p>;
  return (
    <>
      <ErrorBanner error={risks.error} onRetry={risks.reload} />
      {risks.data ? (
        <ul className="plain-list" data-testid="indicator-risks">
          {risks.data.map((r) => (
            <li key={r.id}>
              <LevelTag level={r.level} score={r.score} /> <Link to={`/risks/${r.id}`}>{r.title}</Link> <span className="small muted">{r.status.replace(/-/g, ' ')}</span>
            </li>
          ))}
        </ul>
      ) : (
        !risks.error && <Loading />
      )}
    </>
  );
}

function IndicatorSightings({ indicatorId }: { indicatorId: string }) {
  const list = usePagedList<Sighting>('/api/v1/sightings', { indicatorId, limit: 50 });
  return (
    <ListBody list={list} empty="Not seen in any vendor's SBOMs, release artifacts or domains (yet: new SBOMs and artifacts are checked against it as they arrive).">
      {(items) => <SightingsTable rows={items} showIndicator={false} />}
    </ListBody>
  );
}

/** One indicator: every field, every source that names it, and what it matched. */
export function IndicatorPage({ id }: { id: string }) {
  const state = useAsync((signal) => api.get<Indicator & { sightings: Sighting[] }>(`/api/v1/indicators/${encodeURIComponent(id)}`, undefined, signal), [id]);
  useDocumentTitle(state.data ? `${state.data.type} ${state.data.value}` : 'Indicator');
  if (!state.data) return <PageStatus state={state} crumbs={<Link to="/indicators">Threat intel</Link>} />;
  const i = state.data;
  const riskIds = [...new Set(i.sightings.map((s) => s.riskId).filter((r): r is string => r !== null))];
  return (
    <div className="page page-wide">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/indicators">Threat intel</Link> / {i.type}
      </nav>
      <div className="page-head">
        <div className="indicator-head">
          <h1 className="mono-wrap">{i.value}</h1>
          <p className="muted">
            <Tag>{i.type}</Tag> <TlpBadge tlp={i.tlp} /> {plural(i.sources.length, 'source')} · {plural(i.sightingCount, 'sighting')}
          </p>
        </div>
      </div>
      <div className="grid-2">
        <section className="card" aria-labelledby="indicator-details">
          <header className="card-head">
            <h2 id="indicator-details">Details</h2>
          </header>
          <dl className="dl">
            <DetailRow label="Value">
              <CopyableValue value={i.value} label={`${i.type} ${i.value}`} />
            </DetailRow>
            <DetailRow label="Type">{i.type}</DetailRow>
            <DetailRow label="Confidence">{i.confidence === null ? 'not given' : `${i.confidence} of 100 (the highest any source gives)`}</DetailRow>
            <DetailRow label="TLP">
              <TlpBadge tlp={i.tlp} /> {i.tlp && <span className="small muted">the strictest any source gives</span>}
            </DetailRow>
            <DetailRow label="Valid from">{formatDateTime(i.validFrom)}</DetailRow>
            <DetailRow label="Valid until">
              <ValidUntil iso={i.validUntil} />
            </DetailRow>
            <DetailRow label="Labels">{i.labels.length ? i.labels.map((l) => <Tag key={l}>{l}</Tag>) : '—'}</DetailRow>
            <DetailRow label="Kill chain">
              {i.killChainPhases.length
                ? i.killChainPhases.map((k) => (
                    <div key={`${k.killChainName}:${k.phaseName}`}>
                      {k.phaseName} <span className="small muted">({k.killChainName})</span>
                    </div>
                  ))
                : '—'}
            </DetailRow>
            <DetailRow label="First imported">{formatDateTime(i.createdAt)}</DetailRow>
            <DetailRow label="Last changed">{formatDateTime(i.updatedAt)}</DetailRow>
          </dl>
          {i.description && <p className="description">{i.description}</p>}
        </section>
        <section className="card" aria-labelledby="indicator-risks-h">
          <header className="card-head">
            <h2 id="indicator-risks-h">Risks opened from it</h2>
          </header>
          <OpenedRisks riskIds={riskIds} />
        </section>
      </div>
      <section className="card" aria-labelledby="indicator-sources-h">
        <header className="card-head">
          <h2 id="indicator-sources-h">Sources ({i.sources.length})</h2>
        </header>
        <SourcesTable sources={i.sources} />
      </section>
      <section className="card" aria-labelledby="indicator-sightings-h">
        <header className="card-head">
          <h2 id="indicator-sightings-h">Sightings ({i.sightingCount})</h2>
          {i.sightingCount > 0 && <Link to={`/sightings?indicatorId=${i.id}`}>On the sightings page</Link>}
        </header>
        <IndicatorSightings indicatorId={i.id} />
      </section>
    </div>
  );
}

/** Every sighting, newest first: where an indicator was seen among the vendors' software and domains. */
export function SightingsPage() {
  useDocumentTitle('Sightings');
  const filters = useUrlFilters('/sightings', ['vendorId', 'indicatorType', 'kind', 'indicatorId', 'productId']);
  const vendors = useVendorOptions();
  const list = usePagedList<Sighting>('/api/v1/sightings', { ...filters.query, limit: 50 });
  const narrowed = filters.value('indicatorId') || filters.value('productId');
  return (
    <div className="page page-wide">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/indicators">Threat intel</Link>
      </nav>
      <div className="page-head">
        <div>
          <h1>Sightings</h1>
          <p className="muted">Where an indicator was seen: a component hash in a vendor&apos;s SBOM, a release artifact or a file inside it, a host on a vendor&apos;s domain, or egress traffic to it.</p>
        </div>
      </div>
      <FilterBar label="Filter sightings">
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name])} all="All vendors" />
        <FilterSelect filters={filters} name="indicatorType" label="Indicator type" options={INDICATOR_TYPES} all="All types" />
        <FilterSelect filters={filters} name="kind" label="Seen in" options={SIGHTING_KINDS.map((k) => [k, KIND_LABEL[k]])} all="Anywhere" />
        {narrowed && (
          <button type="button" className="btn btn-ghost" onClick={() => filters.set({ indicatorId: null, productId: null })}>
            {filters.value('indicatorId') ? 'Every indicator' : 'Every product'}
          </button>
        )}
      </FilterBar>
      {filters.value('indicatorId') && (
        <p className="muted">
          The sightings of one indicator: <Link to={`/indicators/${filters.value('indicatorId')}`}>open the indicator</Link>.
        </p>
      )}
      <ListBody list={list} loading="Loading sightings…" empty="No sightings match: a sighting is recorded when an imported indicator matches a component hash, a release artifact or a vendor domain.">
        {(items) => <SightingsTable rows={items} />}
      </ListBody>
    </div>
  );
}

/** The vendor page's section: the newest sightings at this vendor. */
export function VendorSightings({ vendorId }: { vendorId: string }) {
  const list = usePagedList<Sighting>('/api/v1/sightings', { vendorId, limit: 10 });
  return (
    <section className="card" id="sightings" aria-labelledby="vendor-sightings-title">
      <header className="card-head">
        <h2 id="vendor-sightings-title">Threat-intel sightings</h2>
        <Link to={`/sightings?vendorId=${vendorId}`}>All sightings of this vendor</Link>
      </header>
      <ListBody list={list} empty="No indicator has been seen in this vendor's SBOMs, release artifacts or domains.">
        {(items) => <SightingsTable rows={items} showVendor={false} />}
      </ListBody>
    </section>
  );
}
