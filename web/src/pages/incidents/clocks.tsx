// Countdowns shared by the board and the incident page: one ticking clock per page, not per badge.
import { useEffect, useState } from 'react';
import type { Clock } from '../../incidentTypes.js';

/** The current time, updated every `ms` while the page is shown. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** "2 d 4 h", "3 h 12 min", "4 min 05 s": coarse when far, to the second when close. */
export function formatSpan(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  return `${m} min ${String(sec).padStart(2, '0')} s`;
}

/** Minutes as people read durations: "45 min", "3.5 h", "2.1 d". */
export function formatMinutes(minutes: number | null): string {
  if (minutes === null) return '—';
  if (minutes > 0 && minutes < 10) return `${minutes.toFixed(1)} min`;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} d`;
}

/** How urgent a running clock is: overdue, under an hour (or a tenth of its span), or fine. */
export function urgency(clock: Pick<Clock, 'startedAt' | 'dueAt'>, now: number): 'overdue' | 'soon' | 'ok' {
  const due = Date.parse(clock.dueAt);
  if (due <= now) return 'overdue';
  const span = due - Date.parse(clock.startedAt);
  return due - now < Math.max(60 * 60_000, span / 10) ? 'soon' : 'ok';
}

/** A running clock's countdown ("due in 3 h 12 min" / "overdue by 4 min 05 s"), its label as title. */
export function Countdown({ clock, now, short = false }: { clock: Pick<Clock, 'startedAt' | 'dueAt' | 'label'>; now: number; short?: boolean }) {
  const left = Date.parse(clock.dueAt) - now;
  const level = urgency(clock, now);
  return (
    <span className={`incident-countdown incident-countdown-${level}`} title={`${clock.label}: due ${new Date(clock.dueAt).toLocaleString()}`} data-testid="countdown">
      {short ? '' : `${clock.label}: `}
      {left <= 0 ? `overdue by ${formatSpan(left)}` : `${formatSpan(left)} left`}
    </span>
  );
}
