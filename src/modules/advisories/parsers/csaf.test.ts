import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedFormatError } from './errors.js';
import { parseCsaf } from './csaf.js';

// A CSAF 2.0 VEX document following the structure of the specification's examples (section 4.5 and the
// "VEX profile" use cases): branches down to product versions, a vers range branch, a relationship,
// a product group, flags, threats, remediations and scores.
function vexDocument(vulnerabilities: unknown[]): Record<string, unknown> {
  return {
    document: {
      category: 'csaf_vex',
      csaf_version: '2.0',
      publisher: { category: 'vendor', name: 'Example Company', namespace: 'https://psirt.example.com' },
      title: 'Example Company VEX for CVE-2021-44228',
      tracking: {
        id: 'EXAMPLE-VEX-2022-001',
        status: 'final',
        version: '2',
        initial_release_date: '2022-01-10T08:00:00.000Z',
        current_release_date: '2022-02-01T08:00:00.000Z',
        revision_history: [{ date: '2022-01-10T08:00:00.000Z', number: '1', summary: 'Initial version.' }],
      },
    },
    product_tree: {
      branches: [
        {
          category: 'vendor',
          name: 'Example Company',
          branches: [
            {
              category: 'product_name',
              name: 'ABC',
              branches: [
                {
                  category: 'product_version',
                  name: '4.1',
                  product: { product_id: 'CSAFPID-0001', name: 'ABC 4.1', product_identification_helper: { purl: 'pkg:maven/com.example/abc@4.1' } },
                },
                {
                  category: 'product_version',
                  name: '4.2',
                  product: { product_id: 'CSAFPID-0002', name: 'ABC 4.2', product_identification_helper: { purl: 'pkg:maven/com.example/abc@4.2' } },
                },
              ],
            },
            {
              category: 'product_name',
              name: 'widget',
              branches: [
                {
                  category: 'product_version_range',
                  name: 'vers:npm/>=1.0.0|<1.4.0',
                  product: { product_id: 'CSAFPID-0005', name: 'widget 1.x', product_identification_helper: { purl: 'pkg:npm/widget' } },
                },
              ],
            },
          ],
        },
        {
          category: 'vendor',
          name: 'Apache',
          branches: [
            {
              category: 'product_version',
              name: '2.14.1',
              product: {
                product_id: 'CSAFPID-0003',
                name: 'Apache Log4j 2.14.1',
                product_identification_helper: { cpe: 'cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*' },
              },
            },
          ],
        },
      ],
      full_product_names: [{ product_id: 'CSAFPID-0006', name: 'Example Cloud Service' }],
      relationships: [
        {
          category: 'default_component_of',
          full_product_name: { product_id: 'CSAFPID-0004', name: 'Apache Log4j 2.14.1 as a component of ABC 4.2' },
          product_reference: 'CSAFPID-0003',
          relates_to_product_reference: 'CSAFPID-0002',
        },
      ],
      product_groups: [{ group_id: 'CSAFGID-0001', product_ids: ['CSAFPID-0006'] }],
    },
    vulnerabilities,
  };
}

