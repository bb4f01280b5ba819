import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const CpeDecisionBody = Type.Object(
  {
    decision: Type.Enum(['confirmed', 'rejected'], {
      description: 'confirmed: the inferred CPE is right for this component (its findings become certain); rejected: it is not (its findings close, and it is no longer inferred for this component).',
    }),
  },
  { additionalProperties: false },
);
export type CpeDecisionInput = Static<typeof CpeDecisionBody>;

export const CpeDecisionSchema = Type.Object({
  componentKey: Type.String({ description: 'The component identity the decision applies to in every SBOM and release: supplier|name, compacted.' }),
  cpeKey: Type.String({ description: 'The inferred vendor:product.' }),
  decision: Type.String(),
  decidedBy: Type.String(),
  decidedAt: Type.String(),
  findingsChanged: Type.Optional(Type.Integer({ description: 'Findings closed (rejected), or made certain or reopened (confirmed).' })),
});

export const ProductCpeBody = Type.Object(
  {
    cpe: Nullable(
      Type.String({ minLength: 1, maxLength: 1000, description: 'A CPE 2.3 name (cpe:2.3:a:vendor:product:*:…) or 2.2 URI; its version, when ANY, is each release. null: derive one from the vendor and product names.' }),
    ),
  },
  { additionalProperties: false },
);
export type ProductCpeInput = Static<typeof ProductCpeBody>;

export const ProductCpeSchema = Type.Object({
  productId: Type.String(),
  cpe: Nullable(Type.String()),
  /** What each release is matched under: the product's own CPE, or the derived vendor:product spellings. */
  matchedAs: Type.Array(Type.String(), { description: 'The vendor:product keys releases are matched under.' }),
  sbomsRematched: Type.Integer(),
});

export const ProductIdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) });
export const FindingIdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) });
export const DecisionsQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false });
