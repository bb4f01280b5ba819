// `npm run soak [-- --minutes 10 --clients 50 --engine sqlite|postgres|both --processes N --profile DIR --routes N]`: the real
// server as its own process (or N server processes: `serve --processes N`) over a fresh database seeded with the demo organisation and the Go OSV
// advisories, then N concurrent clients for the duration with a mix of reads and writes. Reports
// req/s and latency per operation, non-2xx and 5xx counts and the server's RSS; afterwards checks
// that every acknowledged write is in the database (and no unacknowledged one beyond those left
// unanswered), that each has its audit event, and that `audit verify` passes. Also reports the
// server's event-loop delay and CPU time per request over the load phase (CPU time is the figure
// least bent by other work on the machine); --profile DIR writes the server's CPU profile
// (node --cpu-prof) there; --routes N first measures each read operation alone (server CPU per
// request). Exits 1 on any 5xx,
// unanswered request, lost write or audit failure. Table on stdout, JSON in bench/results/.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { sql } from 'kysely';
import { processTreeCpuMs } from './icap-harness.js';
import { openDatabase } from '../src/platform/db/database.js';
import {
  freshInstances,
  httpClient,
  OSV_GO_ZIP,
  parseArgs,
  printTable,
  processTree,
  runCli,
  startServer,
  waitForJobs,
  summarise,
  treeRssOf,
  writeResult,
  type HttpClient,
  type HttpResult,
  type Instance,
} from './harness.js';

const opts = parseArgs(process.argv.slice(2), { minutes: '10', clients: '50', engine: 'both', processes: '1', profile: '', routes: '0' });
const minutes = Number(opts.minutes);
const clients = Number(opts.clients);
const processes = Number(opts.processes);
const routeRequests = Number(opts.routes);
if (!(minutes > 0) || !Number.isInteger(clients) || clients < 1 || !Number.isInteger(processes) || processes < 1 || !Number.isInteger(routeRequests) || routeRequests < 0) {
  throw new Error('--minutes must be > 0, --clients and --processes positive integers, --routes a whole number');
}

/** Go modules that the OSV Go advisories affect (≈ 90 findings per upload), beside filler packages. */
const VULNERABLE_GO = [
  'pkg:golang/stdlib@v1.22.8',
  'pkg:golang/golang.org/x/crypto@v0.28.0',
  'pkg:golang/golang.org/x/net@v0.30.0',
  'pkg:golang/google.golang.org/grpc@v1.67.1',
  'pkg:golang/golang.org/x/text@v0.19.0',
];
const FILLER = 25;
const SEARCH_TERMS = ['micro', 'soft', 'cloud', 'data', 'sec', 'net', 'pay', 'soak', 'zz-nothing'];
const WHO_USES = ['electron', 'ffmpeg', 'log4j-core', 'stdlib', 'golang.org/x/net', 'lodash', 'openssl', 'react'];
const ADVISORY_TERMS = ['GO-2024', 'crypto', 'CVE-2023', 'net/http', 'denial of service'];

type Kind = 'read' | 'write';
interface Op {
  name: string;
  kind: Kind;
  weight: number;
  run(c: ClientState): Promise<HttpResult | null>;
}

interface Shared {
  http: HttpClient;
  run: string;
  vendorIds: string[];
  productIds: string[];
  findingsByClient: string[][];
}

/** What one client wrote: each entity it owns is written only by it, so its last acknowledged value must be the stored one. */
interface ClientState {
  index: number;
  shared: Shared;
  seq: number;
  vendors: Map<string, { expected: string | null; possible: Set<string> }>;
  findings: Map<string, { expected: string; possible: Set<string> }>;
  created: { vendor: string[]; comment: string[]; sbom: string[] };
  unanswered: { vendor: number; comment: number; sbom: number };
}

const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)];
const tag = (c: ClientState, what: string) => `soak-${c.shared.run}-c${c.index}-${what}${++c.seq}`;

