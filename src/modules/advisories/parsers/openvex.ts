// OpenVEX documents (v0.2.0, and the v0.0.x form with string vulnerabilities and products).
import type { ParseOutcome, VexStatement, VexStatus } from './model.js';
import { FeedFormatError, FeedRecordError, collectRecord } from './errors.js';
import { Fields, isObject, parseStorableJson, typeName } from './json.js';

const CONTEXT_PREFIX = 'https://openvex.dev/ns';
const STATUSES: readonly VexStatus[] = ['not_affected', 'affected', 'fixed', 'under_investigation'];
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
];

export function parseOpenVex(input: unknown): ParseOutcome<VexStatement> {
  const document = parseStorableJson(input, 'OpenVEX document');
  const context = isObject(document) ? document['@context'] : undefined;
  if (!isObject(document) || typeof context !== 'string' || !context.startsWith(CONTEXT_PREFIX) || !Array.isArray(document.statements)) {
    throw new FeedFormatError(`an OpenVEX document has an ${CONTEXT_PREFIX} @context and a statements array`);
  }
  const outcome: ParseOutcome<VexStatement> = { items: [], errors: [], meta: documentMeta(document) };
  document.statements.forEach((statement, i) => {
    collectRecord(() => parseStatement(statement, `statement ${i}`), outcome.items, outcome.errors);
  });
  return outcome;
}

function documentMeta(document: Record<string, unknown>): Record<string, string> {
  const entries = [
    ['id', document['@id']],
    ['author', document.author],
    ['timestamp', document.timestamp],
    ['version', document.version],
  ];
  return Object.fromEntries(entries.filter(([, value]) => typeof value === 'string' || typeof value === 'number').map(([key, value]) => [key, String(value)]));
}

function parseStatement(statement: unknown, label: string): VexStatement {
  if (!isObject(statement)) throw new FeedRecordError(label, `expected an object, got ${typeName(statement)}`);
  const f = new Fields(statement, label);
  const { name, aliases } = parseVulnerability(f);
  const named = new Fields(statement, `${name} (${label})`);
  const status = named.string('status') as VexStatus;
  if (!STATUSES.includes(status)) named.fail('status', `'${status}' is not an OpenVEX status`);
  const justification = named.optString('justification');
  if (justification !== null && !VEX_JUSTIFICATIONS.includes(justification)) named.fail('justification', `'${justification}' is not an OpenVEX justification`);
  const impact = named.optString('impact_statement');
  if (status === 'not_affected' && !justification && !impact) named.fail('status', 'not_affected needs a justification or an impact_statement');
  const products = named.array('products').flatMap((product, i) => productIds(named, product, i));
  if (!products.length) named.fail('products', 'required');
  const notes = [impact, named.optString('action_statement'), named.optString('status_notes')].filter((note) => note);
  return { vulnerability: name, aliases, products, status, state: null, justification, responses: [], detail: notes.join('\n\n') || null };
}

function parseVulnerability(f: Fields): { name: string; aliases: string[] } {
  if (typeof f.obj.vulnerability === 'string' && f.obj.vulnerability) return { name: f.obj.vulnerability, aliases: [] };
  const vulnerability = f.optObject('vulnerability') ?? f.fail('vulnerability', 'required');
  const name = vulnerability.optString('name') ?? vulnerability.string('@id');
  return { name, aliases: vulnerability.stringArray('aliases') };
}

/** A product's @id and its purl identifier when that differs. */
function productIds(f: Fields, product: unknown, i: number): string[] {
  if (typeof product === 'string' && product) return [product];
  if (!isObject(product)) f.fail(`products[${i}]`, `expected an object, got ${typeName(product)}`);
  const fields = new Fields(product, f.record, `products[${i}].`);
  const ids = [fields.optString('@id'), fields.optObject('identifiers')?.optString('purl') ?? null];
  const unique = [...new Set(ids.filter((id): id is string => !!id))];
  if (!unique.length) fields.fail('@id', 'a product needs an @id or a purl identifier');
  return unique;
}
