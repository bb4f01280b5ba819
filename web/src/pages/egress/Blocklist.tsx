/**
 * The egress blocklist (GET/POST/DELETE /api/v1/egress/blocklist): indicator domains blocked by
 * playbooks or people, with who, why, when and until when; the live set as files for the proxy
 * (Squid ACL), DNS (RPZ) or anything else (a domain list).
 */
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../../api.js';
import { ErrorBanner, Field, useDocumentTitle } from '../../components.js';
import { formatDateTime, splitList } from '../../format.js';
import { DataTable, FilterBar, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters } from '../../lists.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { IncidentsNav } from '../incidents/IncidentsNav.js';

interface Block {
  id: string;
  domain: string;
  reason: string;
  source: 'playbook' | 'person';
  status: 'active' | 'staged' | 'expired' | 'removed';
  incidentId: string | null;
  playbookRunId: string | null;
  drillId: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  removedAt: string | null;
  removedBy: string | null;
}

const FILTER_KEYS = ['status', 'q'] as const;
const STATUS_OPTIONS = [
  ['active', 'Active'],
  ['expired', 'Expired'],
  ['removed', 'Removed'],
] as const;
const EXPORTS = [
  ['domains', 'Domain list'],
  ['squid', 'Squid ACL'],
  ['rpz', 'DNS RPZ zone'],
] as const;

export function BlocklistPage() {
  useDocumentTitle('Egress blocklist');
  const { can } = useSession();
  const filters = useUrlFilters('/egress/blocklist', FILTER_KEYS, { status: 'active' });
  const [refresh, setRefresh] = useState(0);
  const list = usePagedList<Block>('/api/v1/egress/blocklist', { status: filters.value('status'), q: filters.value('q'), limit: 50 }, refresh);
  const [error, setError] = useState<unknown>(null);
  const writable = can('incidents:write');

  const remove = async (block: Block) => {
    if (!window.confirm(`Stop blocking ${block.domain}?`)) return;
    setError(null);
    try {
      await api.delete(`/api/v1/egress/blocklist/${block.id}`);
      setRefresh((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Egress blocklist</h1>
          <p className="muted">Domains that must not be reached, with their subdomains: blocked by playbooks or by people. Drills stage their blocks; staged blocks are never exported.</p>
        </div>
        <div className="actions blocklist-exports">
          {EXPORTS.map(([format, label]) => (
            <a key={format} className="btn btn-small" href={`/api/v1/egress/blocklist?format=${format}`} download>
              {label}
            </a>
          ))}
        </div>
      </div>
      <IncidentsNav />
      {writable && <BlockForm onBlocked={() => setRefresh((n) => n + 1)} />}
      <ErrorBanner error={error} />
      <FilterBar label="Filter blocks">
        <FilterSelect filters={filters} name="status" label="Status" options={STATUS_OPTIONS} />
        <FilterSearch filters={filters} label="Domain" placeholder="Part of a domain" />
      </FilterBar>
      <ListBody list={list} loading="Loading blocks…" empty="No blocks match.">
        {(items) => (
          <DataTable
            rows={items}
            rowKey={(b) => b.id}
            caption="Blocked domains"
            testId="blocklist"
            columns={[
              { header: 'Domain', rowHeader: true, cell: (b) => <code>{b.domain}</code> },
              { header: 'Why', cell: (b) => b.reason },
              {
                header: 'By',
                cell: (b) => (
                  <>
                    {b.source === 'playbook' ? 'playbook' : b.createdBy}
                    {b.incidentId && (
                      <>
                        {' · '}
                        <Link to={`/incidents/${b.incidentId}`}>incident</Link>
                      </>
                    )}
                  </>
                ),
              },
              { header: 'Since', cell: (b) => formatDateTime(b.createdAt) },
              { header: 'Until', cell: (b) => (b.removedAt ? `removed ${formatDateTime(b.removedAt)} by ${b.removedBy ?? '?'}` : b.expiresAt ? formatDateTime(b.expiresAt) : 'until removed') },
              { header: 'Status', cell: (b) => <span className={`tag blocklist-status-${b.status}`}>{b.status}</span> },
              writable && {
                header: <span className="sr-only">Actions</span>,
                cell: (b) =>
                  b.status === 'active' ? (
                    <button type="button" className="btn btn-small" aria-label={`Stop blocking ${b.domain}`} onClick={() => void remove(b)}>
                      Remove
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </ListBody>
    </div>
  );
}

function BlockForm({ onBlocked }: { onBlocked: () => void }) {
  const [domains, setDomains] = useState('');
  const [reason, setReason] = useState('');
  const [expiresAt, setExpiresAt] = useState('');
  const [state, setState] = useState<{ busy: boolean; error: unknown; result: { added: string[]; already: string[] } | null }>({ busy: false, error: null, result: null });
  const list = splitList(domains);
  const errors = fieldErrors(state.error, ['/domains', '/reason', '/expiresAt', ...list.map((_, i) => `/domains/${i}`)]);
  const domainError = errors['/domains'] ?? Object.entries(errors).find(([k]) => k.startsWith('/domains/'))?.[1];
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null, result: null });
    try {
      const result = await api.post<{ added: string[]; already: string[] }>('/api/v1/egress/blocklist', {
        domains: list,
        reason: reason.trim(),
        ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
      });
      setState({ busy: false, error: null, result });
      setDomains('');
      setReason('');
      setExpiresAt('');
      onBlocked();
    } catch (error) {
      setState({ busy: false, error, result: null });
    }
  };

  return (
    <form className="card blocklist-form" onSubmit={submit} noValidate aria-label="Block domains">
      <h2>Block domains</h2>
      <ErrorBanner error={general} />
      {state.result && (
        <p className="banner banner-ok" role="status">
          {state.result.added.length ? `Blocked ${state.result.added.join(', ')}.` : 'Nothing new blocked.'}
          {state.result.already.length > 0 && ` Already blocked: ${state.result.already.join(', ')}.`}
        </p>
      )}
      <div className="grid-fields grid-fields-3">
        <Field label="Domains" required error={domainError} hint="Comma- or line-separated; defanged spellings (example[.]com) and URLs are taken.">
          {(p) => <textarea {...p} rows={2} value={domains} onChange={(e) => setDomains(e.target.value)} />}
        </Field>
        <Field label="Why" required error={errors['/reason']}>
          {(p) => <textarea {...p} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <Field label="Until" error={errors['/expiresAt']} hint="Empty: until removed.">
          {(p) => <input {...p} type="datetime-local" value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />}
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={state.busy || !list.length || !reason.trim()}>
          {state.busy ? 'Blocking…' : 'Block'}
        </button>
      </div>
    </form>
  );
}
