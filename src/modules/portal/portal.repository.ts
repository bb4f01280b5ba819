import type { Executor } from '../../platform/db/schema.js';
import type { AssessmentInvitationsTable, PortalFilesTable, PortalSessionsTable, PortalTokensTable } from './portal.tables.js';

export class PortalRepository {
  constructor(private readonly db: Executor) {}

  async insertInvitation(row: AssessmentInvitationsTable): Promise<void> {
    await this.db.insertInto('assessment_invitations').values(row).execute();
  }

  async invitationByHash(tokenHash: string): Promise<AssessmentInvitationsTable | undefined> {
    return this.db.selectFrom('assessment_invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async markEmailed(id: string, at: string): Promise<void> {
    await this.db.updateTable('assessment_invitations').set({ emailed_at: at }).where('id', '=', id).execute();
  }

  /** Marks the invitation used unless it already is: true when this call used it (one winner under races). */
  async useInvitation(id: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable('assessment_invitations').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The address the assessment's latest e-mailed invitation went to (reminders follow it). */
  async inviteeOf(assessmentId: string): Promise<{ email: string; contact_id: string | null; vendor_id: string } | undefined> {
    return this.db
      .selectFrom('assessment_invitations')
      .select(['email', 'contact_id', 'vendor_id'])
      .where('assessment_id', '=', assessmentId)
      .where('email', 'is not', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst() as Promise<{ email: string; contact_id: string | null; vendor_id: string } | undefined>;
  }

  async insertSession(row: PortalSessionsTable): Promise<void> {
    await this.db.insertInto('portal_sessions').values(row).execute();
  }

  async activeSession(tokenHash: string, now: string) {
    return this.db
      .selectFrom('portal_sessions')
      .innerJoin('vendors', 'vendors.id', 'portal_sessions.vendor_id')
      .select(['portal_sessions.id', 'portal_sessions.vendor_id', 'portal_sessions.expires_at', 'portal_sessions.last_used_at', 'vendors.name as vendor_name'])
      .where('portal_sessions.token_hash', '=', tokenHash)
      .where('portal_sessions.expires_at', '>', now)
      .executeTakeFirst();
  }

  async session(id: string) {
    return this.db
      .selectFrom('portal_sessions')
      .innerJoin('vendors', 'vendors.id', 'portal_sessions.vendor_id')
      .select(['portal_sessions.id', 'portal_sessions.vendor_id', 'portal_sessions.expires_at', 'vendors.name as vendor_name'])
      .where('portal_sessions.id', '=', id)
      .executeTakeFirst();
  }

  async touchSession(id: string, at: string): Promise<void> {
    await this.db.updateTable('portal_sessions').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /**
   * Stores the bytes unless that content is already stored. Storing known content again moves its
   * created_at to now: the row lock and the fresh date keep pruneBlobs from removing bytes that a
   * file is about to reference in the same transaction.
   */
  async putBlob(sha256: string, content: Buffer, at: string): Promise<void> {
    await this.db
      .insertInto('portal_blobs')
      .values({ sha256, content, size_bytes: content.length, created_at: at })
      .onConflict((oc) => oc.column('sha256').doUpdateSet({ created_at: at }))
      .execute();
  }

  /**
   * Removes stored bytes that no file references any more (their vendor or incident was deleted),
   * stored before `before`. Every table that references portal_blobs is named here.
   */
  async pruneBlobs(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('portal_blobs as b')
      .where('b.created_at', '<', before)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('portal_files as f').select('f.id').whereRef('f.sha256', '=', 'b.sha256'))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('incident_files as i').select('i.id').whereRef('i.sha256', '=', 'b.sha256'))))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async blob(sha256: string): Promise<Buffer | undefined> {
    const row = await this.db.selectFrom('portal_blobs').select('content').where('sha256', '=', sha256).executeTakeFirst();
    return row ? Buffer.from(row.content) : undefined;
  }

  /** Inserts unless the vendor already has this content; true when this call created the row. */
  async insertFile(row: PortalFilesTable): Promise<boolean> {
    const result = await this.db.insertInto('portal_files').values(row).onConflict((oc) => oc.columns(['vendor_id', 'sha256']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async fileByContent(vendorId: string, sha256: string): Promise<PortalFilesTable | undefined> {
    return this.db.selectFrom('portal_files').selectAll().where('vendor_id', '=', vendorId).where('sha256', '=', sha256).executeTakeFirst();
  }

  async file(id: string): Promise<PortalFilesTable | undefined> {
    return this.db.selectFrom('portal_files').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async files(ids: string[]): Promise<PortalFilesTable[]> {
    if (!ids.length) return [];
    return this.db.selectFrom('portal_files').selectAll().where('id', 'in', ids).execute();
  }

  /** Logs a reminder unless that one was sent already: true when this call logged it. */
  async logReminder(row: { assessment_id: string; kind: string; email: string; sent_at: string }): Promise<boolean> {
    const result = await this.db.insertInto('assessment_reminders').values(row).onConflict((oc) => oc.columns(['assessment_id', 'kind']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async unlogReminder(assessmentId: string, kind: string): Promise<void> {
    await this.db.deleteFrom('assessment_reminders').where('assessment_id', '=', assessmentId).where('kind', '=', kind).execute();
  }

  async remindersOf(assessmentId: string) {
    return this.db.selectFrom('assessment_reminders').selectAll().where('assessment_id', '=', assessmentId).orderBy('sent_at').execute();
  }

  async insertToken(row: PortalTokensTable): Promise<void> {
    await this.db.insertInto('portal_tokens').values(row).execute();
  }

  async tokensOf(vendorId: string): Promise<PortalTokensTable[]> {
    return this.db.selectFrom('portal_tokens').selectAll().where('vendor_id', '=', vendorId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  }

  async token(id: string): Promise<PortalTokensTable | undefined> {
    return this.db.selectFrom('portal_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async revokeToken(id: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable('portal_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** A token neither revoked nor expired, with its vendor's name. */
  async activeToken(tokenHash: string, now: string) {
    return this.db
      .selectFrom('portal_tokens')
      .innerJoin('vendors', 'vendors.id', 'portal_tokens.vendor_id')
      .select(['portal_tokens.id', 'portal_tokens.vendor_id', 'portal_tokens.name', 'portal_tokens.expires_at', 'portal_tokens.last_used_at', 'vendors.name as vendor_name'])
      .where('portal_tokens.token_hash', '=', tokenHash)
      .where('portal_tokens.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('portal_tokens.expires_at', 'is', null), eb('portal_tokens.expires_at', '>', now)]))
      .executeTakeFirst();
  }

  async tokenWithVendor(id: string) {
    return this.db
      .selectFrom('portal_tokens')
      .innerJoin('vendors', 'vendors.id', 'portal_tokens.vendor_id')
      .select(['portal_tokens.id', 'portal_tokens.vendor_id', 'portal_tokens.expires_at', 'vendors.name as vendor_name'])
      .where('portal_tokens.id', '=', id)
      .executeTakeFirst();
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('portal_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
