import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, fieldErrors } from '../api.js';
import { ErrorBanner, ErrorSummary, Field, Loading, SubmitButton, useAsync, useDocumentTitle } from '../components.js';
import { FACTOR_COLOR } from '../risk.js';
import { useSession } from '../session.js';
import { MailSettings } from './MailSettings.js';
import { IncidentClockSettings } from './IncidentClockSettings.js';
import { ResidualSettings } from './ResidualSettings.js';
import { SettingsNav } from './NotificationSettings.js';
import { FACTOR_LABEL, FACTORS, TIER_LABEL, TIERS, type RiskModel } from '../types.js';

type Draft = { weights: Record<string, string>; tierThresholds: Record<string, string>; reviewCadenceDays: Record<string, string> };

const toDraft = (m: RiskModel): Draft => ({
  weights: Object.fromEntries(FACTORS.map((f) => [f, String(m.weights[f])])),
  tierThresholds: { T1: String(m.tierThresholds.T1), T2: String(m.tierThresholds.T2), T3: String(m.tierThresholds.T3) },
  reviewCadenceDays: Object.fromEntries(TIERS.map((t) => [t, String(m.reviewCadenceDays[t])])),
});

// An empty box is no number (Number('') would be 0 and pass as a threshold or weight).
const num = (text: string) => (text.trim() === '' ? NaN : Number(text));
const toModel = (d: Draft): RiskModel => ({
  weights: Object.fromEntries(FACTORS.map((f) => [f, num(d.weights[f])])) as RiskModel['weights'],
  tierThresholds: { T1: num(d.tierThresholds.T1), T2: num(d.tierThresholds.T2), T3: num(d.tierThresholds.T3) },
  reviewCadenceDays: Object.fromEntries(TIERS.map((t) => [t, Number(d.reviewCadenceDays[t])])) as RiskModel['reviewCadenceDays'],
});

const LABELS: Record<string, string> = {
  '/weights': 'Weights',
  ...Object.fromEntries(FACTORS.map((f) => [`/weights/${f}`, `Weight of ${FACTOR_LABEL[f].toLowerCase()}`])),
  '/tierThresholds': 'Tier thresholds',
  ...Object.fromEntries(['T1', 'T2', 'T3'].map((t) => [`/tierThresholds/${t}`, `${t} threshold`])),
  '/reviewCadenceDays': 'Review cadence',
  ...Object.fromEntries(TIERS.map((t) => [`/reviewCadenceDays/${t}`, `${t} review cadence`])),
};

/** "15 too many", "5 short": how far the weights are from 100. */
function weightGap(sum: number): string {
  const gap = Math.round((sum - 100) * 100) / 100;
  return gap > 0 ? `${gap} too many` : `${-gap} short`;
}

function validate(m: RiskModel): Record<string, string> {
  const e: Record<string, string> = {};
  for (const f of FACTORS) if (!(Number.isFinite(m.weights[f]) && m.weights[f] >= 0 && m.weights[f] <= 100)) e[`/weights/${f}`] = 'must be a number from 0 to 100';
  const sum = FACTORS.reduce((s, f) => s + (m.weights[f] || 0), 0);
  if (Math.abs(sum - 100) > 1e-9 && !Object.keys(e).length) e['/weights'] = `must add up to 100 (${weightGap(sum)})`;
  // As the server does: each broken step of 100 ≥ T1 > T2 > T3 > 0 is named on the threshold that breaks it.
  const { T1, T2, T3 } = m.tierThresholds;
  for (const t of ['T1', 'T2', 'T3'] as const) if (!Number.isFinite(m.tierThresholds[t])) e[`/tierThresholds/${t}`] = 'must be a number';
  if (!e['/tierThresholds/T1'] && !(T1 <= 100)) e['/tierThresholds/T1'] = 'must be at most 100';
  if (!e['/tierThresholds/T2'] && !(T2 < T1)) e['/tierThresholds/T2'] = `must be below the T1 threshold (${T1})`;
  if (!e['/tierThresholds/T3'] && !(T3 < T2)) e['/tierThresholds/T3'] = `must be below the T2 threshold (${T2})`;
  else if (!e['/tierThresholds/T3'] && !(T3 > 0)) e['/tierThresholds/T3'] = 'must be above 0';
  for (const t of TIERS) if (!(Number.isInteger(m.reviewCadenceDays[t]) && m.reviewCadenceDays[t] >= 1)) e[`/reviewCadenceDays/${t}`] = 'must be a whole number of days, at least 1';
  return e;
}

