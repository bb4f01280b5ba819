import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { AppError } from '../../platform/errors.js';
import type { OscalAssessmentInput } from '../assessments/assessments.service.js';
import { assessmentResults, controlIdOf, planOfActionAndMilestones, uuidV5 } from './oscal.export.js';
import { ASSESSMENT_RESULTS_SCHEMA, POAM_SCHEMA } from './oscal.test-schema.js';

const EXAMPLES = new URL('../../../../shared/data/oscal/examples/', import.meta.url);

// NIST's schemas combine $ref and enum under allOf without a type, which ajv's strict mode refuses.
const ajv = new Ajv({ allErrors: true, strict: false });
ajvFormats.default(ajv);
const validAr = ajv.compile(ASSESSMENT_RESULTS_SCHEMA);
const validPoam = ajv.compile(POAM_SCHEMA);

function assertValid(validate: typeof validAr, document: unknown) {
  const ok = validate(document);
  assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 1));
}

const INPUT: OscalAssessmentInput = {
  assessment: {
    id: '01a24d00-0000-7000-8000-000000000001',
    vendorId: '01a24d00-0000-7000-8000-0000000000aa',
    vendorName: '  Acme   Software\nGmbH ',
    templateName: 'Supply-chain security baseline',
    templateVersion: 2,
    status: 'closed',
    dueAt: '2026-12-31',
    submittedAt: '2026-12-05T10:00:00.123Z',
    closedAt: '2026-12-06T09:30:00.000Z',
    createdAt: '2026-12-01T08:00:00.000Z',
    updatedAt: '2026-12-06T09:30:00.456Z',
  },
  questions: [
    { id: 'provenance', section: 'Provenance', text: 'Do you record the provenance of the components you ship?', controls: ['SR-4', 'SR-4(3)'] },
    { id: 'sbom', section: 'Transparency', text: 'Attach the SBOM of the product you deliver.', controls: ['SR-4'] },
    { id: 'notify-hours', section: 'Incidents', text: 'Within how many hours do you notify us of an incident?', controls: ['IR-6(3)', 'SR-8'] },
    { id: 'policy', section: 'Governance', text: 'Upload your supply-chain policy.', controls: ['SR-1'] },
    { id: 'unmapped', section: 'Governance', text: 'Anything else?', controls: [] },
    { id: 'skipped', section: 'Governance', text: 'Not answered', controls: ['SA-9'] },
  ],
  answers: [
    { questionId: 'provenance', value: 'partial', answeredAt: '2026-12-04T10:00:00.000Z', state: 'accepted', comment: null, compliance: 'partial' },
    { questionId: 'sbom', value: { fileId: 'f-sbom', productId: 'p-1' }, answeredAt: '2026-12-04T10:05:00.000Z', state: 'accepted', comment: null, compliance: 'met' },
    { questionId: 'notify-hours', value: 96, answeredAt: '2026-12-04T10:06:00.000Z', state: 'rejected', comment: 'We need 24 hours or less.', compliance: 'not-met' },
    { questionId: 'policy', value: 'f-policy', answeredAt: '2026-12-04T10:07:00Z', state: 'accepted', comment: null, compliance: 'met' },
    { questionId: 'unmapped', value: ['a', 'b'], answeredAt: '2026-12-04T10:08:00Z', state: 'submitted', comment: null, compliance: 'met' },
    { questionId: 'skipped', value: null, answeredAt: null, state: 'draft', comment: null, compliance: 'unanswered' },
  ],
  scores: { overall: 62.5, sections: [{ title: 'Provenance', score: 50 }, { title: 'Incidents', score: 0 }, { title: 'Governance', score: null }] },
  remediations: [
    { id: 'r-1', questionId: 'notify-hours', title: 'Commit to notify within 24 hours', description: 'Amend the contract: notification within 24 hours.', dueAt: '2027-01-31', status: 'open', createdAt: '2026-12-06T09:30:00.000Z' },
    { id: 'r-2', questionId: null, title: 'Name a crisis contact', description: '', dueAt: null, status: 'closed', createdAt: '2026-12-06T09:31:00.000Z' },
  ],
  evidence: [
    { fileId: 'f-sbom', name: 'acme-sbom.cdx.json', sha256: 'a'.repeat(64), mediaType: 'application/vnd.cyclonedx+json' },
    { fileId: 'f-policy', name: 'policy.pdf', sha256: 'b'.repeat(64), mediaType: 'application/pdf' },
  ],
};

test('UUIDv5 matches RFC 9562 (the DNS-namespace example) and control ids follow the catalog', () => {
  assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  assert.equal(controlIdOf('SR-4(3)'), 'sr-4.3');
  assert.equal(controlIdOf('SA-9'), 'sa-9');
});

