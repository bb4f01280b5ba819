import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { type FeedKind, FeedFormatError, isFeedKind, parseFeed } from './index.js';
import { purlPackage } from './purl-package.js';
import { buildZip } from './test-zip.js';

const shared = (path: string) => new URL(`../../../../../shared/data/${path}`, import.meta.url);

const OSV_RECORD = { id: 'GHSA-aaaa-bbbb-cccc', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'x' }, versions: ['1.0.0'] }] };

describe('parseFeed', () => {
  test('dispatches every kind', async () => {
    const osvZip = await parseFeed('osv', buildZip([{ name: 'GHSA-aaaa-bbbb-cccc.json', data: JSON.stringify(OSV_RECORD) }]));
    assert.deepEqual(osvZip.items.map((a) => a.id), ['GHSA-aaaa-bbbb-cccc']);
    assert.equal((await parseFeed('osv', JSON.stringify(OSV_RECORD))).items[0].affected[0].name, 'x');
    assert.equal((await parseFeed('kev', await readFile(shared('kev/known_exploited_vulnerabilities.json')))).items.length, 1404);
    assert.equal((await parseFeed('epss', gzipSync('cve,epss,percentile\nCVE-2020-0001,0.5,0.9\n'))).items[0].percentile, 0.9);
    assert.equal((await parseFeed('cyclonedx-vex', await readFile(shared('cyclonedx/VEX/vex.json')))).items[0].status, 'not_affected');
    const openvex = { '@context': 'https://openvex.dev/ns/v0.2.0', statements: [{ vulnerability: { name: 'CVE-1' }, products: [{ '@id': 'p' }], status: 'fixed' }] };
    assert.equal((await parseFeed('openvex', JSON.stringify(openvex))).items[0].status, 'fixed');
    const csaf = { document: { csaf_version: '2.0', tracking: { id: 'X-1', current_release_date: '2024-01-01T00:00:00Z' } }, vulnerabilities: [] };
    assert.deepEqual((await parseFeed('csaf', JSON.stringify(csaf))).advisories, []);
  });

  test('OSV zips stream their progress', async () => {
    const calls: number[] = [];
    const zip = buildZip([1, 2, 3].map((i) => ({ name: `GHSA-${i}.json`, data: JSON.stringify({ ...OSV_RECORD, id: `GHSA-${i}` }) })));
    await parseFeed('osv', zip, { onProgress: (done) => calls.push(done) });
    assert.deepEqual(calls, [1, 2, 3]);
  });

  const kinds: FeedKind[] = ['osv', 'kev', 'epss', 'csaf', 'openvex', 'cyclonedx-vex'];
  const garbage = Buffer.alloc(10 * 1024 * 1024);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + (i >> 9)) % 253;
  for (const kind of kinds) {
    test(`${kind}: 10 MB of garbage is a FeedFormatError, not a crash`, async () => {
      await assert.rejects(parseFeed(kind, garbage), FeedFormatError);
    });
  }

  test('wrong top-level shapes are FeedFormatErrors', async () => {
    for (const kind of kinds) {
      await assert.rejects(parseFeed(kind, '"just a string"'), FeedFormatError, kind);
    }
  });

  test('feed kinds', async () => {
    assert.equal(isFeedKind('kev'), true);
    assert.equal(isFeedKind('stix'), false);
    assert.equal(isFeedKind('toString'), false);
    await assert.rejects(parseFeed('nope' as FeedKind, ''), TypeError);
  });
});

describe('purlPackage (CSAF products to OSV-style packages)', () => {
  const cases: Array<[string, ReturnType<typeof purlPackage>]> = [
    ['pkg:npm/%40angular/core@16.0.0', { ecosystem: 'npm', name: '@angular/core', version: '16.0.0' }],
    ['pkg:npm/@babel/core', { ecosystem: 'npm', name: '@babel/core', version: null }],
    ['pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar', { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1' }],
    ['pkg:golang/github.com/gin-gonic/gin@v1.9.0', { ecosystem: 'Go', name: 'github.com/gin-gonic/gin', version: 'v1.9.0' }],
    ['pkg:pypi/requests@2.31.0', { ecosystem: 'PyPI', name: 'requests', version: '2.31.0' }],
    ['pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12', { ecosystem: 'Debian', name: 'openssl', version: '3.0.11-1~deb12u2' }],
    ['pkg:rpm/redhat/openssl@3.0.7', { ecosystem: 'Red Hat', name: 'openssl', version: '3.0.7' }],
    ['pkg:generic/thing@1', { ecosystem: 'generic', name: 'thing', version: '1' }],
    ['cpe:2.3:a:apache:log4j:2.14.1', null],
    ['pkg:npm/', null],
  ];
  for (const [purl, expected] of cases) test(purl, () => assert.deepEqual(purlPackage(purl), expected));
});
