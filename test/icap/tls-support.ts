// The HTTPS side of the proxy tests: a local HTTPS "internet" with a certificate from the test's CA,
// Squid's ssl_bump settings, and curl through a proxy (it speaks CONNECT and trusts a given CA).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { TestCa } from './tls-ca.js';

export const CERTGEN = '/usr/lib/squid/security_file_certgen';

export interface Received {
  method: string;
  path: string;
  body: string;
}

/** An HTTPS server on 127.0.0.1 that records what reaches it and answers 200. */
export async function startHttpsUpstream(cert: { cert: string; key: string }): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.setHeader('content-type', 'text/plain');
      res.end('stored\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * squid.conf lines for a port that bumps every TLS connection: Squid mints a certificate per site
 * with the CA (security_file_certgen keeps them in `sslDb`, which `initSslDb` created) and checks the
 * site's own certificate against the same CA, the only one the local "internet" uses.
 */
export function bumpingPort(ca: TestCa, sslDb: string): (port: number) => string[] {
  return (port) => [
    `http_port 127.0.0.1:${port} ssl-bump tls-cert=${ca.cert} tls-key=${ca.key} generate-host-certificates=on dynamic_cert_mem_cache_size=4MB`,
    `sslcrtd_program ${CERTGEN} -s ${sslDb} -M 4MB`,
    'sslcrtd_children 2 startup=1 idle=1',
    'acl step1 at_step SslBump1',
    'ssl_bump peek step1',
    'ssl_bump bump all',
    `tls_outgoing_options cafile=${ca.cert}`,
  ];
}

/** Creates security_file_certgen's certificate store (the directory must not exist yet). */
export async function initSslDb(dir: string): Promise<string> {
  const db = join(dir, 'ssl_db');
  await run(CERTGEN, ['-c', '-s', db, '-M', '4MB']);
  // Squid runs its helpers as its own user when started as root.
  if (process.getuid?.() === 0) await run('chown', ['-R', 'proxy:proxy', db]);
  return db;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

export interface CurlResult {
  /** curl's exit code: 0, or e.g. 56 when the proxy refused the CONNECT. */
  exit: number;
  /** Status of the final response (0 when there was none). */
  status: number;
  /** Status the proxy gave the CONNECT (0 for plain HTTP). */
  connectStatus: number;
  body: string;
}

/** POSTs `body` to an https URL through the proxy, trusting only the given CA. */
export function curlPost(proxyPort: number, url: string, body: string, ca: string, contentType = 'application/json'): Promise<CurlResult> {
  const marker = '\n--curl-status--';
  const args = ['-sS', '--max-time', '30', '--proxy', `http://127.0.0.1:${proxyPort}`, '--cacert', ca, '-H', `content-type: ${contentType}`, '--data-binary', '@-', '-w', `${marker}%{http_code} %{http_connect}`, url];
  return new Promise((resolve) => {
    const child = execFile('curl', args, { timeout: 60_000 }, (error, stdout) => {
      const at = stdout.lastIndexOf(marker);
      const [status, connect] = stdout.slice(at + marker.length).split(' ').map(Number);
      resolve({ exit: error ? Number((error as { code?: number }).code ?? -1) : 0, status, connectStatus: connect, body: stdout.slice(0, at) });
    });
    child.stdin!.end(body);
  });
}
