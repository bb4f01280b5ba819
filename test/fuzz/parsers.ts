// Fuzz targets for every parser entry point. Each target knows its documented error type(s): any
// other exception escaping the parser (TypeError, RangeError, a stack overflow, ...) is a crash.
import fc from 'fast-check';
import YAML from 'yaml';
import { buildZip } from '../../src/modules/advisories/parsers/test-zip.js';
import { FeedFormatError, cpeIndexEntries, parseCsaf, parseCycloneDxVex, parseEpss, parseKev, parseNvdDocument, parseOpenVex, parseOsvDocuments, readNvdZip, readOsvZip } from '../../src/modules/advisories/parsers/index.js';
import { nvdCve, nvdMetric, nvdPage, runningOn } from '../../src/modules/advisories/parsers/test-nvd.js';
import { CpeError, PurlError, evaluateCpeEntry, formatCpe, formatPurl, parseCpe, parsePurl, parseStrictPurl } from '../../src/modules/purl/index.js';
import { SbomParseError, parseSbom, sniffSbom } from '../../src/modules/sboms/parsers/index.js';
import { PatternSyntaxError, analysePattern, parseIocCsv, parseMispDocument, parseStixBundle, readMispZip } from '../../src/modules/indicators/parsers/index.js';
import * as realFeeds from '../../src/modules/indicators/parsers/test-feeds.js';
import { VersError, comparatorFor, osvAffects, parseVers, versComparatorFor, versContains, type VersionComparator } from '../../src/modules/versioning/index.js';
import { HOSTILE_STRINGS, type FuzzBytes, grammarString, hostileString, jsonDocument, mutateLines, mutateText, mutateXml, steps } from './mutate.js';
import * as seeds from './seeds.js';
import { Crash, type Target, expectOnly } from './target.js';

const fullAndSmall = (docs: unknown[], structural = 4, textual = 2) => jsonDocument(seeds.small(docs), structural, textual, docs);

const sbomOnly = (input: FuzzBytes) =>
  expectOnly(() => parseSbom(typeof input === 'string' ? input : Buffer.from(input)), SbomParseError);

/** parseSbom turns any foreign exception into an SbomParseError with the original as its cause: that is still a crash. */
function sbomTarget(name: string, inputs: () => fc.Arbitrary<FuzzBytes>): Target<FuzzBytes> {
  return { name, kind: 'parser', inputs: async () => inputs(), open: async () => ({ check: sbomOnly }) };
}

type Steps = ReturnType<typeof steps> extends fc.Arbitrary<infer S> ? S : never;

/** Text seeds (the whole documents picked once in fifty inputs when `full` is given), then format-aware and text steps. */
function textDocuments(texts: string[], mutate: (text: string, list: Steps) => string, full: string[] = []): fc.Arbitrary<FuzzBytes> {
  const seed = full.length ? fc.oneof({ weight: 49, arbitrary: fc.constantFrom(...texts) }, { weight: 1, arbitrary: fc.constantFrom(...full) }) : fc.constantFrom(...texts);
  return fc.record({ seed, structure: steps(4), text: steps(2) }).map(({ seed, structure, text }) => mutateText(mutate(seed, structure), text));
}

const TAG_VALUES = [
  'SPDXVersion: SPDX-2.3',
  'SPDXVersion: SPDX-9.9',
  'SPDXID: SPDXRef-DOCUMENT',
  'PackageName: x',
  'SPDXID: SPDXRef-x',
  'PackageVersion: 1.0',
  'ExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1',
  'ExternalRef: SECURITY cpe23Type cpe:2.3:a:v:p:1:*:*:*:*:*:*:*',
  'ExternalRef: PACKAGE-MANAGER purl',
  'PackageChecksum: SHA256: abc',
  'PackageChecksum: SHA1:',
  'Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-x',
  'Relationship: SPDXRef-x DEPENDS_ON SPDXRef-x',
  'Relationship: SPDXRef-x CONTAINS NOASSERTION',
  'PackageComment: <text>unterminated',
  'PackageComment: <text></text>',
  'FileName: ./a',
  'PackageLicenseConcluded: (MIT OR (Apache-2.0 AND',
  '##',
  ':',
  'PackageName:',
];

const CSV_HEADER_COLUMNS = ['name', 'aliases', 'domains', 'lei', 'duns', 'vat', 'country', 'website', 'description', 'status', 'business_owner', 'team', 'services', 'data_categories', 'access_level', 'criticality', 'substitutability', 'annual_spend', 'currency', 'regulatory_scope', 'ships_software', 'auto_update', 'parent_vendor', 'subcontractors'];
const CSV_CELLS = ['Acme', 'acme.example', 'a.example;b.example', '5493001KJTIIGC8Y1R12', '123456789', 'GB123456789', 'GB', 'https://acme.example', 'active', 'prospect', 'security', 'it', '3', '0', '-1', '1e309', '1_000', 'yes', 'no', 'maybe', 'EUR', 'pii;payment', 'GDPR', 'Parent Co', 'Sub A;Sub B', '"quoted ""cell"""', '"multi\nline"', '=1+1', '@SUM(A1)', ';;;', ''];

