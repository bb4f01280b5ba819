import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { onUnauthorized, resumeSession, signOut as apiSignOut } from './api.js';
import { ErrorBanner, Loading } from './components.js';
import { Link, match, navigate, useLocation } from './router.js';
import { SessionContext, type SessionContextValue } from './session.js';
import type { Session } from './types.js';
import { SignIn } from './pages/SignIn.js';
import { DashboardPage } from './pages/Dashboard.js';
import { InventoryPage } from './pages/Inventory.js';
import { VendorPage } from './pages/Vendor.js';
import { VendorFormPage } from './pages/VendorForm.js';
import { SettingsPage } from './pages/Settings.js';
import { NotificationSettingsPage } from './pages/NotificationSettings.js';
import { ProductPage } from './pages/Product.js';
import { IntegrityPage } from './pages/Integrity.js';
import { SbomDiffPage, SbomPage } from './pages/Sbom.js';
import { TechnologiesPage, TechnologyPage, WhoUsesPage } from './pages/Technologies.js';
import { AdvisoryPage, FindingsPage } from './pages/Findings.js';
import { FindingPage } from './pages/Finding.js';
import { GlobalSearch } from './GlobalSearch.js';
import { SearchPage } from './pages/Search.js';
import { RiskPage, RisksPage } from './pages/Risks.js';
import { MentionsPage } from './pages/Mentions.js';
import { IndicatorPage, IndicatorsPage, SightingsPage } from './pages/Intel.js';
import { ServicesPage } from './pages/Services.js';
import { AssessmentPage, AssessmentReportPage, AssessmentsPage } from './pages/Assessments.js';
import { TemplatePage, TemplatesPage } from './pages/Templates.js';
import { ControlPage, ControlsPage } from './pages/Controls.js';
import { IncidentBoardPage } from './pages/incidents/Board.js';
import { BlocklistPage } from './pages/egress/Blocklist.js';
import { PolicyPage } from './pages/egress/Policy.js';
import { DataFlowsPage } from './pages/egress/DataFlows.js';
import { DestinationsPage } from './pages/egress/Destinations.js';
import { EgressAlertPage, EgressAlertsPage } from './pages/egress/Alerts.js';
import { IncidentPage } from './pages/incidents/Incident.js';
import { IncidentMetricsPage } from './pages/incidents/Metrics.js';
import { NewIncidentPage } from './pages/incidents/NewIncident.js';
import { incidentSectionOf } from './pages/incidents/IncidentsNav.js';
import { EGRESS_SECTIONS } from './pages/egress/EgressNav.js';
import { PlaybookPage, PlaybooksPage } from './pages/Playbooks.js';
import { DrillPage, DrillsPage } from './pages/Drills.js';

type State = { kind: 'starting' } | { kind: 'signed-out'; notice?: string } | { kind: 'signed-in'; session: Session } | { kind: 'failed'; error: unknown };

export function App() {
  const [state, setState] = useState<State>({ kind: 'starting' });

  const start = useCallback(() => {
    setState({ kind: 'starting' });
    resumeSession().then(
      (session) => setState(session ? { kind: 'signed-in', session } : { kind: 'signed-out' }),
      (error: unknown) => setState({ kind: 'failed', error }),
    );
  }, []);

  useEffect(start, [start]);
  useEffect(
    () =>
      onUnauthorized(() => {
        void apiSignOut().catch(() => undefined);
        setState({ kind: 'signed-out', notice: 'Your session has ended. Sign in again to continue.' });
      }),
    [],
  );

  if (state.kind === 'starting') {
    return (
      <div className="center-page">
        <Loading label="Starting Thirdwatch…" />
      </div>
    );
  }
  if (state.kind === 'failed') {
    return (
      <div className="center-page">
        <ErrorBanner error={state.error} onRetry={start} />
      </div>
    );
  }
  if (state.kind === 'signed-out') {
    return (
      <SignIn
        notice={state.notice}
        onSignedIn={(session) => {
          setState({ kind: 'signed-in', session });
          if (window.location.pathname === '/signin') navigate('/', { replace: true });
        }}
      />
    );
  }
  return <Shell session={state.session} onSignedOut={() => setState({ kind: 'signed-out' })} />;
}

