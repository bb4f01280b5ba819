// `npm run crashtest [-- --kills 100 --engine sqlite|postgres|both]`: starts the real server,
// runs a workload of vendor and comment write loops, SBOM uploads, vendor CSV imports and OSV
// feed imports (over HTTP, and through the CLI as separate processes) and incidents that start a
// playbook whose steps run as durable jobs, kills the server and the
// CLI with SIGKILL at a random moment, restarts, and checks after every restart that every
// acknowledged write is there, that no SBOM, CSV import or feed batch is half there, and that the
// audit chain verifies; every acknowledged incident's playbook run must finish with each step
// done exactly once (one task per task step, never two). Writes answered 202 (accepted as a background job) must finish after the
// restarts, or stay visible as failed or cancelled, with an all-or-nothing effect either way.
// JSON in bench/results/crashtest-<timestamp>.json; exits 1 on any violation.
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../src/platform/db/database.js';
import { IMPORT_BATCH } from '../src/modules/advisories/advisories.service.js';
import {
  freshInstances,
  httpClient,
  parseArgs,
  printTable,
  runCli,
  sleep,
  startCli,
  startServer,
  writeResult,
  type HttpClient,
  type HttpResult,
  type Instance,
  type ServerProcess,
} from './harness.js';

const opts = parseArgs(process.argv.slice(2), { kills: '100', engine: 'both', 'max-window-ms': '8000' });
const kills = Number(opts.kills);
const maxWindowMs = Number(opts['max-window-ms']);
if (!Number.isInteger(kills) || kills < 1 || !(maxWindowMs >= 200)) throw new Error('--kills must be a positive integer, --max-window-ms at least 200');

const TERMINAL_OK = new Set(['done', 'succeeded', 'completed', 'complete', 'finished']);
const TERMINAL_FAILED = new Set(['failed', 'dead', 'cancelled', 'canceled', 'error']);

/** Everything the workload attempted, and what it was told. */
interface Ledger {
  run: string;
  vendors: Set<string>;
  comments: Set<string>;
  /** By release: the expected component count and whether the upload was acknowledged. */
  sboms: Map<string, { components: number; acked: boolean }>;
  /** By import number: rows in the CSV. */
  csv: Map<number, { rows: number; acked: boolean; via: string }>;
  /** By import number: the advisory ids in file order. */
  feeds: Map<number, { ids: string[]; acked: boolean; via: string }>;
  /** Accepted background jobs and what they must do. */
  jobs: Map<string, { kind: 'sbom' | 'csv' | 'feed'; key: string | number }>;
  /** Acknowledged incidents that start the crash playbook. */
  incidents: Set<string>;
  seq: number;
}

/** Task steps of the crash playbook: each must give exactly one task, however often a worker dies mid-step. */
const PLAYBOOK_TEAMS = ['security', 'it', 'legal', 'privacy', 'compliance', 'vendor'];

function crashPlaybook(run: string): string {
  const steps = PLAYBOOK_TEAMS.map((team, i) => `  - id: step-${i}\n    type: task\n    team: ${team}\n    title: "crash ${run} step ${i} for {{incident.title}}"\n    due: ${i + 1}h\n`).join('');
  return `name: crash-${run}\non: [incident.created]\nwhen: "contains(incident.title, 'crash-${run}-pb')"\nsteps:\n${steps}  - id: finish\n    type: set\n    summary: "crash playbook done"\n`;
}

interface Counters {
  requests: number;
  acknowledged: number;
  interrupted: number;
  cliRuns: number;
  cliAcknowledged: number;
  cliKilled: number;
  unexpected: string[];
}

function osvDocument(ledger: Ledger, n: number, count: number): { text: string; ids: string[] } {
  const ids = Array.from({ length: count }, (_, i) => `CRASH-${ledger.run}-F${n}-${String(i).padStart(5, '0')}`);
  const records = ids.map((id, i) => ({
    schema_version: '1.6.0',
    id,
    modified: '2026-12-01T00:00:00Z',
    summary: `crash test advisory ${i}`,
    affected: [{ package: { ecosystem: 'npm', name: `crash-osv-${ledger.run}-${i % 50}` }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: `1.${i}.0` }] }] }],
  }));
  return { text: JSON.stringify(records), ids };
}

