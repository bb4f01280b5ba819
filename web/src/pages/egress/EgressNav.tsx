import { Link, useLocation } from '../../router.js';

/** The egress area's sections; every egress page renders it under its heading. */
export const EGRESS_SECTIONS = [
  ['/egress', 'Data flows'],
  ['/egress/destinations', 'Destinations'],
  ['/egress/alerts', 'Alerts'],
  ['/egress/policy', 'Proxy policy'],
  ['/egress/blocklist', 'Blocklist'],
] as const;

/** Which section a path belongs to: its own entry (an alert's page belongs to Alerts), else null. */
export function egressSectionOf(path: string): string | null {
  for (const [to] of EGRESS_SECTIONS) if (to !== '/egress' && (path === to || path.startsWith(`${to}/`))) return to;
  return path === '/egress' ? '/egress' : null;
}

export function EgressNav() {
  const { path } = useLocation();
  const current = egressSectionOf(path);
  return (
    <nav className="subnav egress-nav" aria-label="Egress">
      {EGRESS_SECTIONS.map(([to, label]) => (
        <Link key={to} to={to} aria-current={current === to ? 'page' : undefined}>
          {label}
        </Link>
      ))}
    </nav>
  );
}
