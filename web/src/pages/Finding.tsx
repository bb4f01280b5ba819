import { useState, type FormEvent } from 'react';
import { api, describeError } from '../api.js';
import { DetailRow, ErrorBanner, Field, Loading, PageStatus, SelectField, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { dependencyPlace, formatDate, formatDateTime } from '../format.js';
import { DataTable } from '../lists.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { FINDING_STATES, JUSTIFICATIONS, type Advisory, type FindingDetail } from '../supplyTypes.js';
import { SeverityLabel, SeverityTag } from '../severity.js';
import { AffectedPackages, label, MatchTag, References } from './Findings.js';

/**
 * One finding: what it is (advisory, component, where), the decision and who made it, the
 * dependency path from the product's root to the component, the advisory's affected ranges, fixes
 * and references, and every change to it (detection, VEX, triage, undo, closure).
 */
export function FindingPage({ id }: { id: string }) {
  const [refresh, setRefresh] = useState(0);
  const finding = useAsync((signal) => api.get<FindingDetail>(`/api/v1/findings/${id}`, undefined, signal), [id, refresh]);
  const f = finding.data;
  useDocumentTitle(f ? `${f.advisoryId} in ${f.component.packageName}` : 'Finding');
  const advisory = useAsync((signal) => (f ? api.get<Advisory>(`/api/v1/advisories/${encodeURIComponent(f.advisoryGroupId)}`, undefined, signal) : Promise.resolve(null)), [f?.advisoryGroupId]);
  if (!f) return <PageStatus state={finding} crumbs={<Link to="/findings">Findings</Link>} label="Loading the finding…" />;
  const a = advisory.data;
  return (
    <div className="page page-wide">
      <p className="crumbs">
        <Link to="/findings">Findings</Link> / <Link to={`/advisories/${encodeURIComponent(f.advisoryId)}`}>{f.advisoryId}</Link> / {f.component.packageName}
      </p>
      <h1>
        {f.advisoryId} in {f.component.packageName} <span className="muted">{f.component.version}</span> <SeverityTag severity={f.severity} />
        {f.kev && <span className="tag tag-warn">KEV</span>}
        {f.malicious && <span className="tag tag-warn">malicious</span>}
        <MatchTag f={f} />
      </h1>
      {f.summary && <p>{f.summary}</p>}
      <section className="card" aria-labelledby="finding-h">
        <div className="card-head">
          <h2 id="finding-h">Finding</h2>
        </div>
        <dl className="dl">
          <DetailRow label="Vendor / product">
            <Link to={`/vendors/${f.vendor.id}`}>{f.vendor.name}</Link> <TierBadge tier={f.vendor.tier} /> · <Link to={`/products/${f.product.id}`}>{f.product.name}</Link> · release{' '}
            <Link to={`/sboms/${f.sbomId}`}>{f.release}</Link>
          </DetailRow>
          <DetailRow label="Component">
            <code>{f.component.purl ?? `${f.component.name}@${f.component.version ?? ''}`}</code> · {dependencyPlace(f.component, true)}
          </DetailRow>
          <DetailRow label="Matched by">
            <MatchExplanation finding={f} onDone={() => setRefresh((r) => r + 1)} />
          </DetailRow>
          <DetailRow label="Severity">
            <SeverityLabel severity={f.severity} source={f.severitySource} override={f.severityOverride} />
            {f.cvss && <code className="small">{f.cvss.vector}</code>}
          </DetailRow>
          <DetailRow label="Priority">
            {f.priority} · due {formatDate(f.dueAt)}
            {f.overdue && <span className="overdue-tag"> overdue</span>}
          </DetailRow>
          <DetailRow label="Fix">{f.fixedIn ? `${f.fixedIn} (fixed versions: ${f.fixedVersions.join(', ')})` : f.fixedVersions.length ? f.fixedVersions.join(', ') : 'no fixed version known'}</DetailRow>
          <DetailRow label="State">
            <strong>{label(f.state)}</strong>
            {f.justification && <> · {label(f.justification)}</>}
            {f.responses.length > 0 && <> · {f.responses.map(label).join(', ')}</>}
            <div className="small muted">
              set by {f.stateSource}
              {f.stateSourceName && ` (${f.stateSourceName})`}
              {f.stateUpdatedAt && ` ${formatDateTime(f.stateUpdatedAt)}`}
            </div>
            {f.detail && <p className="description">{f.detail}</p>}
          </DetailRow>
          <DetailRow label="Status">
            {f.status}
            {f.closedReason && ` (${f.closedReason})`} · {f.verdict} · first seen {formatDateTime(f.firstSeenAt)}
          </DetailRow>
        </dl>
        <TriageForm finding={f} onDone={() => setRefresh((r) => r + 1)} />
      </section>
      <section className="card" aria-labelledby="path-h">
        <div className="card-head">
          <h2 id="path-h">Dependency path</h2>
        </div>
        <ol className="dep-path" data-testid="dependency-path" aria-label="From the product's root to the component">
          {f.path.map((hop, i) => (
            <li key={i} style={{ paddingLeft: `${i * 18}px` }}>
              {hop.name ?? '—'} {hop.version && <span className="muted">{hop.version}</span>}
              {hop.purl && <div className="small muted mono-wrap">{hop.purl}</div>}
            </li>
          ))}
        </ol>
      </section>
      {advisory.error ? (
        <ErrorBanner error={advisory.error} onRetry={advisory.reload} />
      ) : !a ? (
        <Loading label="Loading the advisory…" />
      ) : (
        <>
          <section className="card" aria-labelledby="adv-h">
            <div className="card-head">
              <h2 id="adv-h">Advisory</h2>
              <Link to={`/advisories/${encodeURIComponent(a.advisoryId)}`}>Who else is exposed</Link>
            </div>
            <p className="muted small">
              {a.aliases.length > 0 && <>Also {a.aliases.join(', ')} · </>}
              {a.published && <>published {formatDate(a.published)} · </>}
              {a.modified && <>modified {formatDate(a.modified)}</>}
            </p>
            {a.records[0]?.details && <p className="description">{a.records[0].details}</p>}
          </section>
          <AffectedPackages packages={a.packages ?? []} />
          <References records={a.records} />
        </>
      )}
      <section className="card" aria-labelledby="history-h">
        <div className="card-head">
          <h2 id="history-h">History</h2>
        </div>
        <DataTable
          rows={[...f.history].reverse()}
          rowKey={(h, i) => `${h.at}-${i}`}
          testId="finding-history"
          columns={[
            { header: 'When', rowHeader: true, className: 'nowrap', cell: (h) => formatDateTime(h.at) },
            { header: 'Who', cell: (h) => (h.actor.type === 'system' ? <span className="muted">{h.actor.name}</span> : h.actor.name) },
            { header: 'What', cell: (h) => `${label(h.action)}${h.source !== 'system' ? ` (${h.source})` : ''}` },
            { header: 'State', className: 'nowrap', cell: (h) => (h.fromState && h.toState && h.fromState !== h.toState ? `${label(h.fromState)} → ${label(h.toState)}` : label(h.toState ?? h.fromState ?? '—')) },
            {
              header: 'Why',
              cell: (h) => (
                <>
                  {h.justification && label(h.justification)}
                  {h.detail && <div className="small">{h.detail}</div>}
                  {typeof h.details?.batch === 'string' && <div className="small muted">bulk change {h.details.batch.slice(0, 8)}</div>}
                </>
              ),
            },
          ]}
        />
      </section>
    </div>
  );
}

const MATCH_TEXT: Record<string, string> = {
  purl: 'package URL (the component\'s ecosystem and name)',
  cpe: 'CPE (declared by the SBOM, its root, or the product\'s own or derived CPE)',
  'kev-name': 'name (a CISA KEV entry naming this vendor and product)',
};

/**
 * How the component was matched ("inferred CPE, 70%"), and for an inferred CPE the analyst's
 * confirm/reject: it applies to this component (supplier and name) in every SBOM and release.
 */
function MatchExplanation({ finding, onDone }: { finding: FindingDetail; onDone: () => void }) {
  const { can } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const match = finding.match ?? 'purl';
  if (match !== 'inferred-cpe') return <span data-testid="match-kind">{MATCH_TEXT[match] ?? match}</span>;
  const confidence = finding.matchConfidence != null ? `${Math.round(finding.matchConfidence * 100)}%` : 'unknown confidence';
  const decide = async (decision: 'confirmed' | 'rejected') => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/v1/findings/${finding.id}/cpe-decision`, { decision });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <span data-testid="match-kind">
        inferred CPE, {confidence} · <code>{finding.component.packageName}</code>
      </span>
      <div className="small muted">Inferred from the component's name, supplier and version: no package URL or CPE in the SBOM says what it is.</div>
      {can('findings:triage') && (
        <div className="inline-form" role="group" aria-label="Is this CPE right for the component?">
          <button type="button" className="btn" disabled={busy || finding.matchConfidence === 1} onClick={() => void decide('confirmed')}>
            Confirm CPE
          </button>
          <button type="button" className="btn" disabled={busy || finding.closedReason === 'cpe_rejected'} onClick={() => void decide('rejected')}>
            Reject CPE
          </button>
          <span className="small muted">applies to this component in every SBOM and release</span>
        </div>
      )}
      {error !== null && (
        <p className="banner banner-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </>
  );
}

function TriageForm({ finding, onDone }: { finding: FindingDetail; onDone: () => void }) {
  const { can } = useSession();
  const [form, setForm] = useState({ state: finding.state, justification: finding.justification ?? '', detail: '' });
  const [error, setError] = useState<unknown>(null);
  if (!can('findings:triage')) return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const body: Record<string, unknown> = { state: form.state };
      if (form.state === 'not_affected') body.justification = form.justification || null;
      if (form.detail.trim()) body.detail = form.detail.trim();
      await api.patch(`/api/v1/findings/${finding.id}`, body);
      setForm({ ...form, detail: '' });
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form className="inline-form triage" onSubmit={(e) => void submit(e)} aria-label="Triage this finding">
      <SelectField label="State" value={form.state} onChange={(state) => setForm({ ...form, state })} options={FINDING_STATES.map((s) => [s, label(s)])} />
      <SelectField label="Justification" value={form.justification} disabled={form.state !== 'not_affected'} onChange={(justification) => setForm({ ...form, justification })} options={JUSTIFICATIONS.map((j) => [j, label(j)])} placeholder="—" />
      <Field label="Note">{(props) => <input {...props} type="text" maxLength={2000} value={form.detail} onChange={(e) => setForm({ ...form, detail: e.target.value })} />}</Field>
      <button type="submit" className="btn btn-primary">
        Save decision
      </button>
      {error !== null && (
        <p className="banner banner-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </form>
  );
}
