import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { ErrorBanner, Field, TierBadge, useDocumentTitle } from '../components.js';
import { formatDate, formatDateTime, plural } from '../format.js';
import { FilterBar, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters, useVendorOptions, type UrlFilters } from '../lists.js';
import { Link } from '../router.js';
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
  const { can } = useSession();
  const [refresh, setRefresh] = useState(0);
  const urlFilters = useUrlFilters('/mentions', ['triage', 'minConfidence', 'vendorId', 'q', 'id'], { triage: 'new' });
  // A link to one mention (?id=) shows it alone; changing any filter goes back to the list.
  const filters: UrlFilters = { ...urlFilters, set: (changes) => urlFilters.set({ ...changes, id: null }) };
  const list = usePagedList<Mention>(
    async ({ id: one, ...query }, signal) => (one ? { items: [await api.get<Mention>(`/api/v1/mentions/${String(one)}`, undefined, signal)], nextCursor: null } : api.get<Page<Mention>>('/api/v1/mentions', { ...query, limit: 20 }, signal)),
    filters.query,
    refresh,
  );
  const vendors = useVendorOptions();
  const replace = (m: Mention) => list.setData({ items: list.items.map((x) => (x.id === m.id ? m : x)), nextCursor: list.data?.nextCursor ?? null });
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
      <FilterBar label="Filter mentions">
        <FilterSelect filters={filters} name="triage" label="Triage" options={[['new', 'to triage'], ['relevant', 'relevant'], ['not-relevant', 'not relevant'], ['all', 'all']]} />
        <FilterSelect filters={filters} name="minConfidence" label="Confidence at least" options={[['0.75', '75%'], ['0.9', '90%'], ['0', 'any, unmatched too']]} all="50% (default)" />
        <FilterSelect filters={filters} name="vendorId" label="Vendor" options={vendors.map((v) => [v.id, v.name])} all="All vendors" />
        <FilterSearch filters={filters} />
      </FilterBar>
      <ListBody list={list} loading="Loading mentions…" empty="No mentions match." previous="Newer mentions" next="Older mentions">
        {(items) => items.map((m) => <MentionCard key={m.id} mention={m} onChanged={replace} />)}
      </ListBody>
    </div>
  );
}
