import { Type, type Static, type TSchema } from 'typebox';
import { invalidField } from '../errors.js';

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Page size (1–500).' })),
  cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'Opaque cursor from the previous page\'s nextCursor.' })),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

/** A cursor is the sort key and id of the last item seen: keyset pagination, stable under inserts. */
export interface CursorPosition {
  key: string | number | null;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
}

/**
 * keyType, when given, is the type of the sort column: a cursor whose key has another type (a
 * forged cursor, or one from a list sorted differently) is refused here, because PostgreSQL fails
 * comparing a numeric column with text (or an integer column with 1.5) and that would be a 500.
 */
export function decodeCursor(cursor: string | undefined, keyType?: 'string' | 'number' | 'integer'): CursorPosition | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[1] === 'string' &&
      !parsed[1].includes('\u0000') &&
      (parsed[0] === null || typeof parsed[0] === 'string' || typeof parsed[0] === 'number') &&
      keyMatches(parsed[0], keyType)
    ) {
      return { key: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the validation error
  }
  throw invalidField('cursor', 'is not a cursor returned by this endpoint');
}

function keyMatches(key: unknown, keyType: 'string' | 'number' | 'integer' | undefined): boolean {
  switch (keyType) {
    case undefined:
      return true;
    case 'string':
      return typeof key === 'string' && !key.includes('\u0000');
    case 'number':
      return typeof key === 'number' && Number.isFinite(key);
    case 'integer':
      return typeof key === 'number' && Number.isSafeInteger(key);
  }
}

/** Turns limit+1 fetched rows into a page and the cursor of its last row. */
export function toPage<Row extends { id: string }, Item>(
  rows: Row[],
  limit: number,
  sortKey: (row: Row) => string | number | null,
  present: (row: Row) => Item,
): PageOf<Item> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(present),
    nextCursor: more && last ? encodeCursor({ key: sortKey(last), id: last.id }) : null,
  };
}

export type PageQueryType = Static<ReturnType<typeof Type.Object<typeof PageQuery>>>;
