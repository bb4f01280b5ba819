import { Type, type Static } from 'typebox';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.String({ format: 'uuid' });

export const BLOCK_STATUSES = ['active', 'staged', 'expired', 'removed'] as const;
export type BlockStatus = (typeof BLOCK_STATUSES)[number];
const StatusSchema = (options = {}) => Type.Union([Type.Literal('active'), Type.Literal('staged'), Type.Literal('expired'), Type.Literal('removed')], options);

export const BlockSchema = Type.Object({
  id: Type.String(),
  domain: Type.String({ description: 'Lower-case ASCII (IDNs in punycode); its subdomains are blocked with it.' }),
  reason: Type.String(),
  source: Type.Union([Type.Literal('playbook'), Type.Literal('person')]),
  status: StatusSchema({ description: 'active (exported), staged (a drill\'s block, never exported), expired, removed.' }),
  incidentId: Nullable(Type.String()),
  playbookRunId: Nullable(Type.String()),
  drillId: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  expiresAt: Nullable(Type.String()),
  removedAt: Nullable(Type.String()),
  removedBy: Nullable(Type.String()),
});
export type Block = Static<typeof BlockSchema>;

export const BlocklistQuery = Type.Object({
  format: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('domains'), Type.Literal('squid'), Type.Literal('rpz')], {
      description: 'json (default): the blocks, paged and filtered. domains, squid, rpz: the live set as a file (real active blocks not past their expiry; filters do not apply).',
    }),
  ),
  zone: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?$', description: `RPZ zone name (default rpz.thirdwatch.local).` })),
  status: Type.Optional(StatusSchema()),
  drillId: Type.Optional(Id),
  incidentId: Type.Optional(Id),
  q: Type.Optional(Type.String({ maxLength: 253, description: 'Part of the domain.' })),
  ...PageQuery,
});
export type BlocklistQueryType = Static<typeof BlocklistQuery>;

export const BlockBody = Type.Object(
  {
    domains: Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'Domain names (defanged spellings, IDNs, a leading "*." and URLs are taken: the host is blocked with its subdomains).',
    }),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the block lapses (must be in the future); none: until removed.' })),
    incidentId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const BlockResult = Type.Object({
  added: Type.Array(Type.String(), { description: 'Domains blocked by this call.' }),
  already: Type.Array(Type.String(), { description: 'Domains that were blocked already (the earlier block stands).' }),
});

export const BlockIdParams = Type.Object({ id: Id });
