// How a severity reads everywhere it is shown: "High 7.5 — NVD (CVSS 3.1)", the record it came
// from on hover, and an analyst's override named as such.
import type { SeveritySource } from './supplyTypes.js';

/** The feed a rating came from, as analysts name it. */
export function sourceName(source: SeveritySource): string {
  if (source.source === 'nvd') return 'NVD';
  if (/^GHSA-/i.test(source.advisory)) return 'GHSA';
  if (source.source === 'csaf') return 'vendor advisory';
  return source.source.toUpperCase();
}

/** "7.5 — NVD (CVSS 3.1)": the score and where it came from. */
export function describeSource(source: SeveritySource): string {
  return `${source.score !== null ? `${source.score.toFixed(1)} ` : ''}— ${sourceName(source)}${source.cvssVersion ? ` (CVSS ${source.cvssVersion})` : ''}`;
}

export function SeverityTag({ severity }: { severity: string }) {
  return <span className={`sev sev-${severity}`}>{severity}</span>;
}

/** The rating with its source: `override` set means an analyst's rating stands in for the records'. */
export function SeverityLabel({ severity, source, override }: { severity: string; source: SeveritySource | null; override?: string | null }) {
  const title = source ? `From ${source.advisory} (${source.source})${source.vector ? `: ${source.vector}` : ''}` : 'No record in this advisory\'s group has a rating';
  return (
    <span className="severity-label" title={title} data-testid="severity-label">
      <SeverityTag severity={severity} />{' '}
      {override ? (
        <span className="small muted">
          analyst override{source && <> · records: {describeSource(source)}</>}
        </span>
      ) : source ? (
        <span className="small">
          {describeSource(source)}
        </span>
      ) : (
        <span className="small muted">no rating in any record</span>
      )}
    </span>
  );
}
