// The one normalised shape every SBOM parser produces, whatever the input format.

export type SbomFormat = 'cyclonedx' | 'spdx';
export type SbomEncoding = 'json' | 'xml' | 'tag-value' | 'json-ld';

export interface ParsedHash {
  /** Upper-case algorithm name in CycloneDX spelling: 'SHA-256', 'SHA3-512', 'BLAKE2b-256', 'MD5'. */
  alg: string;
  /** Lower-case hex. */
  value: string;
}

export type ComponentScope = 'required' | 'optional' | 'excluded';

export interface ParsedComponent {
  /** bom-ref / SPDXID / spdxId; unique within the document (synthetic when the document has none). */
  ref: string;
  name: string;
  version: string | null;
  group: string | null;
  /** Canonical purl (formatPurl(parsePurl(x))); an invalid purl becomes null plus a warning. */
  purl: string | null;
  cpe: string | null;
  /** CycloneDX component type, or the SPDX primary package purpose in lower case. */
  type: string | null;
  supplier: string | null;
  /** SPDX license expressions or ids (CycloneDX license names when no id is given); NOASSERTION/NONE dropped. */
  licenses: string[];
  hashes: ParsedHash[];
  scope: ComponentScope | null;
  /** Enclosing component: CycloneDX nesting, or the SPDX package that CONTAINS this one. */
  parentRef: string | null;
}

export interface ParsedDependency {
  /** `from` depends on (or statically/dynamically links) `to`. */
  from: string;
  to: string;
}

/**
 * Invariants: `rootRef === root?.ref ?? null`; the root is never repeated in `components`; every
 * dependency endpoint and every parentRef is the ref of the root or of one of `components`.
 */
export interface ParsedSbom {
  format: SbomFormat;
  encoding: SbomEncoding;
  /** '1.4' for CycloneDX, '2.3' or '3.0.1' for SPDX. */
  specVersion: string;
  /** CycloneDX serialNumber, SPDX 2 documentNamespace, SPDX 3 SpdxDocument spdxId. */
  serialNumber: string | null;
  createdAt: string | null;
  /** 'name@version' (or just 'name') of each tool that produced the document. */
  tools: string[];
  /** metadata.component / the package the document DESCRIBES. */
  rootRef: string | null;
  root: ParsedComponent | null;
  components: ParsedComponent[];
  dependencies: ParsedDependency[];
  warnings: string[];
}

export interface SbomParseIssue {
  pointer: string;
  message: string;
}

export class SbomParseError extends Error {
  override readonly name = 'SbomParseError';

  /**
   * @param pointer JSON pointer (or "line N") of the problem.
   * @param details further problems found at the same time, e.g. schema errors (at most 10).
   */
  constructor(
    message: string,
    readonly pointer?: string,
    readonly details?: SbomParseIssue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
