import type { ReactNode } from 'react';
import { IncidentsNav } from './incidents/IncidentsNav.js';

/** The frame of the playbook and drill pages: crumbs, heading with actions, then the page. */
export function IncidentArea({ title, crumbs, actions, children }: { title: string; crumbs?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <div className="page">
      {crumbs ? <p className="crumbs">{crumbs}</p> : null}
      <div className="page-head">
        <h1>{title}</h1>
        {actions}
      </div>
      <IncidentsNav />
      {children}
    </div>
  );
}
