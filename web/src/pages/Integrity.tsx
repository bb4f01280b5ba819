import { useState, type FormEvent } from 'react';
import { ApiError, api, describeError, upload } from '../api.js';
import { Empty, Field, FileDropZone, HashValue, PageStatus, Tag, UploadProgress, useAsync, useDocumentTitle } from '../components.js';
import { DataTable } from '../lists.js';
import { formatDateTime, plural } from '../format.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';

interface Alert {
  id: string;
  type: string;
  severity: 'high' | 'medium';
  detail: string;
  indicatorId?: string;
  artifactId: string;
  version: string;
  createdAt: string;
}

interface Artifact {
  id: string;
  version: string;
  fileName: string;
  size: number | null;
  sha256: string;
  sha512: string | null;
  source: 'registered' | 'observed';
  signatureStatus: string;
  signer: { subject: string | null; issuer: string | null; serial: string | null; thumbprint: string | null } | null;
  signingTime: string | null;
  provenance: { status: string; identity: string | null; builder: string | null; predicateType: string | null } | null;
  firstSeenAt: string;
  lastSeenAt: string;
  seenCount: number;
}

interface Timeline {
  product: { id: string; name: string; vendorId: string; vendorName: string };
  releases: Array<{ version: string; firstSeenAt: string; artifacts: Artifact[]; alerts: Alert[] }>;
  signers: Array<{ subject: string; issuer: string | null; thumbprints: string[]; versions: string[]; firstSeenAt: string; lastSeenAt: string }>;
  quarantineHours: number;
}

interface CheckResult {
  artifactId: string;
  fileName: string;
  version: string;
  size: number;
  sha256: string;
  sha512: string;
  registered: boolean;
  quarantineUntil: string | null;
  signature: { status: string; signer: { subject: string; thumbprint: string } | null; signingTime: string | null; digestMatches: boolean | null; padding: { bytes: number; suspicious: boolean } };
  provenance: { identity: string | null; builder: string | null } | null;
  alerts: Alert[];
}

const SIGNATURE_LABEL: Record<string, string> = {
  valid: 'Authenticode valid',
  invalid: 'Authenticode INVALID',
  unsigned: 'unsigned PE',
  malformed: 'unreadable signature',
  'not-pe': 'not a PE file',
  declared: 'signer declared by vendor',
  none: 'no signer given',
};

function AlertList({ alerts, fileOf }: { alerts: Alert[]; fileOf?: (artifactId: string) => string | undefined }) {
  if (!alerts.length) return null;
  return (
    <ul className="integrity-alerts" data-testid="alerts">
      {alerts.map((a) => (
        <li key={a.id}>
          <span className={`sev sev-${a.severity}`}>{a.severity}</span> <strong>{a.type}</strong>
          {fileOf?.(a.artifactId) && <> on {fileOf(a.artifactId)}</>}: {a.detail}
          {a.indicatorId && <> (indicator {a.indicatorId})</>}
        </li>
      ))}
    </ul>
  );
}