function csvDocument(ledger: Ledger, n: number, rows: number): string {
  const lines = ['name,country,description'];
  for (let i = 0; i < rows; i++) lines.push(`crash-${ledger.run}-csv${n}-${i},DE,imported by the crash test`);
  return `${lines.join('\n')}\n`;
}

function sbomDocument(release: string, count: number): string {
  const purls = Array.from({ length: count }, (_, i) => `pkg:npm/crash-sbom-${i % 400}-${release}@1.0.${i}`);
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', 'bom-ref': 'root', name: release, version: '1.0.0' } },
    components: purls.map((purl, i) => ({ type: 'library', 'bom-ref': purl, name: `crash-sbom-${i % 400}-${release}`, version: `1.0.${i}`, purl })),
    dependencies: [{ ref: 'root', dependsOn: purls.slice(0, 50) }],
  });
}

/** The job id of a 202 answer, whatever shape it takes (id, jobId, job.id or a Location header). */
function jobIdOf(r: HttpResult): string | null {
  const location = r.headers?.location;
  const fromLocation = typeof location === 'string' ? /\/jobs\/([^/?]+)/.exec(location)?.[1] : undefined;
  if (fromLocation) return fromLocation;
  try {
    const body = JSON.parse(r.body) as { id?: string; jobId?: string; job?: { id?: string } };
    return body.job?.id ?? body.jobId ?? body.id ?? null;
  } catch {
    return null;
  }
}

/** Runs the workload against the server until `stopped()`; every request's outcome goes into the ledger. */
function workload(http: HttpClient, ledger: Ledger, productIds: string[], vendorIds: string[], counters: Counters, stopped: () => boolean): Promise<unknown> {
  const answered = (r: HttpResult, what: string, expected: number[]) => {
    counters.requests++;
    if (r.error) {
      counters.interrupted++;
      return false;
    }
    if (r.status === 202) return true;
    if (!expected.includes(r.status)) {
      if (counters.unexpected.length < 20) counters.unexpected.push(`${what}: ${r.status} ${r.body.slice(0, 200)}`);
      return false;
    }
    counters.acknowledged++;
    return true;
  };
  const acceptJob = (r: HttpResult, kind: 'sbom' | 'csv' | 'feed', key: string | number): boolean => {
    if (r.status !== 202) return false;
    const id = jobIdOf(r);
    if (id) ledger.jobs.set(id, { kind, key });
    else counters.unexpected.push(`${kind} answered 202 without a job id: ${r.body.slice(0, 200)}`);
    counters.acknowledged++;
    return true;
  };
  const loop = async (body: () => Promise<void>) => {
    while (!stopped()) await body();
  };
  const writer = () =>
    loop(async () => {
      if (Math.random() < 0.6) {
        const r = await http.call('POST', '/api/v1/vendors', { json: { name: `crash-${ledger.run}-w${++ledger.seq}` } });
        if (answered(r, 'vendor create', [201]) && r.status === 201) ledger.vendors.add((JSON.parse(r.body) as { id: string }).id);
      } else {
        const r = await http.call('POST', `/api/v1/vendors/${vendorIds[randomInt(vendorIds.length)]}/comments`, { json: { body: `crash-${ledger.run}-m${++ledger.seq}` } });
        if (answered(r, 'comment', [201]) && r.status === 201) ledger.comments.add((JSON.parse(r.body) as { id: string }).id);
      }
    });
  const uploader = () =>
    loop(async () => {
      const release = `crash-${ledger.run}-s${++ledger.seq}`;
      const components = Math.random() < 0.3 ? 3000 : 40;
      ledger.sboms.set(release, { components, acked: false });
      const r = await http.call('POST', `/api/v1/products/${productIds[randomInt(productIds.length)]}/sboms?release=${release}`, { body: sbomDocument(release, components), contentType: 'application/vnd.cyclonedx+json' });
      if (answered(r, 'SBOM upload', [201])) ledger.sboms.get(release)!.acked = r.status === 201 || acceptJob(r, 'sbom', release);
    });
  const csvImporter = () =>
    loop(async () => {
      const n = ++ledger.seq;
      const rows = Math.random() < 0.4 ? 1500 : 30;
      ledger.csv.set(n, { rows, acked: false, via: 'http' });
      const r = await http.call('POST', '/api/v1/vendors/import', { body: csvDocument(ledger, n, rows), contentType: 'text/csv' });
      if (answered(r, 'CSV import', [200, 201])) ledger.csv.get(n)!.acked = r.status !== 202 || acceptJob(r, 'csv', n);
    });
  const feedImporter = () =>
    loop(async () => {
      const n = ++ledger.seq;
      const { text, ids } = osvDocument(ledger, n, Math.random() < 0.4 ? 1100 : 40);
      ledger.feeds.set(n, { ids, acked: false, via: 'http' });
      const r = await http.call('POST', `/api/v1/feeds/osv/import?source=crash-${ledger.run}`, { body: text, contentType: 'application/json' });
      if (answered(r, 'feed import', [200, 201])) ledger.feeds.get(n)!.acked = r.status !== 202 || acceptJob(r, 'feed', n);
    });
  const responder = () =>
    loop(async () => {
      const r = await http.call('POST', '/api/v1/incidents', { json: { title: `crash-${ledger.run}-pb${++ledger.seq}`, severity: 'low' } });
      if (answered(r, 'incident create', [201]) && r.status === 201) ledger.incidents.add((JSON.parse(r.body) as { id: string }).id);
    });
  return Promise.all([writer(), writer(), writer(), uploader(), csvImporter(), feedImporter(), responder()]);
}