function csvDocument(): fc.Arbitrary<FuzzBytes> {
  return fc
    .record({
      columns: fc.uniqueArray(fc.constantFrom(...CSV_HEADER_COLUMNS), { minLength: 1, maxLength: 8 }),
      rows: fc.array(fc.array(fc.nat(), { maxLength: 10 }), { maxLength: 8 }),
      lines: steps(3),
      text: steps(2),
    })
    .map(({ columns, rows, lines, text }) => {
      const header = columns.includes('name') ? columns : ['name', ...columns];
      const body = rows.map((cells) => header.map((_, i) => (cells[i] === undefined ? '' : cells[i] % 7 === 0 ? hostileString(cells[i]) : CSV_CELLS[cells[i] % CSV_CELLS.length])).map(csvCell).join(','));
      return mutateText(mutateLines([header.join(','), ...body].join('\n'), lines, CSV_CELLS), text);
    });
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) && !value.startsWith('"') ? `"${value.replace(/"/g, '""')}"` : value;
}

function epssDocument(): fc.Arbitrary<FuzzBytes> {
  const first = ['#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000', '#model_version:v2023.03.01,score_date:2025-08-25T00:00:00Z', '#score_date:garbage', '#', ''];
  const headers = ['cve,epss,percentile', 'epss,cve,percentile', 'cve,epss', 'CVE,EPSS,PERCENTILE', ''];
  const values = ['0.5', '1', '0', '-0.1', '1.5', 'NaN', '1e-300', '', '0.94358', 'x'];
  const cves = ['CVE-2021-44228', 'CVE-1999-0001', 'CVE-21-1', 'cve-2021-44228', '', 'GHSA-xxxx'];
  return fc
    .record({
      first: fc.nat(first.length - 1),
      header: fc.nat(headers.length - 1),
      rows: fc.array(fc.tuple(fc.nat(cves.length - 1), fc.nat(values.length - 1), fc.nat(values.length - 1)), { maxLength: 20 }),
      lines: steps(3),
      text: steps(2),
    })
    .map(({ first: f, header, rows, lines, text }) => {
      const csv = [first[f], headers[header], ...rows.map(([c, e, p]) => `${cves[c]},${values[e]},${values[p]}`)].join('\n');
      return mutateText(mutateLines(csv, lines, values), text);
    });
}

/** CSAF 2.0 and OpenVEX skeletons (the specifications' examples) filled with real CVE ids and purls from the shared data. */
function vexSeeds(kevDoc: unknown, cdx: unknown[]): { csaf: unknown[]; openvex: unknown[] } {
  const cves = ((kevDoc as { vulnerabilities: Array<{ cveID: string }> }).vulnerabilities ?? []).slice(0, 20).map((v) => v.cveID);
  const purls = cdx.flatMap((doc) => ((doc as { components?: Array<{ purl?: string }> }).components ?? []).map((c) => c.purl).filter((p): p is string => !!p)).slice(0, 20);
  const csaf = cves.slice(0, 5).map((cve, i) => ({
    document: {
      category: 'csaf_vex',
      csaf_version: '2.0',
      publisher: { category: 'vendor', name: 'Example', namespace: 'https://psirt.example.com' },
      title: `VEX ${cve}`,
      tracking: { id: `EX-${i}`, status: 'final', version: '1', initial_release_date: '2022-01-10T08:00:00.000Z', current_release_date: '2022-02-01T08:00:00.000Z', revision_history: [{ date: '2022-01-10T08:00:00.000Z', number: '1', summary: 'x' }] },
    },
    product_tree: {
      branches: [{ category: 'vendor', name: 'Example', branches: [{ category: 'product_name', name: 'abc', branches: [
        { category: 'product_version', name: '1.0', product: { product_id: 'P1', name: 'abc 1.0', product_identification_helper: { purl: purls[i % purls.length], cpe: 'cpe:2.3:a:example:abc:1.0:*:*:*:*:*:*:*' } } },
        { category: 'product_version_range', name: 'vers:npm/>=1.0.0|<1.4.0', product: { product_id: 'P2', name: 'abc 1.x', product_identification_helper: { purl: 'pkg:npm/abc' } } },
      ] }] }],
      relationships: [{ category: 'default_component_of', product_reference: 'P1', relates_to_product_reference: 'P2', full_product_name: { product_id: 'P3', name: 'abc in x' } }],
      product_groups: [{ group_id: 'G1', product_ids: ['P1', 'P2'] }],
    },
    vulnerabilities: [{
      cve,
      ids: [{ system_name: 'GHSA', text: 'GHSA-aaaa-bbbb-cccc' }],
      product_status: { known_affected: ['P1'], known_not_affected: ['P2'], fixed: ['P3'], under_investigation: [] },
      flags: [{ label: 'vulnerable_code_not_present', product_ids: ['P2'], group_ids: ['G1'] }],
      threats: [{ category: 'impact', details: 'x', product_ids: ['P2'] }],
      remediations: [{ category: 'vendor_fix', details: 'upgrade', product_ids: ['P1'] }],
      scores: [{ products: ['P1'], cvss_v3: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, baseSeverity: 'CRITICAL' } }],
    }],
  }));
  const openvex = cves.slice(0, 5).map((cve, i) => ({
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': `https://openvex.dev/docs/example/vex-${i}`,
    author: 'Example',
    timestamp: '2023-01-08T18:02:03.647787998-06:00',
    version: 1,
    statements: [
      { vulnerability: { name: cve, aliases: ['GHSA-aaaa-bbbb-cccc'] }, products: [{ '@id': purls[i % purls.length], subcomponents: [{ '@id': purls[(i + 1) % purls.length] }] }], status: 'not_affected', justification: 'vulnerable_code_not_present', impact_statement: 'x' },
      { vulnerability: { name: cve }, products: [{ '@id': 'pkg:oci/example@sha256%3A1234' }], status: 'affected', action_statement: 'upgrade' },
      { vulnerability: { name: cve }, products: [{ '@id': 'x', identifiers: { purl: purls[0] } }], status: 'fixed' },
    ],
  }));
  return { csaf, openvex };
}

