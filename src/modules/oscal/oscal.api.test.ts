import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { ASSESSMENT_RESULTS_SCHEMA, POAM_SCHEMA } from './oscal.test-schema.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 800));
  return JSON.parse(text) as T;
}

// NIST's schemas combine $ref and enum under allOf without a type, which ajv's strict mode refuses.
const ajv = new Ajv({ allErrors: true, strict: false });
ajvFormats.default(ajv);
const validAr = ajv.compile(ASSESSMENT_RESULTS_SCHEMA);
const validPoam = ajv.compile(POAM_SCHEMA);

const SECTIONS = [
  {
    title: 'Supply chain',
    questions: [
      { id: 'provenance', text: 'Do you record the provenance of what you ship?', type: 'yesno', controls: ['SR-4', 'SR-4(3)'], weight: 2, required: true },
      { id: 'notify-hours', text: 'Within how many hours do you notify us of an incident?', type: 'number', unit: 'hours', controls: ['IR-6(3)'], weight: 1, required: true, compliant: { max: 24 } },
    ],
  },
];

describeEachEngine('OSCAL export of an assessment', ({ engine }) => {
  let server: TestServer;
  let assessmentId = '';

  before(async () => {
    server = await startTestServer(engine);
    const vendorId = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme Telephony' } }), 201)).id;
    const templateId = (await json<{ id: string }>(await server.api('/api/v1/assessments/templates', { method: 'POST', json: { name: 'C-SCRM short', sections: SECTIONS } }), 201)).id;
    assessmentId = (await json<{ id: string }>(await server.api('/api/v1/assessments', { method: 'POST', json: { vendorId, templateId, dueAt: '2027-01-31' } }), 201)).id;
  });
  after(async () => {
    await server?.close();
  });

  const download = (kind: 'assessment-results' | 'poam', role: 'viewer' | null = 'viewer') => server.api(`/api/v1/assessments/${assessmentId}/oscal/${kind}`, { role });

  test('assessment-results and POA&M download as valid OSCAL, the same document each time', async () => {
    assert.equal((await download('assessment-results', null)).status, 401);
    // Nothing answered yet: results name the reviewed controls only; a POA&M has nothing to plan.
    const empty = await json<any>(await download('assessment-results'));
    assert.equal(validAr(empty), true, JSON.stringify(validAr.errors?.slice(0, 3)));
    await json(await download('poam'), 409);

    await json(await server.api(`/api/v1/assessments/${assessmentId}/answers`, { method: 'PUT', json: { answers: [{ questionId: 'provenance', value: 'partial' }, { questionId: 'notify-hours', value: 72 }] } }));
    await json(await server.api(`/api/v1/assessments/${assessmentId}/submit`, { method: 'POST' }));
    await json(await server.api(`/api/v1/assessments/${assessmentId}/remediations`, { method: 'POST', json: { questionId: 'notify-hours', title: 'Notify within 24 hours', description: 'Amend the contract.', dueAt: '2027-02-28' } }), 201);

    const res = await download('assessment-results');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="assessment-results-acme-telephony-[0-9a-f]{8}\.oscal\.json"$/);
    const ar = await json<any>(res);
    assert.equal(validAr(ar), true, JSON.stringify(validAr.errors?.slice(0, 3)));
    const result = ar['assessment-results'].results[0];
    assert.deepEqual(result['reviewed-controls']['control-selections'][0]['include-controls'].map((c: any) => c['control-id']), ['sr-4', 'sr-4.3', 'ir-6.3']);
    assert.deepEqual(result.findings.map((f: any) => [f.target['target-id'], f.target.status.state]), [['sr-4_obj', 'not-satisfied'], ['sr-4.3_obj', 'not-satisfied'], ['ir-6.3_obj', 'not-satisfied']]);
    assert.equal(result.risks[0].title, 'Notify within 24 hours');
    assert.deepEqual(await json(await download('assessment-results')), ar, 'exporting again gives the same document');

    const poam = await json<any>(await download('poam'));
    assert.equal(validPoam(poam), true, JSON.stringify(validPoam.errors?.slice(0, 3)));
    assert.deepEqual(poam['plan-of-action-and-milestones']['poam-items'].map((i: any) => i.title), ['Notify within 24 hours', 'Partially met: Do you record the provenance of what you ship?']);
    assert.equal((await server.api('/api/v1/assessments/01900000-0000-7000-8000-000000000000/oscal/poam')).status, 404);
  });
});
