import { JobSchema } from '../jobs/jobs.schemas.js';
import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';
import { ESTATE } from './sboms.estate.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });

/** A product id, or "estate" for the built-in product that holds the organisation's own SBOMs. */
export const ProductRefParams = Type.Object({
  id: Type.String({ pattern: `^(${ESTATE.alias}|${UUID_PATTERN.slice(1, -1)})$`, description: `A product id, or "${ESTATE.alias}" for the organisation's own estate.` }),
});
export const SbomIdParams = Type.Object({ id: Uuid });
export const SbomPairParams = Type.Object({ a: Uuid, b: Uuid });

const Release = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
  description: 'The product release the SBOM describes, e.g. 18.12.416.',
});

export const UploadQuery = Type.Object(
  {
    release: Type.Optional(Release),
    lenient: Type.Optional(
      Type.Boolean({ default: false, description: 'Store the SBOM even when some purls are invalid (they are dropped and reported as warnings) instead of refusing it.' }),
    ),
    wait: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'false: answer 202 at once with the job and a Location header, as every import does by default; the upload runs as a job (progress and cancel under /api/v1/jobs/{id}). true (the default for this route): wait and answer 201 with the stored SBOM.',
      }),
    ),
    async: Type.Optional(Type.Boolean({ default: false, description: 'Deprecated spelling of wait=false.' })),
  },
  { additionalProperties: false },
);
export type UploadQueryType = Static<typeof UploadQuery>;

/** The job answer every import and upload gives (202), plus jobId, which clients of the earlier answer read. */
export const UploadJobSchema = Type.Object({
  ...JobSchema.properties,
  jobId: Type.String({ description: 'The same as id (the earlier answer had only jobId). Once done, the job\'s result names the SBOM (sbomId).' }),
});

const RootSchema = Nullable(Type.Object({ ref: Type.String(), name: Nullable(Type.String()), version: Nullable(Type.String()), purl: Nullable(Type.String()) }));

export const SbomSchema = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  productName: Type.String(),
  vendorId: Type.String(),
  vendorName: Type.String(),
  release: Type.String(),
  current: Type.Boolean({ description: 'The latest SBOM uploaded for this product release.' }),
  format: Type.Union([Type.Literal('cyclonedx'), Type.Literal('spdx')]),
  encoding: Type.String({ description: 'json, xml, tag-value or json-ld' }),
  specVersion: Type.String(),
  serialNumber: Nullable(Type.String()),
  documentCreatedAt: Nullable(Type.String()),
  tools: Type.Array(Type.String()),
  root: RootSchema,
  componentCount: Type.Integer(),
  dependencyCount: Type.Integer(),
  warnings: Type.Array(Type.String()),
  document: Type.Object({ byteSize: Type.Integer(), sha256: Type.String(), mediaType: Type.String() }),
  uploadedAt: Type.String(),
  uploadedBy: Type.String(),
  supersedes: Type.Optional(Nullable(Type.String({ description: 'The SBOM that was current for this release before this upload.' }))),
});
export type Sbom = Static<typeof SbomSchema>;

export const ListSbomsQuery = Type.Object(
  {
    ...PageQuery,
    release: Type.Optional(Release),
    current: Type.Optional(Type.Boolean({ description: 'Only current (true) or only superseded (false) SBOMs.' })),
  },
  { additionalProperties: false },
);

export const ReleaseSchema = Type.Object({
  release: Type.String(),
  currentSbomId: Nullable(Type.String()),
  sbomCount: Type.Integer(),
  lastUploadedAt: Type.String(),
  inUse: Type.Boolean({ description: 'The release in use: the product\'s version when it has SBOMs, else the newest release. Exactly one release is in use.' }),
});

export const ComponentSchema = Type.Object({
  idx: Type.Integer({ description: 'Position in the document (1-based); dependency edges refer to it, 0 is the root.' }),
  ref: Type.String(),
  name: Type.String(),
  group: Nullable(Type.String()),
  version: Nullable(Type.String()),
  purl: Nullable(Type.String()),
  purlType: Nullable(Type.String()),
  qualifiers: Type.Record(Type.String(), Type.String()),
  ecosystem: Type.String(),
  packageName: Type.String(),
  type: Nullable(Type.String()),
  scope: Nullable(Type.String()),
  supplier: Nullable(Type.String()),
  licenses: Type.Array(Type.String()),
  hashes: Type.Record(Type.String(), Type.String()),
  cpe: Nullable(Type.String()),
  direct: Type.Boolean(),
  depth: Type.Integer({ description: 'Hops from the product root on a shortest path (1 = direct).' }),
  parentIdx: Nullable(Type.Integer()),
});

