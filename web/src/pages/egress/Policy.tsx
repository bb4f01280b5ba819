/**
 * The proxy policy (/egress/policy): what the ICAP service does with requests leaving through Squid
 * (GET/PUT /api/v1/icap/policy), the organisation's custom personal-data patterns
 * (GET/PUT /api/v1/pii/patterns), and "test a sample" through the same engine (POST /api/v1/pii/scan).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../../api.js';
import { CheckboxGroup, ErrorBanner, Field, Loading, SelectField, SubmitButton, useAsync, useDocumentTitle } from '../../components.js';
import { formatDateTime } from '../../format.js';
import { DataTable, useVendorOptions } from '../../lists.js';
import { useSession } from '../../session.js';
import { EgressNav } from './EgressNav.js';
import { DETECTION_LABEL, DETECTION_TYPES, detectionLabel, type Confidence, type Detection, type DetectionType } from './egressTypes.js';

export interface VendorAllowance {
  vendorId: string;
  types: DetectionType[];
  note?: string;
}

export interface IcapPolicy {
  mode: 'enforce' | 'record';
  blockClasses: DetectionType[];
  minTier: Confidence;
  bulk: { types: DetectionType[]; threshold: number };
  destinations: Array<'unknown' | 'unsanctioned'>;
  blockIndicatorDestinations: boolean;
  allowances: VendorAllowance[];
  scanBytes: number;
}

/** GET/PUT /api/v1/icap/policy. */
export interface PolicyView {
  /** 0: the shipped default, never saved. */
  version: number;
  istag: string;
  policy: IcapPolicy;
  note: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

const TIER_OPTIONS = [
  ['high', 'High'],
  ['medium', 'Medium or high'],
  ['low', 'Any (low, medium or high)'],
] as const;
const DESTINATION_OPTIONS = ['unknown', 'unsanctioned'] as const;
const DESTINATION_LABEL = { unknown: 'Unknown: no vendor attributed', unsanctioned: 'Unsanctioned: the vendor is not approved for the data' };

export function PolicyPage() {
  useDocumentTitle('Proxy policy');
  const { can } = useSession();
  const writable = can('egress:write');
  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Proxy policy</h1>
          <p className="muted">
            What Thirdwatch's ICAP service (<code>icap://HOST:1344/reqmod</code>) tells Squid to do with requests leaving the organisation. Every decision is recorded as an egress event.
          </p>
        </div>
      </div>
      <EgressNav />
      <div className="banner banner-info egress-ssl-note" role="note">
        <strong>HTTPS bodies are visible only with ssl_bump.</strong> Without TLS interception Squid hands the ICAP service a CONNECT to the destination and nothing more: the destination and indicator rules still apply, but personal data in HTTPS request bodies is neither seen nor blocked.
        Decrypting needs Debian's <code>squid-openssl</code> with <code>ssl_bump</code> and a CA your clients trust; see <code>docs/icap.md</code>.
      </div>
      <div className="egress-policy-layout">
        <PolicyForm writable={writable} />
        <div className="egress-policy-side">
          <SampleTester />
          <PatternsEditor writable={writable} />
        </div>
      </div>
    </div>
  );
}

