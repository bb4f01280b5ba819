/**
 * The organisation's own estate: SBOMs of software we build or run ourselves. It is a built-in
 * vendor row flagged `internal = 1` with one built-in product, both created by migration
 * 0003_sboms with these fixed ids. Everything that works on vendor SBOMs (search, diff,
 * technologies) works on the estate too, while concentration metrics count only third parties
 * (internal = 0). The API and CLI accept "estate" wherever a product id is expected.
 *
 * The ids are repeated literally in the migration, which must never change once released.
 */
export const ESTATE = {
  alias: 'estate',
  vendorId: '00000000-0000-7000-8000-0000000e57a7',
  vendorName: 'Our organisation (internal estate)',
  productId: '00000000-0000-7000-8000-000000e57a7e',
  productName: 'Internal estate',
} as const;

/** "estate" → the built-in estate product id; anything else unchanged. */
export function resolveProductId(idOrAlias: string): string {
  return idOrAlias === ESTATE.alias ? ESTATE.productId : idOrAlias;
}
