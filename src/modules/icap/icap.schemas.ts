import { Type, type Static } from 'typebox';
import { CONFIDENCE_TIERS, DETECTION_TYPES } from '../pii/pii.model.js';

const DetectionTypeSchema = Type.Enum(DETECTION_TYPES);

export const IcapPolicySchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('enforce'), Type.Literal('record')], {
      description: 'enforce: requests the rules catch are blocked with a 403 page. record: nothing is blocked; what would have been is recorded (decision "record").',
    }),
    blockClasses: Type.Array(DetectionTypeSchema, { maxItems: DETECTION_TYPES.length, uniqueItems: true, description: 'Detection types that block a request on their own when sent to a destination listed in `destinations`.' }),
    minTier: Type.Enum(CONFIDENCE_TIERS, { description: 'The least confidence tier of a detection that counts for blockClasses (default high).' }),
    bulk: Type.Object(
      {
        types: Type.Array(DetectionTypeSchema, { maxItems: DETECTION_TYPES.length, uniqueItems: true, description: 'Types counted together (default e-mail and phone).' }),
        threshold: Type.Integer({ minimum: 1, maximum: 100000, description: 'This many detections of those types (medium tier or higher) in one request block it (default 5).' }),
      },
      { additionalProperties: false },
    ),
    destinations: Type.Array(Type.Union([Type.Literal('unknown'), Type.Literal('unsanctioned')]), {
      uniqueItems: true,
      maxItems: 2,
      description: 'The standings of a destination the data rules apply to: unknown (no vendor attributed), unsanctioned (a vendor not approved for the data category).',
    }),
    blockIndicatorDestinations: Type.Boolean({ description: 'Block every request to a destination under a live indicator (domain, URL, IP) or on the egress blocklist.' }),
    allowances: Type.Array(
      Type.Object(
        {
          vendorId: Type.String({ format: 'uuid' }),
          types: Type.Array(DetectionTypeSchema, { minItems: 1, maxItems: DETECTION_TYPES.length, uniqueItems: true, description: 'Types this vendor may receive whatever its approved data categories say.' }),
          note: Type.Optional(Type.String({ maxLength: 500 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000, description: 'Per-vendor allowances.' },
    ),
  },
  { additionalProperties: false },
);
export type IcapPolicy = Static<typeof IcapPolicySchema>;

export const PolicyView = Type.Object({
  version: Type.Integer({ description: '0: the shipped default, never saved.' }),
  istag: Type.String({ description: 'The ISTag the ICAP service answers with under this version.' }),
  policy: IcapPolicySchema,
  note: Type.Union([Type.String(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
});
export type PolicyViewType = Static<typeof PolicyView>;

export const PolicyBody = Type.Object(
  {
    policy: IcapPolicySchema,
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    expectedVersion: Type.Optional(Type.Integer({ minimum: 0, description: 'The version the edit started from: a newer saved version answers 409.' })),
  },
  { additionalProperties: false },
);
export type PolicyBodyType = Static<typeof PolicyBody>;

const Counts = Type.Object({ allow: Type.Integer(), block: Type.Integer(), record: Type.Integer() });

export const StatusView = Type.Object({
  service: Type.Union([
    Type.Object({
      url: Type.String({ description: 'icap://host:port/reqmod as this process listens.' }),
      since: Type.String(),
      connections: Type.Integer(),
      requests: Type.Integer(),
      decisions: Counts,
      protocolErrors: Type.Integer(),
      timeouts: Type.Integer(),
      failures: Type.Integer({ description: 'Decisions taken by the fail mode (policy store unreachable).' }),
      pendingEvents: Type.Integer({ description: 'Decisions not yet stored as egress events.' }),
      droppedEvents: Type.Integer(),
      threats: Type.Object({ domains: Type.Integer(), urls: Type.Integer(), ips: Type.Integer(), loadedAt: Type.Union([Type.String(), Type.Null()]) }),
    }),
    Type.Null(),
  ], { description: 'The ICAP service of this process (null when it runs elsewhere, e.g. `thirdwatch icap`).' }),
  policy: Type.Object({ version: Type.Integer(), mode: Type.String(), istag: Type.String() }),
  failMode: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  lastHour: Type.Object({ ...Counts.properties, lastDecisionAt: Type.Union([Type.String(), Type.Null()]) }, { description: 'ICAP decisions stored in the last hour, by any instance.' }),
});
export type StatusViewType = Static<typeof StatusView>;
