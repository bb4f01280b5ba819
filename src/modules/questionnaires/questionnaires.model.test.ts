import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { AppError } from '../../platform/errors.js';
import { controlsOf, QUESTION_TYPES, scoreAnswers, validateAnswer, validateTemplateContent, visibleQuestions, type Question, type Section } from './questionnaires.model.js';
import { SHIPPED_TEMPLATES } from './questionnaires.shipped.js';
import { parseOscal } from '../oscal/oscal.parse.js';

const SERVICE_A = '0190a000-0000-7000-8000-00000000000a';
const SERVICE_B = '0190a000-0000-7000-8000-00000000000b';
const FILE = '0190a000-0000-7000-8000-0000000000f1';
const PRODUCT = '0190a000-0000-7000-8000-0000000000b1';

const question = (over: Partial<Question> & Pick<Question, 'id' | 'type'>): Question => ({ text: `Question ${over.id}?`, controls: [], weight: 1, required: true, ...over });
const one = (questions: Question[], title = 'S'): Section[] => [{ title, questions }];

/** The field paths of the 400 problem validateTemplateContent throws for `input`. */
function problemFields(input: unknown): string[] {
  try {
    validateTemplateContent(input);
  } catch (error) {
    assert.ok(error instanceof AppError, `not an AppError: ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.id, 'validation_failed');
    assert.ok(error.errors.length > 0);
    assert.match(error.message, /^\/sections/);
    return error.errors.map((e) => e.field);
  }
  assert.fail('expected a validation problem');
}

describe('validateTemplateContent', () => {
  // The sync at every start recognises a shipped template already in the database by the digest of
  // it as written, without validating it: that holds only while validation changes nothing in it.
  test('every shipped template is written in its validated form (defaults filled in)', () => {
    for (const t of SHIPPED_TEMPLATES) assert.deepEqual(validateTemplateContent(structuredClone(t.sections)), t.sections, t.key);
  });

  test('accepts every shipped template, which together use every question type', () => {
    const types = new Set<string>();
    for (const t of SHIPPED_TEMPLATES) {
      const sections = validateTemplateContent(t.sections);
      for (const q of sections.flatMap((s) => s.questions)) types.add(q.type);
      assert.ok(controlsOf(sections).length >= 8, `${t.key} maps few controls`);
    }
    assert.deepEqual([...types].sort(), [...QUESTION_TYPES].sort());
  });

  test('shipped templates carry the tags other modules read answers by, on questions of the right type', () => {
    const byTag = new Map<string, Question>();
    for (const q of SHIPPED_TEMPLATES.flatMap((t) => t.sections.flatMap((s) => s.questions))) for (const tag of q.tags ?? []) byTag.set(tag, q);
    for (const tag of ['rto', 'rpo', 'mtd']) {
      assert.equal(byTag.get(tag)?.type, 'number', tag);
      assert.equal(byTag.get(tag)?.perService, true, tag);
      assert.equal(byTag.get(tag)?.unit, 'hours', tag);
    }
    assert.equal(byTag.get('notify-hours')?.type, 'number');
    assert.equal(byTag.get('notify-hours')?.compliant?.max, 24);
    assert.equal(byTag.get('bcp-test-date')?.type, 'date');
    assert.equal(byTag.get('publishes-sbom')?.type, 'yesno');
    assert.equal(byTag.get('signs-releases')?.type, 'yesno');
    for (const tag of ['bcp-test-result', 'notify-contact', 'crisis-contact', 'fourth-parties']) assert.ok(byTag.has(tag), tag);
    assert.deepEqual(SHIPPED_TEMPLATES.map((t) => t.key), ['supply-chain-baseline', 'software-supplier', 'business-resilience', 'incident-notification']);
  });

  test('shipped templates map only controls of the SP 800-53 rev5 catalog, none withdrawn', () => {
    const doc = parseOscal(readFileSync(new URL('../../../../shared/data/oscal/NIST_SP-800-53_rev5.0.1_catalog.json', import.meta.url)));
    assert.equal(doc.kind, 'catalog');
    const catalog = new Map(doc.kind === 'catalog' ? doc.catalog.controls.map((c) => [c.label, c]) : []);
    const wrong = SHIPPED_TEMPLATES.flatMap((t) => controlsOf(t.sections).filter((label) => !catalog.has(label) || catalog.get(label)!.withdrawn).map((label) => `${t.key}: ${label}`));
    assert.deepEqual(wrong, []);
    // The supply-chain baseline covers the whole SR family's base controls.
    const baseline = controlsOf(SHIPPED_TEMPLATES[0].sections);
    const srBase = [...catalog.values()].filter((c) => c.family.toUpperCase() === 'SR' && !c.parentLabel && !c.withdrawn).map((c) => c.label);
    assert.equal(srBase.length, 12);
    assert.deepEqual(srBase.filter((label) => !baseline.includes(label)), []);
  });

  test('names the field of each structural problem', () => {
    const good = question({ id: 'a', type: 'yesno', controls: ['SR-4(3)'] });
    assert.deepEqual(problemFields(null), ['/sections']);
    assert.deepEqual(problemFields([]), ['/sections']);
    assert.deepEqual(problemFields([{ title: 'S', questions: [] }]), ['/sections/0/questions']);
    assert.deepEqual(problemFields(one([{ ...good, id: 'Bad Id' }])), ['/sections/0/questions/0/id']);
    assert.deepEqual(problemFields(one([{ ...good, type: 'essay' as never }])), ['/sections/0/questions/0/type']);
    assert.deepEqual(problemFields(one([{ ...good, weight: -1 }])), ['/sections/0/questions/0/weight']);
    assert.deepEqual(problemFields(one([{ ...good, weight: '3' as never }])), ['/sections/0/questions/0/weight']);
    assert.deepEqual(problemFields(one([{ ...good, required: 'yes' as never }])), ['/sections/0/questions/0/required']);
    assert.deepEqual(problemFields(one([{ ...good, text: '' }])), ['/sections/0/questions/0/text']);
    for (const label of ['sr-4', 'SR4', 'SR-4(3', 'SR-4 (3)', 'SR-123', 'SR-4(3)(1)', ' SR-4']) {
      assert.deepEqual(problemFields(one([{ ...good, controls: ['SR-1', label] }])), ['/sections/0/questions/0/controls/1'], label);
    }
    assert.deepEqual(problemFields(one([{ ...good, iso27036: ['ISO 27036 clause 6'] }])), ['/sections/0/questions/0/iso27036/0']);
    assert.deepEqual(problemFields(one([{ ...good, extra: 1 } as never])), ['/sections/0/questions/0/extra']);
    assert.deepEqual(problemFields([{ title: 'S', questions: [good], __proto__x: 1 }]), ['/sections/0/__proto__x']);
    assert.deepEqual(problemFields(JSON.parse('[{"title":"S","questions":[{"id":"a","text":"t","type":"yesno","controls":[],"weight":1,"required":true,"__proto__":{"polluted":true}}]}]')), ['/sections/0/questions/0/__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('deeply nested and huge content is refused, not walked', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const nested = problemFields(one([question({ id: 'a', type: 'text', showWhen: deep as never })]));
    assert.ok(nested.every((f) => f.startsWith('/sections/0/questions/0/showWhen')), nested.join(', '));
    const many = Array.from({ length: 120 }, (_, s) => ({ title: `S${s}`, questions: [question({ id: `q${s}`, type: 'text' })] }));
    assert.deepEqual(problemFields(many), ['/sections']);
    const crowded = Array.from({ length: 6 }, (_, s) => ({ title: `S${s}`, questions: Array.from({ length: 100 }, (_, i) => question({ id: `q${s}-${i}`, type: 'text' })) }));
    const fields = problemFields(crowded);
    assert.deepEqual(fields, ['/sections']);
    assert.deepEqual(problemFields(one([question({ id: 'a', type: 'text', text: 'x'.repeat(2001) })])), ['/sections/0/questions/0/text']);
  });

  test('refuses what the shape allows but the model does not', () => {
    const yn = question({ id: 'a', type: 'yesno' });
    assert.deepEqual(problemFields([{ title: 'A', questions: [yn] }, { title: 'B', questions: [{ ...yn }] }]), ['/sections/1/questions/0/id']);
    assert.deepEqual(problemFields(one([question({ id: 'c', type: 'choice' })])), ['/sections/0/questions/0/options']);
    assert.deepEqual(problemFields(one([question({ id: 'c', type: 'multichoice', options: ['a', 'a'] })])), ['/sections/0/questions/0/options']);
    assert.deepEqual(problemFields(one([question({ id: 'c', type: 'choice', options: ['only'] })])), ['/sections/0/questions/0/options']);
    assert.deepEqual(problemFields(one([question({ id: 't', type: 'text', options: ['a', 'b'] })])), ['/sections/0/questions/0/options']);
    assert.deepEqual(problemFields(one([question({ id: 't', type: 'text', unit: 'hours' })])), ['/sections/0/questions/0/unit']);
    assert.deepEqual(problemFields(one([question({ id: 't', type: 'date', perService: true })])), ['/sections/0/questions/0/perService']);
    assert.deepEqual(problemFields(one([question({ id: 'a', type: 'yesno', controls: ['SR-4', 'SR-4'] })])), ['/sections/0/questions/0/controls']);
    assert.deepEqual(problemFields(one([question({ id: 'a', type: 'yesno', compliant: { anyOf: ['maybe'] } })])), ['/sections/0/questions/0/compliant/anyOf/0']);
    assert.deepEqual(problemFields(one([question({ id: 'c', type: 'choice', options: ['x', 'y'], compliant: { anyOf: ['x', 'z'] } })])), ['/sections/0/questions/0/compliant/anyOf/1']);
    assert.deepEqual(problemFields(one([question({ id: 't', type: 'text', compliant: { anyOf: ['x'] } })])), ['/sections/0/questions/0/compliant/anyOf']);
    assert.deepEqual(problemFields(one([question({ id: 'n', type: 'number', compliant: { min: 5, max: 1 } })])), ['/sections/0/questions/0/compliant/max']);
    assert.deepEqual(problemFields(one([question({ id: 'd', type: 'date', compliant: { max: 1 } })])), ['/sections/0/questions/0/compliant']);
    assert.deepEqual(problemFields(one([question({ id: 'n', type: 'number', compliant: { withinDays: 30 } })])), ['/sections/0/questions/0/compliant/withinDays']);
    assert.deepEqual(problemFields(one([question({ id: 'd', type: 'date', compliant: { withinDays: 0 } })])), ['/sections/0/questions/0/compliant/withinDays']);
  });

  test('showWhen must name an earlier question that can take the listed answers', () => {
    const first = question({ id: 'first', type: 'yesno' });
    assert.deepEqual(problemFields(one([first, question({ id: 'b', type: 'text', showWhen: { questionId: 'nowhere', anyOf: ['yes'] } })])), ['/sections/0/questions/1/showWhen/questionId']);
    assert.deepEqual(problemFields(one([question({ id: 'b', type: 'text', showWhen: { questionId: 'later', anyOf: ['yes'] } }), question({ id: 'later', type: 'yesno' })])), ['/sections/0/questions/0/showWhen/questionId']);
    assert.deepEqual(problemFields(one([question({ id: 'self', type: 'yesno', showWhen: { questionId: 'self', anyOf: ['yes'] } })])), ['/sections/0/questions/0/showWhen/questionId']);
    assert.deepEqual(problemFields(one([first, question({ id: 'b', type: 'text', showWhen: { questionId: 'first', anyOf: ['si'] } })])), ['/sections/0/questions/1/showWhen/anyOf/0']);
    assert.deepEqual(problemFields(one([question({ id: 't', type: 'text' }), question({ id: 'b', type: 'text', showWhen: { questionId: 't', anyOf: ['x'] } })])), ['/sections/0/questions/1/showWhen/questionId']);
    assert.deepEqual(problemFields(one([first, question({ id: 'b', type: 'text', showWhen: { questionId: 'first', anyOf: [] } })])), ['/sections/0/questions/1/showWhen/anyOf']);
    // Across sections, an earlier section's question is fine.
    const ok = validateTemplateContent([{ title: 'A', questions: [first] }, { title: 'B', questions: [question({ id: 'b', type: 'text', showWhen: { questionId: 'first', anyOf: ['no'] } })] }]);
    assert.equal(ok.length, 2);
  });

  test('names every problem, under the base path it is given', () => {
    try {
      validateTemplateContent(one([question({ id: 'a', type: 'choice' }), question({ id: 'a', type: 'yesno', compliant: { anyOf: ['x'] } })]), '/content');
      assert.fail('expected a problem');
    } catch (error) {
      assert.ok(error instanceof AppError);
      assert.deepEqual(error.errors.map((e) => e.field), ['/content/0/questions/0/options', '/content/0/questions/1/id', '/content/0/questions/1/compliant/anyOf/0']);
      assert.match(error.message, /\(and 2 more\)/);
    }
  });
});

describe('validateAnswer', () => {
  const valid = (q: Question, value: unknown, expected: unknown = value) => {
    const r = validateAnswer(q, value);
    assert.ok(r.ok, `${q.type} ${JSON.stringify(value)}: ${r.ok ? '' : r.reason}`);
    assert.deepEqual(r.value, expected);
  };
  const invalid = (q: Question, value: unknown, reason?: RegExp) => {
    const r = validateAnswer(q, value);
    assert.equal(r.ok, false, `${q.type} ${JSON.stringify(value)} should be refused`);
    if (reason && !r.ok) assert.match(r.reason, reason);
  };

  test('nothing is an answer to no question', () => {
    for (const type of QUESTION_TYPES) {
      const q = question({ id: 'q', type, options: ['a', 'b'] });
      invalid(q, null, /no answer/);
      invalid(q, undefined, /no answer/);
    }
  });

  test('yesno: yes, no, partial, na; booleans and n/a are normalised', () => {
    const q = question({ id: 'q', type: 'yesno' });
    for (const v of ['yes', 'no', 'partial', 'na']) valid(q, v);
    valid(q, true, 'yes');
    valid(q, false, 'no');
    valid(q, ' Yes ', 'yes');
    valid(q, 'N/A', 'na');
    for (const v of ['maybe', '', 1, 0, [], {}, ['yes']]) invalid(q, v, /yes, no, partial or na/);
  });

  test('choice: one of the options (any letter case, given back as spelled in the template)', () => {
    const q = question({ id: 'q', type: 'choice', options: ['CycloneDX', 'SPDX'] });
    valid(q, 'SPDX');
    valid(q, 'cyclonedx', 'CycloneDX');
    for (const v of ['Other', '', 1, ['SPDX'], { value: 'SPDX' }]) invalid(q, v, /one of: CycloneDX, SPDX/);
  });

  test('multichoice: a list of distinct options, possibly empty', () => {
    const q = question({ id: 'q', type: 'multichoice', options: ['a', 'b', 'c'] });
    valid(q, ['a', 'c']);
    valid(q, []);
    valid(q, ['B'], ['b']);
    invalid(q, 'a', /list/);
    invalid(q, ['a', 'a'], /twice/);
    invalid(q, ['a', 'z'], /one of/);
    invalid(q, [1], /one of/);
  });

  test('number: finite numbers or numeric text; durations are not negative', () => {
    const q = question({ id: 'q', type: 'number', unit: 'hours' });
    valid(q, 4);
    valid(q, 0.5);
    valid(q, '24', 24);
    for (const v of [-1, NaN, Infinity, '4h', '', '1e400', 1e13, true, [4], { value: 4 }]) invalid(q, v);
    valid(question({ id: 'q', type: 'number', unit: 'percent' }), -5);
  });

  test('number per service: one non-negative value per distinct service id', () => {
    const q = question({ id: 'q', type: 'number', unit: 'hours', perService: true });
    valid(q, [{ serviceId: SERVICE_A, value: 4 }, { serviceId: SERVICE_B, value: '8' }], [{ serviceId: SERVICE_A, value: 4 }, { serviceId: SERVICE_B, value: 8 }]);
    valid(q, []);
    invalid(q, 4, /serviceId/);
    invalid(q, [{ serviceId: SERVICE_A, value: 4 }, { serviceId: SERVICE_A, value: 5 }], /twice/);
    invalid(q, [{ serviceId: 'payroll', value: 4 }], /business service id/);
    invalid(q, [{ serviceId: SERVICE_A, value: -1 }], /not negative/);
    invalid(q, [{ serviceId: SERVICE_A, value: 1, note: 'x' }], /serviceId, value/);
    invalid(q, [null], /serviceId, value/);
  });

  test('date: a real calendar date as YYYY-MM-DD', () => {
    const q = question({ id: 'q', type: 'date' });
    valid(q, '2026-02-28');
    valid(q, '2024-02-29');
    for (const v of ['2026-02-30', '2025-02-29', '2026-13-01', '26-01-01', '2026-1-1', '2026-01-01T00:00:00Z', 20260101, '']) invalid(q, v, /YYYY-MM-DD/);
  });

  test('text: non-empty, at most 10,000 characters', () => {
    const q = question({ id: 'q', type: 'text' });
    valid(q, 'Security desk, +44 20 7946 0000');
    valid(q, 'x'.repeat(10_000));
    invalid(q, 'x'.repeat(10_001), /10000/);
    invalid(q, '   ', /empty/);
    invalid(q, 42, /text/);
  });

  test('file: an uploaded file id; sbom: { fileId, productId }', () => {
    const file = question({ id: 'q', type: 'file' });
    valid(file, FILE);
    for (const v of ['evidence.pdf', FILE.toUpperCase(), { fileId: FILE }, '']) invalid(file, v, /uploaded file/);
    const sbom = question({ id: 's', type: 'sbom' });
    valid(sbom, { fileId: FILE, productId: PRODUCT });
    invalid(sbom, FILE, /fileId, productId/);
    invalid(sbom, { fileId: FILE }, /productId/);
    invalid(sbom, { fileId: 'x', productId: PRODUCT }, /fileId/);
    invalid(sbom, { fileId: FILE, productId: PRODUCT, extra: 1 }, /fileId, productId/);
  });
});

describe('visibleQuestions', () => {
  const sections: Section[] = [
    {
      title: 'A',
      questions: [
        question({ id: 'sbom', type: 'yesno' }),
        question({ id: 'format', type: 'choice', options: ['CycloneDX', 'SPDX'], showWhen: { questionId: 'sbom', anyOf: ['yes', 'partial'] } }),
        question({ id: 'spdx-version', type: 'text', showWhen: { questionId: 'format', anyOf: ['SPDX'] } }),
      ],
    },
    {
      title: 'B',
      questions: [
        question({ id: 'practices', type: 'multichoice', options: ['x', 'y', 'z'] }),
        question({ id: 'why-z', type: 'text', showWhen: { questionId: 'practices', anyOf: ['z'] } }),
      ],
    },
  ];
  const ids = (answers: Record<string, unknown>) => visibleQuestions(sections, new Map(Object.entries(answers))).map((q) => q.id);

  test('shows a question when the one it depends on has a listed answer', () => {
    assert.deepEqual(ids({}), ['sbom', 'practices']);
    assert.deepEqual(ids({ sbom: 'no' }), ['sbom', 'practices']);
    assert.deepEqual(ids({ sbom: 'partial' }), ['sbom', 'format', 'practices']);
    assert.deepEqual(ids({ sbom: 'yes', format: 'SPDX' }), ['sbom', 'format', 'spdx-version', 'practices']);
    assert.deepEqual(ids({ practices: ['x', 'z'] }), ['sbom', 'practices', 'why-z']);
    assert.deepEqual(ids({ practices: ['x'] }), ['sbom', 'practices']);
  });

  test('a hidden question hides the ones that depend on it, even with a stale answer', () => {
    assert.deepEqual(ids({ sbom: 'no', format: 'SPDX', 'spdx-version': '2.3' }), ['sbom', 'practices']);
  });
});

describe('scoreAnswers', () => {
  const AT = '2026-12-06T12:00:00.000Z';
  const none = new Map<string, 'accept' | 'reject'>();
  const score = (sections: Section[], answers: Record<string, unknown>, verdicts: Record<string, 'accept' | 'reject'> = {}) =>
    scoreAnswers(sections, new Map(Object.entries(answers)), new Map(Object.entries(verdicts)), AT);

  test('yesno: yes full credit, partial half, no none, na left out; weights apply', () => {
    const s = one([question({ id: 'a', type: 'yesno', weight: 3, controls: ['SR-1'] }), question({ id: 'b', type: 'yesno', weight: 1, controls: ['SR-2'] })]);
    assert.equal(score(s, { a: 'yes', b: 'no' }).overall, 75);
    assert.equal(score(s, { a: 'partial', b: 'yes' }).overall, 62.5);
    assert.equal(score(s, { a: 'na', b: 'yes' }).overall, 100);
    assert.equal(score(s, { a: 'na', b: 'na' }).overall, null);
    assert.equal(score(s, { a: 'no' }).overall, 0, 'unanswered counts as no credit');
    const r = score(s, { a: 'partial', b: 'na' });
    assert.deepEqual(r.controls, [{ label: 'SR-1', status: 'partial' }, { label: 'SR-2', status: 'na' }]);
    assert.deepEqual(r.sections, [{ title: 'S', score: 50, answered: 2, total: 2 }]);
  });

  test('yesno compliant.anyOf replaces the default yes', () => {
    const s = one([question({ id: 'a', type: 'yesno', compliant: { anyOf: ['no'] } })]);
    assert.equal(score(s, { a: 'no' }).overall, 100);
    assert.equal(score(s, { a: 'yes' }).overall, 0);
    assert.equal(score(s, { a: 'partial' }).overall, 50);
  });

  test('choice and multichoice: compliant options, partial credit by share; no anyOf means any answer', () => {
    const s = one([
      question({ id: 'c', type: 'choice', options: ['good', 'bad'], compliant: { anyOf: ['good'] } }),
      question({ id: 'm', type: 'multichoice', options: ['w', 'x', 'y', 'z'], compliant: { anyOf: ['w', 'x', 'y', 'z'] } }),
      question({ id: 'free', type: 'choice', options: ['p', 'q'], weight: 0 }),
    ]);
    assert.equal(score(s, { c: 'good', m: ['w', 'x', 'y', 'z'] }).overall, 100);
    assert.equal(score(s, { c: 'bad', m: ['w'] }).overall, 12.5);
    assert.equal(score(s, { c: 'good', m: [] }).overall, 50);
    const statuses = score(s, { c: 'bad', m: ['w', 'x'], free: 'q' });
    assert.deepEqual(statuses.sections[0], { title: 'S', score: 25, answered: 3, total: 3 });
  });

  test('number: within min and max; per service, the share of services within', () => {
    const s = one([
      question({ id: 'notify', type: 'number', unit: 'hours', compliant: { max: 24 }, controls: ['IR-6'] }),
      question({ id: 'rto', type: 'number', unit: 'hours', perService: true, compliant: { max: 8 }, controls: ['CP-10'] }),
    ]);
    assert.equal(score(s, { notify: 24, rto: [{ serviceId: SERVICE_A, value: 4 }, { serviceId: SERVICE_B, value: 12 }] }).overall, 75);
    const r = score(s, { notify: 72, rto: [{ serviceId: SERVICE_A, value: 8 }] });
    assert.equal(r.overall, 50);
    assert.deepEqual(r.controls, [{ label: 'CP-10', status: 'met' }, { label: 'IR-6', status: 'not-met' }]);
    const partial = score(s, { notify: 1, rto: [{ serviceId: SERVICE_A, value: 4 }, { serviceId: SERVICE_B, value: 12 }] });
    assert.deepEqual(partial.controls, [{ label: 'CP-10', status: 'partial' }, { label: 'IR-6', status: 'met' }]);
    // No services linked: nothing to judge.
    assert.deepEqual(score(s, { notify: 1, rto: [] }).controls, [{ label: 'CP-10', status: 'na' }, { label: 'IR-6', status: 'met' }]);
    const min = one([question({ id: 'n', type: 'number', compliant: { min: 2, max: 4 } })]);
    assert.deepEqual([1, 2, 4, 5].map((n) => score(min, { n }).overall), [0, 100, 100, 0]);
  });

  test('date: withinDays counts whole calendar days back from the given time', () => {
    const s = one([question({ id: 'tested', type: 'date', compliant: { withinDays: 365 } })]);
    assert.equal(score(s, { tested: '2025-12-06' }).overall, 100);
    assert.equal(score(s, { tested: '2025-12-05' }).overall, 0);
    assert.equal(score(s, { tested: '2026-12-06' }).overall, 100);
    assert.equal(score(one([question({ id: 'd', type: 'date' })]), { d: '1999-01-01' }).overall, 100, 'no withinDays: any date');
  });

  test('text, file and sbom count as met when answered', () => {
    const s = one([question({ id: 't', type: 'text' }), question({ id: 'f', type: 'file' }), question({ id: 's', type: 'sbom' })]);
    assert.equal(score(s, { t: 'x', f: FILE, s: { fileId: FILE, productId: PRODUCT } }).overall, 100);
    assert.equal(score(s, { t: 'x' }).overall, 33.3);
  });

  test('a rejected answer counts as not met, a rejected n.a. too; accepted ones as answered', () => {
    const s = one([question({ id: 'a', type: 'yesno', controls: ['SR-8'] }), question({ id: 'b', type: 'yesno', controls: ['SR-8'] })]);
    assert.equal(score(s, { a: 'yes', b: 'yes' }, { a: 'reject' }).overall, 50);
    assert.equal(score(s, { a: 'yes', b: 'yes' }, { a: 'accept', b: 'accept' }).overall, 100);
    assert.equal(score(s, { a: 'na', b: 'yes' }, { a: 'reject' }).overall, 50);
    assert.deepEqual(score(s, { a: 'yes', b: 'yes' }, { a: 'reject', b: 'reject' }).controls, [{ label: 'SR-8', status: 'not-met' }]);
    // A verdict on a question nobody answered changes nothing.
    assert.deepEqual(score(s, {}, { a: 'reject' }).controls, [{ label: 'SR-8', status: 'unanswered' }]);
  });

  test('hidden questions neither count nor map controls; sections and controls in order', () => {
    const sections: Section[] = [
      { title: 'Provenance', questions: [question({ id: 'sbom', type: 'yesno', controls: ['SR-4'] }), question({ id: 'upload', type: 'sbom', weight: 3, controls: ['SR-4(3)', 'CM-8'], showWhen: { questionId: 'sbom', anyOf: ['yes'] } })] },
      { title: 'Disposal', questions: [question({ id: 'wipe', type: 'yesno', controls: ['SR-12', 'SR-2'] })] },
    ];
    const hidden = score(sections, { sbom: 'no', upload: { fileId: FILE, productId: PRODUCT }, wipe: 'yes' });
    assert.deepEqual(hidden.sections, [{ title: 'Provenance', score: 0, answered: 1, total: 1 }, { title: 'Disposal', score: 100, answered: 1, total: 1 }]);
    assert.deepEqual(hidden.controls.map((c) => c.label), ['SR-2', 'SR-4', 'SR-12']);
    const shown = score(sections, { sbom: 'yes', wipe: 'no' });
    assert.deepEqual(shown.sections[0], { title: 'Provenance', score: 25, answered: 1, total: 2 });
    assert.deepEqual(shown.controls, [
      { label: 'CM-8', status: 'unanswered' },
      { label: 'SR-2', status: 'not-met' },
      { label: 'SR-4', status: 'met' },
      { label: 'SR-4(3)', status: 'unanswered' },
      { label: 'SR-12', status: 'not-met' },
    ]);
    assert.equal(shown.overall, 20);
  });

  test('a control mapped by met and unmet questions is partial; invalid stored answers count as unanswered', () => {
    const s = one([question({ id: 'a', type: 'yesno', controls: ['SR-6'] }), question({ id: 'b', type: 'number', controls: ['SR-6'], compliant: { max: 1 } })]);
    assert.deepEqual(score(s, { a: 'yes', b: 5 }).controls, [{ label: 'SR-6', status: 'partial' }]);
    assert.deepEqual(score(s, { a: 'yes' }).controls, [{ label: 'SR-6', status: 'partial' }]);
    const garbage = score(s, { a: 'definitely', b: 'lots' });
    assert.deepEqual(garbage.sections[0], { title: 'S', score: 0, answered: 0, total: 2 });
    assert.deepEqual(garbage.controls, [{ label: 'SR-6', status: 'unanswered' }]);
  });

  test('scores the shipped templates: all compliant answers give 100', () => {
    for (const t of SHIPPED_TEMPLATES) {
      const answers = new Map<string, unknown>();
      for (const q of t.sections.flatMap((s) => s.questions)) answers.set(q.id, compliantAnswer(q));
      const r = scoreAnswers(t.sections, answers, none, AT);
      assert.equal(r.overall, 100, t.key);
      assert.ok(r.controls.every((c) => c.status === 'met'), `${t.key}: ${JSON.stringify(r.controls.filter((c) => c.status !== 'met'))}`);
      assert.equal(scoreAnswers(t.sections, new Map(), none, AT).overall, 0, `${t.key} unanswered`);
    }
  });
});

/** An answer that meets a question (the shipped-template check above). */
function compliantAnswer(q: Question): unknown {
  const c = q.compliant ?? {};
  switch (q.type) {
    case 'yesno':
      return c.anyOf?.[0] ?? 'yes';
    case 'choice':
      return c.anyOf?.[0] ?? q.options![0];
    case 'multichoice':
      return c.anyOf ?? [q.options![0]];
    case 'number':
      return q.perService ? [{ serviceId: SERVICE_A, value: c.max ?? c.min ?? 1 }] : (c.max ?? c.min ?? 1);
    case 'date':
      return '2026-12-01';
    case 'text':
      return 'Answered.';
    case 'file':
      return FILE;
    case 'sbom':
      return { fileId: FILE, productId: PRODUCT };
  }
}
