import { api } from '../api.js';
import { DetailRow, Empty, PageStatus, useAsync, useDocumentTitle } from '../components.js';
import { plural } from '../format.js';
import { DataTable, FilterBar, FilterCheck, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters } from '../lists.js';
import { Link } from '../router.js';
import type { Control, ControlDetail, ControlFamily, ControlProfile } from '../controlTypes.js';

const controlPath = (label: string) => `/controls/${encodeURIComponent(label)}`;

function Levels({ control }: { control: Control }) {
  if (!control.sp800161Levels.length) return <span className="muted">—</span>;
  return (
    <>
      {control.sp800161Levels.map((level) => (
        <span key={level} className="tag">
          {level}
        </span>
      ))}
    </>
  );
}

export function ControlsPage() {
  useDocumentTitle('Controls');
  const filters = useUrlFilters('/controls', ['q', 'family', 'profile', 'withdrawn']);
  const list = usePagedList<Control>('/api/v1/controls', { ...filters.query, limit: 50 });
  const families = useAsync((signal) => api.get<{ items: ControlFamily[] }>('/api/v1/controls/families', undefined, signal), []);
  const profiles = useAsync((signal) => api.get<{ items: ControlProfile[] }>('/api/v1/controls/profiles', undefined, signal), []);
  const noCatalog = families.data?.items.length === 0;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Controls</h1>
      </div>
      <p className="muted">
        Controls of the imported OSCAL catalogs (NIST SP 800-53 rev5), the profiles that select them (baselines, the C-SCRM baseline with its SP 800-161r1 levels and ISO/IEC 27036 clause ids), and what each control asks.
      </p>
      {noCatalog ? (
        <Empty>
          No catalog imported yet. Import one with <code>thirdwatch controls import NIST_SP-800-53_rev5_catalog.json</code>, then the profiles (for example <code>content/oscal/thirdwatch-cscrm-baseline-profile.json</code>).
        </Empty>
      ) : (
        <>
          <FilterBar label="Filter controls">
            <FilterSearch filters={filters} placeholder="label, title or statement" />
            <FilterSelect filters={filters} name="family" label="Family" options={(families.data?.items ?? []).map((f) => [f.family, `${f.family} ${f.title}`])} all="All families" />
            <FilterSelect filters={filters} name="profile" label="Profile" options={(profiles.data?.items ?? []).map((p) => [p.id, `${p.title} (${p.controlCount})`])} all="Any profile" />
            <FilterCheck filters={filters} name="withdrawn" label="Withdrawn too" />
          </FilterBar>
          <ListBody list={list} loading="Loading controls…" empty="No control matches.">
            {(items) => (
              <DataTable
                rows={items}
                rowKey={(c) => c.id}
                testId="controls"
                caption="Controls"
                columns={[
                  { header: 'Control', rowHeader: true, cell: (c) => <Link to={controlPath(c.label)}>{c.label}</Link> },
                  { header: 'Title', cell: (c) => (c.withdrawn ? <span className="muted">{c.title} (withdrawn)</span> : c.title) },
                  { header: 'Family', cell: (c) => <span title={c.familyTitle}>{c.family}</span> },
                  { header: 'SP 800-161 level', cell: (c) => <Levels control={c} /> },
                  { header: 'ISO/IEC 27036', cell: (c) => c.iso27036.join(', ') || <span className="muted">—</span> },
                  { header: 'Profiles', num: true, cell: (c) => <span title={c.profiles.map((p) => p.title).join('\n')}>{c.profiles.length}</span> },
                ]}
              />
            )}
          </ListBody>
        </>
      )}
    </div>
  );
}

export function ControlPage({ label }: { label: string }) {
  const state = useAsync((signal) => api.get<ControlDetail>(`/api/v1/controls/${encodeURIComponent(label)}`, undefined, signal), [label]);
  const c = state.data;
  useDocumentTitle(c ? `${c.label} ${c.title}` : label);
  const crumbs = <Link to="/controls">Controls</Link>;
  if (!c) return <PageStatus state={state} crumbs={crumbs} label="Loading control…" />;
  return (
    <div className="page">
      <nav className="crumbs" aria-label="Breadcrumb">
        {crumbs}
        {c.parent && (
          <>
            {' / '}
            <Link to={controlPath(c.parent)}>{c.parent}</Link>
          </>
        )}
      </nav>
      <div className="page-head">
        <h1>
          {c.label} {c.title}
        </h1>
        {c.withdrawn && <span className="tag tag-warn">withdrawn</span>}
      </div>
      <div className="grid-2">
        <section className="card" aria-labelledby="statement-title">
          <header className="card-head">
            <h2 id="statement-title">Statement</h2>
          </header>
          {c.statement ? <p className="control-statement" data-testid="statement">{c.statement}</p> : <Empty>The catalog gives no statement.</Empty>}
        </section>
        <section className="card" aria-labelledby="about-title">
          <header className="card-head">
            <h2 id="about-title">About</h2>
          </header>
          <dl className="dl">
            <DetailRow label="Family">
              {c.family} {c.familyTitle}
            </DetailRow>
            <DetailRow label="OSCAL id">
              <code>{c.oscalId}</code>
            </DetailRow>
            <DetailRow label="SP 800-161 level">{c.sp800161Levels.length ? c.sp800161Levels.join(', ') : 'not in a C-SCRM profile'}</DetailRow>
            <DetailRow label="ISO/IEC 27036">{c.iso27036.length ? c.iso27036.join(', ') : 'no mapping'}</DetailRow>
            <DetailRow label="Catalog props">{c.props.map((p) => `${p.name}: ${p.value}`).join('; ') || 'none'}</DetailRow>
          </dl>
        </section>
      </div>
      <section className="card" aria-labelledby="profiles-title">
        <header className="card-head">
          <h2 id="profiles-title">In {plural(c.profiles.length, 'profile')}</h2>
        </header>
        {c.profiles.length ? (
          <ul className="plain-list">
            {c.profiles.map((p) => (
              <li key={p.id}>
                <Link to={`/controls?profile=${p.id}`}>{p.title}</Link>
                {p.props.length > 0 && <span className="small muted"> — {p.props.map((x) => `${x.name} ${x.value}`).join(', ')}</span>}
              </li>
            ))}
          </ul>
        ) : (
          <Empty>No imported profile selects this control.</Empty>
        )}
      </section>
      {c.enhancements.length > 0 && (
        <section className="card" aria-labelledby="enhancements-title">
          <header className="card-head">
            <h2 id="enhancements-title">Enhancements</h2>
          </header>
          <ul className="plain-list">
            {c.enhancements.map((e) => (
              <li key={e.label}>
                <Link to={controlPath(e.label)}>{e.label}</Link> {e.title}
                {e.withdrawn && <span className="muted"> (withdrawn)</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