function sbomDocument(name: string): string {
  const filler = Array.from({ length: FILLER }, (_, i) => `pkg:npm/soak-filler-${i % 7}-${name.slice(-6)}@1.${i}.0`);
  const purls = [...VULNERABLE_GO, ...filler];
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', 'bom-ref': 'root', name, version: '1.0.0' } },
    components: purls.map((purl) => {
      const m = /^pkg:[^/]+\/(.+)@(.+)$/.exec(purl)!;
      return { type: 'library', 'bom-ref': purl, name: m[1], version: m[2], purl };
    }),
    dependencies: [{ ref: 'root', dependsOn: purls }],
  });
}
const SBOM_COMPONENTS = VULNERABLE_GO.length + FILLER;

const ok = (r: HttpResult, status: number) => r.status === status;

const OPS: Op[] = [
  { name: 'inventory', kind: 'read', weight: 14, run: (c) => c.shared.http.call('GET', `/api/v1/vendors?limit=50${Math.random() < 0.5 ? '&sort=-riskScore' : ''}`) },
  { name: 'vendor search', kind: 'read', weight: 10, run: (c) => c.shared.http.call('GET', `/api/v1/vendors?q=${encodeURIComponent(pick(SEARCH_TERMS))}`) },
  { name: 'vendor page', kind: 'read', weight: 14, run: (c) => c.shared.http.call('GET', `/api/v1/vendors/${pick(c.shared.vendorIds)}`) },
  { name: 'vendor comments', kind: 'read', weight: 5, run: (c) => c.shared.http.call('GET', `/api/v1/vendors/${pick(c.shared.vendorIds)}/comments`) },
  { name: 'findings', kind: 'read', weight: 12, run: (c) => c.shared.http.call('GET', `/api/v1/findings?limit=50${Math.random() < 0.3 ? '&sort=newest' : ''}`) },
  { name: 'who-uses', kind: 'read', weight: 10, run: (c) => c.shared.http.call('GET', `/api/v1/components?name=${encodeURIComponent(pick(WHO_USES))}`) },
  { name: 'advisory search', kind: 'read', weight: 5, run: (c) => c.shared.http.call('GET', `/api/v1/advisories?q=${encodeURIComponent(pick(ADVISORY_TERMS))}`) },
  { name: 'dashboard', kind: 'read', weight: 10, run: (c) => c.shared.http.call('GET', '/api/v1/dashboard') },
  {
    name: 'vendor create',
    kind: 'write',
    weight: 5,
    async run(c) {
      const name = tag(c, 'v');
      const r = await c.shared.http.call('POST', '/api/v1/vendors', { json: { name, country: 'DE', website: 'https://soak.example.com', description: null } });
      if (ok(r, 201)) {
        const id = (JSON.parse(r.body) as { id: string }).id;
        c.created.vendor.push(id);
        c.vendors.set(id, { expected: null, possible: new Set() });
      } else if (r.error) c.unanswered.vendor++;
      return r;
    },
  },
  {
    name: 'vendor update',
    kind: 'write',
    weight: 4,
    async run(c) {
      if (!c.vendors.size) return null;
      const id = pick([...c.vendors.keys()]);
      const description = tag(c, 'u');
      const r = await c.shared.http.call('PATCH', `/api/v1/vendors/${id}`, { json: { description } });
      const state = c.vendors.get(id)!;
      if (ok(r, 200)) c.vendors.set(id, { expected: description, possible: new Set() });
      else if (r.error) state.possible.add(description);
      return r;
    },
  },
  {
    name: 'comment',
    kind: 'write',
    weight: 5,
    async run(c) {
      const body = tag(c, 'm');
      const r = await c.shared.http.call('POST', `/api/v1/vendors/${pick(c.shared.vendorIds)}/comments`, { json: { body } });
      if (ok(r, 201)) c.created.comment.push((JSON.parse(r.body) as { id: string }).id);
      else if (r.error) c.unanswered.comment++;
      return r;
    },
  },
  {
    name: 'finding triage',
    kind: 'write',
    weight: 4,
    async run(c) {
      const mine = c.shared.findingsByClient[c.index];
      if (!mine.length) return null;
      const id = pick(mine);
      const detail = tag(c, 't');
      const r = await c.shared.http.call('PATCH', `/api/v1/findings/${id}`, { json: { state: Math.random() < 0.5 ? 'in_triage' : 'exploitable', detail } });
      const state = c.findings.get(id);
      if (ok(r, 200)) c.findings.set(id, { expected: detail, possible: new Set() });
      else if (r.error && state) state.possible.add(detail);
      return r;
    },
  },
  {
    name: 'SBOM upload',
    kind: 'write',
    weight: 2,
    async run(c) {
      const release = tag(c, 's');
      const r = await c.shared.http.call('POST', `/api/v1/products/${pick(c.shared.productIds)}/sboms?release=${release}`, {
        body: sbomDocument(release),
        contentType: 'application/vnd.cyclonedx+json',
      });
      if (ok(r, 201) || ok(r, 202)) c.created.sbom.push(release);
      else if (r.error) c.unanswered.sbom++;
      return r;
    },
  },
];
const TOTAL_WEIGHT = OPS.reduce((s, o) => s + o.weight, 0);
const chooseOp = () => {
  let x = Math.random() * TOTAL_WEIGHT;
  for (const op of OPS) if ((x -= op.weight) < 0) return op;
  return OPS[0];
};

