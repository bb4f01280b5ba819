#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from './app/config.js';
import { openThirdwatch, type Thirdwatch } from './app/thirdwatch.js';
import { VERSION } from './app/version.js';
import { serve } from './app/serve.js';
import { CliError, printJson, printLine } from './cli/output.js';
import { cliContext } from './platform/context.js';
import { AppError } from './platform/errors.js';
import { createLogger } from './platform/logger.js';
import { isRole, ROLES } from './platform/auth/roles.js';
import { loadDemo } from './modules/vendors/demo.js';

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
  .showHelpAfterError();

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
  .action(async (options: { port?: string; host?: string; worker: boolean }) => {
    await serve(
      config({ THIRDWATCH_PORT: options.port, THIRDWATCH_HOST: options.host, ...(options.worker ? {} : { THIRDWATCH_WORKER: 'false' }) }),
    );
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
    const report = await withThirdwatch((tw) => tw.services.vendorCsv.import(text, options.dryRun ?? false, cliContext()));
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

program
  .command('audit')
  .description('the audit trail')
  .command('verify')
  .description('recompute the audit hash chain; exits 1 when a row was tampered with')
  .action(async () => {
    const result = await withThirdwatch((tw) => tw.services.audit.verify());
    if (globals().json) printJson(result);
    else if (result.ok) printLine(`audit trail intact: ${result.checked} events verified`);
    else process.stderr.write(`audit trail BROKEN at event ${result.brokenAt!.seq}: ${result.brokenAt!.reason} (${result.checked} events verified before it)\n`);
    if (!result.ok) process.exitCode = 1;
  });

program
  .command('demo')
  .description('load a realistic sample organisation (vendors, products, contacts, contracts, fourth parties)')
  .action(async () => {
    const summary = await withThirdwatch((tw) => loadDemo(tw.services, cliContext()));
    if (globals().json) printJson(summary);
    else printLine(`demo loaded: ${summary.vendors} vendors, ${summary.products} products, ${summary.contacts} contacts, ${summary.contracts} contracts, ${summary.subcontractors} fourth-party links`);
  });

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof AppError) return `${error.message}${error.errors.length > 1 ? ` (and ${error.errors.length - 1} more problems)` : ''}`;
  if (error instanceof CliError) return error.message;
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return `cannot reach the database: ${e.message}`;
  return e?.message ?? String(error);
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`thirdwatch: ${describeError(error).split('\n').join('\n  ')}\n`);
  process.exit(error instanceof CliError ? error.exitCode : error instanceof ConfigError ? 2 : 1);
});
