import { useState, type FormEvent } from 'react';
import { api, type QueryValue } from '../api.js';
import { Empty, ErrorBanner, Field, Loading, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { formatDate, formatDateTime, plural } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { Page } from '../types.js';
import type { Mention } from '../riskTypes.js';

interface ImportReport {
  imported: number;
  updated: number;
  skipped: number;
  matched: number;
  errors: Array<{ record: string; reason: string }>;
}

const pct = (c: number) => `${Math.round(c * 100)}%`;

function MentionCard({ mention: m, onChanged }: { mention: Mention; onChanged: (m: Mention) => void }) {
  const { can } = useSession();
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const triage = async (value: Mention['triage']) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.patch<Mention>(`/api/v1/mentions/${m.id}`, { triage: value, ...(note.trim() ? { note: note.trim() } : {}) }));
      setNote('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article className="card mention" aria-labelledby={`mention-${m.id}`} data-testid="mention">
      <header className="card-head">
        <h2 id={`mention-${m.id}`}>{m.title}</h2>
        <span className={`tag${m.triage === 'relevant' ? ' tag-warn' : ''}`}>{m.triage.replace('-', ' ')}</span>
      </header>
      <p className="small muted">
        {m.source}
        {m.published && ` · published ${formatDate(m.published)}`} · imported {formatDateTime(m.importedAt)}
        {m.url && (
          <>
            {' · '}
            <a href={m.url} rel="noreferrer noopener nofollow" target="_blank">
              source post
            </a>
          </>
        )}
      </p>
      {m.excerpt && <blockquote className="quote">{m.excerpt}</blockquote>}
      <p className="small muted">
        Excerpt of {plural(m.textLength, 'character')}; the post itself is not stored (SHA-256 <code>{m.textSha256.slice(0, 16)}…</code>).
        {m.names.length > 0 && ` Names: ${m.names.join(', ')}.`}
        {m.domains.length > 0 && ` Domains: ${m.domains.join(', ')}.`}
      </p>
      {m.matches.length === 0 ? (
        <p className="muted">No vendor matched.</p>
      ) : (
        <ul className="plain-list mention-matches">
          {m.matches.map((x) => (
            <li key={x.vendor.id}>
              <Link to={`/vendors/${x.vendor.id}`}>{x.vendor.name}</Link> <TierBadge tier={x.vendor.tier} /> <span className="tag tag-accent" title="match confidence">{pct(x.confidence)}</span>{' '}
              <span className="small">
                {x.method.replace(/-/g, ' ')}: “{x.seen}” ~ “{x.vendorTerm}”
              </span>
              <details className="small">
                <summary>Why this confidence?</summary>
                <p className="muted">{x.explanation}</p>
              </details>
            </li>
          ))}
        </ul>
      )}
      {m.riskId && (
        <p>
          <Link to={`/risks/${m.riskId}`}>Risk raised from this mention</Link>
        </p>
      )}
      {m.triagedBy && (
        <p className="small muted">
          Triaged by {m.triagedBy} {formatDateTime(m.triagedAt)}
          {m.triageNote && `: ${m.triageNote}`}
        </p>
      )}
      {can('risks:write') && (
        <div className="triage">
          <ErrorBanner error={error} />
          <Field label="Triage note">{(p) => <input {...p} value={note} onChange={(e) => setNote(e.target.value)} />}</Field>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void triage('relevant')}>
            Relevant — raise a risk
          </button>
          <button type="button" className="btn" disabled={busy} onClick={() => void triage('not-relevant')}>
            Not relevant
          </button>
        </div>
      )}
    </article>
  );
}

