import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachEngine } from '../../src/platform/db/test-support/engines.js';
import { buildHttp } from '../../src/app/thirdwatch.js';
import { can, grantsOf, isRole, PERMISSIONS, ROLES, type Permission } from '../../src/platform/auth/roles.js';
import { hashSecret } from '../../src/platform/auth/secrets.js';
import { systemContext } from '../../src/platform/context.js';
import type { RouteInfo } from '../../src/platform/http/server.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * What every route of the app requires: a permission, or 'public' for routes anyone may call.
 * Declared here, independently of the routes' own configuration, so a new route cannot ship
 * without someone stating who may call it, and a changed permission shows up as a test failure.
 * Add new routes to this table (one line each, `'METHOD /url/:param': 'permission' | 'public'`).
 */
const EXPECTED_ACCESS: Record<string, Permission | 'public'> = {
  // Outside the API: documentation, health, the web UI.
  'GET /api/docs': 'public',
  'GET /api/docs/static/index.html': 'public',
  'GET /api/docs/static/swagger-initializer.js': 'public',
  'GET /api/docs/json': 'public',
  'GET /api/docs/yaml': 'public',
  'GET /api/docs/static/*': 'public',
  'GET /api/openapi.json': 'public',
  'GET /healthz': 'public',
  'GET /*': 'public',
  // The API.
  'GET /api/v1/dashboard': 'read',
  'POST /api/v1/findings/:id/cpe-decision': 'findings:triage',
  'GET /api/v1/cpe-decisions': 'read',
  'GET /api/v1/products/:id/cpe': 'read',
  'PUT /api/v1/products/:id/cpe': 'inventory:write',
  'GET /api/v1/jobs': 'settings:write',
  'GET /api/v1/jobs/:id': 'read',
  'POST /api/v1/jobs/:id/cancel': 'read',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'public',
  'GET /api/v1/auth/session': 'read',
  'GET /api/v1/tokens': 'tokens:manage',
  'POST /api/v1/tokens': 'tokens:manage',
  'DELETE /api/v1/tokens/:id': 'tokens:manage',
  'GET /api/v1/users': 'users:manage',
  'POST /api/v1/users': 'users:manage',
  'PATCH /api/v1/users/:id': 'users:manage',
  'GET /api/v1/teams': 'read',
  'GET /api/v1/vendors': 'read',
  'POST /api/v1/vendors': 'inventory:write',
  'GET /api/v1/vendors/export': 'read',
  'POST /api/v1/vendors/import': 'inventory:write',
  'GET /api/v1/vendors/:id': 'read',
  'PATCH /api/v1/vendors/:id': 'inventory:write',
  'DELETE /api/v1/vendors/:id': 'inventory:write',
  'POST /api/v1/vendors/:id/reviews': 'inventory:write',
  'GET /api/v1/vendors/:id/fourth-parties': 'read',
  'POST /api/v1/vendors/:id/subcontractors': 'inventory:write',
  'DELETE /api/v1/vendors/:id/subcontractors/:childId': 'inventory:write',
  'GET /api/v1/vendors/:id/products': 'read',
  'POST /api/v1/vendors/:id/products': 'inventory:write',
  'GET /api/v1/products/:id': 'read',
  'PATCH /api/v1/products/:id': 'inventory:write',
  'DELETE /api/v1/products/:id': 'inventory:write',
  'GET /api/v1/vendors/:id/contacts': 'read',
  'POST /api/v1/vendors/:id/contacts': 'inventory:write',
  'PATCH /api/v1/contacts/:id': 'inventory:write',
  'DELETE /api/v1/contacts/:id': 'inventory:write',
  'GET /api/v1/vendors/:id/contracts': 'read',
  'POST /api/v1/vendors/:id/contracts': 'inventory:write',
  'PATCH /api/v1/contracts/:id': 'inventory:write',
  'DELETE /api/v1/contracts/:id': 'inventory:write',
  'GET /api/v1/vendors/:id/comments': 'read',
  'POST /api/v1/vendors/:id/comments': 'comments:write',
  'GET /api/v1/settings/risk-model': 'read',
  'PUT /api/v1/settings/risk-model': 'settings:write',
  'GET /api/v1/products/:id/sboms': 'read',
  'GET /api/v1/products/:id/releases': 'read',
  'POST /api/v1/artifacts/check': 'findings:triage',
  'POST /api/v1/artifacts': 'inventory:write',
  'GET /api/v1/artifacts': 'read',
  'GET /api/v1/artifacts/:id': 'read',
  'DELETE /api/v1/artifacts/:id': 'inventory:write',
  'PUT /api/v1/artifacts/:id/files': 'inventory:write',
  'POST /api/v1/artifacts/:id/provenance': 'inventory:write',
  'GET /api/v1/integrity/alerts': 'read',
  'GET /api/v1/products/:id/integrity': 'read',
  'GET /api/v1/settings/integrity': 'read',
  'PUT /api/v1/settings/integrity': 'settings:write',
  'GET /api/v1/estate': 'read',
  'GET /api/v1/sboms/:id': 'read',
  'DELETE /api/v1/sboms/:id': 'inventory:write',
  'GET /api/v1/sboms/:id/components': 'read',
  'GET /api/v1/sboms/:id/dependencies': 'read',
  'GET /api/v1/sboms/:id/download': 'read',
  'GET /api/v1/sboms/:a/diff/:b': 'read',
  'GET /api/v1/components': 'read',
  'GET /api/v1/technologies': 'read',
  'GET /api/v1/technologies/:key': 'read',
  'GET /api/v1/vendors/:id/technologies': 'read',
  'GET /api/v1/feeds': 'settings:write',
  'POST /api/v1/feeds/sync': 'inventory:write',
  'GET /api/v1/settings/feeds': 'settings:write',
  'PUT /api/v1/settings/feeds': 'settings:write',
  'GET /api/v1/settings/nvd': 'settings:write',
  'PUT /api/v1/settings/nvd': 'settings:write',
  'POST /api/v1/feeds/nvd/sync': 'inventory:write',
  'GET /api/v1/advisories': 'read',
  'GET /api/v1/advisories/:id': 'read',
  'GET /api/v1/findings': 'read',
  'GET /api/v1/indicators': 'read',
  'GET /api/v1/indicators/overview': 'read',
  'GET /api/v1/indicators/unsupported': 'read',
  'GET /api/v1/indicators/:id': 'read',
  'GET /api/v1/sightings': 'read',
  'GET /api/v1/settings/sighting-risks': 'settings:write',
  'PUT /api/v1/settings/sighting-risks': 'settings:write',
  'GET /api/v1/settings/taxii': 'settings:write',
  'PUT /api/v1/settings/taxii': 'settings:write',
  'GET /api/v1/taxii/collections': 'settings:write',
  'POST /api/v1/taxii/poll': 'inventory:write',
  'GET /api/v1/findings/trend': 'read',
  'GET /api/v1/findings/export': 'read',
  'GET /api/v1/findings/totals': 'read',
  'GET /api/v1/findings/groups': 'read',
  'GET /api/v1/findings/views': 'read',
  'POST /api/v1/findings/views': 'read',
  'PATCH /api/v1/findings/views/:id': 'read',
  'DELETE /api/v1/findings/views/:id': 'read',
  'GET /api/v1/findings/triage/batches': 'findings:triage',
  'POST /api/v1/findings/triage/:batchId/undo': 'findings:triage',
  'GET /api/v1/findings/:id': 'read',
  'PATCH /api/v1/findings/:id': 'findings:triage',
  'POST /api/v1/findings/triage': 'findings:triage',
  'GET /api/v1/exposure': 'read',
  'GET /api/v1/products/:id/vulnerability-risk': 'read',
  'GET /api/v1/vendors/:id/vulnerability-risk': 'read',
  'GET /api/v1/products/:id/vex': 'read',
  'GET /api/v1/products/:id/vdr': 'read',
  'GET /api/v1/settings/findings-policy': 'read',
  'PUT /api/v1/settings/findings-policy': 'settings:write',
  'GET /api/v1/audit': 'audit:read',
  'GET /api/v1/audit/verify': 'audit:read',
  'GET /api/v1/vendors/:id/history': 'read',
  'POST /api/v1/products/:id/sboms': 'inventory:write',
  'POST /api/v1/feeds/:kind/import': 'inventory:write',
  'POST /api/v1/controls/import': 'settings:write',
  'GET /api/v1/controls': 'read',
  'GET /api/v1/controls/profiles': 'read',
  'GET /api/v1/controls/catalogs': 'read',
  'GET /api/v1/controls/families': 'read',
  'GET /api/v1/controls/:label': 'read',
  'GET /api/v1/assessments/:id/oscal/assessment-results': 'read',
  'GET /api/v1/assessments/:id/oscal/poam': 'read',
  'GET /api/v1/risks': 'read',
  'POST /api/v1/risks': 'risks:write',
  'GET /api/v1/risks/summary': 'read',
  'GET /api/v1/risks/trend': 'read',
  'GET /api/v1/risks/export': 'read',
  'GET /api/v1/risks/:id': 'read',
  'PATCH /api/v1/risks/:id': 'risks:write',
  'POST /api/v1/risks/:id/acceptance': 'risks:write',
  'POST /api/v1/risks/:id/acceptance/decision': 'risks:approve',
  'GET /api/v1/settings/risk-scales': 'read',
  'PUT /api/v1/settings/risk-scales': 'settings:write',
  'GET /api/v1/mentions': 'read',
  'GET /api/v1/mentions/:id': 'read',
  'PATCH /api/v1/mentions/:id': 'risks:write',
  'GET /api/v1/search': 'read',
  'GET /api/v1/business-services': 'read',
  'POST /api/v1/business-services': 'assessments:write',
  'PATCH /api/v1/business-services/:id': 'assessments:write',
  'DELETE /api/v1/business-services/:id': 'assessments:write',
  'PUT /api/v1/business-services/:id/vendors': 'assessments:write',
  'GET /api/v1/vendors/:id/resilience': 'read',
  'GET /api/v1/settings/residual-risk': 'read',
  'PUT /api/v1/settings/residual-risk': 'settings:write',
  'GET /api/v1/settings/assessment-cadence': 'read',
  'PUT /api/v1/settings/assessment-cadence': 'settings:write',
  'GET /api/v1/incidents/metrics': 'read',
  'GET /api/v1/incidents/clocks': 'read',
  'GET /api/v1/incidents/:id/clocks': 'read',
  'POST /api/v1/incidents/:id/clocks/:kind/complete': 'incidents:write',
  'GET /api/v1/settings/incident-sla': 'read',
  'PUT /api/v1/settings/incident-sla': 'settings:write',
  'GET /api/v1/settings/incident-regulation': 'read',
  'PUT /api/v1/settings/incident-regulation': 'settings:write',
  'GET /api/v1/settings/smtp': 'settings:write',
  'PUT /api/v1/settings/smtp': 'settings:write',
  'GET /api/v1/settings/portal': 'read',
  'PUT /api/v1/settings/portal': 'settings:write',
  'POST /api/v1/assessments/:id/invitations': 'assessments:write',
  'GET /api/v1/assessments/:id/files/:fileId': 'read',
  // The vendor portal: the link exchange is public; everything else is the portal principal's only.
  'POST /api/v1/portal/sessions': 'public',
  'GET /api/v1/portal/session': 'portal',
  'GET /api/v1/portal/assessments': 'portal',
  'GET /api/v1/portal/assessments/:id': 'portal',
  'PUT /api/v1/portal/assessments/:id/answers': 'portal',
  'POST /api/v1/portal/assessments/:id/submit': 'portal',
  'POST /api/v1/portal/files': 'portal',
  'GET /api/v1/portal/files/:id': 'portal',
  'GET /api/v1/assessments/templates': 'read',
  'POST /api/v1/assessments/templates': 'assessments:write',
  'POST /api/v1/assessments/templates/import': 'assessments:write',
  'GET /api/v1/assessments/templates/:id': 'read',
  'PUT /api/v1/assessments/templates/:id': 'assessments:write',
  'GET /api/v1/assessments/templates/:id/export': 'read',
  'GET /api/v1/assessments': 'read',
  'POST /api/v1/assessments': 'assessments:write',
  'GET /api/v1/assessments/:id': 'read',
  'POST /api/v1/assessments/:id/cancel': 'assessments:write',
  'PUT /api/v1/assessments/:id/answers': 'assessments:write',
  'POST /api/v1/assessments/:id/submit': 'assessments:write',
  'POST /api/v1/assessments/:id/review': 'assessments:write',
  'GET /api/v1/assessments/:id/answers.csv': 'read',
  'GET /api/v1/assessments/:id/remediations': 'read',
  'POST /api/v1/assessments/:id/remediations': 'assessments:write',
  'GET /api/v1/assessment-remediations': 'read',
  'PATCH /api/v1/assessment-remediations/:id': 'assessments:write',
  'GET /api/v1/drills': 'read',
  'POST /api/v1/drills': 'incidents:write',
  'GET /api/v1/drills/:id': 'read',
  'POST /api/v1/drills/:id/finish': 'incidents:write',
  'GET /api/v1/drill-schedules': 'read',
  'POST /api/v1/drill-schedules': 'playbooks:write',
  'PATCH /api/v1/drill-schedules/:id': 'playbooks:write',
  'DELETE /api/v1/drill-schedules/:id': 'playbooks:write',
  'GET /api/v1/playbooks/schema': 'read',
  'GET /api/v1/playbooks': 'read',
  'POST /api/v1/playbooks': 'playbooks:write',
  'POST /api/v1/playbooks/validate': 'read',
  'GET /api/v1/playbooks/:id': 'read',
  'PUT /api/v1/playbooks/:id': 'playbooks:write',
  'POST /api/v1/playbooks/:id/enable': 'playbooks:write',
  'POST /api/v1/playbooks/:id/disable': 'playbooks:write',
  'GET /api/v1/playbooks/:id/versions': 'read',
  'GET /api/v1/playbooks/:id/diff': 'read',
  'GET /api/v1/playbook-runs': 'read',
  'GET /api/v1/playbook-runs/:id': 'read',
  // Incidents (issue 11).
  'GET /api/v1/incidents': 'read',
  'POST /api/v1/incidents': 'incidents:write',
  'GET /api/v1/incidents/:id': 'read',
  'PATCH /api/v1/incidents/:id': 'incidents:write',
  'POST /api/v1/incidents/:id/status': 'incidents:write',
  'POST /api/v1/incidents/:id/participants': 'incidents:write',
  'DELETE /api/v1/incidents/:id/participants/:participantId': 'incidents:write',
  'POST /api/v1/incidents/:id/tasks': 'incidents:write',
  'PATCH /api/v1/incidents/:id/tasks/:taskId': 'incidents:write',
  'POST /api/v1/incidents/:id/tasks/:taskId/complete': 'incidents:write',
  'POST /api/v1/incidents/:id/events': 'incidents:write',
  'POST /api/v1/incidents/:id/links': 'incidents:write',
  'DELETE /api/v1/incidents/:id/links/:kind/:targetId': 'incidents:write',
  'POST /api/v1/incidents/:id/evidence': 'incidents:write',
  'GET /api/v1/incidents/:id/evidence/:fileId': 'read',
  'GET /api/v1/settings/incident-correlation': 'read',
  'PUT /api/v1/settings/incident-correlation': 'settings:write',
  // The egress blocklist (issue 11): proxies and resolvers fetch the exports with a read token.
  'GET /api/v1/egress/blocklist': 'read',
  'POST /api/v1/egress/blocklist': 'incidents:write',
  'GET /api/v1/egress/blocklist/:id': 'read',
  'DELETE /api/v1/egress/blocklist/:id': 'incidents:write',
  // The ICAP policy (issue 12): read by anyone signed in, edited with egress:write.
  'GET /api/v1/icap/policy': 'read',
  'PUT /api/v1/icap/policy': 'egress:write',
  'GET /api/v1/icap/status': 'read',
  // Egress alerts (issue 12): analysts and responders work them.
  'GET /api/v1/egress/alerts': 'read',
  'GET /api/v1/egress/alerts/settings': 'read',
  'PUT /api/v1/egress/alerts/settings': 'egress:write',
  'GET /api/v1/egress/alerts/:id': 'read',
  'POST /api/v1/egress/alerts/:id/acknowledge': 'egress:write',
  'POST /api/v1/egress/alerts/:id/resolve': 'egress:write',
  // Personal-data detection (issue 12): testing a sample stores nothing; the custom patterns steer blocking.
  'POST /api/v1/pii/scan': 'read',
  'GET /api/v1/pii/patterns': 'read',
  'PUT /api/v1/pii/patterns': 'egress:write',
  // Data flows and destination triage (issue 12).
  'GET /api/v1/dataflows': 'read',
  'GET /api/v1/dataflows/graph': 'read',
  'GET /api/v1/egress/destinations': 'read',
  'PUT /api/v1/egress/destinations/:destination': 'egress:write',
  'GET /api/v1/settings/egress-saas': 'read',
  'PUT /api/v1/settings/egress-saas': 'settings:write',
  // Egress events (issue 12): proxies and collectors post with an egress:write token, SIEMs read exports with a read token.
  'POST /api/v1/egress/events': 'egress:write',
  'GET /api/v1/egress/events': 'read',
  'GET /api/v1/egress/events/:id': 'read',
  'GET /api/v1/egress/detections': 'read',
  'GET /api/v1/notifications/channels': 'settings:write',
  'POST /api/v1/notifications/channels': 'settings:write',
  'GET /api/v1/notifications/channels/:id': 'settings:write',
  'PATCH /api/v1/notifications/channels/:id': 'settings:write',
  'DELETE /api/v1/notifications/channels/:id': 'settings:write',
  'POST /api/v1/notifications/channels/:id/test': 'settings:write',
  'GET /api/v1/notifications/templates': 'settings:write',
  'GET /api/v1/notifications/templates/:event': 'settings:write',
  'PUT /api/v1/notifications/templates/:event': 'settings:write',
  'DELETE /api/v1/notifications/templates/:event': 'settings:write',
  'GET /api/v1/notifications/outbox': 'settings:write',
  'POST /api/v1/notifications/outbox/:id/retry': 'settings:write',
  'GET /api/v1/notifications/deliveries': 'settings:write',
  // Vendor reporting: vendor API tokens are credentials (admins issue them); reports are the portal principal's.
  'POST /api/v1/vendors/:id/portal-tokens': 'tokens:manage',
  'POST /api/v1/vendors/:id/portal-access': 'incidents:write',
  'GET /api/v1/vendors/:id/portal-tokens': 'tokens:manage',
  'DELETE /api/v1/vendors/:id/portal-tokens/:tokenId': 'tokens:manage',
  'POST /api/v1/portal/incidents': 'portal',
  'GET /api/v1/portal/incidents': 'portal',
  'GET /api/v1/portal/incidents/:id': 'portal',
};

