import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });
const Hex = (bytes: number, name: string) => Type.String({ pattern: `^[0-9a-fA-F]{${bytes * 2}}$`, description: `${name}, hex (stored lower-case).` });
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001f\\u007f]+$', ...(description ? { description } : {}) });

export const Version = Text(200, 'The product release, e.g. 18.12.416.');
/** A file name without a directory (no slash or backslash). */
export const FileName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f/\\\\]+$', description: 'The artifact\'s file name, e.g. 3CXDesktopApp-18.12.416.msi.' });

export const ALERT_TYPES = ['hash-mutation', 'indicator-match', 'signer-change', 'signature-padding', 'signature-invalid', 'provenance-missing', 'quarantine'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
const AlertTypeSchema = Type.Union([
  Type.Literal('hash-mutation'),
  Type.Literal('indicator-match'),
  Type.Literal('signer-change'),
  Type.Literal('signature-padding'),
  Type.Literal('signature-invalid'),
  Type.Literal('provenance-missing'),
  Type.Literal('quarantine'),
]);

export const ArtifactIdParams = Type.Object({ id: Uuid });
export const ProductIdParams = Type.Object({ id: Uuid });

export const CheckQuery = Type.Object(
  {
    productId: Uuid,
    version: Version,
    filename: FileName,
  },
  { additionalProperties: false },
);
export type CheckQueryType = Static<typeof CheckQuery>;

const SignerSchema = Type.Object({
  subject: Type.String(),
  issuer: Type.String(),
  serial: Type.String(),
  thumbprint: Type.String({ description: 'SHA-1 of the certificate, as Windows shows it.' }),
  thumbprintSha256: Type.String(),
  notBefore: Type.String(),
  notAfter: Type.String(),
});

export const SignatureSchema = Type.Object({
  kind: Type.Union([Type.Literal('authenticode'), Type.Literal('none')]),
  status: Type.String({ description: 'valid | invalid | unsigned | malformed | not-pe (checked here); declared (a registered signer, as the vendor published it).' }),
  peFormat: Nullable(Type.String()),
  signer: Nullable(SignerSchema),
  signingTime: Nullable(Type.String()),
  digestAlgorithm: Nullable(Type.String()),
  signedDigest: Nullable(Type.String()),
  computedDigest: Nullable(Type.String({ description: 'The file\'s Authenticode digest (the file without its checksum and certificate table).' })),
  digestMatches: Nullable(Type.Boolean()),
  signatureVerifies: Nullable(Type.Boolean()),
  padding: Type.Object({ bytes: Type.Integer(), nonZero: Type.Boolean(), suspicious: Type.Boolean() }),
  bytesAfterCertTable: Type.Integer(),
  certificates: Type.Integer(),
  problems: Type.Array(Type.String()),
});

export const ProvenanceSchema = Type.Object({
  status: Type.String({ description: 'verified: the Sigstore bundle verified offline against the trusted root, and it names this artifact\'s digest.' }),
  bundleType: Type.String({ description: 'message-signature or dsse.' }),
  identity: Nullable(Type.String({ description: 'Who signed: the certificate\'s subject alternative name (e-mail, URI) or the key hint.' })),
  issuer: Nullable(Type.String({ description: 'OIDC issuer from the Fulcio certificate.' })),
  predicateType: Nullable(Type.String()),
  builder: Nullable(Type.String({ description: 'SLSA builder id.' })),
  sourceRepository: Nullable(Type.String()),
  subjects: Type.Array(Type.Object({ name: Type.String(), digest: Type.Record(Type.String(), Type.String()) })),
  signedAt: Nullable(Type.String({ description: 'Transparency log integration time.' })),
  verifiedAt: Type.String(),
});
export type Provenance = Static<typeof ProvenanceSchema>;

export const AlertSchema = Type.Object({
  id: Type.String(),
  type: AlertTypeSchema,
  severity: Type.Union([Type.Literal('high'), Type.Literal('medium')]),
  detail: Type.String(),
  indicatorId: Type.Optional(Type.String()),
  artifactId: Type.String(),
  productId: Type.String(),
  vendorId: Type.String(),
  version: Type.String(),
  evidence: Type.Unknown(),
  createdAt: Type.String(),
});
export type Alert = Static<typeof AlertSchema>;

export const InnerFileSchema = Type.Object({
  path: Type.String(),
  size: Nullable(Type.Integer()),
  md5: Nullable(Type.String()),
  sha1: Nullable(Type.String()),
  sha256: Nullable(Type.String()),
  sha512: Nullable(Type.String()),
  source: Type.String({ description: 'manifest or sbom.' }),
});

export const ArtifactSchema = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  vendorId: Type.String(),
  version: Type.String(),
  fileName: Type.String(),
  size: Nullable(Type.Integer()),
  md5: Nullable(Type.String()),
  sha1: Nullable(Type.String()),
  sha256: Type.String(),
  sha512: Nullable(Type.String()),
  source: Type.Union([Type.Literal('registered'), Type.Literal('observed')]),
  signatureStatus: Type.String(),
  signer: Nullable(Type.Object({ subject: Nullable(Type.String()), issuer: Nullable(Type.String()), serial: Nullable(Type.String()), thumbprint: Nullable(Type.String()) })),
  signingTime: Nullable(Type.String()),
  signature: Nullable(SignatureSchema),
  provenance: Nullable(ProvenanceSchema),
  firstSeenAt: Type.String(),
  lastSeenAt: Type.String(),
  seenCount: Type.Integer(),
  createdBy: Type.String(),
});
export type Artifact = Static<typeof ArtifactSchema>;

