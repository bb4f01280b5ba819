import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { FeedFormatError } from './errors.js';
import { parseKev } from './kev.js';

const KEV_JSON = new URL('../../../../../shared/data/kev/known_exploited_vulnerabilities.json', import.meta.url);

describe('parseKev on the real catalog', () => {
  test('all 1,404 entries parse with catalog metadata', async () => {
    const outcome = parseKev(await readFile(KEV_JSON));
    assert.deepEqual(outcome.errors, []);
    assert.equal(outcome.items.length, 1404);
    assert.deepEqual(outcome.meta, {
      title: 'CISA Catalog of Known Exploited Vulnerabilities',
      catalogVersion: '2025.08.25',
      dateReleased: '2025-08-25T17:04:19.9796Z',
      count: '1404',
    });
    const authenticode = outcome.items.find((entry) => entry.cveId === 'CVE-2013-3900');
    assert.equal(authenticode?.vendorProject, 'Microsoft');
    assert.equal(outcome.items.some((entry) => entry.cveId === 'CVE-2023-29059'), false, 'the 3CX CVE is not in KEV');
  });

  test('maps field names', async () => {
    const [first] = parseKev(await readFile(KEV_JSON, 'utf8')).items;
    assert.deepEqual(first, {
      cveId: 'CVE-2025-48384',
      vendorProject: 'Git',
      product: 'Git',
      name: 'Git Link Following Vulnerability',
      dateAdded: '2025-08-25',
      dueDate: '2025-09-15',
      knownRansomwareCampaignUse: 'Unknown',
      shortDescription: first.shortDescription,
      requiredAction: first.requiredAction,
    });
    assert.match(first.shortDescription!, /^Git contains a link following vulnerability/);
  });
});

describe('parseKev on malformed input', () => {
  const entry = { cveID: 'CVE-2024-1234', vendorProject: 'Acme', product: 'Widget', vulnerabilityName: 'Widget RCE', dateAdded: '2024-01-02' };

  test('bad entries are record errors; unknown fields and missing optional ones are fine', () => {
    const outcome = parseKev({
      vulnerabilities: [
        { ...entry, someFieldAddedIn2030: { nested: true }, cwes: ['CWE-78'] },
        { ...entry, cveID: undefined },
        { ...entry, cveID: 'GHSA-xxxx-yyyy-zzzz' },
        { ...entry, cveID: 12345 },
        { ...entry, cveID: 'CVE-2024-0002', dateAdded: 'soon' },
        { ...entry, cveID: 'CVE-2024-0003', dueDate: 20240101 },
        'not an object',
      ],
    });
    assert.deepEqual(outcome.items, [
      { ...pick(entry), dueDate: null, knownRansomwareCampaignUse: null, shortDescription: null, requiredAction: null },
    ]);
    assert.deepEqual(outcome.errors, [
      { record: 'entry 1', reason: 'cveID: required' },
      { record: 'GHSA-xxxx-yyyy-zzzz', reason: "cveID: 'GHSA-xxxx-yyyy-zzzz' is not a CVE id" },
      { record: 'entry 3', reason: 'cveID: expected a string, got number' },
      { record: 'CVE-2024-0002', reason: "dateAdded: 'soon' is not a YYYY-MM-DD date" },
      { record: 'CVE-2024-0003', reason: 'dueDate: expected a string, got number' },
      { record: 'entry 6', reason: 'expected an object, got string' },
    ]);
  });

  test('a document without a vulnerabilities array is unusable', () => {
    assert.throws(() => parseKev('{"vulnerabilities": {}}'), FeedFormatError);
    assert.throws(() => parseKev('[]'), FeedFormatError);
    assert.throws(() => parseKev('{"vulnerabilities": ['), /not valid JSON/);
  });
});

function pick(entry: { cveID: string; vendorProject: string; product: string; vulnerabilityName: string; dateAdded: string }) {
  return { cveId: entry.cveID, vendorProject: entry.vendorProject, product: entry.product, name: entry.vulnerabilityName, dateAdded: entry.dateAdded };
}
