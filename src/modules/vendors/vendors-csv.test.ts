import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { loadConfig } from '../../app/config.js';
import { openThirdwatch, type Thirdwatch } from '../../app/thirdwatch.js';
import { systemContext } from '../../platform/context.js';
import { resultOf } from '../../platform/jobs/launcher.js';
import { createLogger } from '../../platform/logger.js';
import { COMPUTED_COLUMNS, CSV_COLUMNS, joinList, splitList, type ImportReport } from './vendors-csv.js';
import type { Vendor } from './vendors.schemas.js';

const HEADER = 'name,domains,criticality,country,description,team,ships_software,auto_update,lei';

/** A file with good rows and bad ones; the comments give each row's first line (header = 1). */
const MIXED = [
  HEADER, // 1
  'Dry Good One,good.example,3,GB,plain,security,yes,no,', // 2
  'Dry Bad Criticality,,5,,,,,,', // 3
  '"Dry Multi Line",ml.example,2,DE,"first line', // 4
  'second line, with a comma', // 5
  'third ""quoted"" line",,no,no,', // 6
  'Dry Bad Domain,not a domain,2,,,,,,', // 7
  '"Dry Bad Multi",,9,,"a', // 8
  'b",,,,', // 9
  'Dry Bad Bool,,2,,,,maybe,,', // 10
  'Dry Bad Number,,high,,,,,,', // 11
  'Dry Bad LEI,,2,,,,,,SHORT', // 12
  'Dry Bad Auto,,2,,,,no,yes,', // 13: only the database-side checks see this one
  'Dry Bad Team,,2,,,marketing,,,', // 14: and this one
  '', // 15
  'dry good one,,2,,,,,,', // 16: same name as line 2
  'Dry Good Two,,1,FR,,,,,', // 17
];
const MIXED_ERRORS: Array<[number, string]> = [
  [3, 'criticality'],
  [7, 'domains'],
  [8, 'criticality'],
  [10, 'ships_software'],
  [11, 'criticality'],
  [12, 'lei'],
  [13, 'auto_update'],
  [14, 'team'],
  [16, 'name'],
];

