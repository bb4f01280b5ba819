import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../../api.js';
import { CheckboxGroup, ErrorBanner, ErrorSummary, Field, SelectField, useDocumentTitle } from '../../components.js';
import { splitList } from '../../format.js';
import { useVendorOptions } from '../../lists.js';
import { Link, navigate } from '../../router.js';
import { DATA_CATEGORIES } from '../../types.js';
import { SEVERITIES, type IncidentDetail } from '../../incidentTypes.js';
import { IncidentsNav } from './IncidentsNav.js';

const KEYS = ['/title', '/summary', '/severity', '/detectedAt', '/vendorIds', '/impact'] as const;
const LABELS: Record<string, string> = { '/title': 'Title', '/summary': 'What happened', '/severity': 'Severity', '/detectedAt': 'Detected at', '/vendorIds': 'Vendors', '/impact': 'Impact' };

/** datetime-local wants local "YYYY-MM-DDTHH:mm". */
const localNow = () => {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
};

export function NewIncidentPage() {
  useDocumentTitle('New incident');
  const vendors = useVendorOptions();
  const [form, setForm] = useState({ title: '', summary: '', severity: 'high', detectedAt: localNow(), vendorId: '', systems: '', records: '' });
  const [categories, setCategories] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      title: form.title,
      summary: form.summary,
      severity: form.severity,
      detectedAt: new Date(form.detectedAt).toISOString(),
      vendorIds: form.vendorId ? [form.vendorId] : [],
      impact: { dataCategories: categories, systems: splitList(form.systems), records: form.records === '' ? null : Number(form.records) },
    };
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const created = await api.post<IncidentDetail>('/api/v1/incidents', body);
      navigate(`/incidents/${created.id}`);
    } catch (err) {
      const fields = fieldErrors(err, KEYS, body);
      setErrors(fields);
      if (!Object.keys(fields).length) setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/incidents">Incidents</Link> › New
      </p>
      <div className="page-head">
        <h1>New incident</h1>
      </div>
      <IncidentsNav />
      <form className="card incident-form" onSubmit={(e) => void submit(e)} aria-label="New incident" noValidate>
        <ErrorSummary errors={errors} labels={LABELS} />
        <ErrorBanner error={error} />
        <Field label="Title" required error={errors['/title']}>
          {(p) => <input {...p} value={form.title} onChange={(e) => set('title')(e.target.value)} maxLength={300} />}
        </Field>
        <Field label="What happened" error={errors['/summary']}>
          {(p) => <textarea {...p} rows={4} value={form.summary} onChange={(e) => set('summary')(e.target.value)} />}
        </Field>
        <div className="incident-form-row">
          <SelectField label="Severity" value={form.severity} onChange={set('severity')} options={SEVERITIES} error={errors['/severity']} />
          <Field label="Detected at" required error={errors['/detectedAt']}>
            {(p) => <input {...p} type="datetime-local" value={form.detectedAt} onChange={(e) => set('detectedAt')(e.target.value)} />}
          </Field>
          <SelectField label="Vendor" value={form.vendorId} onChange={set('vendorId')} options={vendors.map((v) => [v.id, v.name] as const)} placeholder="None" error={errors['/vendorIds']} />
        </div>
        <CheckboxGroup legend="Data affected" options={DATA_CATEGORIES.filter((c) => c !== 'none')} value={categories} onChange={setCategories} error={errors['/impact']} />
        <div className="incident-form-row">
          <Field label="Systems" hint="Comma-separated">
            {(p) => <input {...p} value={form.systems} onChange={(e) => set('systems')(e.target.value)} />}
          </Field>
          <Field label="Records affected">
            {(p) => <input {...p} type="number" min={0} value={form.records} onChange={(e) => set('records')(e.target.value)} />}
          </Field>
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Open incident
          </button>
          <Link className="btn" to="/incidents">
            Cancel
          </Link>
        </div>
      </form>
    </div>
  );
}