function PolicyForm({ writable }: { writable: boolean }) {
  const view = useAsync((signal) => api.get<PolicyView>('/api/v1/icap/policy', undefined, signal), []);
  const vendors = useVendorOptions();
  const [draft, setDraft] = useState<IcapPolicy | null>(null);
  const [note, setNote] = useState('');
  const [state, setState] = useState<{ busy: boolean; error: unknown; saved: number | null }>({ busy: false, error: null, saved: null });
  useEffect(() => {
    if (view.data) setDraft(view.data.policy);
  }, [view.data]);

  if (!draft || !view.data) {
    return (
      <section className="card">
        <ErrorBanner error={view.error} onRetry={view.reload} />
        {!view.error && <Loading label="Loading the policy…" />}
      </section>
    );
  }
  const current = view.data;
  const errors = fieldErrors(state.error, ['/policy/mode', '/policy/blockClasses', '/policy/minTier', '/policy/bulk', '/policy/destinations', '/policy/blockIndicatorDestinations', '/policy/allowances', '/policy/scanBytes', '/note']);
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;
  const set = (change: Partial<IcapPolicy>) => setDraft({ ...draft, ...change });
  const vendorName = (id: string) => vendors.find((v) => v.id === id)?.name ?? id;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null, saved: null });
    try {
      const saved = await api.put<PolicyView>('/api/v1/icap/policy', { policy: draft, expectedVersion: current.version, ...(note.trim() ? { note: note.trim() } : {}) });
      view.setData(saved);
      setNote('');
      setState({ busy: false, error: null, saved: saved.version });
    } catch (error) {
      setState({ busy: false, error, saved: null });
    }
  };

  return (
    <form className="card egress-policy-form" onSubmit={submit} noValidate aria-label="Proxy policy">
      <div className="card-head">
        <h2>Policy</h2>
        <span className="muted small" title={`ISTag ${current.istag}`}>
          {current.version === 0 ? 'the shipped default' : `version ${current.version}`}
          {current.updatedAt && ` · ${formatDateTime(current.updatedAt)}${current.updatedBy ? ` by ${current.updatedBy}` : ''}`}
        </span>
      </div>
      {current.note && <p className="small muted">“{current.note}”</p>}
      <ErrorBanner error={general} />
      {state.saved !== null && (
        <p className="banner banner-ok" role="status">
          Saved as version {state.saved}. Squid picks it up with its next OPTIONS request (the ISTag changed).
        </p>
      )}
      <fieldset className="egress-policy-fields" disabled={!writable}>
        <fieldset className="egress-mode">
          <legend>Mode</legend>
          <label className="check">
            <input type="radio" name="mode" value="enforce" checked={draft.mode === 'enforce'} onChange={() => set({ mode: 'enforce' })} /> Enforce: block what the rules below catch, with a page saying why
          </label>
          <label className="check">
            <input type="radio" name="mode" value="record" checked={draft.mode === 'record'} onChange={() => set({ mode: 'record' })} /> Record only: block nothing, record what would have been blocked
          </label>
          {errors['/policy/mode'] && <p className="field-error">{errors['/policy/mode']}</p>}
        </fieldset>
        <CheckboxGroup
          legend="The data rules apply to destinations that are"
          name="destinations"
          options={DESTINATION_OPTIONS}
          labels={DESTINATION_LABEL}
          value={draft.destinations}
          onChange={(destinations) => set({ destinations })}
          error={errors['/policy/destinations']}
        />
        <CheckboxGroup
          legend="Block requests carrying any of these data classes"
          name="blockClasses"
          options={DETECTION_TYPES}
          labels={DETECTION_LABEL}
          value={draft.blockClasses}
          onChange={(blockClasses) => set({ blockClasses })}
          error={errors['/policy/blockClasses']}
        />
        <div className="egress-policy-row">
          <SelectField label="Confidence that blocks" value={draft.minTier} onChange={(minTier) => set({ minTier: minTier as Confidence })} options={TIER_OPTIONS} error={errors['/policy/minTier']} hint="Of a detection of the classes above." />
          <Field label="Bulk threshold" error={errors['/policy/bulk']} hint="Block a request carrying this many of the bulk classes below (medium confidence or higher).">
            {(p) => <input {...p} type="number" min={1} step={1} value={draft.bulk.threshold} onChange={(e) => set({ bulk: { ...draft.bulk, threshold: Number(e.target.value) } })} />}
          </Field>
        </div>
        <CheckboxGroup
          legend="Bulk classes (counted together)"
          name="bulkTypes"
          options={DETECTION_TYPES}
          labels={DETECTION_LABEL}
          value={draft.bulk.types}
          onChange={(types) => set({ bulk: { ...draft.bulk, types } })}
        />
        <label className="check">
          <input type="checkbox" checked={draft.blockIndicatorDestinations} onChange={(e) => set({ blockIndicatorDestinations: e.target.checked })} /> Block every request to indicator destinations (live threat-intel domains, URLs and IPs, and the egress blocklist)
        </label>
        <div className="egress-policy-row">
          <Field label="Body bytes scanned (KiB)" error={errors['/policy/scanBytes']} hint="Per request; the rest passes unscanned.">
            {(p) => <input {...p} type="number" min={1} max={16384} step={1} value={Math.round(draft.scanBytes / 1024)} onChange={(e) => set({ scanBytes: Number(e.target.value) * 1024 })} />}
          </Field>
        </div>
        <h3 className="egress-policy-sub">Per-vendor allowances</h3>
        <p className="muted small">A vendor allowed a data class receives it whatever its approved data categories say.</p>
        {errors['/policy/allowances'] && <p className="field-error">{errors['/policy/allowances']}</p>}
        {draft.allowances.length > 0 && (
          <DataTable
            rows={draft.allowances}
            rowKey={(a) => a.vendorId}
            caption="Per-vendor allowances"
            testId="allowances"
            columns={[
              { header: 'Vendor', rowHeader: true, cell: (a) => vendorName(a.vendorId) },
              { header: 'Allowed', cell: (a) => a.types.map(detectionLabel).join(', ') },
              writable && {
                header: <span className="sr-only">Actions</span>,
                cell: (a) => (
                  <button type="button" className="btn btn-small" aria-label={`Remove the allowance of ${vendorName(a.vendorId)}`} onClick={() => set({ allowances: draft.allowances.filter((x) => x.vendorId !== a.vendorId) })}>
                    Remove
                  </button>
                ),
              },
            ]}
          />
        )}
        {writable && (
          <AllowanceAdder
            vendors={vendors.filter((v) => !draft.allowances.some((a) => a.vendorId === v.id))}
            onAdd={(allowance) => set({ allowances: [...draft.allowances, allowance] })}
          />
        )}
        {writable && (
          <Field label="Why this change" error={errors['/note']} hint="Kept with the version.">
            {(p) => <input {...p} value={note} onChange={(e) => setNote(e.target.value)} />}
          </Field>
        )}
      </fieldset>
      {writable && (
        <div className="form-actions">
          <SubmitButton busy={state.busy} label="Save policy" />
        </div>
      )}
    </form>
  );
}

