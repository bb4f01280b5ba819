import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { AssessmentDetail, Remediation } from './assessments.schemas.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 800));
  return JSON.parse(text) as T;
}

interface Problem {
  status: number;
  detail: string;
  errors: Array<{ field: string; reason: string }>;
}

const daysFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A small template exercising every rule the workflow relies on: required, conditional, weights, compliance. */
const SECTIONS = [
  {
    title: 'Governance',
    questions: [
      { id: 'has-policy', text: 'Do you have a supply-chain risk policy?', type: 'yesno', controls: ['SR-1'], weight: 2, required: true },
      {
        id: 'policy-date',
        text: 'When was it last reviewed?',
        type: 'date',
        controls: ['SR-1'],
        weight: 1,
        required: true,
        compliant: { withinDays: 365 },
        showWhen: { questionId: 'has-policy', anyOf: ['yes', 'partial'] },
      },
      { id: 'tier', text: 'Support tier', type: 'choice', options: ['gold', 'silver'], controls: ['SA-9'], weight: 1, required: false, compliant: { anyOf: ['gold'] } },
    ],
  },
  {
    title: 'Operations',
    questions: [
      { id: 'rto', text: 'Recovery time objective', type: 'number', unit: 'hours', controls: ['CP-2'], weight: 3, required: true, compliant: { max: 24 } },
      { id: 'notes', text: 'Anything else?', type: 'text', controls: [], weight: 0, required: false },
      { id: 'evidence', text: 'Upload your last audit report', type: 'file', controls: ['SR-4'], weight: 1, required: false },
    ],
  },
];

