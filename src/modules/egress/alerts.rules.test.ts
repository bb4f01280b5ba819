import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appKeys, destinationOf, judgeVolume, median, noveltyTarget, ProductIndex } from './alerts.rules.js';
import { urlMatches } from './alerts.service.js';

describe('novelty targets', () => {
  test('on GitHub the path owner is the destination, across its hosts; another owner on the same host is another destination', () => {
    assert.deepEqual(noveltyTarget('raw.githubusercontent.com', '/IconStorages/images/main/icon12.ico'), { target: 'github:iconstorages', platform: 'github', owner: 'iconstorages' });
    assert.equal(noveltyTarget('github.com', '/IconStorages/images/releases/download/v1/a.bin').target, 'github:iconstorages');
    assert.equal(noveltyTarget('objects.githubusercontent.com', '/github-production-release-asset-2e65be/1/2').target, 'github:github-production-release-asset-2e65be');
    assert.equal(noveltyTarget('api.github.com', '/repos/3cx/app/releases').target, 'github:3cx');
    assert.equal(noveltyTarget('gist.githubusercontent.com', '/someone/abc/raw').target, 'github:someone');
    assert.equal(noveltyTarget('raw.githubusercontent.com', '/3cx/app/main/x.json').target, 'github:3cx');
  });

  test('buckets and storage accounts: path-style and virtual-hosted meet on the bucket', () => {
    assert.equal(noveltyTarget('s3.amazonaws.com', '/my-bucket/key').target, 's3:my-bucket');
    assert.equal(noveltyTarget('s3.eu-west-1.amazonaws.com', '/my-bucket/key').target, 's3:my-bucket');
    assert.equal(noveltyTarget('my-bucket.s3.eu-west-1.amazonaws.com', '/key').target, 's3:my-bucket');
    assert.equal(noveltyTarget('my-bucket.s3.amazonaws.com', null).target, 's3:my-bucket');
    assert.equal(noveltyTarget('storage.googleapis.com', '/gbucket/o').target, 'gcs:gbucket');
    assert.equal(noveltyTarget('gbucket.storage.googleapis.com', '/o').target, 'gcs:gbucket');
    assert.equal(noveltyTarget('acct01.blob.core.windows.net', '/container/blob').target, 'azure:acct01');
    assert.equal(noveltyTarget('cdn.discordapp.com', '/attachments/123/456/x.exe').target, 'discord:123');
    assert.equal(noveltyTarget('pastebin.com', '/raw/AbC').target, 'pastebin:abc');
  });

  test('without a visible path (CONNECT, TLS) a shared host is judged as itself; elsewhere the owner-aware registrable domain', () => {
    assert.deepEqual(noveltyTarget('raw.githubusercontent.com', null), { target: 'raw.githubusercontent.com', platform: 'github', owner: null });
    assert.deepEqual(noveltyTarget('github.com', '/'), { target: 'github.com', platform: 'github', owner: null });
    assert.equal(noveltyTarget('api.eu.example.com', '/v1').target, 'example.com');
    assert.equal(noveltyTarget('someone.github.io', '/x').target, 'someone.github.io');
    assert.equal(noveltyTarget('203.0.113.9', '/x').target, '203.0.113.9');
    assert.equal(noveltyTarget('files.example.net', '/alice/x', ['files.example.net']).target, 'files.example.net:alice');
    assert.equal(noveltyTarget('files.example.net', '/alice/x').target, 'example.net');
  });

  test('hostile paths and hosts: percent-escapes, dot segments, junk, long input are bounded and never throw', () => {
    assert.equal(noveltyTarget('raw.githubusercontent.com', '/%49conStorages/x').target, 'github:iconstorages');
    assert.equal(noveltyTarget('raw.githubusercontent.com', '/%E0%A4%A/x').target, 'github:e0a4a');
    assert.deepEqual(noveltyTarget('raw.githubusercontent.com', '/../x').owner, null);
    assert.equal(noveltyTarget('github.com', '/a?b=c').target, 'github:a');
    assert.equal(noveltyTarget('github.com', `/${'x'.repeat(5000)}`).target, `github:${'x'.repeat(100)}`);
    const started = performance.now();
    for (const host of [`${'a.'.repeat(120)}s3.amazonaws.com`, `${'a-'.repeat(120)}.s3${'.x-'.repeat(40)}amazonaws.com`, `${'a'.repeat(60)}.blob.core.windows.net`, '', '.', '[::1]']) {
      noveltyTarget(host, '/'.repeat(3000));
      destinationOf(host);
    }
    assert.ok(performance.now() - started < 1000);
  });

  test('destinations are registrable domains (private suffixes too, as flows key them), IPs as themselves', () => {
    assert.equal(destinationOf('raw.githubusercontent.com'), 'raw.githubusercontent.com');
    assert.equal(destinationOf('cdn.alice.github.io'), 'alice.github.io');
    assert.equal(destinationOf('a.b.example.co.uk'), 'example.co.uk');
    assert.equal(destinationOf('10.1.2.3'), '10.1.2.3');
  });
});