function feedTarget(name: string, inputs: () => Promise<fc.Arbitrary<FuzzBytes>>, parse: (input: FuzzBytes) => unknown): Target<FuzzBytes> {
  return { name, kind: 'parser', inputs, open: async () => ({ check: (input) => expectOnly(() => parse(input), FeedFormatError) }) };
}

const YAML_HOSTILE = [
  'a: &a [1]\nb: *a\n',
  'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
  'x: !!js/function "function(){}"\n',
  'x: !!binary aGVsbG8=\n',
  '<<: {a: 1}\n',
  'id: a\nid: b\n',
  '? [complex, key]\n: v\n',
  '%YAML 1.1\n---\nid: x\n',
  '---\nid: a\n---\nid: b\n',
  'id: ' + '['.repeat(5000),
  'modified: 2024-01-01\n',
  'id: !!int 12\n',
  '__proto__: {polluted: true}\nid: X-1\nmodified: 2024-01-01T00:00:00Z\n',
];

function osvYaml(records: unknown[]): fc.Arbitrary<FuzzBytes> {
  const texts = records.slice(0, 50).map((r) => YAML.stringify(r));
  return fc.oneof(
    { weight: 6, arbitrary: textDocuments(texts, (t, list) => mutateLines(t, list, YAML_HOSTILE)) },
    { weight: 1, arbitrary: fc.record({ i: fc.nat(YAML_HOSTILE.length - 1), text: steps(2) }).map(({ i, text }) => mutateText(YAML_HOSTILE[i], text)) },
  );
}

const OSV_ZIP_NAMES = ['GO-1.json', 'a/b.yaml', '../escape.json', '/abs.json', 'C:\\x.json', 'dir/', '\u0000.json', 'x.txt', 'é.json', '.hidden.json'];
const NVD_ZIP_NAMES = ['CVE-2023/CVE-2023-290xx/CVE-2023-29059.json', 'page-0.json', 'CVE-2024-0001.json.gz', '../escape.json', '/abs.json', 'dir/', '\u0000.json', 'x.txt', 'é.json', '.hidden.json'];

function osvZip(records: unknown[], names = OSV_ZIP_NAMES): fc.Arbitrary<FuzzBytes> {
  const entry = fc.record({
    name: fc.nat(names.length - 1),
    doc: jsonDocument(records.slice(0, 40), 2, 1),
    stored: fc.boolean(),
    lie: fc.option(fc.nat(), { freq: 6 }),
  });
  return fc
    .record({ entries: fc.array(entry, { minLength: 1, maxLength: 4 }), directory: fc.option(fc.array(fc.nat(7), { maxLength: 6 }), { freq: 5 }), damage: steps(2) })
    .map(({ entries, directory, damage }) => {
      const zip = buildZip(
        entries.map((e) => ({ name: names[e.name], data: Buffer.from(e.doc), stored: e.stored, declaredSize: e.lie ?? undefined })),
        directory ? directory.map((i) => i % entries.length) : undefined,
      );
      return damageBytes(zip, damage);
    });
}

