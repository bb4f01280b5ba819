#!/usr/bin/env node
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from './app/config.js';
import { createIcap, createWorker, openThirdwatch, type Thirdwatch } from './app/thirdwatch.js';
import { VERSION } from './app/version.js';
import { serve } from './app/serve.js';
import { CliError, printJson, printLine, progress } from './cli/output.js';
import { cliContext } from './platform/context.js';
import { resultOf } from './platform/jobs/launcher.js';
import type { ImportReport } from './modules/vendors/vendors-csv.js';
import type { CsafReport as FeedReport } from './modules/advisories/feeds.service.js';
import { AppError } from './platform/errors.js';
import { createLogger } from './platform/logger.js';
import { isRole, ROLES } from './platform/auth/roles.js';
import { loadDemo } from './modules/vendors/demo.js';
import { loadDemoSboms } from './modules/sboms/sboms.demo.js';
import { loadDemoNvd } from './modules/advisories/advisories.demo.js';
import { ESTATE } from './modules/sboms/sboms.estate.js';
import { loadDemoArtifacts } from './modules/integrity/integrity.demo.js';
import { parseScenario } from './modules/drills/drills.scenario.js';
import { ingestFile } from './modules/egress/ingest.file.js';
import type { DrillDetail } from './modules/drills/drills.schemas.js';

interface GlobalOptions {
  data?: string;
  json?: boolean;
}

const program = new Command()
  .name('thirdwatch')
  .description('Third-party and software-supply-chain risk')
  .version(VERSION)
  .option('--data <dir>', 'data directory (default ./data, or THIRDWATCH_DATA_DIR)')
  .option('--json', 'machine output: one JSON document on stdout')
  // Usage errors go through the one error path below (one line, or JSON with --json), not commander's help dump.
  .exitOverride()
  .configureOutput({ outputError: () => {} });

function globals(): GlobalOptions {
  return program.opts<GlobalOptions>();
}

function config(extra: Record<string, string | undefined> = {}): Config {
  const overrides: Record<string, string> = {};
  const data = globals().data;
  if (data) overrides.THIRDWATCH_DATA_DIR = data;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) overrides[k] = v;
  return loadConfig(process.env, overrides);
}

/** Opens the instance for a one-shot command: quiet logs unless asked, closed afterwards. */
async function withThirdwatch<T>(fn: (tw: Thirdwatch) => Promise<T>): Promise<T> {
  const cfg = config();
  const logger = createLogger(process.env.THIRDWATCH_LOG_LEVEL ?? 'warn');
  const tw = await openThirdwatch(cfg, logger);
  try {
    return await fn(tw);
  } finally {
    await tw.close();
  }
}

program
  .command('serve')
  .description('run the API, the web UI and the background worker in one process')
  .option('--port <port>', 'HTTP port (default 8080, or THIRDWATCH_PORT)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1, or THIRDWATCH_HOST)')
  .option('--no-worker', 'do not run background jobs in this process (API-only replica)')
  .option('--processes <n>', 'server processes sharing the ports (default 1, or THIRDWATCH_PROCESSES)')
  .action(async (options: { port?: string; host?: string; worker: boolean; processes?: string }) => {
    await serve(
      config({
        THIRDWATCH_PORT: options.port,
        THIRDWATCH_HOST: options.host,
        THIRDWATCH_PROCESSES: options.processes,
        ...(options.worker ? {} : { THIRDWATCH_WORKER: 'false' }),
      }),
    );
  });

