// Writes the component side of global search as SBOM slices are stored: identities new to the
// index get their terms; identities already known cost one conflicting insert each, CPEs one per
// distinct CPE of the slice. Idempotent, so an upload that fails half-way leaves only terms that
// find nothing (results are shown with their current use, and unused identities are left out).
import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { foldForSearch } from '../../platform/search-text.js';
import { formatPurl, tryParsePurl } from '../purl/index.js';

/** Terms longer than this are cut (an index entry stays small); queries are no longer than this either. */
export const MAX_TERM_LENGTH = 300;
/** At most this many word-suffixes per name: a name of 40 dotted words must not write 40 terms. */
const MAX_SUFFIXES = 8;

export interface IdentitySource {
  ecosystem: string;
  package_name: string;
  name: string;
  group_name: string | null;
  purl: string | null;
  cpe: string | null;
}

const cut = (term: string) => term.slice(0, MAX_TERM_LENGTH);

/** The purl without version, qualifiers and subpath: what identifies the package across releases. */
export function versionlessPurl(purl: string | null): string | null {
  const parsed = purl ? tryParsePurl(purl) : null;
  if (!parsed) return null;
  try {
    return formatPurl({ ...parsed, version: null, qualifiers: null, subpath: null });
  } catch {
    return null;
  }
}

/** The word-suffixes of folded text: "org.apache:log4j-core" → "apache:log4j-core", "log4j-core", "core". */
export function wordSuffixes(folded: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < folded.length && out.length < MAX_SUFFIXES; i++) {
    if (isWordStart(folded, i)) out.push(folded.slice(i));
  }
  return out;
}

function isWordStart(text: string, i: number): boolean {
  return !/[\p{L}\p{N}]/u.test(text[i - 1]) && /[\p{L}\p{N}]/u.test(text[i]);
}

export function displayName(c: Pick<IdentitySource, 'name' | 'group_name'>): string {
  return c.group_name ? `${c.group_name}/${c.name}` : c.name;
}

export interface Term {
  term: string;
  /** 1: the whole name, package name, purl or CPE; 0: a word inside one. Whole-name matches are shown first. */
  whole: number;
  ecosystem: string;
  package_name: string;
}

/** Every term that finds an identity (its CPEs excepted: they vary by version and are written per CPE). */
export function identityTerms(c: IdentitySource, purl: string | null): Term[] {
  const whole = new Set<string>();
  for (const text of [c.name, displayName(c), c.package_name, purl ?? '']) if (text) whole.add(cut(foldForSearch(text)));
  const words = new Set<string>();
  for (const text of [c.name, displayName(c), c.package_name]) for (const t of wordSuffixes(foldForSearch(text))) if (!whole.has(cut(t))) words.add(cut(t));
  const id = { ecosystem: c.ecosystem, package_name: c.package_name };
  return [...[...whole].filter(Boolean).map((term) => ({ term, whole: 1, ...id })), ...[...words].map((term) => ({ term, whole: 0, ...id }))];
}

const key = (ecosystem: string, packageName: string) => `${ecosystem}\u0000${packageName}`;
const CHUNK = 500;

export async function indexComponentIdentities(db: Executor, rows: readonly IdentitySource[]): Promise<void> {
  // An identity and its terms commit together: one written without its terms would never be found.
  if (!db.isTransaction) return db.transaction().execute((trx) => indexComponentIdentities(trx, rows));
  const identities = new Map<string, IdentitySource>();
  const cpes = new Map<string, Term>();
  for (const r of rows) {
    const k = key(r.ecosystem, r.package_name);
    if (!identities.has(k)) identities.set(k, r);
    if (r.cpe) {
      const term = cut(foldForSearch(r.cpe));
      cpes.set(`${k}\u0000${term}`, { term, whole: 1, ecosystem: r.ecosystem, package_name: r.package_name });
    }
  }
  const all = [...identities.values()];
  const fresh: IdentitySource[] = [];
  for (let i = 0; i < all.length; i += CHUNK) {
    const chunk = all.slice(i, i + CHUNK).map((c) => ({ c, purl: versionlessPurl(c.purl) }));
    const inserted = await db
      .insertInto('search_components')
      .values(chunk.map(({ c, purl }) => ({ ecosystem: c.ecosystem, package_name: c.package_name, name: displayName(c), purl })))
      .onConflict((oc) => oc.columns(['ecosystem', 'package_name']).doNothing())
      .returning(['ecosystem', 'package_name'])
      .execute();
    const added = new Set(inserted.map((r) => key(r.ecosystem, r.package_name)));
    for (const { c } of chunk) if (added.has(key(c.ecosystem, c.package_name))) fresh.push(c);
  }
  const terms = fresh.flatMap((c) => identityTerms(c, versionlessPurl(c.purl)));
  terms.push(...cpes.values());
  await insertTerms(db, terms);
}

async function insertTerms(db: Executor, terms: Term[]): Promise<void> {
  for (let i = 0; i < terms.length; i += CHUNK) {
    await db
      .insertInto('search_component_terms')
      .values(terms.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['whole', 'term', 'ecosystem', 'package_name']).doNothing())
      .execute();
  }
}

/** A bound above every term that starts with `prefix`, in byte order (U+10FFFF is the last code point). */
export function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

/** `column >= prefix and column < prefixEnd(prefix)` compared byte-wise on both engines. */
export function byteRange(db: Executor, column: string, prefix: string) {
  const ref = isPostgres(db) ? sql`${sql.ref(column)} collate "C"` : sql.ref(column);
  return sql<boolean>`${ref} >= ${prefix} and ${ref} < ${prefixEnd(prefix)}`;
}