/** Byte-level damage to a binary (zip): flips, truncation and overwritten header fields. */
function damageBytes(bytes: Buffer, list: Steps): Uint8Array {
  let out = Buffer.from(bytes);
  for (const step of list) {
    const at = step.at % Math.max(1, out.length);
    switch (step.op % 4) {
      case 0:
        out = out.subarray(0, at);
        break;
      case 1:
        if (out.length) out[at] ^= 1 << (step.arg % 8);
        break;
      case 2:
        if (at + 4 <= out.length) out.writeUInt32LE(step.arg >>> 0, at);
        break;
      default:
        if (at + 2 <= out.length) out.writeUInt16LE(0xffff, at);
        break;
    }
  }
  return out;
}

const PURL_PIECES = ['pkg:', 'npm', 'maven', 'pypi', 'deb', 'golang', 'oci', '/', '//', '@', '?', '&', '=', '#', '%', '%2F', '%40', '%3A', '%00', '%zz', '.', '..', ':', 'a', 'A', '-', '_', '~', '+', ' ', 'é', '😀', '\ud800', 'arch', 'distro', 'repository_url', 'vcs_url', 'checksum', 'sha256:'];
const CPE_PIECES = ['cpe:2.3:', 'cpe:/', 'a', 'o', 'h', ':', '*', '-', '?', '\\', '\\:', '\\*', '%', '%01', '%02', '~', 'vendor', 'product', '1.0', '.', '_', 'é', '\ud800', '\\\\'];
const VERS_PIECES = ['vers:', 'npm', 'pypi', 'maven', 'deb', 'rpm', 'semver', 'generic', 'intdot', 'datetime', 'alpm', 'gentoo', 'openssl', 'nginx', '/', '|', '>=', '<=', '!=', '<', '>', '=', '*', '%', '%7C', '1', '1.0', '2.0.0-rc.1', '1:2.3-4', '.', '-', '~', ' '];
const VERSION_PIECES = ['0', '1', '9', '00', '10', '999999999999999999999', '1e5', '.', '-', '_', '+', '~', '^', ':', '!', 'a', 'b', 'rc', 'alpha', 'beta', 'dev', 'post', 'pre', 'p', 'r', 'SNAPSHOT', 'final', 'v', 'ga', 'sp', 'cr', 'M', '#', ' ', '*', '%', 'é', '😀', '\u0000', '\ud800', 'T', 'Z', '2024-01-01', '_p1', '-r2', 'git', 'letter'];