/** One CLI import (a feed or a CSV) started as its own process; killed with the server when still running. */
function cliImport(instance: Instance, ledger: Ledger, counters: Counters) {
  const n = ++ledger.seq;
  const file = join(instance.dataDir, `crash-${n}`);
  let args: string[];
  let onSuccess: () => void;
  if (n % 2) {
    const { text, ids } = osvDocument(ledger, n, Math.random() < 0.5 ? 1100 : 60);
    writeFileSync(`${file}.json`, text);
    ledger.feeds.set(n, { ids, acked: false, via: 'cli' });
    args = ['feeds', 'import', 'osv', `${file}.json`, '--json'];
    onSuccess = () => (ledger.feeds.get(n)!.acked = true);
  } else {
    const rows = Math.random() < 0.5 ? 1500 : 40;
    writeFileSync(`${file}.csv`, csvDocument(ledger, n, rows));
    ledger.csv.set(n, { rows, acked: false, via: 'cli' });
    args = ['vendor', 'import', `${file}.csv`, '--json'];
    onSuccess = () => (ledger.csv.get(n)!.acked = true);
  }
  counters.cliRuns++;
  const { child, done } = startCli(args, instance.env);
  const finished = done.then((r) => {
    if (r.status === 0) {
      counters.cliAcknowledged++;
      onSuccess();
    } else if (r.signal === 'SIGKILL') counters.cliKilled++;
    else if (counters.unexpected.length < 20) counters.unexpected.push(`thirdwatch ${args.join(' ')}: exit ${r.status} ${r.stderr.slice(0, 300)}`);
  });
  return { kill: () => child.kill('SIGKILL'), finished };
}

