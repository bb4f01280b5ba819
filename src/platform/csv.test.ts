import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { neutraliseCell, restoreCell, toCsv } from './csv.js';

const FORMULAS = ['=1+1', '+1', '-2+3', '@SUM(A1:A2)', '\t=cmd', '\r=cmd', '=HYPERLINK("http://evil.example","x")'];
const TRICKY = ["'=already quoted", "''+twice", "'plain apostrophe", "it's fine", 'a=b', '', 'x-y', '  padded  ', '-', "'"];

test('cells a spreadsheet would run as a formula get a leading apostrophe; others stay as they are', () => {
  for (const value of FORMULAS) assert.equal(neutraliseCell(value), `'${value}`, JSON.stringify(value));
  assert.equal(neutraliseCell(-5), "'-5");
  assert.equal(neutraliseCell(null), '');
  assert.equal(neutraliseCell(true), 'true');
  for (const value of ["it's fine", 'a=b', 'x-y', "'plain apostrophe", "'"]) assert.equal(neutraliseCell(value), value);
  // Apostrophes already in front of a formula character get one more, so the import can take exactly one off.
  assert.equal(neutraliseCell("'=already quoted"), "''=already quoted");
});

test('restoreCell undoes neutraliseCell for every value', () => {
  for (const value of [...FORMULAS, ...TRICKY]) assert.equal(restoreCell(neutraliseCell(value)), value, JSON.stringify(value));
});

test('toCsv writes a header, neutralises every cell and keeps padded cells quoted', () => {
  const text = toCsv(['a', 'b'], [['=1+1', '  padded  '], [null, 42]]);
  assert.equal(text.split('\n')[0], 'a,b');
  const rows = parse(text, { columns: true, trim: true }) as Array<Record<string, string>>;
  assert.deepEqual(rows, [
    { a: "'=1+1", b: '  padded  ' },
    { a: '', b: '42' },
  ]);
  assert.deepEqual(rows.map((r) => restoreCell(r.a)), ['=1+1', '']);
});