/** The OASIS STIX examples plus one bundle of the pattern spellings and markings real feeds use. */
function stixSeeds(): unknown[] {
  const examples = seeds.files('stix/examples', /\.json$/).map((path) => seeds.json(path));
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const indicator = (n: number, pattern: string, extra: Record<string, unknown> = {}) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(n)}`, created: '2023-03-29T00:00:00.000Z', modified: '2023-03-29T00:00:00.000Z', pattern, pattern_type: 'stix', valid_from: '2023-03-29T00:00:00Z', ...extra });
  const own = {
    type: 'bundle',
    id: `bundle--${uuid(0)}`,
    objects: [
      indicator(1, `[file:hashes.'SHA-256' = '${'a'.repeat(64)}'] OR [file:hashes.MD5 = '${'b'.repeat(32)}']`, { object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'], confidence: 80 }),
      indicator(2, "[domain-name:value = 'evil.com' AND url:value = 'http://evil.com/x'] WITHIN 60 SECONDS"),
      indicator(3, "[ipv4-addr:value = '10.0.0.0/8'] FOLLOWEDBY [email-addr:value = 'a@b.com']", { revoked: true }),
      { type: 'identity', spec_version: '2.1', id: `identity--${uuid(4)}`, created: '2023-03-29T00:00:00.000Z', modified: '2023-03-29T00:00:00.000Z', name: 'CERT' },
      { type: 'marking-definition', spec_version: '2.1', id: `marking-definition--${uuid(5)}`, created: '2023-03-29T00:00:00.000Z', definition_type: 'tlp', definition: { tlp: 'red' } },
    ],
  };
  const v20 = { type: 'bundle', id: `bundle--${uuid(6)}`, spec_version: '2.0', objects: [{ type: 'indicator', id: `indicator--${uuid(7)}`, created: '2017-01-01T00:00:00Z', modified: '2017-01-01T00:00:00Z', labels: ['malicious-activity'], pattern: `[file:hashes.SHA256 = '${'c'.repeat(64)}']`, valid_from: '2017-01-01T00:00:00Z' }] };
  return [...examples, own, v20, ...[realFeeds.openctiBundle(), realFeeds.indicatorBundle21(), realFeeds.attackBundle20()].map((t) => JSON.parse(t))];
}

function mispSeeds(): unknown[] {
  const attr = (type: string, value: string, extra: Record<string, unknown> = {}) => ({ uuid: '5c5e0d5b-0000-4000-8000-000000000001', type, category: 'Network activity', value, to_ids: true, ...extra });
  return [
    {
      Event: {
        uuid: '5c5e0d5b-0000-4000-8000-000000000000', info: '3CX', date: '2023-03-29', Orgc: { name: 'CIRCL' }, Tag: [{ name: 'tlp:amber' }],
        Attribute: [attr('domain', 'evil[.]com'), attr('filename|sha256', `x.dll|${'a'.repeat(64)}`), attr('ip-dst|port', '10.0.0.1|443'), attr('url', 'hxxp://evil.com/a', { to_ids: '0' }), attr('mutex', 'x')],
        Object: [{ name: 'file', Attribute: [attr('md5', 'b'.repeat(32)), attr('sha1', 'c'.repeat(40), { deleted: true })] }],
      },
    },
    { response: [{ Event: { uuid: 'e', Attribute: [attr('email-src', 'a@b.com')] } }] },
    realFeeds.circlEvent(),
    JSON.parse(realFeeds.mispAttributeSearch()),
  ];
}

function mispZip(): fc.Arbitrary<FuzzBytes> {
  const events = mispSeeds().slice(0, 1) as Array<{ Event: { uuid: string } }>;
  const manifest = JSON.stringify(Object.fromEntries(events.map((e) => [e.Event.uuid, { info: 'x' }])));
  return fc
    .record({ doc: jsonDocument(events, 3, 1), damage: steps(2), prefix: fc.constantFrom('', 'feed/', '../', '/abs/') })
    .map(({ doc, damage, prefix }) => damageBytes(buildZip([{ name: `${prefix}manifest.json`, data: manifest }, { name: `${prefix}${events[0].Event.uuid}.json`, data: Buffer.from(doc) }]), damage));
}

const IOC_CSVS = [
  `# IOCs\n"${'a'.repeat(64)},${'b'.repeat(40)},${'c'.repeat(32)}",x.msi,2023-03-29\nevil[.]com,C2\nhxxps://evil[.]com/a,icon\n`,
  'indicator;type;confidence;tlp;first_seen;tags\nevil.com;hostname;high;amber;2023-03-29 10:00:00;c2,3cx\nGlobal\\x;mutex;;;;\nbad@evil[.]com;emailwhois;50%;;;\n',
  'sha256,domain,ip\n' + 'd'.repeat(64) + ',evil.net,10.0.0.1\n',
  realFeeds.threatfoxCsv(),
  realFeeds.bazaarCsv({ shortHeader: true }),
  realFeeds.mispCsv(),
  realFeeds.ipList(),
  realFeeds.threatfoxJson(),
];
const IOC_CELLS = ['evil[.]com', 'hxxp://x(.)com/a', 'a'.repeat(64), `${'a'.repeat(64)},${'b'.repeat(32)}`, '10.0.0.1', '::1', 'a[@]b.com', 'FileHash-SHA256', 'mutex', 'high', '101', 'TLP:RED', 'purple', '2023-13-45', '"', '""', ';', '\t', 'é', '\u0000'];

const PATTERN_PIECES = ['[', ']', '(', ')', ':', '.', ',', "'", "\\'", '\\', '=', '!=', '<', '>=', 'AND', 'OR', 'NOT', 'FOLLOWEDBY', 'WITHIN', '5', 'SECONDS', 'REPEATS', 'TIMES', 'START', 'STOP', "t'2023-01-01T00:00:00Z'", "h'00'", "b'AA=='", 'IN', 'LIKE', 'MATCHES', 'EXISTS', 'file', 'hashes', "'SHA-256'", 'SHA256', 'MD5', 'domain-name', 'value', 'url', 'ipv4-addr', 'ipv6-addr', 'email-addr', '[*]', '[0]', 'a'.repeat(64), 'evil.com', '10.0.0.0/8', ' '];

function stixPatternTarget(): Target<string> {
  const patterns = ["[file:hashes.'SHA-256' = '" + 'a'.repeat(64) + "']", "[domain-name:value = 'evil.com'] OR [url:value = 'http://evil.com/']", "[ipv4-addr:value = '10.0.0.1' AND ipv6-addr:value = '::1'] WITHIN 5 SECONDS", "([email-addr:value = 'a@b.com'] FOLLOWEDBY [file:name MATCHES '^x'])"];
  return {
    name: 'stix-pattern',
    kind: 'parser',
    inputs: async () => grammarString(patterns, PATTERN_PIECES),
    open: async () => ({ check: (input: string) => expectOnly(() => analysePattern(input), PatternSyntaxError) }),
  };
}

