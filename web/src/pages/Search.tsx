import { api } from '../api.js';
import { ErrorBanner, Loading, useAsync } from '../components.js';
import { KIND_LABELS, whoUsesPath } from '../GlobalSearch.js';
import { Link, useLocation } from '../router.js';
import type { SearchAnswer } from '../types.js';

const SHAPES: Record<SearchAnswer['shape'], string> = {
  hash: 'a file hash',
  'advisory-id': 'an advisory id',
  purl: 'a package URL',
  cpe: 'a CPE name',
  text: 'text',
};

/** Every result of a search (up to 50 of each kind): the header box's "see all". */
export function SearchPage() {
  const { search } = useLocation();
  const q = (search.get('q') ?? '').trim();
  const state = useAsync((signal) => (q ? api.get<SearchAnswer>('/api/v1/search', { q, limit: 50 }, signal) : Promise.resolve(null)), [q]);
  const answer = state.data;
  return (
    <div className="page search-page">
      <h1>{q ? `Search results for “${q}”` : 'Search'}</h1>
      {!q && <p className="muted">Type in the search box at the top: vendor, product or component names, a purl or CPE, a CVE or GHSA id, or a file hash.</p>}
      {state.error ? <ErrorBanner error={state.error} onRetry={state.reload} /> : null}
      {q && state.loading && !answer && <Loading label="Searching…" />}
      {answer && (
        <>
          <p className="muted">
            Searched as {SHAPES[answer.shape]}.{' '}
            {(answer.shape === 'text' || answer.shape === 'purl') && <Link to={whoUsesPath(q)}>Who uses “{q}”: every release and dependency path</Link>}
          </p>
          {!answer.groups.length && <p>Nothing found for “{q}”.</p>}
          {answer.groups.map((g) => (
            <section key={g.kind} className="card" aria-labelledby={`search-${g.kind}`}>
              <div className="card-head">
                <h2 id={`search-${g.kind}`}>
                  {KIND_LABELS[g.kind]} <span className="muted">({g.items.length}{g.more ? '+' : ''})</span>
                </h2>
              </div>
              <ul className="search-results">
                {g.items.map((item) => (
                  <li key={`${item.kind}:${item.id}`}>
                    <Link to={item.path}>{item.title}</Link>
                    <span className="muted">{item.subtitle}</span>
                  </li>
                ))}
              </ul>
              {g.more && <p className="muted">Only the first {g.items.length} are shown: add to the query to narrow it.</p>}
            </section>
          ))}
        </>
      )}
    </div>
  );
}
