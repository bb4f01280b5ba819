import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { checker } from './validation.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const check = checker(
  Type.Object(
    {
      country: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z]{2}$', description: 'a two-letter ISO country code' }))),
      level: Type.Optional(Nullable(Type.Enum(['low', 'high']))),
      tags: Type.Optional(Type.Array(Type.String({ maxLength: 3 }))),
    },
    { additionalProperties: false },
  ),
);

test('a bad value for a nullable field gives one reason, not one per union branch', () => {
  const result = check({ country: 'Germany', level: 'medium' });
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.problems, [
    { field: '/country', reason: 'is not valid: expected a two-letter ISO country code' },
    { field: '/level', reason: 'must be one of low, high' },
  ]);
});

test('a value of a type no branch takes gives one "must be X or Y"', () => {
  const result = check({ country: 12, tags: ['ok', 'too long'] });
  assert.deepEqual(!result.ok && result.problems, [
    { field: '/country', reason: 'must be string or null' },
    { field: '/tags/1', reason: 'must NOT have more than 3 characters' },
  ]);
});
