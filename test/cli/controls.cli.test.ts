import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { runCli } from '../support/processes.js';

const OSCAL = fileURLToPath(new URL('../../../shared/data/oscal/', import.meta.url));
const CSCRM = fileURLToPath(new URL('../../content/oscal/thirdwatch-cscrm-baseline-profile.json', import.meta.url));

describe('thirdwatch controls import', () => {
  const env = { THIRDWATCH_DATA_DIR: mkdtempSync(join(tmpdir(), 'tw-controls-')) };

  test('a profile before its catalog fails with one line naming the href and exit 1', () => {
    const result = runCli(['controls', 'import', join(OSCAL, 'NIST_SP-800-53_rev5_LOW-baseline_profile.json')], env);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^thirdwatch: \/profile\/imports\/0\/href: #84cbf061-eb87-4ec1-8112-1f529232e907 names no imported catalog/);
  });

  test('the catalog, then a baseline and the C-SCRM profile; --json gives the import result', () => {
    const catalog = runCli(['controls', 'import', join(OSCAL, 'NIST_SP-800-53_rev5.0.1_catalog.json')], env);
    assert.equal(catalog.status, 0, catalog.stderr);
    assert.match(catalog.stdout, /^catalog imported: NIST Special Publication 800-53 Revision 5: .*: 1189 controls \(182 withdrawn\)\n$/);
    const moderate = runCli(['controls', 'import', join(OSCAL, 'NIST_SP-800-53_rev5_MODERATE-baseline_profile.json'), '--json'], env);
    assert.equal(moderate.status, 0, moderate.stderr);
    assert.deepEqual((({ kind, created, controls }) => ({ kind, created, controls }))(JSON.parse(moderate.stdout)), { kind: 'profile', created: true, controls: 287 });
    const cscrm = runCli(['controls', 'import', CSCRM], env);
    assert.match(cscrm.stdout, /^profile imported: Thirdwatch C-SCRM baseline .*: 56 controls from NIST Special Publication 800-53 Revision 5/);
    const again = runCli(['controls', 'import', CSCRM], env);
    assert.match(again.stdout, /^profile updated: /);
  });
});