const PASSWORD = 'correct horse battery staple';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

async function expectProblem(res: Response, status: number, what: string): Promise<Problem> {
  const text = await res.text();
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${text.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
  const problem = JSON.parse(text) as Problem;
  assert.equal(problem.status, status, what);
  assert.match(problem.type, /^https:\/\/thirdwatch\.dev\/problems\//, what);
  assert.ok(problem.title && problem.detail, what);
  return problem;
}

/** A concrete path for a route pattern: every parameter becomes a well-formed UUID that names nothing. */
const concrete = (url: string) => url.replace(/:[A-Za-z0-9_]+/g, () => randomUUID()).replace(/\*$/, 'x');

const sessionCookieOf = (res: Response): string => {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('tw_session='));
  assert.ok(header, 'login sets the tw_session cookie');
  return header.split(';')[0];
};

/** Waits out the last seconds of a minute, so a burst of failures lands in one rate-limit window. */
async function awayFromMinuteBoundary(): Promise<void> {
  const seconds = new Date().getUTCSeconds();
  if (seconds >= 50) await new Promise((r) => setTimeout(r, (61 - seconds) * 1000));
}

describeEachEngine('authorization', ({ engine }) => {
  describe('route table', () => {
    let server: TestServer;
    let routes: RouteInfo[];
    const secrets: string[] = [];

    before(async () => {
      server = await startTestServer(engine, { THIRDWATCH_AUTH_FAILURES_PER_MINUTE: '1000' });
      // The route table as the server builds it (a second, unstarted instance over the same services),
      // with a web UI directory present so the UI's routes are registered too.
      const webRoot = mkdtempSync(join(tmpdir(), 'thirdwatch-web-'));
      writeFileSync(join(webRoot, 'index.html'), '<!doctype html>');
      const built = await buildHttp(server.tw, { webRoot });
      routes = built.routes;
      await built.app.close();
      rmSync(webRoot, { recursive: true });
      secrets.push(...Object.values(server.tokens));
    });
    after(async () => {
      await server?.close();
    });

    const keyOf = (r: RouteInfo) => `${r.method} ${r.url}`;
    const guarded = () => routes.filter((r) => r.permission !== null);

    test('every route the app registers has a declared expectation, and the route enforces it', () => {
      assert.ok(guarded().length >= 30, `only ${guarded().length} guarded routes`);
      const here = 'EXPECTED_ACCESS at the top of test/api/authorization.test.ts';
      const undeclared = routes.filter((r) => !Object.hasOwn(EXPECTED_ACCESS, keyOf(r)));
      const differing = routes.filter((r) => Object.hasOwn(EXPECTED_ACCESS, keyOf(r)) && EXPECTED_ACCESS[keyOf(r)] !== (r.permission ?? 'public'));
      const registered = new Set(routes.map(keyOf));
      const stale = Object.keys(EXPECTED_ACCESS).filter((key) => !registered.has(key));
      const report = [
        ...undeclared.map((r) => `no declared expectation: add  '${keyOf(r)}': '${r.permission ?? 'public'}',  to ${here} (the route itself requires ${r.permission ?? 'nothing'})`),
        ...differing.map((r) => `${keyOf(r)}: ${here} says ${EXPECTED_ACCESS[keyOf(r)]}, the route requires ${r.permission ?? 'nothing (public)'}`),
        ...stale.map((key) => `${key} is declared in ${here} but the app registers no such route: remove or rename it`),
      ];
      assert.deepEqual(report, [], `the route table and its declared expectations differ:\n${report.join('\n')}\n`);
      const publicApi = routes.filter((r) => r.permission === null && r.url.startsWith('/api/v1/'));
      assert.ok(
        publicApi.every((r) => ['POST /api/v1/auth/login', 'POST /api/v1/auth/logout'].includes(keyOf(r)) || r.url.startsWith('/api/v1/portal/')),
        `public API routes beyond sign-in and the portal: ${publicApi.map(keyOf).join(', ')}`,
      );
    });

    test('every permission guards at least one route (none is granted for routes that do not exist)', () => {
      const used = new Set(guarded().map((r) => r.permission));
      assert.deepEqual(PERMISSIONS.filter((p) => !used.has(p)), []);
    });

    test('analysts and responders triage findings; viewers and auditors do not', async () => {
      for (const role of ROLES) {
        for (const [method, path, json] of [['PATCH', `/api/v1/findings/${randomUUID()}`, { state: 'in_triage' }], ['POST', '/api/v1/findings/triage', { ids: [randomUUID()], state: 'in_triage' }]] as const) {
          const res = await server.api(path, { method, role, json });
          const text = await res.text();
          if (['admin', 'analyst', 'responder'].includes(role)) assert.ok(![401, 403].includes(res.status), `${role} ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
          else assert.equal(res.status, 403, `${role} ${method} ${path}: ${text.slice(0, 200)}`);
        }
      }
    });

    test('a user\'s token acts with at most the user\'s current role: a demotion applies to it at once', async () => {
      const access = server.tw.services.access;
      const user = await access.createUser({ email: 'demoted@example.com', name: 'Soon Demoted', role: 'analyst' }, systemContext('test'));
      const own = await access.createToken({ name: 'own', role: 'analyst', userId: user.id }, systemContext('test'));
      const wider = await access.createToken({ name: 'wider', role: 'admin', userId: user.id }, systemContext('test'));
      secrets.push(own.token, wider.token);
      const as = (token: string, path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
      const whoAmI = async (token: string) => ((await (await as(token, '/api/v1/auth/session')).json()) as { actor: { role: string }; permissions: string[] });

      // A token minted with more than its user's role gets no more than the user has.
      assert.equal((await whoAmI(wider.token)).actor.role, 'analyst');
      await expectProblem(await as(wider.token, '/api/v1/tokens'), 403, 'admin-role token of an analyst listing tokens');
      assert.equal((await as(own.token, '/api/v1/vendors', { method: 'POST', body: JSON.stringify({ name: 'Before Demotion' }) })).status, 201);

      assert.equal((await server.api(`/api/v1/users/${user.id}`, { method: 'PATCH', json: { role: 'viewer' } })).status, 200);
      for (const token of [own.token, wider.token]) {
        const session = await whoAmI(token);
        assert.equal(session.actor.role, 'viewer');
        assert.deepEqual(session.permissions, ['read']);
        const problem = await expectProblem(await as(token, '/api/v1/vendors', { method: 'POST', body: JSON.stringify({ name: 'After Demotion' }) }), 403, 'write with a demoted user\'s token');
        assert.match(problem.detail, /role viewer lacks the inventory:write permission/);
        assert.equal((await as(token, '/api/v1/vendors')).status, 200, 'reads still work');
      }
      // Roles that share only read access meet at viewer; a token never gains from its user.
      assert.equal((await server.api(`/api/v1/users/${user.id}`, { method: 'PATCH', json: { role: 'auditor' } })).status, 200);
      assert.equal((await whoAmI(own.token)).actor.role, 'viewer');
      assert.equal((await server.api(`/api/v1/users/${user.id}`, { method: 'PATCH', json: { role: 'admin' } })).status, 200);
      assert.equal((await whoAmI(own.token)).actor.role, 'analyst');
    });

    test('every guarded route answers 401 problem+json without credentials', async () => {
      for (const route of guarded()) {
        const res = await fetch(`${server.url}${concrete(route.url)}`, { method: route.method });
        await expectProblem(res, 401, `${route.method} ${route.url} without a token`);
      }
    });

    test('every guarded route answers 403 exactly when the role lacks the permission', async () => {
      const matrix: string[] = [];
      for (const route of guarded()) {
        const path = concrete(route.url);
        await Promise.all(
          ROLES.map(async (role) => {
            const res = await server.api(path, { method: route.method, role });
            const what = `${role} ${route.method} ${route.url} (needs ${route.permission})`;
            if (can(role, route.permission!)) {
              const text = await res.text();
              assert.ok(![401, 403].includes(res.status), `${what}: allowed role got ${res.status} ${text.slice(0, 200)}`);
              assert.ok(res.status < 500, `${what}: ${res.status} ${text.slice(0, 200)}`);
            } else {
              const problem = await expectProblem(res, 403, what);
              assert.match(problem.detail, new RegExp(`lacks the ${route.permission} permission`));
            }
            matrix.push(`${role}:${route.method}:${route.url}`);
          }),
        );
      }
      assert.equal(matrix.length, guarded().length * ROLES.length);
    });

    /** A portal session of the vendor, opened through the link of an invitation to a new assessment of it. */
    async function portalSession(vendorId: string): Promise<{ token: string; assessmentId: string }> {
      const templates = (await (await server.api('/api/v1/assessments/templates')).json()) as { items: Array<{ id: string; key: string | null }> };
      const templateId = templates.items.find((t) => t.key === 'incident-notification')!.id;
      const created = await server.api('/api/v1/assessments', { method: 'POST', json: { vendorId, templateId, dueAt: '2031-01-31' } });
      assert.equal(created.status, 201, await created.clone().text());
      const assessmentId = ((await created.json()) as { id: string }).id;
      const invited = await server.api(`/api/v1/assessments/${assessmentId}/invitations`, { method: 'POST', json: {} });
      assert.equal(invited.status, 201, await invited.clone().text());
      const link = ((await invited.json()) as { url: string }).url.split('#')[1];
      const res = await fetch(`${server.url}/api/v1/portal/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: link }) });
      assert.equal(res.status, 201, await res.clone().text());
      const { token } = (await res.json()) as { token: string };
      secrets.push(link, token);
      return { token, assessmentId };
    }

    test('a portal session answers 403 on every internal route and only the portal principal holds the portal permission', async () => {
      const vendor = (await (await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Portal Principal Vendor' } })).json()) as { id: string };
      const { token } = await portalSession(vendor.id);
      const internal = guarded().filter((r) => r.permission !== 'portal');
      for (const route of internal) {
        const res = await fetch(`${server.url}${concrete(route.url)}`, { method: route.method, headers: { authorization: `Bearer ${token}` } });
        const problem = await expectProblem(res, 403, `portal ${route.method} ${route.url}`);
        assert.match(problem.detail, new RegExp(`role portal lacks the ${route.permission} permission`));
      }
      assert.ok(internal.length > 100);
      assert.ok(ROLES.every((role) => !can(role, 'portal')), 'no user or token role holds the portal permission');
      assert.deepEqual(grantsOf('portal'), ['portal']);
      assert.ok(!isRole('portal'), 'portal is not a role users or tokens can be given');
      await expectProblem(await server.api('/api/v1/tokens', { method: 'POST', json: { name: 'as vendor', role: 'portal' } }), 400, 'minting a portal-role token');
    });

    test('every portal route with an id answers 404 for another vendor\'s ids', async () => {
      const [mine, theirs] = await Promise.all(['Portal Vendor Mine', 'Portal Vendor Theirs'].map(async (name) => ((await (await server.api('/api/v1/vendors', { method: 'POST', json: { name } })).json()) as { id: string }).id));
      const own = (await portalSession(mine)).token;
      const { token: other, assessmentId } = await portalSession(theirs);
      const upload = await fetch(`${server.url}/api/v1/portal/files?name=theirs.pdf`, { method: 'POST', headers: { authorization: `Bearer ${other}`, 'content-type': 'application/pdf' }, body: '%PDF-1.4\n%%EOF\n' });
      assert.equal(upload.status, 201, await upload.clone().text());
      const fileId = ((await upload.json()) as { id: string }).id;
      const reported = await fetch(`${server.url}/api/v1/portal/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Their incident', description: 'Only theirs to read.', detectedAt: new Date().toISOString(), contact: { name: 'Them' } }),
      });
      assert.equal(reported.status, 201, await reported.clone().text());
      const incidentId = ((await reported.json()) as { incident: { id: string } }).incident.id;
      const theirIds: Record<string, { params: Record<string, string>; body?: unknown }> = {
        'GET /api/v1/portal/files/:id': { params: { id: fileId } },
        'GET /api/v1/portal/assessments/:id': { params: { id: assessmentId } },
        'PUT /api/v1/portal/assessments/:id/answers': { params: { id: assessmentId }, body: { answers: [{ questionId: 'notify-hours', value: 4 }] } },
        'POST /api/v1/portal/assessments/:id/submit': { params: { id: assessmentId } },
        'GET /api/v1/portal/incidents/:id': { params: { id: incidentId } },
      };
      const withIds = guarded().filter((r) => r.permission === 'portal' && r.url.includes(':'));
      assert.deepEqual(withIds.map(keyOf).sort(), Object.keys(theirIds).sort(), 'every portal route with an id is tried with another vendor\'s ids');
      for (const route of withIds) {
        const { params, body } = theirIds[keyOf(route)];
        const path = route.url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => params[name]);
        const init = (token: string): RequestInit => ({ method: route.method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
        await expectProblem(await fetch(`${server.url}${path}`, init(own)), 404, `another vendor's ids: ${route.method} ${path}`);
        // The same request from the owner is no 404: the ids exist, only the vendor differs.
        const owner = await fetch(`${server.url}${path}`, init(other));
        assert.ok(owner.status < 300 || owner.status === 422, `the owner's ${route.method} ${path}: ${owner.status} ${(await owner.text()).slice(0, 200)}`);
      }
      // A vendor system's API token (twv_) is held to its vendor the same way.
      const minted = await server.api(`/api/v1/vendors/${mine}/portal-tokens`, { method: 'POST', json: { name: 'their SOAR' } });
      assert.equal(minted.status, 201, await minted.clone().text());
      const vendorToken = ((await minted.json()) as { token: string }).token;
      secrets.push(vendorToken);
      await expectProblem(await fetch(`${server.url}/api/v1/portal/incidents/${incidentId}`, { headers: { authorization: `Bearer ${vendorToken}` } }), 404, 'a vendor token on another vendor\'s incident');
      const listed = (await (await fetch(`${server.url}/api/v1/portal/incidents`, { headers: { authorization: `Bearer ${vendorToken}` } })).json()) as { items: unknown[] };
      assert.deepEqual(listed.items, []);
    });

    test('authorization is decided before the body is read: a forbidden write with a bad body is 403, not 400', async () => {
      const res = await server.api('/api/v1/vendors', { method: 'POST', role: 'viewer', body: '{not json', headers: { 'content-type': 'application/json' } });
      await expectProblem(res, 403, 'viewer with malformed body');
      const anonymous = await fetch(`${server.url}/api/v1/vendors`, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
      await expectProblem(anonymous, 401, 'anonymous with malformed body');
    });

    test('revoked, expired, disabled-user and garbage tokens answer 401', async () => {
      const created = await server.api('/api/v1/tokens', { method: 'POST', json: { name: 'short-lived', role: 'analyst', expiresInDays: 1 } });
      assert.equal(created.status, 201);
      const { token, record } = (await created.json()) as { token: string; record: { id: string; expiresAt: string } };
      secrets.push(token);
      assert.match(token, /^tw_[A-Za-z0-9_-]{43}$/);
      assert.ok(Date.parse(record.expiresAt) > Date.now());
      const withToken = (t: string, path = '/api/v1/vendors') => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${t}` } });
      assert.equal((await withToken(token)).status, 200);
      assert.equal((await fetch(`${server.url}/api/v1/vendors`, { headers: { authorization: `bearer   ${token}` } })).status, 200, 'scheme is case-insensitive');

      // The list and the audit trail never show the secret or its hash.
      const listed = await (await server.api('/api/v1/tokens')).text();
      const audit = await (await server.api(`/api/v1/audit?entityId=${record.id}`, { role: 'auditor' })).text();
      for (const text of [listed, audit]) {
        assert.ok(!text.includes(token), 'token secret is not shown');
        assert.ok(!text.includes(hashSecret(token)), 'token hash is not shown');
      }

      // Expired: moved into the past in storage.
      await server.tw.database.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', record.id).execute();
      await expectProblem(await withToken(token), 401, 'expired token');
      await server.tw.database.db.updateTable('api_tokens').set({ expires_at: null }).where('id', '=', record.id).execute();
      assert.equal((await withToken(token)).status, 200);

      // Revoked through the API.
      const revoked = await server.api(`/api/v1/tokens/${record.id}`, { method: 'DELETE' });
      assert.equal(revoked.status, 200);
      assert.ok(((await revoked.json()) as { revokedAt: string | null }).revokedAt);
      await expectProblem(await withToken(token), 401, 'revoked token');
      await expectProblem(await server.api(`/api/v1/tokens/${randomUUID()}`, { method: 'DELETE' }), 404, 'revoking an unknown token');

      // A token bound to a user stops working when the user is disabled.
      const user = await server.tw.services.access.createUser({ email: 'tokenholder@example.com', name: 'Token Holder', role: 'viewer' }, systemContext('test'));
      const bound = await server.tw.services.access.createToken({ name: 'bound', role: 'viewer', userId: user.id }, systemContext('test'));
      secrets.push(bound.token);
      assert.equal((await withToken(bound.token)).status, 200);
      assert.equal((await server.api(`/api/v1/users/${user.id}`, { method: 'PATCH', json: { disabled: true } })).status, 200);
      await expectProblem(await withToken(bound.token), 401, 'token of a disabled user');

      for (const header of [
        'Bearer garbage',
        `Bearer tw_${'A'.repeat(43)}`,
        `Bearer ${server.tokens.admin}x`,
        `Bearer ${server.tokens.admin.slice(0, -1)}`,
        `Bearer ${hashSecret(server.tokens.admin)}`,
        'Bearer ',
        `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        server.tokens.admin,
      ]) {
        const res = await fetch(`${server.url}/api/v1/vendors`, { headers: { authorization: header } });
        await expectProblem(res, 401, `authorization: ${header.slice(0, 20)}…`);
      }
      await expectProblem(await fetch(`${server.url}/api/v1/vendors`, { headers: { cookie: 'tw_session=forged' } }), 401, 'forged session cookie');
    });

    test('session login: cookie reads work, writes need X-CSRF-Token, wrong passwords are 401', async () => {
      await server.tw.services.access.createUser({ email: 'Analyst.Person@Example.com', name: 'Analyst Person', role: 'analyst', password: PASSWORD }, systemContext('test'));
      secrets.push(PASSWORD);
      const login = (email: string, password: string) => fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });

      const wrong = await expectProblem(await login('analyst.person@example.com', 'not the password'), 401, 'wrong password');
      const unknown = await expectProblem(await login('nobody@example.com', PASSWORD), 401, 'unknown user');
      assert.equal(wrong.detail, unknown.detail, 'no hint whether the account exists');
      await expectProblem(await login('analyst.person@example.com', ''), 400, 'empty password');

      const res = await login('ANALYST.PERSON@example.com', PASSWORD);
      assert.equal(res.status, 200, await res.clone().text());
      const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('tw_session='))!;
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Strict/i);
      assert.match(setCookie, /Path=\//);
      const cookie = sessionCookieOf(res);
      const session = (await res.json()) as { actor: { type: string; role: string; name: string }; permissions: string[]; csrfToken: string };
      assert.deepEqual([session.actor.type, session.actor.role, session.actor.name], ['user', 'analyst', 'Analyst Person']);
      assert.ok(session.permissions.includes('inventory:write'));
      assert.ok(!session.permissions.includes('settings:write'));
      assert.ok(session.csrfToken.length >= 20);
      secrets.push(cookie.split('=')[1], session.csrfToken);

      const withCookie = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
      const who = await withCookie('/api/v1/auth/session');
      assert.equal(who.status, 200);
      assert.equal(((await who.json()) as { csrfToken: string }).csrfToken, session.csrfToken);
      assert.equal((await withCookie('/api/v1/vendors')).status, 200);

      const write = (headers: Record<string, string>, name: string) =>
        withCookie('/api/v1/vendors', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name }) });
      await expectProblem(await write({}, 'Session Vendor'), 403, 'session write without CSRF token');
      await expectProblem(await write({ 'x-csrf-token': 'wrong' }, 'Session Vendor'), 403, 'session write with a wrong CSRF token');
      await expectProblem(await write({ 'x-csrf-token': '' }, 'Session Vendor'), 403, 'session write with an empty CSRF token');
      const before = await (await server.api('/api/v1/vendors?q=session vendor')).json();
      assert.deepEqual(before.items, [], 'refused writes changed nothing');
      const created = await write({ 'x-csrf-token': session.csrfToken }, 'Session Vendor');
      assert.equal(created.status, 201, await created.clone().text());
      const vendor = (await created.json()) as { id: string };
      const events = (await (await server.api(`/api/v1/audit?entityId=${vendor.id}`, { role: 'auditor' })).json()) as { items: Array<{ actor: { type: string; name: string } }> };
      assert.deepEqual(events.items.map((e) => [e.actor.type, e.actor.name]), [['user', 'Analyst Person']]);

      // The session carries the user's role: no admin-only routes, even with the CSRF token.
      await expectProblem(await withCookie('/api/v1/tokens'), 403, 'analyst session listing tokens');
      await expectProblem(await withCookie('/api/v1/settings/risk-model', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: '{}' }), 403, 'analyst session changing settings');

      // Logout ends the session.
      const logout = await withCookie('/api/v1/auth/logout', { method: 'POST' });
      assert.equal(logout.status, 204);
      await expectProblem(await withCookie('/api/v1/vendors'), 401, 'after logout');
    });

    test('a disabled user cannot sign in', async () => {
      const user = await server.tw.services.access.createUser({ email: 'gone@example.com', name: 'Gone', role: 'viewer', password: PASSWORD }, systemContext('test'));
      await server.tw.services.access.updateUser(user.id, { disabled: true }, systemContext('test'));
      const res = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'gone@example.com', password: PASSWORD }) });
      await expectProblem(res, 401, 'disabled user login');
    });

    test('secrets never appear in the server logs', () => {
      const logs = server.logs();
      assert.ok(logs.includes('/api/v1/vendors'), 'requests were logged');
      for (const secret of secrets) {
        assert.ok(secret.length >= 12);
        assert.ok(!logs.includes(secret), `a secret starting ${secret.slice(0, 6)}… is in the logs`);
        assert.ok(!logs.includes(hashSecret(secret)), 'a secret hash is in the logs');
      }
    });
  });

  describe('auth failure throttling', () => {
    let server: TestServer;
    const LIMIT = 5;
    before(async () => {
      server = await startTestServer(engine, { THIRDWATCH_AUTH_FAILURES_PER_MINUTE: String(LIMIT) });
    });
    after(async () => {
      await server?.close();
    });

    test(`after ${LIMIT} failures in a minute the client gets 429 with Retry-After`, async () => {
      await awayFromMinuteBoundary();
      // Requests without credentials are not failures: they must not lock anyone out.
      for (let i = 0; i < LIMIT * 2; i++) {
        await expectProblem(await fetch(`${server.url}/api/v1/vendors`), 401, 'anonymous');
      }
      for (let i = 0; i < LIMIT; i++) {
        await expectProblem(await fetch(`${server.url}/api/v1/vendors`, { headers: { authorization: `Bearer wrong-${i}` } }), 401, `failure ${i + 1}`);
      }
      const limited = await fetch(`${server.url}/api/v1/vendors`, { headers: { authorization: 'Bearer wrong-again' } });
      const retryAfter = Number(limited.headers.get('retry-after'));
      await expectProblem(limited, 429, 'over the limit');
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers.get('retry-after')}`);
      // Password guessing is throttled by the same budget.
      const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com', password: 'guess-guess-guess' }) });
      await expectProblem(login, 429, 'login while throttled');
      assert.ok(login.headers.get('retry-after'));
      // Whoever holds a valid token is not locked out by someone guessing from the same address.
      assert.equal((await server.api('/api/v1/vendors', { role: 'viewer' })).status, 200);
      assert.ok(!server.logs().includes(server.tokens.admin));
    });
  });
});
