import { Link, useLocation } from '../../router.js';

/** The incident-response area's sections; every page of the area renders it under its heading. */
export const INCIDENT_SECTIONS = [
  ['/incidents', 'Board'],
  ['/incidents/metrics', 'Metrics'],
  ['/playbooks', 'Playbooks'],
  ['/drills', 'Drills'],
  ['/egress/blocklist', 'Blocklist'],
] as const;

/** Which section a path belongs to: its own entry, or the incident board for an incident's page. */
export function incidentSectionOf(path: string): string | null {
  for (const [to] of INCIDENT_SECTIONS) if (to !== '/incidents' && (path === to || path.startsWith(`${to}/`))) return to;
  return path === '/incidents' || path.startsWith('/incidents/') ? '/incidents' : null;
}

export function IncidentsNav() {
  const { path } = useLocation();
  const current = incidentSectionOf(path);
  return (
    <nav className="subnav incident-nav" aria-label="Incident response">
      {INCIDENT_SECTIONS.map(([to, label]) => (
        <Link key={to} to={to} aria-current={current === to ? 'page' : undefined}>
          {label}
        </Link>
      ))}
    </nav>
  );
}