/** Compares the database (and the audit chain) with the ledger; returns the violations found. */
async function check(instance: Instance, http: HttpClient, ledger: Ledger, final: boolean): Promise<string[]> {
  const violations: string[] = [];
  const { db, close } = openDatabase(instance.databaseUrl);
  try {
    const prefix = `crash-${ledger.run}-`;
    const vendors = await db.selectFrom('vendors').select(['id', 'name']).where('name', 'like', `${prefix}%`).execute();
    const vendorIds = new Set(vendors.map((v) => v.id));
    const lostVendors = [...ledger.vendors].filter((id) => !vendorIds.has(id));
    if (lostVendors.length) violations.push(`${lostVendors.length} acknowledged vendor creates lost, e.g. ${lostVendors[0]}`);

    const comments = new Set((await db.selectFrom('comments').select('id').where('body', 'like', `${prefix}%`).execute()).map((c) => c.id));
    const lostComments = [...ledger.comments].filter((id) => !comments.has(id));
    if (lostComments.length) violations.push(`${lostComments.length} acknowledged comments lost, e.g. ${lostComments[0]}`);

    const sboms = await db
      .selectFrom('sboms')
      .leftJoin('sbom_components', 'sbom_components.sbom_id', 'sboms.id')
      .select(['sboms.release', 'sboms.component_count', sql<number>`count(sbom_components.idx)`.as('rows')])
      .where('sboms.release', 'like', `${prefix}%`)
      // An upload cut off before its publish step is written unpublished: invisible, and swept later.
      .where('sboms.published', '=', 1)
      .groupBy(['sboms.id', 'sboms.release', 'sboms.component_count'])
      .execute();
    const presentSboms = new Set<string>();
    for (const s of sboms) {
      presentSboms.add(s.release);
      const expected = ledger.sboms.get(s.release);
      if (!expected) violations.push(`SBOM ${s.release} is stored but was never uploaded`);
      else if (Number(s.rows) !== expected.components || s.component_count !== expected.components) violations.push(`half-stored SBOM ${s.release}: ${s.rows} component rows, component_count ${s.component_count}, uploaded ${expected.components}`);
    }
    const pendingJobs = new Set([...ledger.jobs.values()].map((j) => String(j.key)));
    for (const [release, s] of ledger.sboms) if (s.acked && !presentSboms.has(release) && (final || !pendingJobs.has(release))) violations.push(`acknowledged SBOM upload ${release} lost`);

    const csvCounts = new Map<number, number>();
    for (const v of vendors) {
      const m = /-csv(\d+)-\d+$/.exec(v.name);
      if (m) csvCounts.set(Number(m[1]), (csvCounts.get(Number(m[1])) ?? 0) + 1);
    }
    // An import killed while publishing is decided and completed by the next worker: until its job
    // ends it may be partly there; once no publishing import is left, each must be whole or absent.
    const publishing = await db.selectFrom('jobs').select('id').where('kind', '=', 'vendors.import').where('phase', '=', 'publishing').where('status', 'in', ['queued', 'running']).execute();
    for (const [n, c] of ledger.csv) {
      const present = csvCounts.get(n) ?? 0;
      if (present !== 0 && present !== c.rows && (final || !publishing.length)) violations.push(`half-imported CSV #${n} (${c.via}): ${present} of ${c.rows} rows`);
      else if (c.acked && present === 0 && (final || !pendingJobs.has(String(n)))) violations.push(`acknowledged CSV import #${n} (${c.via}, ${c.rows} rows) lost`);
    }

    const advisories = await db
      .selectFrom('advisories')
      .leftJoin('advisory_packages', 'advisory_packages.advisory_id', 'advisories.id')
      .select(['advisories.external_id', sql<number>`count(advisory_packages.idx)`.as('packages')])
      .where('advisories.external_id', 'like', `CRASH-${ledger.run}-F%`)
      .groupBy(['advisories.id', 'advisories.external_id'])
      .execute();
    const presentAdvisories = new Set(advisories.map((a) => a.external_id));
    const incomplete = advisories.filter((a) => Number(a.packages) !== 1);
    if (incomplete.length) violations.push(`${incomplete.length} advisories without their affected package, e.g. ${incomplete[0].external_id}`);
    for (const [n, f] of ledger.feeds) {
      const present = f.ids.filter((id) => presentAdvisories.has(id)).length;
      // Imports commit IMPORT_BATCH records at a time, in file order: what is there must be whole batches from the start.
      const prefixOk = f.ids.slice(0, present).every((id) => presentAdvisories.has(id)) && (present === f.ids.length || present % IMPORT_BATCH === 0);
      if (!prefixOk) violations.push(`half-imported feed batch in import #${n} (${f.via}): ${present} of ${f.ids.length} records (batches of ${IMPORT_BATCH})`);
      else if (f.acked && present !== f.ids.length && (final || !pendingJobs.has(String(n)))) violations.push(`acknowledged feed import #${n} (${f.via}) has ${present} of ${f.ids.length} records`);
    }

    violations.push(...(await checkPlaybookRuns(db, ledger, final)));
  } finally {
    await close();
  }
  const audit = await http.call('GET', '/api/v1/audit/verify');
  const verdict = audit.status === 200 ? (JSON.parse(audit.body) as { ok?: boolean }) : null;
  if (!verdict || verdict.ok === false) violations.push(`audit verify: ${audit.status} ${audit.error ?? audit.body.slice(0, 300)}`);
  return violations;
}

