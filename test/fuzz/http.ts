// HTTP routes: the real app on an ephemeral port, requests built from each route's own schema in the
// app's OpenAPI document (values that fit, values that break it, and hostile bytes), with an admin token.
// Any 5xx, or a 4xx that is not application/problem+json, is a defect. A 202 (a job) is a fine answer.
import fc from 'fast-check';
import { generateCycloneDx } from '../../src/modules/sboms/parsers/test-support/generate.js';
import type { TestServer } from '../support/server.js';
import { type FuzzBytes, HOSTILE_STRINGS, hostileString, mutateText, steps } from './mutate.js';
import { parserTargets } from './parsers.js';
import { playbookYamlTarget } from './playbooks.js';
import { Crash, type Session, type Target } from './target.js';

export interface HttpInput {
  method: string;
  /** The OpenAPI path template the request was built from (its declared responses judge the answer). */
  route: string;
  path: string;
  contentType?: string;
  body?: FuzzBytes;
}

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: Array<{ in: string; name: string; schema: Schema; required?: boolean }>;
  body?: Schema;
  /** Statuses the route documents with a JSON body of its own (e.g. the CSV import's 422 report). */
  jsonStatuses: Set<number>;
}

interface HttpSession extends Session<HttpInput> {
  server: TestServer;
  operations: Operation[];
  ids: Record<string, string>;
}

const REQUEST_TIMEOUT_MS = 15_000;
/** Routes whose real ids would take the fuzzer's own access away (its token, its user) get made-up ids only. */
const NO_REAL_IDS = /^\/api\/v1\/(tokens|users)\//;

export function httpTarget(): Target<HttpInput> {
  return {
    name: 'http',
    kind: 'http',
    open: openSession,
    inputs: async (session) => requests(session as HttpSession, await uploadDocuments()),
  };
}

