/**
 * Settings for e-mail (the SMTP server invitations and reminders go through) and the vendor portal
 * (the address its links start with, how long links and sessions last, when reminders go out).
 * Admins only: the SMTP password is write-only (the server shows ***; leaving the box empty keeps it).
 */
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api.js';
import { ErrorBanner, Field, Loading, SelectField, SubmitButton, useAsync } from '../components.js';

interface SmtpSettings {
  enabled: boolean;
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  username: string | null;
  password?: string | null;
  from: string;
  timeoutSeconds: number;
}

interface PortalSettings {
  publicUrl: string | null;
  invitationDays: number;
  sessionHours: number;
  reminderDaysBefore: number;
  overdueEveryDays: number;
}

export function MailSettings() {
  const smtp = useAsync((signal) => api.get<SmtpSettings>('/api/v1/settings/smtp', undefined, signal), []);
  const portal = useAsync((signal) => api.get<PortalSettings>('/api/v1/settings/portal', undefined, signal), []);
  return (
    <>
      <ErrorBanner error={smtp.error ?? portal.error} onRetry={() => (smtp.reload(), portal.reload())} />
      {(!smtp.data || !portal.data) && (smtp.loading || portal.loading) && <Loading />}
      {smtp.data && <SmtpForm settings={smtp.data} onSaved={smtp.setData} />}
      {portal.data && <PortalForm settings={portal.data} onSaved={portal.setData} />}
    </>
  );
}

function SmtpForm({ settings, onSaved }: { settings: SmtpSettings; onSaved: (s: SmtpSettings) => void }) {
  const stored = settings.password === '***';
  const [form, setForm] = useState({ ...settings, port: String(settings.port), username: settings.username ?? '', password: '' });
  const [state, setState] = useState<{ busy: boolean; error: unknown; saved: boolean }>({ busy: false, error: null, saved: false });
  const errors = fieldErrors(state.error, ['/host', '/port', '/from', '/username', '/password']);
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;
  const set = (changes: Partial<typeof form>) => {
    setForm((f) => ({ ...f, ...changes }));
    setState((s) => ({ ...s, saved: false }));
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null, saved: false });
    try {
      const body = { ...form, port: Number(form.port), username: form.username.trim() || null, password: form.password ? form.password : stored ? '***' : null };
      const saved = await api.put<SmtpSettings>('/api/v1/settings/smtp', body);
      onSaved(saved);
      setForm((f) => ({ ...f, password: '' }));
      setState({ busy: false, error: null, saved: true });
    } catch (error) {
      setState({ busy: false, error, saved: false });
    }
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-label="E-mail (SMTP)">
      <h2>E-mail (SMTP)</h2>
      <p className="hint">Portal invitations and assessment reminders are sent through this server. Off: links are only shown to whoever creates them.</p>
      <ErrorBanner error={general} />
      {state.saved && (
        <p className="banner banner-ok" role="status">
          E-mail settings saved.
        </p>
      )}
      <label className="check">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Send e-mail
      </label>
      <div className="grid-fields">
        <Field label="Server" error={errors['/host']}>
          {(p) => <input {...p} value={form.host} placeholder="smtp.example.com" onChange={(e) => set({ host: e.target.value })} />}
        </Field>
        <Field label="Port" error={errors['/port']}>
          {(p) => <input {...p} type="number" min={1} max={65535} value={form.port} onChange={(e) => set({ port: e.target.value })} />}
        </Field>
        <SelectField
          label="Security"
          value={form.security}
          onChange={(v) => set({ security: v as SmtpSettings['security'] })}
          options={[
            ['starttls', 'STARTTLS (port 587)'],
            ['tls', 'TLS from the start (port 465)'],
            ['none', 'None (a relay on our own network)'],
          ]}
        />
        <Field label="Sender address" error={errors['/from']}>
          {(p) => <input {...p} type="email" value={form.from} onChange={(e) => set({ from: e.target.value })} />}
        </Field>
        <Field label="User name" error={errors['/username']}>
          {(p) => <input {...p} autoComplete="off" value={form.username} onChange={(e) => set({ username: e.target.value })} />}
        </Field>
        <Field label="Password" error={errors['/password']} hint={stored ? 'A password is stored: leave empty to keep it.' : undefined}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={form.password} onChange={(e) => set({ password: e.target.value })} />}
        </Field>
      </div>
      <div className="form-actions">
        <SubmitButton busy={state.busy} label="Save e-mail settings" />
      </div>
    </form>
  );
}

function PortalForm({ settings, onSaved }: { settings: PortalSettings; onSaved: (s: PortalSettings) => void }) {
  const [form, setForm] = useState({ ...settings, publicUrl: settings.publicUrl ?? '' });
  const [state, setState] = useState<{ busy: boolean; error: unknown; saved: boolean }>({ busy: false, error: null, saved: false });
  const errors = fieldErrors(state.error, ['/publicUrl', '/invitationDays', '/sessionHours', '/reminderDaysBefore', '/overdueEveryDays']);
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;
  const set = (changes: Partial<typeof form>) => {
    setForm((f) => ({ ...f, ...changes }));
    setState((s) => ({ ...s, saved: false }));
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null, saved: false });
    try {
      onSaved(await api.put<PortalSettings>('/api/v1/settings/portal', { ...form, publicUrl: form.publicUrl.trim() || null }));
      setState({ busy: false, error: null, saved: true });
    } catch (error) {
      setState({ busy: false, error, saved: false });
    }
  };
  const whole = (key: 'invitationDays' | 'sessionHours' | 'reminderDaysBefore' | 'overdueEveryDays', label: string) => (
    <Field label={label} error={errors[`/${key}`]}>
      {(p) => <input {...p} type="number" min={0} value={String(form[key])} onChange={(e) => set({ [key]: Number(e.target.value) })} />}
    </Field>
  );
  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Vendor portal">
      <h2>Vendor portal</h2>
      <ErrorBanner error={general} />
      {state.saved && (
        <p className="banner banner-ok" role="status">
          Portal settings saved.
        </p>
      )}
      <div className="grid-fields">
        <Field label="Public address" error={errors['/publicUrl']} hint="Portal links in e-mails start with it. Empty: the server's configured address.">
          {(p) => <input {...p} type="url" value={form.publicUrl} placeholder="https://thirdwatch.example.com" onChange={(e) => set({ publicUrl: e.target.value })} />}
        </Field>
        {whole('invitationDays', 'Links valid for (days)')}
        {whole('sessionHours', 'Portal sessions last (hours)')}
        {whole('reminderDaysBefore', 'Reminder before the due date (days, 0: none)')}
        {whole('overdueEveryDays', 'Overdue reminders every (days)')}
      </div>
      <div className="form-actions">
        <SubmitButton busy={state.busy} label="Save portal settings" />
      </div>
    </form>
  );
}
