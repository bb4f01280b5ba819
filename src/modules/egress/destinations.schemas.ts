import { Type, type Static } from 'typebox';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const SanctionOverride = Type.Union([Type.Literal('sanctioned'), Type.Literal('unsanctioned'), Type.Null()], {
  description: 'A person\'s sanction for every flow to the destination; null: from the vendor\'s approved data categories.',
});

export const DestinationQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('unattributed'), Type.Literal('attributed'), Type.Literal('all')], { description: 'unattributed (default): no vendor found nor assigned, what triage works on.' })),
    q: Type.Optional(Type.String({ maxLength: 253, description: 'Part of the destination.' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type DestinationQueryType = Static<typeof DestinationQuery>;

export const DestinationSchema = Type.Object({
  destination: Type.String(),
  status: Type.Union([Type.Literal('unattributed'), Type.Literal('attributed')]),
  vendor: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  productId: Nullable(Type.String()),
  via: Nullable(Type.String({ description: 'assigned, product-endpoint, vendor-domain or saas-list: how the destination maps to its vendor now.' })),
  saasName: Nullable(Type.String({ description: 'The known SaaS service the destination belongs to, vendor or not: a hint for triage.' })),
  sanction: SanctionOverride,
  assignedBy: Nullable(Type.String()),
  assignedAt: Nullable(Type.String()),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  requests: Type.Integer(),
  bytes: Type.Integer(),
  dataClasses: Type.Array(Type.String()),
  blocked: Type.Boolean({ description: 'An active block on the egress blocklist holds it.' }),
});
export type Destination = Static<typeof DestinationSchema>;

export const DestinationParams = Type.Object({ destination: Type.String({ minLength: 1, maxLength: 253 }) });

export const AssignDestinationBody = Type.Object(
  {
    vendorId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The vendor the destination belongs to; null: none assigned (attribution by domains and the SaaS list again).' }),
    productId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'One of the vendor\'s products.' })),
    sanction: Type.Optional(SanctionOverride),
  },
  { additionalProperties: false },
);
export type AssignDestinationInput = Static<typeof AssignDestinationBody>;
