import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { Section } from './questionnaires.model.js';
import { SHIPPED_BY, type TemplateDetail, type TemplateSummary } from './questionnaires.service.js';
import { SHIPPED_TEMPLATES } from './questionnaires.shipped.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

interface Problem {
  status: number;
  detail: string;
  errors: Array<{ field: string; reason: string }>;
}

const SECTIONS: Section[] = [
  {
    title: 'Provenance',
    description: 'Where components come from.',
    questions: [
      { id: 'sbom', text: 'Do you publish SBOMs?', type: 'yesno', controls: ['SR-4'], weight: 2, required: true, tags: ['publishes-sbom'] },
      { id: 'sbom-file', text: 'Upload one.', type: 'sbom', controls: ['SR-4', 'CM-8'], weight: 1, required: true, showWhen: { questionId: 'sbom', anyOf: ['yes'] } },
    ],
  },
  {
    title: 'Recovery',
    questions: [{ id: 'rto', text: 'RTO per service?', help: 'In hours.', type: 'number', unit: 'hours', perService: true, controls: ['CP-10'], iso27036: ['27036-3:6.4'], weight: 3, required: true, compliant: { max: 8 }, tags: ['rto'] }],
  },
];

describeEachEngine('questionnaire templates', ({ engine }) => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  const list = async () => (await json<{ items: TemplateSummary[] }>(await server.api('/api/v1/assessments/templates'))).items;
  const versionRows = async () => (await server.tw.database.db.selectFrom('assessment_template_versions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n;

  test('a fresh database has the shipped templates, with sections, questions and their controls', async () => {
    const items = await list();
    const shipped = items.filter((t) => t.key).sort((a, b) => a.key!.localeCompare(b.key!));
    assert.deepEqual(shipped.map((t) => [t.key, t.name, t.version]), [
      ['business-resilience', 'Business resilience and continuity', 1],
      ['incident-notification', 'Incident notification', 1],
      ['software-supplier', 'Software supplier', 1],
      ['supply-chain-baseline', 'Supply-chain security baseline', 1],
    ]);
    for (const t of shipped) {
      const expected = SHIPPED_TEMPLATES.find((s) => s.key === t.key)!;
      assert.deepEqual(t.sections, expected.sections, `${t.key} comes back as shipped`);
      assert.equal(t.questionCount, expected.sections.reduce((n, s) => n + s.questions.length, 0));
      const q = t.sections[0].questions[0];
      assert.ok(q.id && q.text && q.type && Array.isArray(q.controls) && typeof q.weight === 'number' && typeof q.required === 'boolean');
    }
    const resilience = shipped.find((t) => t.key === 'business-resilience')!;
    const rto = resilience.sections.flatMap((s) => s.questions).find((q) => q.tags?.includes('rto'))!;
    assert.deepEqual([rto.type, rto.unit, rto.perService], ['number', 'hours', true]);
    const detail = await json<TemplateDetail>(await server.api(`/api/v1/assessments/templates/${resilience.id}`));
    assert.deepEqual(detail.versions.map((v) => [v.version, v.createdBy]), [[1, SHIPPED_BY]]);
    assert.ok(detail.controls.includes('CP-4') && detail.controls.includes('SR-2'));
  });

  test('create, then edits make new immutable versions; the old version stays readable', async () => {
    const created = await json<TemplateDetail>(await server.api('/api/v1/assessments/templates', { method: 'POST', role: 'analyst', json: { name: 'Cloud provider', description: 'For IaaS suppliers', sections: SECTIONS } }), 201);
    assert.equal(created.version, 1);
    assert.equal(created.key, null);
    assert.deepEqual(created.sections, SECTIONS);
    assert.deepEqual(created.controls, ['CM-8', 'CP-10', 'SR-4']);

    const edited = structuredClone(SECTIONS);
    edited[1].questions[0].compliant = { max: 4 };
    edited[0].questions.reverse();
    // Reordering broke showWhen (it now names a later question): refused, nothing saved.
    const before = await versionRows();
    const refused = await json<Problem>(await server.api(`/api/v1/assessments/templates/${created.id}`, { method: 'PUT', json: { sections: edited } }), 400);
    assert.deepEqual(refused.errors.map((e) => e.field), ['/sections/0/questions/0/showWhen/questionId']);
    assert.equal(await versionRows(), before);
    edited[0].questions.reverse();

    const v2 = await json<TemplateDetail>(await server.api(`/api/v1/assessments/templates/${created.id}`, { method: 'PUT', json: { sections: edited, baseVersion: 1 } }));
    assert.equal(v2.version, 2);
    assert.equal(v2.currentVersion, 2);
    assert.equal(v2.name, 'Cloud provider');
    assert.deepEqual(v2.versions.map((v) => v.version), [2, 1]);
    const v1 = await json<TemplateDetail>(await server.api(`/api/v1/assessments/templates/${created.id}?version=1`));
    assert.deepEqual(v1.sections, SECTIONS);
    assert.equal(v1.version, 1);
    assert.equal(v1.currentVersion, 2);
    assert.deepEqual((await server.tw.services.questionnaires.getVersion(created.id, 1)).sections, SECTIONS);
    assert.equal((await server.tw.services.questionnaires.getVersion(created.id)).version, 2);

    // Saving the same content again writes nothing; a rename is a version of its own.
    const same = await json<TemplateDetail>(await server.api(`/api/v1/assessments/templates/${created.id}`, { method: 'PUT', json: { sections: edited } }));
    assert.equal(same.version, 2);
    const renamed = await json<TemplateDetail>(await server.api(`/api/v1/assessments/templates/${created.id}`, { method: 'PUT', json: { name: 'Cloud provider (IaaS)', sections: edited } }));
    assert.equal(renamed.version, 3);
    assert.equal((await json<TemplateDetail>(await server.api(`/api/v1/assessments/templates/${created.id}?version=2`))).name, 'Cloud provider');

    // An edit based on an older version is refused rather than silently overwriting.
    const stale = await json<Problem>(await server.api(`/api/v1/assessments/templates/${created.id}`, { method: 'PUT', json: { sections: SECTIONS, baseVersion: 2 } }), 409);
    assert.match(stale.detail, /version 3/);

    // The database itself refuses to change a version.
    await assert.rejects(server.tw.database.db.updateTable('assessment_template_versions').set({ name: 'rewritten' }).where('template_id', '=', created.id).execute(), /append-only/);
    await assert.rejects(server.tw.database.db.deleteFrom('assessment_template_versions').where('template_id', '=', created.id).execute(), /append-only/);

    const events = await server.tw.database.db.selectFrom('audit_events').select(['action', 'actor_name']).where('entity_id', '=', created.id).orderBy('seq').execute();
    assert.deepEqual(events.map((e) => e.action), ['assessment-template.create', 'assessment-template.version', 'assessment-template.version']);
    assert.equal(events[0].actor_name, 'token:test-analyst');
  });

  test('malformed templates answer 400 naming the field, and nothing is saved', async () => {
    const before = [(await list()).length, await versionRows()];
    const post = (body: unknown) => server.api('/api/v1/assessments/templates', { method: 'POST', json: body });
    const q = SECTIONS[0].questions[0];
    const cases: Array<[unknown, string]> = [
      [{ name: 'X', sections: [{ title: 'S', questions: [q, q] }] }, '/sections/0/questions/1/id'],
      [{ name: 'X', sections: [{ title: 'S', questions: [{ ...q, type: 'choice' }] }] }, '/sections/0/questions/0/options'],
      [{ name: 'X', sections: [{ title: 'S', questions: [{ ...q, controls: ['SR 4'] }] }] }, '/sections/0/questions/0/controls/0'],
      [{ name: 'X', sections: [{ title: 'S', questions: [{ ...q, weight: 'heavy' }] }] }, '/sections/0/questions/0/weight'],
      [{ name: 'X', sections: [{ title: 'S', questions: [{ ...q, showWhen: { questionId: 'ghost', anyOf: ['yes'] } }] }] }, '/sections/0/questions/0/showWhen/questionId'],
      [{ name: 'X', sections: [] }, '/sections'],
      [{ name: '', sections: SECTIONS }, '/name'],
      [{ sections: SECTIONS }, '/name'],
      [{ name: 'X', sections: SECTIONS, owner: 'me' }, '/owner'],
    ];
    for (const [body, field] of cases) {
      const problem = await json<Problem>(await post(body), 400);
      assert.ok(problem.errors.some((e) => e.field === field), `${field}: ${JSON.stringify(problem.errors)}`);
    }
    let deep: unknown = 'yes';
    for (let i = 0; i < 2000; i++) deep = [deep];
    const nested = await post({ name: 'X', sections: [{ title: 'S', questions: [{ ...q, showWhen: { questionId: 'a', anyOf: deep } }] }] });
    assert.equal(nested.status, 400, await nested.clone().text());
    const huge = Array.from({ length: 6 }, (_, s) => ({ title: `S${s}`, questions: Array.from({ length: 100 }, (_, i) => ({ ...q, id: `q-${s}-${i}` })) }));
    const problem = await json<Problem>(await post({ name: 'Huge', sections: huge }), 400);
    assert.deepEqual(problem.errors.map((e) => e.field), ['/sections']);
    assert.match(problem.detail, /600 questions; at most 500/);
    assert.deepEqual([(await list()).length, await versionRows()], before);
  });

  test('export and import round-trip a template as a new one', async () => {
    const baseline = (await list()).find((t) => t.key === 'supply-chain-baseline')!;
    const res = await server.api(`/api/v1/assessments/templates/${baseline.id}/export`);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="Supply-chain-security-baseline-v1\.json"/);
    const exported = await json<Record<string, unknown>>(res);
    assert.equal(exported.format, 'thirdwatch-questionnaire');
    assert.equal(exported.key, 'supply-chain-baseline');
    const imported = await json<TemplateDetail>(await server.api('/api/v1/assessments/templates/import', { method: 'POST', role: 'analyst', json: exported }), 201);
    assert.notEqual(imported.id, baseline.id);
    assert.equal(imported.key, null, 'an import never takes over a shipped key');
    assert.equal(imported.version, 1);
    assert.equal(imported.name, baseline.name);
    assert.deepEqual(imported.sections, baseline.sections);
    const again = await json<Record<string, unknown>>(await server.api(`/api/v1/assessments/templates/${imported.id}/export`));
    assert.deepEqual({ ...again, key: null, exportedAt: null }, { ...exported, key: null, exportedAt: null });

    const before = (await list()).length;
    const wrongFormat = await json<Problem>(await server.api('/api/v1/assessments/templates/import', { method: 'POST', json: { ...exported, format: 'something-else' } }), 400);
    assert.deepEqual(wrongFormat.errors.map((e) => e.field), ['/format']);
    const broken = structuredClone(exported) as { sections: Section[] };
    broken.sections[1].questions[0].controls = ['SR-04x'];
    const bad = await json<Problem>(await server.api('/api/v1/assessments/templates/import', { method: 'POST', json: broken }), 400);
    assert.deepEqual(bad.errors.map((e) => e.field), ['/sections/1/questions/0/controls/0']);
    assert.equal((await list()).length, before);
  });

  test('labels no imported catalog holds are pointed out, once a catalog is imported', async () => {
    const own = await json<TemplateDetail>(
      await server.api('/api/v1/assessments/templates', { method: 'POST', json: { name: 'Typos', sections: [{ title: 'S', questions: [{ ...SECTIONS[0].questions[0], controls: ['SR-4', 'SR-99', 'ZZ-1'] }] }] } }),
      201,
    );
    assert.equal(own.unknownControls, null, 'no catalog imported: nothing to judge by');
    await server.tw.services.controls.import(readFileSync(new URL('../../../../shared/data/oscal/NIST_SP-800-53_rev5.0.1_catalog.json', import.meta.url)), {}, systemContext('test'));
    assert.deepEqual((await json<TemplateDetail>(await server.api(`/api/v1/assessments/templates/${own.id}`))).unknownControls, ['SR-99', 'ZZ-1']);
    for (const t of (await list()).filter((x) => x.key)) {
      assert.deepEqual((await json<TemplateDetail>(await server.api(`/api/v1/assessments/templates/${t.id}`))).unknownControls, [], t.key!);
    }
  });

  test('unknown templates and versions answer 404', async () => {
    const id = randomUUID();
    await json(await server.api(`/api/v1/assessments/templates/${id}`), 404);
    await json(await server.api(`/api/v1/assessments/templates/${id}/export`), 404);
    await json(await server.api(`/api/v1/assessments/templates/${id}`, { method: 'PUT', json: { sections: SECTIONS } }), 404);
    const baseline = (await list()).find((t) => t.key === 'software-supplier')!;
    const missing = await json<Problem>(await server.api(`/api/v1/assessments/templates/${baseline.id}?version=9`), 404);
    assert.match(missing.detail, /version 9/);
    await assert.rejects(server.tw.services.questionnaires.getVersion(id), (e: { status?: number }) => e.status === 404);
  });

  test('shipped templates: a changed content adds a version once; a template edited here keeps its own', async () => {
    const service = server.tw.services.questionnaires;
    const ctx = systemContext('test');
    assert.deepEqual(await service.syncShipped(ctx), { created: [], updated: [], kept: [] }, 'nothing changed, nothing written');

    const changed = SHIPPED_TEMPLATES.map((t) => structuredClone(t));
    changed[3].sections[0].questions[0].compliant = { max: 12 };
    changed[2].sections[0].questions[0].text = 'RTO in hours for each service?';
    const edited = (await list()).find((t) => t.key === 'business-resilience')!;
    const sections = structuredClone(edited.sections);
    sections[0].description = 'Our own wording.';
    await json(await server.api(`/api/v1/assessments/templates/${edited.id}`, { method: 'PUT', json: { sections } }));

    assert.deepEqual(await service.syncShipped(ctx, changed), { created: [], updated: ['incident-notification'], kept: ['business-resilience'] });
    const items = await list();
    const incident = items.find((t) => t.key === 'incident-notification')!;
    assert.equal(incident.version, 2);
    assert.equal(incident.sections[0].questions[0].compliant?.max, 12);
    assert.equal((await service.getVersion(incident.id, 1)).sections[0].questions[0].compliant?.max, 24, 'version 1 is unchanged');
    const resilience = items.find((t) => t.key === 'business-resilience')!;
    assert.equal(resilience.version, 2);
    assert.equal(resilience.sections[0].description, 'Our own wording.');
    assert.deepEqual((await service.syncShipped(ctx, changed)).updated, [], 'applied once');
  });
});
