import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../app/config.js';
import { openThirdwatch, type Thirdwatch } from '../../app/thirdwatch.js';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createLogger } from '../../platform/logger.js';
import { loadDemo, loadDemoSboms } from '../vendors/demo.js';
import { parseSbom } from './parsers/index.js';
import { demoDocument, demoSboms } from './sboms.demo.js';

test('every demo SBOM is a schema-valid CycloneDX document whose references all resolve', () => {
  for (const demo of demoSboms()) {
    const sbom = parseSbom(demoDocument(demo));
    assert.deepEqual(sbom.warnings, [], `${demo.product} ${demo.release}`);
    assert.equal(sbom.components.length, demo.packages.length);
    assert.ok(sbom.components.every((c) => c.purl && c.hashes.length), `${demo.product}: every component has a purl and a hash`);
  }
});

describeEachEngine('demo SBOMs', ({ engine, createDatabase }) => {
  let tw: Thirdwatch;
  const ctx = systemContext('demo test');

  before(async () => {
    const database = await createDatabase();
    await database.close();
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: database.url, THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-test' });
    tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })), { migrate: false });
    await loadDemo(tw.services, ctx);
  });
  after(async () => {
    await tw?.close();
  });

  test(`load once, skip after (${engine})`, async () => {
    const first = await loadDemoSboms(tw.services, ctx);
    assert.equal(first.sboms, demoSboms().length);
    assert.equal(first.skipped, 0);
    const second = await loadDemoSboms(tw.services, ctx);
    assert.deepEqual([second.sboms, second.skipped], [0, demoSboms().length]);
  });

  test('the 3CX drill questions answer from the demo', async () => {
    const { sboms, technologies } = tw.services;
    const electron = await sboms.usage({ name: 'electron', ecosystem: 'npm' });
    assert.deepEqual([...new Set(electron.items.map((u) => u.vendor.name))].sort(), ['1Password', '3CX', 'Notion Labs', 'Slack Technologies']);
    const ffmpeg = await sboms.usage({ name: 'ffmpeg' });
    const threeCx = ffmpeg.items.find((u) => u.product.name === '3CX Desktop App' && u.release === '18.12.416')!;
    assert.deepEqual(threeCx.path.map((h) => h.name), ['3cx-desktop-app', 'electron', 'ffmpeg']);
    assert.ok(ffmpeg.items.some((u) => u.vendor.internal && u.ecosystem === 'Debian'), 'the estate ships Debian ffmpeg');
    assert.deepEqual((await sboms.usage({ name: 'log4j-core', version: 'vers:maven/>=2.0-beta9|<2.15.0' })).items.map((u) => u.product.name), ['SAP S/4HANA']);
    assert.ok((await sboms.usage({ purl: 'pkg:golang/golang.org/x/net' })).items.some((u) => u.product.name === 'Datadog Agent'));

    const desktop = (await tw.services.vendors.list({ q: '3CX' })).items[0];
    const product = (await tw.services.vendors.listProducts(desktop.id)).find((p) => p.name === '3CX Desktop App')!;
    const releases = await sboms.releases(product.id);
    assert.deepEqual(releases.map((r) => r.release), ['18.12.416', '18.12.407']);
    const diff = await sboms.diff(releases[1].currentSbomId!, releases[0].currentSbomId!);
    assert.deepEqual(diff.added.map((c) => c.name), ['electron-context-menu']);
    assert.deepEqual(diff.versionChanged.map((c) => [c.name, c.fromVersion, c.toVersion]), [['axios', '0.27.2', '1.2.1'], ['electron', '19.0.8', '19.1.9']]);
    assert.deepEqual(diff.hashChanged.map((c) => [c.name, c.version]), [['d3dcompiler_47', '10.0.22000.194'], ['ffmpeg', '4.4.1']]);

    const list = await technologies.list({ q: 'electron', ecosystem: 'npm' });
    const top = list.items.find((t) => t.key === 'npm:electron')!;
    assert.equal(top.vendors, 4);
    assert.ok(top.concentration.criticalShare > 0);
  });
});
