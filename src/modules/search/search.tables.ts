/**
 * The component side of global search (0019_search): one row per component identity
 * (ecosystem, package_name) seen in any SBOM, and the folded terms that find it. Written as SBOM
 * slices are stored (indexComponentIdentities); never deleted: a result is shown with its current
 * use, and an identity no current SBOM holds any more is left out then.
 */
export interface SearchComponentsTable {
  ecosystem: string;
  package_name: string;
  /** The name as the first SBOM that held it wrote it (group/name when it has a group). */
  name: string;
  /** Its purl without version, qualifiers or subpath; null for components without one. */
  purl: string | null;
}

/**
 * A folded term (see search-text.ts) and the identity it finds: the name, each word-suffix of it and
 * of the package name ("log4j-core" → "core"), the versionless purl, and every CPE an SBOM declared
 * for it. Searches are prefix ranges over `term`, whole terms first (byte order: "C" collation on PostgreSQL).
 */
export interface SearchComponentTermsTable {
  /** 1 for the whole name, package name, purl or a CPE; 0 for a word-suffix. */
  whole: number;
  term: string;
  ecosystem: string;
  package_name: string;
}

export interface SearchTables {
  search_components: SearchComponentsTable;
  search_component_terms: SearchComponentTermsTable;
}