function purlTarget(): Target<string> {
  return {
    name: 'purl',
    kind: 'parser',
    inputs: async () => grammarString(seeds.specStrings('purl-spec', 'pkg:'), PURL_PIECES),
    open: async () => ({
      check: (input: string) =>
        expectOnly(() => {
          for (const parse of [parsePurl, parseStrictPurl]) {
            let parsed;
            try {
              parsed = parse(input);
            } catch (error) {
              if (error instanceof PurlError) continue;
              throw error;
            }
            // A purl that parses must build again, and the canonical form must be a fixed point.
            const canonical = formatPurl(parsed);
            if (formatPurl(parsePurl(canonical)) !== canonical) throw new Crash(`canonical form is not stable: ${JSON.stringify(canonical)}`);
          }
        }, PurlError),
    }),
  };
}

function cpeTarget(): Target<string> {
  const examples = [
    'cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:ed:en-us:swe:tsw:thw:oth',
    'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:windows:*:*',
    'cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*',
    'cpe:2.3:a:foo\\:bar:baz\\*:1.0:*:*:*:*:*:*:*',
    'cpe:/a:microsoft:internet_explorer:8.0.6001:beta',
    'cpe:/o:redhat:enterprise_linux:7::server',
    'cpe:/a:%01:%02foo~bar~~~~',
  ];
  return {
    name: 'cpe',
    kind: 'parser',
    inputs: async () => grammarString(examples, CPE_PIECES),
    open: async () => ({
      check: (input: string) =>
        expectOnly(() => {
          let parsed;
          try {
            parsed = parseCpe(input);
          } catch (error) {
            if (error instanceof CpeError) return;
            throw error;
          }
          const canonical = formatCpe(parsed);
          if (formatCpe(parseCpe(canonical)) !== canonical) throw new Crash(`canonical form is not stable: ${JSON.stringify(canonical)}`);
        }, CpeError),
    }),
  };
}

function versTarget(): Target<[string, string]> {
  return {
    name: 'vers',
    kind: 'parser',
    inputs: async () => fc.tuple(grammarString(seeds.specStrings('vers-spec', 'vers:'), VERS_PIECES), grammarString(['1.0.0', '2.3', '1:2.3-4', '2024-01-01'], VERSION_PIECES)),
    open: async () => ({
      check: ([range, version]: [string, string]) =>
        expectOnly(() => {
          for (const normalize of [false, true]) {
            try {
              parseVers(range, { normalize });
            } catch (error) {
              if (!(error instanceof VersError)) throw error;
            }
          }
          // Containment never throws: unparseable ranges and versions are "indeterminate".
          const verdict = versContains(range, version);
          if (!['affected', 'not_affected', 'indeterminate'].includes(verdict)) throw new Crash(`versContains answered ${String(verdict)}`);
        }, VersError),
    }),
  };
}

/** Ecosystem names per comparator; the first name is the one used for osvAffects. */
const COMPARATORS: Array<{ name: string; ecosystem: string | null; vers: string | null; seeds: string[] }> = [
  { name: 'semver', ecosystem: 'npm', vers: 'npm', seeds: ['semver'] },
  { name: 'generic', ecosystem: null, vers: 'generic', seeds: ['semver'] },
  { name: 'pep440', ecosystem: 'PyPI', vers: 'pypi', seeds: ['pypi'] },
  { name: 'maven', ecosystem: 'Maven', vers: 'maven', seeds: ['maven'] },
  { name: 'nuget', ecosystem: 'NuGet', vers: 'nuget', seeds: ['nuget'] },
  { name: 'rubygems', ecosystem: 'RubyGems', vers: 'gem', seeds: ['rubygems'] },
  { name: 'composer', ecosystem: 'Packagist', vers: 'composer', seeds: ['packagist'] },
  { name: 'pub', ecosystem: 'Pub', vers: 'pub', seeds: ['pub'] },
  { name: 'cran', ecosystem: 'CRAN', vers: 'cran', seeds: ['cran'] },
  { name: 'hackage', ecosystem: 'Hackage', vers: 'hackage', seeds: ['hackage'] },
  { name: 'conan', ecosystem: 'ConanCenter', vers: 'conan', seeds: ['semver'] },
  { name: 'dpkg', ecosystem: 'Debian', vers: 'deb', seeds: ['debian'] },
  { name: 'rpm', ecosystem: 'Red Hat', vers: 'rpm', seeds: ['redhat'] },
  { name: 'apk', ecosystem: 'Alpine', vers: 'apk', seeds: ['alpine'] },
  { name: 'alpm', ecosystem: null, vers: 'alpm', seeds: ['alpine'] },
  { name: 'gentoo', ecosystem: null, vers: 'gentoo', seeds: ['alpine'] },
  { name: 'openssl', ecosystem: null, vers: 'openssl', seeds: ['semver'] },
  { name: 'datetime', ecosystem: null, vers: 'datetime', seeds: ['semver'] },
  { name: 'lexicographic', ecosystem: null, vers: 'lexicographic', seeds: ['semver'] },
  { name: 'intdot', ecosystem: null, vers: 'intdot', seeds: ['semver'] },
];

