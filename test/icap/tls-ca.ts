// A throwaway certificate authority for the HTTPS inspection tests, made with the openssl CLI: Squid
// signs the certificates it shows bumped clients with it, and the local HTTPS "internet" presents a
// server certificate it issued, so nothing outside the test's directory is trusted or touched.
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  cert: string;
  key: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createCa(dir: string): TestCa {
  const cert = join(dir, 'ca.pem');
  const key = join(dir, 'ca.key');
  openssl([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=Thirdwatch test interception CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  // Squid reads the key after dropping to its own user when started as root.
  chmodSync(key, 0o644);
  return { cert, key };
}

/** A server certificate for `hosts` signed by the CA. */
export function issueServerCert(ca: TestCa, dir: string, name: string, hosts: string[]): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${hosts[0]}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-out', cert, '-extfile', ext]);
  return { cert, key };
}
