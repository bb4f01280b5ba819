import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { buildPe } from '../integrity/test-support/pe-builder.js';
import type { Vendor } from '../vendors/vendors.schemas.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return text ? (JSON.parse(text) as T) : (undefined as T);
}

const question = (id: string, type: string, tags: string[], extra: Record<string, unknown> = {}) => ({ id, text: `Question ${id}?`, type, controls: ['CP-10'], weight: 1, required: false, tags, ...extra });

/** A small template with one question per tag the resilience checks read. */
const TEMPLATE = {
  name: 'Resilience test',
  sections: [
    {
      title: 'Targets and claims',
      questions: [
        question('rto', 'number', ['rto'], { unit: 'hours', perService: true }),
        question('rpo', 'number', ['rpo'], { unit: 'minutes', perService: true }),
        question('sbom', 'yesno', ['publishes-sbom'], { controls: ['SR-4'] }),
        question('signs', 'yesno', ['signs-releases'], { controls: ['SI-7'] }),
        question('notify', 'number', ['notify-hours'], { unit: 'hours', controls: ['IR-6'] }),
      ],
    },
  ],
};

interface Resilience {
  assessment: { id: string; status: string } | null;
  services: Array<{ name: string }>;
  gaps: Array<{ serviceName: string; metric: string; targetMinutes: number; vendorMinutes: number | null }>;
  contradictions: Array<{ kind: string; claim: string; observed: string }>;
}

