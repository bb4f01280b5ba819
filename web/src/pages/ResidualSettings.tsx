/**
 * Settings of the assessment side of the risk model: how residual risk weighs each term
 * (GET/PUT /api/v1/settings/residual-risk) and which questionnaire each tier's recurring review
 * sends, how early (GET/PUT /api/v1/settings/assessment-cadence).
 */
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api.js';
import { ErrorBanner, ErrorSummary, Field, Loading, SelectField, SubmitButton, useAsync } from '../components.js';
import type { TemplateSummary } from '../questionnaireTypes.js';
import { useSession } from '../session.js';
import { TIER_LABEL, TIERS, type Tier } from '../types.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

interface ResidualWeights {
  coverageReduction: number;
  remediationPoints: number;
  remediationMax: number;
  findingPoints: Record<(typeof SEVERITIES)[number], number>;
  findingsMax: number;
  staleEvidencePoints: number;
}

interface AssessmentCadence {
  leadDays: number;
  templates: Record<Tier, string | null>;
}

const FLAT = ['coverageReduction', 'remediationPoints', 'remediationMax', 'findingsMax', 'staleEvidencePoints'] as const;

const LABELS: Record<string, string> = {
  '/coverageReduction': 'Reduction at full control coverage',
  '/remediationPoints': 'Points per open remediation item',
  '/remediationMax': 'Most points from remediation items',
  ...Object.fromEntries(SEVERITIES.map((s) => [`/findingPoints/${s}`, `Points per open ${s} finding`])),
  '/findingsMax': 'Most points from findings',
  '/staleEvidencePoints': 'Points for stale evidence',
};

// An empty box is no number (Number('') would be 0 and pass).
const num = (text: string) => (text.trim() === '' ? NaN : Number(text));

export function ResidualSettings() {
  const weights = useAsync((signal) => api.get<ResidualWeights>('/api/v1/settings/residual-risk', undefined, signal), []);
  const cadence = useAsync((signal) => api.get<AssessmentCadence>('/api/v1/settings/assessment-cadence', undefined, signal), []);
  const templates = useAsync((signal) => api.get<{ items: TemplateSummary[] }>('/api/v1/assessments/templates', undefined, signal), []);
  const error = weights.error ?? cadence.error ?? templates.error;
  return (
    <>
      <ErrorBanner error={error} onRetry={() => (weights.reload(), cadence.reload(), templates.reload())} />
      {(!weights.data || !cadence.data || !templates.data) && !error && <Loading />}
      {weights.data && <WeightsForm weights={weights.data} onSaved={weights.setData} />}
      {cadence.data && templates.data && <CadenceForm cadence={cadence.data} templates={templates.data.items} onSaved={cadence.setData} />}
    </>
  );
}

function WeightsForm({ weights, onSaved }: { weights: ResidualWeights; onSaved: (w: ResidualWeights) => void }) {
  const { can } = useSession();
  const editable = can('settings:write');
  const toDraft = (w: ResidualWeights): Record<string, string> => ({
    ...Object.fromEntries(FLAT.map((k) => [k, String(w[k])])),
    ...Object.fromEntries(SEVERITIES.map((s) => [s, String(w.findingPoints[s])])),
  });
  const [draft, setDraft] = useState(() => toDraft(weights));
  const [state, setState] = useState<{ busy: boolean; error: unknown; saved: boolean }>({ busy: false, error: null, saved: false });
  const [local, setLocal] = useState<Record<string, string>>({});
  const body = (): ResidualWeights => ({
    ...(Object.fromEntries(FLAT.map((k) => [k, num(draft[k])])) as Pick<ResidualWeights, (typeof FLAT)[number]>),
    findingPoints: Object.fromEntries(SEVERITIES.map((s) => [s, num(draft[s])])) as ResidualWeights['findingPoints'],
  });
  const server = fieldErrors(state.error, Object.keys(LABELS));
  const errors = { ...server, ...local };
  delete errors[''];
  const general = state.error && !Object.keys(server).some((k) => k !== '') ? state.error : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = body();
    const problems: Record<string, string> = {};
    for (const k of FLAT) if (!(value[k] >= 0 && value[k] <= 100)) problems[`/${k}`] = 'must be a number from 0 to 100';
    for (const s of SEVERITIES) if (!(value.findingPoints[s] >= 0 && value.findingPoints[s] <= 100)) problems[`/findingPoints/${s}`] = 'must be a number from 0 to 100';
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setState({ busy: true, error: null, saved: false });
    try {
      const saved = await api.put<ResidualWeights>('/api/v1/settings/residual-risk', value);
      onSaved(saved);
      setDraft(toDraft(saved));
      setState({ busy: false, error: null, saved: true });
    } catch (error) {
      setState({ busy: false, error, saved: false });
    }
  };

  const box = (key: string, label: string, path: string, suffix: string) => (
    <Field label={label} error={errors[path]}>
      {(p) => (
        <span className="input-suffix">
          <input {...p} type="number" inputMode="decimal" step="any" min={0} max={100} value={draft[key]} disabled={!editable} onChange={(e) => (setDraft((d) => ({ ...d, [key]: e.target.value })), setState((s) => ({ ...s, saved: false })))} />
          <span className="muted">{suffix}</span>
        </span>
      )}
    </Field>
  );

  return (
    <form className="card residual-settings-form" onSubmit={submit} noValidate aria-label="Residual risk">
      <h2>Residual risk</h2>
      <p className="hint">
        A vendor’s residual score starts from its inherent score: assessed control coverage takes a share of it away; open remediation items, open findings on its products and
        evidence older than the tier’s review cadence add points back. Vendors show the new score as soon as this is saved.
      </p>
      <ErrorSummary errors={errors} labels={LABELS} />
      <ErrorBanner error={general} />
      {state.saved && (
        <p className="banner banner-ok" role="status">
          Residual-risk weights saved.
        </p>
      )}
      <div className="grid-fields grid-fields-4">
        {box('coverageReduction', LABELS['/coverageReduction'], '/coverageReduction', '%')}
        {box('remediationPoints', LABELS['/remediationPoints'], '/remediationPoints', 'points')}
        {box('remediationMax', LABELS['/remediationMax'], '/remediationMax', 'points')}
        {box('staleEvidencePoints', LABELS['/staleEvidencePoints'], '/staleEvidencePoints', 'points')}
      </div>
      <div className="grid-fields grid-fields-4">
        {SEVERITIES.map((s) => (
          <div key={s}>{box(s, LABELS[`/findingPoints/${s}`], `/findingPoints/${s}`, 'points')}</div>
        ))}
      </div>
      <div className="grid-fields grid-fields-4">{box('findingsMax', LABELS['/findingsMax'], '/findingsMax', 'points')}</div>
      {editable ? (
        <div className="form-actions">
          <SubmitButton busy={state.busy} label="Save residual-risk weights" />
        </div>
      ) : (
        <p className="muted">Your role can read these weights but not change them.</p>
      )}
    </form>
  );
}

