import { api } from '../../api.js';
import { ErrorBanner, Loading, SelectField, useAsync, useDocumentTitle } from '../../components.js';
import { formatDate } from '../../format.js';
import { useUrlFilters } from '../../lists.js';
import { TEAM_LABEL, type MetricPoint, type Metrics, type Team } from '../../incidentTypes.js';
import { formatMinutes } from './clocks.js';
import { IncidentsNav } from './IncidentsNav.js';

const PALETTE = ['#b42318', '#ef7d1a', '#dfb10b', '#1f4fd1', '#067647', '#7a2e98', '#475467', '#0e7490'];
const SEVERITY_COLOUR: Record<string, string> = { critical: '#b42318', high: '#f04438', medium: '#dfb10b', low: '#1f4fd1' };
const RANGES: Record<string, number> = { '3': 3, '6': 6, '12': 12, '24': 24 };

interface Series {
  key: string;
  label: string;
  colour: string;
  values: Array<number | null>;
}

/** A line chart of minutes per bucket, one line per series; gaps where a bucket has no value. */
function LineChart({ title, buckets, series, testId }: { title: string; buckets: string[]; series: Series[]; testId: string }) {
  const w = 640;
  const h = 200;
  const pad = { l: 56, r: 12, t: 10, b: 28 };
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const x = (i: number) => pad.l + (buckets.length <= 1 ? (w - pad.l - pad.r) / 2 : (i / (buckets.length - 1)) * (w - pad.l - pad.r));
  const y = (v: number) => pad.t + (1 - v / max) * (h - pad.t - pad.b);
  const ticks = [0, 0.5, 1].map((f) => f * max);
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  const described = series.map((s) => `${s.label}: ${s.values.map((v, i) => `${formatDate(buckets[i])} ${formatMinutes(v)}`).join(', ')}`).join('; ');
  return (
    <figure className="incident-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" role="img" aria-label={`${title}. ${described}`} preserveAspectRatio="xMidYMid meet">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={w - pad.r} y1={y(t)} y2={y(t)} className="incident-chart-grid" />
            <text x={pad.l - 6} y={y(t) + 4} textAnchor="end" className="incident-chart-label">
              {formatMinutes(t)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) =>
          i % every === 0 ? (
            <text key={b} x={x(i)} y={h - 8} textAnchor="middle" className="incident-chart-label">
              {b.slice(5, 10)}
            </text>
          ) : null,
        )}
        {series.map((s) => {
          // Segments between consecutive buckets that both have a value; lone points as dots.
          const parts: string[] = [];
          s.values.forEach((v, i) => {
            if (v === null) return;
            parts.push(`${i > 0 && s.values[i - 1] !== null ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`);
          });
          return (
            <g key={s.key} data-series={s.key}>
              <path d={parts.join(' ')} fill="none" stroke={s.colour} strokeWidth="2" />
              {s.values.map((v, i) => (v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r="3" fill={s.colour} />))}
            </g>
          );
        })}
      </svg>
      <ul className="incident-chart-legend">
        {series.map((s) => (
          <li key={s.key}>
            <span className="incident-chart-swatch" style={{ background: s.colour }} aria-hidden="true" /> {s.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}

const values = (points: MetricPoint[], field: 'mttaMinutes' | 'mttrMinutes') => points.map((p) => p[field]);

export function IncidentMetricsPage() {
  useDocumentTitle('Incident metrics');
  const filters = useUrlFilters('/incidents/metrics', ['interval', 'by', 'range'], { interval: 'week', by: 'severity', range: '3' });
  const interval = filters.value('interval') as 'week' | 'month';
  const by = filters.value('by');
  const months = RANGES[filters.value('range')] ?? 3;
  const from = new Date();
  from.setUTCMonth(from.getUTCMonth() - months);
  const fromIso = `${from.toISOString().slice(0, 10)}T00:00:00.000Z`;
  const metrics = useAsync((signal) => api.get<Metrics>('/api/v1/incidents/metrics', { interval, by, from: fromIso }, signal), [interval, by, fromIso]);
  const m = metrics.data;
  const buckets = m?.buckets.map((b) => b.start) ?? [];
  const colour = (key: string, i: number) => (by === 'severity' ? (SEVERITY_COLOUR[key] ?? PALETTE[i % PALETTE.length]) : PALETTE[i % PALETTE.length]);
  const label = (key: string, text: string) => (by === 'team' ? (TEAM_LABEL[key as Team] ?? text) : text);
  const series = (field: 'mttaMinutes' | 'mttrMinutes'): Series[] =>
    m ? [{ key: '*', label: 'All incidents', colour: '#1a1d23', values: values(m.overall.points, field) }, ...m.groups.slice(0, 7).map((g, i) => ({ key: g.key, label: label(g.key, g.label), colour: colour(g.key, i), values: values(g.points, field) }))] : [];

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Incident metrics</h1>
          <p className="muted">Mean time to acknowledge (from creation) and to resolve (from detection to recovery, else closure). Drills are not counted.</p>
        </div>
      </div>
      <IncidentsNav />
      <form className="filters" aria-label="Metrics options" onSubmit={(e) => e.preventDefault()}>
        <div className="filters-row">
          <SelectField label="Per" value={interval} onChange={(v) => filters.set({ interval: v })} options={[['week', 'Week'], ['month', 'Month']]} />
          <SelectField label="Group by" value={by} onChange={(v) => filters.set({ by: v })} options={[['severity', 'Severity'], ['team', 'Team'], ['vendor', 'Vendor']]} />
          <SelectField label="Period" value={String(months)} onChange={(v) => filters.set({ range: v })} options={Object.keys(RANGES).map((k) => [k, `Last ${k} months`] as const)} />
        </div>
      </form>
      <ErrorBanner error={metrics.error} onRetry={metrics.reload} />
      {!m ? (
        metrics.loading && <Loading />
      ) : (
        <>
          <div className="tiles incident-metric-tiles" data-testid="metric-tiles">
            <div className="tile">
              <span className="tile-label">Incidents</span>
              <strong className="tile-value">{m.overall.incidents}</strong>
            </div>
            <div className="tile">
              <span className="tile-label">MTTA</span>
              <strong className="tile-value" data-testid="mtta">{formatMinutes(m.overall.mttaMinutes)}</strong>
              <span className="tile-detail">{m.overall.acknowledged} acknowledged</span>
            </div>
            <div className="tile">
              <span className="tile-label">MTTR</span>
              <strong className="tile-value" data-testid="mttr">{formatMinutes(m.overall.mttrMinutes)}</strong>
              <span className="tile-detail">{m.overall.resolved} resolved</span>
            </div>
          </div>
          <div className="incident-charts">
            <LineChart title="Mean time to acknowledge" buckets={buckets} series={series('mttaMinutes')} testId="mtta-chart" />
            <LineChart title="Mean time to resolve" buckets={buckets} series={series('mttrMinutes')} testId="mttr-chart" />
          </div>
          <section className="card" aria-labelledby="by-group">
            <header className="card-head">
              <h2 id="by-group">By {by}</h2>
            </header>
            <table className="table" data-testid="metrics-groups">
              <thead>
                <tr>
                  <th scope="col">{by === 'team' ? 'Team' : by === 'vendor' ? 'Vendor' : 'Severity'}</th>
                  <th scope="col">Incidents</th>
                  <th scope="col">MTTA</th>
                  <th scope="col">MTTR</th>
                </tr>
              </thead>
              <tbody>
                {m.groups.map((g) => (
                  <tr key={g.key}>
                    <th scope="row">{label(g.key, g.label)}</th>
                    <td>{g.incidents}</td>
                    <td>{formatMinutes(g.mttaMinutes)}</td>
                    <td>{formatMinutes(g.mttrMinutes)}</td>
                  </tr>
                ))}
                {m.groups.length === 0 && (
                  <tr>
                    <td colSpan={4} className="muted">
                      No incidents in this period.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </section>
          <section className="card" aria-labelledby="team-tasks">
            <header className="card-head">
              <h2 id="team-tasks">Task time to done, per team</h2>
            </header>
            <table className="table" data-testid="metrics-tasks">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Tasks done</th>
                  <th scope="col">Late</th>
                  <th scope="col">Mean time to done</th>
                </tr>
              </thead>
              <tbody>
                {m.tasks.map((t) => (
                  <tr key={t.team}>
                    <th scope="row">{TEAM_LABEL[t.team as Team] ?? t.team}</th>
                    <td>{t.done}</td>
                    <td>{t.late}</td>
                    <td>{formatMinutes(t.meanMinutesToDone)}</td>
                  </tr>
                ))}
                {m.tasks.length === 0 && (
                  <tr>
                    <td colSpan={4} className="muted">
                      No task done in this period.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}
