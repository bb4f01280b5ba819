// Fuzz target for the egress alert rules' keys: novelty targets from (host, path) on shared
// hosting and elsewhere, and the product names a User-Agent or process name yields. They take
// whatever a proxy log carried; nothing may throw. Contracts: a target is never empty, an owner is
// at most 100 characters of [a-z0-9._-], app keys are [a-z0-9]{3,}.
import fc from 'fast-check';
import { appKeys, noveltyTarget, ProductIndex } from '../../src/modules/egress/alerts.rules.js';
import { urlMatches } from '../../src/modules/egress/alerts.service.js';
import { hostileString, mutateText, steps, type FuzzBytes } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const HOSTS = ['raw.githubusercontent.com', 'github.com', 'api.github.com', 's3.eu-west-1.amazonaws.com', 'bucket.s3.amazonaws.com', 'storage.googleapis.com', 'acct.blob.core.windows.net', 'cdn.discordapp.com', 'pastebin.com', 'a.b.example.co.uk', '203.0.113.9', 'x.github.io'];
const PATHS = ['/IconStorages/images/main/icon12.ico', '/repos/3cx/app', '/attachments/1/2/x', '/raw/AbC', '/%E0%A4%A/x', '/../x', '/', ''];
const APPS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) 3CXDesktopApp/18.12.416 Chrome/102 Electron/19 Safari/537.36', 'C:\\Program Files\\3CX\\3CXDesktopApp.exe', '/usr/bin/agent', 'curl/8.5.0'];
const products = new ProductIndex([{ id: 'p1', name: 'Desktop App', vendorId: 'v1', vendorName: '3CX' }]);

function inputs(): fc.Arbitrary<FuzzBytes> {
  return fc
    .record({ host: fc.nat(), path: fc.nat(), app: fc.nat(), hostile: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }), text: steps(2) })
    .map(({ host, path, app, hostile, text }) => {
      const parts = [HOSTS[host % HOSTS.length], PATHS[path % PATHS.length], APPS[app % APPS.length]];
      for (const [i, n] of hostile) parts[i % 3] = hostileString(n);
      return mutateText(parts.join('\n'), text);
    });
}

function check(input: FuzzBytes) {
  return expectOnly(() => {
    const [host = '', path = '', app = ''] = (typeof input === 'string' ? input : Buffer.from(input).toString('latin1')).split('\n');
    for (const p of [path, null]) {
      const t = noveltyTarget(host.toLowerCase(), p, ['files.example.net']);
      if (!t.target && host) throw new Crash('empty novelty target for a host');
      if (t.owner !== null && !/^[a-z0-9._-]{1,100}$/.test(t.owner)) throw new Crash(`owner ${JSON.stringify(t.owner)} outside its alphabet`);
    }
    for (const key of appKeys(app)) if (!/^[a-z0-9]{3,}$/.test(key)) throw new Crash(`app key ${JSON.stringify(key)}`);
    products.lookup(app);
    urlMatches(`https://${host}${path}`, path);
  });
}

export function egressAlertKeysTarget(): Target<FuzzBytes> {
  return { name: 'egress-alert-keys', kind: 'parser', inputs: async () => inputs(), open: async () => ({ check }) };
}
