/**
 * The incident clocks' settings: SLA targets per severity (GET/PUT /api/v1/settings/incident-sla)
 * and which regulatory clocks apply (GET/PUT /api/v1/settings/incident-regulation). Open incidents'
 * clocks move as soon as either is saved. A refused value is shown under its own box (the
 * problem+json field of the error).
 */
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api.js';
import { ErrorBanner, ErrorSummary, Field, Loading, SubmitButton, useAsync } from '../components.js';
import { useSession } from '../session.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
type Severity = (typeof SEVERITIES)[number];
const TARGETS = [
  ['acknowledgeMinutes', 'Acknowledge'],
  ['containMinutes', 'Contain'],
  ['resolveMinutes', 'Resolve'],
] as const;
type Target = (typeof TARGETS)[number][0];
type SlaSettings = Record<Severity, Record<Target, number | null>>;

interface RegulationSettings {
  gdpr: { enabled: boolean; personalDataCategories: string[] };
  nis2: { enabled: boolean; significantSeverities: Severity[] };
  dora: { enabled: boolean; majorSeverities: Severity[]; ictProviderVendorIds: string[] };
}

const SLA_LABELS: Record<string, string> = Object.fromEntries(SEVERITIES.flatMap((s) => TARGETS.map(([t, label]) => [`/${s}/${t}`, `${label} (${s})`])));
const REGULATION_LABELS: Record<string, string> = {
  '/gdpr/personalDataCategories': 'Personal data categories',
  '/nis2/significantSeverities': 'NIS2 significant severities',
  '/dora/majorSeverities': 'DORA major severities',
};

export function IncidentClockSettings() {
  const sla = useAsync((signal) => api.get<SlaSettings>('/api/v1/settings/incident-sla', undefined, signal), []);
  const regulation = useAsync((signal) => api.get<RegulationSettings>('/api/v1/settings/incident-regulation', undefined, signal), []);
  const error = sla.error ?? regulation.error;
  return (
    <>
      <ErrorBanner error={error} onRetry={() => (sla.reload(), regulation.reload())} />
      {(!sla.data || !regulation.data) && !error && <Loading />}
      {sla.data && <SlaForm sla={sla.data} onSaved={sla.setData} />}
      {regulation.data && <RegulationForm regulation={regulation.data} onSaved={regulation.setData} />}
    </>
  );
}

/** Saving a settings document: busy, the server's error, saved. */
function useSave<T>(path: string, onSaved: (value: T) => void) {
  const [state, setState] = useState<{ busy: boolean; error: unknown; saved: boolean }>({ busy: false, error: null, saved: false });
  const save = async (value: T): Promise<T | null> => {
    setState({ busy: true, error: null, saved: false });
    try {
      const saved = await api.put<T>(path, value);
      onSaved(saved);
      setState({ busy: false, error: null, saved: true });
      return saved;
    } catch (error) {
      setState({ busy: false, error, saved: false });
      return null;
    }
  };
  const edited = () => setState((s) => ({ ...s, saved: false }));
  return { state, save, edited };
}

function SlaForm({ sla, onSaved }: { sla: SlaSettings; onSaved: (s: SlaSettings) => void }) {
  const { can } = useSession();
  const editable = can('settings:write');
  const toDraft = (s: SlaSettings) => Object.fromEntries(SEVERITIES.flatMap((sev) => TARGETS.map(([t]) => [`${sev}.${t}`, s[sev][t] === null ? '' : String(s[sev][t])])));
  const [draft, setDraft] = useState<Record<string, string>>(() => toDraft(sla));
  const { state, save, edited } = useSave<SlaSettings>('/api/v1/settings/incident-sla', onSaved);
  const errors = fieldErrors(state.error, Object.keys(SLA_LABELS));
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;
  delete errors[''];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // An empty box is no clock (null); anything else goes to the server as typed, which says what is wrong with it.
    const value = Object.fromEntries(
      SEVERITIES.map((sev) => [sev, Object.fromEntries(TARGETS.map(([t]) => [t, draft[`${sev}.${t}`].trim() === '' ? null : Number(draft[`${sev}.${t}`])]))]),
    ) as SlaSettings;
    const saved = await save(value);
    if (saved) setDraft(toDraft(saved));
  };

  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Incident SLA targets">
      <h2>Incident SLA targets</h2>
      <p className="hint">Minutes from an incident’s creation to its acknowledgement, containment and resolution, per severity. Leave a box empty for no clock. Open incidents’ clocks move when this is saved.</p>
      <ErrorSummary errors={errors} labels={SLA_LABELS} />
      <ErrorBanner error={general} />
      {state.saved && (
        <p className="banner banner-ok" role="status">
          SLA targets saved.
        </p>
      )}
      {SEVERITIES.map((sev) => (
        <div key={sev} className="grid-fields grid-fields-4">
          {TARGETS.map(([t]) => (
            <Field key={t} label={SLA_LABELS[`/${sev}/${t}`]} error={errors[`/${sev}/${t}`]}>
              {(p) => (
                <span className="input-suffix">
                  <input
                    {...p}
                    type="number"
                    inputMode="numeric"
                    min={1}
                    step={1}
                    value={draft[`${sev}.${t}`]}
                    disabled={!editable}
                    onChange={(e) => (setDraft((d) => ({ ...d, [`${sev}.${t}`]: e.target.value })), edited())}
                  />
                  <span className="muted">min</span>
                </span>
              )}
            </Field>
          ))}
        </div>
      ))}
      {editable ? (
        <div className="form-actions">
          <SubmitButton busy={state.busy} label="Save SLA targets" />
        </div>
      ) : (
        <p className="muted">Your role can read these targets but not change them.</p>
      )}
    </form>
  );
}

