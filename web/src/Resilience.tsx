import { api } from './api.js';
import { Empty, ErrorBanner, Loading, useAsync } from './components.js';
import { formatDate, formatScore } from './format.js';
import { Link } from './router.js';
import { formatMinutesAsHours, type ResidualRisk, type VendorResilience } from './resilienceTypes.js';

const METRIC = { rto: 'RTO', rpo: 'RPO', mtd: 'MTD' } as const;

/** Residual risk beside the inherent score: every term with its points and why. */
export function ResidualRiskCard({ residual, inherent }: { residual: ResidualRisk; inherent: number }) {
  return (
    <section className="card" aria-labelledby="residual-title" data-testid="residual-risk">
      <header className="card-head">
        <h2 id="residual-title">Residual risk</h2>
        <span className="muted small">{residual.assessedAt ? `assessed ${formatDate(residual.assessedAt)}` : 'never assessed'}</span>
      </header>
      <p className="risk-score">
        <span className="risk-score-num" data-testid="residual-score">
          {formatScore(residual.score)}
        </span>
        <span className="muted"> / 100 (inherent {formatScore(inherent)})</span>
      </p>
      <table className="table table-risk term-list">
        <caption className="sr-only">Residual risk: every term</caption>
        <thead>
          <tr>
            <th scope="col">Term</th>
            <th scope="col">Why</th>
            <th scope="col" className="num">
              Points
            </th>
          </tr>
        </thead>
        <tbody>
          {residual.terms.map((t) => (
            <tr key={t.key} data-term={t.key}>
              <th scope="row">{t.label}</th>
              <td className="risk-value">{t.detail}</td>
              <td className={`num${t.key === 'inherent' ? '' : t.points < 0 ? ' points-down' : t.points > 0 ? ' points-up' : ''}`}>
                <strong>{t.key !== 'inherent' && t.points > 0 ? '+' : ''}{formatScore(t.points)}</strong>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The latest assessment, the business services the vendor delivers, its resilience gaps (red) and contradictions. */
export function VendorResilienceSection({ vendorId }: { vendorId: string }) {
  const state = useAsync<VendorResilience>((signal) => api.get(`/api/v1/vendors/${vendorId}/resilience`, undefined, signal), [vendorId]);
  const r = state.data;
  return (
    <section className="card" id="resilience" aria-labelledby="resilience-title" data-testid="vendor-resilience">
      <header className="card-head">
        <h2 id="resilience-title">Assessment and resilience</h2>
        <Link to="/services">Business services</Link>
      </header>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!r && state.loading && <Loading />}
      {r && (
        <>
          <h3 className="subhead">Latest assessment</h3>
          {r.assessment ? (
            <p data-testid="latest-assessment">
              <Link to={`/assessments/${r.assessment.id}`}>{r.assessment.templateName}</Link> · {r.assessment.status}
              {r.assessment.closedAt ? ` ${formatDate(r.assessment.closedAt)}` : r.assessment.submittedAt ? ` ${formatDate(r.assessment.submittedAt)}` : ''}
              {r.assessment.overall !== null && <> · score <strong>{formatScore(r.assessment.overall)}</strong></>}
            </p>
          ) : (
            <p className="muted" data-testid="latest-assessment">
              No submitted or closed assessment yet. <Link to={`/assessments?vendorId=${vendorId}`}>Assessments of this vendor</Link>
            </p>
          )}
          <h3 className="subhead">Business services it delivers</h3>
          {r.services.length ? (
            <ul className="plain-list">
              {r.services.map((s) => (
                <li key={s.id}>
                  {s.name} <span className="muted small">RTO {formatMinutesAsHours(s.rtoMinutes)} · RPO {formatMinutesAsHours(s.rpoMinutes)} · MTD {formatMinutesAsHours(s.mtdMinutes)}</span>
                </li>
              ))}
            </ul>
          ) : (
            <Empty>Not linked to any business service.</Empty>
          )}
          <h3 className="subhead">Resilience gaps</h3>
          {r.gaps.length ? (
            <ul className="gap-list" data-testid="resilience-gaps">
              {r.gaps.map((g) => (
                <li key={g.id} className="gap">
                  {METRIC[g.metric]} for {g.serviceName ?? 'a deleted service'}:{' '}
                  {g.vendorMinutes === null ? 'the vendor states none' : `the vendor states ${formatMinutesAsHours(g.vendorMinutes)}`}, target {formatMinutesAsHours(g.targetMinutes)}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No open gaps.</p>
          )}
          <h3 className="subhead">Contradictions</h3>
          {r.contradictions.length ? (
            <ul className="gap-list" data-testid="contradictions">
              {r.contradictions.map((c) => (
                <li key={c.kind}>
                  The vendor {c.claim}, but {c.observed}.
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">None found.</p>
          )}
        </>
      )}
    </section>
  );
}
