import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, createWorker, type TestServer } from '../../../test/support/server.js';
import { systemContext } from '../../platform/context.js';
import { encodeCursor } from '../../platform/http/pagination.js';
import { ANSWERABLE_FACTORS, DEFAULT_RISK_MODEL, FACTORS, moreSevere, NOT_ANSWERED, PROVISIONAL_TIER, scoreVendor, tierFor, type RiskModel } from './risk-score.js';
import { VENDOR_SORTS, type Vendor } from './vendors.schemas.js';

const DAY = 86_400_000;
const MAX_BODY = 8192;

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  field?: string;
  errors?: Array<{ field: string; reason: string }>;
}

async function body<T = any>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON (${res.status}): ${text.slice(0, 300)}`);
  }
}

async function expectStatus<T = any>(res: Response, status: number): Promise<T> {
  const payload = await body<T>(res);
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(payload).slice(0, 500)}`);
  return payload;
}

/** An RFC 9457 problem with the status and, when given, the offending field (top-level and in errors[]). */
async function expectProblem(res: Response, status: number, field?: string): Promise<Problem> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = await expectStatus<Problem>(res, status);
  assert.equal(problem.status, status);
  assert.match(problem.type, /^https:\/\/thirdwatch\.dev\/problems\//);
  assert.ok(problem.title, 'problem has a title');
  assert.ok(problem.detail, 'problem has a detail');
  if (field !== undefined) {
    assert.equal(problem.field, field, `field of ${JSON.stringify(problem)}`);
    assert.ok(problem.errors?.some((e) => e.field === field), `errors[] names ${field}: ${JSON.stringify(problem.errors)}`);
  }
  return problem;
}

const sumPoints = (v: Vendor) => v.inherentRisk.terms.reduce((s, t) => s + t.points, 0);

function expectedScore(v: Vendor, model: RiskModel = DEFAULT_RISK_MODEL) {
  return scoreVendor(
    {
      dataCategories: v.dataCategories,
      accessLevel: v.accessLevel,
      criticality: v.criticality,
      substitutability: v.substitutability,
      shipsSoftware: v.shipsSoftware,
      autoUpdate: v.autoUpdate,
      fourthPartyCount: v.subcontractorCount,
      regulatoryScope: v.regulatoryScope,
      missing: v.inherentRisk.missing,
    },
    model,
  );
}

/** Every answerable factor, answered: a vendor created with these is fully assessed. */
const ASSESSED = { dataCategories: ['internal'], accessLevel: 'none', criticality: 1, substitutability: 1, shipsSoftware: false };

function assertScoreConsistent(v: Vendor, model: RiskModel = DEFAULT_RISK_MODEL) {
  assert.ok(Math.abs(v.inherentRisk.score - sumPoints(v)) <= 0.05, `score ${v.inherentRisk.score} ≠ Σ terms ${sumPoints(v)}`);
  assert.deepEqual(v.inherentRisk.terms.map((t) => t.factor), [...FACTORS]);
  assert.equal(v.tierProvisional, v.inherentRisk.missing.length > 0);
  assert.equal(v.tier, v.tierProvisional ? moreSevere(tierFor(v.inherentRisk.score, model), PROVISIONAL_TIER) : tierFor(v.inherentRisk.score, model));
  const expected = expectedScore(v, model);
  assert.equal(v.inherentRisk.score, expected.score);
  assert.deepEqual(v.inherentRisk.terms, expected.terms);
}

/** Each query with the vendors it must find, on SQLite and PostgreSQL alike. */
const SEARCHES_EXPECTED: Record<string, string[]> = {
  'ÄRZTE': ['Ärztekammer Nordrhein'],
  'ärzte': ['Ärztekammer Nordrhein'],
  'AEKNO.EXAMPLE': ['Ärztekammer Nordrhein'],
  'STRASSE': ['Straße & Söhne Logistik'],
  'straße': ['Straße & Söhne Logistik'],
  'SÖHNE': ['Straße & Söhne Logistik'],
  'istanbul': ['İstanbul Bilişim'],
  'İSTANBUL': ['İstanbul Bilişim'],
  'BİLİŞİM': ['İstanbul Bilişim'],
  'οδος': ['ΟΔΟΣ Δεδομένα'],
  'ΔΕΔΟΜΈΝΑ': ['ΟΔΟΣ Δεδομένα'],
  'fullwidth': ['Ｆｕｌｌｗｉｄｔｈ Corp'],
  'FINANCE': ['Ｆｕｌｌｗｉｄｔｈ Corp'],
  'IŞIK': ['Işık Yazılım'],
  'yazılım': ['Işık Yazılım'],
  'öko-test': ['Verbraucher Magazin'],
  'ärztekammer nordrhein\u001fa': [],
};
const SEARCHES = Object.keys(SEARCHES_EXPECTED);
const searchResults = new Map<string, Record<string, string[]>>();