function ImportMentions({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await api.request<ImportReport>('POST', '/api/v1/feeds/mentions/import', { query: { wait: true }, body: file, contentType: 'application/x-ndjson', resultStatuses: [207] }));
      onImported();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="card">
      <summary>Import a mentions feed (JSON lines)</summary>
      <form className="inline-form" onSubmit={submit} aria-label="Import mentions">
        <Field label="Feed file" hint="One JSON object per line: source, title, and optionally text, url, published, names, domains, id.">
          {(p) => <input {...p} type="file" accept=".jsonl,.ndjson,.json,application/x-ndjson" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={!file || busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      <ErrorBanner error={error} />
      {report && (
        <div role="status" className={report.errors.length ? 'banner banner-info' : 'banner banner-ok'}>
          {report.imported} imported, {report.updated} updated, {report.skipped} unchanged; {report.matched} matched to vendors
          {report.errors.length > 0 && `; ${plural(report.errors.length, 'line')} refused`}
          {report.errors.length > 0 && (
            <ul className="import-errors">
              {report.errors.slice(0, 20).map((e) => (
                <li key={e.record}>
                  {e.record}: {e.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </details>
  );
}

export function MentionsPage() {
  useDocumentTitle('Mentions');
  const { search } = useLocation();
  const { can } = useSession();
  const [refresh, setRefresh] = useState(0);
  const [cursor, setCursor] = useState<string | null>(null);
  const id = search.get('id');
  const query: Record<string, QueryValue> = { limit: 20, triage: search.get('triage') ?? 'new', minConfidence: search.get('minConfidence') ?? undefined, vendorId: search.get('vendorId') ?? undefined, q: search.get('q') ?? undefined };
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(search);
    next.delete('id');
    if (v) next.set(k, v);
    else next.delete(k);
    setCursor(null);
    navigate(`/mentions${next.toString() ? `?${next}` : ''}`, { replace: true });
  };
  const state = useAsync(
    async (signal) => (id ? { items: [await api.get<Mention>(`/api/v1/mentions/${id}`, undefined, signal)], nextCursor: null } : api.get<Page<Mention>>('/api/v1/mentions', { ...query, cursor }, signal)),
    [JSON.stringify(query), id, cursor, refresh],
  );
  const vendors = useAsync((signal) => api.get<Page<{ id: string; name: string }>>('/api/v1/vendors', { limit: 200, sort: 'name' }, signal), []);
  const items = state.data?.items ?? [];
  const replace = (m: Mention) => state.setData({ items: items.map((x) => (x.id === m.id ? m : x)), nextCursor: state.data?.nextCursor ?? null });
  return (
    <div className="page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/risks">Risk register</Link>
      </nav>
      <div className="page-head">
        <h1>Mentions</h1>
      </div>
      <p className="muted">Breach notices, leak-site and forum posts that name your vendors. Triage each: a relevant one raises a risk in the register.</p>
      {can('inventory:write') && <ImportMentions onImported={() => setRefresh((r) => r + 1)} />}
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter mentions">
        <div className="filters-row">
          <Field label="Triage">
            {(p) => (
              <select {...p} value={search.get('triage') ?? 'new'} onChange={(e) => set('triage', e.target.value)}>
                <option value="new">to triage</option>
                <option value="relevant">relevant</option>
                <option value="not-relevant">not relevant</option>
                <option value="all">all</option>
              </select>
            )}
          </Field>
          <Field label="Confidence at least">
            {(p) => (
              <select {...p} value={search.get('minConfidence') ?? ''} onChange={(e) => set('minConfidence', e.target.value)}>
                <option value="">50% (default)</option>
                <option value="0.75">75%</option>
                <option value="0.9">90%</option>
                <option value="0">any, unmatched too</option>
              </select>
            )}
          </Field>
          <Field label="Vendor">
            {(p) => (
              <select {...p} value={search.get('vendorId') ?? ''} onChange={(e) => set('vendorId', e.target.value)}>
                <option value="">All vendors</option>
                {vendors.data?.items.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Search">
            {(p) => <input {...p} type="search" defaultValue={search.get('q') ?? ''} onKeyDown={(e) => e.key === 'Enter' && set('q', (e.target as HTMLInputElement).value)} onBlur={(e) => set('q', e.target.value)} />}
          </Field>
        </div>
      </form>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!state.data ? !state.error && <Loading label="Loading mentions…" /> : items.length === 0 ? <Empty>No mentions match.</Empty> : items.map((m) => <MentionCard key={m.id} mention={m} onChanged={replace} />)}
      {state.data?.nextCursor && (
        <div className="pager">
          <button type="button" className="btn btn-small" onClick={() => setCursor(state.data?.nextCursor ?? null)}>
            Older mentions
          </button>
        </div>
      )}
    </div>
  );
}
