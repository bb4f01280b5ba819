import { Type, type Static, type TSchema } from 'typebox';
import type YAML from 'yaml';
import { isNode, type LineCounter } from 'yaml';
import type { FieldProblem } from '../../platform/errors.js';
import { checker } from '../../platform/validation.js';
import { position, readYaml } from '../../platform/yaml.js';
import { EXPRESSION_ROOTS, ExpressionError, parseExpression } from './playbooks.expression.js';

/**
 * The playbook document: what an author writes (YAML) and what a run executes. Validation happens
 * in three layers, each reporting JSON-pointer paths into the document (`/steps/3/when`) with the
 * YAML line: the YAML itself (syntax, duplicate keys, aliases), the JSON Schema (`PlaybookSchema`,
 * also served to the editor), then meaning (unique step ids, jump targets, cycles, expressions and
 * `{{ }}` placeholders that parse).
 */

// The teams of ISSUE11 (incidents.schemas.ts TEAMS); kept equal to that list.
export const PLAYBOOK_TEAMS = ['it', 'security', 'legal', 'privacy', 'compliance', 'vendor', 'counsel'] as const;
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const INCIDENT_STATUSES = ['new', 'acknowledged', 'contained', 'eradicated', 'recovered', 'closed', 'false-positive'] as const;
export const TRIGGER_EVENTS = ['incident.created', 'incident.updated'] as const;
export const STEP_TYPES = ['task', 'notify', 'questionnaire', 'block', 'approval', 'input', 'wait', 'set', 'webhook'] as const;
export type StepType = (typeof STEP_TYPES)[number];
/** `next: end` finishes the run. */
export const END = 'end';

/** Text sizes; a playbook is a few KB, these only stop abuse (and keep the YAML reader under a second). */
export const MAX_YAML_BYTES = 128 * 1024;
const MAX_STEPS = 100;

const StepId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9]+([-_][a-z0-9]+)*$', description: 'lower-case letters, digits, single dashes or underscores, e.g. notify-soar' });
const Duration = Type.String({ maxLength: 12, pattern: '^[1-9][0-9]{0,4}[mhdw]$', description: 'a duration such as 30m, 4h, 2d or 1w' });
const Expression = Type.String({ minLength: 1, maxLength: 2000, description: 'a condition in the playbook expression language' });
const Text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });
const Team = Type.Enum(PLAYBOOK_TEAMS, { description: 'a team' });
const EventName = Type.String({ maxLength: 100, pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$', description: 'an event name such as playbook.notify' });
const ChannelName = Text(100, 'the name of a notification channel');

const common = {
  id: StepId,
  name: Type.Optional(Text(200, 'what the step is, for people reading the run')),
  when: Type.Optional(Expression),
  next: Type.Optional(Type.String({ maxLength: 64, description: 'the id of the step that follows, or end' })),
};

const Branch = Type.Object({ when: Type.Optional(Expression), next: Type.String({ minLength: 1, maxLength: 64, description: 'the id of the step to go to, or end' }) }, { additionalProperties: false });
const Branches = Type.Array(Branch, { minItems: 1, maxItems: 20, description: 'the first branch whose condition holds (over answer.*) is taken; one without when always holds' });

const FormField = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9]*([-_][a-z0-9]+)*$', description: 'a letter, then lower-case letters, digits, single dashes or underscores, e.g. restore-hours' }),
    label: Text(200),
    type: Type.Enum(['text', 'number', 'boolean', 'choice', 'date'] as const),
    options: Type.Optional(Type.Array(Text(200), { minItems: 1, maxItems: 50 })),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const human = { team: Team, title: Text(300), text: Type.Optional(Type.String({ maxLength: 4000 })), due: Type.Optional(Duration), owner: Type.Optional(Text(200)) };

export const STEP_SCHEMAS = {
  task: Type.Object({ ...common, type: Type.Literal('task'), ...human }, { additionalProperties: false, description: 'a task for a team on the incident' }),
  notify: Type.Object(
    {
      ...common,
      type: Type.Literal('notify'),
      template: EventName,
      channel: Type.Optional(ChannelName),
      audience: Type.Optional(Team),
      subject: Text(300),
      text: Type.Optional(Type.String({ maxLength: 4000 })),
    },
    { additionalProperties: false, description: 'a notification through the outbox (channel by name, else every channel subscribed to the template event or serving the audience)' },
  ),
  questionnaire: Type.Object(
    { ...common, type: Type.Literal('questionnaire'), template: Text(100, 'the key of a questionnaire template, e.g. incident-notification'), due: Type.Optional(Duration) },
    { additionalProperties: false, description: "an assessment from the template sent to each of the incident's vendors through the portal" },
  ),
  block: Type.Object(
    {
      ...common,
      type: Type.Literal('block'),
      indicators: Type.Optional(Type.Array(Type.Enum(['domain', 'url'] as const), { minItems: 1, maxItems: 2, description: 'which indicator types give domains (default domain)' })),
      expires: Type.Optional(Duration),
      reason: Type.Optional(Text(500)),
    },
    { additionalProperties: false, description: "the incident's indicator domains onto the egress blocklist" },
  ),
  approval: Type.Object({ ...common, type: Type.Literal('approval'), ...human, branches: Type.Optional(Branches) }, { additionalProperties: false, description: 'a person approves or rejects (answer.approved, answer.comment)' }),
  input: Type.Object(
    { ...common, type: Type.Literal('input'), ...human, fields: Type.Array(FormField, { minItems: 1, maxItems: 30 }), branches: Type.Optional(Branches) },
    { additionalProperties: false, description: 'a person fills in a form (answer.<field id>)' },
  ),
  wait: Type.Object(
    { ...common, type: Type.Literal('wait'), until: Type.Optional(Expression), for: Type.Optional(Duration), timeout: Type.Optional(Duration) },
    { additionalProperties: false, description: 'until a condition holds (re-checked when the incident changes) or for a time' },
  ),
  set: Type.Object(
    {
      ...common,
      type: Type.Literal('set'),
      severity: Type.Optional(Type.Enum(SEVERITIES)),
      status: Type.Optional(Type.Enum(INCIDENT_STATUSES)),
      title: Type.Optional(Text(300)),
      summary: Type.Optional(Type.String({ maxLength: 4000 })),
      note: Type.Optional(Text(2000)),
    },
    { additionalProperties: false, description: "changes the incident's severity, status or fields" },
  ),
  webhook: Type.Object(
    {
      ...common,
      type: Type.Literal('webhook'),
      event: EventName,
      channel: Type.Optional(Text(100, 'a webhook channel by name; without it, every channel subscribed to the event (a SOAR webhook subscribes to incident.compromise)')),
      payload: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 4000 }), { maxProperties: 50 })),
    },
    { additionalProperties: false, description: 'a signed call to a ticketing or SOAR system (webhook channels)' },
  ),
} satisfies Record<StepType, TSchema>;