describeEachEngine('vendors API', ({ engine }) => {
  let server: TestServer;
  let ownerId: string;
  /** Vendors a freshly migrated database already holds (built-in records), left out of whole-inventory checks. */
  let builtIn: Set<string>;

  const create = async (input: Record<string, unknown>) => expectStatus<Vendor>(await server.api('/api/v1/vendors', { method: 'POST', json: input }), 201);
  const getVendor = async (id: string) => expectStatus<Vendor>(await server.api(`/api/v1/vendors/${id}`), 200);
  const patch = (id: string, input: unknown) => server.api(`/api/v1/vendors/${id}`, { method: 'PATCH', json: input });
  const totalVendors = async () => (await expectStatus<{ totalVendors: number }>(await server.api('/api/v1/dashboard'), 200)).totalVendors;
  const list = async (query: string) => expectStatus<{ items: Vendor[]; nextCursor: string | null }>(await server.api(`/api/v1/vendors?${query}`), 200);
  const auditOf = async (entityId: string) =>
    (await expectStatus<{ items: Array<{ action: string; entityType: string; entityId: string; before: any; after: any; actor: { name: string } }> }>(
      await server.api(`/api/v1/audit?entityId=${entityId}&limit=100`, { role: 'auditor' }),
      200,
    )).items;

  before(async () => {
    server = await startTestServer(engine, { THIRDWATCH_MAX_BODY_BYTES: String(MAX_BODY) });
    builtIn = new Set((await server.tw.services.vendors.list({ limit: 500 })).items.map((v) => v.id));
    ownerId = (await server.tw.services.access.createUser({ email: 'owner@example.com', name: 'Owner Person', role: 'analyst' }, systemContext('test'))).id;
  });
  after(async () => {
    await server?.close();
  });

  test('create answers 201 with every field round-tripped and an explained score', async () => {
    const input = {
      name: 'Acme Softphone Ltd',
      aliases: ['Acme', 'ACME Phone'],
      domains: ['acme.example', '*.acme-cdn.example'],
      legalIds: { lei: '5493001KJTIIGC8Y1R12', duns: '123456789', vat: 'GB123456789' },
      country: 'GB',
      website: 'https://www.acme.example/download?x=1',
      description: 'Softphone vendor.\nSecond line — with “quotes” and <tags>.',
      status: 'active',
      businessOwner: 'Jane Doe',
      ownerUserId: ownerId,
      team: 'security',
      services: ['telephony', 'contact centre'],
      dataCategories: ['personal', 'internal'],
      accessLevel: 'integrated',
      criticality: 4,
      substitutability: 3,
      annualSpend: 125000.5,
      currency: 'EUR',
      regulatoryScope: ['GDPR', 'NIS2'],
      shipsSoftware: true,
      autoUpdate: true,
      parentVendorId: null,
    };
    const res = await server.api('/api/v1/vendors', { method: 'POST', json: input });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const v = await expectStatus<Vendor>(res, 201);
    const { team, ...rest } = input;
    for (const [key, value] of Object.entries(rest)) assert.deepEqual((v as any)[key], value, `field ${key}`);
    assert.equal(v.team?.key, team);
    assert.equal(v.team?.name, 'Security');
    assert.match(v.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assertScoreConsistent(v);
    assert.equal(v.tier, 'T1');
    assert.equal(v.subcontractorCount, 0);
    assert.equal(v.lastReviewedAt, null);
    assert.equal(v.reviewOverdue, false);
    assert.equal(Date.parse(v.nextReviewAt!) - Date.parse(v.createdAt), DEFAULT_RISK_MODEL.reviewCadenceDays.T1 * DAY);
    assert.deepEqual(await getVendor(v.id), v);

    const [event] = await auditOf(v.id);
    assert.equal(event.action, 'vendor.create');
    assert.equal(event.entityType, 'vendor');
    // Residual risk is derived when read (assessments, findings, settings), not part of the audited record.
    const { residualRisk, ...recorded } = v;
    assert.ok(residualRisk);
    assert.deepEqual(event.after, recorded);
    assert.equal(event.before, null);
  });

  test('defaults: a vendor with only a name is active and unassessed: every factor missing, tier provisional T2, never low risk', async () => {
    const dashboard = async () => expectStatus<{ needsTriage: number }>(await server.api('/api/v1/dashboard', { role: 'viewer' }), 200);
    const triageBefore = (await dashboard()).needsTriage;
    const v = await create({ name: 'Minimal Vendor' });
    assert.equal(v.status, 'active');
    assert.deepEqual([v.aliases, v.domains, v.services, v.dataCategories, v.regulatoryScope], [[], [], [], [], []]);
    assert.deepEqual(v.legalIds, {});
    assert.equal(v.team, null);
    assertScoreConsistent(v);
    assert.deepEqual(v.inherentRisk.missing, [...ANSWERABLE_FACTORS]);
    assert.equal(v.tierProvisional, true);
    assert.equal(v.tier, 'T2');
    assert.equal(v.inherentRisk.score, 0, 'nothing answered scores nothing: the score is a lower bound');
    for (const term of v.inherentRisk.terms.filter((t) => v.inherentRisk.missing.includes(t.factor))) assert.deepEqual([term.value, term.points], [NOT_ANSWERED, 0]);
    assert.equal(Date.parse(v.nextReviewAt!) - Date.parse(v.createdAt), DEFAULT_RISK_MODEL.reviewCadenceDays.T2 * DAY);
    assert.equal((await dashboard()).needsTriage, triageBefore + 1);
    const queue = async (value: boolean) => (await list(`needsTriage=${value}&limit=500`)).items.map((x) => x.id);
    assert.ok((await queue(true)).includes(v.id));
    assert.ok(!(await queue(false)).includes(v.id));

    // Answering some factors keeps it provisional; answering them with the placeholder values still answers them.
    const partly = await expectStatus<Vendor>(await patch(v.id, { criticality: 2, accessLevel: 'none', dataCategories: [] }), 200);
    assert.deepEqual(partly.inherentRisk.missing, ['dataSensitivity', 'substitutability', 'softwareSupply']);
    assert.equal(partly.tier, 'T2');
    assertScoreConsistent(partly);
    const done = await expectStatus<Vendor>(await patch(v.id, { dataCategories: ['none'], substitutability: 1, shipsSoftware: false }), 200);
    assert.deepEqual(done.inherentRisk.missing, []);
    assert.equal(done.tierProvisional, false);
    assert.equal(done.tier, 'T4');
    assertScoreConsistent(done);
    assert.equal(Date.parse(done.nextReviewAt!) - Date.parse(done.createdAt), DEFAULT_RISK_MODEL.reviewCadenceDays.T4 * DAY);
    assert.equal((await dashboard()).needsTriage, triageBefore);
    assert.ok(!(await queue(true)).includes(v.id));
    // Emptying the data categories un-answers that factor again.
    assert.deepEqual((await expectStatus<Vendor>(await patch(v.id, { dataCategories: [] }), 200)).inherentRisk.missing, ['dataSensitivity']);

    // A known score above the floor keeps its own tier; terminated vendors leave the triage queue.
    const risky = await create({ name: 'Minimal But Risky', dataCategories: ['special-category'], accessLevel: 'privileged', criticality: 4, regulatoryScope: ['GDPR', 'NIS2', 'DORA'], status: 'terminated' });
    assert.deepEqual(risky.inherentRisk.missing, ['substitutability', 'softwareSupply']);
    assert.equal(risky.tier, 'T1');
    assert.ok(!(await queue(true)).includes(risky.id));
  });

  test('tiers follow the thresholds across the range of inputs', async () => {
    const inputs = [
      { ...ASSESSED, name: 'Tier Probe 1', dataCategories: ['confidential'], accessLevel: 'network', criticality: 2 },
      { ...ASSESSED, name: 'Tier Probe 2', dataCategories: ['payment'], accessLevel: 'integrated', criticality: 3, substitutability: 3 },
      { ...ASSESSED, name: 'Tier Probe 3', dataCategories: ['internal'] },
      { ...ASSESSED, name: 'Tier Probe 4', dataCategories: ['special-category'], accessLevel: 'privileged', criticality: 4, shipsSoftware: true },
    ];
    const tiers = new Set<string>();
    for (const input of inputs) {
      const v = await create(input);
      assertScoreConsistent(v);
      tiers.add(v.tier);
    }
    assert.ok(tiers.size >= 3, `probes should land in several tiers: ${[...tiers]}`);
  });

  test('patch rescores, keeps untouched fields, and is audited with before and after', async () => {
    const v = await create({ ...ASSESSED, name: 'Patch Target', dataCategories: ['payment'], accessLevel: 'privileged', criticality: 4, substitutability: 4, aliases: ['PT'] });
    assert.equal(v.tier, 'T1');
    const res = await patch(v.id, { criticality: 1, substitutability: 1, accessLevel: 'none', team: 'legal' });
    const p = await expectStatus<Vendor>(res, 200);
    assert.equal(p.criticality, 1);
    assert.deepEqual(p.aliases, ['PT']);
    assert.deepEqual(p.dataCategories, ['payment']);
    assert.equal(p.team?.key, 'legal');
    assert.ok(p.inherentRisk.score < v.inherentRisk.score);
    assertScoreConsistent(p);
    assert.notEqual(p.tier, 'T1');
    assert.equal(Date.parse(p.nextReviewAt!) - Date.parse(p.createdAt), DEFAULT_RISK_MODEL.reviewCadenceDays[p.tier] * DAY);
    assert.ok(p.updatedAt >= v.updatedAt);
    assert.equal(p.createdAt, v.createdAt);
    assert.deepEqual(await getVendor(v.id), p);

    const cleared = await expectStatus<Vendor>(await patch(v.id, { team: null, aliases: [] }), 200);
    assert.equal(cleared.team, null);
    assert.deepEqual(cleared.aliases, []);

    const events = await auditOf(v.id);
    const update = events.find((e) => e.action === 'vendor.update' && e.after.team?.key === 'legal');
    assert.ok(update, 'update audited');
    assert.equal(update.before.criticality, 4);
    assert.equal(update.after.criticality, 1);
    assert.equal(update.before.inherentRisk.score, v.inherentRisk.score);
    assert.equal(update.after.inherentRisk.score, p.inherentRisk.score);
  });

  test('delete answers 204, then 404, and is audited with the deleted record', async () => {
    const v = await create({ name: 'Delete Me' });
    const product = await expectStatus(await server.api(`/api/v1/vendors/${v.id}/products`, { method: 'POST', json: { name: 'Thing', type: 'saas' } }), 201);
    const res = await server.api(`/api/v1/vendors/${v.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    await expectProblem(await server.api(`/api/v1/vendors/${v.id}`), 404);
    await expectProblem(await server.api(`/api/v1/vendors/${v.id}`, { method: 'DELETE' }), 404);
    await expectProblem(await patch(v.id, { criticality: 2 }), 404);
    await expectProblem(await server.api(`/api/v1/products/${product.id}`), 404);
    const events = await auditOf(v.id);
    const del = events.find((e) => e.action === 'vendor.delete');
    assert.ok(del);
    assert.equal(del.before.name, 'Delete Me');
    assert.equal(del.after, null);
  });

  test('unknown and malformed ids answer 404 and 400', async () => {
    await expectProblem(await server.api(`/api/v1/vendors/${randomUUID()}`), 404);
    await expectProblem(await server.api('/api/v1/vendors/not-a-uuid'), 400, 'id');
    await expectProblem(await server.api(`/api/v1/vendors/${randomUUID()}/fourth-parties`), 404);
  });

  test('invalid bodies answer 400 problem+json naming the field, and change nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'Bad 1', criticality: '3' }, '/criticality'],
      [{ name: 'Bad 2', shipsSoftware: 'yes' }, '/shipsSoftware'],
      [{ name: 'Bad 3', aliases: 'one alias' }, '/aliases'],
      [{ name: 'Bad 4', annualSpend: '1000' }, '/annualSpend'],
      [{ name: 42 }, '/name'],
      [{ name: 'Bad 5', unknownField: 1 }, '/unknownField'],
      [{ name: 'Bad 6', legalIds: { lei: '5493001KJTIIGC8Y1R12', ssn: '1' } }, '/legalIds/ssn'],
      [{}, '/name'],
      [{ aliases: [] }, '/name'],
      [{ name: '' }, '/name'],
      [{ name: '   ' }, '/name'],
      [{ name: 'Bad 7', domains: ['not a domain'] }, '/domains/0'],
      [{ name: 'Bad 8', domains: ['ok.example', 'http://acme.example'] }, '/domains/1'],
      [{ name: 'Bad 9', domains: ['-bad-.example'] }, '/domains/0'],
      [{ name: 'Bad 10', legalIds: { lei: 'TOO-SHORT' } }, '/legalIds/lei'],
      [{ name: 'Bad 11', legalIds: { lei: '5493001kjtiigc8y1r12' } }, '/legalIds/lei'],
      [{ name: 'Bad 12', legalIds: { duns: '12345' } }, '/legalIds/duns'],
      [{ name: 'Bad 13', country: 'GBR' }, '/country'],
      [{ name: 'Bad 14', country: 'gb' }, '/country'],
      [{ name: 'Bad 15', website: 'ftp://files.example' }, '/website'],
      [{ name: 'Bad 16', website: 'javascript:alert(1)' }, '/website'],
      [{ name: 'Bad 17', website: 'not a url' }, '/website'],
      [{ name: 'Bad 18', criticality: 5 }, '/criticality'],
      [{ name: 'Bad 19', criticality: 0 }, '/criticality'],
      [{ name: 'Bad 20', criticality: 2.5 }, '/criticality'],
      [{ name: 'Bad 21', substitutability: 5 }, '/substitutability'],
      [{ name: 'Bad 22', status: 'deleted' }, '/status'],
      [{ name: 'Bad 23', accessLevel: 'root' }, '/accessLevel'],
      [{ name: 'Bad 24', dataCategories: ['personal', 'personal'] }, '/dataCategories'],
      [{ name: 'Bad 25', dataCategories: ['secrets'] }, '/dataCategories/0'],
      [{ name: 'Bad 26', annualSpend: -1 }, '/annualSpend'],
      [{ name: 'Bad 27', currency: 'euro' }, '/currency'],
      [{ name: 'Bad 28', ownerUserId: 'nobody' }, '/ownerUserId'],
      [{ name: 'Bad 29', ownerUserId: randomUUID() }, '/ownerUserId'],
      [{ name: 'Bad 30', parentVendorId: randomUUID() }, '/parentVendorId'],
      [{ name: 'Bad 31', team: 'marketing' }, '/team'],
      [{ name: 'Bad 32', autoUpdate: true }, '/autoUpdate'],
      [{ name: 'x'.repeat(301) }, '/name'],
      [{ name: 'Bad 33', aliases: [''] }, '/aliases/0'],
      // U+0000 cannot be stored in PostgreSQL text; it is refused on both engines.
      [{ name: 'Nul\u0000Byte' }, '/name'],
      [{ name: 'Bad 34', description: 'x\u0000' }, '/description'],
      [{ name: 'Bad 35', aliases: ['ok', '\u0000'] }, '/aliases/1'],
    ];
    const before = await totalVendors();
    for (const [input, field] of cases) {
      const res = await server.api('/api/v1/vendors', { method: 'POST', json: input });
      await expectProblem(res, 400, field).catch((error: Error) => {
        throw new Error(`${JSON.stringify(input).slice(0, 80)}: ${error.message}`);
      });
    }
    for (const input of [null, [], 'vendor', 7]) {
      await expectProblem(await server.api('/api/v1/vendors', { method: 'POST', json: input }), 400);
    }
    assert.equal(await totalVendors(), before);

    const v = await create({ name: 'Patch Validation Target' });
    for (const [input, field] of [
      [{}, '/'],
      [{ criticality: 5 }, '/criticality'],
      [{ id: randomUUID() }, '/id'],
      [{ tier: 'T1' }, '/tier'],
      [{ parentVendorId: v.id }, '/parentVendorId'],
      [{ name: null }, '/name'],
    ] as Array<[unknown, string]>) {
      await expectProblem(await patch(v.id, input), 400, field).catch((error: Error) => {
        throw new Error(`PATCH ${JSON.stringify(input)}: ${error.message}`);
      });
    }
    assert.deepEqual(await getVendor(v.id), v);
  });

  test('a body over THIRDWATCH_MAX_BODY_BYTES answers 413; malformed JSON 400; other media types 415', async () => {
    const before = await totalVendors();
    const big = await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Too Big', description: 'x'.repeat(MAX_BODY * 2) } });
    await expectProblem(big, 413);
    const malformed = await server.api('/api/v1/vendors', { method: 'POST', body: '{"name": "Broken", ', headers: { 'content-type': 'application/json' } });
    await expectProblem(malformed, 400);
    const trailing = await server.api('/api/v1/vendors', { method: 'POST', body: '{"name": "Trailing"} {}', headers: { 'content-type': 'application/json' } });
    await expectProblem(trailing, 400);
    const proto = await server.api('/api/v1/vendors', { method: 'POST', body: '{"name": "Proto", "__proto__": {"criticality": 4}}', headers: { 'content-type': 'application/json' } });
    await expectProblem(proto, 400);
    const xml = await server.api('/api/v1/vendors', { method: 'POST', body: '<vendor/>', headers: { 'content-type': 'application/xml' } });
    await expectProblem(xml, 415);
    assert.equal(await totalVendors(), before);
  });

  test('Unicode names and 300-character names round-trip; 301 characters is refused', async () => {
    const names = [
      '🦊 Fox Software 🚀',
      'شركة المثال للبرمجيات',
      '株式会社テスト・ソフトウェア',
      'Ünïcödé GmbH & Co. KG',
      'עברית בע״מ (RTL) mixed 123',
      'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
      'a'.repeat(300),
      '🦊'.repeat(300),
    ];
    for (const name of names) {
      const v = await create({ name, aliases: [name.slice(0, 20)] });
      assert.equal(v.name, name);
      const fetched = await getVendor(v.id);
      assert.equal(fetched.name, name);
      assert.deepEqual(fetched.aliases, [name.slice(0, 20)]);
    }
    const found = await list(`q=${encodeURIComponent('株式会社テスト')}`);
    assert.deepEqual(found.items.map((v) => v.name), ['株式会社テスト・ソフトウェア']);
    const fox = await list(`q=${encodeURIComponent('🦊 fox')}`);
    assert.deepEqual(fox.items.map((v) => v.name), ['🦊 Fox Software 🚀']);
    await expectProblem(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'b'.repeat(301) } }), 400, '/name');
    await expectProblem(await server.api('/api/v1/vendors', { method: 'POST', json: { name: '🦊'.repeat(301) } }), 400, '/name');
  });

  test('names are unique regardless of case and surrounding space: 409', async () => {
    const first = await create({ name: 'Duplicate Corp' });
    const before = await totalVendors();
    for (const name of ['Duplicate Corp', 'duplicate CORP', '  Duplicate Corp  ', 'DUPLICATE CORP']) {
      await expectProblem(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 409, '/name');
    }
    const other = await create({ name: 'Another Corp' });
    await expectProblem(await patch(other.id, { name: 'duplicate corp' }), 409, '/name');
    assert.equal(await totalVendors(), before + 1);
    // Renaming a vendor to a different case of its own name is fine.
    const renamed = await expectStatus<Vendor>(await patch(first.id, { name: 'DUPLICATE Corp' }), 200);
    assert.equal(renamed.name, 'DUPLICATE Corp');
  });

  test('hostile query parameters never cause a 500 nor lose data', async () => {
    await create({ name: "O'Reilly Media" });
    const before = await totalVendors();
    const injections = [
      "'; DROP TABLE vendors; --",
      "' OR '1'='1",
      "%' OR 1=1 --",
      '" OR ""="',
      "') UNION SELECT * FROM api_tokens --",
      '\\',
      "\\'",
      '\u0000',
    ];
    for (const text of injections) {
      const q = encodeURIComponent(text);
      for (const path of [`/api/v1/vendors?q=${q}`, `/api/v1/vendors?team=${q}`]) {
        const res = await server.api(path);
        assert.notEqual(res.status, 500, `${path}: ${await res.clone().text()}`);
        if (text.includes('\u0000')) {
          await expectProblem(res, 400, path.includes('?q=') ? 'q' : 'team');
        } else {
          const page = await expectStatus<{ items: Vendor[] }>(res, 200);
          assert.equal(page.items.length, 0, `${path} matched ${page.items.map((v) => v.name)}`);
        }
      }
      for (const param of ['sort', 'tier', 'status', 'dataCategory', 'shipsSoftware', 'limit']) {
        const problem = await expectProblem(await server.api(`/api/v1/vendors?${param}=${q}`), 400);
        // Array parameters name the item: tier/0.
        assert.match(problem.field ?? '', new RegExp(`^${param}(/0)?$`));
      }
      await expectProblem(await server.api(`/api/v1/vendors?cursor=${q}`), 400, 'cursor');
      for (const sort of VENDOR_SORTS) {
        for (const cursor of [encodeCursor({ key: text, id: text }), encodeCursor({ key: 12.5, id: text }), encodeCursor({ key: null, id: text })]) {
          const res = await server.api(`/api/v1/vendors?sort=${sort}&cursor=${cursor}`);
          assert.ok(res.status === 200 || res.status === 400, `sort=${sort} cursor for ${JSON.stringify(text)}: ${res.status} ${await res.clone().text()}`);
          if (res.status === 400) await expectProblem(res, 400, 'cursor');
        }
      }
    }
    const quoted = await list(`q=${encodeURIComponent("o'reilly")}`);
    assert.deepEqual(quoted.items.map((v) => v.name), ["O'Reilly Media"]);
    await expectProblem(await server.api('/api/v1/vendors?sort=name;DROP TABLE vendors'), 400, 'sort');
    await expectProblem(await server.api('/api/v1/vendors?limit=0'), 400, 'limit');
    await expectProblem(await server.api('/api/v1/vendors?limit=501'), 400, 'limit');
    await expectProblem(await server.api('/api/v1/vendors?unknown=1'), 400);
    assert.equal(await totalVendors(), before);
  });

  test('search treats % and _ literally and matches name, aliases and domains', async () => {
    await create({ name: 'Fifty%Off Ltd' });
    await create({ name: 'Fifty Percent Off Ltd' });
    await create({ name: 'Under_Score Inc' });
    await create({ name: 'UnderXScore Inc' });
    await create({ name: 'Aliased Vendor', aliases: ['Zebracorn'], domains: ['zebra-search.example'] });
    const names = async (q: string) => (await list(`q=${encodeURIComponent(q)}&limit=500`)).items.map((v) => v.name).sort();
    assert.deepEqual(await names('%'), ['Fifty%Off Ltd']);
    assert.deepEqual(await names('fifty%'), ['Fifty%Off Ltd']);
    assert.deepEqual(await names('_'), ['Under_Score Inc']);
    assert.deepEqual(await names('r_s'), ['Under_Score Inc']);
    assert.deepEqual(await names('UNDER'), ['Under_Score Inc', 'UnderXScore Inc'].sort());
    assert.deepEqual(await names('zebracorn'), ['Aliased Vendor']);
    assert.deepEqual(await names('zebra-search'), ['Aliased Vendor']);
  });

  test('search folds case beyond ASCII, the same on every engine', async () => {
    for (const input of [
      { name: 'Ärztekammer Nordrhein', domains: ['aekno.example'] },
      { name: 'Straße & Söhne Logistik' },
      { name: 'İstanbul Bilişim', aliases: ['ISTANBUL IT'] },
      { name: 'ΟΔΟΣ Δεδομένα' },
      { name: 'Ｆｕｌｌｗｉｄｔｈ Corp', aliases: ['ﬁnance partners'] },
      { name: 'Işık Yazılım' },
      { name: 'Verbraucher Magazin', aliases: ['ÖKO-TEST'] },
    ]) await create(input);
    const results: Record<string, string[]> = {};
    for (const q of SEARCHES) {
      results[q] = (await list(`q=${encodeURIComponent(q)}&limit=100`)).items.map((v) => v.name).sort();
      assert.deepEqual(results[q], SEARCHES_EXPECTED[q], `q=${q}`);
    }
    searchResults.set(engine, results);
    const other = [...searchResults].find(([e]) => e !== engine);
    if (other) assert.deepEqual(results, other[1], `${engine} answers like ${other[0]}`);
  });

  test('pagination: every sort walks 25 vendors in pages of 10 without duplicates or misses, in a stable order', async () => {
    const created: Vendor[] = [];
    const categories = ['none', 'internal', 'confidential', 'personal', 'payment'];
    for (let i = 0; i < 25; i++) {
      created.push(
        await create({
          name: `Pager ${String(i).padStart(2, '0')}`,
          // Scores repeat (ties) so the id tie-breaker is exercised.
          dataCategories: [categories[i % categories.length]],
          criticality: 1 + (i % 4),
        }),
      );
    }
    // Different review dates (and ties) for the nextReviewAt sort; a later update for updatedAt.
    for (let i = 0; i < 25; i += 3) {
      created[i] = await expectStatus<Vendor>(
        await server.api(`/api/v1/vendors/${created[i].id}/reviews`, { method: 'POST', json: { reviewedAt: new Date(Date.now() - (i % 2) * DAY).toISOString() } }),
        200,
      );
    }
    const ids = new Set(created.map((v) => v.id));
    const keyOf: Record<string, (v: Vendor) => string | number> = {
      name: (v) => v.name.toLowerCase(),
      riskScore: (v) => v.inherentRisk.score,
      nextReviewAt: (v) => v.nextReviewAt ?? '',
      updatedAt: (v) => v.updatedAt,
    };
    for (const sort of VENDOR_SORTS) {
      const walk = async () => {
        const seen: Vendor[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: { items: Vendor[]; nextCursor: string | null } = await list(`q=pager&limit=10&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`);
          assert.ok(page.items.length <= 10);
          seen.push(...page.items);
          cursor = page.nextCursor;
          pages++;
          assert.ok(pages <= 5, 'pagination terminates');
        } while (cursor);
        return { seen, pages };
      };
      const { seen, pages } = await walk();
      assert.equal(pages, 3, `${sort}: 3 pages`);
      assert.equal(seen.length, 25, `${sort}: 25 items`);
      assert.equal(new Set(seen.map((v) => v.id)).size, 25, `${sort}: no duplicates`);
      assert.ok(seen.every((v) => ids.has(v.id)), `${sort}: only the created vendors`);
      const single = await list(`q=pager&limit=100&sort=${sort}`);
      assert.equal(single.nextCursor, null);
      assert.deepEqual(seen.map((v) => v.id), single.items.map((v) => v.id), `${sort}: paged order equals the one-page order`);
      assert.deepEqual((await walk()).seen.map((v) => v.id), seen.map((v) => v.id), `${sort}: stable across walks`);
      const field = sort.replace(/^-/, '');
      const descending = sort.startsWith('-');
      for (let i = 1; i < seen.length; i++) {
        const [a, b] = [keyOf[field](seen[i - 1]), keyOf[field](seen[i])];
        if (field === 'name') continue; // collation order is the database's; checked by the one-page comparison
        assert.ok(descending ? a >= b : a <= b, `${sort}: ${a} then ${b}`);
        if (a === b) assert.ok(descending ? seen[i - 1].id > seen[i].id : seen[i - 1].id < seen[i].id, `${sort}: ties ordered by id`);
      }
    }
    const byName = (await list('q=pager&limit=100&sort=name')).items.map((v) => v.name);
    assert.deepEqual(byName, [...byName].sort());
    const exact = await list('q=pager&limit=25');
    assert.equal(exact.items.length, 25);
    assert.equal(exact.nextCursor, null, 'no empty last page');
    await expectProblem(await server.api('/api/v1/vendors?cursor=not-a-cursor'), 400, 'cursor');
    await expectProblem(await server.api(`/api/v1/vendors?cursor=${Buffer.from('{"a":1}').toString('base64url')}`), 400, 'cursor');
    // A cursor from one sort reused with another sort is refused or ignored, never a 500.
    const nameCursor = (await list('q=pager&limit=10&sort=name')).nextCursor!;
    await expectProblem(await server.api(`/api/v1/vendors?q=pager&limit=10&sort=riskScore&cursor=${nameCursor}`), 400, 'cursor');
    const scoreCursor = (await list('q=pager&limit=10&sort=-riskScore')).nextCursor!;
    await expectProblem(await server.api(`/api/v1/vendors?q=pager&limit=10&sort=updatedAt&cursor=${scoreCursor}`), 400, 'cursor');
    // Audit cursors are sequence numbers.
    const auditPage = await expectStatus(await server.api('/api/v1/audit?limit=2', { role: 'auditor' }), 200);
    const nextAudit = await expectStatus(await server.api(`/api/v1/audit?limit=2&cursor=${auditPage.nextCursor}`, { role: 'auditor' }), 200);
    assert.ok(nextAudit.items[0].seq < auditPage.items[1].seq);
    for (const raw of ['["1; DROP TABLE audit_events","x"]', '[1.5,"x"]', '[1e999,"x"]', '[null,"x"]', '[5,"\\u0000"]']) {
      const cursor = Buffer.from(raw).toString('base64url');
      await expectProblem(await server.api(`/api/v1/audit?cursor=${cursor}`, { role: 'auditor' }), 400, 'cursor');
    }
    await expectProblem(await server.api(`/api/v1/vendors?sort=riskScore&cursor=${Buffer.from('[1e999,"x"]').toString('base64url')}`), 400, 'cursor');
    await expectProblem(await server.api(`/api/v1/vendors/${created[0].id}/history?cursor=${encodeCursor({ key: 'x', id: 'x' })}`), 400, 'cursor');
  });

  test('filters: tier, status, team, dataCategory, shipsSoftware, reviewOverdue', async () => {
    const p = 'Filterable';
    const a = await create({ ...ASSESSED, name: `${p} A`, status: 'prospect', team: 'it', dataCategories: ['payment'], accessLevel: 'privileged', criticality: 4, substitutability: 4, shipsSoftware: true });
    const b = await create({ ...ASSESSED, name: `${p} B`, status: 'active', team: 'privacy', dataCategories: ['personal', 'internal'], criticality: 2, substitutability: 2 });
    const c = await create({ ...ASSESSED, name: `${p} C`, status: 'terminated', dataCategories: ['none'] });
    const names = async (query: string) => (await list(`q=${p}&limit=100&${query}`)).items.map((v) => v.name).sort();
    assert.equal(a.tier, 'T1');
    assert.equal(c.tier, 'T4');
    assert.deepEqual(await names('tier=T1'), [a.name]);
    assert.deepEqual(await names(`tier=T1&tier=${c.tier}`), [a.name, c.name]);
    assert.deepEqual(await names(`tier=${b.tier}`), [a, b, c].filter((v) => v.tier === b.tier).map((v) => v.name).sort());
    assert.deepEqual(await names('status=prospect'), [a.name]);
    assert.deepEqual(await names('status=active&status=terminated'), [b.name, c.name]);
    assert.deepEqual(await names('team=it'), [a.name]);
    const privacy = (await expectStatus<{ items: Array<{ id: string; key: string }> }>(await server.api('/api/v1/teams'), 200)).items.find((t) => t.key === 'privacy')!;
    assert.deepEqual(await names(`team=${privacy.id}`), [b.name]);
    assert.deepEqual(await names('team=nosuchteam'), []);
    assert.deepEqual(await names('dataCategory=personal'), [b.name]);
    assert.deepEqual(await names('dataCategory=payment'), [a.name]);
    assert.deepEqual(await names('dataCategory=special-category'), []);
    assert.deepEqual(await names('shipsSoftware=true'), [a.name]);
    assert.deepEqual(await names('shipsSoftware=false'), [b.name, c.name]);
    assert.deepEqual(await names('reviewOverdue=false'), [a.name, b.name, c.name]);
    assert.deepEqual(await names('reviewOverdue=true'), []);
    assert.deepEqual(await names('tier=T1&status=active'), []);
  });

  test('products: create, list, get, patch, delete, 404s and validation', async () => {
    const v = await create({ name: 'Product Vendor', shipsSoftware: true });
    const base = `/api/v1/vendors/${v.id}/products`;
    const input = { name: 'DesktopApp', type: 'desktop-app', description: 'Electron softphone', version: '18.12.416', deploymentCount: 1200, updateChannel: 'in-app auto-update', autoUpdate: true };
    const product = await expectStatus(await server.api(base, { method: 'POST', json: input }), 201);
    for (const [key, value] of Object.entries(input)) assert.deepEqual(product[key], value, key);
    assert.equal(product.vendorId, v.id);
    const minimal = await expectStatus(await server.api(base, { method: 'POST', json: { name: 'Web Client', type: 'saas' } }), 201);
    assert.equal(minimal.autoUpdate, false);
    assert.equal(minimal.version, null);
    assert.deepEqual((await expectStatus(await server.api(base), 200)).items.map((p: { name: string }) => p.name), ['DesktopApp', 'Web Client']);
    assert.deepEqual(await expectStatus(await server.api(`/api/v1/products/${product.id}`), 200), product);
    const changed = await expectStatus(await server.api(`/api/v1/products/${product.id}`, { method: 'PATCH', json: { version: '18.12.422', deploymentCount: null } }), 200);
    assert.equal(changed.version, '18.12.422');
    assert.equal(changed.deploymentCount, null);
    assert.equal(changed.name, 'DesktopApp');
    assert.deepEqual(await expectStatus(await server.api(`/api/v1/products/${product.id}`), 200), changed);

    await expectProblem(await server.api(base, { method: 'POST', json: { name: 'X', type: 'toaster' } }), 400, '/type');
    await expectProblem(await server.api(base, { method: 'POST', json: { type: 'saas' } }), 400, '/name');
    await expectProblem(await server.api(base, { method: 'POST', json: { name: 'X', type: 'saas', deploymentCount: -1 } }), 400, '/deploymentCount');
    await expectProblem(await server.api(`/api/v1/products/${product.id}`, { method: 'PATCH', json: {} }), 400);
    await expectProblem(await server.api(`/api/v1/products/${product.id}`, { method: 'PATCH', json: { vendorId: randomUUID() } }), 400, '/vendorId');
    const missing = randomUUID();
    await expectProblem(await server.api(`/api/v1/vendors/${missing}/products`, { method: 'POST', json: { name: 'X', type: 'saas' } }), 404);
    await expectProblem(await server.api(`/api/v1/vendors/${missing}/products`), 404);
    await expectProblem(await server.api(`/api/v1/products/${missing}`), 404);
    await expectProblem(await server.api(`/api/v1/products/${missing}`, { method: 'PATCH', json: { name: 'Y' } }), 404);
    await expectProblem(await server.api(`/api/v1/products/${missing}`, { method: 'DELETE' }), 404);

    assert.equal((await server.api(`/api/v1/products/${minimal.id}`, { method: 'DELETE' })).status, 204);
    await expectProblem(await server.api(`/api/v1/products/${minimal.id}`), 404);

    const actions = (await auditOf(product.id)).map((e) => e.action);
    assert.deepEqual(actions, ['product.update', 'product.create']);
    const [update] = await auditOf(product.id);
    assert.equal(update.before.version, '18.12.416');
    assert.equal(update.after.version, '18.12.422');
    assert.deepEqual((await auditOf(minimal.id)).map((e) => e.action), ['product.delete', 'product.create']);
    const history = await expectStatus(await server.api(`/api/v1/vendors/${v.id}/history`, { role: 'viewer' }), 200);
    assert.ok(history.items.some((e: { action: string }) => e.action === 'product.update'));
    assert.ok(history.items.some((e: { action: string }) => e.action === 'vendor.create'));
  });

  test('contacts: create, list, patch, delete, 404s and validation', async () => {
    const v = await create({ name: 'Contact Vendor' });
    const base = `/api/v1/vendors/${v.id}/contacts`;
    const contact = await expectStatus(await server.api(base, { method: 'POST', json: { name: 'Sam Security', email: 'Security@Vendor.example', phone: '+44 20 7946 0000', role: 'security contact', isPrimary: true } }), 201);
    assert.equal(contact.email, 'security@vendor.example');
    assert.equal(contact.isPrimary, true);
    assert.equal(contact.vendorId, v.id);
    const second = await expectStatus(await server.api(base, { method: 'POST', json: { name: 'Alex Account' } }), 201);
    assert.deepEqual((await expectStatus(await server.api(base), 200)).items.map((c: { name: string }) => c.name), ['Sam Security', 'Alex Account']);
    const changed = await expectStatus(await server.api(`/api/v1/contacts/${second.id}`, { method: 'PATCH', json: { role: 'DPO', email: null } }), 200);
    assert.equal(changed.role, 'DPO');
    assert.equal(changed.email, null);
    await expectProblem(await server.api(base, { method: 'POST', json: { name: 'X', email: 'not-an-email' } }), 400, '/email');
    await expectProblem(await server.api(base, { method: 'POST', json: { name: 'X', phone: 'call me' } }), 400, '/phone');
    const missing = randomUUID();
    await expectProblem(await server.api(`/api/v1/vendors/${missing}/contacts`, { method: 'POST', json: { name: 'X' } }), 404);
    await expectProblem(await server.api(`/api/v1/vendors/${missing}/contacts`), 404);
    await expectProblem(await server.api(`/api/v1/contacts/${missing}`, { method: 'PATCH', json: { name: 'Y' } }), 404);
    await expectProblem(await server.api(`/api/v1/contacts/${missing}`, { method: 'DELETE' }), 404);
    assert.equal((await server.api(`/api/v1/contacts/${second.id}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual((await expectStatus(await server.api(base), 200)).items.map((c: { id: string }) => c.id), [contact.id]);
    assert.deepEqual((await auditOf(second.id)).map((e) => e.action), ['contact.delete', 'contact.update', 'contact.create']);
  });

  test('dashboard warns of contracts ending soon and of notice deadlines near or passed, not of distant ones or terminated vendors', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
    const v = await create({ name: 'Renewal Vendor' });
    const gone = await create({ name: 'Terminated Renewal Vendor' });
    const contract = async (vendorId: string, title: string, endIn: number, noticePeriodDays: number | null) =>
      expectStatus<{ id: string }>(await server.api(`/api/v1/vendors/${vendorId}/contracts`, { method: 'POST', json: { title, endDate: day(endIn), noticePeriodDays } }), 201);
    const passed = await contract(v.id, 'Softphone licence', 25, 30);
    const noticeSoon = await contract(v.id, 'Hosting', 200, 180);
    await contract(v.id, 'Distant', 200, 10);
    await contract(gone.id, 'Ended relationship', 10, 30);
    await expectStatus(await server.api(`/api/v1/vendors/${gone.id}`, { method: 'PATCH', json: { status: 'terminated' } }), 200);
    type Ending = { contractId: string; vendorName: string; daysToEnd: number; noticeBy: string | null; daysToNotice: number | null };
    const { contractsEnding } = await expectStatus<{ contractsEnding: Ending[] }>(await server.api('/api/v1/dashboard', { role: 'viewer' }), 200);
    const mine = contractsEnding.filter((c) => c.vendorName.includes('Renewal Vendor'));
    assert.deepEqual(
      mine.map((c) => [c.contractId, c.daysToEnd, c.noticeBy, c.daysToNotice]),
      [
        [passed.id, 25, day(-5), -5],
        [noticeSoon.id, 200, day(20), 20],
      ],
    );
  });

  test('contracts: create, list, patch, delete, 404s; endDate before startDate is 400', async () => {
    const v = await create({ name: 'Contract Vendor' });
    const base = `/api/v1/vendors/${v.id}/contracts`;
    const input = { title: 'MSA 2024', startDate: '2024-01-01', endDate: '2026-12-31', value: 250000.75, currency: 'EUR', noticePeriodDays: 90, sbomClause: true, breachNotificationClause: true, breachNotificationHours: 24 };
    const contract = await expectStatus(await server.api(base, { method: 'POST', json: input }), 201);
    for (const [key, value] of Object.entries(input)) assert.deepEqual(contract[key], value, key);
    assert.deepEqual((await expectStatus(await server.api(base), 200)).items, [contract]);
    await expectProblem(await server.api(base, { method: 'POST', json: { title: 'Backwards', startDate: '2025-01-02', endDate: '2025-01-01' } }), 400, '/endDate');
    await expectProblem(await server.api(base, { method: 'POST', json: { title: 'Bad date', startDate: '2025-13-01' } }), 400, '/startDate');
    await expectProblem(await server.api(base, { method: 'POST', json: { title: 'Bad hours', breachNotificationHours: 0 } }), 400, '/breachNotificationHours');
    await expectProblem(await server.api(`/api/v1/contracts/${contract.id}`, { method: 'PATCH', json: { endDate: '2023-12-31' } }), 400, '/endDate');
    await expectProblem(await server.api(`/api/v1/contracts/${contract.id}`, { method: 'PATCH', json: { startDate: '2027-01-01' } }), 400, '/endDate');
    const sameDay = await expectStatus(await server.api(`/api/v1/contracts/${contract.id}`, { method: 'PATCH', json: { startDate: '2026-12-31', sbomClause: false } }), 200);
    assert.equal(sameDay.startDate, '2026-12-31');
    assert.equal(sameDay.sbomClause, false);
    assert.deepEqual((await expectStatus(await server.api(base), 200)).items, [sameDay]);
    assert.equal((await server.api(base)).status, 200);
    const missing = randomUUID();
    await expectProblem(await server.api(`/api/v1/vendors/${missing}/contracts`, { method: 'POST', json: { title: 'X' } }), 404);
    await expectProblem(await server.api(`/api/v1/contracts/${missing}`, { method: 'PATCH', json: { title: 'Y' } }), 404);
    await expectProblem(await server.api(`/api/v1/contracts/${missing}`, { method: 'DELETE' }), 404);
    assert.equal((await server.api(`/api/v1/contracts/${contract.id}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual((await expectStatus(await server.api(base), 200)).items, []);
    assert.deepEqual((await auditOf(contract.id)).map((e) => e.action), ['contract.delete', 'contract.update', 'contract.create']);
  });

  test('comments: responders may comment, viewers may not; comments list in order', async () => {
    const v = await create({ name: 'Commented Vendor' });
    const base = `/api/v1/vendors/${v.id}/comments`;
    const first = await expectStatus(await server.api(base, { method: 'POST', role: 'responder', json: { body: 'Asked for their SBOM.' } }), 201);
    assert.equal(first.authorName, 'token:test-responder');
    assert.equal(first.body, 'Asked for their SBOM.');
    await expectStatus(await server.api(base, { method: 'POST', role: 'analyst', json: { body: 'Received 🎉' } }), 201);
    await expectProblem(await server.api(base, { method: 'POST', role: 'viewer', json: { body: 'nope' } }), 403);
    await expectProblem(await server.api(base, { method: 'POST', json: { body: '' } }), 400, '/body');
    await expectProblem(await server.api(base, { method: 'POST', json: { text: 'x' } }), 400);
    await expectProblem(await server.api(`/api/v1/vendors/${randomUUID()}/comments`, { method: 'POST', json: { body: 'x' } }), 404);
    const comments = await expectStatus(await server.api(base, { role: 'viewer' }), 200);
    assert.deepEqual(comments.items.map((c: { body: string }) => c.body), ['Asked for their SBOM.', 'Received 🎉']);
    assert.ok((await auditOf(v.id)).some((e) => e.action === 'comment.create' && e.after.body === 'Received 🎉'));
  });

  test('parent vendors: a chain is fine, a link that closes a cycle is refused with 409 naming /parentVendorId', async () => {
    const top = await create({ name: 'Parent Chain Top' });
    const middle = await create({ name: 'Parent Chain Middle', parentVendorId: top.id });
    const bottom = await create({ name: 'Parent Chain Bottom', parentVendorId: middle.id });
    const auditBefore = (await auditOf(top.id)).length;
    for (const parent of [bottom, middle]) {
      const problem = await expectProblem(await patch(top.id, { parentVendorId: parent.id }), 409, '/parentVendorId');
      assert.match(problem.detail, /cycle/);
    }
    await expectProblem(await patch(middle.id, { parentVendorId: bottom.id }), 409, '/parentVendorId');
    assert.equal((await getVendor(top.id)).parentVendorId, null);
    assert.equal((await auditOf(top.id)).length, auditBefore, 'a refused link writes nothing');
    // Moving a vendor to another branch is not a cycle.
    const other = await create({ name: 'Parent Chain Other' });
    assert.equal((await expectStatus<Vendor>(await patch(bottom.id, { parentVendorId: other.id }), 200)).parentVendorId, other.id);
    assert.equal((await expectStatus<Vendor>(await patch(other.id, { parentVendorId: middle.id }), 200)).parentVendorId, middle.id);
    await expectProblem(await patch(top.id, { parentVendorId: bottom.id }), 409, '/parentVendorId');
  });

  test('subcontractors: a depth-3 tree, cycles refused with 409, self 400, and the fourthParties term follows the count', async () => {
    const [a, b, c, d] = await Promise.all(['Tree A', 'Tree B', 'Tree C', 'Tree D'].map((name) => create({ name })));
    const add = (from: Vendor, to: Vendor, service?: string) =>
      server.api(`/api/v1/vendors/${from.id}/subcontractors`, { method: 'POST', json: { subcontractorId: to.id, ...(service ? { service } : {}) } });
    const withB = await expectStatus<Vendor>(await add(a, b, 'hosting'), 200);
    assert.equal(withB.subcontractorCount, 1);
    const fourth = (v: Vendor) => v.inherentRisk.terms.find((t) => t.factor === 'fourthParties')!;
    assert.equal(fourth(withB).value, '1 subcontractor');
    assert.equal(fourth(withB).points, 1);
    assert.equal(withB.inherentRisk.score, a.inherentRisk.score + 1);
    assertScoreConsistent(withB);
    await expectStatus(await add(b, c, 'payments'), 200);
    await expectStatus(await add(c, d), 200);

    const { tree, usedBy } = await expectStatus(await server.api(`/api/v1/vendors/${a.id}/fourth-parties`, { role: 'viewer' }), 200);
    assert.equal(tree.id, a.id);
    assert.equal(tree.children.length, 1);
    const [nb] = tree.children;
    assert.deepEqual([nb.id, nb.name, nb.service, nb.cycle], [b.id, 'Tree B', 'hosting', false]);
    const [nc] = nb.children;
    assert.deepEqual([nc.id, nc.service], [c.id, 'payments']);
    const [nd] = nc.children;
    assert.deepEqual([nd.id, nd.children, nd.cycle], [d.id, [], false]);
    assert.deepEqual(usedBy, []);
    const ofC = await expectStatus(await server.api(`/api/v1/vendors/${c.id}/fourth-parties`), 200);
    assert.deepEqual(ofC.usedBy.map((u: { id: string }) => u.id), [b.id]);

    const auditBefore = (await auditOf(d.id)).length;
    for (const [from, to] of [[b, a], [c, a], [d, a], [d, b]] as const) {
      await expectProblem(await add(from, to), 409, '/subcontractorId');
    }
    assert.equal((await auditOf(d.id)).length, auditBefore, 'a refused link writes nothing');
    await expectProblem(await add(a, a), 400, '/subcontractorId');
    await expectProblem(await server.api(`/api/v1/vendors/${a.id}/subcontractors`, { method: 'POST', json: { subcontractorId: randomUUID() } }), 400, '/subcontractorId');
    await expectProblem(await server.api(`/api/v1/vendors/${randomUUID()}/subcontractors`, { method: 'POST', json: { subcontractorId: a.id } }), 404);

    // A diamond is not a cycle; adding the same link twice does not double-count.
    await expectStatus(await add(a, c), 200);
    const three = await expectStatus<Vendor>(await add(a, d), 200);
    assert.equal((await expectStatus<Vendor>(await add(a, d, 'again'), 200)).subcontractorCount, 3);
    assert.equal(three.subcontractorCount, 3);
    assert.equal(fourth(three).points, 3);
    assertScoreConsistent(three);
    const removed = await expectStatus<Vendor>(await server.api(`/api/v1/vendors/${a.id}/subcontractors/${d.id}`, { method: 'DELETE' }), 200);
    assert.equal(removed.subcontractorCount, 2);
    assert.equal(fourth(removed).points, 2);
    assertScoreConsistent(removed);
    await expectProblem(await server.api(`/api/v1/vendors/${a.id}/subcontractors/${d.id}`, { method: 'DELETE' }), 404);
    const actions = (await auditOf(a.id)).map((e) => e.action);
    assert.ok(actions.includes('vendor.subcontractor.add'));
    assert.ok(actions.includes('vendor.subcontractor.remove'));

    // Deleting a subcontractor removes its links, and the vendors that used it are rescored.
    assert.equal((await server.api(`/api/v1/vendors/${c.id}`, { method: 'DELETE' })).status, 204);
    const afterDelete = await getVendor(a.id);
    assert.equal(afterDelete.subcontractorCount, 1);
    assert.equal(fourth(afterDelete).value, '1 subcontractor');
    assertScoreConsistent(afterDelete);
    assertScoreConsistent(await getVendor(b.id));
  });

  test('reviews move nextReviewAt by the tier cadence; overdue reviews are flagged once, with an audit event', async () => {
    const v = await create({ name: 'Reviewed Vendor', dataCategories: ['personal'], accessLevel: 'network', criticality: 3 });
    const reviewedAt = new Date(Date.now() - 10 * DAY).toISOString();
    const reviewed = await expectStatus<Vendor>(await server.api(`/api/v1/vendors/${v.id}/reviews`, { method: 'POST', json: { reviewedAt, note: 'All good' } }), 200);
    assert.equal(reviewed.lastReviewedAt, reviewedAt);
    assert.equal(Date.parse(reviewed.nextReviewAt!), Date.parse(reviewedAt) + DEFAULT_RISK_MODEL.reviewCadenceDays[v.tier] * DAY);
    assert.equal(reviewed.reviewOverdue, false);
    const comments = await expectStatus(await server.api(`/api/v1/vendors/${v.id}/comments`), 200);
    assert.ok(comments.items.some((c: { body: string }) => c.body.includes('All good')));
    await expectProblem(await server.api(`/api/v1/vendors/${v.id}/reviews`, { method: 'POST', json: { reviewedAt: new Date(Date.now() + 2 * DAY).toISOString() } }), 400, '/reviewedAt');
    await expectProblem(await server.api(`/api/v1/vendors/${v.id}/reviews`, { method: 'POST', json: { reviewedAt: 'yesterday' } }), 400, '/reviewedAt');
    await expectProblem(await server.api(`/api/v1/vendors/${randomUUID()}/reviews`, { method: 'POST', json: {} }), 404);

    const late = await expectStatus<Vendor>(await server.api(`/api/v1/vendors/${v.id}/reviews`, { method: 'POST', json: { reviewedAt: '2020-01-01T00:00:00.000Z' } }), 200);
    assert.ok(Date.parse(late.nextReviewAt!) < Date.now());
    const flagged = await server.tw.services.vendors.flagOverdueReviews(systemContext('review scheduler'));
    assert.ok(flagged.flagged >= 1);
    const after = await getVendor(v.id);
    assert.equal(after.reviewOverdue, true);
    assert.deepEqual((await list('reviewOverdue=true&q=reviewed vendor')).items.map((x) => x.id), [v.id]);
    const events = (await auditOf(v.id)).filter((e) => e.action === 'vendor.review-overdue');
    assert.equal(events.length, 1);
    assert.equal(events[0].actor.name, 'review scheduler');
    assert.equal(events[0].after.nextReviewAt, late.nextReviewAt);
    assert.equal((await server.tw.services.vendors.flagOverdueReviews(systemContext())).flagged, 0, 'flagged once');
    const dashboard = await expectStatus(await server.api('/api/v1/dashboard'), 200);
    assert.ok(dashboard.reviewsOverdue >= 1);

    const fresh = await expectStatus<Vendor>(await server.api(`/api/v1/vendors/${v.id}/reviews`, { method: 'POST', json: {} }), 200);
    assert.equal(fresh.reviewOverdue, false);
    assert.ok(Date.parse(fresh.nextReviewAt!) > Date.now());
  });

  test('a terminated vendor has no next review, is never overdue and cannot be reviewed; reactivated, its date is back', async () => {
    const v = await create({ name: 'Terminated Supplier', criticality: 4, accessLevel: 'privileged', status: 'active' });
    await expectStatus<Vendor>(await server.api(`/api/v1/vendors/${v.id}/reviews`, { method: 'POST', json: { reviewedAt: '2020-01-01T00:00:00.000Z' } }), 200);
    const terminated = await expectStatus<Vendor>(await server.api(`/api/v1/vendors/${v.id}`, { method: 'PATCH', json: { status: 'terminated' } }), 200);
    assert.equal(terminated.nextReviewAt, null);
    assert.equal(terminated.reviewOverdue, false);
    assert.equal((await getVendor(v.id)).nextReviewAt, null);
    assert.equal((await list('q=terminated supplier')).items[0].nextReviewAt, null);
    assert.deepEqual((await list('reviewOverdue=true&q=terminated supplier')).items, []);
    await expectProblem(await server.api(`/api/v1/vendors/${v.id}/reviews`, { method: 'POST', json: {} }), 409, '/status');
    const dashboard = await expectStatus(await server.api('/api/v1/dashboard'), 200);
    assert.ok(!dashboard.reviewsDueSoon.some((r: { id: string }) => r.id === v.id));

    const back = await expectStatus<Vendor>(await server.api(`/api/v1/vendors/${v.id}`, { method: 'PATCH', json: { status: 'active' } }), 200);
    assert.ok(back.nextReviewAt && Date.parse(back.nextReviewAt) < Date.now());
    assert.equal(back.reviewOverdue, true);
  });

  test('export takes the list filters and sort, adds tier, score and next review, and imports back unchanged', async () => {
    const parent = await create({ name: 'Export Parent Group', criticality: 1, status: 'prospect' });
    await create({ name: 'Export Alpha', criticality: 4, accessLevel: 'privileged', dataCategories: ['payment'], status: 'active', parentVendorId: parent.id });
    await create({ name: 'Export Beta', criticality: 1, status: 'terminated' });
    const res = await server.api('/api/v1/vendors/export?q=export&tier=T1&tier=T2&tier=T3&status=active&status=terminated&sort=-riskScore');
    assert.equal(res.status, 200);
    const lines = (await res.text()).trim().split(/\r?\n/);
    const header = lines[0].split(',');
    for (const column of ['tier', 'risk_score', 'next_review_at']) assert.ok(header.includes(column), column);
    const rows = lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((cell, i) => [header[i], cell])));
    const listed = (await list('q=export&tier=T1&tier=T2&tier=T3&status=active&status=terminated&sort=-riskScore&limit=100')).items;
    assert.deepEqual(rows.map((r) => r.name), listed.map((v) => v.name), 'the same vendors in the same order as the filtered list');
    assert.ok(!rows.some((r) => r.name === 'Export Parent Group'), 'filtered out (a prospect)');
    const alpha = listed.find((v) => v.name === 'Export Alpha')!;
    const alphaRow = rows.find((r) => r.name === 'Export Alpha')!;
    assert.deepEqual([alphaRow.tier, alphaRow.risk_score, alphaRow.next_review_at, alphaRow.parent_vendor], [alpha.tier, alpha.inherentRisk.score.toFixed(1), alpha.nextReviewAt, 'Export Parent Group']);
    const beta = rows.find((r) => r.name === 'Export Beta');
    if (beta) assert.equal(beta.next_review_at, '', 'a terminated vendor has no next review');

    const json = JSON.parse(await (await server.api('/api/v1/vendors/export?format=json&q=export%20alpha')).text());
    assert.deepEqual(json.vendors.map((v: Vendor) => v.name), ['Export Alpha']);
    await expectProblem(await server.api('/api/v1/vendors/export?limit=5'), 400);

    const back = await server.api('/api/v1/vendors/import?dryRun=true&wait=true', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: lines.join('\n') });
    const report = await back.json();
    assert.deepEqual([back.status, report.errors, report.updated], [200, [], rows.length]);
  });

  test('risk model: weights must sum to 100; a change enqueues a rescore job that rescales every vendor', async () => {
    const current = await expectStatus<RiskModel>(await server.api('/api/v1/settings/risk-model', { role: 'viewer' }), 200);
    assert.deepEqual(current, DEFAULT_RISK_MODEL);
    const put = (model: unknown, role: 'admin' | 'analyst' = 'admin') => server.api('/api/v1/settings/risk-model', { method: 'PUT', role, json: model });
    await expectProblem(await put({ ...DEFAULT_RISK_MODEL, weights: { ...DEFAULT_RISK_MODEL.weights, dataSensitivity: 24 } }), 400, '/weights');
    await expectProblem(await put({ ...DEFAULT_RISK_MODEL, weights: { ...DEFAULT_RISK_MODEL.weights, dataSensitivity: 150 } }), 400, '/weights/dataSensitivity');
    await expectProblem(await put({ ...DEFAULT_RISK_MODEL, tierThresholds: { T1: 20, T2: 50, T3: 70 } }), 400, '/tierThresholds/T2');
    await expectProblem(await put({ ...DEFAULT_RISK_MODEL, reviewCadenceDays: { ...DEFAULT_RISK_MODEL.reviewCadenceDays, T1: 0 } }), 400, '/reviewCadenceDays/T1');
    await expectProblem(await put({ ...DEFAULT_RISK_MODEL, extra: true }), 400, '/extra');
    await expectProblem(await put(DEFAULT_RISK_MODEL, 'analyst'), 403);
    const jobsOf = async () =>
      (await expectStatus<{ items: Array<{ kind: string; status: string }> }>(await server.api('/api/v1/jobs?kind=vendors.rescore'), 200)).items;
    assert.equal((await jobsOf()).length, 0, 'refused changes enqueue nothing');

    const v = await create({ ...ASSESSED, name: 'Rescaled Vendor', dataCategories: ['special-category'], accessLevel: 'none', criticality: 1, substitutability: 1 });
    assert.equal(v.inherentRisk.score, 25);
    const model: RiskModel = {
      weights: { dataSensitivity: 60, accessLevel: 10, criticality: 10, substitutability: 5, softwareSupply: 5, fourthParties: 5, regulatoryScope: 5 },
      tierThresholds: { T1: 80, T2: 55, T3: 30 },
      reviewCadenceDays: { T1: 30, T2: 90, T3: 180, T4: 365 },
    };
    assert.deepEqual(await expectStatus(await put(model), 200), model);
    assert.deepEqual(await expectStatus(await server.api('/api/v1/settings/risk-model'), 200), model);
    const queued = await jobsOf();
    assert.deepEqual(queued.map((j) => j.status), ['queued']);
    assert.equal((await getVendor(v.id)).inherentRisk.score, 25, 'rescoring happens in the background');

    const ran = await createWorker(server.tw).drain();
    assert.ok(ran >= 1);
    assert.deepEqual((await jobsOf()).map((j) => j.status), ['done']);
    const rescored = await getVendor(v.id);
    assert.equal(rescored.inherentRisk.score, 60);
    assert.equal(rescored.tier, 'T2');
    assert.equal(rescored.inherentRisk.terms.find((t) => t.factor === 'dataSensitivity')!.weight, 60);
    assertScoreConsistent(rescored, model);
    assert.equal(Date.parse(rescored.nextReviewAt!) - Date.parse(rescored.createdAt), model.reviewCadenceDays.T2 * DAY);
    const all = await list('limit=500');
    for (const vendor of all.items.filter((v) => !builtIn.has(v.id))) assertScoreConsistent(vendor, model);

    const [event] = (await expectStatus(await server.api('/api/v1/audit?entityType=settings', { role: 'auditor' }), 200)).items;
    assert.equal(event.action, 'settings.risk-model.update');
    assert.deepEqual(event.before, DEFAULT_RISK_MODEL);
    assert.deepEqual(event.after, model);

    // Back to the default so later tests see the usual scores.
    await expectStatus(await put(DEFAULT_RISK_MODEL), 200);
    await createWorker(server.tw).drain();
    assertScoreConsistent(await getVendor(v.id));
  });

  test('every write above is in the audit trail and the hash chain verifies', async () => {
    const events = (await expectStatus(await server.api('/api/v1/audit?limit=500', { role: 'auditor' }), 200)).items as Array<{ action: string; requestId: string | null; actor: { type: string } }>;
    const actions = new Set(events.map((e) => e.action));
    for (const action of ['vendor.create', 'vendor.update', 'vendor.delete', 'vendor.review', 'product.create', 'contact.create', 'contract.create', 'comment.create', 'vendor.subcontractor.add']) {
      assert.ok(actions.has(action), `audit has ${action}`);
    }
    assert.ok(events.filter((e) => e.action === 'vendor.create' && e.actor.type === 'token').every((e) => e.requestId), 'API writes carry the request id');
    const verified = await expectStatus(await server.api('/api/v1/audit/verify', { role: 'auditor' }), 200);
    assert.equal(verified.ok, true, JSON.stringify(verified));
    assert.ok(verified.checked >= events.length);
    assert.equal(verified.brokenAt, null);
  });

  test('the OpenAPI document lists the vendor routes and /api/docs serves HTML', async () => {
    const res = await fetch(`${server.url}/api/openapi.json`);
    const doc = await expectStatus(res, 200);
    assert.match(doc.openapi, /^3\./);
    for (const [path, method] of [
      ['/api/v1/vendors', 'get'],
      ['/api/v1/vendors', 'post'],
      ['/api/v1/vendors/{id}', 'get'],
      ['/api/v1/vendors/{id}', 'patch'],
      ['/api/v1/vendors/{id}', 'delete'],
      ['/api/v1/vendors/{id}/products', 'post'],
      ['/api/v1/vendors/{id}/fourth-parties', 'get'],
      ['/api/v1/vendors/{id}/subcontractors', 'post'],
      ['/api/v1/vendors/import', 'post'],
      ['/api/v1/vendors/export', 'get'],
      ['/api/v1/settings/risk-model', 'put'],
    ]) {
      assert.ok(doc.paths?.[path]?.[method], `openapi has ${method.toUpperCase()} ${path}`);
    }
    const docs = await fetch(`${server.url}/api/docs`);
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await docs.text(), /<html/i);
  });
});
