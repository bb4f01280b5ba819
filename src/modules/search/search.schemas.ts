import { Type, type Static } from 'typebox';
import { MAX_TERM_LENGTH } from './search.index.js';

export const SEARCH_KINDS = ['vendor', 'product', 'release', 'component', 'advisory', 'hash', 'indicator'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const QUERY_SHAPES = ['hash', 'advisory-id', 'purl', 'cpe', 'text'] as const;
export type QueryShape = (typeof QUERY_SHAPES)[number];

export const SearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: MAX_TERM_LENGTH,
      pattern: '\\S',
      description: 'What to look for: a name, alias or domain, a purl (pkg:…), a CPE (cpe:2.3:…), an advisory id (CVE-…, GHSA-…, GO-…) or a file hash (MD5, SHA-1, SHA-256 or SHA-512 hex).',
    }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5, description: 'Results per kind (5 by default).' })),
  },
  { additionalProperties: false },
);
export type SearchQueryType = Static<typeof SearchQuery>;

export const SearchResultSchema = Type.Object({
  kind: Type.Enum(SEARCH_KINDS),
  id: Type.String({ description: 'The id of what the result is (for a component, its technology key ecosystem:name).' }),
  title: Type.String(),
  subtitle: Type.String(),
  path: Type.String({ description: 'The page of the result in the web UI.' }),
});
export type SearchResult = Static<typeof SearchResultSchema>;

export const SearchGroupSchema = Type.Object({
  kind: Type.Enum(SEARCH_KINDS),
  items: Type.Array(SearchResultSchema),
  more: Type.Boolean({ description: 'There are more results of this kind than limit.' }),
});
export type SearchGroup = Static<typeof SearchGroupSchema>;

export const SearchResponseSchema = Type.Object({
  q: Type.String(),
  shape: Type.Enum(QUERY_SHAPES, { description: 'What the query looks like; only the kinds that can match such a query are searched.' }),
  groups: Type.Array(SearchGroupSchema, { description: 'Kinds with results, in the order vendor, product, release, component, advisory, hash, indicator.' }),
});
export type SearchResponse = Static<typeof SearchResponseSchema>;
