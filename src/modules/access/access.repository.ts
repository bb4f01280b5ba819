import { preparedQuery } from '../../platform/db/prepared.js';
import type { Executor } from '../../platform/db/schema.js';
import type { ApiTokensTable, UsersTable } from '../../platform/db/tables.js';

export class AccessRepository {
  constructor(private readonly db: Executor) {}

  /** Runs on every request that carries a token. */
  findActiveToken(tokenHash: string, now: string) {
    return activeToken.executeTakeFirst(this.db, tokenHash, now);
  }

  touchToken(id: string, now: string) {
    return this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  insertToken(row: ApiTokensTable) {
    return this.db.insertInto('api_tokens').values(row).execute();
  }

  listTokens() {
    return this.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'role', 'prefix', 'user_id', 'created_by', 'created_at', 'last_used_at', 'expires_at', 'revoked_at'])
      .orderBy('id', 'desc')
      .execute();
  }

  findToken(id: string) {
    return this.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'role', 'prefix', 'user_id', 'created_by', 'created_at', 'last_used_at', 'expires_at', 'revoked_at'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  revokeToken(id: string, now: string) {
    return this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async countCredentials(): Promise<number> {
    const tokens = await this.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const users = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return Number(tokens.n) + Number(users.n);
  }

  findUserByEmail(email: string) {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  findUser(id: string) {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  insertUser(row: UsersTable) {
    return this.db.insertInto('users').values(row).execute();
  }

  updateUser(id: string, changes: Partial<UsersTable>) {
    return this.db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  listUsers() {
    return this.db.selectFrom('users').select(['id', 'email', 'name', 'role', 'disabled', 'created_at', 'updated_at']).orderBy('email').execute();
  }

  teamIdsOf(userId: string) {
    return this.db.selectFrom('team_members').select('team_id').where('user_id', '=', userId).execute();
  }

  async setTeams(userId: string, teamIds: string[]) {
    await this.db.deleteFrom('team_members').where('user_id', '=', userId).execute();
    if (teamIds.length) {
      await this.db.insertInto('team_members').values(teamIds.map((team_id) => ({ team_id, user_id: userId }))).execute();
    }
  }

  listTeams() {
    return this.db.selectFrom('teams').selectAll().orderBy('name').execute();
  }

  findTeamsByKeyOrId(values: string[]) {
    if (!values.length) return Promise.resolve([]);
    return this.db
      .selectFrom('teams')
      .selectAll()
      .where((eb) => eb.or([eb('id', 'in', values), eb('key', 'in', values)]))
      .execute();
  }

  insertSession(row: { id_hash: string; user_id: string; csrf_token: string; created_at: string; expires_at: string }) {
    return this.db.insertInto('sessions').values(row).execute();
  }

  /** Runs on every request of the web UI. */
  findSession(idHash: string, now: string) {
    return activeSession.executeTakeFirst(this.db, idHash, now);
  }

  deleteSession(idHash: string) {
    return this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  deleteExpiredSessions(now: string) {
    return this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }
}

const activeToken = preparedQuery((db, tokenHash: string, now: string) =>
  db
    .selectFrom('api_tokens')
    .leftJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id', 'api_tokens.name', 'api_tokens.role', 'api_tokens.last_used_at', 'api_tokens.user_id', 'users.name as user_name', 'users.role as user_role', 'users.disabled as user_disabled'])
    .where('api_tokens.token_hash', '=', tokenHash)
    .where('api_tokens.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)])),
);

const activeSession = preparedQuery((db, idHash: string, now: string) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.csrf_token', 'users.id as user_id', 'users.name', 'users.role', 'users.disabled'])
    .where('sessions.id_hash', '=', idHash)
    .where('sessions.expires_at', '>', now),
);