function RegulationForm({ regulation, onSaved }: { regulation: RegulationSettings; onSaved: (r: RegulationSettings) => void }) {
  const { can } = useSession();
  const editable = can('settings:write');
  const [draft, setDraft] = useState(() => ({ ...regulation, categories: regulation.gdpr.personalDataCategories.join(', ') }));
  const { state, save, edited } = useSave<RegulationSettings>('/api/v1/settings/incident-regulation', onSaved);
  const errors = fieldErrors(state.error, Object.keys(REGULATION_LABELS));
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;
  delete errors[''];
  const change = (next: Partial<typeof draft>) => (setDraft((d) => ({ ...d, ...next })), edited());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const categories = draft.categories.split(',').map((c) => c.trim()).filter(Boolean);
    await save({ gdpr: { ...draft.gdpr, personalDataCategories: categories }, nis2: draft.nis2, dora: draft.dora });
  };

  const severities = (label: string, path: string, chosen: Severity[], set: (s: Severity[]) => void) => (
    <Field label={label} error={errors[path]}>
      {() => (
        <span className="actions">
          {SEVERITIES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={chosen.includes(s)} disabled={!editable} onChange={(e) => set(e.target.checked ? [...chosen, s] : chosen.filter((x) => x !== s))} /> {s}
            </label>
          ))}
        </span>
      )}
    </Field>
  );

  const enabled = (label: string, value: boolean, set: (v: boolean) => void) => (
    <label className="check">
      <input type="checkbox" checked={value} disabled={!editable} onChange={(e) => set(e.target.checked)} /> {label}
    </label>
  );

  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Regulatory clocks">
      <h2>Regulatory clocks</h2>
      <p className="hint">Which reporting duties start a clock: GDPR (72 hours when personal data is affected), NIS2 (24 h early warning, 72 h notification, one month final report) and DORA (for ICT providers in scope).</p>
      <ErrorSummary errors={errors} labels={REGULATION_LABELS} />
      <ErrorBanner error={general} />
      {state.saved && (
        <p className="banner banner-ok" role="status">
          Regulatory clocks saved.
        </p>
      )}
      {enabled('GDPR 72-hour clock', draft.gdpr.enabled, (v) => change({ gdpr: { ...draft.gdpr, enabled: v } }))}
      <Field label={REGULATION_LABELS['/gdpr/personalDataCategories']} error={errors['/gdpr/personalDataCategories']} hint="Impact data categories that are personal data, separated by commas.">
        {(p) => <input {...p} value={draft.categories} disabled={!editable} onChange={(e) => change({ categories: e.target.value })} />}
      </Field>
      {enabled('NIS2 clocks', draft.nis2.enabled, (v) => change({ nis2: { ...draft.nis2, enabled: v } }))}
      {severities(REGULATION_LABELS['/nis2/significantSeverities'], '/nis2/significantSeverities', draft.nis2.significantSeverities, (s) => change({ nis2: { ...draft.nis2, significantSeverities: s } }))}
      {enabled('DORA clocks', draft.dora.enabled, (v) => change({ dora: { ...draft.dora, enabled: v } }))}
      {severities(REGULATION_LABELS['/dora/majorSeverities'], '/dora/majorSeverities', draft.dora.majorSeverities, (s) => change({ dora: { ...draft.dora, majorSeverities: s } }))}
      {editable && (
        <div className="form-actions">
          <SubmitButton busy={state.busy} label="Save regulatory clocks" />
        </div>
      )}
    </form>
  );
}