interface OpStats {
  kind: Kind;
  latencies: number[];
  statuses: Map<number, number>;
  samples: string[];
}

async function expectJson<T>(r: Promise<HttpResult>, status: number, what: string): Promise<T> {
  const res = await r;
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.error ?? res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as T;
}

async function seed(instance: Instance): Promise<void> {
  for (const args of [['demo'], ['feeds', 'import', 'osv', OSV_GO_ZIP]]) {
    const r = await runCli(args, instance.env);
    if (r.status !== 0) throw new Error(`thirdwatch ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  }
}

async function soakEngine(instance: Instance) {
  const log = (m: string) => process.stderr.write(`[${instance.engine}] ${m}\n`);
  log('seeding: demo organisation and the Go OSV advisories');
  await seed(instance);
  const probeFile = join(instance.dataDir, 'server-probe.json');
  const nodeArgs = ['--import', './bench/server-probe.ts'];
  if (opts.profile) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', resolve(opts.profile));
  const server = await startServer({ ...instance.env, THIRDWATCH_PROBE_FILE: probeFile, THIRDWATCH_PROCESSES: String(processes) }, nodeArgs);
  if (!server.initialToken) throw new Error('the first start printed no admin token');
  const http = httpClient(server.url, server.initialToken, clients + 4);
  const run = randomBytes(3).toString('hex');

  const vendors = await expectJson<{ items: Array<{ id: string }> }>(http.call('GET', '/api/v1/vendors?limit=500'), 200, 'vendor list');
  const soakVendor = await expectJson<{ id: string }>(http.call('POST', '/api/v1/vendors', { json: { name: `soak-${run} software vendor`, shipsSoftware: true } }), 201, 'soak vendor');
  const productIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    productIds.push((await expectJson<{ id: string }>(http.call('POST', `/api/v1/vendors/${soakVendor.id}/products`, { json: { name: `soak-${run} product ${i}`, type: 'server-software' } }), 201, 'soak product')).id);
  }
  const findings = await expectJson<{ items: Array<{ id: string }> }>(http.call('GET', '/api/v1/findings?limit=500'), 200, 'findings');
  const findingsByClient = Array.from({ length: clients }, (_, i) => findings.items.map((f) => f.id).filter((_, j) => j % clients === i));
  const shared: Shared = { http, run, vendorIds: vendors.items.map((v) => v.id), productIds, findingsByClient };
  log(`server pid ${server.pid} (${processes} process${processes > 1 ? "es" : ""}) at ${server.url}; ${shared.vendorIds.length} vendors, ${findings.items.length} findings to triage; ${clients} clients for ${minutes} min`);

  const perRoute = routeRequests ? await measureReadRoutes(server.pid, shared) : [];

  const rss: Array<{ t: number; bytes: number }> = [];
  const started = Date.now();
  const sampleRss = () => {
    const bytes = treeRssOf(server.pid);
    if (bytes !== null) rss.push({ t: Math.round((Date.now() - started) / 1000), bytes });
  };
  sampleRss();
  const sampler = setInterval(sampleRss, 1000);
  // The load phase alone: setup requests and start-up are left out of the event-loop delay and CPU time.
  for (const pid of processTree(server.pid)) process.kill(pid, 'SIGUSR2');
  const cpuAtStart = processTreeCpuMs(server.pid) / 1000;
  // The clients run in this process, beside the server on the same cores: their CPU is reported
  // too, since the server gets only what they and the rest of the machine leave over.
  const clientCpuAtStart = process.cpuUsage();
  const stats = new Map<string, OpStats>(OPS.map((o) => [o.name, { kind: o.kind, latencies: [], statuses: new Map(), samples: [] }]));
  const deadline = started + minutes * 60_000;
  const states: ClientState[] = Array.from({ length: clients }, (_, index) => ({
    index,
    shared,
    seq: 0,
    vendors: new Map(),
    findings: new Map(),
    created: { vendor: [], comment: [], sbom: [] },
    unanswered: { vendor: 0, comment: 0, sbom: 0 },
  }));
  // Every 30 s: throughput and read latency of that window, to see whether they drift as data grows.
  let lastReport = started;
  let windowReads: number[] = [];
  let windowCount = 0;
  const timeline: Array<{ t: number; rps: number; readsP50: number; readsP99: number; rssMiB: number }> = [];
  await Promise.all(
    states.map(async (state) => {
      while (Date.now() < deadline) {
        const op = chooseOp();
        const r = await op.run(state);
        if (!r) continue;
        const s = stats.get(op.name)!;
        s.latencies.push(r.ms);
        s.statuses.set(r.status, (s.statuses.get(r.status) ?? 0) + 1);
        if ((r.status >= 500 || r.status === 0 || (r.status >= 400 && r.status !== 404)) && s.samples.length < 5) s.samples.push(`${r.status} ${r.error ?? r.body.slice(0, 300)}`);
        windowCount++;
        if (op.kind === 'read') windowReads.push(r.ms);
        if (Date.now() - lastReport > 30_000) {
          const now = Date.now();
          const reads = summarise(windowReads);
          const point = { t: Math.round((now - started) / 1000), rps: Math.round(windowCount / ((now - lastReport) / 1000)), readsP50: reads.p50, readsP99: reads.p99, rssMiB: mib(rss.at(-1)?.bytes) };
          timeline.push(point);
          lastReport = now;
          windowReads = [];
          windowCount = 0;
          log(`${point.t} s: ${point.rps} req/s, reads p50 ${point.readsP50} ms p99 ${point.readsP99} ms, RSS ${point.rssMiB} MiB`);
        }
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  const cpuSeconds = processTreeCpuMs(server.pid) / 1000 - cpuAtStart;
  const clientCpu = process.cpuUsage(clientCpuAtStart);
  const clientCpuSeconds = (clientCpu.user + clientCpu.system) / 1e6;
  const load = loadavg()[0];
  await new Promise((r) => setTimeout(r, 600));
  const eventLoop = worstEventLoop(probeFile);
  const accepted = [...stats.values()].reduce((n, s) => n + (s.statuses.get(202) ?? 0), 0);
  if (accepted) log(`${accepted} writes were accepted as jobs: waiting for them to finish`);
  const unfinishedJobs = accepted ? await waitForJobs(instance.databaseUrl, new Date(started).toISOString()) : 0;
  clearInterval(sampler);
  sampleRss();
  http.close();
  const serverErrors = server.stderr().split('\n').filter((l) => /"level":(50|60)|request failed/.test(l));
  await server.stop('SIGTERM');

  const check = await verify(instance, run, states);
  const audit = await runCli(['audit', 'verify', '--json'], instance.env);
  if (unfinishedJobs) check.problems.push(`${unfinishedJobs} accepted jobs did not finish within 5 minutes`);
  return { elapsed, stats, rss, timeline, check, audit, serverErrors, cpuSeconds, clientCpuSeconds, load, eventLoop, perRoute };
}

/** Concurrent callers while one read operation is measured alone: enough to keep the server busy. */
const ROUTE_CONCURRENCY = 8;

/**
 * Each read operation alone, `--routes` requests of it (8 at a time), before the mixed load: the
 * server's CPU time per request of that operation. In the mix the requests overlap, so the server's
 * CPU cannot be split by operation there; alone it can, and the ranking says where the CPU goes.
 */
async function measureReadRoutes(pid: number, shared: Shared) {
  const state: ClientState = { index: 0, shared, seq: 0, vendors: new Map(), findings: new Map(), created: { vendor: [], comment: [], sbom: [] }, unanswered: { vendor: 0, comment: 0, sbom: 0 } };
  const rows: Array<{ name: string; requests: number; cpuMsPerRequest: number; bytesPerResponse: number }> = [];
  for (const op of OPS.filter((o) => o.kind === 'read')) {
    // A warm-up round: the first calls compile the route's schemas and prepare its statements.
    for (let i = 0; i < ROUTE_CONCURRENCY; i++) await op.run(state);
    let left = routeRequests;
    let bytes = 0;
    const before = processTreeCpuMs(pid);
    await Promise.all(
      Array.from({ length: ROUTE_CONCURRENCY }, async () => {
        while (left-- > 0) {
          const r = await op.run(state);
          if (r?.status !== 200) throw new Error(`${op.name}: ${r?.status} ${r?.error ?? r?.body.slice(0, 200)}`);
          bytes += Buffer.byteLength(r.body);
        }
      }),
    );
    rows.push({ name: op.name, requests: routeRequests, cpuMsPerRequest: Math.round(((processTreeCpuMs(pid) - before) / routeRequests) * 100) / 100, bytesPerResponse: Math.round(bytes / routeRequests) });
  }
  return rows;
}

/** What bench/server-probe.ts writes: the server's event-loop delay during the load phase. */
interface EventLoopDelay {
  samples: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Of each server process's event-loop delay (one file per process), the one that waited most at p99. */
function worstEventLoop(probeFile: string): EventLoopDelay | null {
  const dir = dirname(probeFile);
  const prefix = `${basename(probeFile)}.`;
  const measured = readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as EventLoopDelay)
    .filter((delay) => delay.samples > 0);
  return measured.sort((a, b) => b.p99Ms - a.p99Ms)[0] ?? null;
}

/** Compares what the clients were told with what the database holds. */
async function verify(instance: Instance, run: string, states: ClientState[]) {
  const { db, close } = openDatabase(instance.databaseUrl);
  const problems: string[] = [];
  try {
    const prefix = `soak-${run}-c%`;
    const sum = (f: (s: ClientState) => number) => states.reduce((n, s) => n + f(s), 0);
    const ackedVendors = new Set(states.flatMap((s) => s.created.vendor));
    const vendorRows = await db.selectFrom('vendors').select(['id', 'description']).where('name', 'like', prefix).execute();
    const storedVendors = new Map(vendorRows.map((v) => [v.id, v.description]));
    const missingVendors = [...ackedVendors].filter((id) => !storedVendors.has(id));
    if (missingVendors.length) problems.push(`${missingVendors.length} acknowledged vendor creates are missing, e.g. ${missingVendors.slice(0, 3).join(', ')}`);
    const extraVendors = vendorRows.length - (ackedVendors.size - missingVendors.length);
    if (extraVendors > sum((s) => s.unanswered.vendor)) problems.push(`${extraVendors} vendors stored that were never acknowledged (only ${sum((s) => s.unanswered.vendor)} creates went unanswered)`);

    let lostUpdates = 0;
    for (const s of states) {
      for (const [id, want] of s.vendors) {
        const have = storedVendors.get(id) ?? null;
        if (have !== want.expected && !want.possible.has(have ?? '')) {
          if (lostUpdates++ < 3) problems.push(`vendor ${id}: stored description ${JSON.stringify(have)}, last acknowledged ${JSON.stringify(want.expected)}`);
        }
      }
    }
    if (lostUpdates) problems.push(`${lostUpdates} vendors do not hold their last acknowledged update`);

    const ackedComments = new Set(states.flatMap((s) => s.created.comment));
    const commentRows = await db.selectFrom('comments').select('id').where('body', 'like', prefix).execute();
    const storedComments = new Set(commentRows.map((c) => c.id));
    const missingComments = [...ackedComments].filter((id) => !storedComments.has(id));
    if (missingComments.length) problems.push(`${missingComments.length} acknowledged comments are missing`);
    if (commentRows.length - (ackedComments.size - missingComments.length) > sum((s) => s.unanswered.comment)) problems.push('comments stored that were never acknowledged');

    const ackedSboms = new Set(states.flatMap((s) => s.created.sbom));
    const sbomRows = await db
      .selectFrom('sboms')
      .leftJoin('sbom_components', 'sbom_components.sbom_id', 'sboms.id')
      .select(['sboms.release', 'sboms.component_count', sql<number>`count(sbom_components.idx)`.as('rows')])
      .where('sboms.release', 'like', prefix)
      .where('sboms.published', '=', 1)
      .groupBy(['sboms.id', 'sboms.release', 'sboms.component_count'])
      .execute();
    const storedSboms = new Map(sbomRows.map((r) => [r.release, r]));
    const missingSboms = [...ackedSboms].filter((r) => !storedSboms.has(r));
    if (missingSboms.length) problems.push(`${missingSboms.length} acknowledged SBOM uploads are missing, e.g. ${missingSboms.slice(0, 3).join(', ')}`);
    const partial = sbomRows.filter((r) => Number(r.rows) !== SBOM_COMPONENTS || r.component_count !== SBOM_COMPONENTS);
    if (partial.length) problems.push(`${partial.length} SBOMs without all ${SBOM_COMPONENTS} components, e.g. ${partial[0].release}: ${partial[0].rows} rows`);
    if (sbomRows.length - (ackedSboms.size - missingSboms.length) > sum((s) => s.unanswered.sbom)) problems.push('SBOMs stored that were never acknowledged');

    const triaged = states.flatMap((s) => [...s.findings.entries()]);
    const findingRows = triaged.length ? await db.selectFrom('findings').select(['id', 'detail']).where('id', 'in', triaged.map(([id]) => id)).execute() : [];
    const storedFindings = new Map(findingRows.map((f) => [f.id, f.detail]));
    const lostTriage = triaged.filter(([id, want]) => storedFindings.get(id) !== want.expected && !want.possible.has(storedFindings.get(id) ?? ''));
    if (lostTriage.length) problems.push(`${lostTriage.length} findings do not hold their last acknowledged triage, e.g. ${lostTriage[0][0]}`);

    // Every acknowledged create has its audit event.
    const audited = await db
      .selectFrom('audit_events')
      .select(sql<number>`count(*)`.as('n'))
      .where('action', '=', 'vendor.create')
      .where('entity_id', 'in', db.selectFrom('vendors').select('id').where('name', 'like', prefix))
      .executeTakeFirstOrThrow();
    if (Number(audited.n) !== vendorRows.length) problems.push(`${vendorRows.length} soak vendors but ${audited.n} vendor.create audit events`);

    return {
      acknowledged: { vendors: ackedVendors.size, vendorUpdates: states.reduce((n, s) => n + [...s.vendors.values()].filter((v) => v.expected).length, 0), comments: ackedComments.size, sboms: ackedSboms.size, triagedFindings: triaged.length },
      stored: { vendors: vendorRows.length, comments: commentRows.length, sboms: sbomRows.length },
      unanswered: { vendors: sum((s) => s.unanswered.vendor), comments: sum((s) => s.unanswered.comment), sboms: sum((s) => s.unanswered.sbom) },
      problems,
    };
  } finally {
    await close();
  }
}

const mib = (bytes: number | undefined) => (bytes === undefined ? NaN : Math.round((bytes / 1048576) * 10) / 10);

const instances = await freshInstances(opts.engine, 'soak');
const results: Record<string, unknown>[] = [];
let failed = false;
try {
  for (const instance of instances) {
    const { elapsed, stats, rss, timeline, check, audit, serverErrors, cpuSeconds, clientCpuSeconds, load, eventLoop, perRoute } = await soakEngine(instance);
    const all = [...stats.entries()];
    const latencies = (kind?: Kind) => all.filter(([, s]) => !kind || s.kind === kind).flatMap(([, s]) => s.latencies);
    const count = (pred: (status: number) => boolean, kind?: Kind) =>
      all.filter(([, s]) => !kind || s.kind === kind).reduce((n, [, s]) => n + [...s.statuses].filter(([st]) => pred(st)).reduce((m, [, c]) => m + c, 0), 0);
    const rows = [
      ...all.map(([name, s]) => ({ name, kind: s.kind, ...summarise(s.latencies), rps: s.latencies.length / elapsed, non2xx: [...s.statuses].filter(([st]) => st < 200 || st >= 300).reduce((m, [, c]) => m + c, 0), status5xx: [...s.statuses].filter(([st]) => st >= 500).reduce((m, [, c]) => m + c, 0), unanswered: s.statuses.get(0) ?? 0, statuses: Object.fromEntries(s.statuses), samples: s.samples })),
      ...(['read', 'write'] as const).map((kind) => ({ name: `all ${kind}s`, kind, ...summarise(latencies(kind)), rps: latencies(kind).length / elapsed, non2xx: count((st) => st < 200 || st >= 300, kind), status5xx: count((st) => st >= 500, kind), unanswered: count((st) => st === 0, kind) })),
      { name: 'all', kind: 'all', ...summarise(latencies()), rps: latencies().length / elapsed, non2xx: count((st) => st < 200 || st >= 300), status5xx: count((st) => st >= 500), unanswered: count((st) => st === 0) },
    ];
    const warm = rss.find((s) => s.t >= Math.min(60, elapsed / 5)) ?? rss[0];
    const memory = { startMiB: mib(rss[0]?.bytes), afterWarmupMiB: mib(warm?.bytes), peakMiB: mib(Math.max(...rss.map((s) => s.bytes))), endMiB: mib(rss.at(-1)?.bytes), timeline: rss.filter((_, i) => i % 10 === 0).map((s) => ({ t: s.t, MiB: mib(s.bytes) })) };
    const readsP99 = rows.find((r) => r.name === 'all reads')!.p99;
    const auditOk = audit.status === 0;
    const totals = rows.at(-1)!;
    const targets = {
      zero5xx: totals.status5xx === 0,
      zeroUnanswered: totals.unanswered === 0,
      zeroLostWrites: check.problems.length === 0,
      auditVerifies: auditOk,
      flatMemory: memory.endMiB <= memory.afterWarmupMiB * 1.25 + 20,
      readsP99Under50ms: instance.engine === 'sqlite' ? readsP99 < 50 : null,
    };

    console.log(`\nsoak ${instance.engine}: ${clients} clients, ${elapsed.toFixed(0)} s, ${Math.round(Number(totals.rps))} req/s (the machine is shared: figures are noisy)`);
    printTable(
      ['operation', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-2xx', '5xx', 'no answer'],
      rows.map((r) => [r.name, String(r.count), Number(r.rps).toFixed(1), String(r.p50), String(r.p90), String(r.p99), String(r.max), String(r.non2xx), String(r.status5xx), String(r.unanswered)]),
    );
    const cpu = (seconds: number) => ({ cpuSeconds: Math.round(seconds * 10) / 10, cpuShare: Math.round((seconds / elapsed) * 100) / 100, cpuMsPerRequest: Math.round(((seconds * 1000) / Number(totals.count)) * 100) / 100 });
    const server = { ...cpu(cpuSeconds), eventLoop };
    const loadGenerator = cpu(clientCpuSeconds);
    if (perRoute.length) {
      const weight = (name: string) => OPS.find((o) => o.name === name)!.weight / TOTAL_WEIGHT;
      console.log(`\nserver CPU per read, each operation alone (${routeRequests} requests, ${ROUTE_CONCURRENCY} at a time), and its share of the mix:`);
      printTable(
        ['operation', 'CPU ms/request', 'mix weight', 'CPU ms per mixed request', 'response bytes'],
        [...perRoute].sort((a, b) => b.cpuMsPerRequest * weight(b.name) - a.cpuMsPerRequest * weight(a.name)).map((r) => [r.name, r.cpuMsPerRequest.toFixed(2), `${Math.round(weight(r.name) * 100)} %`, (r.cpuMsPerRequest * weight(r.name)).toFixed(3), String(r.bytesPerResponse)]),
      );
    }
    console.log(`server CPU: ${server.cpuSeconds} s over ${elapsed.toFixed(0)} s (${server.cpuShare} cores), ${server.cpuMsPerRequest} ms per request`);
    console.log(`load generator CPU (this process, same machine): ${loadGenerator.cpuSeconds} s (${loadGenerator.cpuShare} cores), ${loadGenerator.cpuMsPerRequest} ms per request; load average ${load.toFixed(1)} on ${cpus().length} cores at the end`);
    console.log(`server event-loop delay: ${eventLoop ? `p50 ${eventLoop.p50Ms} ms, p99 ${eventLoop.p99Ms} ms, max ${eventLoop.maxMs} ms` : 'not measured (the probe wrote nothing)'}`);
    console.log(`server RSS: start ${memory.startMiB} MiB, after warm-up ${memory.afterWarmupMiB} MiB, peak ${memory.peakMiB} MiB, end ${memory.endMiB} MiB`);
    console.log(`writes: acknowledged ${JSON.stringify(check.acknowledged)}; stored ${JSON.stringify(check.stored)}; unanswered ${JSON.stringify(check.unanswered)}`);
    for (const [name, s] of all) for (const sample of s.samples.slice(0, 2)) console.log(`${name}: ${sample.slice(0, 200)}`);
    for (const p of check.problems) console.log(`LOST WRITE: ${p}`);
    console.log(`audit verify: ${auditOk ? 'passes' : `FAILS (${audit.status}) ${audit.stdout}${audit.stderr}`}`);
    for (const line of serverErrors.slice(0, 5)) console.log(`server error log: ${line.slice(0, 400)}`);
    console.log(`targets: ${Object.entries(targets).map(([k, v]) => `${k} ${v === null ? 'n/a' : v ? 'met' : 'MISSED'}`).join(', ')}`);
    if (!targets.zero5xx || !targets.zeroUnanswered || !targets.zeroLostWrites || !auditOk) failed = true;
    results.push({ engine: instance.engine, clients, seconds: Math.round(elapsed), operations: rows, perRoute, timeline, server, loadGenerator, loadAverage: Math.round(load * 10) / 10, memory, writes: check, audit: { ok: auditOk, output: audit.stdout.trim() || audit.stderr.trim() }, serverErrors: serverErrors.slice(0, 20), targets });
  }
} finally {
  for (const instance of instances) await instance.drop();
}
const file = writeResult('soak', { at: new Date().toISOString(), minutes, clients, note: 'measured on a machine shared with other work', results });
console.log(`\nresults: ${file}`);
process.exit(failed ? 1 : 0);
