import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, fieldErrors, upload } from '../api.js';
import { ErrorBanner, Field, FileDropZone, PageStatus, SubmitButton, Tag, UploadProgress, useAsync, useDocumentTitle } from '../components.js';
import { listValues } from '../MiniForm.js';
import { DataTable, ListBody } from '../lists.js';
import { formatDateTime, plural } from '../format.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import type { Page, Product, Vendor } from '../types.js';
import type { Release, Sbom } from '../supplyTypes.js';
import { FindingBadges, FindingsTable, RiskScore } from './Findings.js';

interface Loaded {
  product: Product;
  vendor: Vendor | null;
}

export function ProductPage({ id }: { id: string }) {
  const state = useAsync<Loaded>(
    async (signal) => {
      const product = await api.get<Product & { vendorId: string }>(`/api/v1/products/${id}`, undefined, signal);
      const vendor = await api.get<Vendor>(`/api/v1/vendors/${product.vendorId}`, undefined, signal).catch(() => null);
      return { product, vendor };
    },
    [id],
  );
  const [sbomKey, setSbomKey] = useState(0);
  useDocumentTitle(state.data?.product.name ?? 'Product');
  const { can } = useSession();
  if (!state.data) return <PageStatus state={state} crumbs={<Link to="/vendors">Inventory</Link>} />;
  const { product: p, vendor } = state.data;
  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to="/vendors">Inventory</Link> / {vendor ? <Link to={`/vendors/${vendor.id}`}>{vendor.name}</Link> : 'Vendor'} / {p.name}
          </p>
          <h1>
            {p.name} <Tag>{p.type}</Tag>
          </h1>
          <p className="muted">
            {p.version ? `Version in use ${p.version}` : 'No version recorded'}
            {p.deploymentCount !== null && <> · {plural(p.deploymentCount, 'deployment')}</>}
            {p.autoUpdate && <> · updates itself</>}
            {' · '}
            <Link to={`/products/${p.id}/integrity`}>Update integrity: releases, hashes, signers, alerts</Link>
          </p>
          <FindingBadges scope={{ productId: p.id }} />
        </div>
      </div>
      <div className="grid-2">
        <Releases productId={p.id} versionInUse={p.version} refreshKey={sbomKey} />
        {can('inventory:write') ? <UploadSbom productId={p.id} defaultRelease={p.version ?? ''} onUploaded={() => setSbomKey((k) => k + 1)} /> : <p className="muted">Your role cannot upload SBOMs.</p>}
      </div>
      <ProductCpe productId={p.id} canEdit={can('inventory:write')} onChanged={() => setSbomKey((k) => k + 1)} />
      <ProductEndpoints product={p} canEdit={can('inventory:write')} onSaved={(next) => state.setData({ product: next, vendor })} />
      <ProductFindings productId={p.id} refreshKey={sbomKey} />
    </div>
  );
}

const HOST = /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?\.?$/;

/** What is wrong with an egress endpoint as typed (the API's rule: a host name, at most 253 characters), if anything. */
export function endpointProblem(value: string): string | undefined {
  if (value.length > 253 || !HOST.test(value) || value.includes('..')) return `“${value}” is not a host name (e.g. api.vendor.example, without https:// or a path)`;
  return undefined;
}

