import { readFileSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseCidr } from '../platform/outbound.js';

export interface Config {
  dataDir: string;
  databaseUrl: string;
  dialect: 'sqlite' | 'postgres';
  host: string;
  port: number;
  icapPort: number;
  /** Address the ICAP service listens on (THIRDWATCH_ICAP_HOST, default 127.0.0.1). */
  icapHost: string;
  /** What the ICAP service does when the policy store is unreachable: allow (open) or block (closed). */
  icapFail: 'open' | 'closed';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted JSON/CSV request body, in bytes. */
  maxBodyBytes: number;
  /** Largest accepted SBOM or feed upload, in bytes. */
  maxUploadBytes: number;
  /** Largest artifact (installer, binary) an integrity check accepts, in bytes; streamed, never held in memory. */
  maxArtifactBytes: number;
  /** A Sigstore trusted_root.json to verify bundles against instead of the pinned public-good root. */
  sigstoreTrustedRoot: string | null;
  /** Marks session cookies Secure; on by default unless the UI is served over plain http on loopback. */
  secureCookies: boolean;
  smtpUrl: string | null;
  /** Where people reach this server (links in e-mails: portal invitations); default http://host:port. */
  publicUrl: string;
  /** Largest evidence file a vendor may upload through the portal, in bytes. */
  maxEvidenceBytes: number;
  /** Decoded bytes of one body the personal-data scan reads (the rest is reported as truncated). */
  piiMaxScanBytes: number;
  /** Worker threads that scan large bodies (ICAP, egress uploads) beside the event loop; 0: all on it. Default: one core is left to the event loop. */
  piiScanThreads: number;
  allowPrivateWebhookTargets: boolean;
  /** Auth failures allowed per client address per minute before answering 429. */
  authFailuresPerMinute: number;
  /** Time allowed for a request's headers, and for the whole request (headers and body), in ms. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** A request body that sends nothing for this long is cut off with 408 (ms). */
  bodyIdleTimeoutMs: number;
  /** Open connections one client address may hold (0: no limit). */
  maxConnectionsPerClient: number;
  /** Outbound HTTP (feed sources): true allows private/loopback targets, a list allows those networks. */
  outboundAllowPrivate: boolean | string[];
  /** Raw egress events older than this many days are pruned (flows keep the aggregates). */
  egressRetentionDays: number;
  /** Whether this process runs the background worker (several api-only replicas may turn it off). */
  worker: boolean;
  /** Server processes `serve` runs, sharing the HTTP and ICAP ports (1: everything in one process). */
  processes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

type Source = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads configuration once: command-line overrides, then environment variables, then an optional
 * YAML/JSON file (THIRDWATCH_CONFIG, or thirdwatch.yaml in the data directory). Every bad value is
 * reported with the variable that carried it, all at once.
 */
export function loadConfig(env: Source = process.env, overrides: Partial<Record<string, string>> = {}): Config {
  const problems: string[] = [];
  const fromFile = readConfigFile(env, overrides, problems);
  const get = (name: string): string | undefined => overrides[name] ?? env[name] ?? fromFile[name];

  const dataDir = resolve(get('THIRDWATCH_DATA_DIR') ?? 'data');
  const databaseUrl = get('THIRDWATCH_DATABASE_URL') ?? `sqlite://${join(dataDir, 'thirdwatch.db')}`;
  let dialect: Config['dialect'] = 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) dialect = 'postgres';
  else if (!/^sqlite:\/\//.test(databaseUrl) && !databaseUrl.startsWith('file:')) {
    problems.push(`THIRDWATCH_DATABASE_URL: expected postgres://... or sqlite:///path/to/file.db, got "${databaseUrl}"`);
  }

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = get(name);
    if (raw === undefined || raw === '') return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name}: expected true or false, got "${raw}"`);
    return fallback;
  };

  const allowList = (name: string): boolean | string[] => {
    const raw = get(name);
    if (raw === undefined || raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
    const bad = entries.filter((e) => !parseCidr(e));
    if (bad.length) problems.push(`${name}: expected true, false or a comma-separated list of networks such as 10.20.0.0/16, got "${bad[0]}"`);
    return entries;
  };

  const logLevel = (get('THIRDWATCH_LOG_LEVEL') ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`THIRDWATCH_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const smtpUrl = get('THIRDWATCH_SMTP_URL') ?? null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) {
    problems.push(`THIRDWATCH_SMTP_URL: expected smtp://user:pass@host:port or smtps://..., got a value without that scheme`);
  }
  const host = get('THIRDWATCH_HOST') ?? '127.0.0.1';
  const publicUrl = get('THIRDWATCH_PUBLIC_URL') || null;
  if (publicUrl && !/^https?:\/\/[^/]+/.test(publicUrl)) problems.push(`THIRDWATCH_PUBLIC_URL: expected https://host[:port][/path], got "${publicUrl}"`);
  const sigstoreTrustedRoot = get('THIRDWATCH_SIGSTORE_TRUSTED_ROOT') || null;
  if (sigstoreTrustedRoot && !existsSync(sigstoreTrustedRoot)) problems.push(`THIRDWATCH_SIGSTORE_TRUSTED_ROOT: no file at ${sigstoreTrustedRoot}`);

  const port = int('THIRDWATCH_PORT', 8080, 0, 65535);
  const icapFail = (get('THIRDWATCH_ICAP_FAIL') || 'open').toLowerCase();
  if (icapFail !== 'open' && icapFail !== 'closed') problems.push(`THIRDWATCH_ICAP_FAIL: expected open or closed, got "${icapFail}"`);
  const config: Config = {
    dataDir,
    databaseUrl,
    dialect,
    host,
    port,
    publicUrl: (publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, ''),
    icapPort: int('THIRDWATCH_ICAP_PORT', 1344, 0, 65535),
    icapHost: get('THIRDWATCH_ICAP_HOST') || '127.0.0.1',
    icapFail: icapFail === 'closed' ? 'closed' : 'open',
    logLevel,
    maxBodyBytes: int('THIRDWATCH_MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxUploadBytes: int('THIRDWATCH_MAX_UPLOAD_MB', 50, 1, 4096) * 1024 * 1024,
    maxArtifactBytes: int('THIRDWATCH_MAX_ARTIFACT_MB', 4096, 1, 65536) * 1024 * 1024,
    sigstoreTrustedRoot,
    secureCookies: bool('THIRDWATCH_SECURE_COOKIES', !isLoopback(host)),
    smtpUrl,
    maxEvidenceBytes: int('THIRDWATCH_MAX_EVIDENCE_MB', 25, 1, 1024) * 1024 * 1024,
    piiMaxScanBytes: int('THIRDWATCH_PII_MAX_SCAN_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    piiScanThreads: int('THIRDWATCH_PII_SCAN_THREADS', Math.max(1, Math.min(4, availableParallelism() - 1)), 0, 64),
    allowPrivateWebhookTargets: bool('THIRDWATCH_ALLOW_PRIVATE_WEBHOOKS', false),
    authFailuresPerMinute: int('THIRDWATCH_AUTH_FAILURES_PER_MINUTE', 10, 1, 100000),
    worker: bool('THIRDWATCH_WORKER', true),
    processes: int('THIRDWATCH_PROCESSES', 1, 1, 64),
    egressRetentionDays: int('THIRDWATCH_EGRESS_RETENTION_DAYS', 30, 1, 3650),
    outboundAllowPrivate: allowList('THIRDWATCH_OUTBOUND_ALLOW_PRIVATE'),
    headersTimeoutMs: int('THIRDWATCH_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: int('THIRDWATCH_REQUEST_TIMEOUT_MS', 300_000, 100, 86_400_000),
    bodyIdleTimeoutMs: int('THIRDWATCH_BODY_IDLE_TIMEOUT_MS', 15_000, 100, 600_000),
    maxConnectionsPerClient: int('THIRDWATCH_MAX_CONNECTIONS_PER_CLIENT', 256, 0, 1_000_000),
  };
  // Node refuses a headers timeout longer than the request timeout.
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    problems.push(`THIRDWATCH_HEADERS_TIMEOUT_MS: ${config.headersTimeoutMs} is longer than THIRDWATCH_REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`);
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function readConfigFile(env: Source, overrides: Source, problems: string[]): Source {
  const explicit = overrides.THIRDWATCH_CONFIG ?? env.THIRDWATCH_CONFIG;
  const dataDir = overrides.THIRDWATCH_DATA_DIR ?? env.THIRDWATCH_DATA_DIR ?? 'data';
  const path = explicit ?? join(dataDir, 'thirdwatch.yaml');
  if (!existsSync(path)) {
    if (explicit) problems.push(`THIRDWATCH_CONFIG: file "${explicit}" does not exist`);
    return {};
  }
  try {
    const parsed: unknown = parseYaml(readFileSync(path, 'utf8'), { maxAliasCount: 10 });
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`${path}: expected a mapping of THIRDWATCH_* keys to values`);
      return {};
    }
    const out: Source = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (!key.startsWith('THIRDWATCH_')) problems.push(`${path}: unknown key "${key}" (keys are THIRDWATCH_* variable names)`);
      else out[key] = String(value);
    }
    return out;
  } catch (error) {
    problems.push(`${path}: ${(error as Error).message.split('\n')[0]}`);
    return {};
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === 'sqlite://:memory:') return ':memory:';
  return databaseUrl.replace(/^sqlite:\/\//, '').replace(/^file:/, '');
}