function AllowanceAdder({ vendors, onAdd }: { vendors: Array<{ id: string; name: string }>; onAdd: (allowance: VendorAllowance) => void }) {
  const [vendorId, setVendorId] = useState('');
  const [classes, setClasses] = useState<DetectionType[]>([]);
  return (
    <div className="egress-allowance-add">
      <SelectField label="Vendor" value={vendorId} onChange={setVendorId} options={vendors.map((v) => [v.id, v.name] as const)} placeholder="Choose a vendor" />
      <CheckboxGroup legend="Allowed data classes" options={DETECTION_TYPES} labels={DETECTION_LABEL} value={classes} onChange={setClasses} />
      <button
        type="button"
        className="btn"
        disabled={!vendorId || !classes.length}
        onClick={() => {
          onAdd({ vendorId, types: classes });
          setVendorId('');
          setClasses([]);
        }}
      >
        Add allowance
      </button>
    </div>
  );
}

interface ScanAnswer {
  detections: Detection[];
  scannedBytes: number;
  truncated: boolean;
  format: string;
  error: string | null;
}

const SAMPLE_TYPES = [
  ['application/json', 'JSON'],
  ['application/x-www-form-urlencoded', 'Form (URL-encoded)'],
  ['text/plain', 'Plain text'],
] as const;

/** Runs a pasted body through the detection engine with the organisation's patterns; nothing is stored. */
function SampleTester() {
  const [text, setText] = useState('');
  const [contentType, setContentType] = useState<string>('application/json');
  const [state, setState] = useState<{ busy: boolean; error: unknown; answer: ScanAnswer | null }>({ busy: false, error: null, answer: null });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null, answer: null });
    try {
      const bytes = new TextEncoder().encode(text);
      let binary = '';
      for (const byte of bytes) binary += String.fromCharCode(byte);
      const body = btoa(binary);
      const answer = await api.post<ScanAnswer>('/api/v1/pii/scan', { body, contentType });
      setState({ busy: false, error: null, answer });
    } catch (error) {
      setState({ busy: false, error, answer: null });
    }
  };

  const answer = state.answer;
  return (
    <form className="card egress-sample" onSubmit={submit} noValidate aria-label="Test a sample">
      <h2>Test a sample</h2>
      <p className="muted small">Paste a request body: the engine the proxy uses finds what it carries. The sample is not stored; only redacted previews come back.</p>
      <SelectField label="Body type" value={contentType} onChange={setContentType} options={SAMPLE_TYPES} />
      <Field label="Body">
        {(p) => <textarea {...p} rows={7} className="egress-sample-text" value={text} onChange={(e) => setText(e.target.value)} placeholder='{"customer": {"email": "ana@example.com", "card": "4111 1111 1111 1111"}}' />}
      </Field>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={state.busy || !text.trim()}>
          {state.busy ? 'Scanning…' : 'Scan'}
        </button>
      </div>
      <ErrorBanner error={state.error} />
      {answer && (
        <div role="status" className="egress-sample-result">
          {answer.error && <p className="banner banner-error">{answer.error}</p>}
          <p className="small muted">
            {answer.detections.length === 0 ? 'Nothing found' : `${answer.detections.length} found`} in {answer.scannedBytes} bytes read as {answer.format}
            {answer.truncated && ' (cut at the scanning limit)'}.
          </p>
          {answer.detections.length > 0 && (
            <DataTable
              rows={answer.detections}
              rowKey={(d, i) => `${d.offset}-${i}`}
              caption="Detections in the sample"
              testId="detections"
              columns={[
                { header: 'Type', rowHeader: true, cell: (d) => `${detectionLabel(d.type)}${d.subtype ? ` (${d.subtype})` : ''}` },
                { header: 'Preview', cell: (d) => <code className="nowrap">{d.preview}</code> },
                { header: 'Field', cell: (d) => (d.field ? <code>{d.field}</code> : '—') },
                { header: 'Confidence', cell: (d) => <span className={`tag egress-tier-${d.tier}`} title={`${Math.round(d.confidence * 100)}%`}>{d.tier}</span> },
              ]}
            />
          )}
        </div>
      )}
    </form>
  );
}

