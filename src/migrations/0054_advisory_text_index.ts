import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';

/**
 * The advisory list's `q` is a substring of a group's identifiers or summary (LIKE '%q%'), which
 * scanned every group on each search: 1.5 ms of the SQLite server's single thread per search in
 * the soak. On SQLite, advisory_groups_text is an FTS5 trigram index of those two columns: a query
 * of three or more characters first takes the groups holding its trigrams in sequence (a superset
 * of the LIKE's answer: FTS folds case at least as far as LIKE does), and the LIKE still decides,
 * so answers are unchanged. The index is contentless (the text stays in advisory_groups only);
 * its rowids come from advisory_group_text_ids, an INTEGER PRIMARY KEY that VACUUM keeps (a text
 * primary key's own rowid it may renumber). Triggers keep both in step with advisory_groups.
 * PostgreSQL keeps scanning: in its own process, not the server's event loop.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`CREATE TABLE advisory_group_text_ids (seq INTEGER PRIMARY KEY, group_id varchar(36) NOT NULL UNIQUE)`.execute(db);
  await sql`CREATE VIRTUAL TABLE advisory_groups_text USING fts5(identifiers, summary, tokenize = 'trigram', content = '', contentless_delete = 1)`.execute(db);
  await sql`INSERT INTO advisory_group_text_ids (group_id) SELECT id FROM advisory_groups ORDER BY rowid`.execute(db);
  await sql`INSERT INTO advisory_groups_text (rowid, identifiers, summary) SELECT t.seq, g.identifiers, g.summary FROM advisory_group_text_ids t JOIN advisory_groups g ON g.id = t.group_id`.execute(db);
  const seqOf = (id: string) => `(SELECT seq FROM advisory_group_text_ids WHERE group_id = ${id})`;
  const triggers: Record<string, string> = {
    advisory_groups_text_insert: `AFTER INSERT ON advisory_groups BEGIN
      INSERT INTO advisory_group_text_ids (group_id) VALUES (NEW.id);
      INSERT INTO advisory_groups_text (rowid, identifiers, summary) VALUES (${seqOf('NEW.id')}, NEW.identifiers, NEW.summary);
    END`,
    advisory_groups_text_update: `AFTER UPDATE OF id, identifiers, summary ON advisory_groups
      WHEN OLD.id IS NOT NEW.id OR OLD.identifiers IS NOT NEW.identifiers OR OLD.summary IS NOT NEW.summary BEGIN
      UPDATE advisory_group_text_ids SET group_id = NEW.id WHERE group_id = OLD.id;
      UPDATE advisory_groups_text SET identifiers = NEW.identifiers, summary = NEW.summary WHERE rowid = ${seqOf('NEW.id')};
    END`,
    advisory_groups_text_delete: `AFTER DELETE ON advisory_groups BEGIN
      DELETE FROM advisory_groups_text WHERE rowid = ${seqOf('OLD.id')};
      DELETE FROM advisory_group_text_ids WHERE group_id = OLD.id;
    END`,
  };
  for (const [name, body] of Object.entries(triggers)) await sql.raw(`CREATE TRIGGER ${name} ${body}`).execute(db);
}
