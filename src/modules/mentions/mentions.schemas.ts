import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });

export const TRIAGE = ['new', 'relevant', 'not-relevant'] as const;

export const MatchSchema = Type.Object({
  vendor: Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String() }),
  method: Type.String({ description: 'The strongest signal: domain, name, alias, fuzzy-name, domain-in-text, name-in-title, name-in-text.' }),
  seen: Type.String({ description: 'What the post said.' }),
  vendorTerm: Type.String({ description: 'The vendor name, alias or domain it matched.' }),
  confidence: Type.Number({ description: '0–1; every signal and how they combine is in explanation.' }),
  explanation: Type.String(),
});

export const MentionSchema = Type.Object({
  id: Type.String(),
  source: Type.String(),
  url: Nullable(Type.String()),
  title: Type.String(),
  excerpt: Type.String({ description: 'At most 300 characters around the first vendor match; the post itself is not stored.' }),
  textSha256: Type.String(),
  textLength: Type.Integer(),
  published: Nullable(Type.String()),
  names: Type.Array(Type.String()),
  domains: Type.Array(Type.String()),
  confidence: Type.Number({ description: 'The best match\'s confidence (0 when no vendor matched).' }),
  matches: Type.Array(MatchSchema),
  triage: Type.String({ description: TRIAGE.join(', ') }),
  triageNote: Nullable(Type.String()),
  triagedBy: Nullable(Type.String()),
  triagedAt: Nullable(Type.String()),
  riskId: Nullable(Type.String()),
  importedAt: Type.String(),
  updatedAt: Type.String(),
});
export type Mention = Static<typeof MentionSchema>;

export const ListMentionsQuery = Type.Object(
  {
    triage: Type.Optional(Type.Enum([...TRIAGE, 'all'], { default: 'new' })),
    vendorId: Type.Optional(Uuid),
    minConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Only mentions whose best match reaches this (0 includes unmatched ones). Default 0.5.' })),
    source: Type.Optional(Type.String({ maxLength: 200 })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListMentionsQueryType = Static<typeof ListMentionsQuery>;

export const TriageMentionBody = Type.Object(
  {
    triage: Type.Enum(TRIAGE),
    note: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    vendorIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 50, uniqueItems: true, description: 'relevant: the vendors the risk is about (default: every matched vendor).' })),
    likelihood: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'relevant: the risk\'s likelihood (default 3).' })),
    impact: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'relevant: the risk\'s impact (default from the highest vendor tier: T1 5 … T4 2).' })),
  },
  { additionalProperties: false },
);
export type TriageMentionInput = Static<typeof TriageMentionBody>;

export const MentionIdParams = Type.Object({ id: Uuid });