const LOG4SHELL = {
  cve: 'CVE-2021-44228',
  title: 'Apache Log4j2 JNDI features do not protect against attacker controlled LDAP',
  notes: [
    { category: 'description', text: 'Apache Log4j2 JNDI features used in configuration do not protect against attacker controlled endpoints.' },
    { category: 'legal_disclaimer', text: 'Not part of the details.' },
  ],
  product_status: {
    known_affected: ['CSAFPID-0001'],
    known_not_affected: ['CSAFPID-0004', 'CSAFPID-0006'],
    fixed: ['CSAFPID-0002'],
    under_investigation: ['CSAFPID-0005'],
  },
  flags: [{ label: 'vulnerable_code_not_in_execute_path', product_ids: ['CSAFPID-0004'] }],
  threats: [{ category: 'impact', details: 'The service does not use Log4j.', group_ids: ['CSAFGID-0001'] }],
  remediations: [{ category: 'vendor_fix', details: 'Upgrade to ABC 4.2.', product_ids: ['CSAFPID-0001'], url: 'https://example.com/abc/4.2' }],
  scores: [{ products: ['CSAFPID-0001'], cvss_v3: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10 } }],
  references: [{ category: 'external', summary: 'NVD', url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228' }],
};

const common = { vulnerability: 'CVE-2021-44228', aliases: [], state: null, affectedVersions: null };

describe('parseCsaf', () => {
  test('VEX statements per product claim', () => {
    const outcome = parseCsaf(JSON.stringify(vexDocument([LOG4SHELL])));
    assert.deepEqual(outcome.errors, []);
    assert.deepEqual(outcome.meta, { trackingId: 'EXAMPLE-VEX-2022-001', category: 'csaf_vex' });
    assert.deepEqual(outcome.items, [
      { ...common, products: ['pkg:maven/com.example/abc@4.1'], status: 'affected', justification: null, responses: ['update'], detail: 'Upgrade to ABC 4.2.' },
      { ...common, products: ['CSAFPID-0004'], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', responses: [], detail: null },
      { ...common, products: ['CSAFPID-0006'], status: 'not_affected', justification: null, responses: [], detail: 'The service does not use Log4j.' },
      { ...common, products: ['pkg:maven/com.example/abc@4.2'], status: 'fixed', justification: null, responses: [], detail: null },
      { ...common, products: ['pkg:npm/widget'], status: 'under_investigation', justification: null, responses: [], detail: null, affectedVersions: 'vers:npm/>=1.0.0|<1.4.0' },
    ]);
  });

  test('each vulnerability is also an advisory', () => {
    const [advisory] = parseCsaf(vexDocument([LOG4SHELL])).advisories;
    assert.deepEqual(advisory, {
      id: 'CVE-2021-44228',
      aliases: ['EXAMPLE-VEX-2022-001'],
      source: 'csaf',
      summary: LOG4SHELL.title,
      details: LOG4SHELL.notes[0].text,
      published: '2022-01-10T08:00:00.000Z',
      modified: '2022-02-01T08:00:00.000Z',
      withdrawn: null,
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }],
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, rating: 'critical' },
      malicious: false,
      affected: [{ ecosystem: 'Maven', name: 'com.example:abc', purl: 'pkg:maven/com.example/abc@4.1', versions: ['4.1'], ranges: [] }],
      references: ['https://nvd.nist.gov/vuln/detail/CVE-2021-44228'],
    });
  });

  test('products with the same claim share a statement; ids without a cve name the vulnerability', () => {
    const outcome = parseCsaf(
      vexDocument([
        {
          ids: [{ system_name: 'Example PSIRT', text: 'EX-2022-0042' }, { system_name: 'GitHub', text: 'GHSA-aaaa-bbbb-cccc' }],
          product_status: { fixed: ['CSAFPID-0001', 'CSAFPID-0002', 'CSAFPID-0003'], first_fixed: ['CSAFPID-0002'] },
        },
      ]),
    );
    assert.deepEqual(outcome.items, [
      {
        vulnerability: 'EX-2022-0042',
        aliases: ['GHSA-aaaa-bbbb-cccc'],
        products: ['pkg:maven/com.example/abc@4.1', 'pkg:maven/com.example/abc@4.2', 'cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*'],
        status: 'fixed',
        state: null,
        justification: null,
        responses: [],
        detail: null,
        affectedVersions: null,
      },
    ]);
  });

  test('invalid vulnerabilities are record errors; the others are kept', () => {
    const outcome = parseCsaf(
      vexDocument([
        { cve: 'CVE-2022-0001', product_status: { known_affected: ['CSAFPID-0001'], fixed: ['CSAFPID-0001'] } },
        { notes: [] },
        { cve: 'CVE-2022-0003', product_status: { known_not_affected: ['CSAFPID-0001', 'CSAFPID-0002'] }, flags: [{ label: 'component_not_present', product_ids: ['CSAFPID-0002'] }] },
        { cve: 'CVE-2022-0004', product_status: { fixed: 'CSAFPID-0001' } },
        { cve: 'CVE-2022-0005', product_status: { known_not_affected: ['CSAFPID-0001'] }, flags: [{ label: 'looks_fine', product_ids: ['CSAFPID-0001'] }] },
        'CVE-2022-0006',
      ]),
    );
    assert.deepEqual(outcome.items.map((s) => [s.vulnerability, s.products]), [['CVE-2022-0003', ['pkg:maven/com.example/abc@4.2']]]);
    assert.deepEqual(outcome.errors, [
      { record: 'CVE-2022-0001', reason: 'product_status: CSAFPID-0001 is both affected and fixed' },
      { record: 'vulnerabilities[1]', reason: 'cve: a vulnerability needs a cve or ids' },
      { record: 'CVE-2022-0003', reason: 'CSAFPID-0001: known_not_affected without a flag or an impact statement' },
      { record: 'CVE-2022-0004', reason: 'product_status.fixed: expected an array, got string' },
      { record: 'CVE-2022-0005', reason: "flags[0].label: 'looks_fine' is not a CSAF flag label" },
      { record: 'vulnerabilities[5]', reason: 'expected an object, got string' },
    ]);
  });

  test('deeply nested branches do not overflow the stack', () => {
    let branch: Record<string, unknown> = { category: 'product_version', name: '1', product: { product_id: 'DEEP', name: 'deep', product_identification_helper: { purl: 'pkg:npm/deep@1' } } };
    for (let i = 0; i < 100_000; i++) branch = { category: 'product_family', name: `f${i}`, branches: [branch] };
    const document = vexDocument([{ cve: 'CVE-2022-0001', product_status: { fixed: ['DEEP'] } }]);
    (document.product_tree as Record<string, unknown>).branches = [branch];
    assert.deepEqual(parseCsaf(document).items[0].products, ['pkg:npm/deep@1']);
  });

  test('documents that are not CSAF 2.x are unusable', () => {
    assert.throws(() => parseCsaf({ document: { csaf_version: '1.2' } }), /unsupported CSAF version/);
    assert.throws(() => parseCsaf({ vulnerabilities: [] }), FeedFormatError);
    assert.throws(() => parseCsaf({ document: { csaf_version: '2.0', tracking: {} } }), /tracking needs id/);
    assert.throws(() => parseCsaf({ ...vexDocument([]), vulnerabilities: {} }), FeedFormatError);
    assert.throws(() => parseCsaf('{'), FeedFormatError);
  });
});