function Shell({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(location.path);

  const value = useMemo<SessionContextValue>(
    () => ({
      session,
      can: (permission) => session.permissions.includes(permission),
      signOut: () => {
        void apiSignOut().finally(onSignedOut);
      },
    }),
    [session, onSignedOut],
  );

  // Move focus to the new page so keyboard and screen-reader users start at its top.
  useEffect(() => {
    if (location.path === firstPath.current) return;
    firstPath.current = '';
    mainRef.current?.focus({ preventScroll: true });
  }, [location.path]);

  const section =
    location.path === '/'
      ? 'dashboard'
      : /^\/(vendors|products|sboms)/.test(location.path)
        ? 'inventory'
        : location.path.startsWith('/settings')
          ? 'settings'
          : location.path.startsWith('/technologies')
            ? 'technologies'
            : /^\/(findings|advisories)/.test(location.path)
              ? 'findings'
              : /^\/(risks|mentions)/.test(location.path)
                ? 'risks'
                : /^\/(indicators|sightings)/.test(location.path)
                  ? 'intel'
                  : /^\/(assessments|controls|services)/.test(location.path)
                    ? 'assessments'
                    : incidentSectionOf(location.path)
                      ? 'incidents'
                      : location.path === '/egress' || location.path.startsWith('/egress/')
                        ? 'egress'
                        : '';

  return (
    <SessionContext.Provider value={value}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Thirdwatch home">
          <svg width="18" height="18" viewBox="0 0 16 16" aria-hidden="true">
            <rect width="16" height="16" rx="3" fill="currentColor" />
            <path d="M4 5h8M8 5v7" stroke="#fff" strokeWidth="2" />
          </svg>
          <span className="brand-name">Thirdwatch</span>
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link to="/" aria-current={section === 'dashboard' ? 'page' : undefined}>
                Dashboard
              </Link>
            </li>
            <li>
              <Link to="/vendors" aria-current={section === 'inventory' ? 'page' : undefined}>
                Inventory
              </Link>
            </li>
            <li>
              <Link to="/technologies" aria-current={section === 'technologies' ? 'page' : undefined}>
                Technologies
              </Link>
            </li>
            <li>
              <Link to="/findings" aria-current={section === 'findings' ? 'page' : undefined}>
                Findings
              </Link>
            </li>
            <li>
              <Link to="/risks" aria-current={section === 'risks' ? 'page' : undefined}>
                Risks
              </Link>
            </li>
            <li>
              <Link to="/assessments" aria-current={section === 'assessments' ? 'page' : undefined}>
                Assessments
              </Link>
            </li>
            <li>
              <Link to="/incidents" aria-current={section === 'incidents' ? 'page' : undefined}>
                Incidents
              </Link>
            </li>
            <li>
              <Link to={EGRESS_SECTIONS[0][0]} aria-current={section === 'egress' ? 'page' : undefined}>
                Egress
              </Link>
            </li>
            <li>
              <Link to="/indicators" aria-current={section === 'intel' ? 'page' : undefined}>
                Intel
              </Link>
            </li>
            <li>
              <Link to="/settings" aria-current={section === 'settings' ? 'page' : undefined}>
                Risk model
              </Link>
            </li>
          </ul>
        </nav>
        <GlobalSearch />
        <div className="whoami">
          <span className="actor" data-testid="actor">
            <span className="actor-name" title={session.actor.name}>
              {session.actor.name}
            </span>
            <span className="role">{session.actor.role}</span>
          </span>
          <button type="button" className="btn btn-small" onClick={value.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Routes path={location.path} />
      </main>
    </SessionContext.Provider>
  );
}

function Routes({ path }: { path: string }) {
  if (path === '/' || path === '/signin') return <DashboardPage />;
  if (path === '/vendors') return <InventoryPage />;
  if (path === '/vendors/new') return <VendorFormPage />;
  if (path === '/settings') return <SettingsPage />;
  if (path === '/settings/notifications') return <NotificationSettingsPage />;
  if (path === '/components') return <WhoUsesPage />;
  if (path === '/technologies') return <TechnologiesPage />;
  if (path === '/findings') return <FindingsPage />;
  if (path === '/risks') return <RisksPage />;
  if (path === '/mentions') return <MentionsPage />;
  if (path === '/indicators') return <IndicatorsPage />;
  if (path === '/sightings') return <SightingsPage />;
  if (path === '/search') return <SearchPage />;
  if (path === '/services') return <ServicesPage />;
  if (path === '/assessments') return <AssessmentsPage />;
  if (path === '/assessments/templates') return <TemplatesPage />;
  if (path === '/assessments/templates/new') return <TemplatePage id={null} key="new" />;
  if (path === '/controls') return <ControlsPage />;
  if (path === '/incidents') return <IncidentBoardPage />;
  if (path === '/egress/blocklist') return <BlocklistPage />;
  if (path === '/egress/policy') return <PolicyPage />;
  if (path === '/egress') return <DataFlowsPage />;
  if (path === '/egress/destinations') return <DestinationsPage />;
  if (path === '/egress/alerts') return <EgressAlertsPage />;
  if (path === '/incidents/new') return <NewIncidentPage />;
  if (path === '/incidents/metrics') return <IncidentMetricsPage />;
  if (path === '/playbooks') return <PlaybooksPage />;
  if (path === '/playbooks/new') return <PlaybookPage id={null} key="new" />;
  if (path === '/drills') return <DrillsPage />;
  let params = match('/vendors/:id/edit', path);
  if (params) return <VendorFormPage id={params.id} key={params.id} />;
  params = match('/products/:id/integrity', path);
  if (params) return <IntegrityPage id={params.id} key={params.id} />;
  params = match('/products/:id', path);
  if (params) return <ProductPage id={params.id} key={params.id} />;
  params = match('/sboms/:a/diff/:b', path);
  if (params) return <SbomDiffPage a={params.a} b={params.b} key={`${params.a}-${params.b}`} />;
  params = match('/sboms/:id', path);
  if (params) return <SbomPage id={params.id} key={params.id} />;
  params = match('/technologies/:id', path);
  if (params) return <TechnologyPage id={params.id} key={params.id} />;
  params = match('/findings/:id', path);
  if (params) return <FindingPage id={params.id} key={params.id} />;
  params = match('/advisories/:id', path);
  if (params) return <AdvisoryPage id={params.id} key={params.id} />;
  params = match('/indicators/:id', path);
  if (params) return <IndicatorPage id={params.id} key={params.id} />;
  params = match('/risks/:id', path);
  if (params) return <RiskPage id={params.id} key={params.id} />;
  params = match('/assessments/templates/:id', path);
  if (params) return <TemplatePage id={params.id} key={params.id} />;
  params = match('/assessments/:id/report', path);
  if (params) return <AssessmentReportPage id={params.id} key={params.id} />;
  params = match('/assessments/:id', path);
  if (params && params.id !== 'templates') return <AssessmentPage id={params.id} key={params.id} />;
  params = match('/playbooks/:id', path);
  if (params) return <PlaybookPage id={params.id} key={params.id} />;
  params = match('/drills/:id', path);
  if (params) return <DrillPage id={params.id} key={params.id} />;
  params = match('/controls/:label', path);
  if (params) return <ControlPage label={params.label} key={params.label} />;
  params = match('/egress/alerts/:id', path);
  if (params) return <EgressAlertPage id={params.id} key={params.id} />;
  params = match('/incidents/:id', path);
  if (params) return <IncidentPage id={params.id} key={params.id} />;
  params = match('/vendors/:id', path);
  if (params) return <VendorPage id={params.id} key={params.id} />;
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link to="/">Go to the dashboard</Link>.
      </p>
    </div>
  );
}
