import { api } from '../api.js';
import { Empty, ErrorBanner, Loading, ReviewDate, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { describeAction, formatDateTime, plural, relativeTime } from '../format.js';
import { Link } from '../router.js';
import { TIER_LABEL, TIERS, VENDOR_STATUSES, type Dashboard, type Vendor } from '../types.js';

interface Loaded {
  dashboard: Dashboard;
  /** Names of the vendors the activity feed mentions (the feed carries ids only). */
  names: Record<string, string>;
}

export function DashboardPage() {
  useDocumentTitle('Dashboard');
  const state = useAsync<Loaded>(async (signal) => {
    const dashboard = await api.get<Dashboard>('/api/v1/dashboard', undefined, signal);
    const ids = [...new Set(dashboard.recentActivity.filter((a) => a.entityType === 'vendor' && a.entityId).map((a) => a.entityId!))].slice(0, 10);
    const names: Record<string, string> = {};
    await Promise.all(
      ids.map((id) =>
        api.get<Vendor>(`/api/v1/vendors/${id}`, undefined, signal).then(
          (v) => {
            names[id] = v.name;
          },
          () => undefined,
        ),
      ),
    );
    return { dashboard, names };
  }, []);

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Dashboard</h1>
          <p className="muted">The third-party portfolio at a glance.</p>
        </div>
        <div className="actions">
          <Link className="btn" to="/vendors">
            Open inventory
          </Link>
        </div>
      </div>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {!state.data && state.loading && <Loading />}
      {state.data && <DashboardBody {...state.data} />}
    </div>
  );
}

/**
 * On an empty install every card would be blank: instead the dashboard says what to do first, each
 * step with the page that does it and the CLI command that does the same.
 */
function FirstSteps() {
  return (
    <section className="card first-steps" aria-labelledby="first-steps" data-testid="first-steps">
      <header className="card-head">
        <h2 id="first-steps">Get started</h2>
      </header>
      <p className="muted">Nothing is recorded yet. Start with any of these; the cards below fill in as data arrives.</p>
      <ol>
        <li>
          <strong>Load the demo</strong> to explore with a sample organisation: run <code>thirdwatch demo</code>.
        </li>
        <li>
          <strong>Import your vendors</strong> from a CSV file: <Link to="/vendors">Inventory → Import CSV…</Link>, or <code>thirdwatch vendor import vendors.csv</code>. One vendor at a time:{' '}
          <Link to="/vendors/new">Add a vendor</Link>.
        </li>
        <li>
          <strong>Upload an SBOM</strong> on a vendor&apos;s product page (add the product on the vendor&apos;s page), or for your own software:{' '}
          <code>thirdwatch sbom upload --product estate bom.json</code>.
        </li>
        <li>
          <strong>Import a vulnerability feed</strong> so SBOM components get findings: <code>thirdwatch feeds import osv all.zip</code> (or <code>kev</code>, <code>epss</code>,{' '}
          <code>csaf</code>, <code>openvex</code>).
        </li>
      </ol>
    </section>
  );
}