describeEachEngine('vendor CSV import and export', ({ engine, createDatabase }) => {
  let server: TestServer;
  /** Vendors a freshly migrated database already holds (built-in records), left out of round-trip comparisons. */
  let builtIn: Set<string>;

  before(async () => {
    server = await startTestServer(engine);
    builtIn = new Set((await server.tw.services.vendors.list({ limit: 500 })).items.map((v) => v.name));
  });
  after(async () => {
    await server?.close();
  });

  const importCsv = async (text: string, options: { dryRun?: boolean; contentType?: string } = {}) => {
    // wait=true: the request runs the import job and answers its report (the 202 flow has its own tests).
    const res = await server.api(`/api/v1/vendors/import?wait=true${options.dryRun ? '&dryRun=true' : ''}`, {
      method: 'POST',
      body: text,
      headers: { 'content-type': options.contentType ?? 'text/csv' },
    });
    const text2 = await res.text();
    let report: ImportReport;
    try {
      report = JSON.parse(text2) as ImportReport;
    } catch {
      throw new Error(`import answered ${res.status}: ${text2.slice(0, 300)}`);
    }
    return { status: res.status, report };
  };
  const totalVendors = async () => ((await (await server.api('/api/v1/dashboard')).json()) as { totalVendors: number }).totalVendors;
  const auditCount = async () => ((await (await server.api('/api/v1/audit/verify', { role: 'auditor' })).json()) as { ok: boolean; checked: number }).checked;
  const vendorNamed = async (name: string): Promise<Vendor | undefined> => {
    const page = (await (await server.api(`/api/v1/vendors?q=${encodeURIComponent(name)}&limit=500`)).json()) as { items: Vendor[] };
    return page.items.find((v) => v.name.toLowerCase() === name.toLowerCase());
  };
  const pairs = (report: ImportReport) => report.errors.map((e) => [e.line, e.field] as [number, string]);

  test('a dry run reports every bad row with its line, column and reason, and writes nothing', async () => {
    const [vendorsBefore, auditBefore] = [await totalVendors(), await auditCount()];
    const { status, report } = await importCsv(MIXED.join('\n'), { dryRun: true });
    assert.equal(status, 200);
    assert.equal(report.dryRun, true);
    assert.deepEqual(pairs(report), MIXED_ERRORS, JSON.stringify(report.errors, null, 1));
    for (const error of report.errors) assert.ok(error.reason.length > 3, `reason for line ${error.line}`);
    assert.match(report.errors.find((e) => e.line === 11)!.reason, /"high" is not a number/);
    assert.match(report.errors.find((e) => e.line === 16)!.reason, /duplicates line 2/);
    assert.match(report.errors.find((e) => e.line === 14)!.reason, /unknown team "marketing"/);
    assert.deepEqual([report.created, report.updated], [0, 0]);
    assert.equal(await totalVendors(), vendorsBefore);
    assert.equal(await auditCount(), auditBefore);
    assert.equal(await vendorNamed('Dry Good One'), undefined);
  });

  test('line numbers are the same with CRLF line ends, also inside quoted cells', async () => {
    const { report } = await importCsv(MIXED.join('\r\n'), { dryRun: true });
    assert.deepEqual(pairs(report), MIXED_ERRORS);
  });

  test('a dry run of a good file counts what it would create, and writes nothing', async () => {
    const before = await totalVendors();
    const { status, report } = await importCsv('name,criticality\nWould Be One,2\nWould Be Two,3\n', { dryRun: true });
    assert.equal(status, 200);
    assert.deepEqual(report, { dryRun: true, rows: 2, created: 2, updated: 0, errors: [] });
    assert.equal(await totalVendors(), before);
  });

  test('a real import with one bad row imports nothing (422), whichever check finds it', async () => {
    const good = (i: number) => `All Or Nothing ${i},,2,,,,,,`;
    const files = {
      schema: [HEADER, good(1), good(2), 'All Or Nothing Bad,,7,,,,,,', good(3)],
      database: [HEADER, good(1), good(2), 'All Or Nothing Bad,,2,,,finance,,,', good(3)],
      link: ['name,parent_vendor', 'All Or Nothing 1,', 'All Or Nothing 2,No Such Parent'],
    };
    const [vendorsBefore, auditBefore] = [await totalVendors(), await auditCount()];
    for (const [kind, lines] of Object.entries(files)) {
      const { status, report } = await importCsv(lines.join('\n'));
      assert.equal(status, 422, `${kind}: ${JSON.stringify(report)}`);
      assert.equal(report.dryRun, false);
      assert.equal(report.errors.length, 1, `${kind}: ${JSON.stringify(report.errors)}`);
      assert.deepEqual([report.created, report.updated], [0, 0]);
    }
    assert.deepEqual(pairs((await importCsv(files.link.join('\n'))).report), [[3, 'parent_vendor']]);
    assert.equal(await totalVendors(), vendorsBefore);
    assert.equal(await auditCount(), auditBefore, 'no audit events from a rolled-back import');
    assert.equal(await vendorNamed('All Or Nothing 1'), undefined);
  });

  test('a good file imports every row; parents and subcontractors resolve by name within the file', async () => {
    const file = [
      'name,aliases,domains,status,team,data_categories,access_level,criticality,substitutability,ships_software,auto_update,parent_vendor,subcontractors',
      'Import Parent,IP;Parent Co,parent.example;cdn.parent.example,active,it,personal;internal,integrated,4,3,yes,yes,,import child a; Import Child B',
      'Import Child A,,,active,,,none,1,1,no,no,import parent,',
      'Import Child B,,,prospect,,,,2,2,,,Import Parent,Import Grandchild',
      'Import Grandchild,,,,,,,1,1,,,,',
    ].join('\n');
    const before = await totalVendors();
    const { status, report } = await importCsv(file);
    assert.equal(status, 200, JSON.stringify(report));
    assert.deepEqual(report, { dryRun: false, rows: 4, created: 4, updated: 0, errors: [] });
    assert.equal(await totalVendors(), before + 4);

    const parent = (await vendorNamed('Import Parent'))!;
    assert.deepEqual(parent.aliases, ['IP', 'Parent Co']);
    assert.deepEqual(parent.domains, ['parent.example', 'cdn.parent.example']);
    assert.deepEqual(parent.dataCategories, ['personal', 'internal']);
    assert.equal(parent.team?.key, 'it');
    assert.equal(parent.shipsSoftware && parent.autoUpdate, true);
    assert.equal(parent.subcontractorCount, 2);
    assert.equal(parent.inherentRisk.terms.find((t) => t.factor === 'fourthParties')!.value, '2 subcontractors');
    const childA = (await vendorNamed('Import Child A'))!;
    const childB = (await vendorNamed('Import Child B'))!;
    assert.equal(childA.parentVendorId, parent.id);
    assert.equal(childB.parentVendorId, parent.id);
    assert.equal(childB.status, 'prospect');
    const { tree } = (await (await server.api(`/api/v1/vendors/${parent.id}/fourth-parties`)).json()) as { tree: { children: Array<{ name: string; children: Array<{ name: string }> }> } };
    assert.deepEqual(tree.children.map((c) => c.name), ['Import Child A', 'Import Child B']);
    assert.deepEqual(tree.children[1].children.map((c) => c.name), ['Import Grandchild']);
    const events = (await (await server.api(`/api/v1/audit?entityId=${parent.id}`, { role: 'auditor' })).json()) as { items: Array<{ action: string }> };
    assert.ok(events.items.some((e) => e.action === 'vendor.create'));

    // Re-import: rows are matched by name (any case) and updated; new rows are created; links are not doubled.
    const again = [
      'name,criticality,parent_vendor,subcontractors',
      'IMPORT GRANDCHILD,4,,',
      'Import Parent,4,,Import Child A;Import Child B',
      'Import Late Arrival,2,Import Parent,',
    ].join('\n');
    const second = await importCsv(again);
    assert.deepEqual(second.report, { dryRun: false, rows: 3, created: 1, updated: 2, errors: [] });
    const grandchild = (await vendorNamed('Import Grandchild'))!;
    assert.equal(grandchild.name, 'IMPORT GRANDCHILD', 'the name is taken as written');
    assert.equal(grandchild.criticality, 4);
    const parentAfter = (await vendorNamed('Import Parent'))!;
    assert.equal(parentAfter.subcontractorCount, 2);
    assert.deepEqual(parentAfter.aliases, ['IP', 'Parent Co'], 'columns absent from the file are left alone');
    assert.equal((await vendorNamed('Import Late Arrival'))!.parentVendorId, parent.id, 'a parent already in the inventory resolves too');
  });

  test('subcontractor cycles within a file are refused and nothing is imported', async () => {
    const before = await totalVendors();
    const { status, report } = await importCsv(['name,subcontractors', 'Cycle A,Cycle B', 'Cycle B,Cycle C', 'Cycle C,Cycle A'].join('\n'));
    assert.equal(status, 422);
    assert.deepEqual(pairs(report), [[4, 'subcontractors']]);
    assert.match(report.errors[0].reason, /cycle/);
    const self = await importCsv(['name,subcontractors', 'Self Sub,self sub'].join('\n'));
    assert.deepEqual(pairs(self.report), [[2, 'subcontractors']]);
    assert.equal(await totalVendors(), before);
  });

  test('header problems: unknown column, no name column, names are matched case- and space-insensitively', async () => {
    const unknown = await importCsv('name,colour\nPainted,red\n');
    assert.equal(unknown.status, 422);
    assert.deepEqual(pairs(unknown.report), [[1, 'colour']]);
    assert.match(unknown.report.errors[0].reason, /unknown column/);
    const unknownDry = await importCsv('name,colour\nPainted,red\n', { dryRun: true });
    assert.equal(unknownDry.status, 200);
    assert.deepEqual(pairs(unknownDry.report), [[1, 'colour']]);
    const noName = await importCsv('country,criticality\nGB,2\n');
    assert.deepEqual(pairs(noName.report), [[1, 'name']]);
    const relaxed = await importCsv(' Name , COUNTRY \n  Spaced Header Vendor  , NL \n');
    assert.equal(relaxed.status, 200, JSON.stringify(relaxed.report));
    assert.equal((await vendorNamed('Spaced Header Vendor'))!.country, 'NL');
  });

  test('malformed CSV gets one clear error and changes nothing', async () => {
    const before = await totalVendors();
    const unclosed = await importCsv('name,description\nOk Row,fine\n"Broken Row,never closed\nLater,row\n');
    assert.equal(unclosed.status, 422);
    assert.deepEqual(pairs(unclosed.report), [[3, 'csv']]);
    assert.match(unclosed.report.errors[0].reason, /quote not closed/i);
    const stray = await importCsv('name,description\nOk Row,fine\n"Stray Quote"x,y\n');
    assert.equal(stray.status, 422);
    assert.deepEqual(pairs(stray.report), [[3, 'csv']]);
    assert.match(stray.report.errors[0].reason, /closing quote/i);
    const dry = await importCsv('name\n"unclosed\n', { dryRun: true });
    assert.equal(dry.status, 200);
    assert.deepEqual(pairs(dry.report), [[2, 'csv']]);
    const ragged = await importCsv('name,country\nRow One,GB\nRow Two,GB,extra\n');
    assert.equal(ragged.status, 422);
    assert.equal(ragged.report.errors[0].field, 'csv');
    assert.match(ragged.report.errors[0].reason, /3/);
    const binary = await importCsv('name\nNul\u0000Vendor\n');
    assert.equal(binary.status === 400 || binary.status === 422, true, `NUL byte: ${binary.status}`);
    assert.equal(await totalVendors(), before);
  });

  test('empty files and header-only files are errors, not silent successes', async () => {
    for (const text of ['', '\n\n', 'name\n', 'name,country\n\n\n', '\uFEFF']) {
      const { status, report } = await importCsv(text);
      assert.equal(status, 422, JSON.stringify(text));
      assert.equal(report.errors.length, 1, JSON.stringify(report));
      assert.equal(report.errors[0].line, 1);
      assert.equal(report.created, 0);
    }
  });

  test('a UTF-8 byte order mark is ignored; text/plain is accepted too', async () => {
    const bom = await importCsv('\uFEFFname,country\nBOM Vendor ü,FR\n');
    assert.equal(bom.status, 200, JSON.stringify(bom.report));
    assert.equal(bom.report.created, 1);
    const v = (await vendorNamed('BOM Vendor ü'))!;
    assert.equal(v.name, 'BOM Vendor ü');
    assert.equal(v.country, 'FR');
    const plain = await importCsv('name\nPlain Text Vendor\n', { contentType: 'text/plain; charset=utf-8' });
    assert.equal(plain.report.created, 1);
    const csvCharset = await importCsv('name\nCharset Vendor\n', { contentType: 'text/csv; charset=utf-8' });
    assert.equal(csvCharset.report.created, 1);
  });

  test('export CSV → import into an empty database gives identical vendors; re-import changes nothing', async () => {
    const post = async (path: string, json: unknown) => {
      const res = await server.api(path, { method: 'POST', json });
      assert.ok(res.status < 300, `${path}: ${res.status} ${await res.clone().text()}`);
      return (await res.json()) as Vendor;
    };
    const parent = await post('/api/v1/vendors', {
      name: 'Round Trip Parent',
      aliases: ['RTP', 'Round-Trip'],
      domains: ['roundtrip.example', '*.rt-cdn.example'],
      legalIds: { lei: '5493001KJTIIGC8Y1R12', duns: '123456789', vat: 'DE123456789' },
      country: 'DE',
      website: 'https://roundtrip.example/a,b?c=d;e',
      description: 'Line one, with commas; and semicolons.\nLine two with "quotes" and ünïcödé 🚀\n',
      status: 'offboarding',
      businessOwner: 'Ola Nordmann',
      team: 'privacy',
      services: ['payroll', 'hosting'],
      dataCategories: ['special-category', 'personal'],
      accessLevel: 'privileged',
      criticality: 4,
      substitutability: 3,
      annualSpend: 1234567.89,
      currency: 'EUR',
      regulatoryScope: ['GDPR', 'DORA'],
      shipsSoftware: true,
      autoUpdate: true,
    });
    const child = await post('/api/v1/vendors', { name: 'Round Trip Child', parentVendorId: parent.id, status: 'prospect' });
    const sub = await post('/api/v1/vendors', { name: '🦊 Round Trip Sub', description: '  padded  ' });
    await post(`/api/v1/vendors/${parent.id}/subcontractors`, { subcontractorId: sub.id });
    await post(`/api/v1/vendors/${parent.id}/subcontractors`, { subcontractorId: child.id });
    await post(`/api/v1/vendors/${child.id}/subcontractors`, { subcontractorId: sub.id });

    const res = await server.api('/api/v1/vendors/export', { role: 'viewer' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="vendors\.csv"/);
    const csv = await res.text();
    const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(Object.keys(rows[0]), [...CSV_COLUMNS, ...COMPUTED_COLUMNS]);
    assert.equal(rows.length, await totalVendors());
    // The child was created without its risk factors: their cells stay empty so a re-import leaves them unanswered.
    const childRow = rows.find((r) => r.name === 'Round Trip Child')!;
    assert.deepEqual(
      [childRow.data_categories, childRow.access_level, childRow.criticality, childRow.substitutability, childRow.ships_software, childRow.auto_update],
      ['', '', '', '', '', ''],
    );
    assert.deepEqual([childRow.tier, childRow.tier_provisional, childRow.missing_factors], ['T2', 'yes', 'dataSensitivity;accessLevel;criticality;substitutability;softwareSupply']);
    assert.deepEqual([rows.find((r) => r.name === 'Round Trip Parent')!.tier_provisional, rows.find((r) => r.name === 'Round Trip Parent')!.missing_factors], ['no', '']);

    const source = await allVendors((q) => server.api(`/api/v1/vendors?${q}`).then((r) => r.json()));

    // Into an empty database of the same engine.
    const database = await createDatabase();
    await database.close();
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: database.url, THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-test', THIRDWATCH_LOG_LEVEL: 'warn' });
    const tw: Thirdwatch = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })), { migrate: false });
    try {
      const report = resultOf<ImportReport>(await tw.services.vendorCsv.startImport(csv, { dryRun: false, wait: true }, systemContext('round trip'), tw.launcher));
      assert.deepEqual(report.errors, []);
      assert.equal(report.created, source.filter((v) => !builtIn.has(v.name)).length);
      assert.equal(report.created + report.updated, source.length);
      const ours = (list: Vendor[]) => list.filter((v) => !builtIn.has(v.name));
      const copy = ours(await allVendors(async (q) => tw.services.vendors.list(Object.fromEntries(new URLSearchParams(q)) as never)));
      assert.deepEqual(normalise(copy), normalise(ours(source)));
      const subsOf = async (list: Vendor[], lookup: (id: string) => Promise<{ tree: { children: Array<{ name: string }> } }>) =>
        Object.fromEntries(await Promise.all(list.map(async (v) => [v.name, (await lookup(v.id)).tree.children.map((c) => c.name).sort()])));
      assert.deepEqual(
        await subsOf(copy, (id) => tw.services.vendors.fourthPartyTree(id)),
        await subsOf(ours(source), (id) => server.api(`/api/v1/vendors/${id}/fourth-parties`).then((r) => r.json())),
      );
      const copiedParent = copy.find((v) => v.name === 'Round Trip Parent')!;
      assert.equal(copiedParent.description, parent.description);
      assert.equal(copiedParent.website, parent.website);
      assert.deepEqual(copiedParent.inherentRisk, (await vendorNamed('Round Trip Parent'))!.inherentRisk);
    } finally {
      await tw.close();
    }

    // Back into the same database: every row is an update and nothing changes.
    const reimport = await importCsv(csv);
    assert.equal(reimport.status, 200, JSON.stringify(reimport.report.errors));
    assert.deepEqual([reimport.report.created, reimport.report.updated], [0, source.length]);
    const after = await allVendors((q) => server.api(`/api/v1/vendors?${q}`).then((r) => r.json()));
    const strip = (list: Vendor[]) =>
      list
        .filter((v) => !builtIn.has(v.name))
        .map(({ updatedAt: _u, ...rest }) => rest)
        .sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(strip(after), strip(source));
  });

  test('the CSV export never hands a spreadsheet a formula, and imports the file back unchanged', async () => {
    const res = await server.api('/api/v1/vendors', {
      method: 'POST',
      json: {
        name: '=HYPERLINK("http://evil.example","Formula Vendor")',
        aliases: ['-2+3', 'plain'],
        description: '@SUM(1+1)',
        businessOwner: "'=already quoted",
        services: ['+cmd|calc'],
        team: 'it',
      },
    });
    assert.equal(res.status, 201, await res.clone().text());
    const created = (await res.json()) as Vendor;
    const csv = await (await server.api('/api/v1/vendors/export', { role: 'viewer' })).text();
    const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
    const row = rows.find((r) => r.name.includes('Formula Vendor'))!;
    assert.equal(row.name, `'${created.name}`);
    assert.equal(row.aliases, "'-2+3;plain");
    assert.equal(row.description, "'@SUM(1+1)");
    assert.equal(row.business_owner, "''=already quoted");
    assert.equal(row.services, "'+cmd|calc");
    for (const r of rows) for (const [column, cell] of Object.entries(r)) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `${r.name}: ${column}`);

    const reimport = await importCsv(csv);
    assert.equal(reimport.status, 200, JSON.stringify(reimport.report.errors));
    const after = (await (await server.api(`/api/v1/vendors/${created.id}`)).json()) as Vendor;
    assert.deepEqual({ ...after, updatedAt: null }, { ...created, updatedAt: null });
  });

  test('list cells: \\; is a semicolon inside an item, in the import and the export', async () => {
    const file = [
      'name,aliases,services,regulatory_scope,subcontractors',
      'Semi; Colon Sub,,,,',
      String.raw`Semi Colon Prime,"Acme\; Ltd;ACME; C:\data ;back\\slash",hosting\;backup;support,GDPR,Semi\; Colon Sub`,
    ].join('\n');
    const { status, report } = await importCsv(file);
    assert.equal(status, 200, JSON.stringify(report.errors));
    const prime = (await vendorNamed('Semi Colon Prime'))!;
    assert.deepEqual(prime.aliases, ['Acme; Ltd', 'ACME', 'C:\\data', 'back\\slash']);
    assert.deepEqual(prime.services, ['hosting;backup', 'support']);
    const sub = (await vendorNamed('Semi; Colon Sub'))!;
    assert.ok(sub, 'a name may hold a semicolon too');
    const tree = (await (await server.api(`/api/v1/vendors/${prime.id}/fourth-parties`)).json()) as { tree: { children: Array<{ name: string }> } };
    assert.deepEqual(tree.tree.children.map((c) => c.name), ['Semi; Colon Sub']);

    const rows = parse(await (await server.api('/api/v1/vendors/export')).text(), { columns: true }) as Array<Record<string, string>>;
    const row = rows.find((r) => r.name === 'Semi Colon Prime')!;
    assert.equal(row.aliases, String.raw`Acme\; Ltd;ACME;C:\\data;back\\slash`);
    assert.equal(row.services, String.raw`hosting\;backup;support`);
    assert.equal(row.subcontractors, String.raw`Semi\; Colon Sub`);
    const again = await importCsv(await (await server.api('/api/v1/vendors/export')).text());
    assert.equal(again.status, 200, JSON.stringify(again.report.errors));
    assert.deepEqual((await vendorNamed('Semi Colon Prime'))!.aliases, prime.aliases);
  });

  test('a parent_vendor that would close a cycle is refused on its line', async () => {
    const file = ['name,parent_vendor', 'Csv Cycle A,Csv Cycle B', 'Csv Cycle B,Csv Cycle C', 'Csv Cycle C,Csv Cycle A'].join('\n');
    const { status, report } = await importCsv(file);
    assert.equal(status, 422);
    assert.deepEqual(pairs(report), [[4, 'parent_vendor']]);
    assert.match(report.errors[0].reason, /cycle/);
    assert.equal(await vendorNamed('Csv Cycle A'), undefined, 'all or nothing');
  });

  test('JSON export carries products, contacts and contracts', async () => {
    const vendor = (await vendorNamed('Round Trip Parent'))!;
    const post = (path: string, json: unknown) => server.api(path, { method: 'POST', json });
    assert.equal((await post(`/api/v1/vendors/${vendor.id}/products`, { name: 'RT Desktop', type: 'desktop-app', version: '1.2.3' })).status, 201);
    assert.equal((await post(`/api/v1/vendors/${vendor.id}/contacts`, { name: 'RT Contact', email: 'rt@roundtrip.example' })).status, 201);
    assert.equal((await post(`/api/v1/vendors/${vendor.id}/contracts`, { title: 'RT MSA', startDate: '2024-01-01', endDate: '2025-01-01', sbomClause: true })).status, 201);
    const res = await server.api('/api/v1/vendors/export?format=json', { role: 'auditor' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(res.headers.get('content-disposition') ?? '', /vendors\.json/);
    const doc = (await res.json()) as { exportedAt: string; vendors: Array<Vendor & { products: any[]; contacts: any[]; contracts: any[] }> };
    assert.ok(Date.parse(doc.exportedAt));
    assert.equal(doc.vendors.length, await totalVendors());
    const exported = doc.vendors.find((v) => v.id === vendor.id)!;
    assert.deepEqual(exported.products.map((p) => [p.name, p.type, p.version]), [['RT Desktop', 'desktop-app', '1.2.3']]);
    assert.deepEqual(exported.contacts.map((c) => [c.name, c.email]), [['RT Contact', 'rt@roundtrip.example']]);
    assert.deepEqual(exported.contracts.map((c) => [c.title, c.startDate, c.endDate, c.sbomClause]), [['RT MSA', '2024-01-01', '2025-01-01', true]]);
    assert.equal(exported.inherentRisk.score, vendor.inherentRisk.score);
    assert.ok(doc.vendors.filter((v) => v.id !== vendor.id).every((v) => Array.isArray(v.products) && Array.isArray(v.contacts) && Array.isArray(v.contracts)));
    await assertStatus(server.api('/api/v1/vendors/export?format=xml'), 400);
  });

  test('a 10,000-row file imports completely', { timeout: 180_000 }, async () => {
    const before = await totalVendors();
    const categories = ['internal', 'confidential', 'personal', 'payment'];
    const lines = ['name,domains,criticality,substitutability,data_categories,ships_software,auto_update,regulatory_scope'];
    for (let i = 0; i < 10_000; i++) {
      lines.push(`Bulk Vendor ${String(i).padStart(5, '0')},bulk${i}.example,${1 + (i % 4)},${1 + ((i >> 2) % 4)},${categories[i % 4]},${i % 3 ? 'yes' : 'no'},${i % 6 === 1 ? 'yes' : 'no'},${i % 5 ? '' : 'GDPR;NIS2'}`);
    }
    const started = performance.now();
    const { status, report } = await importCsv(lines.join('\n'));
    const ms = Math.round(performance.now() - started);
    console.log(`10,000-row vendor CSV import on ${engine}: ${ms} ms`);
    assert.equal(status, 200, JSON.stringify(report.errors.slice(0, 3)));
    assert.deepEqual(report, { dryRun: false, rows: 10_000, created: 10_000, updated: 0, errors: [] });
    assert.equal(await totalVendors(), before + 10_000);
    const sample = (await vendorNamed('Bulk Vendor 09999'))!;
    assert.deepEqual(sample.domains, ['bulk9999.example']);
    const verify = (await (await server.api('/api/v1/audit/verify', { role: 'auditor' })).json()) as { ok: boolean };
    assert.equal(verify.ok, true);
  });
});

