import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const TierCounts = Type.Object({ T1: Type.Integer(), T2: Type.Integer(), T3: Type.Integer(), T4: Type.Integer() });

export const PortfolioSchema = Type.Object({
  vendors: Type.Integer({ description: 'Third-party vendors in the inventory (|V|).' }),
  criticalVendors: Type.Integer({ description: 'Of those, tier T1 or T2 (|C|).' }),
  vendorsByTier: TierCounts,
  weight: Type.Integer({ description: 'Σ w(v) over V.' }),
  dependencyWeight: Type.Integer({ description: 'Σ W(t) over every technology.' }),
  hhi: Type.Number({ description: 'Herfindahl–Hirschman index of the technologies\' shares of tier-weighted dependencies.' }),
  effectiveTechnologies: Type.Number({ description: '1 / hhi: how many equally used technologies would give the same concentration.' }),
});

export const ConcentrationSchema = Type.Object({
  criticalVendors: Type.Integer({ description: '|D(t) ∩ C|' }),
  criticalShare: Type.Number({ description: '|D(t) ∩ C| / |C|' }),
  weight: Type.Integer({ description: 'W(t) = Σ w(v) over D(t)' }),
  weightedShare: Type.Number({ description: 'W(t) / Σ w(v) over V' }),
  hhiShare: Type.Number({ description: 'W(t) / Σ W(u)' }),
  hhiContribution: Type.Number({ description: 'hhiShare²' }),
});

export const TechnologySchema = Type.Object({
  key: Type.String({ description: 'ecosystem:packageName, e.g. npm:electron, generic:ffmpeg, Maven:org.apache.logging.log4j:log4j-core.' }),
  ecosystem: Type.String(),
  packageName: Type.String(),
  label: Type.String({ description: 'Friendly name: electron, ffmpeg, log4j-core, openssl.' }),
  vendors: Type.Integer({ description: 'Third-party vendors whose current SBOMs contain it, directly or transitively (|D(t)|).' }),
  products: Type.Integer(),
  directVendors: Type.Integer({ description: 'Vendors that depend on it directly.' }),
  estateProducts: Type.Integer({ description: 'Products of the organisation\'s own estate that contain it (not counted in the metrics).' }),
  tiers: TierCounts,
  concentration: ConcentrationSchema,
});
export type Technology = Static<typeof TechnologySchema>;

export const ListTechnologiesQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Substring of the package name.' })),
    ecosystem: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    minVendors: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Only technologies used by at least this many third-party vendors.' })),
  },
  { additionalProperties: false },
);
export type ListTechnologiesQueryType = Static<typeof ListTechnologiesQuery>;

export const TechnologyListSchema = Type.Object({
  items: Type.Array(TechnologySchema),
  nextCursor: Nullable(Type.String()),
  portfolio: PortfolioSchema,
});

export const TechnologyKeyParams = Type.Object({
  key: Type.String({ minLength: 3, maxLength: 1024, description: 'A technology key such as npm:electron (URL-encoded: npm:%40babel%2Fcore).' }),
});

export const DependentSchema = Type.Object({
  vendor: Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String(), internal: Type.Boolean() }),
  product: Type.Object({ id: Type.String(), name: Type.String() }),
  release: Type.String(),
  sbomId: Type.String(),
  versions: Type.Array(Nullable(Type.String())),
  direct: Type.Boolean(),
  depth: Type.Integer({ description: 'Shortest distance from the product root.' }),
});

export const TechnologyDetailSchema = Type.Object({
  ...TechnologySchema.properties,
  versions: Type.Array(Type.Object({ version: Nullable(Type.String()), products: Type.Integer() })),
  dependents: Type.Array(DependentSchema),
  portfolio: PortfolioSchema,
});

export const VendorIdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) });

export const VendorStackQuery = Type.Object(
  {
    ...PageQuery,
    direct: Type.Optional(Type.Boolean({ description: 'Only direct (true) or only transitive (false) dependencies.' })),
  },
  { additionalProperties: false },
);

export const StackItemSchema = Type.Object({
  key: Type.String(),
  ecosystem: Type.String(),
  packageName: Type.String(),
  label: Type.String(),
  versions: Type.Array(Nullable(Type.String())),
  direct: Type.Boolean({ description: 'A direct dependency of at least one of the vendor\'s products.' }),
  products: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), releases: Type.Array(Type.String()) })),
  vendors: Type.Integer({ description: 'Third-party vendors in the portfolio that use it (this one included, unless it is the estate).' }),
});