describe('apps to products', () => {
  const products = new ProductIndex([
    { id: 'p1', name: '3CX Desktop App', vendorId: 'v1', vendorName: '3CX' },
    { id: 'p2', name: 'Agent', vendorId: 'v2', vendorName: 'Acme' },
    { id: 'p3', name: 'Agent', vendorId: 'v3', vendorName: 'Globex' },
    { id: 'p4', name: 'Chrome', vendorId: 'v4', vendorName: 'Google' },
    { id: 'p5', name: 'Backup', vendorId: 'v5', vendorName: 'Veeam' },
  ]);

  test('a User-Agent names its product among browser tokens; a process name by its file name', () => {
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) 3CXDesktopApp/18.12.416 Chrome/102.0.5005.167 Electron/19.1.9 Safari/537.36';
    assert.deepEqual(appKeys(ua), ['3cxdesktopapp']);
    assert.equal(products.lookup(ua)?.id, 'p1');
    assert.equal(products.lookup('3CXDesktopApp.exe')?.id, 'p1');
    assert.equal(products.lookup('C:\\Users\\a\\AppData\\Local\\Programs\\3CXDesktopApp\\app\\3CXDesktopApp.exe')?.id, 'p1');
    assert.equal(products.lookup('/opt/veeam/VeeamBackup')?.id, 'p5');
    assert.equal(products.lookup('AcmeAgent/2.1')?.id, 'p2');
  });

  test('near misses: plain browsers, ambiguous and unknown names, empty apps name no product', () => {
    assert.equal(products.lookup('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'), null);
    assert.equal(products.lookup('Agent/1.0'), null);
    assert.equal(products.lookup('curl/8.5.0'), null);
    assert.equal(products.lookup('unknown-tool/1'), null);
    assert.equal(products.lookup(null), null);
    assert.equal(products.lookup(''), null);
  });

  test('hostile apps: unbalanced parentheses, huge strings are bounded', () => {
    const started = performance.now();
    for (const app of [`${'('.repeat(50_000)}x/1`, `${'a/'.repeat(50_000)}`, `${'x'.repeat(100_000)}`, '\\\\server\\share\\', '/']) appKeys(app);
    assert.ok(performance.now() - started < 1000);
  });
});

describe('the volume statistic', () => {
  const rule = { windowHours: 336, minSamples: 5, minBytes: 1000, threshold: 6 };

  test('median and MAD: a past burst does not move the baseline; a spike well above it is anomalous', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    const history = [10_000, 11_000, 9_000, 10_500, 9_500, 500_000];
    const v = judgeVolume(history, 200_000, rule);
    assert.equal(v.median, 10_250);
    assert.equal(v.mad, 750);
    assert.ok(v.anomalous);
    assert.equal(v.bound, 10_250 + 6 * Math.max(1.4826 * 750, 512.5));
  });

  test('near misses: within the bound, below minBytes, too little history', () => {
    const history = [10_000, 11_000, 9_000, 10_500, 9_500];
    assert.equal(judgeVolume(history, 14_000, rule).anomalous, false);
    assert.equal(judgeVolume([10, 10, 10, 10, 10], 900, rule).anomalous, false);
    assert.equal(judgeVolume([10_000, 10_000], 1_000_000, rule).anomalous, false);
  });

  test('a perfectly regular flow keeps a spread of 5% of its median', () => {
    const flat = Array(10).fill(100_000);
    assert.equal(judgeVolume(flat, 120_000, rule).anomalous, false);
    assert.equal(judgeVolume(flat, 131_000, rule).anomalous, true);
  });
});

describe('URL indicators', () => {
  test('match their path or a path under it; a root URL matches the host; no path visible is no match', () => {
    const url = 'https://raw.githubusercontent.com/IconStorages/images/main/icon12.ico';
    assert.equal(urlMatches(url, '/IconStorages/images/main/icon12.ico'), true);
    assert.equal(urlMatches('https://evil.example/drop/', '/drop/a.bin'), true);
    assert.equal(urlMatches('https://evil.example/drop', '/drop/a.bin'), true);
    assert.equal(urlMatches('https://evil.example/drop', '/dropper'), false);
    assert.equal(urlMatches(url, '/IconStorages/images/main/icon13.ico'), false);
    assert.equal(urlMatches(url, null), false);
    assert.equal(urlMatches('https://evil.example/', null), true);
    assert.equal(urlMatches('not a url', '/x'), false);
  });
});
