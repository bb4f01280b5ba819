import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareTargets, findContradictions, isGap, minutesPerUnit, type ObservedFacts, type TaggedQuestion } from './resilience.compare.js';

const questions: TaggedQuestion[] = [
  { id: 'rto', text: 'RTO per service', type: 'number', unit: 'hours', tags: ['rto'] },
  { id: 'rpo', text: 'RPO per service', type: 'number', unit: 'minutes', tags: ['rpo'] },
  { id: 'mtd', text: 'MTD', type: 'number', tags: ['mtd'] },
  { id: 'sbom', text: 'Do you publish SBOMs?', type: 'yesno', tags: ['publishes-sbom'] },
  { id: 'sign', text: 'Do you sign your releases?', type: 'yesno', tags: ['signs-releases'] },
  { id: 'notify', text: 'Hours to notify us of a breach', type: 'number', unit: 'hours', tags: ['notify-hours'] },
];
const services = [
  { id: 'payroll', name: 'Payroll', rtoMinutes: 240, rpoMinutes: 60, mtdMinutes: 1440 },
  { id: 'web', name: 'Web shop', rtoMinutes: 60, rpoMinutes: null, mtdMinutes: null },
];

test('units: hours unless the question says minutes, days or weeks', () => {
  assert.deepEqual([undefined, 'hours', 'h', 'minutes', 'min', 'days', 'weeks', 'business hours'].map(minutesPerUnit), [60, 60, 60, 1, 1, 1440, 10080, 60]);
});

test('targets: the vendor\'s number per service in minutes, the worst when several questions ask; gaps are worse or missing; targets left null are not compared', () => {
  const answers = new Map<string, unknown>([
    ['rto', [{ serviceId: 'payroll', value: 8 }, { serviceId: 'web', value: 1 }]],
    ['rpo', [{ serviceId: 'payroll', value: 30 }]],
    // A plain number covers every service.
    ['mtd', 48],
  ]);
  const compared = compareTargets(questions, answers, services);
  assert.deepEqual(
    compared.map((c) => [c.serviceId, c.metric, c.targetMinutes, c.vendorMinutes, isGap(c)]),
    [
      ['payroll', 'rto', 240, 480, true],
      ['payroll', 'rpo', 60, 30, false],
      ['payroll', 'mtd', 1440, 2880, true],
      // Equal to the target is no gap.
      ['web', 'rto', 60, 60, false],
    ],
  );
  assert.ok(compared.every((c) => c.asked));
  // Nothing answered, junk values: missing, so every target is a gap.
  const unanswered = compareTargets(questions, new Map<string, unknown>([['rto', [{ serviceId: 'payroll', value: 'soon' }]]]), services);
  assert.deepEqual(unanswered.map((c) => `${c.serviceId}:${c.metric}:${c.vendorMinutes}:${isGap(c)}`), ['payroll:rto:null:true', 'payroll:rpo:null:true', 'payroll:mtd:null:true', 'web:rto:null:true']);
  // A template that does not ask a metric says so.
  const worst = compareTargets([...questions, { id: 'rto2', text: 'RTO again', type: 'number', unit: 'days', tags: ['rto'] }], new Map<string, unknown>([['rto', 2], ['rto2', 1]]), [services[1]]);
  assert.deepEqual(worst.map((c) => c.vendorMinutes), [1440]);
  assert.deepEqual(compareTargets(questions.filter((q) => q.id !== 'rto'), new Map(), [services[1]]).map((c) => c.asked), [false]);
});

test('contradictions: SBOM claim without a current SBOM, signing claim with unsigned artifacts, notification hours above the contract', () => {
  const facts: ObservedFacts = {
    products: 2,
    currentSboms: 0,
    unsignedArtifacts: [{ fileName: 'setup.exe', version: '1.2', signatureStatus: 'unsigned' }],
    unsignedTotal: 3,
    contracts: [{ title: 'MSA', breachNotificationHours: 48 }, { title: 'DPA', breachNotificationHours: 24 }],
  };
  const answers = new Map<string, unknown>([['sbom', 'yes'], ['sign', 'yes'], ['notify', 72]]);
  const found = findContradictions(questions, answers, facts);
  assert.deepEqual(found.map((c) => c.kind), ['sbom-not-published', 'unsigned-releases', 'notification-hours']);
  assert.match(found[0].observed, /none of its 2 products have a current SBOM/);
  assert.match(found[1].observed, /3 observed artifacts are unsigned or fail verification: setup\.exe 1\.2 \(unsigned\), …/);
  assert.equal(found[2].observed, 'contract "DPA" requires notification within 24 h');
  assert.equal(found[2].claim, 'commits to notify within 72 h');

  const consistent = findContradictions(questions, new Map<string, unknown>([['sbom', 'no'], ['sign', 'partial'], ['notify', 24]]), facts);
  assert.deepEqual(consistent, []);
  assert.deepEqual(findContradictions(questions, answers, { ...facts, currentSboms: 1, unsignedTotal: 0, unsignedArtifacts: [], contracts: [] }), []);
});