test('assessment-results: valid OSCAL, findings per control from the worst answer, evidence and risks linked, stable', () => {
  const document = assessmentResults(INPUT);
  assertValid(validAr, document);
  assert.equal(JSON.stringify(assessmentResults(structuredClone(INPUT))), JSON.stringify(document), 'the same input gives the same document');

  const ar = (document as any)['assessment-results'];
  assert.equal(ar.metadata['oscal-version'], '1.1.2');
  assert.equal(ar.metadata['last-modified'], '2026-12-06T09:30:00Z');
  assert.equal(ar.metadata.parties[0].name, 'Acme Software GmbH');
  const result = ar.results[0];
  assert.deepEqual(result['reviewed-controls']['control-selections'][0]['include-controls'].map((c: any) => c['control-id']), ['sr-4', 'sr-4.3', 'ir-6.3', 'sr-8', 'sr-1', 'sa-9']);
  const states = Object.fromEntries(result.findings.map((f: any) => [f.target['target-id'], f.target.status.state]));
  // SR-4: one partial and one met answer → not satisfied; SA-9 unanswered → no finding.
  assert.deepEqual(states, { 'sr-4_obj': 'not-satisfied', 'sr-4.3_obj': 'not-satisfied', 'ir-6.3_obj': 'not-satisfied', 'sr-8_obj': 'not-satisfied', 'sr-1_obj': 'satisfied' });
  assert.equal(result.observations.length, 5, 'one observation per answered question');
  const policy = result.observations.find((o: any) => o.props.some((p: any) => p.name === 'question-id' && p.value === 'policy'));
  assert.deepEqual(policy.methods, ['EXAMINE']);
  const evidence = ar['back-matter'].resources.find((r: any) => `#${r.uuid}` === policy['relevant-evidence'][0].href);
  assert.equal(evidence.rlinks[0].hashes[0].value, 'b'.repeat(64));
  const ir63 = result.findings.find((f: any) => f.target['target-id'] === 'ir-6.3_obj');
  assert.equal(result.risks.find((r: any) => r.uuid === ir63['related-risks'][0]['risk-uuid']).title, 'Commit to notify within 24 hours');
  assert.equal(result.risks.find((r: any) => r.title === 'Name a crisis contact').status, 'closed');
});

test('POA&M: valid OSCAL, an item per remediation and per unmet answer no remediation covers; none at all is a 409', () => {
  const document = planOfActionAndMilestones(INPUT);
  assertValid(validPoam, document);
  const poam = (document as any)['plan-of-action-and-milestones'];
  assert.deepEqual(poam['poam-items'].map((i: any) => i.title), ['Commit to notify within 24 hours', 'Name a crisis contact', 'Partially met: Do you record the provenance of the components you ship?']);
  assert.equal(poam.risks.find((r: any) => r.title === 'Commit to notify within 24 hours').deadline, '2027-01-31T00:00:00Z');
  assert.equal(poam.uuid, (planOfActionAndMilestones(INPUT) as any)['plan-of-action-and-milestones'].uuid);
  assert.notEqual(poam.uuid, (assessmentResults(INPUT) as any)['assessment-results'].uuid);

  const clean: OscalAssessmentInput = { ...INPUT, remediations: [], answers: INPUT.answers.map((a) => ({ ...a, compliance: a.compliance === 'unanswered' ? a.compliance : 'met' })) };
  assert.throws(() => planOfActionAndMilestones(clean), (error: unknown) => error instanceof AppError && error.status === 409);
  // An assessment nobody answered yet still exports valid results.
  assertValid(validAr, assessmentResults({ ...INPUT, questions: [], answers: [], remediations: [], evidence: [], scores: null }));
});

test("the schema restated in oscal.test-schema.ts accepts NIST's own example documents and refuses a broken one", () => {
  const ar = JSON.parse(readFileSync(new URL('ifa_assessment-results-example.json', EXAMPLES), 'utf8'));
  const poam = JSON.parse(readFileSync(new URL('ifa_plan-of-action-and-milestones.json', EXAMPLES), 'utf8'));
  assertValid(validAr, ar);
  assertValid(validPoam, poam);
  const broken = assessmentResults(INPUT) as any;
  broken['assessment-results'].results[0].observations[0].props.push({ name: 'x', value: ' padded ' });
  delete broken['assessment-results'].results[0].findings[0].target.status;
  broken['assessment-results'].results[0].risks = [];
  assert.equal(validAr(broken), false);
  assert.deepEqual(validAr.errors?.map((e) => e.instancePath).sort(), [
    '/assessment-results/results/0/findings/0/target',
    '/assessment-results/results/0/observations/0/props/6/value',
    '/assessment-results/results/0/risks',
  ]);
});