describeEachEngine('resilience gaps, contradictions, residual risk and recurring reviews', ({ engine }) => {
  let server: TestServer;
  let acme = '';
  let product = '';
  let templateId = '';
  const service: Record<string, string> = {};
  const drain = () => createWorker(server.tw).drain();
  const resilience = async () => json<Resilience>(await server.api(`/api/v1/vendors/${acme}/resilience`, { role: 'viewer' }));
  const resilienceRisks = async () =>
    (await json<{ items: Array<{ title: string; status: string; closeReason: string | null }> }>(await server.api('/api/v1/risks?source=resilience&status=all'))).items;

  /** An assessment of Acme on the test template, answered, submitted and (optionally) closed with every answer accepted. */
  async function assess(answers: Array<{ questionId: string; value: unknown }>, close: boolean) {
    const created = await json<{ id: string }>(await server.api('/api/v1/assessments', { method: 'POST', role: 'analyst', json: { vendorId: acme, templateId, dueAt: '2030-01-31' } }), 201);
    await json(await server.api(`/api/v1/assessments/${created.id}/answers`, { method: 'PUT', role: 'analyst', json: { answers } }));
    await json(await server.api(`/api/v1/assessments/${created.id}/submit`, { method: 'POST', role: 'analyst', json: {} }));
    if (close) {
      const decisions = answers.map((a) => ({ questionId: a.questionId, verdict: 'accept' }));
      await json(await server.api(`/api/v1/assessments/${created.id}/review`, { method: 'POST', role: 'analyst', json: { decisions, close: true } }));
    }
    return created.id;
  }

  before(async () => {
    server = await startTestServer(engine);
    acme = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme Payroll', criticality: 4, accessLevel: 'integrated', dataCategories: ['personal'], substitutability: 3, shipsSoftware: true } }), 201)).id;
    product = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${acme}/products`, { method: 'POST', json: { name: 'Payroll Agent', type: 'agent' } }), 201)).id;
    await json(await server.api(`/api/v1/vendors/${acme}/contracts`, { method: 'POST', json: { title: 'Master agreement', breachNotificationClause: true, breachNotificationHours: 24 } }), 201);
    templateId = (await json<{ id: string }>(await server.api('/api/v1/assessments/templates', { method: 'POST', role: 'analyst', json: TEMPLATE }), 201)).id;
    for (const [name, targets] of [['Payroll', { rtoMinutes: 240, rpoMinutes: 60 }], ['Web shop', { rtoMinutes: 60 }]] as const) {
      service[name] = (await json<{ id: string }>(await server.api('/api/v1/business-services', { method: 'POST', role: 'analyst', json: { name, ...targets, vendorIds: [acme] } }), 201)).id;
    }
  });
  after(async () => {
    await server?.close();
  });

  test('never assessed: no gaps, no contradictions, and residual risk is the inherent score with a term that says so', async () => {
    await drain();
    const r = await resilience();
    assert.equal(r.assessment, null);
    assert.deepEqual(r.services.map((s) => s.name), ['Payroll', 'Web shop']);
    assert.deepEqual(r.gaps, []);
    assert.deepEqual(r.contradictions, []);
    const vendor = await json<Vendor>(await server.api(`/api/v1/vendors/${acme}`));
    assert.ok(vendor.residualRisk);
    assert.equal(vendor.residualRisk.score, vendor.inherentRisk.score);
    assert.equal(vendor.residualRisk.assessedAt, null);
    assert.deepEqual(
      vendor.residualRisk.terms.map((t) => [t.key, t.points, t.detail]),
      [
        ['inherent', vendor.inherentRisk.score, 'the vendor\'s inherent score before any control is considered'],
        ['controlCoverage', 0, 'never assessed: no reduction'],
        ['openRemediations', 0, 'none open'],
        ['openFindings', 0, 'none open'],
        ['evidenceAge', 0, 'never assessed'],
      ],
    );
  });

  test('gaps from the assessment\'s per-service numbers: stored, shown, raised as risks, resolved when a target or link changes', async () => {
    const id = await assess(
      [
        { questionId: 'rto', value: [{ serviceId: service.Payroll, value: 8 }, { serviceId: service['Web shop'], value: 1 }] },
        { questionId: 'rpo', value: [{ serviceId: service.Payroll, value: 30 }] },
        { questionId: 'sbom', value: 'yes' },
        { questionId: 'signs', value: 'yes' },
        { questionId: 'notify', value: 48 },
      ],
      true,
    );
    await drain();
    let r = await resilience();
    assert.equal(r.assessment?.id, id);
    assert.equal(r.assessment?.status, 'closed');
    // Payroll: RTO 8 h against 4 h is a gap; RPO 30 min within 60 min is not. Web shop: 1 h meets 1 h.
    assert.deepEqual(r.gaps.map((g) => [g.serviceName, g.metric, g.targetMinutes, g.vendorMinutes]), [['Payroll', 'rto', 240, 480]]);
    let risks = await resilienceRisks();
    assert.deepEqual(risks.map((x) => [x.title, x.status]), [['Resilience gap: Acme Payroll RTO 8 h for Payroll exceeds the target 4 h', 'open']]);
    // A closed assessment is the vendor's review: the next one is scheduled from it.
    const vendor = await json<Vendor>(await server.api(`/api/v1/vendors/${acme}`));
    assert.ok(vendor.lastReviewedAt);

    // The target relaxed: the gap closes and its risk is resolved. Tightened elsewhere: a new gap.
    await json(await server.api(`/api/v1/business-services/${service.Payroll}`, { method: 'PATCH', role: 'analyst', json: { rtoMinutes: 600 } }));
    await json(await server.api(`/api/v1/business-services/${service['Web shop']}`, { method: 'PATCH', role: 'analyst', json: { rtoMinutes: 30 } }));
    await drain();
    r = await resilience();
    assert.deepEqual(r.gaps.map((g) => [g.serviceName, g.metric, g.targetMinutes, g.vendorMinutes]), [['Web shop', 'rto', 30, 60]]);
    risks = await resilienceRisks();
    assert.deepEqual(
      risks.map((x) => [x.title, x.status, x.closeReason]).sort(),
      [
        ['Resilience gap: Acme Payroll RTO 1 h for Web shop exceeds the target 0.5 h', 'open', null],
        ['Resilience gap: Acme Payroll RTO 8 h for Payroll exceeds the target 4 h', 'closed', 'resolved'],
      ],
    );

    // A new service the assessment gives no number for: missing is a gap too.
    const crm = (await json<{ id: string }>(await server.api('/api/v1/business-services', { method: 'POST', role: 'analyst', json: { name: 'CRM', rpoMinutes: 15, vendorIds: [acme] } }), 201)).id;
    // Unlinking the Web shop closes its gap.
    await json(await server.api(`/api/v1/business-services/${service['Web shop']}/vendors`, { method: 'PUT', role: 'analyst', json: { vendorIds: [] } }));
    await drain();
    r = await resilience();
    assert.deepEqual(r.gaps.map((g) => [g.serviceName, g.metric, g.vendorMinutes]), [['CRM', 'rpo', null]]);
    const services = await json<{ items: Array<{ name: string; openGaps: number }> }>(await server.api('/api/v1/business-services'));
    assert.deepEqual(services.items.map((s) => [s.name, s.openGaps]), [['CRM', 1], ['Payroll', 0], ['Web shop', 0]]);
    // Deleting the service closes the gap and resolves its risk.
    await json(await server.api(`/api/v1/business-services/${crm}`, { method: 'DELETE', role: 'analyst' }), 204);
    await drain();
    assert.deepEqual((await resilience()).gaps, []);
    assert.equal((await resilienceRisks()).filter((x) => x.status === 'open').length, 0);
  });

  test('contradictions: SBOMs claimed but none held, signing claimed but an unsigned artifact observed, notification slower than the contract', async () => {
    let r = await resilience();
    assert.deepEqual(r.contradictions.map((c) => c.kind), ['sbom-not-published', 'notification-hours']);
    assert.equal(r.contradictions[1].observed, 'contract "Master agreement" requires notification within 24 h');

    await json(await server.api(`/api/v1/artifacts/check?productId=${product}&version=3.1&filename=agent-setup.exe`, { method: 'POST', body: new Uint8Array(buildPe()), headers: { 'content-type': 'application/octet-stream' }, role: 'analyst' }));
    const sbom = JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, metadata: { component: { type: 'application', name: 'payroll-agent', version: '3.1', 'bom-ref': 'root' } }, components: [] });
    await json(await server.api(`/api/v1/products/${product}/sboms?release=3.1`, { method: 'POST', body: sbom, headers: { 'content-type': 'application/vnd.cyclonedx+json' }, role: 'analyst' }), 201);
    r = await resilience();
    assert.deepEqual(r.contradictions.map((c) => c.kind), ['unsigned-releases', 'notification-hours']);
    assert.match(r.contradictions[0].observed, /1 observed artifact is unsigned or fail verification: agent-setup\.exe 3\.1 \(unsigned\)/);
  });

  test('residual risk: closed-assessment control coverage reduces, open remediation items raise; the list carries it too; weights apply at once', async () => {
    let vendor = await json<Vendor>(await server.api(`/api/v1/vendors/${acme}`));
    const inherent = vendor.inherentRisk.score;
    const terms = () => Object.fromEntries(vendor.residualRisk!.terms.map((t) => [t.key, t]));
    // Every control of the test template was answered yes or with a number: all four met (CP-10, SR-4, SI-7, IR-6), 50 % of the inherent score off.
    assert.equal(terms().controlCoverage.points, -Math.round(inherent * 0.5 * 10) / 10);
    assert.match(terms().controlCoverage.detail, /^100% of 4 controls met in Resilience test \(closed \d{4}-\d{2}-\d{2}\)$/);
    assert.match(terms().evidenceAge.detail, /^0 days old; the tier's review cadence is \d+ days$/);

    const latest = (await resilience()).assessment!.id;
    await json(await server.api(`/api/v1/assessments/${latest}/remediations`, { method: 'POST', role: 'analyst', json: { title: 'Shorten the payroll RTO', questionId: 'rto' } }), 201);
    vendor = await json<Vendor>(await server.api(`/api/v1/vendors/${acme}`));
    assert.deepEqual([terms().openRemediations.points, terms().openRemediations.detail], [3, '1 item open']);
    assert.equal(vendor.residualRisk!.score, Math.round((inherent + terms().controlCoverage.points + 3) * 10) / 10);

    const listed = await json<{ items: Vendor[] }>(await server.api('/api/v1/vendors?limit=10'));
    assert.deepEqual(listed.items.find((v) => v.id === acme)?.residualRisk, vendor.residualRisk);

    const weights = await json<Record<string, unknown>>(await server.api('/api/v1/settings/residual-risk'));
    await json(await server.api('/api/v1/settings/residual-risk', { method: 'PUT', json: { ...weights, coverageReduction: 0, remediationPoints: 10 } }));
    vendor = await json<Vendor>(await server.api(`/api/v1/vendors/${acme}`));
    assert.deepEqual([terms().controlCoverage.points, terms().openRemediations.points], [0, 10]);
    await json(await server.api('/api/v1/settings/residual-risk', { method: 'PUT', json: weights }));
  });

  test('recurring reviews: a draft assessment with the tier\'s template when the review falls due within the lead time, once per cycle; overdue ones on the dashboard', async () => {
    const create = async (name: string, body: Record<string, unknown>) => (await json<Vendor>(await server.api('/api/v1/vendors', { method: 'POST', json: { name, ...body } }), 201));
    const critical = { criticality: 4, substitutability: 4, accessLevel: 'privileged', dataCategories: ['special-category'], shipsSoftware: true, autoUpdate: true, regulatoryScope: ['dora', 'nis2', 'gdpr'] };
    const due = await create('Due Soon Ltd', critical);
    const later = await create('Reviewed Lately Ltd', critical);
    const low = await create('Low Tier Ltd', { criticality: 1, substitutability: 1, accessLevel: 'none', dataCategories: ['none'], shipsSoftware: false });
    assert.equal(due.tier, 'T1');
    assert.equal(low.tier, 'T4');
    // T1 reviews every 90 days: reviewed 80 days ago, the next is due in 10 days (within the 30-day lead); reviewed today, not yet.
    await json(await server.api(`/api/v1/vendors/${due.id}/reviews`, { method: 'POST', json: { reviewedAt: new Date(Date.now() - 80 * 86_400_000).toISOString() } }));
    await json(await server.api(`/api/v1/vendors/${later.id}/reviews`, { method: 'POST', json: {} }));
    // T4 reviews every 730 days: due tomorrow, but T4 has no template by default.
    await json(await server.api(`/api/v1/vendors/${low.id}/reviews`, { method: 'POST', json: { reviewedAt: new Date(Date.now() - 729 * 86_400_000).toISOString() } }));

    const ctx = systemContext('review scheduler');
    const assessmentsOf = async (vendorId: string) => (await json<{ items: Array<{ id: string; status: string; templateName: string; dueAt: string }> }>(await server.api(`/api/v1/assessments?vendorId=${vendorId}`))).items;
    const before = (await assessmentsOf(acme)).length;
    assert.deepEqual(await server.tw.services.resilience.scheduleReviews(ctx), { created: 1 });
    const drafts = await assessmentsOf(due.id);
    assert.deepEqual(drafts.map((a) => [a.status, a.templateName]), [['draft', 'Supply-chain security baseline']]);
    // Due on the review date, but with at least the lead time to answer.
    assert.equal(drafts[0].dueAt, new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
    assert.deepEqual(await assessmentsOf(later.id), []);
    assert.deepEqual(await assessmentsOf(low.id), []);
    assert.equal((await assessmentsOf(acme)).length, before);

    // Once per cycle: not again while it is open, nor after it was cancelled.
    assert.deepEqual(await server.tw.services.resilience.scheduleReviews(ctx), { created: 0 });
    await json(await server.api(`/api/v1/assessments/${drafts[0].id}/cancel`, { method: 'POST', role: 'analyst', json: {} }));
    assert.deepEqual(await server.tw.services.resilience.scheduleReviews(ctx), { created: 0 });

    // The cadence setting: templates by id or shipped key; an unknown one is refused naming the tier.
    const cadence = await json<{ leadDays: number; templates: Record<string, string | null> }>(await server.api('/api/v1/settings/assessment-cadence'));
    const refused = await json<{ errors: Array<{ field: string }> }>(await server.api('/api/v1/settings/assessment-cadence', { method: 'PUT', json: { ...cadence, templates: { ...cadence.templates, T4: 'no-such-template' } } }), 400);
    assert.deepEqual(refused.errors.map((e) => e.field), ['/templates/T4']);
    await json(await server.api('/api/v1/settings/assessment-cadence', { method: 'PUT', json: { leadDays: 5, templates: { ...cadence.templates, T4: templateId } } }));
    assert.deepEqual(await server.tw.services.resilience.scheduleReviews(ctx), { created: 1 });
    assert.deepEqual((await assessmentsOf(low.id)).map((a) => a.templateName), ['Resilience test']);

    // Overdue: past its due date while the vendor owes the answers.
    const late = await json<{ id: string }>(await server.api('/api/v1/assessments', { method: 'POST', role: 'analyst', json: { vendorId: later.id, templateId, dueAt: '2020-01-31' } }), 201);
    const dashboard = await json<{ assessmentsOverdue: number; overdueAssessments: Array<{ id: string; vendorName: string; dueAt: string }> }>(await server.api('/api/v1/dashboard', { role: 'viewer' }));
    assert.equal(dashboard.assessmentsOverdue, 1);
    assert.deepEqual(dashboard.overdueAssessments.map((a) => [a.id, a.vendorName, a.dueAt]), [[late.id, 'Reviewed Lately Ltd', '2020-01-31']]);
  });
});
