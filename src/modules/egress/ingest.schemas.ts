import { Type, type Static } from 'typebox';
import { PageQuery } from '../../platform/http/pagination.js';
import { DETECTION_TYPES, CONFIDENCE_TIERS } from '../pii/pii.model.js';
import { EGRESS_DECISIONS, EGRESS_SOURCES } from './egress.model.js';

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);
const literals = <T extends string>(values: readonly T[], options = {}) => Type.Enum([...values], options);

export const EgressEventSchema = Type.Object({
  id: Type.String({ description: 'The reference a block page shows.' }),
  at: Type.String({ description: 'When it happened (ISO 8601 UTC).' }),
  source: literals(EGRESS_SOURCES),
  client: Nullable(Type.String({ description: 'The internal host that sent it.' })),
  app: Nullable(Type.String({ description: 'The application (User-Agent product, process) when known.' })),
  method: Nullable(Type.String()),
  host: Type.String({ description: 'The destination: lower-case host name (IDNs in punycode) or IP address.' }),
  port: Nullable(Type.Integer()),
  path: Nullable(Type.String({ description: 'URL path without query or fragment (never stored).' })),
  status: Nullable(Type.Integer()),
  bytesOut: Type.Integer(),
  bytesIn: Type.Integer(),
  contentType: Nullable(Type.String({ description: 'Media type of the request body when known.' })),
  dataClasses: Type.Array(literals(DETECTION_TYPES), { description: 'Personal-data types found in the request body (medium or high confidence).' }),
  detections: Type.Array(Type.Object({ type: literals(DETECTION_TYPES), tier: literals(CONFIDENCE_TIERS), count: Type.Integer() })),
  decision: Type.Union([literals(EGRESS_DECISIONS), Type.Null()]),
  reason: Nullable(Type.String()),
  scanTruncated: Type.Boolean({ description: 'The request body was larger than the scan cap (THIRDWATCH_PII_MAX_SCAN_BYTES): only its start was scanned, the rest passed unread.' }),
  ingestedAt: Type.String(),
});

const Filters = {
  host: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Destination host; its subdomains match too.' })),
  vendorId: Type.Optional(Type.String({ format: 'uuid', description: 'Destinations under one of the vendor\'s domains.' })),
  decision: Type.Optional(literals(EGRESS_DECISIONS)),
  source: Type.Optional(literals(EGRESS_SOURCES)),
  client: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Events at or after.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Events before.' })),
};

export const EventsQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('ocsf')], { description: 'json (default): a page of events. ocsf: every matching event as OCSF JSON lines (HTTP Activity 4002, DNS Activity 4003, Network Activity 4001); paging does not apply.' })),
  ...Filters,
  ...PageQuery,
});
export type EventsQueryType = Static<typeof EventsQuery>;

export const DetectionsQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('ocsf')], { description: 'json (default): a page of the events whose body carried personal data. ocsf: one OCSF Data Security Finding (2006) per data class of each such event, as JSON lines.' })),
  ...Filters,
  ...PageQuery,
});

export const EventIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const IngestResult = Type.Object({
  accepted: Type.Integer({ description: 'Events stored.' }),
  skipped: Type.Integer({ description: 'Blank lines.' }),
  rejected: Type.Array(Type.Object({ line: Type.Integer(), field: Type.String(), reason: Type.String() }), { description: `Lines not stored, with the field at fault and why (the first ${1000}).` }),
  rejectedCount: Type.Integer({ description: 'All rejected lines.' }),
});
