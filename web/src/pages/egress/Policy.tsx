/**
 * The proxy policy (/egress/policy): the organisation's custom personal-data patterns
 * (GET/PUT /api/v1/pii/patterns) and "test a sample" through the engine the ICAP service scans
 * bodies with (POST /api/v1/pii/scan).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../../api.js';
import { ErrorBanner, Field, Loading, SelectField, useAsync, useDocumentTitle } from '../../components.js';
import { DataTable } from '../../lists.js';
import { useSession } from '../../session.js';
import { EgressNav } from './EgressNav.js';
import { detectionLabel, type Detection } from './egressTypes.js';

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
            Thirdwatch's ICAP service (<code>icap://HOST:1344/reqmod</code>) scans the bodies of requests leaving through Squid with the engine below. Try it on a sample, and teach it the organisation's own identifiers.
          </p>
        </div>
      </div>
      <EgressNav />
      <div className="banner banner-info egress-ssl-note" role="note">
        <strong>HTTPS bodies are visible only with ssl_bump.</strong> Without TLS interception Squid hands the ICAP service a CONNECT to the destination and nothing more: the destination and indicator rules still apply, but personal data in HTTPS request bodies is neither seen nor blocked.
        Decrypting needs Debian's <code>squid-openssl</code> with <code>ssl_bump</code> and a CA your clients trust; see <code>docs/icap.md</code>.
      </div>
      <div className="egress-policy-layout">
        <SampleTester />
        <PatternsEditor writable={writable} />
      </div>
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
          <button type="submit" className="btn btn-primary" disabled={state.busy}>
            {state.busy ? 'Saving…' : 'Save patterns'}
          </button>
        </div>
      )}
    </form>
  );
}
