import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VexStatement } from './model.js';
import { FeedFormatError } from './errors.js';
import { parseCycloneDxVex } from './cyclonedx-vex.js';

const VEX_DIR = fileURLToPath(new URL('../../../../../shared/data/cyclonedx/VEX/', import.meta.url));

async function jsonFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => join(e.parentPath, e.name)).sort();
}

/** The VEX of a use case together with the BOMs (bom-N.json) its BOM-Links point into. */
async function parseCase(vexPath: string): Promise<ReturnType<typeof parseCycloneDxVex>> {
  const siblings = (await readdir(dirname(vexPath))).filter((name) => /^bom-\d+\.json$/.test(name));
  const boms = await Promise.all(siblings.map((name) => readFile(join(dirname(vexPath), name))));
  return parseCycloneDxVex(await readFile(vexPath), { boms });
}

const STATUS_OF_STATE: Record<string, string> = {
  in_triage: 'under_investigation',
  exploitable: 'affected',
  not_affected: 'not_affected',
  resolved: 'fixed',
};

describe('CycloneDX VEX: every real case in shared/data/cyclonedx/VEX', async () => {
  const files = await jsonFiles(VEX_DIR);

  test('the corpus is there', () => assert.ok(files.length >= 38, `found ${files.length} files`));

  for (const file of files) {
    test(relative(VEX_DIR, file), async () => {
      const document = JSON.parse(await readFile(file, 'utf8'));
      const outcome = await parseCase(file);
      assert.deepEqual(outcome.errors, []);
      const vulnerabilities: Array<{ id: string; analysis?: { state?: string }; affects?: Array<{ versions?: unknown[] }> }> =
        document.vulnerabilities ?? [];
      const expectedCount = vulnerabilities.reduce(
        (sum, v) => sum + Math.max(1, (v.affects ?? []).reduce((n, a) => n + Math.max(1, a.versions?.length ?? 0), 0)),
        0,
      );
      assert.equal(outcome.items.length, expectedCount);
      for (const statement of outcome.items) {
        assert.ok(vulnerabilities.some((v) => v.id === statement.vulnerability));
        if (statement.affectedVersions === undefined) assert.equal(statement.status, STATUS_OF_STATE[statement.state ?? '']);
      }
    });
  }

  test('CISA case 1: one file per status', async () => {
    const statuses: Record<string, string> = {};
    for (const name of ['affected', 'fixed', 'not_affected', 'under_investigation']) {
      const [statement] = (await parseCase(join(VEX_DIR, 'CISA-Use-Cases/Case-1', `vex-${name}.json`))).items;
      statuses[name] = statement.status;
    }
    assert.deepEqual(statuses, { affected: 'affected', fixed: 'fixed', not_affected: 'not_affected', under_investigation: 'under_investigation' });
  });

  test('a BOM-Link whose bom-ref is a purl resolves to the purl', async () => {
    const [statement] = (await parseCase(join(VEX_DIR, 'vex.json'))).items;
    assert.deepEqual(statement, {
      vulnerability: 'CVE-2020-25649',
      aliases: ['SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302'],
      products: ['pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar'],
      status: 'not_affected',
      state: 'not_affected',
      justification: 'code_not_reachable',
      responses: ['will_not_fix', 'update'],
      detail: 'Automated dataflow analysis and manual code review indicates that the vulnerable code is not reachable, either directly or indirectly.',
    });
  });

  test('CISA case 8: per-version status and vers ranges', async () => {
    const outcome = await parseCase(join(VEX_DIR, 'CISA-Use-Cases/Case-8/vex.json'));
    const abc = (statement: VexStatement) => statement.products[0].endsWith('#product-ABC');
    const log4shellAbc = outcome.items.filter((s) => s.vulnerability === 'CVE-2021-44228' && abc(s));
    assert.deepEqual(
      log4shellAbc.map((s) => [s.status, s.affectedVersions]),
      [
        ['affected', 'vers:generic/2.4'],
        ['affected', 'vers:generic/2.6'],
        ['affected', 'vers:generic/>=2.9|<=4.1'],
        ['not_affected', 'vers:generic/>=1.0|<=2.3'],
        ['not_affected', 'vers:generic/2.5'],
        ['not_affected', 'vers:generic/>=2.7|<=2.8'],
        ['not_affected', 'vers:generic/4.2'],
      ],
    );
    assert.equal(log4shellAbc[0].products[0], 'urn:cdx:cbb2cd68-2857-43b8-a10b-e8c03d277d18/1#product-ABC', 'the linked BOM names no purl');
  });
});

