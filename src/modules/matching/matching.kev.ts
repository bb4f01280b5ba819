// KEV name matching: a CISA KEV entry names a vendor and a product ("3CX", "3CX Desktop App") but
// no package. When no record of its CVE has package data to match by, the entry still flags the
// products it names: a finding on the root (idx 0) of each current SBOM of the product, marked as
// a name match (match kind 'kev-name'). Pure; the matcher reads and writes.

/** The ecosystem KEV name-match findings are filed under (their package name is the product's key). */
export const KEV_ECOSYSTEM = 'kev';
export const KEV_NAME_MATCH = 'kev-name';

/** Names compare case- and spacing-insensitively: "3CX  desktop app" is "3CX Desktop App". */
export const nameKey = (name: string): string => name.toLowerCase().replace(/\s+/g, '');

export interface KevNameEntry {
  cve_id: string;
  vendor_project: string;
  product: string;
}

export interface NamedProduct {
  id: string;
  name: string;
  /** Keys of the vendor's name and aliases. */
  vendorKeys: string[];
}

/**
 * Whether a KEV entry names a product: its vendorProject is the vendor's name or an alias, and its
 * product is the product's name, with or without the vendor's name in front ("Exchange Server" for
 * the product "Microsoft Exchange Server" of Microsoft).
 */
export function kevNamesProduct(entry: KevNameEntry, product: NamedProduct): boolean {
  const vendor = nameKey(entry.vendor_project);
  if (!product.vendorKeys.includes(vendor)) return false;
  const name = nameKey(product.name);
  const named = nameKey(entry.product);
  return name === named || name === vendor + named || product.vendorKeys.some((v) => name === v + named);
}
