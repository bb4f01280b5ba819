import { createHash } from 'node:crypto';
import { conflict } from '../../platform/errors.js';
import type { OscalAssessmentInput } from '../assessments/assessments.service.js';

/**
 * OSCAL 1.1.2 assessment-results and plan-of-action-and-milestones documents for one vendor
 * assessment. Pure: the same input gives the same document, byte for byte. Every object's uuid is
 * a UUIDv5 of what it stands for (the assessment, a question, a control, a remediation item), so
 * re-exporting the same assessment names the same objects with the same uuids.
 */

export const OSCAL_VERSION = '1.1.2';
const NS = 'https://thirdwatch.dev/ns/oscal';
/** Namespace of Thirdwatch's UUIDv5s (itself a fixed random UUID). */
const UUID_NAMESPACE = 'a3c1f0d2-5b7e-4c9a-8f16-2d4e6b8a0c13';

/** RFC 9562 UUIDv5: SHA-1 of the namespace and the name, version and variant bits set. */
export function uuidV5(name: string, namespace = UUID_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const uuidOf = (...parts: string[]) => uuidV5(parts.join('\u001f'));

/** The OSCAL control id of an SP 800-53 style label: 'SR-4(3)' → 'sr-4.3'. */
export function controlIdOf(label: string): string {
  return label.trim().toLowerCase().replace(/\((\w+)\)/g, '.$1').replace(/\s+/g, '');
}

const TOKEN = /^[\p{L}_][\p{L}\p{N}.\-_]*$/u;

/**
 * OSCAL date-times carry a timezone; a calendar date (a due date) becomes midnight UTC. Fractional
 * seconds are dropped: the date-time pattern of the OSCAL 1.0 schemas does not accept them.
 */
function dateTime(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value.replace(/\.\d+(?=Z|[+-]\d{2}:\d{2}$)/, '');
}

/** OSCAL arrays hold at least one item: an empty list is left out. */
function some<K extends string, T>(key: K, items: T[]): { [P in K]?: T[] } {
  return (items.length ? { [key]: items } : {}) as { [P in K]?: T[] };
}

/** OSCAL string values (prop values, names) are one line without surrounding blanks. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function prop(name: string, value: string | number | null | undefined): Array<{ name: string; ns: string; value: string }> {
  const text = value === null || value === undefined ? '' : oneLine(String(value));
  return text ? [{ name, ns: NS, value: text }] : [];
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'no answer';
  if (typeof value === 'string') return value || '(empty)';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    return value.map((v) => (typeof v === 'object' && v !== null && 'serviceId' in v ? `${String((v as { serviceId: unknown }).serviceId)}: ${String((v as { value: unknown }).value)}` : describeValue(v))).join(', ') || '(none)';
  }
  if (typeof value === 'object' && 'fileId' in value && 'productId' in value) return `SBOM file ${String(value.fileId)} for product ${String(value.productId)}`;
  return JSON.stringify(value);
}

type Input = OscalAssessmentInput;
type Answer = Input['answers'][number];

/** The parts both documents share: metadata, observations (one per answered question), risks (one per remediation item), back-matter. */
function common(input: Input, kind: 'assessment-results' | 'poam') {
  const a = input.assessment;
  const answers = new Map(input.answers.map((x) => [x.questionId, x]));
  const evidenceByFile = new Map(input.evidence.map((e) => [e.fileId, e]));
  const templateResource = uuidOf('template', a.id);
  const evidenceResource = (fileId: string) => uuidOf('evidence', a.id, fileId);
  const observationUuid = (questionId: string) => uuidOf('observation', a.id, questionId);
  const riskUuid = (remediationId: string) => uuidOf('risk', a.id, remediationId);
  const vendorParty = uuidOf('party', a.vendorId);

  const title = kind === 'poam' ? `Plan of action and milestones: ${a.vendorName}, ${a.templateName} v${a.templateVersion}` : `Supplier assessment results: ${a.vendorName}, ${a.templateName} v${a.templateVersion}`;
  const metadata = {
    title,
    'last-modified': dateTime(a.updatedAt),
    version: `${a.templateVersion}`,
    'oscal-version': OSCAL_VERSION,
    ...some('props', [...prop('assessment-id', a.id), ...prop('assessment-status', a.status)]),
    roles: [{ id: 'assessed-supplier', title: 'Assessed supplier' }],
    parties: [{ uuid: vendorParty, type: 'organization', name: oneLine(a.vendorName) || a.vendorId, ...some('props', prop('vendor-id', a.vendorId)) }],
    'responsible-parties': [{ 'role-id': 'assessed-supplier', 'party-uuids': [vendorParty] }],
  };

  /** Evidence a file answer points at: a portal file id the assessment's evidence lists. */
  const evidenceOf = (answer: Answer | undefined) => {
    const v = answer?.value;
    const fileId = typeof v === 'string' ? v : typeof v === 'object' && v !== null && 'fileId' in v ? String(v.fileId) : null;
    return fileId && evidenceByFile.has(fileId) ? fileId : null;
  };

  const observations = input.questions
    .filter((q) => answers.get(q.id)?.answeredAt)
    .map((q) => {
      const answer = answers.get(q.id)!;
      const fileId = evidenceOf(answer);
      return {
        uuid: observationUuid(q.id),
        title: q.text,
        description: [`Answer: ${describeValue(answer.value)}`, answer.comment ? `Reviewer: ${answer.comment}` : ''].filter(Boolean).join('\n\n'),
        ...some('props', [...prop('question-id', q.id), ...prop('section', q.section), ...prop('answer-state', answer.state), ...prop('compliance', answer.compliance), ...q.controls.flatMap((c) => prop('control', c))]),
        methods: [fileId ? 'EXAMINE' : 'INTERVIEW'],
        types: ['control-objective'],
        subjects: [{ 'subject-uuid': vendorParty, type: 'party' }],
        ...(fileId ? { 'relevant-evidence': [{ href: `#${evidenceResource(fileId)}`, description: `Evidence file ${evidenceByFile.get(fileId)!.name}` }] } : {}),
        collected: dateTime(answer.answeredAt!),
      };
    });
  const observed = new Set(observations.map((o) => o.uuid));

  const risks = input.remediations.map((r) => ({
    uuid: riskUuid(r.id),
    title: r.title,
    description: r.description || r.title,
    statement: r.description || r.title,
    ...some('props', [...prop('remediation-id', r.id), ...prop('question-id', r.questionId)]),
    status: r.status === 'closed' ? 'closed' : 'open',
    ...(r.dueAt ? { deadline: dateTime(r.dueAt) } : {}),
    ...(r.questionId && observed.has(observationUuid(r.questionId)) ? { 'related-observations': [{ 'observation-uuid': observationUuid(r.questionId) }] } : {}),
  }));

  const backMatter = {
    resources: [
      {
        uuid: templateResource,
        title: `Questionnaire: ${a.templateName} v${a.templateVersion}`,
        description: `The questionnaire the supplier answered (${input.questions.length} questions), standing in for an assessment plan.`,
        ...some('props', prop('template-version', a.templateVersion)),
      },
      ...input.evidence.map((e) => ({
        uuid: evidenceResource(e.fileId),
        title: e.name,
        ...some('props', prop('file-id', e.fileId)),
        rlinks: [{ href: `/api/v1/assessments/${encodeURIComponent(a.id)}/files/${encodeURIComponent(e.fileId)}`, 'media-type': e.mediaType, hashes: [{ algorithm: 'SHA-256', value: e.sha256 }] }],
      })),
    ],
  };

  return { a, answers, metadata, observations, observationUuid, observed, risks, riskUuid, backMatter, templateResource };
}

/** Worst compliance of a control's answered questions: not-met, then partial, then met; null when none counts. */
function controlState(compliances: Answer['compliance'][]): 'not-met' | 'partial' | 'met' | null {
  if (compliances.includes('not-met')) return 'not-met';
  if (compliances.includes('partial')) return 'partial';
  return compliances.includes('met') ? 'met' : null;
}

export function assessmentResults(input: OscalAssessmentInput): Record<string, unknown> {
  const { a, answers, metadata, observations, observationUuid, observed, risks, riskUuid, backMatter, templateResource } = common(input, 'assessment-results');
  const labels = [...new Set(input.questions.flatMap((q) => q.controls))].filter((label) => TOKEN.test(controlIdOf(label)));

  const findings = labels.flatMap((label) => {
    const questions = input.questions.filter((q) => q.controls.includes(label));
    const state = controlState(questions.map((q) => answers.get(q.id)?.compliance ?? 'unanswered'));
    if (!state) return [];
    const questionIds = new Set(questions.map((q) => q.id));
    const relatedObservations = questions.map((q) => observationUuid(q.id)).filter((u) => observed.has(u));
    const relatedRisks = input.remediations.filter((r) => r.questionId && questionIds.has(r.questionId)).map((r) => riskUuid(r.id));
    return [{
      uuid: uuidOf('finding', a.id, label),
      title: `${label}: ${state === 'met' ? 'met' : state === 'partial' ? 'partially met' : 'not met'}`,
      description: `From the supplier's answers to ${questions.length} question${questions.length === 1 ? '' : 's'} mapped to ${label}.`,
      ...some('props', prop('control-label', label)),
      target: {
        type: 'objective-id',
        'target-id': `${controlIdOf(label)}_obj`,
        status: state === 'met' ? { state: 'satisfied' } : { state: 'not-satisfied', ...(state === 'partial' ? { reason: 'other', remarks: 'Partially met.' } : { reason: 'fail' }) },
      },
      ...some('related-observations', relatedObservations.map((u) => ({ 'observation-uuid': u }))),
      ...some('related-risks', relatedRisks.map((u) => ({ 'risk-uuid': u }))),
    }];
  });

  const scoreProps = [...prop('overall-score', input.scores?.overall), ...(input.scores?.sections ?? []).flatMap((s) => (s.score === null ? [] : prop('section-score', `${s.title}: ${s.score}`)))];
  const end = a.closedAt ?? a.submittedAt;
  const result = {
    uuid: uuidOf('result', a.id),
    title: `${a.templateName} v${a.templateVersion} answered by ${a.vendorName}`,
    description: `Supplier assessment of ${a.vendorName} (status ${a.status})${input.scores?.overall === null || input.scores === null ? '' : `, overall score ${input.scores.overall}`}.`,
    start: dateTime(a.createdAt),
    ...(end ? { end: dateTime(end) } : {}),
    ...some('props', scoreProps),
    'reviewed-controls': {
      'control-selections': [labels.length ? { 'include-controls': labels.map((label) => ({ 'control-id': controlIdOf(label) })) } : { description: 'The questionnaire maps no question to a control.' }],
    },
    ...some('observations', observations),
    ...some('risks', risks),
    ...some('findings', findings),
  };
  return {
    'assessment-results': {
      uuid: uuidOf('assessment-results', a.id),
      metadata,
      'import-ap': { href: `#${templateResource}`, remarks: 'Thirdwatch assessments follow a questionnaire, described in back-matter, rather than an OSCAL assessment plan.' },
      results: [result],
      'back-matter': backMatter,
    },
  };
}

export function planOfActionAndMilestones(input: OscalAssessmentInput): Record<string, unknown> {
  const { a, answers, metadata, observations, observationUuid, observed, risks, riskUuid, backMatter } = common(input, 'poam');
  const covered = new Set(input.remediations.map((r) => r.questionId).filter((id): id is string => id !== null));
  const items = [
    ...input.remediations.map((r) => ({
      uuid: uuidOf('poam-item', a.id, r.id),
      title: r.title,
      description: r.description || r.title,
      ...some('props', [...prop('status', r.status), ...prop('due', r.dueAt), ...prop('created', r.createdAt)]),
      ...(r.questionId && observed.has(observationUuid(r.questionId)) ? { 'related-observations': [{ 'observation-uuid': observationUuid(r.questionId) }] } : {}),
      'related-risks': [{ 'risk-uuid': riskUuid(r.id) }],
    })),
    // An answer found wanting that no remediation item covers yet is still a weakness to plan for.
    ...input.questions
      .filter((q) => !covered.has(q.id) && ['not-met', 'partial'].includes(answers.get(q.id)?.compliance ?? '') && observed.has(observationUuid(q.id)))
      .map((q) => ({
        uuid: uuidOf('poam-item', a.id, 'question', q.id),
        title: `${answers.get(q.id)!.compliance === 'partial' ? 'Partially met' : 'Not met'}: ${q.text}`,
        description: `No remediation item has been raised yet for question ${q.id}${q.controls.length ? ` (${q.controls.join(', ')})` : ''}.`,
        ...some('props', prop('question-id', q.id)),
        'related-observations': [{ 'observation-uuid': observationUuid(q.id) }],
      })),
  ];
  if (!items.length) throw conflict(`assessment ${a.id} has no remediation items and no unmet answers: a plan of action and milestones needs at least one item`);
  const related = new Set(items.flatMap((i) => (i['related-observations'] ?? []).map((o) => o['observation-uuid'])));
  return {
    'plan-of-action-and-milestones': {
      uuid: uuidOf('poam', a.id),
      metadata,
      'system-id': { 'identifier-type': `${NS}/vendor`, id: a.vendorId },
      ...some('observations', observations.filter((o) => related.has(o.uuid))),
      ...some('risks', risks),
      'poam-items': items,
      'back-matter': backMatter,
    },
  };
}