describe('CycloneDX VEX: ref resolution and hostile input', () => {
  const bom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: 'urn:uuid:11111111-2222-3333-4444-555555555555',
    metadata: { component: { 'bom-ref': 'app', name: 'app', purl: 'pkg:npm/app@1.0.0' } },
    components: [
      {
        'bom-ref': 'lib-a',
        name: 'a',
        purl: 'pkg:npm/a@2.0.0',
        components: [{ 'bom-ref': 'lib-a-inner', name: 'inner', purl: 'pkg:npm/inner@0.1.0' }],
      },
    ],
    vulnerabilities: [
      {
        id: 'CVE-2024-1111',
        analysis: { state: 'resolved_with_pedigree', justification: 'code_not_present' },
        affects: [{ ref: 'lib-a-inner' }, { ref: 'app' }, { ref: 'unknown-ref' }],
      },
      { id: 'GHSA-aaaa-bbbb-cccc', affects: [{ ref: 'lib-a', versions: [{ version: '2.0.0' }] }] },
    ],
  };

  test('embedded VEX refs resolve through nested components; a vulnerability without analysis is affected', () => {
    const outcome = parseCycloneDxVex(JSON.stringify(bom));
    assert.deepEqual(
      outcome.items.map((s) => [s.vulnerability, s.products[0], s.status, s.state, s.affectedVersions]),
      [
        ['CVE-2024-1111', 'pkg:npm/inner@0.1.0', 'fixed', 'resolved', undefined],
        ['CVE-2024-1111', 'pkg:npm/app@1.0.0', 'fixed', 'resolved', undefined],
        ['CVE-2024-1111', 'unknown-ref', 'fixed', 'resolved', undefined],
        ['GHSA-aaaa-bbbb-cccc', 'pkg:npm/a@2.0.0', 'affected', null, 'vers:npm/2.0.0'],
      ],
    );
    assert.deepEqual(outcome.meta, { specVersion: '1.5', serialNumber: bom.serialNumber });
  });

  test('BOM-Links resolve through the BOMs given alongside', () => {
    const vex = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      vulnerabilities: [
        { id: 'CVE-2024-2222', analysis: { state: 'in_triage' }, affects: [{ ref: 'urn:cdx:11111111-2222-3333-4444-555555555555/1#lib-a' }] },
      ],
    };
    assert.deepEqual(parseCycloneDxVex(vex, { boms: [bom] }).items[0].products, ['pkg:npm/a@2.0.0']);
    assert.deepEqual(parseCycloneDxVex(vex).items[0].products, ['urn:cdx:11111111-2222-3333-4444-555555555555/1#lib-a']);
  });

  test('malformed vulnerabilities are record errors', () => {
    const outcome = parseCycloneDxVex({
      bomFormat: 'CycloneDX',
      vulnerabilities: [
        { id: 'CVE-1', analysis: { state: 'probably_fine' } },
        { analysis: { state: 'exploitable' } },
        { id: 'CVE-3', affects: [{ ref: 'x', versions: [{ version: '1', range: 'vers:npm/>1' }] }] },
        { id: 'CVE-4', affects: [{ ref: 'x', versions: [{ range: '>=1.0' }] }] },
        { id: 'CVE-5', affects: [{ ref: 'x', versions: [{ version: '1', status: 'maybe' }] }] },
        { id: 'CVE-6', affects: [{}] },
        { id: 'CVE-7', analysis: { response: 'update' } },
        'CVE-8',
        { id: 'CVE-9' },
      ],
    });
    assert.deepEqual(outcome.items.map((s) => s.vulnerability), ['CVE-9']);
    assert.deepEqual(
      outcome.errors.map((e) => e.record),
      ['CVE-1', 'vulnerability 1', 'CVE-3', 'CVE-4', 'CVE-5', 'CVE-6', 'CVE-7', 'vulnerability 7'],
    );
  });

  test('deeply nested components do not overflow the stack', () => {
    let component: Record<string, unknown> = { 'bom-ref': 'deep', purl: 'pkg:npm/deep@1' };
    for (let i = 0; i < 100_000; i++) component = { 'bom-ref': `c${i}`, components: [component] };
    const outcome = parseCycloneDxVex({ bomFormat: 'CycloneDX', components: [component], vulnerabilities: [{ id: 'CVE-1', affects: [{ ref: 'deep' }] }] });
    assert.deepEqual(outcome.items[0].products, ['pkg:npm/deep@1']);
  });

  test('documents that are not CycloneDX are unusable', () => {
    assert.throws(() => parseCycloneDxVex('{"bomFormat": "SPDX"}'), FeedFormatError);
    assert.throws(() => parseCycloneDxVex('{"bomFormat": "CycloneDX", "vulnerabilities": {}}'), FeedFormatError);
    assert.throws(() => parseCycloneDxVex('<bom/>'), /not valid JSON/);
  });
});
