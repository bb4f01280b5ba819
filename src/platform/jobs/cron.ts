/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week, UTC) with *, lists,
 * ranges and steps, plus @hourly/@daily/@weekly. Enough for feed syncs and review checks.
 */
export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Standard cron: when both day fields are restricted, either may match. */
  dayOr: boolean;
}

const ALIASES: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

export function parseCron(expression: string): CronSchedule {
  const parts = (ALIASES[expression.trim()] ?? expression).trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expression}": expected 5 fields, got ${parts.length}`);
  const sets = parts.map((part, i) => parseField(part, FIELDS[i], expression));
  const weekdays = new Set([...sets[4]].map((d) => d % 7));
  return {
    minutes: sets[0],
    hours: sets[1],
    days: sets[2],
    months: sets[3],
    weekdays,
    dayOr: parts[2] !== '*' && parts[4] !== '*',
  };
}

function parseField(text: string, field: (typeof FIELDS)[number], expression: string): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw new Error(`cron "${expression}": bad ${field.name} "${item}"`);
    const step = match[4] ? Number(match[4]) : 1;
    const from = match[1] === '*' ? field.min : Number(match[2]);
    const to = match[1] === '*' ? field.max : match[3] ? Number(match[3]) : match[4] ? field.max : from;
    if (step < 1 || from < field.min || to > field.max || from > to) {
      throw new Error(`cron "${expression}": ${field.name} "${item}" is outside ${field.min}-${field.max}`);
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** The first matching minute strictly after `after`. */
export function nextRun(schedule: CronSchedule, after: Date): Date {
  const t = new Date(after);
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  // Four years of minutes bound the search; any valid expression matches well within that.
  for (let guard = 0; guard < 4 * 366 * 24 * 60; guard++) {
    if (!schedule.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    const dom = schedule.days.has(t.getUTCDate());
    const dow = schedule.weekdays.has(t.getUTCDay());
    const dayMatches = schedule.dayOr ? dom || dow : dom && dow;
    if (!dayMatches) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!schedule.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!schedule.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return t;
  }
  throw new Error('cron expression never matches');
}
