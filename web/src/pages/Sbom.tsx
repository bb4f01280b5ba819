import { useEffect, useMemo, useState } from 'react';
import { api } from '../api.js';
import { Empty, ErrorBanner, Field, HashValue, Loading, useAsync, useDocumentTitle } from '../components.js';
import { formatDateTime, plural } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import type { Page } from '../types.js';
import type { DepNode, DiffEntry, Sbom, SbomComponent, SbomDiff } from '../supplyTypes.js';

export function SbomPage({ id }: { id: string }) {
  const state = useAsync((signal) => api.get<Sbom>(`/api/v1/sboms/${id}`, undefined, signal), [id]);
  useDocumentTitle(state.data ? `SBOM ${state.data.productName} ${state.data.release ?? ''}` : 'SBOM');
  if (!state.data) {
    return <div className="page">{state.error ? <ErrorBanner error={state.error} onRetry={state.reload} /> : <Loading />}</div>;
  }
  const s = state.data;
  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to={`/vendors/${s.vendorId}`}>{s.vendorName}</Link> / <Link to={`/products/${s.productId}`}>{s.productName}</Link> / SBOM
          </p>
          <h1>
            {s.productName} {s.release ?? ''} <span className="muted">SBOM</span>
            {s.current && <span className="tag tag-accent">current</span>}
          </h1>
        </div>
        <div className="actions">
          <button type="button" className="btn" onClick={() => void api.download(`/api/v1/sboms/${s.id}/download`, {}, `sbom-${s.release ?? s.id}.${s.encoding === 'xml' ? 'xml' : 'json'}`)}>
            Download original
          </button>
        </div>
      </div>
      <div className="grid-2">
        <section className="card" aria-labelledby="meta-h">
          <h2 id="meta-h">Document</h2>
          <dl className="dl">
            {(
              [
                ['Format', `${s.format === 'cyclonedx' ? 'CycloneDX' : s.format.toUpperCase()} ${s.specVersion} (${s.encoding})`],
                ['Root component', s.root ? `${s.root.name} ${s.root.version ?? ''}` : '—'],
                ['Components', String(s.componentCount)],
                ['Dependency edges', String(s.dependencyCount)],
                ['Serial number', s.serialNumber ?? '—'],
                ['Created', formatDateTime(s.documentCreatedAt)],
                ['Tools', s.tools.join(', ') || '—'],
                ['Uploaded', `${formatDateTime(s.uploadedAt)} by ${s.uploadedBy}`],
                ['SHA-256', s.document.sha256],
              ] as const
            ).map(([k, v]) => (
              <div className="dl-row" key={k}>
                <dt>{k}</dt>
                <dd className={k === 'SHA-256' || k === 'Serial number' ? 'mono-wrap' : undefined}>{v}</dd>
              </div>
            ))}
          </dl>
          {s.warnings.length > 0 && (
            <div className="banner banner-info">
              <strong>{plural(s.warnings.length, 'warning')} while reading</strong>
              <ul>
                {s.warnings.slice(0, 10).map((w, i) => (
                  <li key={i}>{typeof w === 'string' ? w : (w.message ?? JSON.stringify(w))}</li>
                ))}
              </ul>
            </div>
          )}
        </section>
        <CompareWith sbom={s} />
      </div>
      <Components sbomId={s.id} />
      <DependencyTree sbomId={s.id} />
    </div>
  );
}

