/**
 * Destinations to triage (/egress/destinations): hosts no vendor claims yet. An analyst assigns one
 * to a vendor (and product), sets its sanction, or blocks it (the egress blocklist); assigning
 * re-attributes that destination's flows (PUT /api/v1/egress/destinations/{destination}).
 */
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../../api.js';
import { Dialog, ErrorBanner, Field, SelectField, SubmitButton, useAsync, useDocumentTitle } from '../../components.js';
import { formatDateTime, plural } from '../../format.js';
import { DataTable, FilterBar, FilterSearch, FilterSelect, ListBody, usePagedList, useUrlFilters } from '../../lists.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { VendorPicker, type PickedVendor } from '../../VendorPicker.js';
import { DataClasses, SanctionTag } from './DataFlows.js';
import { EgressNav } from './EgressNav.js';
import { formatBytes, formatCount, type Sanction, type VendorRef } from './egressTypes.js';

export interface Destination {
  destination: string;
  status: 'unattributed' | 'attributed';
  vendor: VendorRef | null;
  productId: string | null;
  /** How the destination maps to its vendor: assigned, product-endpoint, vendor-domain or saas-list. */
  via: string | null;
  /** The known SaaS service the destination belongs to, vendor or not: a hint for triage. */
  saasName: string | null;
  /** A person's override; null: decided per flow from the vendor's approved data categories. */
  sanction: 'sanctioned' | 'unsanctioned' | null;
  assignedBy: string | null;
  assignedAt: string | null;
  firstSeen: string;
  lastSeen: string;
  requests: number;
  bytes: number;
  dataClasses: string[];
  blocked: boolean;
}

const VIA_LABEL: Record<string, string> = { assigned: 'assigned', 'product-endpoint': 'product endpoint', 'vendor-domain': 'vendor domain', 'saas-list': 'known SaaS' };
const FILTER_KEYS = ['status', 'q'] as const;
const STATUS_OPTIONS = [
  ['unattributed', 'Unattributed'],
  ['attributed', 'Attributed'],
  ['all', 'All'],
] as const;