/**
 * Every acknowledged incident has its run (started in the incident's own transaction); a step is
 * never done twice (at most one task per step, exactly one once the step is done); at the end every
 * run is done with all its steps.
 */
async function checkPlaybookRuns(db: ReturnType<typeof openDatabase>['db'], ledger: Ledger, final: boolean): Promise<string[]> {
  const violations: string[] = [];
  const ids = [...ledger.incidents];
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500);
    const runs = await db.selectFrom('playbook_runs as r').innerJoin('playbooks as p', 'p.id', 'r.playbook_id').select(['r.id', 'r.incident_id', 'r.status']).where('p.name', '=', `crash-${ledger.run}`).where('r.incident_id', 'in', slice).execute();
    const runOf = new Map(runs.map((r) => [r.incident_id, r]));
    const steps = runs.length ? await db.selectFrom('playbook_run_steps').select(['run_id', 'step_id', 'status']).where('run_id', 'in', runs.map((r) => r.id)).execute() : [];
    const tasks = await db.selectFrom('incident_tasks').select(['incident_id', 'step_id', sql<number>`count(*)`.as('n')]).where('incident_id', 'in', slice).where('step_id', 'is not', null).groupBy(['incident_id', 'step_id']).execute();
    const taskCount = new Map(tasks.map((t) => [`${t.incident_id}:${t.step_id}`, Number(t.n)]));
    for (const incidentId of slice) {
      const run = runOf.get(incidentId);
      if (!run) {
        violations.push(`acknowledged incident ${incidentId} has no playbook run`);
        continue;
      }
      const own = steps.filter((s) => s.run_id === run.id);
      for (let n = 0; n < PLAYBOOK_TEAMS.length; n++) {
        const step = own.find((s) => s.step_id === `step-${n}`);
        const count = taskCount.get(`${incidentId}:step-${n}`) ?? 0;
        if (count > 1) violations.push(`step step-${n} of run ${run.id} made ${count} tasks`);
        if (step?.status === 'done' && count !== 1) violations.push(`step step-${n} of run ${run.id} is done with ${count} tasks`);
        if (step?.status !== 'done' && count !== 0) violations.push(`step step-${n} of run ${run.id} is ${step?.status ?? 'not reached'} but made ${count} tasks`);
      }
      if (final && (run.status !== 'done' || own.length !== PLAYBOOK_TEAMS.length + 1 || own.some((s) => s.status !== 'done'))) {
        violations.push(`playbook run ${run.id} ended ${run.status} with steps ${own.map((s) => `${s.step_id}:${s.status}`).join(', ')}`);
      }
    }
  }
  return violations;
}

/** Waits until no run of the crash playbook is still going (steps are jobs the restarted worker resumes). */
async function settleRuns(instance: Instance, ledger: Ledger, timeoutMs = 300_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const { db, close } = openDatabase(instance.databaseUrl);
  try {
    for (;;) {
      const open = await db.selectFrom('playbook_runs as r').innerJoin('playbooks as p', 'p.id', 'r.playbook_id').select('r.id').where('p.name', '=', `crash-${ledger.run}`).where('r.status', 'in', ['running', 'waiting']).execute();
      if (!open.length) return [];
      if (Date.now() > deadline) return [`${open.length} playbook runs still going ${timeoutMs / 1000} s after the last restart, e.g. ${open[0].id}`];
      await sleep(500);
    }
  } finally {
    await close();
  }
}