export type TaskStep = Static<(typeof STEP_SCHEMAS)['task']>;
export type NotifyStep = Static<(typeof STEP_SCHEMAS)['notify']>;
export type QuestionnaireStep = Static<(typeof STEP_SCHEMAS)['questionnaire']>;
export type BlockStep = Static<(typeof STEP_SCHEMAS)['block']>;
export type ApprovalStep = Static<(typeof STEP_SCHEMAS)['approval']>;
export type InputStep = Static<(typeof STEP_SCHEMAS)['input']>;
export type WaitStep = Static<(typeof STEP_SCHEMAS)['wait']>;
export type SetStep = Static<(typeof STEP_SCHEMAS)['set']>;
export type WebhookStep = Static<(typeof STEP_SCHEMAS)['webhook']>;
export type Step = TaskStep | NotifyStep | QuestionnaireStep | BlockStep | ApprovalStep | InputStep | WaitStep | SetStep | WebhookStep;

const documentFields = {
  name: Text(200),
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  on: Type.Array(Type.Enum(TRIGGER_EVENTS), { minItems: 1, maxItems: 2, uniqueItems: true, description: 'the incident events that start the playbook (when its condition holds)' }),
  when: Type.Optional(Expression),
};

/** The whole document as one JSON Schema (steps a union by type): what the editor validates against. */
export const PlaybookSchema = Type.Object(
  { ...documentFields, steps: Type.Array(Type.Union(Object.values(STEP_SCHEMAS) as TSchema[]), { minItems: 1, maxItems: MAX_STEPS }) },
  { additionalProperties: false, $id: 'https://thirdwatch.dev/schemas/playbook.json', title: 'Thirdwatch playbook' },
);
export interface PlaybookDocument {
  name: string;
  description?: string;
  on: Array<(typeof TRIGGER_EVENTS)[number]>;
  when?: string;
  steps: Step[];
}