export function SettingsPage() {
  useDocumentTitle('Risk model');
  const { can } = useSession();
  const model = useAsync<RiskModel>((signal) => api.get('/api/v1/settings/risk-model', undefined, signal), []);
  return (
    <div className="page">
      {can('settings:write') && <SettingsNav current="general" />}
      <div className="page-head">
        <div>
          <h1>Risk model</h1>
          <p className="muted">How the inherent risk score is weighted, where tiers begin, how often each tier is reviewed, and how assessments turn it into residual risk.</p>
        </div>
      </div>
      <ErrorBanner error={model.error} onRetry={model.reload} />
      {!model.data && model.loading && <Loading />}
      {model.data && <ModelForm model={model.data} onSaved={model.setData} />}
      <ResidualSettings />
      <IncidentClockSettings />
      {can('settings:write') && <MailSettings />}
    </div>
  );
}

function ModelForm({ model, onSaved }: { model: RiskModel; onSaved: (m: RiskModel) => void }) {
  const { can } = useSession();
  const editable = can('settings:write');
  const [draft, setDraft] = useState<Draft>(() => toDraft(model));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const current = toModel(draft);
  const sum = FACTORS.reduce((s, f) => s + (current.weights[f] || 0), 0);

  const set = (group: keyof Draft, key: string, value: string) => {
    setSaved(false);
    setDraft((d) => ({ ...d, [group]: { ...d[group], [key]: value } }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const local = validate(current);
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const result = await api.put<RiskModel>('/api/v1/settings/risk-model', current);
      onSaved(result);
      setSaved(true);
    } catch (e) {
      const mapped = fieldErrors(e, Object.keys(LABELS), current);
      const general = mapped[''];
      delete mapped[''];
      setErrors(mapped);
      if (general || !(e instanceof ApiError) || !Object.keys(mapped).length) setFailure(general ? new Error(general) : e);
    } finally {
      setBusy(false);
    }
  };

  const number = (group: keyof Draft, key: string, label: ReactNode, extra: { step?: string; suffix?: string } = {}) => (
    <Field label={label} error={errors[`/${group}/${key}`]}>
      {(p) => (
        <span className="input-suffix">
          <input {...p} type="number" inputMode="decimal" step={extra.step ?? 'any'} min={0} value={draft[group][key]} disabled={!editable} onChange={(e) => set(group, key, e.target.value)} />
          {extra.suffix && <span className="muted">{extra.suffix}</span>}
        </span>
      )}
    </Field>
  );

  return (
    <form onSubmit={submit} noValidate aria-label="Risk model">
      <ErrorSummary errors={errors} labels={LABELS} />
      <ErrorBanner error={failure} />
      <div aria-live="polite">
        {saved && (
          <p className="banner banner-ok" role="status">
            Saved. Every vendor is being rescored in the background.
          </p>
        )}
      </div>
      <fieldset className="card">
        <legend>Weights</legend>
        <p className="hint">Each factor’s weight is the most points it can add. Weights must add up to 100 so scores stay on a 0–100 scale.</p>
        <div className="weights-bar" aria-hidden="true">
          {FACTORS.map((f) => (
            <span key={f} style={{ width: `${Math.max(0, current.weights[f] || 0)}%`, background: FACTOR_COLOR[f] }} />
          ))}
        </div>
        <div className="grid-fields grid-fields-4">
          {FACTORS.map((f) => (
            <div key={f}>
              {number(
                'weights',
                f,
                <>
                  <span className="swatch" style={{ background: FACTOR_COLOR[f] }} aria-hidden="true" />
                  {FACTOR_LABEL[f]}
                </>,
              )}
            </div>
          ))}
        </div>
        <p className={`weights-sum${Math.abs(sum - 100) > 1e-9 ? ' bad' : ''}`} aria-live="polite">
          Total: <strong>{Math.round(sum * 100) / 100}</strong> of 100{Math.abs(sum - 100) > 1e-9 ? ` (${weightGap(sum)})` : ''}
        </p>
      </fieldset>
      <fieldset className="card">
        <legend>Tier thresholds</legend>
        <p className="hint">The lowest score of each tier; anything below the T3 threshold is T4.</p>
        <div className="grid-fields grid-fields-4">{(['T1', 'T2', 'T3'] as const).map((t) => number('tierThresholds', t, `${t} (${TIER_LABEL[t].toLowerCase()}) from`))}</div>
      </fieldset>
      <fieldset className="card">
        <legend>Review cadence</legend>
        <div className="grid-fields grid-fields-4">{TIERS.map((t) => number('reviewCadenceDays', t, `${t} (${TIER_LABEL[t].toLowerCase()})`, { step: '1', suffix: 'days' }))}</div>
      </fieldset>
      {editable ? (
        <div className="form-actions">
          <SubmitButton busy={busy} label="Save and rescore" />
          <button type="button" className="btn" onClick={() => { setDraft(toDraft(model)); setErrors({}); }}>
            Reset
          </button>
        </div>
      ) : (
        <p className="muted">Your role can read the risk model but not change it.</p>
      )}
    </form>
  );
}
