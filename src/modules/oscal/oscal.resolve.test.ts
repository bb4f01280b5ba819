import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CONTROLS, parseOscal, type ParsedImport } from './oscal.parse.js';
import { resolveImport } from './oscal.resolve.js';

const catalog = [
  { oscalId: 'sr-1', parentOscalId: null },
  { oscalId: 'sr-2', parentOscalId: null },
  { oscalId: 'sr-2.1', parentOscalId: 'sr-2' },
  { oscalId: 'sr-4', parentOscalId: null },
  { oscalId: 'sr-4.1', parentOscalId: 'sr-4' },
  { oscalId: 'sr-4.3', parentOscalId: 'sr-4' },
  { oscalId: 'sa-4', parentOscalId: null },
];

const imp = (over: Partial<ParsedImport>): ParsedImport => ({ href: '#x', pointer: '/profile/imports/0', names: { uuids: [], files: [], titles: [] }, includeAll: false, include: [], exclude: [], ...over });
const sel = (withIds: string[], withChildControls = false, matching: string[] = []) => ({ withIds, withChildControls, matching });

test('include by id, with-child-controls, patterns and excludes, in catalog order', () => {
  assert.deepEqual(resolveImport(imp({ include: [sel(['sr-4', 'sr-1'])] }), catalog), { selected: ['sr-1', 'sr-4'], unknown: [] });
  assert.deepEqual(resolveImport(imp({ include: [sel(['sr-4'], true)] }), catalog).selected, ['sr-4', 'sr-4.1', 'sr-4.3']);
  assert.deepEqual(resolveImport(imp({ include: [sel([], false, ['sr-?'])] }), catalog).selected, ['sr-1', 'sr-2', 'sr-4']);
  assert.deepEqual(resolveImport(imp({ includeAll: true, exclude: [sel(['sr-4'], true), sel([], false, ['sa-*'])] }), catalog).selected, ['sr-1', 'sr-2', 'sr-2.1']);
  assert.deepEqual(resolveImport(imp({ include: [sel(['sr-9', 'sr-1'])], exclude: [sel(['zz-1'])] }), catalog).unknown, [
    { id: 'sr-9', field: '/profile/imports/0/include-controls/0/with-ids/0' },
    { id: 'zz-1', field: '/profile/imports/0/exclude-controls/0/with-ids/0' },
  ]);
});

test('parameters fill the statement; an import with neither include-all nor include-controls takes everything', () => {
  const doc = {
    catalog: {
      uuid: '11111111-2222-4333-8444-555555555555',
      metadata: { title: 'T', version: '1', 'oscal-version': '1.0.4' },
      groups: [{ id: 'xx', title: 'Example', controls: [{
        id: 'xx-1', title: 'One', props: [{ name: 'label', value: 'XX-1' }, { name: 'label', class: 'zero-padded', value: 'XX-01' }],
        params: [{ id: 'p1', label: 'organization-defined frequency' }, { id: 'p2', select: { 'how-many': 'one-or-more', choice: ['daily', 'every {{ insert: param, p1 }}'] } }],
        parts: [{ id: 'xx-1_smt', name: 'statement', parts: [{ id: 'a', name: 'item', props: [{ name: 'label', value: 'a.' }], prose: 'Review {{ insert: param, p2 }}.' }] }, { id: 'g', name: 'guidance', prose: 'not searched' }],
      }] }],
    },
  };
  const parsed = parseOscal(JSON.stringify(doc));
  assert.equal(parsed.kind, 'catalog');
  const [control] = parsed.kind === 'catalog' ? parsed.catalog.controls : [];
  assert.equal(control.label, 'XX-1');
  assert.equal(control.statement, 'a. Review [Selection (one or more): daily; every [Assignment: organization-defined frequency]].');
  const profile = parseOscal(JSON.stringify({ profile: { uuid: '21111111-2222-4333-8444-555555555555', metadata: { title: 'P', version: '1', 'oscal-version': '1.1.2' }, imports: [{ href: 'catalog.json' }] } }));
  assert.ok(profile.kind === 'profile' && profile.profile.imports[0].includeAll);
  assert.deepEqual(profile.kind === 'profile' && profile.profile.imports[0].names.files, ['catalog.json']);
});

test(`a catalog of more than ${MAX_CONTROLS} controls is refused`, () => {
  const controls = Array.from({ length: MAX_CONTROLS + 1 }, (_, i) => ({ id: `c-${i}`, title: 't' }));
  const doc = JSON.stringify({ catalog: { uuid: '11111111-2222-4333-8444-555555555555', metadata: { title: 'T', version: '1', 'oscal-version': '1.1.2' }, controls } });
  assert.throws(() => parseOscal(doc), /\/catalog\/controls\/50000: a catalog may hold at most 50000 controls/);
});