/** Waits for every accepted job to end; an accepted job that vanished or never ends is a violation. */
async function settleJobs(http: HttpClient, ledger: Ledger, timeoutMs = 300_000): Promise<string[]> {
  const violations: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (const [id, job] of ledger.jobs) {
    for (;;) {
      const r = await http.call('GET', `/api/v1/jobs/${id}`);
      if (r.status === 404) {
        violations.push(`accepted ${job.kind} job ${id} is gone after the restarts`);
        break;
      }
      const status = r.status === 200 ? String((JSON.parse(r.body) as { status?: string; state?: string }).status ?? (JSON.parse(r.body) as { state?: string }).state) : '';
      if (TERMINAL_OK.has(status)) break;
      if (TERMINAL_FAILED.has(status)) {
        // A failed or cancelled job is visible as such; its effect must then be absent (checked as all-or-nothing), not acknowledged.
        if (job.kind === 'sbom') ledger.sboms.get(String(job.key))!.acked = false;
        if (job.kind === 'csv') ledger.csv.get(Number(job.key))!.acked = false;
        if (job.kind === 'feed') ledger.feeds.get(Number(job.key))!.acked = false;
        break;
      }
      if (Date.now() > deadline) {
        violations.push(`accepted ${job.kind} job ${id} did not finish within ${timeoutMs / 1000} s (last: ${r.status} ${r.body.slice(0, 200)})`);
        break;
      }
      await sleep(500);
    }
  }
  // A CLI import killed while publishing is not in the ledger's jobs: the server's worker completes it once its lease runs out.
  for (;;) {
    const r = await http.call('GET', '/api/v1/jobs?kind=vendors.import&limit=500');
    const items = r.status === 200 ? (JSON.parse(r.body) as { items: Array<{ status: string; progress: { phase: string | null } }> }).items : [];
    if (!items.some((j) => j.progress.phase === 'publishing' && (j.status === 'queued' || j.status === 'running'))) break;
    if (Date.now() > deadline) {
      violations.push(`a vendor import interrupted while publishing was not completed within ${timeoutMs / 1000} s`);
      break;
    }
    await sleep(500);
  }
  return violations;
}

async function crashEngine(instance: Instance) {
  const log = (m: string) => process.stderr.write(`[${instance.engine}] ${m}\n`);
  const demo = await runCli(['demo'], instance.env);
  if (demo.status !== 0) throw new Error(`thirdwatch demo failed: ${demo.stderr}`);
  const ledger: Ledger = { run: randomBytes(3).toString('hex'), vendors: new Set(), comments: new Set(), sboms: new Map(), csv: new Map(), feeds: new Map(), jobs: new Map(), incidents: new Set(), seq: 0 };
  const counters: Counters = { requests: 0, acknowledged: 0, interrupted: 0, cliRuns: 0, cliAcknowledged: 0, cliKilled: 0, unexpected: [] };
  const violations: Array<{ afterKill: number; violation: string }> = [];
  const restartMs: number[] = [];

  let server: ServerProcess = await startServer(instance.env);
  const token = server.initialToken;
  if (!token) throw new Error('the first start printed no admin token');
  let http = httpClient(server.url, token, 16);
  const vendorIds = ((JSON.parse((await http.call('GET', '/api/v1/vendors?limit=100')).body) as { items: Array<{ id: string }> }).items).map((v) => v.id);
  const owner = JSON.parse((await http.call('POST', '/api/v1/vendors', { json: { name: `crash-${ledger.run} software vendor` } })).body) as { id: string };
  const playbook = await http.call('POST', '/api/v1/playbooks', { json: { yaml: crashPlaybook(ledger.run) } });
  if (playbook.status !== 201) throw new Error(`the crash playbook was refused: ${playbook.status} ${playbook.body.slice(0, 300)}`);
  const productIds: string[] = [];
  for (let i = 0; i < 3; i++) productIds.push((JSON.parse((await http.call('POST', `/api/v1/vendors/${owner.id}/products`, { json: { name: `crash product ${i}`, type: 'desktop-app' } })).body) as { id: string }).id);

  for (let kill = 1; kill <= kills; kill++) {
    let stop = false;
    const running = workload(http, ledger, productIds, vendorIds, counters, () => stop);
    const cli = randomInt(3) > 0 ? cliImport(instance, ledger, counters) : null;
    // Every third CLI run is let finish first, so CLI imports also get acknowledged (a CLI starts slower than the window).
    if (cli && kill % 3 === 0) await Promise.race([cli.finished, sleep(120_000)]);
    await sleep(200 + randomInt(maxWindowMs - 200));
    server.child.kill('SIGKILL');
    cli?.kill();
    stop = true;
    await Promise.all([running, cli?.finished, server.stop()]);
    http.close();
    const started = Date.now();
    server = await startServer(instance.env);
    restartMs.push(Date.now() - started);
    http = httpClient(server.url, token, 16);
    const found = await check(instance, http, ledger, false);
    for (const v of found) violations.push({ afterKill: kill, violation: v });
    if (kill % 5 === 0 || found.length) log(`kill ${kill}/${kills}: ${counters.acknowledged} writes acknowledged so far, ${violations.length} violations`);
  }
  violations.push(...(await settleJobs(http, ledger)).map((v) => ({ afterKill: kills, violation: v })));
  violations.push(...(await settleRuns(instance, ledger)).map((v) => ({ afterKill: kills, violation: v })));
  violations.push(...(await check(instance, http, ledger, true)).map((v) => ({ afterKill: kills, violation: `final: ${v}` })));
  http.close();
  await server.stop('SIGTERM');
  const audit = await runCli(['audit', 'verify'], instance.env);
  if (audit.status !== 0) violations.push({ afterKill: kills, violation: `thirdwatch audit verify: ${audit.stderr.trim() || audit.stdout.trim()}` });
  const count = <T>(m: Map<T, { acked: boolean }>) => ({ attempted: m.size, acknowledged: [...m.values()].filter((x) => x.acked).length });
  return {
    engine: instance.engine,
    kills,
    restartMs: { median: restartMs.sort((a, b) => a - b)[Math.floor(restartMs.length / 2)], max: Math.max(...restartMs) },
    requests: counters.requests,
    acknowledged: counters.acknowledged,
    interruptedByKill: counters.interrupted,
    writes: {
      vendors: ledger.vendors.size,
      comments: ledger.comments.size,
      sboms: count(ledger.sboms),
      csvImports: { http: count(new Map([...ledger.csv].filter(([, c]) => c.via === 'http'))), cli: count(new Map([...ledger.csv].filter(([, c]) => c.via === 'cli'))) },
      feedImports: { http: count(new Map([...ledger.feeds].filter(([, c]) => c.via === 'http'))), cli: count(new Map([...ledger.feeds].filter(([, c]) => c.via === 'cli'))) },
      jobs: ledger.jobs.size,
      incidentsWithPlaybook: ledger.incidents.size,
    },
    cli: { runs: counters.cliRuns, acknowledged: counters.cliAcknowledged, killed: counters.cliKilled },
    unexpectedAnswers: counters.unexpected,
    violations,
  };
}

