// Fuzz targets for the playbook parsers: the expression language (own tokenizer and parser, then
// evaluation against a fixed context) and playbook YAML documents (YAML, schema and semantic
// checks). Contracts: an expression either parses and evaluates or raises ExpressionError, within
// a time bound; a document is accepted or refused with problems that each name a JSON-pointer path,
// never an exception.
import fc from 'fast-check';
import { EXPRESSION_LIMITS, ExpressionError, evaluate, parseExpression } from '../../src/modules/playbooks/playbooks.expression.js';
import { parsePlaybook, validatePlaybook } from '../../src/modules/playbooks/playbooks.model.js';
import { shippedPlaybooks } from '../../src/modules/playbooks/playbooks.service.js';
import { grammarString, mutateLines, mutateText, steps, type FuzzBytes } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const CONTEXT = {
  incident: { severity: 'critical', title: 'Trojanized release', impact: { dataCategories: ['personal'], records: 10 }, vendorIds: ['v'] },
  vendor: { tier: 'T1', shipsSoftware: true },
  indicators: { types: ['domain', 'sha256'], domains: Array.from({ length: 2000 }, (_, i) => `d${i}.example`) },
  answer: { approved: true, 'restore-hours': 30 },
};

const EXPRESSIONS = [
  "vendor.tier in ['T1', 'T2'] and incident.severity in ['critical', 'high']",
  "'personal' in incident.impact.dataCategories or len(indicators.types) > 0",
  "not (answer.approved == false) and contains(lower(incident.title), 'trojan')",
  'answer.restore-hours > 24 or incident.impact.records >= -1.5',
  "'zzz' not in indicators.domains",
];
const PIECES = ['(', ')', '[', ']', ',', '.', "'", '"', '\\', ' and ', ' or ', ' not ', ' in ', '==', '!=', '<=', '>=', '<', '>', '-', 'len(', 'contains(', 'lower(', 'incident', 'vendor', 'answer', 'indicators', '__proto__', 'constructor', 'true', 'false', 'null', '1e9', '0.5', "'x'"];

export function expressionTarget(): Target<string> {
  return {
    name: 'playbook-expression',
    kind: 'parser',
    inputs: async () => grammarString(EXPRESSIONS, PIECES),
    open: async () => ({
      check: (input: string) =>
        expectOnly(() => {
          const started = performance.now();
          let error: unknown = null;
          try {
            evaluate(parseExpression(input), CONTEXT);
          } catch (caught) {
            error = caught;
          }
          // Bounded means fast as well: the step budget keeps any expression well under this.
          const ms = performance.now() - started;
          if (ms > 250 && input.length <= EXPRESSION_LIMITS.maxLength) throw new Crash(`an expression of ${input.length} characters took ${Math.round(ms)} ms`);
          if (error) throw error;
        }, ExpressionError),
    }),
  };
}

const YAML_PIECES = ['- id: x', '  type: task', '  next: end', '  next: first', 'when: ', "'", '&a', '*a', '<<: *a', '!!js/function', '{', '[', ': ', '---', '...', '%YAML 1.1', 'on: yes', '__proto__:', '  branches:', '    - next: x', '  until: (', '{{incident.title}}', '{{process}}'];

/** Seeds: the shipped playbooks, whole and cut to their first steps; mutated line-wise, then textually. */
export function playbookYamlTarget(): Target<FuzzBytes> {
  return {
    name: 'playbook-yaml',
    kind: 'parser',
    inputs: async () => {
      const docs = shippedPlaybooks().map((p) => p.yaml);
      const small = docs.map((d) => d.split('\n').slice(0, 30).join('\n'));
      return fc.record({ seed: fc.constantFrom(...small, ...docs), lines: steps(4), text: steps(2) }).map(({ seed, lines, text }) => mutateText(mutateLines(seed, lines, YAML_PIECES), text));
    },
    open: async () => ({
      check: (input: FuzzBytes) =>
        expectOnly(() => {
          const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
          const outcome = parsePlaybook(text);
          if (outcome.ok) {
            // An accepted document stays valid through a JSON round trip (what is stored is what runs).
            const again = validatePlaybook(JSON.parse(JSON.stringify(outcome.document)));
            if (again.length) throw new Crash(`an accepted playbook fails validation once stored: ${JSON.stringify(again[0])}`);
            return;
          }
          for (const p of outcome.problems) {
            if (typeof p.field !== 'string' || !p.field.startsWith('/') || !p.reason) throw new Crash(`a problem without a path or reason: ${JSON.stringify(p)}`);
          }
        }),
    }),
  };
}
