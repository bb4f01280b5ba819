const DAY = 86_400_000;

const dateFmt = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** 2027-02-20 (ISO order, locale-neutral). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateFmt.format(t);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTimeFmt.format(t);
}

/** "in 12 d", "3 d overdue", "today". */
export function relativeDays(iso: string, now = Date.now()): string {
  const days = Math.round((Date.parse(iso) - now) / DAY);
  if (days === 0) return 'today';
  return days > 0 ? `in ${days} d` : `${-days} d ago`;
}

export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 60) return `${days} d ago`;
  return formatDate(iso);
}

export function formatMoney(value: number | null, currency: string | null): string {
  if (value === null) return '—';
  try {
    return new Intl.NumberFormat('en-GB', { style: currency ? 'currency' : 'decimal', currency: currency ?? undefined, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${value} ${currency ?? ''}`.trim();
  }
}

/** Scores and their points always with one decimal ("70.0", "64.1"), so a column of them lines up and reads alike. */
export function formatScore(n: number): string {
  return n.toFixed(1);
}

const PHRASES: Record<string, string> = {
  'vendor.create': 'created vendor',
  'vendor.update': 'updated vendor',
  'vendor.delete': 'deleted vendor',
  'vendor.review': 'reviewed vendor',
  'vendor.review-overdue': 'flagged review overdue for',
  'vendor.subcontractor.add': 'added a subcontractor to',
  'vendor.subcontractor.remove': 'removed a subcontractor from',
  'comment.create': 'commented on',
  'session.login': 'signed in',
  'settings.risk-model.update': 'changed the risk model',
};

/** An audit action as a phrase: "vendor.subcontractor.add" → "added a subcontractor to". */
export function describeAction(action: string): string {
  if (PHRASES[action]) return PHRASES[action];
  const parts = action.split('.');
  const verb = parts[parts.length - 1];
  const noun = parts.slice(0, -1).join(' ').replace(/-/g, ' ');
  const verbs: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted', add: 'added', remove: 'removed', revoke: 'revoked' };
  return `${verbs[verb] ?? verb} ${noun}`.trim();
}

export function splitList(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * A review is overdue once its date has passed for a vendor still in use. The API's reviewOverdue flag is
 * raised by an hourly job, so the date is checked here too and the two never disagree on screen.
 */
export function isReviewOverdue(v: { reviewOverdue: boolean; nextReviewAt: string | null; status: string }, now = Date.now()): boolean {
  return v.reviewOverdue || ((v.status === 'active' || v.status === 'offboarding') && v.nextReviewAt !== null && Date.parse(v.nextReviewAt) <= now);
}

/**
 * Where a finding's component sits in its SBOM. Depth 0 is the SBOM's root, the product release
 * itself (a CVE against the product, e.g. matched by the release's own CPE), which is neither a
 * direct nor a transitive dependency.
 */
export function dependencyPlace(c: { direct: boolean; depth: number | null }, detail = false): string {
  if (c.depth === 0) return 'the release itself';
  if (c.direct) return 'direct';
  return detail && c.depth !== null ? `transitive (depth ${c.depth})` : 'transitive';
}