function CadenceForm({ cadence, templates, onSaved }: { cadence: AssessmentCadence; templates: TemplateSummary[]; onSaved: (c: AssessmentCadence) => void }) {
  const { can } = useSession();
  const editable = can('settings:write');
  // The setting holds a template's id or a shipped template's key; the select shows the template either way.
  const reference = (t: TemplateSummary) => t.key ?? t.id;
  const selected = (stored: string | null) => {
    const match = templates.find((t) => t.id === stored || t.key === stored);
    return match ? reference(match) : (stored ?? '');
  };
  const [leadDays, setLeadDays] = useState(String(cadence.leadDays));
  const [picks, setPicks] = useState<Record<Tier, string>>(() => Object.fromEntries(TIERS.map((t) => [t, selected(cadence.templates[t])])) as Record<Tier, string>);
  const [state, setState] = useState<{ busy: boolean; error: unknown; saved: boolean }>({ busy: false, error: null, saved: false });
  const errors = fieldErrors(state.error, ['/leadDays', ...TIERS.map((t) => `/templates/${t}`)]);
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;
  const options = templates.map((t) => [reference(t), `${t.name} (v${t.version})`] as [string, string]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null, saved: false });
    try {
      const saved = await api.put<AssessmentCadence>('/api/v1/settings/assessment-cadence', {
        leadDays: num(leadDays),
        templates: Object.fromEntries(TIERS.map((t) => [t, picks[t] || null])),
      });
      onSaved(saved);
      setState({ busy: false, error: null, saved: true });
    } catch (error) {
      setState({ busy: false, error, saved: false });
    }
  };

  return (
    <form className="card residual-settings-form" onSubmit={submit} noValidate aria-label="Recurring assessments">
      <h2>Recurring assessments</h2>
      <p className="hint">When a vendor’s next review comes within the lead time, a draft assessment of its tier’s questionnaire is created for an analyst to send.</p>
      <ErrorBanner error={general} />
      {state.saved && (
        <p className="banner banner-ok" role="status">
          Assessment cadence saved.
        </p>
      )}
      <div className="grid-fields grid-fields-4">
        <Field label="Lead time" error={errors['/leadDays']}>
          {(p) => (
            <span className="input-suffix">
              <input {...p} type="number" inputMode="numeric" step="1" min={0} max={365} value={leadDays} disabled={!editable} onChange={(e) => (setLeadDays(e.target.value), setState((s) => ({ ...s, saved: false })))} />
              <span className="muted">days</span>
            </span>
          )}
        </Field>
      </div>
      <div className="grid-fields grid-fields-4">
        {TIERS.map((t) => (
          <SelectField
            key={t}
            label={`${t} (${TIER_LABEL[t].toLowerCase()})`}
            value={picks[t]}
            options={options}
            placeholder="No automatic assessment"
            error={errors[`/templates/${t}`]}
            disabled={!editable}
            onChange={(value) => (setPicks((p) => ({ ...p, [t]: value })), setState((s) => ({ ...s, saved: false })))}
          />
        ))}
      </div>
      {editable && (
        <div className="form-actions">
          <SubmitButton busy={state.busy} label="Save cadence" />
        </div>
      )}
    </form>
  );
}
