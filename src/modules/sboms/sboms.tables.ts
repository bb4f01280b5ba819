import type { Flag, Json } from '../../platform/db/tables.js';

/**
 * One uploaded SBOM document. A product release ("18.12.416") can have several over time; the
 * last one uploaded for a (product, release) has is_current = 1, enforced by a partial unique
 * index and maintained in the upload transaction.
 */
export interface SbomsTable {
  id: string;
  product_id: string;
  release: string;
  is_current: Flag;
  format: string;
  encoding: string;
  spec_version: string;
  /** CycloneDX serialNumber, SPDX 2 documentNamespace, SPDX 3 SpdxDocument id. */
  serial_number: string | null;
  /** When the document says it was created (metadata.timestamp / creationInfo.created). */
  document_created_at: string | null;
  tools: Json;
  root_ref: string | null;
  root_name: string | null;
  root_version: string | null;
  root_purl: string | null;
  component_count: number;
  dependency_count: number;
  warnings: Json;
  /** Size and SHA-256 of the original bytes, as uploaded. */
  byte_size: number;
  sha256: string;
  /** Media type the original is served with on download. */
  media_type: string;
  uploaded_at: string;
  uploaded_by: string;
  /** 0 while the upload's rows are being written (then no read sees the SBOM), 1 once published. */
  published: Flag;
}

/** The original document, compressed, kept apart so SBOM lists never read it. */
export interface SbomDocumentsTable {
  sbom_id: string;
  compression: string;
  content: Buffer;
}

/**
 * One component of one SBOM. `idx` numbers the document's components from 1 in document order
 * (0 is the root, kept on the sboms row); dependency edges refer to components by idx.
 * `(ecosystem, package_name)` is the matching identity shared with advisories; `name_key` is the
 * lower-cased bare name for "who uses <name>" searches across ecosystems.
 */
export interface SbomComponentsTable {
  sbom_id: string;
  idx: number;
  /** bom-ref / SPDX id; null when it is the same text as purl (the common case, stored once). */
  ref: string | null;
  name: string;
  group_name: string | null;
  version: string | null;
  purl: string | null;
  purl_type: string | null;
  purl_namespace: string | null;
  purl_name: string | null;
  purl_qualifiers: Json | null;
  ecosystem: string;
  package_name: string;
  name_key: string;
  cpe: string | null;
  type: string | null;
  scope: string | null;
  supplier: string | null;
  /** JSON array of SPDX license expressions; null when none. */
  licenses: Json | null;
  /** JSON object algorithm → lower-case hex; null when none. */
  hashes: Json | null;
  /** Enclosing component (CycloneDX nesting / SPDX CONTAINS), 0 for the root. */
  parent_idx: number | null;
  /** Hops from the root on a shortest path; 1 = direct. */
  depth: number;
  /** The previous hop on that shortest path (0 = the root). */
  via_idx: number;
  direct: Flag;
}

/**
 * The CPEs of one SBOM's components, root and product release (idx 0), keyed by `cpeKey` (the
 * logical `vendor:product`) so that an NVD record finds its components with one lookup per key.
 * `cpe` is the text as declared (a malformed one is kept as text under the key it would have).
 */
export interface SbomComponentCpesTable {
  sbom_id: string;
  idx: number;
  cpe_key: string;
  cpe: string;
  /** 'declared', 'root', 'product' or 'inferred'. */
  source: string;
  /** 0..1 for inferred CPEs, null otherwise. */
  confidence: number | null;
}

/** An analyst's decision on an inferred CPE, per component identity (supplier|name) and vendor:product. */
export interface CpeDecisionsTable {
  component_key: string;
  cpe_key: string;
  /** 'confirmed' or 'rejected'. */
  decision: string;
  decided_by: string;
  decided_at: string;
}

/** A name components are inferred from: products seen in NVD records ('nvd') or a CPE dictionary ('dictionary'). */
export interface CpeDictionaryTable {
  name_key: string;
  cpe_key: string;
  vendor: string;
  product: string;
  title: string | null;
  source: string;
}

/** The dependency edges of one SBOM, packed: see packEdges in sboms.ingest.ts. */
export interface SbomGraphsTable {
  sbom_id: string;
  edge_count: number;
  edges: Buffer;
}

/** Per product and package: how many of the product's current SBOMs contain it, and directly. */
export interface TechnologyProductsTable {
  product_id: string;
  ecosystem: string;
  package_name: string;
  vendor_id: string;
  sboms: number;
  direct_sboms: number;
}

/**
 * Per vendor and package: how many of the vendor's products have it in a current SBOM, and
 * directly. `seq` is the change that last wrote the row (rows at zero stay until a rebuild).
 */
export interface TechnologyVendorsTable {
  vendor_id: string;
  ecosystem: string;
  package_name: string;
  products: number;
  direct_products: number;
  seq: number;
}

/** One row: the last change number, and whether the vendor rollup must be rebuilt (after deletions). */
export interface TechnologyStateTable {
  id: number;
  seq: number;
  generation: number;
  stale: Flag;
}

export interface SbomTables {
  sboms: SbomsTable;
  sbom_documents: SbomDocumentsTable;
  sbom_components: SbomComponentsTable;
  sbom_graphs: SbomGraphsTable;
  sbom_component_cpes: SbomComponentCpesTable;
  cpe_decisions: CpeDecisionsTable;
  cpe_dictionary: CpeDictionaryTable;
  technology_products: TechnologyProductsTable;
  technology_vendors: TechnologyVendorsTable;
  technology_state: TechnologyStateTable;
}