interface CustomPattern {
  name: string;
  pattern: string;
  caseInsensitive?: boolean;
  confidence?: number;
  description?: string;
}

/** The organisation's own patterns (employee numbers, customer ids…), detected as type "custom". */
function PatternsEditor({ writable }: { writable: boolean }) {
  const patterns = useAsync((signal) => api.get<{ patterns: CustomPattern[] }>('/api/v1/pii/patterns', undefined, signal), []);
  const [draft, setDraft] = useState<CustomPattern[] | null>(null);
  const [state, setState] = useState<{ busy: boolean; error: unknown; saved: boolean }>({ busy: false, error: null, saved: false });
  useEffect(() => {
    if (patterns.data) setDraft(patterns.data.patterns);
  }, [patterns.data]);
  if (!draft) {
    return (
      <section className="card">
        <ErrorBanner error={patterns.error} onRetry={patterns.reload} />
        {!patterns.error && <Loading label="Loading patterns…" />}
      </section>
    );
  }
  const keys = draft.flatMap((_, i) => [`/patterns/${i}/name`, `/patterns/${i}/pattern`, `/patterns/${i}/confidence`, `/patterns/${i}`]);
  const errors = fieldErrors(state.error, ['/patterns', ...keys]);
  const general = state.error && !Object.keys(errors).some((k) => k !== '') ? state.error : null;
  const update = (index: number, change: Partial<CustomPattern>) => setDraft(draft.map((p, i) => (i === index ? { ...p, ...change } : p)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null, saved: false });
    try {
      const saved = await api.put<{ patterns: CustomPattern[] }>('/api/v1/pii/patterns', { patterns: draft });
      patterns.setData(saved);
      setState({ busy: false, error: null, saved: true });
    } catch (error) {
      setState({ busy: false, error, saved: false });
    }
  };

  return (
    <form className="card egress-patterns" onSubmit={submit} noValidate aria-label="Custom patterns">
      <h2>Custom patterns</h2>
      <p className="muted small">
        Regular expressions for the organisation's own identifiers, detected as type Custom, in a linear-time subset: literals, escapes (\d \w \b…), classes, bounded repetition ({'{n,m}'} up to 64) and (?:a|b) groups; no * or +, anchors, back-references or look-arounds. Confidence 0–1: from 0.8 a match is high confidence, which the policy blocks on.
      </p>
      <ErrorBanner error={general} />
      {errors['/patterns'] && <p className="field-error">{errors['/patterns']}</p>}
      {state.saved && (
        <p className="banner banner-ok" role="status">
          Patterns saved.
        </p>
      )}
      {draft.length === 0 && <p className="empty">No custom patterns.</p>}
      {draft.map((p, i) => (
        <fieldset key={i} className="egress-pattern" disabled={!writable}>
          <legend className="sr-only">Pattern {i + 1}</legend>
          <Field label="Name" error={errors[`/patterns/${i}/name`]}>
            {(props) => <input {...props} value={p.name} onChange={(e) => update(i, { name: e.target.value })} />}
          </Field>
          <Field label="Pattern" error={errors[`/patterns/${i}/pattern`] ?? errors[`/patterns/${i}`]}>
            {(props) => <input {...props} className="egress-mono" value={p.pattern} onChange={(e) => update(i, { pattern: e.target.value })} />}
          </Field>
          <Field label="Confidence" error={errors[`/patterns/${i}/confidence`]}>
            {(props) => <input {...props} type="number" min={0} max={1} step={0.05} value={p.confidence ?? 0.8} onChange={(e) => update(i, { confidence: Number(e.target.value) })} />}
          </Field>
          <label className="check">
            <input type="checkbox" checked={Boolean(p.caseInsensitive)} onChange={(e) => update(i, { caseInsensitive: e.target.checked })} /> Ignore case
          </label>
          {writable && (
            <button type="button" className="btn btn-small" aria-label={`Remove pattern ${p.name || i + 1}`} onClick={() => setDraft(draft.filter((_, j) => j !== i))}>
              Remove
            </button>
          )}
        </fieldset>
      ))}
      {writable && (
        <div className="form-actions">
          <button type="button" className="btn" onClick={() => setDraft([...draft, { name: '', pattern: '', confidence: 0.8 }])}>
            Add pattern
          </button>
          <SubmitButton busy={state.busy} label="Save patterns" />
        </div>
      )}
    </form>
  );
}