const instances = await freshInstances(opts.engine, 'crash');
const results: Awaited<ReturnType<typeof crashEngine>>[] = [];
try {
  for (const instance of instances) results.push(await crashEngine(instance));
} finally {
  for (const instance of instances) await instance.drop();
}
console.log(`\ncrash test: kill -9 of the server (and of a CLI import when one runs) at a random moment, ${kills} times per engine (the machine is shared: timings are noisy)`);
printTable(
  ['engine', 'kills', 'acked writes', 'interrupted', 'SBOMs acked/tried', 'CSV http', 'CSV cli', 'feeds http', 'feeds cli', 'jobs', 'playbook runs', 'restart ms', 'violations'],
  results.map((r) => [
    r.engine,
    String(r.kills),
    String(r.acknowledged + r.cli.acknowledged),
    String(r.interruptedByKill + r.cli.killed),
    `${r.writes.sboms.acknowledged}/${r.writes.sboms.attempted}`,
    `${r.writes.csvImports.http.acknowledged}/${r.writes.csvImports.http.attempted}`,
    `${r.writes.csvImports.cli.acknowledged}/${r.writes.csvImports.cli.attempted}`,
    `${r.writes.feedImports.http.acknowledged}/${r.writes.feedImports.http.attempted}`,
    `${r.writes.feedImports.cli.acknowledged}/${r.writes.feedImports.cli.attempted}`,
    String(r.writes.jobs),
    String(r.writes.incidentsWithPlaybook),
    String(r.restartMs.median),
    String(r.violations.length),
  ]),
);
for (const r of results) {
  for (const v of r.violations.slice(0, 20)) console.log(`VIOLATION [${r.engine}] after kill ${v.afterKill}: ${v.violation}`);
  for (const u of r.unexpectedAnswers.slice(0, 10)) console.log(`unexpected answer [${r.engine}]: ${u}`);
}
const file = writeResult('crashtest', { at: new Date().toISOString(), kills, note: 'measured on a machine shared with other work', results });
console.log(`results: ${file}`);
process.exit(results.some((r) => r.violations.length || r.unexpectedAnswers.length) ? 1 : 0);