export const ArtifactDetailSchema = Type.Intersect([ArtifactSchema, Type.Object({ files: Type.Array(InnerFileSchema), alerts: Type.Array(AlertSchema) })]);

export const CheckResultSchema = Type.Object({
  artifactId: Type.String(),
  productId: Type.String(),
  vendorId: Type.String(),
  version: Type.String(),
  fileName: Type.String(),
  size: Type.Integer(),
  md5: Type.String(),
  sha1: Type.String(),
  sha256: Type.String(),
  sha512: Type.String(),
  signature: SignatureSchema,
  provenance: Nullable(ProvenanceSchema),
  registered: Type.Boolean({ description: 'These bytes are an artifact the vendor registered for this release.' }),
  firstSeenAt: Type.String(),
  seenCount: Type.Integer(),
  quarantineUntil: Nullable(Type.String({ description: 'While a never-registered hash is inside the quarantine window, when the window ends.' })),
  alerts: Type.Array(AlertSchema),
});
export type CheckResult = Static<typeof CheckResultSchema>;

const FileEntry = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
    size: Type.Optional(Type.Integer({ minimum: 0 })),
    md5: Type.Optional(Hex(16, 'MD5')),
    sha1: Type.Optional(Hex(20, 'SHA-1')),
    sha256: Type.Optional(Hex(32, 'SHA-256')),
    sha512: Type.Optional(Hex(64, 'SHA-512')),
  },
  { additionalProperties: false },
);
export type FileEntryType = Static<typeof FileEntry>;

export const FilesBody = Type.Object(
  {
    files: Type.Optional(Type.Array(FileEntry, { maxItems: 100_000, description: 'The installer\'s inner-file manifest.' })),
    fromSbom: Type.Optional(Type.Boolean({ description: 'Take the inner files from the hashes in the current SBOM of this release.' })),
  },
  { additionalProperties: false },
);
export type FilesBodyType = Static<typeof FilesBody>;

export const RegisterBody = Type.Object(
  {
    productId: Uuid,
    version: Version,
    fileName: FileName,
    size: Type.Optional(Type.Integer({ minimum: 0 })),
    sha256: Hex(32, 'SHA-256 the vendor published'),
    sha512: Type.Optional(Hex(64, 'SHA-512')),
    sha1: Type.Optional(Hex(20, 'SHA-1')),
    md5: Type.Optional(Hex(16, 'MD5')),
    signer: Type.Optional(
      Type.Object(
        {
          subject: Type.Optional(Text(1000)),
          issuer: Type.Optional(Text(1000)),
          serial: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F:]{1,128}$' })),
          thumbprint: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F:]{40,95}$', description: 'SHA-1 (or SHA-256) of the signing certificate.' })),
        },
        { additionalProperties: false },
      ),
    ),
    signingTime: Type.Optional(Type.String({ format: 'date-time' })),
    sigstoreBundle: Type.Optional(Type.Unknown({ description: 'A Sigstore bundle (JSON) for this artifact: verified offline against the trusted root; its digest must be this artifact\'s.' })),
    ...FilesBody.properties,
  },
  { additionalProperties: false },
);
export type RegisterBodyType = Static<typeof RegisterBody>;

export const ListArtifactsQuery = Type.Object(
  {
    ...PageQuery,
    productId: Type.Optional(Uuid),
    vendorId: Type.Optional(Uuid),
    version: Type.Optional(Version),
    source: Type.Optional(Type.Union([Type.Literal('registered'), Type.Literal('observed')])),
    hash: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{128}$', description: 'An MD5, SHA-1, SHA-256 or SHA-512 (told apart by length).' })),
  },
  { additionalProperties: false },
);
export type ListArtifactsQueryType = Static<typeof ListArtifactsQuery>;

export const ListAlertsQuery = Type.Object(
  {
    ...PageQuery,
    productId: Type.Optional(Uuid),
    vendorId: Type.Optional(Uuid),
    type: Type.Optional(AlertTypeSchema),
  },
  { additionalProperties: false },
);
export type ListAlertsQueryType = Static<typeof ListAlertsQuery>;

export const TimelineSchema = Type.Object({
  product: Type.Object({ id: Type.String(), name: Type.String(), vendorId: Type.String(), vendorName: Type.String() }),
  releases: Type.Array(
    Type.Object({
      version: Type.String(),
      firstSeenAt: Type.String(),
      artifacts: Type.Array(ArtifactSchema),
      alerts: Type.Array(AlertSchema),
    }),
  ),
  signers: Type.Array(
    Type.Object({
      subject: Type.String(),
      issuer: Nullable(Type.String()),
      thumbprints: Type.Array(Type.String()),
      versions: Type.Array(Type.String()),
      firstSeenAt: Type.String(),
      lastSeenAt: Type.String(),
    }),
  ),
  quarantineHours: Type.Integer(),
});
export type Timeline = Static<typeof TimelineSchema>;

export const IntegritySettingsSchema = Type.Object(
  {
    quarantineHours: Type.Integer({ minimum: 0, maximum: 8760, description: 'How long a never-registered hash stays in quarantine after it is first seen (0 turns quarantine off).' }),
  },
  { additionalProperties: false },
);
export type IntegritySettings = Static<typeof IntegritySettingsSchema>;
