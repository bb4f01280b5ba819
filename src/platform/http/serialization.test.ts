import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { Page } from './pagination.js';
import { AuditEventSchema } from '../../modules/audit/audit.routes.js';
import { VendorSchema } from '../../modules/vendors/vendors.schemas.js';
import { forSerialization, responseSerializerCompiler } from './serialization.js';

const anyOfPaths = (schema: unknown, path = ''): string[] => {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => anyOfPaths(s, `${path}/${i}`));
  if (typeof schema !== 'object' || schema === null) return [];
  return Object.entries(schema).flatMap(([k, v]) => (k === 'anyOf' ? [path] : anyOfPaths(v, `${path}/${k}`)));
};

test('response schemas lose every anyOf the serializer would resolve with Ajv per value', () => {
  for (const schema of [Page(VendorSchema), Page(AuditEventSchema)]) {
    assert.ok(anyOfPaths(schema).length > 0, 'the TypeBox schema has nullable unions');
    assert.deepEqual(anyOfPaths(forSerialization(schema)), []);
  }
});

test('the rewritten serializer writes what JSON.stringify writes', () => {
  const Tier = Type.Union([Type.Literal('T1'), Type.Literal('T2')]);
  const schema = Type.Object({
    n: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    s: Type.Union([Type.String({ pattern: '^a' }), Type.Null()]),
    tier: Tier,
    tiers: Type.Array(Tier),
    status: Type.Enum(['active', 'terminated']),
    team: Type.Union([Type.Object({ id: Type.String() }), Type.Null()]),
    list: Type.Union([Type.Array(Type.String()), Type.Null()]),
    free: Type.Unknown(),
  });
  const serialize = responseSerializerCompiler({ schema });
  for (const value of [
    { n: 3, s: 'a"\u2028', tier: 'T2', tiers: ['T1', 'T2'], status: 'active', team: { id: 'x' }, list: ['y'], free: { deep: [1, null] } },
    { n: null, s: null, tier: 'T1', tiers: [], status: 'terminated', team: null, list: null, free: null },
  ]) {
    assert.equal(serialize(value), JSON.stringify(value));
  }
});