function DashboardBody({ dashboard: d, names }: Loaded) {
  const maxTier = Math.max(1, ...TIERS.map((t) => d.vendorsByTier[t]));
  const now = Date.now();
  const emptyInstall = d.totalVendors === 0;
  return (
    <>
      {emptyInstall && <FirstSteps />}
      <section className="tiles" aria-label="Key figures">
        <Tile label="Vendors" value={d.totalVendors} to="/vendors" detail={`${plural(d.vendorsByStatus.active ?? 0, 'active vendor')}`} />
        <Tile label="Critical (T1) vendors" value={d.vendorsByTier.T1} to="/vendors?tier=T1" detail="highest inherent risk" tone={d.vendorsByTier.T1 ? 't1' : undefined} />
        <Tile
          label="Reviews overdue"
          value={d.reviewsOverdue}
          to="/vendors?reviewOverdue=true&sort=nextReviewAt"
          detail={d.reviewsOverdue ? 'need a review now' : 'all reviews on schedule'}
          tone={d.reviewsOverdue ? 'danger' : 'ok'}
        />
        <Tile
          label="Assessments overdue"
          value={d.assessmentsOverdue}
          to="/assessments?overdue=true"
          detail={d.overdueAssessments[0] ? `longest: ${d.overdueAssessments[0].vendorName}, due ${d.overdueAssessments[0].dueAt}` : 'no vendor is late with answers'}
          tone={d.assessmentsOverdue ? 'danger' : 'ok'}
        />
        <Tile
          label="Needs triage"
          value={d.needsTriage}
          to="/vendors?needsTriage=true"
          detail={d.needsTriage ? `${d.needsTriage === 1 ? 'vendor has' : 'vendors have'} unanswered risk factors: tier provisional` : 'every vendor is assessed'}
          tone={d.needsTriage ? 'danger' : 'ok'}
        />
        <Tile label="Auto-updating software vendors" value={d.autoUpdatingSoftwareVendors} to="/vendors?shipsSoftware=true" detail="ship code that updates itself" />
      </section>
      <FindingTiles />

      <div className="grid-2">
        <section className="card" aria-labelledby="by-tier">
          <header className="card-head">
            <h2 id="by-tier">Vendors by tier</h2>
          </header>
          {emptyInstall && (
            <Empty>
              No vendors yet: <Link to="/vendors">import them by CSV</Link>, <Link to="/vendors/new">add one</Link>, or load the demo with <code>thirdwatch demo</code>.
            </Empty>
          )}
          <ul className="tier-bars">
            {TIERS.map((t) => (
              <li key={t}>
                <Link to={`/vendors?tier=${t}`} className="tier-bar-row" aria-label={`${t} ${TIER_LABEL[t]}: ${plural(d.vendorsByTier[t], 'vendor')}`}>
                  <span className="tier-bar-label">
                    <TierBadge tier={t} /> <span className="muted">{TIER_LABEL[t]}</span>
                  </span>
                  <span className="tier-bar-track" aria-hidden="true">
                    <span className={`tier-bar-fill fill-${t.toLowerCase()}`} style={{ width: `${(d.vendorsByTier[t] / maxTier) * 100}%` }} />
                  </span>
                  <span className="tier-bar-count">{d.vendorsByTier[t]}</span>
                </Link>
              </li>
            ))}
          </ul>
          <h3 className="subhead">By status</h3>
          <dl className="status-counts">
            {VENDOR_STATUSES.map((s) => (
              <div key={s}>
                <dt>
                  <Link to={`/vendors?status=${s}`}>{s}</Link>
                </dt>
                <dd>{d.vendorsByStatus[s] ?? 0}</dd>
              </div>
            ))}
          </dl>
        </section>

        <section className="card" aria-labelledby="due">
          <header className="card-head">
            <h2 id="due">Reviews overdue and due in 30 days</h2>
            <Link to="/vendors?sort=nextReviewAt&status=active&status=offboarding">All by due date</Link>
          </header>
          {d.reviewsDueSoon.length === 0 ? (
            <Empty>{emptyInstall ? 'Reviews are scheduled by tier once vendors exist: import or add vendors first.' : 'No reviews are due in the next 30 days.'}</Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Vendor</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Review due</th>
                </tr>
              </thead>
              <tbody>
                {d.reviewsDueSoon.map((r) => (
                  <tr key={r.id} className={Date.parse(r.nextReviewAt) <= now ? 'row-overdue' : undefined}>
                    <td>
                      <Link to={`/vendors/${r.id}`}>{r.name}</Link>
                    </td>
                    <td>
                      <TierBadge tier={r.tier} />
                    </td>
                    <td>
                      <ReviewDate iso={r.nextReviewAt} overdue={Date.parse(r.nextReviewAt) <= now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="contracts">
        <header className="card-head">
          <h2 id="contracts">Contracts ending and notice deadlines</h2>
        </header>
        {d.contractsEnding.length === 0 ? (
          <Empty>
            {emptyInstall
              ? 'Contracts are added on a vendor\'s page (end date and notice period); their deadlines show here.'
              : 'No contract ends in the next 90 days and no notice deadline falls in the next 30.'}
          </Empty>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Vendor</th>
                <th scope="col">Contract</th>
                <th scope="col">Ends</th>
                <th scope="col">Notice</th>
              </tr>
            </thead>
            <tbody>
              {d.contractsEnding.map((c) => (
                <tr key={c.contractId} className={c.daysToNotice !== null && c.daysToNotice < 0 ? 'row-overdue' : undefined}>
                  <td>
                    <Link to={`/vendors/${c.vendorId}`}>{c.vendorName}</Link>
                  </td>
                  <td>{c.title}</td>
                  <td>
                    {c.endDate} ({inDays(c.daysToEnd)})
                  </td>
                  <td>{c.noticeBy === null ? 'no notice period recorded' : c.daysToNotice! < 0 ? `notice deadline ${c.noticeBy} has passed` : `give notice by ${c.noticeBy} (${inDays(c.daysToNotice!)})`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="activity">
        <header className="card-head">
          <h2 id="activity">Recent activity</h2>
        </header>
        {d.recentActivity.length === 0 ? (
          <Empty>Nothing has happened yet.</Empty>
        ) : (
          <ol className="activity">
            {d.recentActivity.map((a, i) => (
              <li key={`${a.at}-${i}`}>
                <time dateTime={a.at} title={formatDateTime(a.at)} className="muted">
                  {relativeTime(a.at)}
                </time>
                <span className="activity-text">
                  <strong>{a.actor}</strong> {describeAction(a.action)}{' '}
                  {a.entityType === 'vendor' && a.entityId ? (
                    names[a.entityId] ? <Link to={`/vendors/${a.entityId}`}>{names[a.entityId]}</Link> : <span className="muted">a vendor since deleted</span>
                  ) : a.entityType !== a.action.split('.')[0] ? (
                    <span className="muted">({a.entityType})</span>
                  ) : null}
                </span>
                <code className="action-code">{a.action}</code>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

interface TrendDay {
  date: string;
  open: number;
  kev: number;
  malicious: number;
}

/** Open KEV and malicious findings today, and the open exposure over the last 30 days. */
function FindingTiles() {
  const state = useAsync((signal) => api.get<{ days: TrendDay[] }>('/api/v1/findings/trend', { days: 30 }, signal), []);
  if (!state.data) return null;
  const days = state.data.days;
  const today = days[days.length - 1] ?? { open: 0, kev: 0, malicious: 0 };
  return (
    <>
      <section className="tiles tiles-findings" aria-label="Vulnerability findings">
        <Tile label="Open findings" value={today.open} to="/findings" detail="affecting current SBOMs, not suppressed" />
        <Tile label="Known exploited findings" value={today.kev} to="/findings?kev=true" detail="open, in CISA KEV" tone={today.kev ? 'danger' : 'ok'} />
        <Tile label="Malicious components" value={today.malicious} to="/findings?malicious=true" detail="open findings of malicious packages" tone={today.malicious ? 'danger' : 'ok'} />
      </section>
      <section className="card" aria-labelledby="trend-title">
        <h2 id="trend-title">Exposure trend, last 30 days</h2>
        {days.every((d) => d.open === 0) ? (
          <Empty>
            No open findings in the last 30 days. Findings appear once an SBOM is uploaded on a product page (or <code>thirdwatch sbom upload</code>) and a vulnerability feed is imported (
            <code>thirdwatch feeds import osv all.zip</code>).
          </Empty>
        ) : (
          <TrendChart days={days} />
        )}
      </section>
    </>
  );
}

/** A small line chart: open findings (line) with KEV findings beneath (red); a table follows for screen readers. */
function TrendChart({ days }: { days: TrendDay[] }) {
  const width = 720;
  const height = 140;
  const pad = { left: 36, right: 8, top: 10, bottom: 22 };
  const max = Math.max(1, ...days.map((d) => d.open));
  const x = (i: number) => pad.left + (i * (width - pad.left - pad.right)) / Math.max(1, days.length - 1);
  const y = (v: number) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const line = (pick: (d: TrendDay) => number) => days.map((d, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(pick(d)).toFixed(1)}`).join(' ');
  return (
    <figure className="trend">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Open findings went from ${days[0]?.open ?? 0} to ${days[days.length - 1]?.open ?? 0} over ${days.length} days`}>
        <line x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} stroke="currentColor" strokeOpacity="0.25" />
        <text x={pad.left - 6} y={y(max) + 4} textAnchor="end" fontSize="11" fill="currentColor">{max}</text>
        <text x={pad.left - 6} y={y(0) + 4} textAnchor="end" fontSize="11" fill="currentColor">0</text>
        <path d={line((d) => d.open)} fill="none" stroke="#2563eb" strokeWidth="2" />
        <path d={line((d) => d.kev)} fill="none" stroke="#dc2626" strokeWidth="2" strokeDasharray="4 3" />
        <text x={pad.left} y={height - 6} fontSize="11" fill="currentColor">{days[0]?.date}</text>
        <text x={width - pad.right} y={height - 6} textAnchor="end" fontSize="11" fill="currentColor">{days[days.length - 1]?.date}</text>
      </svg>
      <figcaption>
        <span className="legend legend-open">open findings</span> <span className="legend legend-kev">known exploited (KEV)</span>
      </figcaption>
    </figure>
  );
}

function Tile({ label, value, detail, to, tone }: { label: string; value: number | string; detail: string; to: string; tone?: 'danger' | 'ok' | 't1' }) {
  return (
    <Link to={to} className={`tile${tone ? ` tile-${tone}` : ''}`}>
      <span className="tile-label">{label}</span>
      <span className="tile-value">{value}</span>
      <span className="tile-detail">{detail}</span>
    </Link>
  );
}

function inDays(days: number): string {
  if (days === 0) return 'today';
  return days === 1 ? 'tomorrow' : `in ${days} days`;
}
