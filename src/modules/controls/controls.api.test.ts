import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { Control, ControlDetail, ImportResult, Profile } from './controls.schemas.js';

const OSCAL = new URL('../../../../shared/data/oscal/', import.meta.url);
const CATALOG = 'NIST_SP-800-53_rev5.0.1_catalog.json';
const BASELINES = { LOW: 'NIST_SP-800-53_rev5_LOW-baseline_profile.json', MODERATE: 'NIST_SP-800-53_rev5_MODERATE-baseline_profile.json', HIGH: 'NIST_SP-800-53_rev5_HIGH-baseline_profile.json' };
const CSCRM = new URL('../../../content/oscal/thirdwatch-cscrm-baseline-profile.json', import.meta.url);

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

const file = (name: string) => readFileSync(new URL(name, OSCAL));

describeEachEngine('controls: OSCAL catalogs and profiles', ({ engine }) => {
  let server: TestServer;
  const upload = (body: BodyInit, name?: string, role: 'admin' | 'analyst' = 'admin') =>
    server.api(`/api/v1/controls/import${name ? `?name=${encodeURIComponent(name)}` : ''}`, { method: 'POST', role, body, headers: { 'content-type': 'application/json' } });
  const list = async (query: string) => json<{ items: Control[]; nextCursor: string | null }>(await server.api(`/api/v1/controls?${query}`));
  const profiles = async () => (await json<{ items: Profile[] }>(await server.api('/api/v1/controls/profiles'))).items;

  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  test('a profile whose catalog is not imported yet is refused naming the href; nothing is stored', async () => {
    const problem = await json(await upload(file(BASELINES.LOW), BASELINES.LOW), 400);
    assert.match(problem.detail, /#84cbf061-eb87-4ec1-8112-1f529232e907 names no imported catalog/);
    assert.equal(problem.errors[0].field, '/profile/imports/0/href');
    assert.deepEqual(await profiles(), []);
  });

  test('SP 800-53 rev5 imports (settings:write), with labels, families, parents and statements; re-import updates in place', async () => {
    assert.equal((await upload(file(CATALOG), CATALOG, 'analyst')).status, 403);
    const created = await json<ImportResult>(await upload(file(CATALOG), CATALOG), 201);
    assert.deepEqual({ kind: created.kind, created: created.created, controls: created.controls, withdrawn: created.withdrawn }, { kind: 'catalog', created: true, controls: 1189, withdrawn: 182 });

    const sr43 = await json<ControlDetail>(await server.api(`/api/v1/controls/${encodeURIComponent('SR-4(3)')}`));
    assert.deepEqual(
      { label: sr43.label, oscalId: sr43.oscalId, title: sr43.title, family: sr43.family, familyTitle: sr43.familyTitle, parent: sr43.parent, withdrawn: sr43.withdrawn },
      { label: 'SR-4(3)', oscalId: 'sr-4.3', title: 'Validate as Genuine and Not Altered', family: 'SR', familyTitle: 'Supply Chain Risk Management', parent: 'SR-4', withdrawn: false },
    );
    assert.match(sr43.statement, /genuine and has not been altered: \[Assignment: organization-defined controls\]/);
    assert.deepEqual(sr43.props.find((p) => p.name === 'sort-id'), { name: 'sort-id', value: 'sr-04.03' });
    // Any case and the OSCAL id find it too; the base control lists its enhancements.
    assert.equal((await json<ControlDetail>(await server.api('/api/v1/controls/sr-4.3'))).id, sr43.id);
    assert.equal((await json<ControlDetail>(await server.api(`/api/v1/controls/${encodeURIComponent('sr-4(3)')}`))).id, sr43.id);
    assert.deepEqual((await json<ControlDetail>(await server.api('/api/v1/controls/SR-4'))).enhancements.map((e) => e.label), ['SR-4(1)', 'SR-4(2)', 'SR-4(3)', 'SR-4(4)']);
    assert.equal((await server.api('/api/v1/controls/SR-99')).status, 404);

    const again = await json<ImportResult>(await upload(file(CATALOG), CATALOG), 200);
    assert.deepEqual({ id: again.id, created: again.created, removed: again.removed }, { id: created.id, created: false, removed: 0 });
    assert.equal((await json<ControlDetail>(await server.api('/api/v1/controls/sr-4.3'))).id, sr43.id, 'controls keep their ids across re-imports');

    const events = await server.tw.database.db.selectFrom('audit_events').select('action').where('entity_type', '=', 'control-catalog').execute();
    assert.deepEqual(events.map((e) => e.action).sort(), ['controls.catalog.import', 'controls.catalog.update']);
  });

  test('search: label, title and statement, case-insensitive; family filter; withdrawn left out unless asked; pages', async () => {
    const labels = async (query: string) => (await list(query)).items.map((c) => c.label);
    assert.deepEqual(await labels('q=VALIDATE%20AS%20GENUINE'), ['SR-4(3)']);
    assert.deepEqual(await labels(`q=${encodeURIComponent('sr-4(3)')}`), ['SR-4(3)']);
    // Statement text: only SR-4(3)'s statement says "has not been altered" among the SR family.
    assert.deepEqual(await labels('q=has%20not%20been%20altered&family=sr'), ['SR-4(3)']);
    assert.deepEqual((await labels('family=SR&limit=500')).length, 27);
    // 50% is literal, not a LIKE wildcard: no control says "50%".
    assert.deepEqual(await labels('q=50%25'), []);
    const withdrawn = await list('q=AC-2(10)&withdrawn=true');
    assert.deepEqual(withdrawn.items.map((c) => [c.label, c.withdrawn]), [['AC-2(10)', true]]);
    assert.deepEqual(await labels('q=AC-2(10)'), []);

    const first = await list('family=SR&limit=10');
    const second = await list(`family=SR&limit=10&cursor=${first.nextCursor}`);
    assert.equal(first.items.length, 10);
    assert.equal(new Set([...first.items, ...second.items].map((c) => c.label)).size, 20);
    assert.deepEqual(first.items.slice(0, 3).map((c) => c.label), ['SR-1', 'SR-2', 'SR-2(1)'], 'catalog order: by the zero-padded sort-id');

    const families = (await json<{ items: Array<{ family: string; controls: number }> }>(await server.api('/api/v1/controls/families'))).items;
    assert.equal(families.length, 20);
    assert.equal(families.find((f) => f.family === 'SR')?.controls, 27);
  });

  test('baselines resolve against the catalog (LOW 149, MODERATE 287, HIGH 370) and our C-SCRM profile carries 800-161 levels and 27036 ids', async () => {
    const counts: Record<string, number> = {};
    for (const [name, fileName] of Object.entries(BASELINES)) {
      const result = await json<ImportResult>(await upload(file(fileName), fileName), 201);
      assert.equal(result.imports?.[0].matchedBy, 'title');
      counts[name] = result.controls;
    }
    assert.deepEqual(counts, { LOW: 149, MODERATE: 287, HIGH: 370 });
    const cscrm = await json<ImportResult>(await upload(readFileSync(CSCRM)), 201);
    assert.equal(cscrm.controls, 56);
    assert.equal(cscrm.imports?.[0].matchedBy, 'uuid');
    assert.deepEqual(
      (await profiles()).map((p) => [p.title.replace(/^NIST Special Publication 800-53 Revision 5\.1\.1 /, ''), p.controlCount]),
      [['HIGH IMPACT BASELINE', 370], ['LOW IMPACT BASELINE', 149], ['MODERATE IMPACT BASELINE', 287], ['Thirdwatch C-SCRM baseline (NIST SP 800-161r1 on SP 800-53r5)', 56]],
    );

    const sr43 = await json<ControlDetail>(await server.api('/api/v1/controls/sr-4.3'));
    assert.deepEqual(sr43.sp800161Levels, ['mission', 'operational']);
    assert.deepEqual(sr43.iso27036, ['27036-3:6.4']);
    const ra31 = await json<ControlDetail>(await server.api(`/api/v1/controls/${encodeURIComponent('RA-3(1)')}`));
    assert.deepEqual(ra31.profiles.map((p) => p.title).sort(), ['NIST Special Publication 800-53 Revision 5.1.1 HIGH IMPACT BASELINE', 'NIST Special Publication 800-53 Revision 5.1.1 LOW IMPACT BASELINE', 'NIST Special Publication 800-53 Revision 5.1.1 MODERATE IMPACT BASELINE', 'Thirdwatch C-SCRM baseline (NIST SP 800-161r1 on SP 800-53r5)']);

    const cscrmId = (await profiles()).find((p) => p.uuid === cscrm.uuid)!.id;
    const inProfile = await list(`profile=${cscrmId}&limit=500`);
    assert.equal(inProfile.items.length, 56);
    for (const label of ['SR-1', 'SR-12', 'SA-4', 'SA-8', 'SA-9', 'SA-15', 'RA-3(1)', 'RA-9', 'PM-30', 'SI-7', 'CM-8', 'IR-4', 'IR-6(3)', 'IR-8', 'CP-2', 'CP-4', 'CP-9', 'CP-10']) {
      const control = inProfile.items.find((c) => c.label === label);
      assert.ok(control, label);
      assert.ok(control.sp800161Levels.length && control.iso27036.length, `${label} carries a level and 27036 ids`);
    }
    // By OSCAL uuid too, combined with search.
    assert.deepEqual((await list(`profile=${cscrm.uuid}&q=incident`)).items.map((c) => c.label), ['CP-2', 'IR-4', 'IR-4(10)', 'IR-6(3)', 'IR-8']);
    assert.equal((await server.api('/api/v1/controls?profile=nope')).status, 404);

    // Re-import updates the profile in place.
    const again = await json<ImportResult>(await upload(readFileSync(CSCRM)), 200);
    assert.equal(again.id, cscrm.id);
    assert.equal((await profiles()).length, 4);
  });

  test('hostile documents answer 400 naming the field and store nothing', async () => {
    const before = await profiles();
    const catalogsBefore = (await json<{ items: unknown[] }>(await server.api('/api/v1/controls/catalogs'))).items;
    const catalog = (controls: unknown, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ catalog: { uuid: '11111111-2222-4333-8444-555555555555', metadata: { title: 'T', version: '1', 'oscal-version': '1.1.2' }, groups: [{ id: 'xx', title: 'X', controls }], ...extra } });
    const cases: Array<[string, string, RegExp, string?]> = [
      ['not JSON', '{"catalog": ', /not valid JSON/],
      ['no body', '', /send the OSCAL document/],
      ['an array', '[]', /must be an OSCAL catalog or profile/],
      ['another OSCAL model', '{"assessment-results": {}}', /is an OSCAL assessment-results/],
      ['a title of the wrong type', catalog([{ id: 'xx-1', title: 7 }]), /must be a string/, '/catalog/groups/0/controls/0/title'],
      ['controls not an array', catalog({ id: 'xx-1' }), /must be an array/, '/catalog/groups/0/controls'],
      ['a bad id', catalog([{ id: '1 bad', title: 'x' }]), /not an OSCAL token/, '/catalog/groups/0/controls/0/id'],
      ['an id twice', catalog([{ id: 'xx-1', title: 'a' }, { id: 'xx-1', title: 'b' }]), /appears twice/, '/catalog/groups/0/controls/1/id'],
      ['OSCAL 2', JSON.stringify({ catalog: { uuid: '11111111-2222-4333-8444-555555555555', metadata: { title: 'T', version: '1', 'oscal-version': '2.0.0' } } }), /not supported/, '/catalog/metadata/oscal-version'],
      ['a NUL escape', catalog([{ id: 'xx-1', title: 'a\u0000b' }]), /NUL/],
      ['deep nesting', catalog([nested(40)]), /nests deeper than 24 levels/],
      ['a profile selecting an id the catalog lacks', profileDoc(['sr-1', 'sr-99']), /sr-99 is not a control of/, '/profile/imports/0/include-controls/0/with-ids/1'],
      ['a profile altering a control it does not select', profileDoc(['sr-1'], 'sr-2'), /alters sr-2, which the profile does not select/],
      ['a profile whose href names no back-matter resource', JSON.stringify({ profile: { uuid: '21111111-2222-4333-8444-555555555555', metadata: { title: 'P', version: '1', 'oscal-version': '1.1.2' }, imports: [{ href: '#31111111-2222-4333-8444-555555555555', 'include-all': {} }] } }), /names no resource/, '/profile/imports/0/href'],
      ['a profile with no imports', JSON.stringify({ profile: { uuid: '21111111-2222-4333-8444-555555555555', metadata: { title: 'P', version: '1', 'oscal-version': '1.1.2' }, imports: [] } }), /at least 1 item/, '/profile/imports'],
    ];
    for (const [what, body, message, field] of cases) {
      const problem = await json(await upload(body), 400);
      assert.match(problem.detail, message, what);
      if (field) assert.equal(problem.errors?.[0]?.field, field, what);
    }
    // A re-import of the real catalog broken halfway (a title of the wrong type on its last control) changes nothing.
    const broken = JSON.parse(file(CATALOG).toString('utf8'));
    broken.catalog.groups[0].controls[0].title = 'CHANGED';
    broken.catalog.groups[19].controls[11].title = 42;
    const problem = await json(await upload(JSON.stringify(broken)), 400);
    assert.equal(problem.errors[0].field, '/catalog/groups/19/controls/11/title');
    assert.equal((await json<ControlDetail>(await server.api('/api/v1/controls/AC-1'))).title, 'Policy and Procedures');
    assert.deepEqual(await profiles(), before);
    assert.deepEqual((await json<{ items: unknown[] }>(await server.api('/api/v1/controls/catalogs'))).items, catalogsBefore);
  });

  test('a document over the upload limit is refused with 413 before it is read', async () => {
    const small = await startTestServer(engine, { THIRDWATCH_MAX_UPLOAD_MB: '1' });
    try {
      const res = await small.api('/api/v1/controls/import', { method: 'POST', body: file(CATALOG), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 413, await res.text());
      assert.deepEqual((await json<{ items: unknown[] }>(await small.api('/api/v1/controls/catalogs'))).items, []);
    } finally {
      await small.close();
    }
  });
});

function nested(depth: number): unknown {
  let control: Record<string, unknown> = { id: `xx-${depth}`, title: 't' };
  for (let i = depth - 1; i > 0; i--) control = { id: `xx-${i}`, title: 't', controls: [control] };
  return control;
}

/** A profile over the imported SP 800-53 catalog selecting `ids`, optionally adding a prop to `alter`. */
function profileDoc(ids: string[], alter?: string): string {
  return JSON.stringify({
    profile: {
      uuid: '41111111-2222-4333-8444-555555555555',
      metadata: { title: 'Hostile', version: '1', 'oscal-version': '1.1.2' },
      imports: [{ href: 'NIST_SP-800-53_rev5.0.1_catalog.json', 'include-controls': [{ 'with-ids': ids }] }],
      ...(alter ? { modify: { alters: [{ 'control-id': alter, adds: [{ props: [{ name: 'x', value: 'y' }] }] }] } } : {}),
    },
  });
}