/** The host names the product talks to: egress to them is attributed to it (and its vendor). */
function ProductEndpoints({ product: p, canEdit, onSaved }: { product: Product; canEdit: boolean; onSaved: (product: Product) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const endpoints = listValues((draft ?? p.endpoints.join(', ')).toLowerCase());
    const problem = endpoints.length > 100 ? 'at most 100 endpoints' : endpoints.map(endpointProblem).find(Boolean);
    setError(problem);
    if (problem) return;
    setBusy(true);
    try {
      onSaved(await api.patch<Product>(`/api/v1/products/${p.id}`, { endpoints }));
      setDraft(null);
    } catch (e) {
      const mapped = fieldErrors(e, ['/endpoints'], { endpoints });
      setError(mapped['/endpoints']);
      if (!mapped['/endpoints']) setFailure(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="endpoints-h">
      <div className="card-head">
        <h2 id="endpoints-h">Egress endpoints</h2>
      </div>
      <p data-testid="product-endpoints">
        {p.endpoints.length ? p.endpoints.map((e, i) => <span key={e}>{i > 0 && ', '}<code>{e}</code></span>) : <span className="muted">None: its egress is attributed through the vendor's domains.</span>}
        {p.endpoints.length > 0 && <span className="small muted"> · egress to these hosts and their subdomains is attributed to this product</span>}
      </p>
      {canEdit && (
        <form className="inline-form" aria-label="Set the product's egress endpoints" onSubmit={save} noValidate>
          <Field label="Endpoints" error={error} hint="Host names separated by commas, e.g. api.vendor.example, updates.vendor.example">
            {(props) => <input {...props} type="text" autoComplete="off" value={draft ?? p.endpoints.join(', ')} onChange={(e) => setDraft(e.target.value)} />}
          </Field>
          <SubmitButton busy={busy} label="Save endpoints" />
        </form>
      )}
      <ErrorBanner error={failure} />
    </section>
  );
}

interface ProductCpeState {
  cpe: string | null;
  matchedAs: string[];
  sbomsRematched: number;
}

/** The CPE the product's releases are matched under against the NVD: its own, or vendor:product spellings derived from its names. */
function ProductCpe({ productId, canEdit, onChanged }: { productId: string; canEdit: boolean; onChanged: () => void }) {
  const [key, setKey] = useState(0);
  const state = useAsync((signal) => api.get<ProductCpeState>(`/api/v1/products/${productId}/cpe`, undefined, signal), [productId, key]);
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const save = async (cpe: string | null) => {
    setError(null);
    try {
      const saved = await api.put<ProductCpeState>(`/api/v1/products/${productId}/cpe`, { cpe });
      setNote(`Saved: ${plural(saved.sbomsRematched, 'current release')} matched again.`);
      setDraft(null);
      setKey((k) => k + 1);
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  const current = state.data;
  return (
    <section className="card" aria-labelledby="cpe-h">
      <div className="card-head">
        <h2 id="cpe-h">CPE (NVD matching)</h2>
      </div>
      {current && (
        <p data-testid="product-cpe">
          {current.cpe ? <code>{current.cpe}</code> : <>No CPE of its own: releases are matched as </>}
          {!current.cpe && current.matchedAs.map((k, i) => <span key={k}>{i > 0 && ', '}<code>{k}</code></span>)}
          <span className="small muted"> · each release is the version</span>
        </p>
      )}
      {canEdit && (
        <form
          className="inline-form"
          aria-label="Set the product's CPE"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void save((draft ?? current?.cpe ?? '').trim() || null);
          }}
        >
          <Field label="CPE 2.3">
            {(props) => <input {...props} type="text" maxLength={1000} placeholder="cpe:2.3:a:vendor:product:*:*:*:*:*:*:*:*" value={draft ?? current?.cpe ?? ''} onChange={(e) => setDraft(e.target.value)} />}
          </Field>
          <button type="submit" className="btn btn-primary">
            Save CPE
          </button>
          {current?.cpe && (
            <button type="button" className="btn" onClick={() => void save(null)}>
              Derive from names
            </button>
          )}
        </form>
      )}
      {note && <p className="small muted">{note}</p>}
      {error !== null && (
        <p className="banner banner-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </section>
  );
}

/**
 * Every release keeps its latest SBOM (the API's `current`: it replaced earlier uploads of that
 * release). Only one release is the one in use (the API's `inUse`: the product's version, or else
 * the newest release); the list reloads when the version changes.
 */
function Releases({ productId, versionInUse, refreshKey }: { productId: string; versionInUse: string | null; refreshKey: number }) {
  const state = useAsync(
    async (signal) => {
      const [releases, sboms] = await Promise.all([
        api.get<{ items: Release[] }>(`/api/v1/products/${productId}/releases`, undefined, signal),
        api.get<Page<Sbom>>(`/api/v1/products/${productId}/sboms`, { limit: 100 }, signal),
      ]);
      return { releases: releases.items, sboms: sboms.items };
    },
    [productId, refreshKey, versionInUse],
  );
  const inUse = state.data?.releases.find((r) => r.inUse)?.release ?? null;
  return (
    <section className="card" aria-labelledby="releases-h">
      <div className="card-head">
        <h2 id="releases-h">Releases and SBOMs</h2>
      </div>
      <ListBody list={{ ...state, items: state.data?.sboms ?? [] }} empty="No SBOMs uploaded for this product yet.">
        {(sboms) => (
          <DataTable
            rows={sboms}
            rowKey={(s) => s.id}
            testId="sbom-table"
            columns={[
              {
                header: 'Release',
                rowHeader: true,
                cell: (s) => (
                  <>
                    {s.release ?? <span className="muted">no release</span>}
                    {s.current && s.release === inUse && <span className="tag tag-accent">in use</span>}
                    {!s.current && (
                      <span className="tag" title="A later upload of the same release replaced it">
                        replaced
                      </span>
                    )}
                  </>
                ),
              },
              {
                header: 'SBOM',
                cell: (s) => (
                  <Link to={`/sboms/${s.id}`}>
                    {s.format === 'cyclonedx' ? 'CycloneDX' : s.format} {s.specVersion}
                    <span className="sr-only"> SBOM of release {s.release ?? 'none'}</span>
                  </Link>
                ),
              },
              { header: 'Components', num: true, cell: (s) => s.componentCount },
              { header: 'Uploaded', className: 'nowrap', cell: (s) => formatDateTime(s.uploadedAt) },
            ]}
          />
        )}
      </ListBody>
      {state.data && state.data.releases.length > 1 && (
        <p className="small muted">
          {plural(state.data.releases.length, 'release')}. Open an SBOM to compare it with another release.
        </p>
      )}
    </section>
  );
}

function contentTypeOf(file: File): string {
  if (file.type && file.type !== 'application/octet-stream') return file.type;
  if (/\.xml$/i.test(file.name)) return 'application/xml';
  return 'application/json';
}

function UploadSbom({ productId, defaultRelease, onUploaded }: { productId: string; defaultRelease: string; onUploaded: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [release, setRelease] = useState(defaultRelease);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<Sbom | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const pick = (f: File | null | undefined) => {
    setFile(f ?? null);
    setError(null);
    setDone(null);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) {
      setError(new Error('Choose an SBOM file (CycloneDX or SPDX, JSON or XML) first.'));
      return;
    }
    setError(null);
    setDone(null);
    setProgress(0);
    try {
      const sbom = await upload<Sbom>(`/api/v1/products/${productId}/sboms`, { release: release.trim() || undefined }, file, contentTypeOf(file), setProgress);
      setDone(sbom);
      setFile(null);
      if (inputRef.current) inputRef.current.value = '';
      onUploaded();
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  };
  const problems = error instanceof ApiError ? error.fieldProblems : [];
  const releaseError = problems.find((p) => p.field === 'release')?.reason;
  return (
    <section className="card" aria-labelledby="upload-h">
      <div className="card-head">
        <h2 id="upload-h">Upload an SBOM</h2>
      </div>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <FileDropZone file={file} onFile={pick} inputRef={inputRef} inputLabel="SBOM file" accept=".json,.xml,.cdx,.spdx,application/json,application/xml" prompt="Drop a CycloneDX or SPDX file here, or choose one" />
        <Field label="Release" hint="The product version this SBOM describes." error={releaseError}>
          {(props) => <input {...props} type="text" value={release} maxLength={200} onChange={(e) => setRelease(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={progress !== null}>
            {progress !== null ? 'Uploading…' : 'Upload SBOM'}
          </button>
        </div>
        <div aria-live="polite" className="upload-status">
          <UploadProgress progress={progress} />
          {done && (
            <p className="banner banner-ok" role="status">
              Uploaded: {plural(done.componentCount, 'component')} in release {done.release ?? '—'}. <Link to={`/sboms/${done.id}`}>Open the SBOM</Link>
            </p>
          )}
        </div>
        {error !== null && (
          <div className="banner banner-error" role="alert">
            <span>{describeError(error)}</span>
            {problems.length > 0 && (
              <ul className="import-errors">
                {problems.map((p, i) => (
                  <li key={i}>
                    <code>{p.field}</code>: {p.reason}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </form>
    </section>
  );
}

function ProductFindings({ productId, refreshKey }: { productId: string; refreshKey: number }) {
  return (
    <section className="card" aria-labelledby="pf-h">
      <div className="card-head">
        <h2 id="pf-h">Vulnerability findings</h2>
        <Link to={`/findings?productId=${productId}`}>All findings of this product</Link>
      </div>
      <RiskScore path={`/api/v1/products/${productId}/vulnerability-risk`} refreshKey={refreshKey} />
      <FindingsTable query={{ productId, limit: 25 }} refreshKey={refreshKey} showOwner={false} />
    </section>
  );
}