// The server checks the envelope first and then each step against its own type's schema: one
// precise problem per field instead of a union's report of every branch that did not match.
const checkEnvelope = checker(
  Type.Object({ ...documentFields, steps: Type.Array(Type.Object({ type: Type.Enum(STEP_TYPES, { description: 'a step type' }) }), { minItems: 1, maxItems: MAX_STEPS }) }, { additionalProperties: false }),
);
const stepCheckers = Object.fromEntries(Object.entries(STEP_SCHEMAS).map(([type, schema]) => [type, checker(schema)])) as Record<StepType, ReturnType<typeof checker>>;

export type ParseOutcome = { ok: true; document: PlaybookDocument } | { ok: false; problems: FieldProblem[] };

/** Parses and validates a playbook's YAML (or JSON, a subset of it). */
export function parsePlaybook(text: string): ParseOutcome {
  if (Buffer.byteLength(text) > MAX_YAML_BYTES) return { ok: false, problems: [{ field: '/', reason: `is longer than ${MAX_YAML_BYTES} bytes` }] };
  // Aliases are refused outright: a playbook needs none.
  const read = readYaml(text, { maxChars: MAX_YAML_BYTES, maxAliases: 0 });
  if (!read.ok) {
    return {
      ok: false,
      problems: read.problems.map((p) => {
        const at = position(read.lines, p.offset);
        return { field: '/', reason: `is not valid YAML${at ? ` (${at})` : ''}: ${p.reason}` };
      }),
    };
  }
  const problems = validatePlaybook(read.value).map((p) => withLine(p, read.document, read.lines));
  return problems.length ? { ok: false, problems } : { ok: true, document: read.value as PlaybookDocument };
}

/** Adds the YAML line of the offending node to a problem's reason, where the node exists. */
function withLine(problem: FieldProblem, doc: YAML.Document.Parsed, lines: LineCounter): FieldProblem {
  if (problem.field === '/') return problem;
  const path = problem.field.split('/').slice(1).map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, '/').replace(/~0/g, '~')));
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return { ...problem, reason: `${problem.reason} (line ${lines.linePos(node.range[0]).line})` };
  }
  return problem;
}

/** Schema then meaning; an empty list when the document is a valid playbook. */
export function validatePlaybook(value: unknown): FieldProblem[] {
  const envelope = checkEnvelope(value);
  if (!envelope.ok) return envelope.problems;
  const doc = value as { when?: string; steps: Array<Record<string, unknown> & { type: StepType }> };
  const problems: FieldProblem[] = [];
  doc.steps.forEach((step, i) => {
    const checked = stepCheckers[step.type](step);
    if (!checked.ok) problems.push(...checked.problems.map((p) => ({ ...p, field: `/steps/${i}${p.field === '/' ? '' : p.field}` })));
  });
  if (problems.length) return problems;
  return semanticProblems(value as PlaybookDocument);
}

