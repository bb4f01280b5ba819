import { recordAudit } from './audit/audit.js';
import type { RequestContext } from './context.js';
import { preparedQuery } from './db/prepared.js';
import type { Executor } from './db/schema.js';

const settingValue = preparedQuery((db, key: string) => db.selectFrom('settings').select('value').where('key', '=', key));

/** Small JSON documents of organisation-wide settings, keyed by name (read on most requests). */
export async function readSetting<T>(db: Executor, key: string): Promise<T | null> {
  const row = await settingValue.executeTakeFirst(db, key);
  return row ? (JSON.parse(row.value) as T) : null;
}

export async function writeSetting(db: Executor, key: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value);
  const now = new Date().toISOString();
  await db
    .insertInto('settings')
    .values({ key, value: json, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now }))
    .execute();
}

/**
 * One organisation-wide settings document. `read` lays what is stored over the defaults (a field a
 * later release adds reads as its default); `replace` writes the new document and audits before and
 * after in the caller's transaction. `show` is what the audit keeps of a document (credentials out).
 */
export class SettingsDocument<T extends object> {
  constructor(
    readonly key: string,
    private readonly defaults: T,
    private readonly audit: { action: string; show?: (value: T) => unknown },
  ) {}

  async read(db: Executor): Promise<T> {
    return { ...this.defaults, ...((await readSetting<Partial<T>>(db, this.key)) ?? {}) };
  }

  /** `next` is the new document, or made from the stored one (to keep write-only secrets). */
  async replace(trx: Executor, next: T | ((before: T) => T), ctx: RequestContext): Promise<T> {
    const before = await this.read(trx);
    const after = typeof next === 'function' ? next(before) : next;
    await writeSetting(trx, this.key, after);
    const show = this.audit.show ?? ((value: T) => value);
    await recordAudit(trx, ctx, { action: this.audit.action, entityType: 'settings', entityId: this.key, before: show(before), after: show(after) });
    return after;
  }
}