async function openSession(): Promise<HttpSession> {
  // Loaded here, not at the top: the test-server support pulls in node:test, which parser-only runs do without.
  const { startTestServer } = await import('../support/server.js');
  const server = await startTestServer('sqlite');
  const call = async (path: string, json: unknown) => {
    const res = await server.api(path, { method: 'POST', json });
    if (!res.ok) throw new Error(`fuzz setup: POST ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const vendor = await call('/api/v1/vendors', { name: 'Fuzz Vendor', domains: ['fuzz.example'] });
  const product = await call(`/api/v1/vendors/${vendor.id}/products`, { name: 'Fuzz Product', type: 'server-software' });
  const contact = await call(`/api/v1/vendors/${vendor.id}/contacts`, { name: 'Fuzz Contact', email: 'fuzz@fuzz.example' });
  const contract = await call(`/api/v1/vendors/${vendor.id}/contracts`, { title: 'Fuzz Contract' });
  // E-mail is off in the fuzz server, so a test message through this channel fails at once and sends nothing.
  const channel = await call('/api/v1/notifications/channels', { name: 'Fuzz Channel', type: 'email', config: { recipients: ['fuzz@fuzz.example'] }, events: ['*'] });
  const upload = await server.api(`/api/v1/products/${product.id}/sboms?release=1.0`, { method: 'POST', body: generateCycloneDx(20), headers: { 'content-type': 'application/json' } });
  const sbom = upload.ok ? ((await upload.json()) as { id: string }) : { id: '' };
  const incident = await call('/api/v1/incidents', { title: 'Fuzz incident', severity: 'high', productIds: [product.id] });
  const task = await call(`/api/v1/incidents/${incident.id}/tasks`, { team: 'legal', title: 'Fuzz approval', form: { fields: [{ id: 'decision', label: 'Decision', type: 'choice', options: ['approve', 'reject'] }] } });
  const doc = (await (await server.api('/api/openapi.json')).json()) as { paths: Record<string, Record<string, Schema>> };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const jsonStatuses = new Set(Object.entries<Schema>(op.responses ?? {}).filter(([, r]) => r.content?.['application/json']).map(([status]) => Number(status)));
      operations.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema, jsonStatuses });
    }
  }
  const ids: Record<string, string> = { vendor: vendor.id, product: product.id, contact: contact.id, contract: contract.id, sbom: sbom.id, incident: incident.id, task: task.id, channel: channel.id };
  return {
    server,
    operations,
    ids,
    check: (input) => send(server, input, operations.find((o) => o.method === input.method && o.path === input.route)),
    close: () => server.close(),
  };
}

async function send(server: TestServer, input: HttpInput, op: Operation | undefined): Promise<void> {
  const headers: Record<string, string> = { authorization: `Bearer ${server.tokens.admin}` };
  if (input.contentType) headers['content-type'] = input.contentType;
  let res: Response;
  try {
    res = await fetch(`${server.url}${input.path}`, { method: input.method, headers, body: input.body as BodyInit | undefined, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    // fetch refuses some requests itself (a GET with a body); those never reach the server.
    if (error instanceof TypeError && !(error.cause instanceof Error && 'code' in error.cause)) return;
    throw new Crash(`${input.method} ${input.path}: no answer: ${(error as Error).message}`, { cause: error });
  }
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  if (res.status >= 500) throw new Crash(`${input.method} ${routeOf(input.path)} answered ${res.status}: ${text.slice(0, 300)}`);
  const documented = op?.jsonStatuses.has(res.status) && type.startsWith('application/json');
  if (res.status >= 400 && !type.startsWith('application/problem+json') && !documented) {
    throw new Crash(`${input.method} ${routeOf(input.path)} answered ${res.status} as ${type || 'no content type'}, not application/problem+json: ${text.slice(0, 200)}`);
  }
}

/** "/api/v1/vendors/abc" → "/api/v1/vendors/…" so the same defect on different ids reads the same. */
function routeOf(path: string): string {
  return path.replace(/\?.*$/, '').replace(/\/[0-9a-f-]{20,}/g, '/…');
}

function requests(session: HttpSession, uploads: Map<string, fc.Arbitrary<FuzzBytes>>): fc.Arbitrary<HttpInput> {
  const docs = (name: string) => uploads.get(name)!;
  return fc.nat(session.operations.length - 1).chain((index) => {
    const op = session.operations[index];
    const params = op.params.map((p) => (p.in === 'path' ? pathValue(p.name, op, session.ids) : queryValue(p.schema, p.required ?? false).map((v) => (v === undefined ? null : [p.name, v] as [string, string]))));
    const body = bodyFor(op, docs);
    return fc.tuple(fc.tuple(...params), body).map(([values, payload]) => {
      let path = op.path;
      const query = new URLSearchParams();
      op.params.forEach((p, i) => {
        const value = values[i];
        if (p.in === 'path') path = path.replace(`{${p.name}}`, value as string);
        else if (Array.isArray(value)) query.append(value[0], value[1]);
      });
      const qs = query.toString();
      return { method: op.method, route: op.path, path: qs ? `${path}?${qs}` : path, ...payload };
    });
  });
}

const UPLOAD_DOCS = ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json', 'spdx-tag-value', 'spdx3-jsonld', 'vendor-csv', 'osv-json', 'osv-yaml', 'osv-zip', 'kev', 'epss', 'csaf', 'openvex', 'cyclonedx-vex', 'nvd-json', 'nvd-zip'];

/** Upload routes take documents, not JSON bodies: their inputs are the parser targets' mutated documents. */
async function uploadDocuments(): Promise<Map<string, fc.Arbitrary<FuzzBytes>>> {
  const parsers = new Map(parserTargets().map((t) => [t.name, t]));
  const out = new Map<string, fc.Arbitrary<FuzzBytes>>();
  for (const name of UPLOAD_DOCS) out.set(name, (await parsers.get(name)!.inputs(undefined as never)) as fc.Arbitrary<FuzzBytes>);
  out.set('playbook-yaml', await playbookYamlTarget().inputs(undefined as never));
  return out;
}

function bodyFor(op: Operation, docs: (name: string) => fc.Arbitrary<FuzzBytes>): fc.Arbitrary<Pick<HttpInput, 'body' | 'contentType'>> {
  const raw = (names: string[], types: string[]) =>
    fc.record({ body: fc.oneof(...names.map(docs)), contentType: fc.constantFrom(...types) });
  if (/\/sboms$/.test(op.path) && op.method === 'POST') return raw(['cyclonedx-json', 'cyclonedx-xml', 'spdx-json', 'spdx-tag-value', 'spdx3-jsonld'], ['application/json', 'application/xml', 'text/plain', 'application/octet-stream', 'application/vnd.cyclonedx+json']);
  if (op.path.endsWith('/vendors/import')) return raw(['vendor-csv'], ['text/csv', 'text/plain', 'application/octet-stream']);
  // Evidence: any bytes, labelled as anything (the type is sniffed from the content).
  if (op.path.endsWith('/incidents/{id}/evidence') && op.method === 'POST') {
    return fc.record({ body: fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom('%PDF-1.7\n', '<html><script>1</script>', '{"a":1}', '\u0000'), docs('cyclonedx-json')), contentType: fc.constantFrom('application/pdf', 'image/png', 'text/plain', 'application/octet-stream', 'text/html', '') });
  }
  if (op.path.endsWith('/feeds/{kind}/import')) return raw(['osv-json', 'osv-yaml', 'osv-zip', 'kev', 'epss', 'csaf', 'openvex', 'cyclonedx-vex', 'nvd-json', 'nvd-zip'], ['application/json', 'text/csv', 'application/zip', 'application/octet-stream', 'text/plain']);
  // Playbooks take their YAML as the body too: mutated playbooks, raw or wrapped in { yaml }.
  if (/\/playbooks(\/\{id\}|\/validate)?$/.test(op.path) && (op.method === 'POST' || op.method === 'PUT')) {
    return fc.oneof(
      raw(['playbook-yaml'], ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain']),
      docs('playbook-yaml').map((doc) => ({ body: JSON.stringify({ yaml: typeof doc === 'string' ? doc : Buffer.from(doc).toString('utf8') }), contentType: 'application/json' })),
    );
  }
  if (!op.body) return fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: hostileBody(fc.constant({})) });
  return fc.oneof(
    { weight: 3, arbitrary: fitting(op.body, 0).map((v) => ({ body: JSON.stringify(v), contentType: 'application/json' })) },
    { weight: 3, arbitrary: breaking(op.body).map((v) => ({ body: JSON.stringify(v), contentType: 'application/json' })) },
    { weight: 2, arbitrary: hostileBody(fitting(op.body, 0)) },
  );
}

/** Bytes no schema can describe: invalid UTF-8, NUL, lone surrogates, prototype keys, deep nesting, huge or cut-off JSON. */
function hostileBody(base: fc.Arbitrary<unknown>): fc.Arbitrary<Pick<HttpInput, 'body' | 'contentType'>> {
  const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', '');
  return fc.record({
    contentType,
    body: fc.oneof(
      fc.tuple(base, steps(3)).map(([value, list]) => mutateText(JSON.stringify(value) ?? 'null', list)),
      base.map((value) => JSON.stringify(value).replace(/"([^"\\]*)"/, '"$1\\ud800"')),
      base.map((value) => JSON.stringify(value).replace(/"([^"\\]*)"/, '"$1\\u0000"')),
      base.map((value) => Buffer.concat([Buffer.from(JSON.stringify(value).replace(/"([^"\\]*)"$/, '"$1')), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from('"}')])),
      base.map((value) => `{"__proto__":{"admin":true,"role":"admin"},"constructor":{"prototype":{"x":1}},${JSON.stringify(value).slice(1)}`),
      fc.nat(30_000).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
      fc.nat(30_000).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
      fc.nat(HOSTILE_STRINGS.length * 8).map((n) => JSON.stringify({ name: hostileString(n), title: hostileString(n), role: hostileString(n) })),
      fc.uint8Array({ maxLength: 512 }),
    ),
  });
}

function pathValue(name: string, op: Operation, ids: Record<string, string>): fc.Arbitrary<string> {
  const real = NO_REAL_IDS.test(op.path) ? [] : realIdsFor(name, op.path, ids);
  const made = fc.oneof(
    fc.uuid(),
    fc.constantFrom('0', '-1', 'null', 'undefined', '__proto__', 'constructor', '..', '%2e%2e', '%00', '%ff', '%ed%a0%80', encodeURIComponent('\ud83d\ude00'), 'a'.repeat(5000), 'osv', 'kev', 'epss', 'csaf', 'openvex', 'cyclonedx-vex', 'nvd', 'bogus'),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
  );
  return real.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...real) }, { weight: 2, arbitrary: made }) : made;
}

function realIdsFor(name: string, path: string, ids: Record<string, string>): string[] {
  if (name === 'kind' && path.includes('/clocks/')) return ['gdpr-72h', 'sla-acknowledge', 'nis2-notification'];
  if (name === 'kind') return ['osv', 'kev', 'epss', 'csaf', 'openvex', 'cyclonedx-vex', 'nvd'];
  if (name === 'a' || name === 'b') return [ids.sbom].filter(Boolean);
  if (name === 'childId') return [ids.vendor];
  if (name === 'taskId') return [ids.task];
  if (name === 'event') return ['clock.breached', 'notification.test', 'custom.event'];
  if (path.startsWith('/api/v1/notifications/channels/')) return [ids.channel];
  const owner = /\/api\/v1\/(\w+)\/\{id\}/.exec(path)?.[1];
  const byOwner: Record<string, string> = { vendors: ids.vendor, products: ids.product, contacts: ids.contact, contracts: ids.contract, sboms: ids.sbom, incidents: ids.incident };
  return [byOwner[owner ?? ''] ?? ''].filter(Boolean);
}

function queryValue(schema: Schema, required: boolean): fc.Arbitrary<string | undefined> {
  const value = fc.oneof(
    { weight: 3, arbitrary: fitting(schema, 0).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) },
    { weight: 1, arbitrary: fc.nat(HOSTILE_STRINGS.length * 8).map(hostileString).map((s) => s.slice(0, 3000)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  );
  return required ? value : fc.option(value, { nil: undefined, freq: 2 });
}

/** A schema's range, with defaults that stay ordered when only one side is given (e.g. a minimum above the default maximum). */
function bounds(schema: { minimum?: number; maximum?: number }, low: number, high: number): { min: number; max: number } {
  const min = schema.minimum ?? Math.min(low, schema.maximum ?? low);
  return { min, max: schema.maximum ?? Math.max(high, min) };
}

/** A value that fits the JSON schema (as far as a generator can tell without running the validator). */
function fitting(schema: Schema | undefined, depth: number): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union)) return fc.oneof(...union.map((s: Schema) => fitting(s, depth + 1)));
  if (Array.isArray(schema.allOf)) return fitting(Object.assign({}, ...schema.allOf), depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFitting(schema);
    case 'integer':
      return fc.integer(bounds(schema, -1000, 1_000_000));
    case 'number':
      return fc.double({ ...bounds(schema, -1e6, 1e6), noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fitting(schema.items, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)) });
    case 'object': {
      const properties: Record<string, Schema> = schema.properties ?? {};
      const required: string[] = schema.required ?? [];
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(properties)) record[key] = fitting(value, depth + 1);
      return fc.record(record, { requiredKeys: required.filter((k) => k in properties) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFitting(schema: Schema): fc.Arbitrary<string> {
  const formats: Record<string, fc.Arbitrary<string>> = {
    'date-time': fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    date: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    uuid: fc.uuid(),
    email: fc.emailAddress(),
    uri: fc.webUrl(),
  };
  if (schema.format && formats[schema.format]) return formats[schema.format];
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? Infinity));
    } catch {
      // fast-check cannot generate from every pattern (look-aheads): plain strings are still worth sending.
    }
  }
  // Short strings, unless the schema wants longer ones (a digest's minLength: 64).
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.max(schema.minLength ?? 0, Math.min(schema.maxLength ?? 40, 40)) });
}

/** A value that breaks the schema in one place: wrong type, out of range, too long, missing or extra field. */
function breaking(schema: Schema): fc.Arbitrary<unknown> {
  const wrongType = fc.constantFrom<unknown>(null, 0, -1, 1e308, true, 'x', [], {}, [null], { __proto__: null });
  const properties: Record<string, Schema> = schema.properties ?? {};
  const keys = Object.keys(properties);
  if (schema.type !== 'object' || !keys.length) return fc.oneof(wrongType, fc.nat(HOSTILE_STRINGS.length * 8).map(hostileString));
  return fc.tuple(fitting(schema, 0), fc.nat(keys.length - 1), fc.nat(9), fc.nat()).map(([value, k, how, n]) => {
    const out = { ...(value as Record<string, unknown>) };
    const key = keys[k];
    const field = properties[key];
    switch (how) {
      case 0:
        delete out[key];
        break;
      case 1:
        out[key] = 'x'.repeat((field.maxLength ?? 1000) + 1 + (n % 100_000));
        break;
      case 2:
        out[key] = typeof field.maximum === 'number' ? field.maximum + 1 : typeof field.minimum === 'number' ? field.minimum - 1 : 1e308;
        break;
      case 3:
        out[key] = Array.from({ length: (field.maxItems ?? 100) + 1 }, () => 'x');
        break;
      case 4:
        Object.defineProperty(out, pickKey(n), { value: { admin: true, role: 'admin', polluted: true }, enumerable: true, configurable: true, writable: true });
        break;
      case 5:
        out[`extra_${n % 10}`] = hostileString(n);
        break;
      case 6:
        out[key] = hostileString(n);
        break;
      default:
        out[key] = [null, 0, true, 'x', [], {}, -0.5, 2 ** 53 + 1][n % 8];
        break;
    }
    return out;
  });
}

const pickKey = (n: number) => ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'][n % 5];

