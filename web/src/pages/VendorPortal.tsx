/**
 * The vendor page's "Portal and incident readiness" section: a single-use portal link for a vendor
 * with no assessment under way (so it can report an incident), API tokens for the vendor's own
 * systems (POST/GET/DELETE /api/v1/vendors/{id}/portal-tokens), and the drills run against it.
 */
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api.js';
import { CopyableValue, Empty, ErrorBanner, Field, SelectField, StatusPill, useAsync } from '../components.js';
import type { Drill } from '../drillTypes.js';
import { formatDateTime, relativeTime } from '../format.js';
import { DataTable } from '../lists.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import type { Contact, Vendor } from '../types.js';

interface PortalLink {
  url: string;
  expiresAt: string;
  emailedTo: string | null;
  emailError?: string;
}

interface VendorToken {
  id: string;
  name: string;
  prefix: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export function VendorPortalSection({ vendor }: { vendor: Vendor }) {
  const { can } = useSession();
  return (
    <section className="card" id="portal" aria-labelledby="portal-title">
      <header className="card-head">
        <h2 id="portal-title">Portal and incident readiness</h2>
      </header>
      {can('incidents:write') && <PortalLinkForm vendor={vendor} />}
      {can('tokens:manage') && <VendorTokens vendor={vendor} />}
      <VendorDrills vendor={vendor} />
    </section>
  );
}

function PortalLinkForm({ vendor }: { vendor: Vendor }) {
  const contacts = useAsync<{ items: Contact[] }>((signal) => api.get(`/api/v1/vendors/${vendor.id}/contacts`, undefined, signal), [vendor.id]);
  const [contactId, setContactId] = useState('');
  const [link, setLink] = useState<PortalLink | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const withEmail = (contacts.data?.items ?? []).filter((c) => c.email);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setBusy(true);
    try {
      setLink(await api.post<PortalLink>(`/api/v1/vendors/${vendor.id}/portal-access`, contactId ? { contactId } : {}));
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <h3 className="subhead">Portal link</h3>
      <p className="muted small">
        A single-use link to the vendor portal, without an assessment: the vendor reports an incident there and follows what you share with it.
      </p>
      <form className="inline-form" onSubmit={send}>
        <SelectField
          label="Send to"
          name="portal-contact"
          value={contactId}
          onChange={setContactId}
          placeholder={withEmail.length ? 'The primary contact' : 'Nobody (show the link)'}
          options={withEmail.map((c) => [c.id, `${c.name} (${c.email})`] as const)}
          hint={withEmail.length ? undefined : 'No contact with an e-mail address: the link is shown here only.'}
        />
        <button type="submit" className="btn btn-small" disabled={busy}>
          {busy ? 'Creating…' : 'Create portal link'}
        </button>
      </form>
      <ErrorBanner error={failure} />
      {link && (
        <div className="banner banner-ok" role="status" data-testid="portal-link">
          <CopyableValue value={link.url} label="portal link" />
          <p className="small">
            {link.emailedTo ? `E-mailed to ${link.emailedTo}. ` : 'Not e-mailed: hand it over yourself. '}
            {link.emailError && `${link.emailError}. `}
            It works once, until {formatDateTime(link.expiresAt)}.
          </p>
        </div>
      )}
    </div>
  );
}

function VendorTokens({ vendor }: { vendor: Vendor }) {
  const list = useAsync<{ items: VendorToken[] }>((signal) => api.get(`/api/v1/vendors/${vendor.id}/portal-tokens`, undefined, signal), [vendor.id]);
  const [name, setName] = useState('');
  const [days, setDays] = useState('365');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setErrors({});
    const body = { name: name.trim(), ...(days.trim() ? { expiresInDays: Number(days) } : {}) };
    try {
      const result = await api.post<{ token: string }>(`/api/v1/vendors/${vendor.id}/portal-tokens`, body);
      setCreated(result.token);
      setName('');
      list.reload();
    } catch (e) {
      const mapped = fieldErrors(e, ['/name', '/expiresInDays'], body);
      if (Object.keys(mapped).length) setErrors(mapped);
      else setFailure(e);
    }
  };
  const revoke = async (token: VendorToken) => {
    if (!window.confirm(`Revoke the token "${token.name}"? The vendor's system loses access at once.`)) return;
    try {
      await api.delete(`/api/v1/vendors/${vendor.id}/portal-tokens/${token.id}`);
      list.reload();
    } catch (e) {
      setFailure(e);
    }
  };

  const items = list.data?.items ?? [];
  return (
    <div className="stack">
      <h3 className="subhead">API tokens for the vendor's systems</h3>
      <p className="muted small">A token reports incidents and reads the vendor's own reports through /api/v1/portal/incidents, nothing else.</p>
      <ErrorBanner error={list.error ?? failure} onRetry={list.error ? list.reload : undefined} />
      {list.data && items.length === 0 && <Empty>No tokens.</Empty>}
      {items.length > 0 && (
        <DataTable
          rows={items}
          rowKey={(t) => t.id}
          caption="Vendor API tokens"
          columns={[
            { header: 'Name', cell: (t) => t.name, rowHeader: true },
            { header: 'Token', cell: (t) => <code>{t.prefix}…</code> },
            { header: 'Created', cell: (t) => `${formatDateTime(t.createdAt)} by ${t.createdBy}` },
            { header: 'Last used', cell: (t) => (t.lastUsedAt ? relativeTime(t.lastUsedAt) : 'never') },
            { header: 'Expires', cell: (t) => (t.expiresAt ? formatDateTime(t.expiresAt) : 'when revoked') },
            {
              header: '',
              cell: (t) =>
                t.revokedAt ? (
                  <StatusPill status="revoked" />
                ) : (
                  <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => void revoke(t)}>
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      )}
      <form className="inline-form" onSubmit={create} noValidate>
        <Field label="System" error={errors['/name']}>
          {(p) => <input {...p} name="token-name" value={name} placeholder="e.g. Acme SOC" onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Valid for (days)" error={errors['/expiresInDays']} hint="Empty: until revoked.">
          {(p) => <input {...p} name="token-days" inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />}
        </Field>
        <button type="submit" className="btn btn-small">
          Create token
        </button>
      </form>
      {created && (
        <div className="banner banner-ok" role="status" data-testid="vendor-token">
          <CopyableValue value={created} label="vendor API token" />
          <p className="small">Shown only now: only its hash is kept.</p>
        </div>
      )}
    </div>
  );
}

function VendorDrills({ vendor }: { vendor: Vendor }) {
  const drills = useAsync<{ items: Drill[] }>((signal) => api.get('/api/v1/drills', { vendorId: vendor.id, limit: 10 }, signal), [vendor.id]);
  const items = drills.data?.items ?? [];
  return (
    <div className="stack">
      <h3 className="subhead">Drills</h3>
      <ErrorBanner error={drills.error} onRetry={drills.reload} />
      {drills.data && items.length === 0 && (
        <Empty>
          No drill against this vendor yet. <Link to="/drills">Run one</Link> to test the plan.
        </Empty>
      )}
      {items.length > 0 && (
        <ul className="plain-list" data-testid="vendor-drills">
          {items.map((d) => (
            <li key={d.id}>
              <Link to={`/drills/${d.id}`}>{d.playbookName}</Link> <StatusPill status={d.status} /> <span className="muted small">{formatDateTime(d.startedAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
