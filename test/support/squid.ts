// Debian's Squid for the real-proxy tests: where it is, whether a test may skip without it, and
// Squid in front of an ICAP service (the process itself is bench/icap-harness.ts's startSquid, shared
// with the ICAP bench so both run the same squid.conf).
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { SQUID, startSquid } from '../../bench/icap-harness.js';

export { SQUID };

/**
 * Null when Squid is installed; otherwise why the test is skipped. Under CI (CI=true) a missing
 * Squid is a failure, not a skip: `.ci/run` installs Debian's `squid`, and a skipped proxy test
 * there would hide that it never ran.
 */
export function squidMissing(): string | null {
  if (existsSync(SQUID)) return null;
  const reason = `${SQUID} not found: install Debian's squid-openssl (apt-get install -y squid-openssl) to run the real-proxy tests`;
  if (/^(1|true|yes)$/i.test(process.env.CI ?? '')) throw new Error(`${reason} (CI is set, so this fails instead of skipping)`);
  return reason;
}

/**
 * Squid on a loopback port whose "internet" is `hosts` mapped to 127.0.0.1 (hosts_file), sending
 * every request to `icapUrl` (reqmod_precache, bypass=off: an ICAP failure is an error page,
 * never a silent pass), with the client's address passed to the service (X-Client-IP).
 */
export function startSquidWithIcap(dir: string, hosts: string[], icapUrl: string) {
  return startSquid({ dir, hosts, icap: icapUrl, listen: (port) => [`http_port 127.0.0.1:${port}`, 'icap_send_client_ip on'] });
}

export interface ProxyResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** One request through the proxy with curl (what a user's tool does), never reusing a connection. */
export function viaProxy(proxyPort: number, url: string, options: { method?: string; body?: string; contentType?: string; userAgent?: string } = {}): Promise<ProxyResponse> {
  const marker = '\n--curl-status--';
  const args = ['-sS', '-i', '--max-time', '30', '--proxy', `http://127.0.0.1:${proxyPort}`, '-X', options.method ?? (options.body === undefined ? 'GET' : 'POST'), '-A', options.userAgent ?? 'thirdwatch-test/1.0', '-w', `${marker}%{http_code}`];
  if (options.body !== undefined) args.push('-H', `content-type: ${options.contentType ?? 'application/json'}`, '--data-binary', '@-');
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = execFile('curl', args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const at = stdout.lastIndexOf(marker);
      if (at === -1) return reject(new Error(`curl ${url}: ${error?.message ?? ''} ${stderr}`));
      const text = stdout.slice(0, at);
      const split = text.indexOf('\r\n\r\n');
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, split).split('\r\n').slice(1)) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      resolve({ status: Number(stdout.slice(at + marker.length)), body: text.slice(split + 4), headers });
    });
    child.stdin!.end(options.body ?? '');
  });
}
