import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../platform/errors.js';
import { checkEvidence } from './portal.files.js';

const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof AppError && error.status === 415 && pattern.test(error.message));

test('evidence kinds come from the bytes; names and labels must agree with them', () => {
  const docx = Buffer.from('PK\u0003\u0004\u0014\u0000\u0006\u0000word/document.xml', 'latin1');
  assert.equal(checkEvidence(docx, 'Policy.DOCX', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document').mediaType, 'application/zip');
  assert.equal(checkEvidence(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'photo.jpeg', 'image/jpeg').mediaType, 'image/jpeg');
  const cdxXml = Buffer.from('\uFEFF<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"><metadata><component/></metadata></bom>');
  assert.equal(checkEvidence(cdxXml, 'bom.cdx', 'application/vnd.cyclonedx+xml').mediaType, 'application/xml');
  assert.equal(checkEvidence(Buffer.from('{"spdxVersion":"SPDX-2.3"}'), 'sbom.spdx', 'application/spdx+json; charset=utf-8').mediaType, 'application/json');
  assert.equal(checkEvidence(Buffer.from('{not json'), 'notes.txt', undefined).mediaType, 'text/plain');
  assert.equal(checkEvidence(Buffer.from('%PDF-1.4'), 'no-extension', 'application/octet-stream').mediaType, 'application/pdf');

  refused(() => checkEvidence(Buffer.from('%PDF-1.4'), 'invoice.docx', undefined), /named \.docx but its content is application\/pdf/);
  refused(() => checkEvidence(Buffer.from('{"a":1}'), 'data.json', 'image/png'), /labelled image\/png/);
  refused(() => checkEvidence(Buffer.from('  <HTML><body>x</body></HTML>'), 'report.txt', 'text/plain'), /active markup/);
  refused(() => checkEvidence(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'), 'chart.xml', undefined), /active markup/);
  refused(() => checkEvidence(Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]), 'tool.exe', undefined), /none of the accepted types/);
  refused(() => checkEvidence(Buffer.from([0xc3, 0x28, 0x41]), 'bad.txt', undefined), /none of the accepted types/);
});
