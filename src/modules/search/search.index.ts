// Writes the component side of global search after an SBOM is published, from a job the publish
// transaction queues (indexSbomComponents): identities new to the index get their terms; known ones
// cost a lookup (none once this process has seen them). Idempotent, so a job that stops half-way
// leaves only terms that find nothing until it is run again (results are shown with their current
// use, and identities no current SBOM holds are left out).
import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { yieldToEventLoop } from '../../platform/event-loop.js';
import { foldForSearch } from '../../platform/search-text.js';
import { insertRows } from '../matching/bulk.js';
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
  for (const match of folded.matchAll(WORD_START)) {
    if (match.index === 0) continue;
    out.push(folded.slice(match.index));
    if (out.length >= MAX_SUFFIXES) break;
  }
  return out;
}

/** A letter or digit that follows something else: where a word of a name starts. */
const WORD_START = /(?<![\p{L}\p{N}])[\p{L}\p{N}]/gu;

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
  const texts = [...new Set([c.name, displayName(c), c.package_name].map(foldForSearch))];
  const whole = new Set(texts.map(cut));
  if (purl) whole.add(cut(foldForSearch(purl)));
  whole.delete('');
  const words = new Set<string>();
  for (const text of texts) for (const t of wordSuffixes(text)) if (!whole.has(cut(t))) words.add(cut(t));
  const id = { ecosystem: c.ecosystem, package_name: c.package_name };
  return [...[...whole].map((term) => ({ term, whole: 1, ...id })), ...[...words].map((term) => ({ term, whole: 0, ...id }))];
}

const key = (ecosystem: string, packageName: string) => `${ecosystem}\u0000${packageName}`;
const CHUNK = 500;
const IDENTITY_COLUMNS = [['ecosystem', 'text'], ['package_name', 'text'], ['name', 'text'], ['purl', 'text']] as const;
const TERM_COLUMNS = [['whole', 'int'], ['term', 'text'], ['ecosystem', 'text'], ['package_name', 'text']] as const;

/**
 * What this process has written or seen indexed, per database handle: an upload of a new release
 * repeats nearly every identity of the last one, and skipping those here keeps the index's cost on
 * an upload to the identities and CPEs that are new. Cleared when it grows past KNOWN_LIMIT.
 */
const known = new WeakMap<object, Set<string>>();
const KNOWN_LIMIT = 500_000;

function knownOf(db: Executor): Set<string> {
  let set = known.get(db);
  if (!set || set.size > KNOWN_LIMIT) known.set(db, (set = new Set()));
  return set;
}

/**
 * Which of some identities the index holds. On PostgreSQL they go as two arrays in one statement,
 * each pair looked up by the key: `(ecosystem, package_name) in (values ...)` of 500 pairs, as SQLite
 * still gets them (and looks each up), was planned there as a hash of the whole table below ~300,000
 * identities, about 10 ms of server CPU per 500 pairs at 90,000.
 */
async function indexedIdentities(db: Executor, identities: readonly IdentitySource[]): Promise<Set<string>> {
  type Row = { ecosystem: string; package_name: string };
  const present = new Set<string>();
  const add = (rows: Row[]) => {
    for (const r of rows) present.add(key(r.ecosystem, r.package_name));
  };
  if (!identities.length) return present;
  if (isPostgres(db)) {
    const ecosystems = identities.map((i) => i.ecosystem);
    const names = identities.map((i) => i.package_name);
    // A lateral lookup with a limit is one key probe per pair whatever the statistics say; a join or IN may be hashed again.
    add((await sql<Row>`select v.ecosystem, v.package_name from unnest(cast(${ecosystems} as text[]), cast(${names} as text[])) as v(ecosystem, package_name) cross join lateral (select 1 from search_components s where s.ecosystem = v.ecosystem and s.package_name = v.package_name limit 1) as s`.execute(db)).rows);
    return present;
  }
  for (let i = 0; i < identities.length; i += CHUNK) {
    const pairs = identities.slice(i, i + CHUNK).map((c) => sql`(${c.ecosystem}, ${c.package_name})`);
    add((await sql<Row>`select ecosystem, package_name from search_components where (ecosystem, package_name) in (values ${sql.join(pairs)})`.execute(db)).rows);
  }
  return present;
}

/**
 * Indexes the identities and CPEs of a slice of stored components. Terms are written before their
 * identity row, each insert ignoring what is there: an identity row exists only once its terms do,
 * so a write cut short is completed by the next SBOM that holds the identity.
 */
export async function indexComponentIdentities(db: Executor, rows: readonly IdentitySource[]): Promise<void> {
  const seen = knownOf(db);
  const candidates = new Map<string, IdentitySource>();
  const cpes = new Map<string, Term>();
  for (const r of rows) {
    const k = key(r.ecosystem, r.package_name);
    if (!seen.has(k) && !candidates.has(k)) candidates.set(k, r);
    if (r.cpe) {
      const ck = `${k}\u0000${r.cpe}`;
      if (!seen.has(ck) && !cpes.has(ck)) cpes.set(ck, { term: cut(foldForSearch(r.cpe)), whole: 1, ecosystem: r.ecosystem, package_name: r.package_name });
    }
  }
  const all = [...candidates.values()];
  const present = await indexedIdentities(db, all);
  const fresh = all.filter((c) => !present.has(key(c.ecosystem, c.package_name)));
  const purls = fresh.map((c) => versionlessPurl(c.purl));
  const terms = fresh.flatMap((c, i) => identityTerms(c, purls[i]));
  terms.push(...cpes.values());
  const conflict = 'on conflict do nothing';
  await insertRows(db, 'search_component_terms', TERM_COLUMNS, terms.map((t) => [t.whole, t.term, t.ecosystem, t.package_name]), conflict);
  await insertRows(db, 'search_components', IDENTITY_COLUMNS, fresh.map((c, i) => [c.ecosystem, c.package_name, displayName(c), purls[i]]), conflict);
  for (const k of candidates.keys()) seen.add(k);
  for (const k of cpes.keys()) seen.add(k);
}

/** The job (platform/jobs) that indexes one published SBOM's components; payload SearchIndexJobPayload. */
export const SEARCH_INDEX_JOB = 'search.index-sbom';
export interface SearchIndexJobPayload {
  sbomId: string;
}
/**
 * Components per slice of the job: 2,000 new identities write ~10,000 terms, tens of milliseconds of
 * SQLite's write lock and the event loop on a loaded host; the job yields between slices.
 */
const INDEX_SLICE = 2000;

/**
 * Indexes a stored SBOM's components a slice at a time, each slice its own short statements. An SBOM
 * deleted meanwhile has no components left to read: the job ends, and what it wrote finds nothing.
 */
export async function indexSbomComponents(db: Executor, sbomId: string, onSlice?: (done: number) => Promise<void>): Promise<{ components: number }> {
  let after = -1;
  let done = 0;
  for (;;) {
    const rows = await db
      .selectFrom('sbom_components')
      .select(['idx', 'ecosystem', 'package_name', 'name', 'group_name', 'purl', 'cpe'])
      .where('sbom_id', '=', sbomId)
      .where('idx', '>', after)
      .orderBy('idx')
      .limit(INDEX_SLICE)
      .execute();
    if (!rows.length) return { components: done };
    await indexComponentIdentities(db, rows);
    done += rows.length;
    after = Number(rows[rows.length - 1].idx);
    if (onSlice) await onSlice(done);
    else await yieldToEventLoop();
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