export function DestinationsPage() {
  useDocumentTitle('Egress destinations');
  const { can } = useSession();
  const writable = can('egress:write');
  const filters = useUrlFilters('/egress/destinations', FILTER_KEYS, { status: 'unattributed' });
  const [refresh, setRefresh] = useState(0);
  const list = usePagedList<Destination>('/api/v1/egress/destinations', { status: filters.value('status'), q: filters.value('q'), limit: 100 }, refresh);
  const [assigning, setAssigning] = useState<Destination | null>(null);
  const [blocking, setBlocking] = useState<Destination | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const changed = (message: string) => {
    setAssigning(null);
    setBlocking(null);
    setDone(message);
    setRefresh((n) => n + 1);
  };

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Destinations</h1>
          <p className="muted">
            Where traffic goes that no vendor domain, product endpoint or known SaaS domain explains. Assign each to the vendor behind it, or block it. Data sent to an unattributed destination counts as unknown.
          </p>
        </div>
      </div>
      <EgressNav />
      {done && (
        <p className="banner banner-ok" role="status">
          {done}
        </p>
      )}
      <FilterBar label="Filter destinations">
        <FilterSelect filters={filters} name="status" label="Show" options={STATUS_OPTIONS} />
        <FilterSearch filters={filters} label="Destination" placeholder="Part of a domain" />
      </FilterBar>
      <ListBody list={list} loading="Loading destinations…" empty={filters.value('status') === 'unattributed' ? 'Every destination is attributed.' : 'No destinations match.'}>
        {(items) => (
          <DataTable
            rows={items}
            rowKey={(d) => d.destination}
            caption="Egress destinations"
            testId="destinations"
            rowClassName={(d) => (d.vendor ? undefined : 'egress-row-unattributed')}
            columns={[
              {
                header: 'Destination',
                rowHeader: true,
                cell: (d) => (
                  <>
                    <code>{d.destination}</code>
                    {d.saasName && !d.vendor && <span className="small muted egress-saas-hint"> known SaaS: {d.saasName}</span>}
                  </>
                ),
              },
              {
                header: 'Vendor',
                cell: (d) =>
                  d.vendor ? (
                    <>
                      <Link to={`/vendors/${d.vendor.id}`}>{d.vendor.name ?? 'deleted vendor'}</Link>
                      {d.via && <span className="small muted"> · {VIA_LABEL[d.via] ?? d.via}</span>}
                    </>
                  ) : (
                    <span className="tag egress-unattributed">unattributed</span>
                  ),
              },
              {
                header: 'Sanction',
                cell: (d) => (d.sanction ? <SanctionTag sanction={d.sanction} /> : <span className="muted small">{d.vendor ? 'by data category' : 'unknown'}</span>),
              },
              { header: 'Data classes', cell: (d) => <DataClasses classes={d.dataClasses} /> },
              { header: 'Requests', num: true, cell: (d) => formatCount(d.requests) },
              { header: 'Volume', num: true, cell: (d) => formatBytes(d.bytes) },
              { header: 'First seen', cell: (d) => formatDateTime(d.firstSeen) },
              { header: 'Last seen', cell: (d) => formatDateTime(d.lastSeen) },
              {
                header: <span className="sr-only">Actions</span>,
                cell: (d) => (
                  <span className="egress-row-actions">
                    {d.blocked && <span className="tag blocklist-status-active">blocked</span>}
                    {writable && (
                      <button type="button" className="btn btn-small" aria-label={`Assign ${d.destination}`} onClick={() => setAssigning(d)}>
                        {d.vendor ? 'Change' : 'Assign'}
                      </button>
                    )}
                    {can('incidents:write') && !d.blocked && (
                      <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Block ${d.destination}`} onClick={() => setBlocking(d)}>
                        Block
                      </button>
                    )}
                  </span>
                ),
              },
            ]}
          />
        )}
      </ListBody>
      {assigning && <AssignDialog destination={assigning} onClose={() => setAssigning(null)} onDone={changed} />}
      {blocking && <BlockDialog destination={blocking} onClose={() => setBlocking(null)} onDone={changed} />}
    </div>
  );
}

interface Product {
  id: string;
  name: string;
}

const SANCTION_CHOICES = [
  ['sanctioned', 'Sanctioned for any data'],
  ['unsanctioned', 'Unsanctioned for any data'],
] as const;

function AssignDialog({ destination, onClose, onDone }: { destination: Destination; onClose: () => void; onDone: (message: string) => void }) {
  const [vendor, setVendor] = useState<PickedVendor>({ text: destination.vendor?.name ?? '', id: destination.vendor?.name ? destination.vendor.id : null });
  const [productId, setProductId] = useState(destination.productId ?? '');
  const [sanction, setSanction] = useState<string>(destination.sanction ?? '');
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  const products = useAsync(
    (signal) => (vendor.id ? api.get<{ items: Product[] }>(`/api/v1/vendors/${vendor.id}/products`, undefined, signal) : Promise.resolve({ items: [] })),
    [vendor.id],
  );
  const errors = fieldErrors(state.error, ['/vendorId', '/productId', '/sanction']);
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null });
    try {
      await api.put(`/api/v1/egress/destinations/${encodeURIComponent(destination.destination)}`, {
        vendorId: vendor.id,
        productId: productId || null,
        sanction: sanction ? (sanction as Sanction) : null,
      });
      onDone(vendor.id ? `${destination.destination} is now attributed to ${vendor.text.trim()}; its flows were re-attributed.` : `${destination.destination} is unattributed again.`);
    } catch (error) {
      setState({ busy: false, error });
    }
  };

  return (
    <Dialog title={`Assign ${destination.destination}`} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label="Assign destination" className="egress-assign-form">
        <ErrorBanner error={general} />
        <VendorPicker
          label="Vendor"
          value={vendor}
          onChange={(v) => {
            setVendor(v);
            if (v.id !== vendor.id) setProductId('');
          }}
          error={errors['/vendorId'] ?? (vendor.text.trim() && !vendor.id ? 'No vendor has this name' : undefined)}
          hint="The vendor whose service this is. Empty: leave it unattributed."
        />
        <SelectField
          label="Product"
          value={productId}
          onChange={setProductId}
          options={(products.data?.items ?? []).map((p) => [p.id, p.name] as const)}
          placeholder={vendor.id ? 'The vendor as a whole' : 'Choose a vendor first'}
          disabled={!vendor.id}
          error={errors['/productId']}
        />
        <SelectField
          label="Sanction"
          value={sanction}
          onChange={setSanction}
          options={SANCTION_CHOICES}
          placeholder="By the vendor's approved data categories"
          error={errors['/sanction']}
          hint="Overrides what the vendor is approved to receive, for this destination only."
        />
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton busy={state.busy} label="Save" disabled={(vendor.text.trim() !== '' && !vendor.id)} />
        </div>
      </form>
    </Dialog>
  );
}

function BlockDialog({ destination, onClose, onDone }: { destination: Destination; onClose: () => void; onDone: (message: string) => void }) {
  const [reason, setReason] = useState('');
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  const errors = fieldErrors(state.error, ['/domains', '/reason']);
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null });
    try {
      await api.post('/api/v1/egress/blocklist', { domains: [destination.destination], reason: reason.trim() });
      onDone(`${destination.destination} is on the blocklist.`);
    } catch (error) {
      setState({ busy: false, error });
    }
  };

  return (
    <Dialog title={`Block ${destination.destination}`} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label="Block destination">
        <ErrorBanner error={general} />
        {errors['/domains'] && <p className="banner banner-error">{errors['/domains']}</p>}
        <p className="muted">
          The domain and its subdomains join the <Link to="/egress/blocklist">blocklist</Link>: the proxy policy blocks them, and the Squid ACL and RPZ exports carry them.
          {destination.requests > 0 && ` It was reached ${plural(destination.requests, 'time')} so far.`}
        </p>
        <Field label="Why" required error={errors['/reason']}>
          {(p) => <textarea {...p} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={state.busy || !reason.trim()}>
            {state.busy ? 'Blocking…' : 'Block'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
