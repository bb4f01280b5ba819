import { Type, type Static, type TEnum } from 'typebox';
import { PageQuery } from '../../platform/http/pagination.js';
import { DETECTION_TYPES } from '../pii/pii.model.js';
import { SANCTIONS } from './egress.model.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const literals = <const T extends string[]>(values: readonly [...T], options: { description?: string } = {}): TEnum<T> => Type.Enum(values, options);

export const SanctionSchema = literals(SANCTIONS, {
  description: 'sanctioned: the vendor is approved for every data category the flow carried (or it carried none); unsanctioned: a vendor that is not; unknown: no vendor (unattributed).',
});

const FlowFilterFields = {
  vendorId: Type.Optional(Type.String({ format: 'uuid', description: 'Flows attributed to this vendor.' })),
  sanction: Type.Optional(SanctionSchema),
  dataClass: Type.Optional(literals(DETECTION_TYPES, { description: 'Flows that carried this personal-data class.' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'From the hour holding this time.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Up to this time (hours starting at or before it).' })),
  q: Type.Optional(Type.String({ maxLength: 253, description: 'Part of the destination.' })),
};

export const DataFlowQuery = Type.Object({ ...FlowFilterFields, ...PageQuery }, { additionalProperties: false });
export type DataFlowQueryType = Static<typeof DataFlowQuery>;

export const DataFlowSchema = Type.Object({
  destination: Type.String({ description: 'Registrable domain (public suffixes such as co.uk and private ones such as github.io respected) or IP address.' }),
  vendor: Type.Union([Type.Object({ id: Type.String(), name: Nullable(Type.String({ description: 'null: the vendor was deleted since.' })) }), Type.Null()]),
  sanction: SanctionSchema,
  requests: Type.Integer(),
  bytes: Type.Integer({ description: 'bytesOut + bytesIn.' }),
  bytesOut: Type.Integer({ description: 'Sent towards the destination.' }),
  bytesIn: Type.Integer(),
  dataClasses: Type.Array(Type.String(), { description: 'Personal-data classes detected in the request bodies.' }),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  sources: Type.Array(Type.String(), { description: 'Clients and apps ("app on client") that sent it.' }),
  methods: Type.Array(Type.String()),
  contentTypes: Type.Array(Type.String()),
});
export type DataFlow = Static<typeof DataFlowSchema>;

export const DataFlowGraphQuery = Type.Object(
  { ...FlowFilterFields, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'The largest destinations by bytes to draw.' })) },
  { additionalProperties: false },
);
export type DataFlowGraphQueryType = Static<typeof DataFlowGraphQuery>;

export const DataFlowGraphSchema = Type.Object({
  nodes: Type.Array(
    Type.Object({
      id: Type.String({ description: '"source:…", "vendor:<id>" or "destination:<destination>".' }),
      kind: literals(['source', 'vendor', 'destination']),
      label: Type.String(),
      requests: Type.Integer(),
      bytes: Type.Integer(),
      sanction: Type.Union([SanctionSchema, Type.Null()], { description: 'Destinations: the worst sanction of their flows; null for others.' }),
    }),
  ),
  edges: Type.Array(
    Type.Object({
      from: Type.String(),
      to: Type.String(),
      requests: Type.Integer(),
      bytes: Type.Integer(),
      dataClasses: Type.Array(Type.String()),
      sanction: SanctionSchema,
    }),
    { description: 'source → vendor → destination; source → destination for unattributed ones.' },
  ),
});
export type DataFlowGraph = Static<typeof DataFlowGraphSchema>;
