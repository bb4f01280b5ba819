import { Type } from 'typebox';
import { PageQuery } from '../../platform/http/pagination.js';
import { INDICATOR_TYPES, TLP_LEVELS } from './parsers/model.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

export const IndicatorSourceSchema = Type.Object({
  name: Type.String({ description: 'The source label: the feed, TAXII collection or publisher the record came from.' }),
  ref: Type.String({ description: "The source's own id of the record: STIX id, MISP attribute uuid, CSV line." }),
  format: Type.String(),
  title: Nullable(Type.String()),
  description: Nullable(Type.String()),
  pattern: Nullable(Type.String({ description: 'The STIX pattern the indicator was taken from.' })),
  confidence: NullableInt,
  tlp: Nullable(Type.String()),
  validFrom: Nullable(Type.String()),
  validUntil: Nullable(Type.String()),
  labels: Type.Array(Type.String()),
  importedAt: Type.String(),
  updatedAt: Type.String(),
});

export const IndicatorSchema = Type.Object({
  id: Type.String(),
  type: Type.Enum([...INDICATOR_TYPES]),
  value: Type.String({ description: 'Normalised: refanged, hashes and domains lower-case, IDNs in punycode, IPv6 compressed.' }),
  sources: Type.Array(IndicatorSourceSchema),
  confidence: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()], { description: 'The highest confidence any source gives.' }),
  tlp: Type.Union([Type.Enum([...TLP_LEVELS]), Type.Null()], { description: 'The strictest TLP any source gives.' }),
  validFrom: Nullable(Type.String()),
  validUntil: Nullable(Type.String({ description: 'null when any source gives no end.' })),
  labels: Type.Array(Type.String()),
  killChainPhases: Type.Array(Type.Object({ killChainName: Type.String(), phaseName: Type.String() })),
  description: Nullable(Type.String()),
  sightingCount: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Ref = Type.Object({ id: Type.String(), name: Type.String() });

export const SightingSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'sbom-component, artifact, artifact-file, vendor-domain or egress (traffic to the indicator seen by the egress alerts).' }),
  indicator: Type.Object({ id: Type.String(), type: Type.String(), value: Type.String(), confidence: NullableInt, tlp: Nullable(Type.String()) }),
  vendor: Type.Union([Ref, Type.Null()]),
  product: Type.Union([Ref, Type.Null()]),
  release: Nullable(Type.String()),
  sbomId: Nullable(Type.String()),
  component: Type.Union([Type.Object({ idx: Type.Integer(), name: Type.String(), version: Nullable(Type.String()), purl: Nullable(Type.String()) }), Type.Null()]),
  artifactId: Nullable(Type.String()),
  evidence: Type.Record(Type.String(), Type.Unknown(), { description: 'What matched: the component and hash, the artifact (and file inside it), or the vendor domain and host.' }),
  foundBy: Type.String({ description: 'The side that arrived last and found the match: indicator, sbom, artifact, vendor (its domains changed) or egress (traffic).' }),
  riskId: Nullable(Type.String({ description: 'The risk that lists this sighting as evidence (opened from it, per the sighting-risks rule), if any.' })),
  egressAlertId: Nullable(Type.String({ description: 'For an egress sighting: the indicator-contact egress alert that recorded it.' })),
  createdAt: Type.String(),
});

export const IndicatorDetailSchema = Type.Object({ ...IndicatorSchema.properties, sightings: Type.Array(SightingSchema, { description: 'The newest 100 sightings; GET /api/v1/sightings?indicatorId= pages through all.' }) });

export const UnsupportedSchema = Type.Object({
  id: Type.String(),
  source: Type.String(),
  ref: Type.String(),
  format: Type.String(),
  name: Nullable(Type.String()),
  pattern: Type.String(),
  patternType: Type.String(),
  reason: Type.String({ description: 'Why it is not matchable.' }),
  confidence: NullableInt,
  tlp: Nullable(Type.String()),
  validFrom: Nullable(Type.String()),
  validUntil: Nullable(Type.String()),
  labels: Type.Array(Type.String()),
  importedAt: Type.String(),
  updatedAt: Type.String(),
});

export const ListIndicatorsQuery = Type.Object(
  {
    type: Type.Optional(Type.Enum([...INDICATOR_TYPES])),
    value: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'An exact value, in any spelling (defanged, upper-case): normalised before the lookup; its type is told by its shape unless type is given.' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Part of a value.' })),
    source: Type.Optional(Type.String({ maxLength: 200, description: 'Only indicators this source names.' })),
    sighted: Type.Optional(Type.Boolean({ description: 'true: only indicators with sightings; false: only those without.' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const ListSightingsQuery = Type.Object(
  {
    indicatorId: Type.Optional(Type.String({ maxLength: 36 })),
    indicatorType: Type.Optional(Type.Enum([...INDICATOR_TYPES])),
    vendorId: Type.Optional(Type.String({ maxLength: 36 })),
    productId: Type.Optional(Type.String({ maxLength: 36 })),
    kind: Type.Optional(Type.Enum(['sbom-component', 'artifact', 'artifact-file', 'vendor-domain', 'egress'])),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const ListUnsupportedQuery = Type.Object({ source: Type.Optional(Type.String({ maxLength: 200 })), ...PageQuery }, { additionalProperties: false });

export const IndicatorOverviewSchema = Type.Object({
  totals: Type.Object({ indicators: Type.Integer(), unsupported: Type.Integer(), sightings: Type.Integer() }),
  sources: Type.Array(Type.Object({ name: Type.String(), records: Type.Integer() })),
});

export const IdParams = Type.Object({ id: Type.String({ maxLength: 36 }) });