test('splitList and joinList are inverses, and a lone backslash is kept', () => {
  for (const items of [['a'], ['a;b', 'c'], ['x\\', 'y'], ['\\;', ';\\'], ['C:\\data']]) assert.deepEqual(splitList(joinList(items)), items);
  assert.deepEqual(splitList(String.raw`C:\data; D:\;E ;;`), ['C:\\data', 'D:;E']);
});

async function assertStatus(response: Promise<Response>, status: number) {
  const res = await response;
  assert.equal(res.status, status, await res.text());
}

async function allVendors(fetchPage: (query: string) => Promise<{ items: Vendor[]; nextCursor: string | null }>): Promise<Vendor[]> {
  const out: Vendor[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Vendor[]; nextCursor: string | null } = await fetchPage(`limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** What a CSV round trip must keep: everything but ids, timestamps and what follows from them; references by name. */
function normalise(list: Vendor[]) {
  const nameOf = new Map(list.map((v) => [v.id, v.name]));
  return list
    .map(({ id: _id, createdAt: _c, updatedAt: _u, nextReviewAt: _n, lastReviewedAt: _l, reviewOverdue: _r, ownerUserId: _o, team, parentVendorId, ...rest }) => ({
      ...rest,
      team: team?.key ?? null,
      parent: parentVendorId ? nameOf.get(parentVendorId) : null,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
