import { useState, type FormEvent } from 'react';
import { api, ApiError, fieldErrors } from '../api.js';
import { Empty, ErrorBanner, Field, Loading, SubmitButton, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { VendorPicker, type PickedVendor } from '../VendorPicker.js';
import { formatMinutesAsHours, type BusinessService } from '../resilienceTypes.js';

const TARGETS = [
  ['rtoMinutes', 'RTO', 'How long the service may be down'],
  ['rpoMinutes', 'RPO', 'How much data, as time, may be lost'],
  ['mtdMinutes', 'MTD', 'Maximum tolerable downtime (at least the RTO)'],
] as const;
type TargetKey = (typeof TARGETS)[number][0];

interface Draft {
  name: string;
  owner: string;
  description: string;
  rtoMinutes: string;
  rpoMinutes: string;
  mtdMinutes: string;
}

const hoursText = (minutes: number | null) => (minutes === null ? '' : String(Math.round((minutes / 60) * 100) / 100));
const toDraft = (s?: BusinessService): Draft => ({
  name: s?.name ?? '',
  owner: s?.owner ?? '',
  description: s?.description ?? '',
  rtoMinutes: hoursText(s?.rtoMinutes ?? null),
  rpoMinutes: hoursText(s?.rpoMinutes ?? null),
  mtdMinutes: hoursText(s?.mtdMinutes ?? null),
});

/** The UI speaks hours; the API stores minutes. */
function bodyOf(d: Draft): { body: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const body: Record<string, unknown> = { name: d.name.trim(), owner: d.owner.trim() || null, description: d.description.trim() || null };
  if (!d.name.trim()) errors['/name'] = 'is required';
  for (const [key] of TARGETS) {
    const text = d[key].trim();
    if (!text) body[key] = null;
    else if (!(Number.isFinite(Number(text)) && Number(text) >= 0)) errors[`/${key}`] = 'must be a number of hours, 0 or more';
    else body[key] = Math.round(Number(text) * 60);
  }
  return { body, errors };
}

function ServiceForm({ service, onSaved, onCancel }: { service?: BusinessService; onSaved: (s: BusinessService) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(service));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const { body, errors: local } = bodyOf(draft);
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      onSaved(service ? await api.patch<BusinessService>(`/api/v1/business-services/${service.id}`, body) : await api.post<BusinessService>('/api/v1/business-services', body));
    } catch (error) {
      const mapped = fieldErrors(error, ['/name', '/owner', '/description', ...TARGETS.map(([k]) => `/${k}`)], body);
      const general = mapped[''];
      delete mapped[''];
      setErrors(mapped);
      if (general || !(error instanceof ApiError) || !Object.keys(mapped).length) setFailure(general ? new Error(general) : error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card service-form" onSubmit={submit} noValidate aria-label={service ? `Edit ${service.name}` : 'New business service'}>
      <header className="card-head">
        <h2>{service ? `Edit ${service.name}` : 'New business service'}</h2>
      </header>
      <div className="grid-fields grid-fields-3">
        <Field label="Name" required error={errors['/name']}>
          {(p) => <input {...p} name="name" value={draft.name} onChange={set('name')} autoComplete="off" />}
        </Field>
        <Field label="Owner" error={errors['/owner']}>
          {(p) => <input {...p} name="owner" value={draft.owner} onChange={set('owner')} autoComplete="off" />}
        </Field>
        <Field label="Description" error={errors['/description']}>
          {(p) => <input {...p} name="description" value={draft.description} onChange={set('description')} autoComplete="off" />}
        </Field>
        {TARGETS.map(([key, label, hint]) => (
          <Field key={key} label={`${label} (hours)`} hint={`${hint}; empty: no target`} error={errors[`/${key}`]}>
            {(p) => <input {...p} name={key} type="number" min={0} step="any" inputMode="decimal" value={draft[key]} onChange={set(key)} />}
          </Field>
        ))}
      </div>
      <ErrorBanner error={failure} />
      <div className="form-actions">
        <SubmitButton busy={busy} label={service ? 'Save' : 'Add service'} small />
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function VendorLinks({ service, writable, onChanged }: { service: BusinessService; writable: boolean; onChanged: (s: BusinessService) => void }) {
  const [picked, setPicked] = useState<PickedVendor>({ text: '', id: null });
  const [error, setError] = useState<unknown>(null);
  const save = async (vendorIds: string[]) => {
    setError(null);
    try {
      onChanged(await api.put<BusinessService>(`/api/v1/business-services/${service.id}/vendors`, { vendorIds }));
      setPicked({ text: '', id: null });
    } catch (e) {
      setError(e);
    }
  };
  const ids = service.vendors.map((v) => v.id);
  return (
    <div className="service-vendors">
      <ul className="plain-list service-vendor-list">
        {service.vendors.map((v) => (
          <li key={v.id}>
            <TierBadge tier={v.tier} /> <Link to={`/vendors/${v.id}`}>{v.name}</Link>
            {writable && (
              <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Unlink ${v.name} from ${service.name}`} onClick={() => void save(ids.filter((id) => id !== v.id))}>
                Unlink
              </button>
            )}
          </li>
        ))}
        {!service.vendors.length && <li className="muted">No vendor linked</li>}
      </ul>
      {writable && (
        <form
          className="inline-form"
          aria-label={`Link a vendor to ${service.name}`}
          onSubmit={(e) => {
            e.preventDefault();
            if (picked.id && !ids.includes(picked.id)) void save([...ids, picked.id]);
          }}
        >
          <VendorPicker label="Vendor that delivers it" name={`vendor-${service.id}`} value={picked} onChange={setPicked} />
          <button type="submit" className="btn btn-small" disabled={!picked.id}>
            Link vendor
          </button>
        </form>
      )}
      <ErrorBanner error={error} />
    </div>
  );
}

export function ServicesPage() {
  useDocumentTitle('Business services');
  const { can } = useSession();
  const writable = can('assessments:write');
  const state = useAsync<{ items: BusinessService[] }>((signal) => api.get('/api/v1/business-services', undefined, signal), []);
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);

  const replace = (s: BusinessService) => {
    state.setData({ items: [...(state.data?.items ?? []).filter((x) => x.id !== s.id), s].sort((a, b) => a.name.localeCompare(b.name)) });
  };
  const remove = async (s: BusinessService) => {
    if (!window.confirm(`Delete ${s.name}? Its resilience gaps close.`)) return;
    setError(null);
    try {
      await api.delete(`/api/v1/business-services/${s.id}`);
      state.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Business services</h1>
          <p className="muted">Our own services, their recovery targets and the vendors they depend on. A vendor whose assessment states a longer RTO, RPO or MTD than a service it delivers — or none — has a resilience gap.</p>
        </div>
        {writable && editing !== 'new' && (
          <div className="actions">
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              New service
            </button>
          </div>
        )}
      </div>
      {editing === 'new' && (
        <ServiceForm
          onCancel={() => setEditing(null)}
          onSaved={(s) => {
            setEditing(null);
            replace(s);
          }}
        />
      )}
      <ErrorBanner error={error ?? state.error} onRetry={state.error ? state.reload : undefined} />
      {state.loading && !state.data && <Loading />}
      {state.data && !state.data.items.length && <Empty>No business services yet.</Empty>}
      {state.data && state.data.items.length > 0 && (
        <table className="table table-services" data-testid="services-table">
          <thead>
            <tr>
              <th scope="col">Service</th>
              {TARGETS.map(([key, label]) => (
                <th scope="col" key={key} className="num">
                  {label}
                </th>
              ))}
              <th scope="col">Vendors</th>
              <th scope="col" className="num">
                Open gaps
              </th>
              {writable && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {state.data.items.map((s) =>
              editing === s.id ? (
                <tr key={s.id}>
                  <td colSpan={writable ? 7 : 6}>
                    <ServiceForm
                      service={s}
                      onCancel={() => setEditing(null)}
                      onSaved={(saved) => {
                        setEditing(null);
                        replace(saved);
                      }}
                    />
                  </td>
                </tr>
              ) : (
                <tr key={s.id} data-testid="service-row">
                  <th scope="row">
                    {s.name}
                    {s.owner && <div className="small muted">owner: {s.owner}</div>}
                    {s.description && <div className="small muted">{s.description}</div>}
                  </th>
                  {TARGETS.map(([key]: readonly [TargetKey, string, string]) => (
                    <td key={key} className="num">
                      {formatMinutesAsHours(s[key])}
                    </td>
                  ))}
                  <td>
                    <VendorLinks service={s} writable={writable} onChanged={replace} />
                  </td>
                  <td className={`num${s.openGaps ? ' gap-count' : ''}`}>{s.openGaps}</td>
                  {writable && (
                    <td>
                      <button type="button" className="btn btn-small" onClick={() => setEditing(s.id)}>
                        Edit
                      </button>{' '}
                      <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => void remove(s)}>
                        Delete
                      </button>
                    </td>
                  )}
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