export const ListComponentsQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Substring of the name, group or purl.' })),
    ecosystem: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    direct: Type.Optional(Type.Boolean()),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Component type: library, application, framework, file, …' })),
    license: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A license id or expression as written in the SBOM, e.g. MIT.' })),
  },
  { additionalProperties: false },
);
export type ListComponentsQueryType = Static<typeof ListComponentsQuery>;

const EdgeEnd = Type.Object({ idx: Type.Integer(), ref: Nullable(Type.String()), name: Nullable(Type.String()), version: Nullable(Type.String()), purl: Nullable(Type.String()) });
export const DependencySchema = Type.Object({ from: EdgeEnd, to: EdgeEnd });
export const ListDependenciesQuery = Type.Object(
  {
    ...PageQuery,
    ref: Type.Optional(Type.String({ minLength: 1, maxLength: 65536, description: 'Only edges from or to the component with this bom-ref / SPDX id.' })),
  },
  { additionalProperties: false },
);

export const PathHopSchema = Type.Object({ name: Nullable(Type.String()), version: Nullable(Type.String()), purl: Nullable(Type.String()) });

export const UsageSchema = Type.Object({
  purl: Nullable(Type.String()),
  name: Type.String(),
  version: Nullable(Type.String()),
  ecosystem: Type.String(),
  packageName: Type.String(),
  vendor: Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String(), internal: Type.Boolean() }),
  product: Type.Object({ id: Type.String(), name: Type.String() }),
  release: Type.String(),
  sbomId: Type.String(),
  direct: Type.Boolean(),
  depth: Type.Integer(),
  identifiedBy: Type.Union([Type.Literal('purl'), Type.Literal('name-heuristic')], {
    description: 'purl: the SBOM named the package by Package URL. name-heuristic: it gave no purl, so the component is known only by its (group and) name in the generic ecosystem; treat the match as a lead, not a certainty.',
  }),
  path: Type.Array(PathHopSchema, { description: 'From the product root (first) to this component (last).' }),
  openFindings: Type.Integer({ description: 'Open findings of this component occurrence (any analysis state).' }),
});
export type Usage = Static<typeof UsageSchema>;

export const UsageQuery = Type.Object(
  {
    ...PageQuery,
    purl: Type.Optional(Type.String({ minLength: 5, maxLength: 4096, description: 'A package URL; its version, when present, must match exactly.' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'A package name: bare (ffmpeg, log4j-core) or full (@babel/core, org.apache.logging.log4j:log4j-core).' })),
    ecosystem: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'npm, PyPI, Maven, Go, … or a purl type (golang, generic).' })),
    version: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'An exact version (4.4.1), comparisons joined by commas (>=1.0,<2.0; ordered by the ecosystem\'s rules) or a vers range (vers:npm/<2.0.0).',
      }),
    ),
    vendorId: Type.Optional(Uuid),
    productId: Type.Optional(Uuid),
    direct: Type.Optional(Type.Boolean({ description: 'Only direct (true) or only transitive (false) dependencies.' })),
  },
  { additionalProperties: false },
);
export type UsageQueryType = Static<typeof UsageQuery>;

const DiffComponentSchema = Type.Object({ ecosystem: Type.String(), packageName: Type.String(), name: Type.String(), version: Nullable(Type.String()), purl: Nullable(Type.String()), direct: Type.Boolean() });
const DiffSide = Type.Object({ id: Type.String(), productId: Type.String(), productName: Type.String(), release: Type.String(), uploadedAt: Type.String() });
export const DiffSchema = Type.Object({
  from: DiffSide,
  to: DiffSide,
  summary: Type.Object({ added: Type.Integer(), removed: Type.Integer(), versionChanged: Type.Integer(), hashChanged: Type.Integer(), unchanged: Type.Integer() }),
  added: Type.Array(DiffComponentSchema),
  removed: Type.Array(DiffComponentSchema),
  versionChanged: Type.Array(
    Type.Object({
      ecosystem: Type.String(),
      packageName: Type.String(),
      name: Type.String(),
      fromVersion: Nullable(Type.String()),
      toVersion: Nullable(Type.String()),
      fromPurl: Nullable(Type.String()),
      toPurl: Nullable(Type.String()),
      direct: Type.Boolean(),
    }),
  ),
  hashChanged: Type.Array(
    Type.Object({
      ecosystem: Type.String(),
      packageName: Type.String(),
      name: Type.String(),
      version: Nullable(Type.String()),
      purl: Nullable(Type.String()),
      algorithms: Type.Array(Type.Object({ alg: Type.String(), from: Type.String(), to: Type.String() })),
    }),
  ),
});

export const EstateSchema = Type.Object({
  vendor: Type.Object({ id: Type.String(), name: Type.String() }),
  product: Type.Object({ id: Type.String(), name: Type.String() }),
  alias: Type.String(),
});