describeEachEngine('assessments', ({ engine }) => {
  let server: TestServer;
  const vendor: Record<string, string> = {};
  let templateId = '';

  before(async () => {
    server = await startTestServer(engine);
    for (const name of ['Acme', 'Globex']) {
      vendor[name] = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 201)).id;
    }
    templateId = (await json<{ id: string }>(await server.api('/api/v1/assessments/templates', { method: 'POST', json: { name: 'Test baseline', sections: SECTIONS } }), 201)).id;
  });
  after(async () => {
    await server?.close();
  });

  const create = async (overrides: Record<string, unknown> = {}) =>
    json<AssessmentDetail>(await server.api('/api/v1/assessments', { method: 'POST', role: 'analyst', json: { vendorId: vendor.Acme, templateId, dueAt: daysFromToday(30), ...overrides } }), 201);
  const save = (id: string, answers: Array<{ questionId: string; value: unknown }>, role: 'admin' | 'analyst' = 'analyst') =>
    server.api(`/api/v1/assessments/${id}/answers`, { method: 'PUT', role, json: { answers } });
  const get = async (id: string) => json<AssessmentDetail>(await server.api(`/api/v1/assessments/${id}`, { role: 'viewer' }));
  const events = async (id: string) =>
    server.tw.database.db.selectFrom('audit_events').select(['action', 'after']).where('entity_id', '=', id).orderBy('seq').execute();

  test('create pins the template version: answers keep it after the template is edited', async () => {
    const first = await create();
    assert.equal(first.status, 'draft');
    assert.equal(first.templateVersion, 1);
    assert.equal(first.vendorName, 'Acme');
    assert.equal(first.templateName, 'Test baseline');
    assert.deepEqual(first.progress, { answered: 0, total: 5, required: 2, requiredAnswered: 0 }, 'policy-date is hidden until has-policy is answered');
    assert.deepEqual((await events(first.id)).map((e) => e.action), ['assessment.create']);

    const edited = [...SECTIONS, { title: 'Extra', questions: [{ id: 'extra', text: 'New in version 2', type: 'yesno', controls: ['SR-2'], weight: 1, required: true }] }];
    await json(await server.api(`/api/v1/assessments/templates/${templateId}`, { method: 'PUT', json: { sections: edited } }));
    const second = await create();
    assert.equal(second.templateVersion, 2);
    assert.equal(second.progress.required, 3);

    const refused = await json<Problem>(await save(first.id, [{ questionId: 'extra', value: 'yes' }]), 422);
    assert.deepEqual(refused.errors.map((e) => e.field), ['extra']);
    assert.match(refused.errors[0].reason, /not a question of Test baseline version 1/);
    await json(await save(second.id, [{ questionId: 'extra', value: 'yes' }]));
    assert.equal((await get(first.id)).templateVersion, 1);

    // Put the template back as it was for the rest of the suite (a third version).
    await json(await server.api(`/api/v1/assessments/templates/${templateId}`, { method: 'PUT', json: { sections: SECTIONS } }));
  });

  test('create refuses an unknown vendor or template, and a body of the wrong shape', async () => {
    const noVendor = await json<Problem>(await server.api('/api/v1/assessments', { method: 'POST', json: { vendorId: '01900000-0000-7000-8000-000000000000', templateId } }), 400);
    assert.equal(noVendor.errors[0].field, '/vendorId');
    const noTemplate = await json<Problem>(await server.api('/api/v1/assessments', { method: 'POST', json: { vendorId: vendor.Acme, templateId: '01900000-0000-7000-8000-000000000000' } }), 400);
    assert.equal(noTemplate.errors[0].field, '/templateId');
    await json(await server.api('/api/v1/assessments', { method: 'POST', json: { vendorId: vendor.Acme, templateId, dueAt: 'next week' } }), 400);
    const withTime = await create({ dueAt: '2027-03-01T23:30:00-05:00' });
    assert.equal(withTime.dueAt, '2027-03-02', 'a date-time due date is kept as its UTC date');
  });

  test('a batch of answers is all or nothing: one 422 names every bad question and saves none', async () => {
    const a = await create();
    const before = (await events(a.id)).length;
    const problem = await json<Problem>(
      await save(a.id, [
        { questionId: 'has-policy', value: 'yes' },
        { questionId: 'rto', value: 'four hours' },
        { questionId: 'tier', value: 'bronze' },
        { questionId: 'nope', value: 1 },
        { questionId: 'has-policy', value: 'no' },
      ]),
      422,
    );
    assert.deepEqual(problem.errors.map((e) => e.field), ['rto', 'tier', 'nope', 'has-policy']);
    assert.match(problem.errors[0].reason, /number/);
    assert.match(problem.errors[1].reason, /gold, silver/);
    assert.match(problem.errors[3].reason, /twice/);
    const after = await get(a.id);
    assert.deepEqual(after.answers, []);
    assert.equal(after.status, 'draft');
    assert.equal((await events(a.id)).length, before, 'no event for a refused batch');
    // A value must be given (null clears), and the body shape is checked before anything else.
    await json(await server.api(`/api/v1/assessments/${a.id}/answers`, { method: 'PUT', json: { answers: [{ questionId: 'rto' }] } }), 400);
  });

  test('hostile answers are a 4xx naming the question, never a 500, and save nothing', async () => {
    const a = await create();
    const cases: Array<[string, unknown]> = [
      ['notes', 'x'.repeat(10_001)],
      ['notes', 'a\u0000b'],
      ['notes', '\ud800'],
      ['tier', { __proto__: { polluted: true }, toString: 'gold' }],
      ['rto', '1e400'],
      ['rto', [{ serviceId: 'x', value: 1 }]],
      ['policy-date', '2026-02-30'],
      ['evidence', '../../etc/passwd'],
    ];
    for (const [questionId, value] of cases) {
      const res = await save(a.id, [{ questionId, value }]);
      const text = await res.text();
      assert.ok(res.status === 422 || res.status === 400, `${questionId} ${JSON.stringify(value).slice(0, 40)}: ${res.status} ${text.slice(0, 200)}`);
      if (res.status === 422) assert.equal((JSON.parse(text) as Problem).errors[0].field, questionId);
    }
    // Sent as raw text: a number too large for JSON's doubles, and nesting deeper than any stack.
    for (const [questionId, value] of [['rto', '1e400'], ['tier', `${'['.repeat(20_000)}"SBOM"${']'.repeat(20_000)}`]]) {
      const raw = await server.api(`/api/v1/assessments/${a.id}/answers`, { method: 'PUT', body: `{"answers":[{"questionId":"${questionId}","value":${value}}]}`, headers: { 'content-type': 'application/json' } });
      assert.ok([400, 422].includes(raw.status), `${questionId}: ${raw.status} ${(await raw.text()).slice(0, 200)}`);
    }
    for (const body of [{ answers: [] }, { answers: [{ questionId: 'RTO; drop table', value: 1 }] }, { answers: Array.from({ length: 501 }, () => ({ questionId: 'rto', value: 1 })) }, { answers: [{ questionId: 'rto', value: 1, extra: true }] }]) {
      assert.equal((await server.api(`/api/v1/assessments/${a.id}/answers`, { method: 'PUT', json: body })).status, 400);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual((await get(a.id)).answers, []);
  });

  test('the whole loop: answer, submit (422 names each missing required question), reject, answer again, close with scores', async () => {
    const a = await create();
    const saved = await json<AssessmentDetail>(await save(a.id, [{ questionId: 'has-policy', value: true }, { questionId: 'tier', value: 'Gold' }, { questionId: 'notes', value: '=HYPERLINK("http://evil")' }]));
    assert.equal(saved.status, 'in_progress');
    assert.deepEqual(
      saved.answers.map((x) => [x.questionId, x.value, x.state]),
      [['has-policy', 'yes', 'draft'], ['notes', '=HYPERLINK("http://evil")', 'draft'], ['tier', 'gold', 'draft']],
      'values are stored normalised',
    );
    assert.deepEqual(saved.progress, { answered: 3, total: 6, required: 3, requiredAnswered: 1 });

    const missing = await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/submit`, { method: 'POST', role: 'analyst' }), 422);
    assert.deepEqual(missing.errors.map((e) => e.field), ['policy-date', 'rto']);
    assert.match(missing.detail, /policy-date, rto/);

    // Answering has-policy "no" hides policy-date: it is no longer required.
    await json(await save(a.id, [{ questionId: 'has-policy', value: 'no' }]));
    const onlyRto = await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/submit`, { method: 'POST' }), 422);
    assert.deepEqual(onlyRto.errors.map((e) => e.field), ['rto']);

    await json(await save(a.id, [{ questionId: 'has-policy', value: 'yes' }, { questionId: 'policy-date', value: daysFromToday(-10) }, { questionId: 'rto', value: 48 }]));
    const submitted = await json<AssessmentDetail>(await server.api(`/api/v1/assessments/${a.id}/submit`, { method: 'POST' }));
    assert.equal(submitted.status, 'submitted');
    assert.ok(submitted.submittedAt);
    assert.ok(submitted.answers.every((x) => x.state === 'submitted'));
    await json<Problem>(await save(a.id, [{ questionId: 'rto', value: 4 }]), 409);
    await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/review`, { method: 'POST', json: { decisions: [{ questionId: 'evidence', verdict: 'accept' }] } }), 422);

    const reviewed = await json<AssessmentDetail>(
      await server.api(`/api/v1/assessments/${a.id}/review`, {
        method: 'POST',
        role: 'analyst',
        json: {
          decisions: [
            { questionId: 'has-policy', verdict: 'accept' },
            { questionId: 'policy-date', verdict: 'accept' },
            { questionId: 'rto', verdict: 'reject', comment: '48 hours is beyond our 24-hour target' },
          ],
        },
      }),
    );
    assert.equal(reviewed.status, 'in_progress', 'a rejection sends the assessment back to the vendor');
    const rto = reviewed.answers.find((x) => x.questionId === 'rto')!;
    assert.equal(rto.state, 'rejected');
    assert.equal(rto.comment, '48 hours is beyond our 24-hour target');
    assert.equal(rto.compliance, 'not-met', 'a rejected answer is not met');
    assert.equal(reviewed.answers.find((x) => x.questionId === 'has-policy')!.compliance, 'met');

    const locked = await json<Problem>(await save(a.id, [{ questionId: 'has-policy', value: 'no' }, { questionId: 'rto', value: 12 }]), 422);
    assert.deepEqual(locked.errors, [{ field: 'has-policy', reason: 'was accepted by the reviewer and is locked' }]);
    const unchanged = await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/submit`, { method: 'POST' }), 422);
    assert.deepEqual(unchanged.errors.map((e) => e.field), ['rto'], 'a rejected answer must be answered again before submitting');
    assert.match(unchanged.errors[0].reason, /rejected by the reviewer \(48 hours is beyond our 24-hour target\)/);

    await json(await save(a.id, [{ questionId: 'rto', value: 12 }]));
    await json(await server.api(`/api/v1/assessments/${a.id}/submit`, { method: 'POST' }));
    const notDecided = await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/review`, { method: 'POST', json: { decisions: [{ questionId: 'rto', verdict: 'accept' }], close: true } }), 422);
    assert.deepEqual(notDecided.errors.map((e) => e.field), ['tier', 'notes']);
    assert.equal((await get(a.id)).status, 'submitted', 'a refused close changes nothing, its decisions included');

    const closed = await json<AssessmentDetail>(
      await server.api(`/api/v1/assessments/${a.id}/review`, {
        method: 'POST',
        json: { decisions: [{ questionId: 'rto', verdict: 'accept' }, { questionId: 'tier', verdict: 'accept' }, { questionId: 'notes', verdict: 'accept' }], close: true },
      }),
    );
    assert.equal(closed.status, 'closed');
    assert.ok(closed.closedAt);
    // Governance 4/4; Operations: rto 3/3, notes weighs nothing, evidence unanswered 0/1 → 75; overall 7/8.
    assert.deepEqual(closed.scores, {
      overall: 87.5,
      sections: [
        { title: 'Governance', score: 100, answered: 3, total: 3 },
        { title: 'Operations', score: 75, answered: 2, total: 3 },
      ],
      controls: [
        { label: 'CP-2', status: 'met' },
        { label: 'SA-9', status: 'met' },
        { label: 'SR-1', status: 'met' },
        { label: 'SR-4', status: 'unanswered' },
      ],
    });
    await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/cancel`, { method: 'POST' }), 409);
    await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/review`, { method: 'POST', json: { decisions: [] } }), 409);

    const actions = (await events(a.id)).map((e) => e.action);
    assert.equal(actions.filter((x) => x === 'assessment.answer').length, 8, 'one event per answer saved');
    assert.deepEqual(
      actions.filter((x) => !x.startsWith('assessment.answer') && x !== 'assessment.review'),
      ['assessment.create', 'assessment.status', 'assessment.submit', 'assessment.status', 'assessment.submit', 'assessment.close'],
    );
    assert.equal(actions.filter((x) => x === 'assessment.review').length, 6);

    // CSV: every question, formula cells neutralised.
    const csv = await server.api(`/api/v1/assessments/${a.id}/answers.csv`, { role: 'viewer' });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="assessment-acme-/);
    const text = await csv.text();
    const lines = text.trim().split('\n');
    assert.equal(lines[0], 'section,question_id,question,type,required,controls,shown,answer,unit,state,reviewer_comment,answered_at,answered_by,reviewed_at,reviewed_by');
    assert.equal(lines.length, 7);
    assert.ok(text.includes(`"'=HYPERLINK(""http://evil"")"`), text);
    assert.match(lines.find((l) => l.includes(',rto,'))!, /^Operations,rto,Recovery time objective,number,true,CP-2,true,12,hours,accepted,/);

    // OSCAL input for the exporters.
    const oscal = await server.tw.services.assessments.oscalInput(a.id);
    assert.equal(oscal.assessment.vendorName, 'Acme');
    assert.deepEqual(oscal.questions.map((q) => q.id), ['has-policy', 'policy-date', 'tier', 'rto', 'notes', 'evidence']);
    assert.deepEqual(oscal.answers.map((x) => x.compliance), ['met', 'met', 'met', 'met', 'met', 'unanswered']);
    assert.equal(oscal.scores?.overall, 87.5);

    const latest = await server.tw.services.assessments.latestForVendor(vendor.Acme);
    assert.equal(latest?.assessment.id, a.id);
    assert.equal(latest?.template.version, closed.templateVersion);
  });

  test('status steps the workflow does not allow answer 409; cancel from any open status', async () => {
    const a = await create();
    await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/review`, { method: 'POST', json: { decisions: [] } }), 409);
    const cancelled = await json<AssessmentDetail>(await server.api(`/api/v1/assessments/${a.id}/cancel`, { method: 'POST', role: 'analyst' }));
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.cancelledAt);
    await json<Problem>(await save(a.id, [{ questionId: 'rto', value: 4 }]), 409);
    await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/submit`, { method: 'POST' }), 409);
    await json<Problem>(await server.api(`/api/v1/assessments/${a.id}/cancel`, { method: 'POST' }), 409);
    await json(await server.api(`/api/v1/assessments/01900000-0000-7000-8000-000000000000`), 404);
  });

  test('the portal\'s calls: markSent, a vendor scope, reminders', async () => {
    const service = server.tw.services.assessments;
    const ctx = systemContext('test');
    const a = await create({ dueAt: daysFromToday(-2) });
    await server.tw.database.db.transaction().execute((trx) => service.markSent(trx, a.id, ctx));
    assert.equal((await get(a.id)).status, 'sent');
    await server.tw.database.db.transaction().execute((trx) => service.markSent(trx, a.id, ctx));
    assert.equal((await events(a.id)).filter((e) => e.action === 'assessment.send').length, 1, 'sending again is not a new step');

    const acme = { vendorId: vendor.Acme };
    const globex = { vendorId: vendor.Globex };
    await assert.rejects(service.get(a.id, globex), /does not exist/);
    await assert.rejects(service.saveAnswers(a.id, [{ questionId: 'rto', value: 1 }], ctx, globex), /does not exist/);
    await assert.rejects(service.submit(a.id, ctx, globex), /does not exist/);
    assert.deepEqual(await service.listForVendor(vendor.Acme, globex), []);
    assert.ok((await service.listForVendor(vendor.Acme, acme)).some((x) => x.id === a.id));
    const answered = await service.saveAnswers(a.id, [{ questionId: 'rto', value: 1 }], ctx, acme);
    assert.equal(answered.status, 'in_progress');

    const draft = await create();
    await assert.rejects(service.saveAnswers(draft.id, [{ questionId: 'rto', value: 1 }], ctx, acme), /is draft: cannot change its answers/, 'the portal cannot answer before the assessment is sent');

    const due = await service.dueForReminder(new Date());
    const mine = due.find((d) => d.id === a.id);
    assert.deepEqual(mine, { id: a.id, vendorId: vendor.Acme, dueAt: daysFromToday(-2), status: 'in_progress', daysLeft: -2 });
    assert.ok(!due.some((d) => d.id === draft.id), 'drafts get no reminders');

    const overdue = await json<{ items: Array<{ id: string; overdue: boolean }> }>(await server.api(`/api/v1/assessments?overdue=true&vendorId=${vendor.Acme}`));
    assert.deepEqual(overdue.items.map((x) => x.id), [a.id]);
    assert.equal(overdue.items[0].overdue, true);
    const notOverdue = await json<{ items: Array<{ id: string }> }>(await server.api('/api/v1/assessments?overdue=false'));
    assert.ok(!notOverdue.items.some((x) => x.id === a.id));
    const byStatus = await json<{ items: Array<{ status: string }> }>(await server.api('/api/v1/assessments?status=cancelled'));
    assert.ok(byStatus.items.length > 0 && byStatus.items.every((x) => x.status === 'cancelled'));
    const open = await json<{ items: Array<{ status: string }> }>(await server.api('/api/v1/assessments?status=open'));
    assert.ok(open.items.every((x) => !['closed', 'cancelled'].includes(x.status)));
    assert.deepEqual((await json<{ items: unknown[] }>(await server.api(`/api/v1/assessments?vendorId=${vendor.Globex}`))).items, []);
  });

  test('list pages by cursor, newest first', async () => {
    const all = await json<{ items: Array<{ id: string }> }>(await server.api('/api/v1/assessments?limit=500'));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = await json(await server.api(`/api/v1/assessments?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, all.items.map((x) => x.id));
    assert.deepEqual(seen, [...seen].sort().reverse());
    await json(await server.api('/api/v1/assessments?cursor=garbage'), 400);
  });

  test('evidence files and SBOM answers come through the portal: an SBOM that does not parse refuses the batch, naming the question', async () => {
    const sections = [
      {
        title: 'Evidence',
        questions: [
          { id: 'report', text: 'Your last penetration test report', type: 'file', controls: ['CA-8'], weight: 1, required: true },
          { id: 'sbom', text: 'The SBOM of the release you ship us', type: 'sbom', controls: ['SR-4'], weight: 1, required: true },
          { id: 'sbom-updater', text: 'The SBOM of its updater', type: 'sbom', controls: ['SR-4'], weight: 1, required: false },
        ],
      },
    ];
    const evidenceTemplate = (await json<{ id: string }>(await server.api('/api/v1/assessments/templates', { method: 'POST', json: { name: 'Evidence test', sections } }), 201)).id;
    const productId = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor.Acme}/products`, { method: 'POST', json: { name: 'Softphone', type: 'desktop-app' } }), 201)).id;
    const a = await create({ templateId: evidenceTemplate });
    const { url } = await json<{ url: string }>(await server.api(`/api/v1/assessments/${a.id}/invitations`, { method: 'POST', json: {} }), 201);
    assert.equal((await get(a.id)).status, 'sent');
    const portal = (await json<{ token: string }>(await fetch(`${server.url}/api/v1/portal/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: url.split('#')[1] }) }), 201)).token;
    const as = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${portal}`, ...(init.headers as Record<string, string>) } });
    const upload = async (name: string, type: string, body: string) => (await json<{ id: string; sha256: string }>(await as(`/api/v1/portal/files?name=${name}`, { method: 'POST', headers: { 'content-type': type }, body }), 201));
    const pdf = await upload('pentest.pdf', 'application/pdf', '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const sbom = await upload('softphone.cdx.json', 'application/json', JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, metadata: { component: { type: 'application', name: 'softphone', version: '18.12' } }, components: [{ type: 'library', name: 'electron', version: '19.1.9', purl: 'pkg:npm/electron@19.1.9' }] }));
    const broken = await upload('broken.json', 'application/json', JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '9.9', components: 'none' }));
    const put = (answers: unknown[]) => as(`/api/v1/portal/assessments/${a.id}/answers`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answers }) });

    const refused = await json<Problem>(await put([{ questionId: 'report', value: pdf.id }, { questionId: 'sbom', value: { fileId: broken.id, productId } }]), 422);
    assert.deepEqual(refused.errors.map((e) => e.field), ['sbom']);
    assert.deepEqual((await get(a.id)).answers, [], 'the file answer of the refused batch is not saved either');
    // A good SBOM beside a broken one: the batch is refused and the good one is not ingested either.
    const both = await json<Problem>(await put([{ questionId: 'sbom', value: { fileId: sbom.id, productId } }, { questionId: 'sbom-updater', value: { fileId: broken.id, productId } }]), 422);
    assert.deepEqual(both.errors.map((e) => e.field), ['sbom-updater']);
    assert.deepEqual((await json<{ items: unknown[] }>(await server.api(`/api/v1/products/${productId}/sboms`))).items, [], 'no SBOM of a refused batch is stored');
    assert.deepEqual((await get(a.id)).answers, []);

    await json(await put([{ questionId: 'report', value: pdf.id }, { questionId: 'sbom', value: { fileId: sbom.id, productId } }]));
    const answered = await get(a.id);
    const sbomAnswer = answered.answers.find((x) => x.questionId === 'sbom')!;
    assert.equal(typeof sbomAnswer.meta.sbomId, 'string');
    const ingested = await json<{ productId: string }>(await server.api(`/api/v1/sboms/${sbomAnswer.meta.sbomId as string}`));
    assert.equal(ingested.productId, productId);
    assert.equal((await events(a.id)).find((e) => e.action === 'assessment.answer' && e.after?.includes('"sbom"'))?.after?.includes(sbomAnswer.meta.sbomId as string), true, 'the answer event names the SBOM it produced');

    assert.deepEqual(answered.evidence.map((e) => e.name).sort(), ['pentest.pdf', 'softphone.cdx.json']);
    const oscal = await server.tw.services.assessments.oscalInput(a.id);
    assert.deepEqual(
      oscal.evidence.map((e) => [e.fileId, e.name, e.sha256]).sort(),
      [[pdf.id, 'pentest.pdf', pdf.sha256], [sbom.id, 'softphone.cdx.json', sbom.sha256]].sort(),
    );
    // An analyst cannot point a file answer at another vendor's file.
    const other = await create({ vendorId: vendor.Globex, templateId: evidenceTemplate });
    const foreign = await json<Problem>(await save(other.id, [{ questionId: 'report', value: pdf.id }]), 422);
    assert.match(foreign.errors[0].reason, /names no file uploaded for this vendor/);
  });

  test('remediation items: raised from a question, listed per assessment and vendor, closed by PATCH', async () => {
    const service = server.tw.services.assessments;
    const a = await create();
    const start = await service.openRemediations(vendor.Acme);
    const item = await json<Remediation>(
      await server.api(`/api/v1/assessments/${a.id}/remediations`, { method: 'POST', role: 'analyst', json: { questionId: 'rto', title: 'Bring RTO under 24 hours', dueAt: daysFromToday(-1) } }),
      201,
    );
    assert.equal(item.status, 'open');
    assert.equal(item.vendorId, vendor.Acme);
    assert.equal(item.vendorName, 'Acme');
    assert.equal(item.overdue, true);
    await json(await server.api(`/api/v1/assessments/${a.id}/remediations`, { method: 'POST', json: { questionId: 'unknown-question', title: 'x' } }), 400);
    assert.equal(await service.openRemediations(vendor.Acme), start + 1);

    const listed = await json<{ items: Remediation[] }>(await server.api(`/api/v1/assessments/${a.id}/remediations`, { role: 'viewer' }));
    assert.deepEqual(listed.items.map((r) => r.id), [item.id]);
    const byVendor = await json<{ items: Remediation[] }>(await server.api(`/api/v1/assessment-remediations?vendorId=${vendor.Acme}&status=open`));
    assert.ok(byVendor.items.some((r) => r.id === item.id));

    const closed = await json<Remediation>(await server.api(`/api/v1/assessment-remediations/${item.id}`, { method: 'PATCH', role: 'analyst', json: { status: 'closed' } }));
    assert.equal(closed.status, 'closed');
    assert.ok(closed.closedAt);
    assert.equal(closed.overdue, false);
    assert.equal(await service.openRemediations(vendor.Acme), start);
    const actions = (await events(item.id)).map((e) => e.action);
    assert.deepEqual(actions, ['assessment.remediation.create', 'assessment.remediation.update']);
    await json(await server.api(`/api/v1/assessment-remediations/01900000-0000-7000-8000-000000000000`, { method: 'PATCH', json: { status: 'closed' } }), 404);
  });
});
