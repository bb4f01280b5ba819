import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { searchText } from '../platform/search-text.js';

/** Groups whose search text one statement sets. */
const BATCH = 500;

/**
 * The advisory list's `q` matched LIKE against the identifiers and summary as stored: SQLite's
 * LIKE folds ASCII case only, so "ärzte" missed a summary saying "Ärzte" there while PostgreSQL
 * (lower() on both sides) found it, and neither engine found "Straße" for "strasse" as the vendor
 * search does. advisory_groups.search_text holds both fields folded in JavaScript (searchText, the
 * vendors' rule), set with them on every write; the search matches it on both engines. On SQLite
 * the trigram index (0054) is rebuilt over search_text, so it narrows by the same folded text.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db);
  await sql`ALTER TABLE advisory_groups ADD COLUMN search_text text NOT NULL DEFAULT ''`.execute(db);
  for (let after = ''; ; ) {
    const { rows } = await sql<{ id: string; identifiers: string; summary: string | null }>`
      SELECT id, identifiers, summary FROM advisory_groups WHERE id > ${after} ORDER BY id LIMIT ${BATCH}`.execute(db);
    if (!rows.length) break;
    // VALUES columns are column1, column2 on both engines.
    const values = sql.join(rows.map((r) => sql`(${r.id}, ${searchText([r.identifiers, r.summary ?? ''])})`));
    await sql`UPDATE advisory_groups SET search_text = v.column2 FROM (VALUES ${values}) AS v WHERE advisory_groups.id = v.column1`.execute(db);
    after = rows[rows.length - 1].id;
  }
  if (postgres) return;

  for (const name of ['advisory_groups_text_insert', 'advisory_groups_text_update']) await sql.raw(`DROP TRIGGER ${name}`).execute(db);
  await sql`DROP TABLE advisory_groups_text`.execute(db);
  await sql`CREATE VIRTUAL TABLE advisory_groups_text USING fts5(search_text, tokenize = 'trigram', content = '', contentless_delete = 1)`.execute(db);
  await sql`INSERT INTO advisory_groups_text (rowid, search_text) SELECT t.seq, g.search_text FROM advisory_group_text_ids t JOIN advisory_groups g ON g.id = t.group_id`.execute(db);
  const seqOf = (id: string) => `(SELECT seq FROM advisory_group_text_ids WHERE group_id = ${id})`;
  const triggers: Record<string, string> = {
    advisory_groups_text_insert: `AFTER INSERT ON advisory_groups BEGIN
      INSERT INTO advisory_group_text_ids (group_id) VALUES (NEW.id);
      INSERT INTO advisory_groups_text (rowid, search_text) VALUES (${seqOf('NEW.id')}, NEW.search_text);
    END`,
    advisory_groups_text_update: `AFTER UPDATE OF id, search_text ON advisory_groups
      WHEN OLD.id IS NOT NEW.id OR OLD.search_text IS NOT NEW.search_text BEGIN
      UPDATE advisory_group_text_ids SET group_id = NEW.id WHERE group_id = OLD.id;
      UPDATE advisory_groups_text SET search_text = NEW.search_text WHERE rowid = ${seqOf('NEW.id')};
    END`,
  };
  for (const [name, body] of Object.entries(triggers)) await sql.raw(`CREATE TRIGGER ${name} ${body}`).execute(db);
}