function CompareWith({ sbom }: { sbom: Sbom }) {
  const others = useAsync((signal) => api.get<Page<Sbom>>(`/api/v1/products/${sbom.productId}/sboms`, { limit: 100 }, signal), [sbom.productId]);
  const options = (others.data?.items ?? []).filter((o) => o.id !== sbom.id);
  const [other, setOther] = useState('');
  useEffect(() => {
    if (!other && options[0]) setOther(options[0].id);
  }, [options.length]);
  return (
    <section className="card" aria-labelledby="cmp-h">
      <h2 id="cmp-h">Compare</h2>
      <ErrorBanner error={others.error} onRetry={others.reload} />
      {!others.data ? (
        !others.error && <Loading />
      ) : options.length === 0 ? (
        <Empty>This is the only SBOM of {sbom.productName}; upload another release to compare.</Empty>
      ) : (
        <form
          className="compare-form"
          onSubmit={(e) => {
            e.preventDefault();
            const o = options.find((x) => x.id === other);
            if (!o) return;
            // Older first, so "added" means new in this SBOM when comparing with an earlier release.
            const [a, b] = o.uploadedAt <= sbom.uploadedAt ? [o.id, sbom.id] : [sbom.id, o.id];
            navigate(`/sboms/${a}/diff/${b}`);
          }}
        >
          <Field label="Compare with…">
            {(props) => (
              <select {...props} value={other} onChange={(e) => setOther(e.target.value)}>
                {options.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.release ?? 'no release'} · {formatDateTime(o.uploadedAt)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-primary">
            Show differences
          </button>
        </form>
      )}
    </section>
  );
}

function Components({ sbomId }: { sbomId: string }) {
  // ?q= arrives from global search (a file hash leads to the component that carries it).
  const initial = useLocation().search.get('q') ?? '';
  const [q, setQ] = useState(initial);
  const [query, setQuery] = useState(initial);
  const [ecosystem, setEcosystem] = useState('');
  const [direct, setDirect] = useState('');
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  useEffect(() => setCursors([null]), [query, ecosystem, direct]);
  const cursor = cursors[cursors.length - 1];
  const state = useAsync(
    (signal) => api.get<Page<SbomComponent>>(`/api/v1/sboms/${sbomId}/components`, { q: query, ecosystem, direct, cursor, limit: 25 }, signal),
    [sbomId, query, ecosystem, direct, cursor],
  );
  const ecosystems = useAsync(
    async (signal) => {
      const all = await api.get<Page<SbomComponent>>(`/api/v1/sboms/${sbomId}/components`, { limit: 500 }, signal);
      return [...new Set(all.items.map((c) => c.ecosystem).filter((e): e is string => !!e))].sort();
    },
    [sbomId],
  );
  const items = state.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="comp-h">
      <div className="card-head">
        <h2 id="comp-h">Components</h2>
      </div>
      <div className="filters-row">
        <Field label="Search components" className="field-search">
          {(props) => <input {...props} type="search" value={q} placeholder="name or purl" onChange={(e) => setQ(e.target.value)} />}
        </Field>
        <Field label="Ecosystem">
          {(props) => (
            <select {...props} value={ecosystem} onChange={(e) => setEcosystem(e.target.value)}>
              <option value="">All</option>
              {ecosystems.data?.map((e) => (
                <option key={e}>{e}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Dependency">
          {(props) => (
            <select {...props} value={direct} onChange={(e) => setDirect(e.target.value)}>
              <option value="">Direct and transitive</option>
              <option value="true">Direct only</option>
              <option value="false">Transitive only</option>
            </select>
          )}
        </Field>
      </div>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      <p className="sr-only" aria-live="polite">
        {state.data ? `${plural(items.length, 'component')} shown` : ''}
      </p>
      {!state.data ? (
        !state.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No components match.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="components-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Version</th>
                <th scope="col">Ecosystem</th>
                <th scope="col">Type</th>
                <th scope="col">Licences</th>
                <th scope="col">Dependency</th>
                <th scope="col">Package URL</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.idx}>
                  <th scope="row">
                    {c.group ? <span className="muted">{c.group}/</span> : null}
                    {c.name}
                  </th>
                  <td>{c.version ?? '—'}</td>
                  <td>{c.ecosystem ?? '—'}</td>
                  <td>{c.type}</td>
                  <td>{c.licenses.join(', ') || '—'}</td>
                  <td>{c.direct ? 'direct' : c.depth ? `depth ${c.depth}` : 'transitive'}</td>
                  <td className="mono-wrap small">
                    {c.purl ? (
                      <Link to={`/components?purl=${encodeURIComponent(c.purl)}`} title="Who else uses this?">
                        {c.purl}
                      </Link>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pager">
        <button type="button" className="btn btn-small" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span className="muted small">Page {cursors.length}</span>
        <button type="button" className="btn btn-small" disabled={!state.data?.nextCursor} onClick={() => setCursors([...cursors, state.data?.nextCursor ?? null])}>
          Next
        </button>
      </div>
    </section>
  );
}

interface Edge {
  from: DepNode;
  to: DepNode;
}

function DependencyTree({ sbomId }: { sbomId: string }) {
  const state = useAsync(
    async (signal) => {
      const edges: Edge[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 20; i++) {
        const page: Page<Edge> = await api.get<Page<Edge>>(`/api/v1/sboms/${sbomId}/dependencies`, { limit: 500, cursor }, signal);
        edges.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return { edges, truncated: cursor !== null };
    },
    [sbomId],
  );
  const graph = useMemo(() => {
    const children = new Map<number, DepNode[]>();
    const nodes = new Map<number, DepNode>();
    const hasParent = new Set<number>();
    for (const e of state.data?.edges ?? []) {
      nodes.set(e.from.idx, e.from);
      nodes.set(e.to.idx, e.to);
      hasParent.add(e.to.idx);
      const list = children.get(e.from.idx) ?? [];
      list.push(e.to);
      children.set(e.from.idx, list);
    }
    const roots = [...nodes.values()].filter((n) => !hasParent.has(n.idx));
    return { children, roots: roots.length > 0 ? roots : [...nodes.values()].slice(0, 1) };
  }, [state.data]);
  return (
    <section className="card" aria-labelledby="dep-h">
      <h2 id="dep-h">Dependency tree</h2>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!state.data ? (
        !state.error && <Loading />
      ) : state.data.edges.length === 0 ? (
        <Empty>The SBOM lists no dependency relationships.</Empty>
      ) : (
        <>
          {state.data.truncated && <p className="muted small">Showing the first 10 000 edges.</p>}
          <ul className="dep-tree" role="tree" aria-label="Dependencies">
            {graph.roots.map((r) => (
              <TreeNode key={r.idx} node={r} graph={graph.children} trail={[]} open />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function TreeNode({ node, graph, trail, open: initiallyOpen = false }: { node: DepNode; graph: Map<number, DepNode[]>; trail: number[]; open?: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const kids = graph.get(node.idx) ?? [];
  const cycle = trail.includes(node.idx);
  const expandable = kids.length > 0 && !cycle;
  return (
    <li role="treeitem" aria-expanded={expandable ? open : undefined}>
      {expandable ? (
        <button type="button" className="tree-toggle" aria-label={`${open ? 'Collapse' : 'Expand'} ${node.name}`} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>
      ) : (
        <span className="tree-toggle" aria-hidden="true">
          ·
        </span>
      )}
      <span className="tree-label">
        {node.name} <span className="muted">{node.version}</span>
        {kids.length > 0 && <span className="muted small"> ({kids.length})</span>}
        {cycle && <span className="tag tag-warn">cycle</span>}
      </span>
      {expandable && open && (
        <ul role="group">
          {kids.map((k) => (
            <TreeNode key={k.idx} node={k} graph={graph} trail={[...trail, node.idx]} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function SbomDiffPage({ a, b }: { a: string; b: string }) {
  const state = useAsync((signal) => api.get<SbomDiff>(`/api/v1/sboms/${a}/diff/${b}`, undefined, signal), [a, b]);
  useDocumentTitle('SBOM comparison');
  if (!state.data) {
    return <div className="page">{state.error ? <ErrorBanner error={state.error} onRetry={state.reload} /> : <Loading />}</div>;
  }
  const d = state.data;
  const sections: Array<[keyof SbomDiff['summary'] & keyof SbomDiff, string, (e: DiffEntry) => string]> = [
    ['added', 'Added', (e) => e.version ?? ''],
    ['removed', 'Removed', (e) => e.version ?? ''],
    ['versionChanged', 'Version changed', (e) => `${e.fromVersion ?? '—'} → ${e.toVersion ?? '—'}`],
    ['hashChanged', 'Hash changed (same version)', (e) => e.version ?? ''],
  ];
  return (
    <div className="page page-wide">
      <p className="crumbs">
        <Link to={`/products/${d.from.productId}`}>{d.from.productName}</Link> / Compare
      </p>
      <h1>
        <Link to={`/sboms/${d.from.id}`}>{d.from.release ?? 'SBOM'}</Link> → <Link to={`/sboms/${d.to.id}`}>{d.to.release ?? 'SBOM'}</Link>
      </h1>
      <ul className="status-counts diff-summary" aria-label="Summary">
        <li>{d.summary.added} added</li>
        <li>{d.summary.removed} removed</li>
        <li>{d.summary.versionChanged} version changed</li>
        <li className={d.summary.hashChanged ? 'flag-warn' : undefined}>{d.summary.hashChanged} hash changed</li>
        <li className="muted">{d.summary.unchanged} unchanged</li>
      </ul>
      {d.summary.hashChanged > 0 && (
        <p className="banner banner-error" role="note">
          {plural(d.summary.hashChanged, 'component')} changed content without a version change. That is how a tampered build (like the 3CX supply-chain attack) looks: check with the vendor.
        </p>
      )}
      {sections.map(([key, title, detail]) => {
        const list = d[key] as DiffEntry[];
        return (
          <section className={`card diff-${key}`} key={key} aria-labelledby={`diff-${key}`}>
            <h2 id={`diff-${key}`}>
              {title} <span className="count">{list.length}</span>
            </h2>
            {list.length === 0 ? (
              <Empty>None.</Empty>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Component</th>
                      <th scope="col">Ecosystem</th>
                      <th scope="col">{key === 'versionChanged' ? 'Version' : 'Version'}</th>
                      <th scope="col">{key === 'hashChanged' ? 'Hashes' : 'Dependency'}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((e, i) => (
                      <tr key={i}>
                        <th scope="row">{e.name}</th>
                        <td>{e.ecosystem ?? '—'}</td>
                        <td>{detail(e)}</td>
                        <td className="small mono-wrap">
                          {key === 'hashChanged'
                            ? e.algorithms?.map((h) => (
                                <div key={h.alg} className="hash-change">
                                  {h.alg}: <HashValue value={h.from} label={`${e.name} ${h.alg} before`} /> → <HashValue value={h.to} label={`${e.name} ${h.alg} after`} />
                                </div>
                              ))
                            : e.direct === undefined
                              ? '—'
                              : e.direct
                                ? 'direct'
                                : 'transitive'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
    </div>
  );
}