program
  .command('icap')
  .description('run only the ICAP service (REQMOD at icap://HOST:PORT/reqmod) for a proxy such as Squid')
  .option('--port <port>', 'ICAP port (default 1344, or THIRDWATCH_ICAP_PORT)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1, or THIRDWATCH_ICAP_HOST)')
  .action(async (options: { port?: string; host?: string }) => {
    const cfg = config({ THIRDWATCH_ICAP_PORT: options.port, THIRDWATCH_ICAP_HOST: options.host });
    const logger = createLogger(cfg.logLevel);
    const tw = await openThirdwatch(cfg, logger);
    const icap = createIcap(tw);
    const url = await icap.start();
    printLine(`Thirdwatch ICAP service listening on ${url} (fails ${cfg.icapFail})`);
    const stop = async () => {
      await icap.close();
      await tw.close();
      logger.flush();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const cfg = config();
    const logger = createLogger('warn');
    const { openDatabase } = await import('./platform/db/database.js');
    const { migrateToLatest } = await import('./platform/db/migrate.js');
    const database = openDatabase(cfg.databaseUrl);
    try {
      const { applied } = await migrateToLatest(database.db);
      if (globals().json) printJson({ applied });
      else printLine(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await database.close();
      logger.flush();
    }
  });

const token = program.command('token').description('API tokens');
token
  .command('create')
  .description('create an API token and print it (only the token, on stdout)')
  .requiredOption('--name <name>', 'what the token is for')
  .addOption(new Option('--role <role>', 'role of the token').choices([...ROLES]).makeOptionMandatory())
  .option('--expires-in-days <days>', 'expire after this many days')
  .action(async (options: { name: string; role: string; expiresInDays?: string }) => {
    if (!isRole(options.role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`);
    const days = options.expiresInDays === undefined ? undefined : Number(options.expiresInDays);
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new CliError('--expires-in-days must be a whole number ≥ 1');
    const created = await withThirdwatch((tw) => tw.services.access.createToken({ name: options.name, role: options.role as never, expiresInDays: days }, cliContext()));
    if (globals().json) printJson(created);
    else printLine(created.token);
  });
token
  .command('list')
  .description('list API tokens (never their secrets)')
  .action(async () => {
    const tokens = await withThirdwatch((tw) => tw.services.access.listTokens());
    if (globals().json) printJson({ items: tokens });
    else for (const t of tokens) printLine(`${t.id}  ${t.prefix}…  ${t.role.padEnd(9)}  ${t.revokedAt ? 'revoked' : 'active '}  ${t.name}`);
  });
token
  .command('revoke <id>')
  .description('revoke an API token')
  .action(async (id: string) => {
    const revoked = await withThirdwatch((tw) => tw.services.access.revokeToken(id, cliContext()));
    if (globals().json) printJson(revoked);
    else printLine(`revoked ${revoked.name}`);
  });

program
  .command('user')
  .description('users of the web UI')
  .command('create')
  .description('create a user who signs in with e-mail and password (password read from THIRDWATCH_PASSWORD or stdin)')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .addOption(new Option('--role <role>').choices([...ROLES]).makeOptionMandatory())
  .option('--team <key...>', 'team keys: it, security, legal, privacy, compliance')
  .action(async (options: { email: string; name: string; role: string; team?: string[] }) => {
    const password = process.env.THIRDWATCH_PASSWORD ?? (process.stdin.isTTY ? '' : readFileSync(0, 'utf8').trim());
    if (password.length < 12) throw new CliError('a password of at least 12 characters is required (THIRDWATCH_PASSWORD or stdin)');
    const user = await withThirdwatch((tw) =>
      tw.services.access.createUser({ email: options.email, name: options.name, role: options.role as never, password, teams: options.team }, cliContext()),
    );
    if (globals().json) printJson(user);
    else printLine(`created ${user.email} (${user.role})`);
  });

const vendor = program.command('vendor').description('the vendor inventory');
vendor
  .command('import <file>')
  .description('import vendors from CSV (all-or-nothing); --dry-run reports every bad row')
  .option('--dry-run', 'check every row, write nothing')
  .action(async (file: string, options: { dryRun?: boolean }) => {
    const text = readInput(file);
    const bar = progress(`importing ${file === '-' ? 'stdin' : file}`);
    // This process is the worker of its own job: it runs here, and GET /api/v1/jobs/{id} shows it meanwhile.
    const report = await withThirdwatch(async (tw) => {
      const job = await tw.services.vendorCsv.startImport(
        text,
        { dryRun: options.dryRun ?? false, wait: true, onProgress: (j) => bar.update(Number(j.progress_done), Number(j.progress_total ?? 0), j.phase ?? '') },
        cliContext(),
        tw.launcher,
      );
      bar.done();
      return resultOf<ImportReport>(job);
    });
    if (globals().json) printJson(report);
    else {
      for (const e of report.errors) process.stderr.write(`${file}:${e.line}: ${e.field}: ${e.reason}\n`);
      printLine(`${report.dryRun ? 'dry run: ' : ''}${report.rows} rows, ${report.created} created, ${report.updated} updated, ${report.errors.length} errors`);
    }
    if (report.errors.length) process.exitCode = 1;
  });
vendor
  .command('export')
  .description('export every vendor as CSV (default) or JSON')
  .addOption(new Option('--format <format>').choices(['csv', 'json']).default('csv'))
  .option('-o, --output <file>', 'write to a file instead of stdout')
  .action(async (options: { format: 'csv' | 'json'; output?: string }) => {
    const text = await withThirdwatch((tw) => (options.format === 'json' ? tw.services.vendorCsv.exportJson() : tw.services.vendorCsv.exportCsv()));
    if (options.output) writeFileSync(options.output, text);
    else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  });

const egress = program.command('egress').description('egress control: the blocklist of indicator domains, ingesting proxy and Zeek logs');
egress
  .command('blocklist')
  .description('the live blocklist as a domain list, a Squid dstdomain ACL file or a DNS RPZ zone (real active blocks not past their expiry)')
  .addOption(new Option('--format <format>').choices(['domains', 'squid', 'rpz']).default('domains'))
  .option('--zone <name>', 'RPZ zone name (default rpz.thirdwatch.local)')
  .option('-o, --output <file>', 'write to a file instead of stdout')
  .action(async (options: { format: 'domains' | 'squid' | 'rpz'; zone?: string; output?: string }) => {
    if (options.zone !== undefined && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(options.zone)) throw new CliError(`--zone: "${options.zone}" is not a zone name`);
    const text = await withThirdwatch((tw) => tw.services.blocklist.export(options.format, { zone: options.zone }));
    if (options.output) writeFileSync(options.output, text);
    else process.stdout.write(text);
  });

egress
  .command('ingest')
  .description('store egress events from a Squid access.log, a Zeek http/dns/ssl/conn log (TSV or JSON) or JSON lines (docs/egress-jsonl.md); a second run on the same file continues where the first stopped (a rotated or truncated file is read from the start)')
  .addOption(new Option('--format <format>', 'the log format').choices(['squid', 'zeek', 'jsonl']).makeOptionMandatory())
  .argument('<path>', 'the log file')
  .action(async (path: string, options: { format: 'squid' | 'zeek' | 'jsonl' }) => {
    const bar = progress(`ingesting ${basename(path)}`);
    const report = await withThirdwatch((tw) => ingestFile(tw.database.db, tw.services.egressIngest, path, options.format, cliContext(), (done, total) => bar.update(done, total, 'bytes'))).finally(() => bar.done());
    // As feeds import does: exit 2 when some lines were refused (listed), the rest stored.
    if (report.rejectedCount) process.exitCode = 2;
    if (globals().json) return printJson(report);
    const from = report.resumedFrom ? `continuing at byte ${report.resumedFrom}` : report.restarted ? `from the start (the file was ${report.restarted})` : 'from the start';
    printLine(`${report.path}: ${report.accepted} events stored, ${report.skipped} lines skipped, ${report.rejectedCount} rejected (${from}; read to line ${report.lines}, byte ${report.offset})`);
    for (const r of report.rejected.slice(0, 20)) printLine(`  line ${r.line}: ${r.field}: ${r.reason}`);
    if (report.rejectedCount > 20) printLine(`  … ${report.rejectedCount - 20} more (--json lists the first ${report.rejected.length})`);
  });

vendor
  .command('list')
  .description('vendors with their ids, tier and score (name order); --search and --tier narrow it')
  .option('--search <text>', 'part of a name, alias or domain')
  .addOption(new Option('--tier <tier...>', 'only these tiers').choices(['T1', 'T2', 'T3', 'T4']))
  .action(async (options: { search?: string; tier?: Array<'T1' | 'T2' | 'T3' | 'T4'> }) => {
    const items = await withThirdwatch(async (tw) => {
      const all = [];
      let cursor: string | undefined;
      do {
        const page = await tw.services.vendors.list({ q: options.search, tier: options.tier, limit: 500, cursor });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return all;
    });
    if (globals().json) return printJson({ items });
    for (const v of items) printLine(`${v.id}  ${v.tier}  ${v.inherentRisk.score.toFixed(1).padStart(5)}  ${v.status.padEnd(11)}  ${v.name}`);
    if (!items.length) printLine('no vendors (thirdwatch demo loads a sample organisation)');
  });

program
  .command('product')
  .description('products and services of vendors')
  .command('list')
  .description('products with their ids (for sbom upload/list --product), of one vendor or of all')
  .option('--vendor <id>', 'only the products of this vendor')
  .action(async (options: { vendor?: string }) => {
    const items = await withThirdwatch(async (tw) => {
      if (!options.vendor) return tw.services.vendors.listAllProducts();
      const owner = await tw.services.vendors.get(options.vendor);
      return (await tw.services.vendors.listProducts(owner.id)).map((p) => ({ ...p, vendorName: owner.name }));
    });
    if (globals().json) return printJson({ items });
    for (const p of items) printLine(`${p.id}  ${p.vendorName} / ${p.name} (${p.type})`);
    if (!items.length) printLine('no products');
  });

const feeds = program.command('feeds').description('vulnerability feeds (OSV, NVD, CISA KEV, FIRST EPSS, CSAF, OpenVEX, CycloneDX VEX), threat intel (STIX, MISP, CSV IOC lists) and vendor mentions');
feeds
  .command('import <kind> <path>')
  .description('import a feed file: kind is osv (a JSON/YAML file, a directory or an all.zip), nvd (NVD CVE JSON 2.0: an API answer or cve object, a directory of them, .gz or .zip), kev, epss, csaf, openvex, cyclonedx-vex, stix (a STIX 2.1 or 2.0 bundle), misp (an event JSON, or a feed directory or zip with manifest.json), csv-iocs, or mentions (JSON lines of breach/leak/forum posts)')
  .option('--source <label>', 'provenance label (default: the file name; for VEX, the issuer; for threat intel, the publisher the document names)')
  .option('--vendor <id>', 'VEX: the vendor that issued the statements (they apply to its products)')
  .option('--product <id>', 'VEX: the product the statements are about')
  .option('--columns <mapping>', 'csv-iocs: which columns hold what, e.g. value=indicator,type=kind or value=3')
  .action(async (kind: string, path: string, options: { source?: string; vendor?: string; product?: string; columns?: string }) => {
    const bar = progress(`${kind} ${path}`);
    // This process is the worker of its own feeds.import job: GET /api/v1/jobs shows it, and a cancel stops it between batches.
    const report = await withThirdwatch(async (tw) => {
      const job = await tw.services.feeds.startImport(
        kind,
        { path: resolve(path) },
        { source: options.source, vendorId: options.vendor, productId: options.product, columns: options.columns, wait: true, onProgress: (j) => bar.update(Number(j.progress_done), Number(j.progress_total ?? 0), j.phase ?? '') },
        cliContext(),
        tw.launcher,
      );
      bar.done();
      return resultOf<FeedReport>(job);
    });
    if (globals().json) printJson(report);
    else {
      for (const e of report.errors.slice(0, 50)) process.stderr.write(`${path}: ${e.record}: ${e.reason}\n`);
      if (report.errors.length > 50) process.stderr.write(`${path}: … and ${report.errors.length - 50} more errors (--json lists them all)\n`);
      const f = report.findings;
      if (report.matched !== undefined) printLine(`${report.imported} imported, ${report.updated} updated, ${report.skipped} skipped (unchanged), ${report.errors.length} errors; ${report.matched} matched to vendors`);
      else if (report.sightings !== undefined) printLine(`${report.imported} imported, ${report.updated} updated, ${report.skipped} skipped, ${report.errors.length} errors; ${report.unsupported ?? 0} kept with an unsupported pattern; ${report.sightings} new sightings (source ${report.source})`);
      else printLine(`${report.imported} imported, ${report.updated} updated, ${report.skipped} skipped (unchanged), ${report.errors.length} errors; findings: ${f.created} new, ${f.updated} updated, ${f.closed} closed, ${f.reopened} reopened`);
    }
    // As the HTTP route answers 207: some records were refused (listed), the rest imported.
    if (report.errors.length) process.exitCode = 2;
  });
feeds
  .command('status')
  .description('configured and imported feeds: last success, last error, totals')
  .action(async () => {
    const overview = await withThirdwatch((tw) => tw.services.feeds.overview());
    if (globals().json) printJson(overview);
    else {
      const t = overview.totals;
      printLine(`${t.advisoryGroups} advisories (${t.advisoryRecords} records), ${t.kevEntries} KEV entries, ${t.epssScores} EPSS scores${t.epssModel ? ` (${t.epssModel}, ${t.epssScoreDate})` : ''}, ${t.vexStatements} VEX statements`);
      for (const f of overview.feeds) {
        const state = f.lastError && (!f.lastSuccessAt || (f.lastErrorAt ?? '') > f.lastSuccessAt) ? `failing: ${f.lastError}` : f.lastSuccessAt ? `ok ${f.lastSuccessAt}` : 'never run';
        printLine(`${f.name.padEnd(20)} ${f.kind.padEnd(14)} ${f.enabled ? 'enabled ' : 'disabled'} ${state}`);
      }
    }
  });
feeds
  .command('sync [names...]')
  .description('fetch configured feed URLs now (all enabled ones, or those named) and import them; "nvd" syncs from the NVD CVE API (PUT /api/v1/settings/nvd)')
  .action(async (allNames: string[]) => {
    const nvd = allNames.includes('nvd');
    const names = allNames.filter((n) => n !== 'nvd');
    const results = await withThirdwatch(async (tw) => {
      const out: Array<Record<string, unknown>> = [];
      if (nvd) {
        try {
          out.push({ name: 'nvd', ...(await tw.services.nvdSync.sync(cliContext())) });
        } catch (error) {
          out.push({ name: 'nvd', error: (error as Error).message });
        }
        if (!names.length) return out;
      }
      const settings = await tw.services.feeds.settings();
      const chosen = settings.sources.filter((s) => (names.length ? names.includes(s.name) : s.enabled));
      const unknown = names.filter((n) => !settings.sources.some((s) => s.name === n));
      if (unknown.length) throw new CliError(`no configured feed named ${unknown.join(', ')} (see PUT /api/v1/settings/feeds)`);
      for (const source of chosen) {
        try {
          out.push(await tw.services.feeds.fetchAndImport(source.name, cliContext()));
        } catch (error) {
          out.push({ name: source.name, error: (error as Error).message });
        }
      }
      return out;
    });
    if (globals().json) printJson({ items: results });
    else for (const r of results) printLine(r.error ? `${r.name}: failed: ${r.error}` : `${r.name}: ${r.notModified ? 'not modified' : `${r.imported} imported, ${r.updated} updated, ${r.skipped} skipped (unchanged), ${r.errors} errors`}`);
    if (results.some((r) => r.error)) process.exitCode = 1;
  });

program
  .command('audit')
  .description('the audit trail')
  .command('verify')
  .description('recompute the audit hash chain; exits 1 when a row was tampered with')
  .action(async () => {
    const result = await withThirdwatch((tw) => tw.services.audit.verify());
    const { count, oldestAt } = result.unsealed;
    const tail = count ? `; ${count} recent events not sealed yet (oldest ${oldestAt}): they wait for older transactions to end` : '';
    if (globals().json) printJson(result);
    else if (result.ok) printLine(`audit trail intact: ${result.checked} events verified${tail}`);
    else {
      const { position, seq, reason } = result.brokenAt!;
      process.stderr.write(`audit trail BROKEN at position ${position}${seq === null ? '' : ` (event seq ${seq})`}: ${reason} (${result.checked} events verified before it)\n`);
    }
    if (!result.ok) process.exitCode = 1;
  });

const sbom = program.command('sbom').description('software bills of materials');
sbom
  .command('upload <file>')
  .description('store an SBOM (CycloneDX JSON/XML, SPDX JSON/tag-value/3.0) for a product release; "-" reads stdin')
  .requiredOption('--product <id>', `product id, or "${ESTATE.alias}" for the organisation's own software`)
  .option('--release <version>', 'the release it describes (default: the root component\'s version)')
  .option('--lenient', 'store it even when some purls are invalid (they are dropped, with warnings)')
  .action(async (file: string, options: { product: string; release?: string; lenient?: boolean }) => {
    const cfg = config();
    const bytes = readUpload(file, cfg.maxUploadBytes);
    const parsing = progress(`parsing ${file === '-' ? 'stdin' : file}`);
    const storing = progress('storing');
    let parsed = false;
    const onProgress = (phase: 'parse' | 'store' | 'match', done: number, total: number) => {
      if (phase === 'parse') {
        parsing.update(done, total);
        if (done === total && !parsed) {
          parsed = true;
          parsing.done();
        }
      } else if (phase === 'store') storing.update(done, total);
    };
    let created;
    try {
      created = await withThirdwatch((tw) => tw.services.sboms.upload(options.product, bytes, { release: options.release, lenient: options.lenient }, cliContext(), onProgress));
    } finally {
      if (!parsed) parsing.done();
    }
    if (created) storing.done();
    if (globals().json) printJson(created);
    else {
      for (const warning of created.warnings) process.stderr.write(`warning: ${warning}\n`);
      printLine(
        `stored SBOM ${created.id}: ${created.format} ${created.specVersion} (${created.encoding}), ${created.componentCount} components, ${created.dependencyCount} dependencies, ${created.productName} release ${created.release}${created.supersedes ? ` (replaces ${created.supersedes} as current)` : ''}`,
      );
    }
  });
sbom
  .command('list')
  .description('SBOMs of a product, newest first: "in use" marks the latest SBOM of the release in use (the product\'s version, else the newest release), "replaced" an SBOM a later upload of its release replaced')
  .requiredOption('--product <id>', `product id, or "${ESTATE.alias}"`)
  .action(async (options: { product: string }) => {
    const [page, releases] = await withThirdwatch((tw) => Promise.all([tw.services.sboms.list(options.product, { limit: 500 }), tw.services.sboms.releases(options.product)]));
    if (globals().json) return printJson(page);
    const inUse = releases.find((r) => r.inUse)?.currentSbomId;
    for (const s of page.items) {
      const label = s.id === inUse ? 'in use  ' : s.current ? '        ' : 'replaced';
      printLine(`${s.id}  ${s.release.padEnd(16)}  ${label}  ${s.format} ${s.specVersion}  ${s.componentCount} components  ${s.uploadedAt}`);
    }
  });
sbom
  .command('diff <from> <to>')
  .description('what changed between two SBOMs: added, removed, version and hash changes')
  .action(async (from: string, to: string) => {
    const diff = await withThirdwatch((tw) => tw.services.sboms.diff(from, to));
    if (globals().json) return printJson(diff);
    printLine(`${diff.from.productName} ${diff.from.release} → ${diff.to.productName} ${diff.to.release}: ${diff.summary.added} added, ${diff.summary.removed} removed, ${diff.summary.versionChanged} version changes, ${diff.summary.hashChanged} hash changes`);
    for (const c of diff.added) printLine(`  + ${c.name} ${c.version ?? ''}`);
    for (const c of diff.removed) printLine(`  - ${c.name} ${c.version ?? ''}`);
    for (const c of diff.versionChanged) printLine(`  ~ ${c.name} ${c.fromVersion ?? ''} → ${c.toVersion ?? ''}`);
    for (const c of diff.hashChanged) printLine(`  ! ${c.name} ${c.version ?? ''}: ${c.algorithms.map((a) => `${a.alg} ${a.from.slice(0, 12)}… → ${a.to.slice(0, 12)}…`).join(', ')}`);
  });
sbom
  .command('who-uses')
  .description('every vendor, product and release whose current SBOM contains a package')
  .option('--purl <purl>', 'a package URL, e.g. pkg:npm/electron')
  .option('--name <name>', 'a package name, e.g. ffmpeg or log4j-core')
  .option('--ecosystem <ecosystem>', 'npm, PyPI, Maven, Go, generic, …')
  .option('--versions <filter>', 'an exact version, comparisons (">=1.0,<2.0") or a vers range')
  .action(async (options: { purl?: string; name?: string; ecosystem?: string; versions?: string }) => {
    const items = await withThirdwatch(async (tw) => {
      const all = [];
      let cursor: string | undefined;
      do {
        const page = await tw.services.sboms.usage({ purl: options.purl, name: options.name, ecosystem: options.ecosystem, version: options.versions, limit: 500, cursor });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return all;
    });
    if (globals().json) return printJson({ items });
    for (const u of items) printLine(`${u.vendor.name} / ${u.product.name} ${u.release}: ${u.name} ${u.version ?? ''} (${u.direct ? 'direct' : `transitive, ${u.path.map((h) => h.name).join(' → ')}`})`);
    if (!items.length) printLine('no current SBOM contains it');
  });

const artifact = program.command('artifact').description('update integrity: check installers and binaries against the release registry');
artifact
  .command('check <file>')
  .description('hash a file, read its Authenticode signature, record it as observed for a product release and report alerts')
  .requiredOption('--product <id>', 'product id')
  .requiredOption('--release <version>', 'the release the file claims to be (also spelled --version)')
  .option('--filename <name>', 'the file name as published (default: the file\'s own name)')
  .action(async (file: string, options: { product: string; release: string; filename?: string }) => {
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new CliError(`${file} is not a file`);
      size = stat.size;
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const fileName = options.filename ?? basename(file);
    const result = await withThirdwatch((tw) => {
      if (size > tw.config.maxArtifactBytes) throw new CliError(`${file} is ${size} bytes, over the artifact limit of ${tw.config.maxArtifactBytes} bytes (THIRDWATCH_MAX_ARTIFACT_MB)`);
      return tw.services.integrity.checkFile({ productId: options.product, version: options.release, fileName }, file, cliContext());
    });
    if (globals().json) return printJson(result);
    printLine(`${result.fileName} (${result.size} bytes) for release ${result.version}: sha256 ${result.sha256}`);
    const sig = result.signature;
    printLine(`signature: ${sig.status}${sig.signer ? `, signed by "${sig.signer.subject}" (${sig.signer.thumbprint})${sig.signingTime ? ` at ${sig.signingTime}` : ''}` : ''}${sig.digestMatches === null ? '' : sig.digestMatches ? ', Authenticode digest matches' : ', Authenticode digest DIFFERS'}`);
    printLine(result.registered ? 'these bytes are registered by the vendor for this release' : 'these bytes are not registered by the vendor for this release');
    for (const a of result.alerts) printLine(`ALERT ${a.type} (${a.severity}): ${a.detail}`);
    if (!result.alerts.length) printLine('no alerts');
  });

const controls = program.command('controls').description('control content: OSCAL catalogs and profiles (SP 800-53, baselines, the C-SCRM profile in content/oscal)');
controls
  .command('import <file>')
  .description('import an OSCAL 1.x catalog or profile (JSON); a profile is resolved against the catalogs already imported')
  .action(async (file: string) => {
    const result = await withThirdwatch((tw) => tw.services.controls.import(readUpload(file, tw.config.maxUploadBytes), { sourceName: file === '-' ? undefined : basename(file) }, cliContext()));
    if (globals().json) return printJson(result);
    const verb = result.created ? 'imported' : 'updated';
    if (result.kind === 'catalog') printLine(`catalog ${verb}: ${result.title}: ${result.controls} controls (${result.withdrawn} withdrawn)${result.removed ? `, ${result.removed} no longer in the catalog removed` : ''}`);
    else printLine(`profile ${verb}: ${result.title}: ${result.controls} controls from ${result.imports?.map((i) => i.catalogTitle).join(', ')}`);
  });

program
  .command('demo')
  .description('load a realistic sample organisation (vendors, products, contacts, contracts, fourth parties, SBOMs)')
  .action(async () => {
    const summary = await withThirdwatch(async (tw) => {
      const inventory = await loadDemo(tw.services, cliContext());
      const sboms = await loadDemoSboms(tw.services, cliContext());
      const artifacts = await loadDemoArtifacts(tw.services, cliContext());
      // Unchanged records are skipped, so loading the demo twice adds nothing.
      const nvd = await loadDemoNvd(tw.services, cliContext());
      return { ...inventory, sboms: sboms.sboms, components: sboms.components, artifacts: artifacts.registered + artifacts.checked, integrityAlerts: artifacts.alerts, nvdRecords: nvd.nvdRecords, alreadyLoaded: !inventory.vendors && !sboms.sboms && artifacts.skipped && !nvd.nvdRecords };
    });
    if (globals().json) printJson(summary);
    else if (summary.alreadyLoaded) printLine(`the demo is already loaded (${summary.skipped} demo vendors found): nothing added`);
    else printLine(`demo loaded: ${summary.vendors} vendors, ${summary.products} products, ${summary.contacts} contacts, ${summary.contracts} contracts, ${summary.subcontractors} fourth-party links, ${summary.sboms} SBOMs (${summary.components} components), ${summary.artifacts} release artifacts (${summary.integrityAlerts} integrity alerts), ${summary.nvdRecords} NVD records${summary.skipped ? `; ${summary.skipped} demo vendors were already there` : ''}`);
  });

const drill = program.command('drill').description('drills: a playbook run against a synthetic incident, its effects captured instead of sent');
drill
  .command('run')
  .description('start a drill, run its automated steps to the end or to the first step waiting for a person, and print the report')
  .requiredOption('--playbook <id>', 'the playbook to drill (id)')
  .option('--scenario <file>', 'the synthetic incident (JSON or YAML; "-" reads stdin); its `answers` answer approval/input steps and tasks by step id')
  .option('--answer-tasks', 'complete every other task as it opens (forms get an empty answer), so the drill runs through')
  .action(async (options: { playbook: string; scenario?: string; answerTasks?: boolean }) => {
    const scenario = options.scenario === undefined ? undefined : parseScenario(readInput(options.scenario));
    const detail = await withThirdwatch(async (tw) => {
      const started = await tw.services.drills.start({ playbookId: options.playbook, scenario }, cliContext());
      const worker = createWorker(tw);
      return tw.services.drills.drive(started.id, { drain: () => worker.drain(), answerTasks: options.answerTasks }, cliContext());
    });
    if (globals().json) return printJson(detail);
    printDrill(detail);
  });

function printDrill(d: DrillDetail): void {
  const { report: r } = d;
  printLine(`drill ${d.id}: ${d.playbookName} v${d.playbookVersion} against ${d.vendorName ?? 'no vendor'} (${d.status}${r.run ? `, run ${r.run.status}` : ''}), ${r.durationSeconds ?? 0} s`);
  printLine(`incident ${d.incidentId ?? '-'}; ${r.summary.stepsDone}/${r.summary.steps} steps done, ${r.summary.stepsWaiting} waiting, ${r.summary.stepsFailed} failed, ${r.summary.overruns} overran`);
  for (const s of r.steps) {
    const planned = s.plannedSeconds === null ? '' : ` planned ${s.plannedSeconds} s`;
    printLine(`  ${s.status.padEnd(8)} ${s.stepId} (${s.type}${s.team ? `, ${s.team}` : ''})${planned}${s.actualSeconds === null ? '' : ` actual ${s.actualSeconds} s`}${s.overrun ? ` OVERRAN by ${s.overrunSeconds} s` : ''}${s.error ? `: ${s.error}` : ''}`);
  }
  for (const t of r.responses) printLine(`  task ${t.team}: ${t.title}: ${t.status === 'done' ? `done by ${t.completedBy} after ${t.secondsToRespond ?? 0} s` : t.status}`);
  for (const c of r.captured) printLine(`  captured ${c.kind} → ${c.target}: ${c.summary}`);
  if (d.status === 'running') printLine(`the drill waits for people: answer its tasks in the UI (/drills/${d.id}), then finish it`);
}

/** The whole upload in memory, refused up front (before reading it) when over the upload limit. */
function readUpload(file: string, limit: number): Buffer {
  try {
    if (file !== '-') {
      const size = statSync(file).size;
      if (size > limit) throw new CliError(`${file} is ${size} bytes, over the upload limit of ${limit} bytes (THIRDWATCH_MAX_UPLOAD_MB)`);
    }
    const bytes = readFileSync(file === '-' ? 0 : file);
    if (bytes.length > limit) throw new CliError(`the input is over the upload limit of ${limit} bytes (THIRDWATCH_MAX_UPLOAD_MB)`);
    return bytes;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof CommanderError) return `${error.message.replace(/^error: /, '')} (see --help)`;
  if (error instanceof ConfigError) return error.message;
  if (error instanceof AppError) return `${error.message}${error.errors.length > 1 ? ` (and ${error.errors.length - 1} more problems)` : ''}`;
  if (error instanceof CliError) return error.message;
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return `cannot reach the database: ${e.message}`;
  return e?.message ?? String(error);
}

function errorType(error: unknown): string {
  if (error instanceof CommanderError) return 'usage';
  if (error instanceof ConfigError) return 'configuration';
  if (error instanceof AppError) return error.id;
  return 'failed';
}

// `thirdwatch ... | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

/**
 * `artifact check FILE --version V` names a release, but commander reads --version anywhere on the
 * line as the program's own flag (print the version and exit): after `artifact`, it is --release.
 */
function releaseSpelling(argv: string[]): string[] {
  const at = argv.indexOf('artifact', 2);
  if (at === -1) return argv;
  return argv.map((arg, i) => (i > at && arg === '--version' ? '--release' : i > at && arg.startsWith('--version=') ? `--release=${arg.slice(10)}` : arg));
}

program.parseAsync(releaseSpelling(process.argv)).catch((error: unknown) => {
  // --help and --version end the parse with an "error" that is a success.
  if (error instanceof CommanderError && error.exitCode === 0) process.exit(0);
  const exitCode = error instanceof CliError ? error.exitCode : error instanceof ConfigError || error instanceof CommanderError ? 2 : 1;
  const message = describeError(error);
  // A usage error can come before commander has read --json, so the raw arguments are consulted too.
  if (globals().json || process.argv.includes('--json')) printJson({ error: { type: errorType(error), message, exitCode, ...(error instanceof AppError && error.errors.length ? { errors: error.errors } : {}) } });
  process.stderr.write(`thirdwatch: ${message.split('\n').join('\n  ')}\n`);
  process.exit(exitCode);
});
