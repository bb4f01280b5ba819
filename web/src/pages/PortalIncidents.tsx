/**
 * Incidents in the vendor portal: the vendor reports one of its own incidents to us (what happened,
 * when it was detected, which products and data, indicators, who to contact), and follows the
 * incidents it reported or that we shared with it, with only the fields we chose to share.
 */
import { useState, type FormEvent } from 'react';
import { fieldErrors, request } from '../api.js';
import { ErrorBanner, Field, Loading, SelectField, useAsync } from '../components.js';
import { formatDateTime, splitList } from '../format.js';
import { Link, navigate } from '../router.js';

export interface PortalProduct {
  id: string;
  name: string;
}

interface VendorIncident {
  id: string;
  reference: string;
  title: string | null;
  summary: string | null;
  severity: string | null;
  status: string | null;
  impact: { dataCategories: string[]; systems: string[]; records: number | null } | null;
  detectedAt: string | null;
  tasks: Array<{ team: string; title: string; status: string; dueAt: string | null }> | null;
  reports: Array<{ at: string; report: { title?: string; description?: string } }>;
  events: Array<{ at: string; kind: string; text: string }>;
  reportedAt: string;
}

const STATUS_LABEL: Record<string, string> = {
  new: 'Received',
  acknowledged: 'Acknowledged',
  contained: 'Contained',
  eradicated: 'Eradicated',
  recovered: 'Recovered',
  closed: 'Closed',
  'false-positive': 'Closed (no incident)',
};

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** What kind of indicator a pasted value is, as the report API names them. */
export function indicatorOf(value: string): { type: string; value: string } {
  const v = value.trim();
  if (/^[a-f0-9]{64}$/i.test(v)) return { type: 'sha256', value: v };
  if (/^[a-f0-9]{40}$/i.test(v)) return { type: 'sha1', value: v };
  if (/^[a-f0-9]{32}$/i.test(v)) return { type: 'md5', value: v };
  if (/^[a-f0-9]{128}$/i.test(v)) return { type: 'sha512', value: v };
  if (/^h(xx|tt)ps?:\/\//i.test(v)) return { type: 'url', value: v };
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return { type: 'ipv4', value: v };
  if (v.includes(':') && /^[0-9a-f:]+$/i.test(v)) return { type: 'ipv6', value: v };
  if (v.includes('@')) return { type: 'email', value: v };
  return { type: 'domain', value: v };
}

export function PortalIncidentList({ token }: { token: string }) {
  const list = useAsync((signal) => request<{ items: VendorIncident[] }>('GET', '/api/v1/portal/incidents', { bearer: token, signal }), [token]);
  return (
    <>
      <div className="portal-incident-head">
        <h1>Your incident reports</h1>
        <Link to="/portal/incidents/new" className="btn btn-primary">
          Report an incident
        </Link>
      </div>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <p className="empty">No incidents reported or shared with you.</p>}
      <ul className="portal-list">
        {list.data?.items.map((i) => (
          <li key={i.id} className="card">
            <Link to={`/portal/incidents/${i.id}`} className="portal-list-title">
              {i.title ?? i.reports[0]?.report.title ?? `Incident ${i.reference}`}
            </Link>
            {i.status && <span className="tag">{STATUS_LABEL[i.status] ?? i.status}</span>}
            <p className="small muted">
              Reference {i.reference} · reported {formatDateTime(i.reportedAt)}
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}

export function PortalIncidentPage({ token, id }: { token: string; id: string }) {
  const incident = useAsync((signal) => request<VendorIncident>('GET', `/api/v1/portal/incidents/${id}`, { bearer: token, signal }), [token, id]);
  const i = incident.data;
  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/portal/incidents">Your incident reports</Link>
      </nav>
      <ErrorBanner error={incident.error} onRetry={incident.reload} />
      {!i && incident.loading && <Loading />}
      {i && (
        <>
          <h1>{i.title ?? i.reports[0]?.report.title ?? `Incident ${i.reference}`}</h1>
          <p className="muted">
            Reference <strong>{i.reference}</strong>
            {i.status && <> · status <span className="tag">{STATUS_LABEL[i.status] ?? i.status}</span></>}
            {i.severity && <> · severity {i.severity}</>}
          </p>
          {i.summary && <p>{i.summary}</p>}
          {i.tasks && i.tasks.length > 0 && (
            <section className="card portal-incident-section" aria-labelledby="asks-title">
              <h2 id="asks-title">What we need from you</h2>
              <ul>
                {i.tasks.map((t, n) => (
                  <li key={n}>
                    {t.title} <span className="tag">{t.status}</span>
                    {t.dueAt && <span className="small muted"> due {formatDateTime(t.dueAt)}</span>}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section className="card portal-incident-section" aria-labelledby="updates-title">
            <h2 id="updates-title">Updates</h2>
            {i.events.length === 0 ? (
              <p className="muted">No updates yet.</p>
            ) : (
              <ol className="portal-incident-events">
                {i.events.map((e, n) => (
                  <li key={n}>
                    <span className="small muted">{formatDateTime(e.at)}</span> {e.text}
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section className="card portal-incident-section" aria-labelledby="reports-title">
            <h2 id="reports-title">What you reported</h2>
            {i.reports.map((r, n) => (
              <div key={n} className="portal-incident-report">
                <p className="small muted">{formatDateTime(r.at)}</p>
                <p>
                  <strong>{r.report.title}</strong>
                </p>
                {r.report.description && <p className="portal-incident-text">{r.report.description}</p>}
              </div>
            ))}
          </section>
        </>
      )}
    </>
  );
}

export function PortalIncidentForm({ token, products }: { token: string; products: PortalProduct[] }) {
  const [form, setForm] = useState({ title: '', description: '', detectedAt: '', severity: '', dataCategories: '', records: '', indicators: '', name: '', email: '', phone: '' });
  const [picked, setPicked] = useState<string[]>([]);
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  const errors = fieldErrors(state.error, ['/title', '/description', '/detectedAt', '/severity', '/dataCategories', '/records', '/indicators', '/contact/name', '/contact/email', '/contact/phone', '/productIds']);
  const indicatorError = errors['/indicators'] ?? Object.entries(fieldErrors(state.error, Array.from({ length: 50 }, (_, n) => `/indicators/${n}/value`))).find(([k]) => k)?.[1];
  const general = state.error && !Object.keys(errors).some((k) => k !== '') && !indicatorError ? state.error : null;
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null });
    try {
      const body = {
        title: form.title.trim(),
        description: form.description.trim(),
        detectedAt: form.detectedAt ? new Date(form.detectedAt).toISOString() : '',
        ...(picked.length ? { productIds: picked } : {}),
        ...(form.dataCategories.trim() ? { dataCategories: splitList(form.dataCategories) } : {}),
        ...(form.records.trim() ? { records: Number(form.records) } : {}),
        ...(form.indicators.trim() ? { indicators: form.indicators.split(/[\n,]+/).map((s) => s.trim()).filter(Boolean).map(indicatorOf) } : {}),
        ...(form.severity ? { severity: form.severity } : {}),
        contact: { name: form.name.trim(), email: form.email.trim() || null, phone: form.phone.trim() || null },
      };
      const result = await request<{ incident: VendorIncident; duplicateOf: string | null }>('POST', '/api/v1/portal/incidents', { bearer: token, json: body });
      navigate(`/portal/incidents/${result.incident.id}${result.duplicateOf ? '?duplicate=1' : ''}`);
    } catch (error) {
      setState({ busy: false, error });
    }
  };

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/portal/incidents">Your incident reports</Link>
      </nav>
      <h1>Report an incident</h1>
      <p className="muted">Tell us as soon as you know: what happened, when you detected it, what of ours may be affected and who we can reach. You can add to it later by reporting again.</p>
      <form className="card portal-incident-form" onSubmit={submit} noValidate aria-label="Report an incident">
        <ErrorBanner error={general} />
        <Field label="What happened, in a line" required error={errors['/title']}>
          {(p) => <input {...p} value={form.title} onChange={(e) => set('title')(e.target.value)} />}
        </Field>
        <Field label="What happened" required error={errors['/description']}>
          {(p) => <textarea {...p} rows={5} value={form.description} onChange={(e) => set('description')(e.target.value)} />}
        </Field>
        <div className="grid-fields">
          <Field label="When you detected it" required error={errors['/detectedAt']}>
            {(p) => <input {...p} type="datetime-local" value={form.detectedAt} onChange={(e) => set('detectedAt')(e.target.value)} />}
          </Field>
          <SelectField label="How severe you consider it" value={form.severity} onChange={set('severity')} options={SEVERITIES} placeholder="Not sure" error={errors['/severity']} />
        </div>
        {products.length > 0 && (
          <fieldset className="checks">
            <legend>Products affected</legend>
            <div className="checks-row">
              {products.map((p) => (
                <label key={p.id} className="check">
                  <input type="checkbox" checked={picked.includes(p.id)} onChange={(e) => setPicked((list) => (e.target.checked ? [...list, p.id] : list.filter((x) => x !== p.id)))} /> {p.name}
                </label>
              ))}
            </div>
            {errors['/productIds'] && <p className="field-error">{errors['/productIds']}</p>}
          </fieldset>
        )}
        <div className="grid-fields">
          <Field label="Data affected" error={errors['/dataCategories']} hint="Comma-separated, e.g. personal, credentials, payment.">
            {(p) => <input {...p} value={form.dataCategories} onChange={(e) => set('dataCategories')(e.target.value)} />}
          </Field>
          <Field label="Number of records" error={errors['/records']}>
            {(p) => <input {...p} type="number" min={0} step={1} value={form.records} onChange={(e) => set('records')(e.target.value)} />}
          </Field>
        </div>
        <Field label="Indicators" error={indicatorError} hint="One a line: file hashes, domains, URLs, IP addresses, e-mail addresses.">
          {(p) => <textarea {...p} rows={3} value={form.indicators} onChange={(e) => set('indicators')(e.target.value)} />}
        </Field>
        <div className="grid-fields grid-fields-3">
          <Field label="Your name" required error={errors['/contact/name']}>
            {(p) => <input {...p} value={form.name} onChange={(e) => set('name')(e.target.value)} />}
          </Field>
          <Field label="E-mail" error={errors['/contact/email']}>
            {(p) => <input {...p} type="email" value={form.email} onChange={(e) => set('email')(e.target.value)} />}
          </Field>
          <Field label="Phone" error={errors['/contact/phone']}>
            {(p) => <input {...p} type="tel" value={form.phone} onChange={(e) => set('phone')(e.target.value)} />}
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={state.busy}>
            {state.busy ? 'Sending…' : 'Send the report'}
          </button>
        </div>
      </form>
    </>
  );
}