function expressionProblem(field: string, source: string | undefined): FieldProblem[] {
  if (source === undefined) return [];
  try {
    parseExpression(source);
    return [];
  } catch (error) {
    if (error instanceof ExpressionError) return [{ field, reason: `is not a valid expression: ${error.message}` }];
    throw error;
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PLACEHOLDER_PATH = new RegExp(`^(${EXPRESSION_ROOTS.join('|')})(\\.[A-Za-z_][A-Za-z0-9_-]{0,63}){0,8}$`);

function placeholderProblems(field: string, text: unknown): FieldProblem[] {
  if (typeof text !== 'string') return [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (!PLACEHOLDER_PATH.test(match[1])) return [{ field, reason: `has an unknown placeholder {{${match[1]}}} (use a path such as {{incident.title}} under ${EXPRESSION_ROOTS.join(', ')})` }];
  }
  return [];
}

/** Where a step can go next: its branches, its next, else the step after it (or the end). */
export function successors(doc: PlaybookDocument, index: number): string[] {
  const step = doc.steps[index] as Step & { branches?: Array<{ next: string }> };
  const fallthrough = step.next ?? doc.steps[index + 1]?.id ?? END;
  const out = new Set<string>([fallthrough]);
  for (const b of step.branches ?? []) out.add(b.next);
  // A skipped step (when false) goes on as if it had no branches.
  return [...out];
}

function semanticProblems(doc: PlaybookDocument): FieldProblem[] {
  const problems: FieldProblem[] = [...expressionProblem('/when', doc.when)];
  const index = new Map<string, number>();
  doc.steps.forEach((step, i) => {
    if (step.id === END) problems.push({ field: `/steps/${i}/id`, reason: `"${END}" is reserved (next: end finishes the run)` });
    else if (index.has(step.id)) problems.push({ field: `/steps/${i}/id`, reason: `repeats the id of step ${index.get(step.id)}` });
    else index.set(step.id, i);
  });
  const target = (field: string, next: string | undefined) => {
    if (next !== undefined && next !== END && !index.has(next)) problems.push({ field, reason: `names no step: ${JSON.stringify(next)} (step ids: ${[...index.keys()].join(', ')}, or end)` });
  };
  doc.steps.forEach((step, i) => {
    const at = `/steps/${i}`;
    target(`${at}/next`, step.next);
    problems.push(...expressionProblem(`${at}/when`, step.when));
    if ('branches' in step && step.branches) {
      step.branches.forEach((b, j) => {
        target(`${at}/branches/${j}/next`, b.next);
        problems.push(...expressionProblem(`${at}/branches/${j}/when`, b.when));
      });
    }
    if (step.type === 'wait') {
      problems.push(...expressionProblem(`${at}/until`, step.until));
      if (!step.until && !step.for) problems.push({ field: `${at}/until`, reason: 'a wait needs until (a condition) or for (a time)' });
    }
    if (step.type === 'set' && step.severity === undefined && step.status === undefined && step.title === undefined && step.summary === undefined) {
      problems.push({ field: `${at}/severity`, reason: 'a set step changes at least one of severity, status, title, summary' });
    }
    if (step.type === 'input') {
      const seen = new Set<string>();
      step.fields.forEach((f, j) => {
        if (seen.has(f.id)) problems.push({ field: `${at}/fields/${j}/id`, reason: 'repeats a field id of this form' });
        seen.add(f.id);
        if (f.type === 'choice' && !f.options) problems.push({ field: `${at}/fields/${j}/options`, reason: 'a choice field needs options' });
        if (f.type !== 'choice' && f.options) problems.push({ field: `${at}/fields/${j}/options`, reason: 'only a choice field has options' });
      });
    }
    for (const key of ['name', 'title', 'text', 'subject', 'summary', 'note', 'reason'] as const) {
      problems.push(...placeholderProblems(`${at}/${key}`, (step as Record<string, unknown>)[key]));
    }
    if (step.type === 'webhook') for (const [k, v] of Object.entries(step.payload ?? {})) problems.push(...placeholderProblems(`${at}/payload/${k}`, v));
  });
  if (problems.length) return problems;
  const cycle = findCycle(doc);
  if (cycle) problems.push({ field: cycle.field, reason: `makes a cycle: ${cycle.path.join(' → ')} (a playbook always moves forward)` });
  return problems;
}

/** The first cycle in the step graph, reported at the jump that closes it. */
function findCycle(doc: PlaybookDocument): { field: string; path: string[] } | null {
  const index = new Map(doc.steps.map((s, i) => [s.id, i]));
  const state = new Array<0 | 1 | 2>(doc.steps.length).fill(0);
  const stack: string[] = [];
  const visit = (i: number): { field: string; path: string[] } | null => {
    state[i] = 1;
    stack.push(doc.steps[i].id);
    const step = doc.steps[i] as Step & { branches?: Array<{ next: string }> };
    for (const next of successors(doc, i)) {
      if (next === END) continue;
      const j = index.get(next)!;
      if (state[j] === 1) {
        const b = step.branches?.findIndex((br) => br.next === next) ?? -1;
        const field = step.next === next ? `/steps/${i}/next` : b >= 0 ? `/steps/${i}/branches/${b}/next` : `/steps/${i}`;
        return { field, path: [...stack.slice(stack.indexOf(next)), next] };
      }
      if (state[j] === 0) {
        const found = visit(j);
        if (found) return found;
      }
    }
    stack.pop();
    state[i] = 2;
    return null;
  };
  for (let i = 0; i < doc.steps.length; i++) {
    if (state[i] === 0) {
      const found = visit(i);
      if (found) return found;
    }
  }
  return null;
}

/** Replaces {{path}} placeholders with the context's values (lists joined by ", "; missing ones empty). */
export function renderText(template: string, context: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_m, path: string) => {
    let current: unknown = context;
    for (const key of path.split('.')) {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, key)) return '';
      current = (current as Record<string, unknown>)[key];
    }
    if (current === null || current === undefined) return '';
    if (Array.isArray(current)) return current.map(String).join(', ');
    return typeof current === 'object' ? JSON.stringify(current) : String(current);
  });
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** '30m' → 1,800,000. */
export function durationMs(duration: string): number {
  return Number(duration.slice(0, -1)) * UNIT_MS[duration.slice(-1)];
}

/** The step after `index` when no branch was taken. */
export function fallthrough(doc: PlaybookDocument, index: number): string {
  return doc.steps[index].next ?? doc.steps[index + 1]?.id ?? END;
}