function comparatorTarget(entry: (typeof COMPARATORS)[number]): Target<[string, string, string]> {
  const comparator = (): VersionComparator => {
    const found = entry.ecosystem ? comparatorFor(entry.ecosystem) : versComparatorFor(entry.vers!);
    if (!found) throw new Error(`no comparator for ${entry.name}`);
    return found;
  };
  return {
    name: `version:${entry.name}`,
    kind: 'parser',
    inputs: async () => {
      const pool = entry.seeds.flatMap(seeds.versions);
      const version = grammarString(pool.length ? pool : ['1.0.0'], VERSION_PIECES);
      return fc.tuple(version, version, version);
    },
    open: async () => {
      const cmp = comparator();
      return {
        // The comparator contract (types.ts): never throws, answers -1/0/1, antisymmetric and reflexive.
        check: ([a, b, c]: [string, string, string]) =>
          expectOnly(() => {
            const ab = cmp.compare(a, b);
            if (ab !== -1 && ab !== 0 && ab !== 1) throw new Crash(`compare(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${ab}`);
            if (cmp.compare(b, a) !== -ab) throw new Crash(`not antisymmetric: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
            if (cmp.compare(a, a) !== 0) throw new Crash(`not reflexive: ${JSON.stringify(a)}`);
            if (typeof cmp.isValid(a) !== 'boolean') throw new Crash('isValid did not answer a boolean');
            const events = [{ introduced: b }, { fixed: c }];
            if (entry.ecosystem) {
              const verdict = osvAffects(entry.ecosystem, a, { versions: [c], ranges: [{ type: 'ECOSYSTEM', events }, { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: b }] }] });
              if (!['affected', 'not_affected', 'indeterminate'].includes(verdict)) throw new Crash(`osvAffects answered ${String(verdict)}`);
            }
          }),
      };
    },
  };
}

/** NVD CVE API 2.0 seeds written from the public records' structure (test-nvd.ts): pages, single records, running-on, KEV, rejected. */
function nvdSeeds(): unknown[] {
  const app = { vulnerable: true, criteria: 'cpe:2.3:a:3cx:3cx:*:*:*:*:*:*:*:*', versionStartIncluding: '18.12.407', versionEndExcluding: '18.12.422' };
  const records = [
    nvdCve('CVE-2023-29059', { cisaExploitAdd: '2023-03-30', cisaActionDue: '2023-04-20', cisaRequiredAction: 'Apply mitigations.', cisaVulnerabilityName: '3CX DesktopApp Supply Chain Compromise' }),
    nvdCve('CVE-2024-0002', { configurations: [runningOn(app, ['cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*', 'cpe:2.3:o:apple:macos:*:*:*:*:*:*:*:*'])] }),
    nvdCve('CVE-2024-0003', { vulnStatus: 'Rejected', configurations: [] }),
    nvdCve('CVE-2024-0004', {
      metrics: {
        cvssMetricV40: [nvdMetric('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'cna@example.com', 'Secondary')],
        cvssMetricV2: [nvdMetric('2.0', 'AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5, 'nvd@nist.gov', 'Primary')],
      },
      configurations: [{ nodes: [{ operator: 'AND', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:don_ho:notepad\\+\\+:8.?:*:*:*:*:*:*:*' }, { vulnerable: false, criteria: 'cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:x64:*' }] }] }],
    }),
  ];
  return [...records, nvdPage(records), { cve: records[1] }];
}

const NVD_TARGETS = ['cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:*:*:*', 'cpe:2.3:a:example:widget:2.4:*:*:*:*:*:*:*', 'cpe:2.3:a:don_ho:notepad\\+\\+:8.1:*:*:*:*:*:*:*'].map(parseCpe);
const NVD_PLATFORMS = [parseCpe('cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*')];

/** Parses an NVD document, then indexes and evaluates every record's CPE entries: none of it may throw but FeedFormatError. */
function parseAndEvaluateNvd(input: FuzzBytes): void {
  for (const advisory of parseNvdDocument(input).items) {
    for (const { payload } of cpeIndexEntries(advisory.cpeConfigurations ?? [], advisory.id)) {
      for (const target of NVD_TARGETS) {
        const verdict = evaluateCpeEntry(payload, target, NVD_PLATFORMS);
        if (!['affected', 'not_affected', 'indeterminate'].includes(verdict)) throw new Crash(`evaluateCpeEntry answered ${String(verdict)}`);
      }
    }
  }
}

export function parserTargets(): Target<any>[] {
  let kevDoc: unknown;
  const kevSeed = () => (kevDoc ??= seeds.kev());
  let osv: Promise<unknown[]> | undefined;
  const osvSeeds = () => (osv ??= seeds.osvRecords());
  return [
    sbomTarget('cyclonedx-json', () => fullAndSmall(seeds.cyclonedxJson())),
    sbomTarget('cyclonedx-xml', () => textDocuments(seeds.smallXml(seeds.cyclonedxXml()), mutateXml, seeds.cyclonedxXml())),
    sbomTarget('spdx-json', () => fullAndSmall(seeds.spdxJson())),
    sbomTarget('spdx-tag-value', () => textDocuments(seeds.spdxTagValue(), (t, list) => mutateLines(t, list, TAG_VALUES))),
    sbomTarget('spdx3-jsonld', () => fullAndSmall(seeds.spdx3())),
    {
      name: 'sbom-sniff',
      kind: 'parser',
      inputs: async () => {
        const docs = [...seeds.cyclonedxJson(), ...seeds.spdxJson(), ...seeds.spdx3()].map((d) => JSON.stringify(d).slice(0, 4000));
        const texts = [...docs, ...seeds.cyclonedxXml().map((t) => t.slice(0, 4000)), ...seeds.spdxTagValue().map((t) => t.slice(0, 4000)), ...HOSTILE_STRINGS];
        return fc.oneof(
          textDocuments(texts, (t) => t),
          fc.uint8Array({ maxLength: 256 }),
          fc.constantFrom('\ufeff{"bomFormat":"CycloneDX"}', '\ufeff<bom/>', '<?xml version="1.0" encoding="UTF-16"?><bom/>', '<bom xmlns="http://cyclonedx.org/schema/bom/1.4"', 'SPDXVersion:'),
        );
      },
      open: async () => ({ check: (input: FuzzBytes) => expectOnly(() => sniffSbom(typeof input === 'string' ? input : Buffer.from(input)), SbomParseError) }),
    },
    feedTarget('osv-json', async () => jsonDocument(await osvSeeds(), 4, 2), (input) => parseOsvDocuments(input, { format: 'json' })),
    feedTarget('osv-yaml', async () => osvYaml(await osvSeeds()), (input) => parseOsvDocuments(input, { format: 'yaml' })),
    feedTarget('osv-zip', async () => osvZip(await osvSeeds()), (input) => readOsvZip(typeof input === 'string' ? Buffer.from(input) : input)),
    feedTarget('nvd-json', async () => jsonDocument(nvdSeeds(), 5, 2), parseAndEvaluateNvd),
    feedTarget('nvd-zip', async () => osvZip(nvdSeeds(), NVD_ZIP_NAMES), (input) => readNvdZip(typeof input === 'string' ? Buffer.from(input) : input)),
    feedTarget('csaf', async () => jsonDocument(vexSeeds(kevSeed(), seeds.cyclonedxJson()).csaf, 5, 1), parseCsaf),
    feedTarget('openvex', async () => jsonDocument(vexSeeds(kevSeed(), seeds.cyclonedxJson()).openvex, 5, 1), parseOpenVex),
    feedTarget('cyclonedx-vex', async () => fullAndSmall(seeds.cyclonedxVex(), 5, 1), (input) => parseCycloneDxVex(input)),
    feedTarget('kev', async () => jsonDocument(seeds.small([kevSeed()], 20), 5, 1), parseKev),
    feedTarget('epss', async () => epssDocument(), parseEpss),
    {
      name: 'vendor-csv',
      kind: 'parser',
      inputs: async () => csvDocument(),
      open: async () => {
        const { openVendorCsv } = await import('./vendor-csv.js');
        return openVendorCsv();
      },
    },
    feedTarget('stix', async () => jsonDocument(stixSeeds(), 5, 2), parseStixBundle),
    feedTarget('misp', async () => jsonDocument(mispSeeds(), 5, 2), parseMispDocument),
    feedTarget('misp-zip', async () => mispZip(), (input) => readMispZip(typeof input === 'string' ? Buffer.from(input) : input)),
    feedTarget('csv-iocs', async () => textDocuments(IOC_CSVS, (t, list) => mutateLines(t, list, IOC_CELLS)), (input) => parseIocCsv(input)),
    stixPatternTarget(),
    purlTarget(),
    cpeTarget(),
    versTarget(),
    ...COMPARATORS.map(comparatorTarget),
  ];
}