/** A product's update-integrity timeline: each release's artifacts (registered and observed), signers, provenance and alerts, and a drop zone to check a file. */
export function IntegrityPage({ id }: { id: string }) {
  const [refresh, setRefresh] = useState(0);
  const state = useAsync((signal) => api.get<Timeline>(`/api/v1/products/${id}/integrity`, undefined, signal), [id, refresh]);
  useDocumentTitle(state.data ? `${state.data.product.name}: update integrity` : 'Update integrity');
  const { can } = useSession();
  if (!state.data) return <PageStatus state={state} />;
  const t = state.data;
  const releases = [...t.releases].reverse();
  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to="/vendors">Inventory</Link> / <Link to={`/vendors/${t.product.vendorId}`}>{t.product.vendorName}</Link> / <Link to={`/products/${t.product.id}`}>{t.product.name}</Link> / Update integrity
          </p>
          <h1>Update integrity: {t.product.name}</h1>
          <p className="muted">
            {plural(t.releases.length, 'release')} · {plural(t.signers.length, 'signer')} · bytes the vendor never registered stay in quarantine for {t.quarantineHours} h after first seen
          </p>
        </div>
      </div>
      <div className="grid-2">
          {can('findings:triage') ? <CheckArtifact productId={id} onChecked={() => setRefresh((k) => k + 1)} /> : <p className="muted">Your role cannot check artifacts.</p>}
          <section className="card" aria-labelledby="signers-h">
            <div className="card-head">
              <h2 id="signers-h">Signers</h2>
            </div>
            {t.signers.length === 0 ? (
              <Empty>No signer seen or registered.</Empty>
            ) : (
              <ul className="plain-list" data-testid="signers">
                {t.signers.map((s) => (
                  <li key={s.subject}>
                    <strong>{s.subject}</strong>
                    <div className="small muted">
                      {s.issuer && <>issued by {s.issuer} · </>}releases {s.versions.join(', ')} · {plural(s.thumbprints.length, 'certificate')}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
      </div>
        <section className="card" aria-labelledby="timeline-h">
          <div className="card-head">
            <h2 id="timeline-h">Releases, newest first</h2>
          </div>
          {releases.length === 0 ? (
            <Empty>No artifacts registered or checked for this product yet.</Empty>
          ) : (
            <ol className="integrity-timeline" data-testid="timeline">
              {releases.map((r) => (
                <li key={r.version} className="integrity-release">
                  <h3>
                    Release {r.version} <span className="muted small">first seen {formatDateTime(r.firstSeenAt)}</span>
                    {r.alerts.some((a) => a.severity === 'high') && <> <span className="sev sev-high">alert</span></>}
                  </h3>
                  <DataTable
                    rows={r.artifacts}
                    rowKey={(a) => a.id}
                    columns={[
                      {
                        header: 'File',
                        rowHeader: true,
                        cell: (a) => (
                          <>
                            {a.fileName} <Tag>{a.source}</Tag>
                            {a.size !== null && <span className="muted small"> {Math.ceil(a.size / 1024)} KiB</span>}
                          </>
                        ),
                      },
                      { header: 'SHA-256', cell: (a) => <HashValue value={a.sha256} label={`SHA-256 of ${a.fileName}`} /> },
                      {
                        header: 'Signature',
                        cell: (a) => (
                          <>
                            <span className={a.signatureStatus === 'invalid' || a.signatureStatus === 'malformed' ? 'sev sev-high' : undefined}>{SIGNATURE_LABEL[a.signatureStatus] ?? a.signatureStatus}</span>
                            {a.signer?.subject && <div className="small">{a.signer.subject}</div>}
                            {a.signer?.thumbprint && <div className="small muted">{a.signer.thumbprint}</div>}
                          </>
                        ),
                      },
                      { header: 'Provenance', cell: (a) => (a.provenance ? <span title={a.provenance.predicateType ?? ''}>verified: {a.provenance.identity ?? 'unknown signer'}</span> : <span className="muted">none</span>) },
                      { header: 'Seen', className: 'nowrap small', cell: (a) => (a.source === 'observed' ? `${plural(a.seenCount, 'check')}, last ${formatDateTime(a.lastSeenAt)}` : `registered ${formatDateTime(a.firstSeenAt)}`) },
                    ]}
                  />
                  <AlertList alerts={r.alerts} fileOf={(artifactId) => r.artifacts.find((a) => a.id === artifactId)?.fileName} />
                </li>
              ))}
            </ol>
          )}
        </section>
    </div>
  );
}

function CheckArtifact({ productId, onChecked }: { productId: string; onChecked: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [version, setVersion] = useState('');
  const [fileName, setFileName] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<CheckResult | null>(null);

  const pick = (f: File | null | undefined) => {
    setFile(f ?? null);
    if (f) setFileName(f.name);
    setError(null);
    setResult(null);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return setError(new Error('Drop the installer or binary to check first.'));
    if (!version.trim()) return setError(new Error('Give the release the file claims to be.'));
    setError(null);
    setResult(null);
    setProgress(0);
    try {
      setResult(await upload<CheckResult>('/api/v1/artifacts/check', { productId, version: version.trim(), filename: fileName.trim() || file.name }, file, 'application/octet-stream', setProgress));
      onChecked();
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  };
  const problems = error instanceof ApiError ? error.fieldProblems : [];
  return (
    <section className="card" aria-labelledby="check-h">
      <div className="card-head">
        <h2 id="check-h">Check an artifact</h2>
      </div>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <FileDropZone file={file} onFile={pick} testId="artifact-drop" inputLabel="Artifact file" prompt="Drop an installer or binary here, or choose one: it is hashed as it streams, never kept" />
        <Field label="Release" hint="The product version the file claims to be." error={problems.find((p) => p.field === 'version')?.reason}>
          {(props) => <input {...props} type="text" value={version} maxLength={200} onChange={(e) => setVersion(e.target.value)} />}
        </Field>
        <Field label="Published file name" hint="As the vendor publishes it (defaults to the dropped file's name)." error={problems.find((p) => p.field === 'filename')?.reason}>
          {(props) => <input {...props} type="text" value={fileName} maxLength={255} onChange={(e) => setFileName(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={progress !== null}>
            {progress !== null ? 'Checking…' : 'Check artifact'}
          </button>
        </div>
        <div aria-live="polite">
          <UploadProgress progress={progress} />
          {result && (
            <div className={`banner ${result.alerts.length ? 'banner-error' : 'banner-ok'}`} role="status" data-testid="check-result">
              <p>
                <strong>{result.fileName}</strong> {result.version}: {result.alerts.length ? plural(result.alerts.length, 'alert') : 'no alerts'} ·{' '}
                {result.registered ? 'registered by the vendor' : 'not registered by the vendor'} · {SIGNATURE_LABEL[result.signature.status] ?? result.signature.status}
                {result.signature.signer && <> by {result.signature.signer.subject}</>}
                {result.quarantineUntil && <> · quarantined until {formatDateTime(result.quarantineUntil)}</>}
              </p>
              <p className="small">
                SHA-256 <code>{result.sha256}</code>
              </p>
              <AlertList alerts={result.alerts} />
            </div>
          )}
        </div>
        {error !== null && (
          <div className="banner banner-error" role="alert">
            {describeError(error)}
          </div>
        )}
      </form>
    </section>
  );
}
