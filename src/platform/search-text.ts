/**
 * Text folded for case-insensitive search, computed in JavaScript so SQLite (whose lower() and
 * LIKE fold ASCII only) and PostgreSQL (whose lower() depends on the database's locale) compare
 * the same strings and answer the same. Compatibility forms are unified (NFKC: "ﬁ" → "fi",
 * full-width letters → ASCII), then: lower case in every script ("ÄRZTE" → "ärzte"), ß and ẞ → ss
 * ("STRASSE" finds "Straße"), final sigma → σ, and the Turkish İ and ı → i, so that "ISTANBUL",
 * "istanbul" and "İstanbul" find each other, as do "IŞIK" and "Işık" (upper-case I has no
 * locale-free lower case: Turkish reads it as ı, everyone else as i).
 * Control characters are dropped: nobody searches for them, and searchText uses one as separator.
 */
export function foldForSearch(text: string): string {
  // Printable ASCII folds to its lower case: the common case (package names, purls) skips the rest.
  if (PRINTABLE_ASCII.test(text)) return text.toLowerCase();
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/i\u0307|ı/g, 'i')
    .replace(/ß/g, 'ss')
    .replace(/ς/g, 'σ')
    .replace(/\p{Cc}/gu, '')
    .normalize('NFC');
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Several fields folded into one searchable text; no folded query holds the separator, so no match spans two fields. */
export function searchText(parts: readonly string[]): string {
  return parts.map(foldForSearch).join('\u001f');
}

/** A LIKE pattern for a folded substring search: % and _ are literal, so "50%" matches the text "50%" (use with ESCAPE '\\'). */
export function likePattern(text: string): string {
  return `%${foldForSearch(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
