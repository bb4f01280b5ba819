import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedFormatError } from './errors.js';
import { parseOpenVex } from './openvex.js';

// Shaped after the examples in the OpenVEX v0.2.0 specification.
const DOCUMENT = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://openvex.dev/docs/example/vex-9fb3463de1b57',
  author: 'Wolfi J Inkinson',
  role: 'Document Creator',
  timestamp: '2023-01-08T18:02:03.647787998-06:00',
  version: 1,
  statements: [
    {
      vulnerability: { '@id': 'https://nvd.nist.gov/vuln/detail/CVE-2014-123456', name: 'CVE-2014-123456', aliases: ['GHSA-aaaa-bbbb-cccc'] },
      timestamp: '2023-01-06T15:05:42.647787998Z',
      products: [
        {
          '@id': 'pkg:apk/wolfi/git@2.39.0-r1?arch=armv7',
          subcomponents: [{ '@id': 'pkg:apk/wolfi/openssl@3.0.7-r1?arch=armv7' }],
        },
        { '@id': 'https://example.com/products/git', identifiers: { purl: 'pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64' } },
      ],
      status: 'not_affected',
      justification: 'vulnerable_code_not_present',
      impact_statement: 'The vulnerable code was removed in this build.',
    },
    {
      vulnerability: { name: 'CVE-2023-1255' },
      products: [{ '@id': 'pkg:oci/example@sha256%3A1234' }],
      status: 'affected',
      action_statement: 'Upgrade to 3.0.9.',
    },
    {
      vulnerability: { name: 'CVE-2023-2650' },
      products: [{ '@id': 'pkg:oci/example@sha256%3A1234' }],
      status: 'under_investigation',
    },
  ],
};

describe('parseOpenVex', () => {
  test('v0.2.0 statements', () => {
    const outcome = parseOpenVex(JSON.stringify(DOCUMENT));
    assert.deepEqual(outcome.errors, []);
    assert.deepEqual(outcome.meta, {
      id: 'https://openvex.dev/docs/example/vex-9fb3463de1b57',
      author: 'Wolfi J Inkinson',
      timestamp: '2023-01-08T18:02:03.647787998-06:00',
      version: '1',
    });
    assert.deepEqual(outcome.items, [
      {
        vulnerability: 'CVE-2014-123456',
        aliases: ['GHSA-aaaa-bbbb-cccc'],
        products: ['pkg:apk/wolfi/git@2.39.0-r1?arch=armv7', 'https://example.com/products/git', 'pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64'],
        status: 'not_affected',
        state: null,
        justification: 'vulnerable_code_not_present',
        responses: [],
        detail: 'The vulnerable code was removed in this build.',
      },
      {
        vulnerability: 'CVE-2023-1255',
        aliases: [],
        products: ['pkg:oci/example@sha256%3A1234'],
        status: 'affected',
        state: null,
        justification: null,
        responses: [],
        detail: 'Upgrade to 3.0.9.',
      },
      {
        vulnerability: 'CVE-2023-2650',
        aliases: [],
        products: ['pkg:oci/example@sha256%3A1234'],
        status: 'under_investigation',
        state: null,
        justification: null,
        responses: [],
        detail: null,
      },
    ]);
  });

  test('v0.0.x string vulnerabilities and products', () => {
    const outcome = parseOpenVex({
      '@context': 'https://openvex.dev/ns',
      statements: [{ vulnerability: 'CVE-2022-3602', products: ['pkg:deb/debian/openssl@3.0.5'], status: 'fixed' }],
    });
    assert.deepEqual(outcome.items.map((s) => [s.vulnerability, s.products, s.status]), [['CVE-2022-3602', ['pkg:deb/debian/openssl@3.0.5'], 'fixed']]);
  });

  test('invalid statements are record errors and the rest is kept', () => {
    const outcome = parseOpenVex({
      ...DOCUMENT,
      statements: [
        DOCUMENT.statements[1],
        { vulnerability: { name: 'CVE-1' }, products: [{ '@id': 'pkg:npm/x' }], status: 'maybe' },
        { vulnerability: { name: 'CVE-2' }, products: [{ '@id': 'pkg:npm/x' }], status: 'not_affected' },
        { vulnerability: { name: 'CVE-3' }, products: [{ '@id': 'pkg:npm/x' }], status: 'not_affected', justification: 'trust_me' },
        { vulnerability: { name: 'CVE-4' }, products: [], status: 'fixed' },
        { vulnerability: { name: 'CVE-5' }, products: [{ subcomponents: [] }], status: 'fixed' },
        { products: [{ '@id': 'pkg:npm/x' }], status: 'fixed' },
        42,
      ],
    });
    assert.deepEqual(outcome.items.map((s) => s.vulnerability), ['CVE-2023-1255']);
    assert.deepEqual(outcome.errors, [
      { record: 'CVE-1 (statement 1)', reason: "status: 'maybe' is not an OpenVEX status" },
      { record: 'CVE-2 (statement 2)', reason: 'status: not_affected needs a justification or an impact_statement' },
      { record: 'CVE-3 (statement 3)', reason: "justification: 'trust_me' is not an OpenVEX justification" },
      { record: 'CVE-4 (statement 4)', reason: 'products: required' },
      { record: 'CVE-5 (statement 5)', reason: 'products[0].@id: a product needs an @id or a purl identifier' },
      { record: 'statement 6', reason: 'vulnerability: required' },
      { record: 'statement 7', reason: 'expected an object, got number' },
    ]);
  });

  test('documents that are not OpenVEX are unusable', () => {
    assert.throws(() => parseOpenVex({ '@context': 'https://example.com/ns', statements: [] }), FeedFormatError);
    assert.throws(() => parseOpenVex({ '@context': 'https://openvex.dev/ns/v0.2.0' }), FeedFormatError);
    assert.throws(() => parseOpenVex('not json'), FeedFormatError);
  });
});
