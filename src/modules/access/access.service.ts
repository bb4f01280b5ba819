import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../../app/config.js';
import { recordAudit } from '../../platform/audit/audit.js';
import { failuresInWindow, recordFailure, secondsUntilNextWindow } from '../../platform/auth/failures.js';
import { isRole, narrowerRole, type Role } from '../../platform/auth/roles.js';
import { hashPassword, hashSecret, newSecret, verifyPassword } from '../../platform/auth/secrets.js';
import type { DB } from '../../platform/db/schema.js';
import type { Actor, RequestContext } from '../../platform/context.js';
import { conflict, invalidField, notFound, rateLimited, unauthorized } from '../../platform/errors.js';
import type { Authenticated, Authenticator, Credentials } from '../../platform/http/auth-hook.js';
import { newId } from '../../platform/ids.js';
import { AccessRepository } from './access.repository.js';

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** last_used_at is a hint for humans; writing it on every request would turn reads into writes. */
const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export interface NewToken {
  name: string;
  role: Role;
  expiresInDays?: number;
  userId?: string | null;
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password?: string;
  teams?: string[];
}

/** Portal session tokens (twp_...) and vendor API tokens (twv_...) are the portal module's: it says which vendor one acts for. */
export interface PortalSessions {
  authenticate(token: string): Promise<Actor | null>;
}

export class AccessService implements Authenticator {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: Pick<Config, 'authFailuresPerMinute'>,
    private readonly portal?: PortalSessions,
  ) {}

  private repo(executor: Kysely<DB> = this.db) {
    return new AccessRepository(executor);
  }

  async authenticate(credentials: Credentials): Promise<Authenticated | null> {
    const now = new Date().toISOString();
    if (credentials.bearer?.startsWith('twp_') || credentials.bearer?.startsWith('twv_')) {
      const actor = this.portal ? await this.portal.authenticate(credentials.bearer) : null;
      return actor ? { actor, csrfToken: null } : null;
    }
    if (credentials.bearer) {
      const token = await this.repo().findActiveToken(hashSecret(credentials.bearer), now);
      if (!token || token.user_disabled === 1 || !isRole(token.role)) return null;
      // A user's token acts with at most the user's current role (read on every request, so a
      // demotion applies at once); a token whose user no longer exists acts for no one.
      if (token.user_id !== null && (token.user_role === null || !isRole(token.user_role))) return null;
      const role = token.user_role !== null && isRole(token.user_role) ? narrowerRole(token.role, token.user_role) : token.role;
      if (!token.last_used_at || Date.parse(token.last_used_at) < Date.now() - TOKEN_TOUCH_INTERVAL_MS) {
        await this.repo().touchToken(token.id, now);
      }
      const actorName = token.user_name ? `${token.user_name} (token ${token.name})` : `token:${token.name}`;
      return { actor: { type: 'token', id: token.id, name: actorName, role }, csrfToken: null };
    }
    if (credentials.session) {
      const session = await this.repo().findSession(hashSecret(credentials.session), now);
      if (!session || session.disabled === 1 || !isRole(session.role)) return null;
      return { actor: { type: 'user', id: session.user_id, name: session.name, role: session.role }, csrfToken: session.csrf_token };
    }
    return null;
  }

  async assertNotThrottled(clientKey: string): Promise<void> {
    if ((await failuresInWindow(this.db, clientKey)) >= this.config.authFailuresPerMinute) {
      throw rateLimited(secondsUntilNextWindow());
    }
  }

  async recordFailure(clientKey: string): Promise<void> {
    await recordFailure(this.db, clientKey);
  }

  /** On an empty database, mints the first admin token so a new install can be entered at all. */
  async bootstrapAdminToken(): Promise<string | null> {
    return this.db.transaction().execute(async (trx) => {
      if ((await this.repo(trx).countCredentials()) > 0) return null;
      const { token } = await this.createTokenIn(trx, { name: 'initial admin', role: 'admin' }, {
        actor: { type: 'system', id: null, name: 'bootstrap', role: 'admin' },
        requestId: null,
      });
      return token;
    });
  }

  async createToken(input: NewToken, ctx: RequestContext) {
    return this.db.transaction().execute((trx) => this.createTokenIn(trx, input, ctx));
  }

  private async createTokenIn(trx: Kysely<DB>, input: NewToken, ctx: RequestContext) {
    if (!isRole(input.role)) throw invalidField('role', `must be one of admin, analyst, responder, viewer, auditor`);
    const token = newSecret('tw');
    const now = new Date();
    const row = {
      id: newId(),
      name: input.name,
      role: input.role,
      token_hash: hashSecret(token),
      prefix: token.slice(0, 10),
      user_id: input.userId ?? null,
      created_by: ctx.actor.name,
      created_at: now.toISOString(),
      last_used_at: null,
      expires_at: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString() : null,
      revoked_at: null,
    };
    await this.repo(trx).insertToken(row);
    const { token_hash: _secret, ...visible } = row;
    await recordAudit(trx, ctx, { action: 'token.create', entityType: 'api_token', entityId: row.id, after: visible });
    return { token, record: presentToken(visible) };
  }

  async listTokens() {
    return (await this.repo().listTokens()).map(presentToken);
  }

  async revokeToken(id: string, ctx: RequestContext) {
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const before = await repo.findToken(id);
      if (!before) throw notFound('token', id);
      if (before.revoked_at) return presentToken(before);
      const now = new Date().toISOString();
      await repo.revokeToken(id, now);
      const after = { ...before, revoked_at: now };
      await recordAudit(trx, ctx, { action: 'token.revoke', entityType: 'api_token', entityId: id, before, after });
      return presentToken(after);
    });
  }

  async createUser(input: NewUser, ctx: RequestContext) {
    const email = input.email.trim().toLowerCase();
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      if (await repo.findUserByEmail(email)) throw conflict(`a user with e-mail ${email} exists`, [{ field: '/email', reason: 'is taken' }]);
      const teams = await this.resolveTeams(repo, input.teams ?? []);
      const now = new Date().toISOString();
      const row = { id: newId(), email, name: input.name, password_hash: passwordHash, role: input.role, disabled: 0, created_at: now, updated_at: now };
      await repo.insertUser(row);
      await repo.setTeams(row.id, teams.map((t) => t.id));
      const user = presentUser(row, teams.map((t) => t.key));
      await recordAudit(trx, ctx, { action: 'user.create', entityType: 'user', entityId: row.id, after: user });
      return user;
    });
  }

  async updateUser(id: string, changes: { name?: string; role?: Role; disabled?: boolean; password?: string; teams?: string[] }, ctx: RequestContext) {
    const passwordHash = changes.password ? await hashPassword(changes.password) : undefined;
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const existing = await repo.findUser(id);
      if (!existing) throw notFound('user', id);
      const beforeTeams = (await repo.teamIdsOf(id)).map((t) => t.team_id);
      const before = presentUser(existing, beforeTeams);
      const set = {
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
        ...(passwordHash ? { password_hash: passwordHash } : {}),
        updated_at: new Date().toISOString(),
      };
      await repo.updateUser(id, set);
      let teamKeys = beforeTeams;
      if (changes.teams) {
        const teams = await this.resolveTeams(repo, changes.teams);
        await repo.setTeams(id, teams.map((t) => t.id));
        teamKeys = teams.map((t) => t.key);
      }
      const after = presentUser({ ...existing, ...set }, teamKeys);
      await recordAudit(trx, ctx, { action: 'user.update', entityType: 'user', entityId: id, before, after });
      return after;
    });
  }

  private async resolveTeams(repo: AccessRepository, values: string[]) {
    const teams = await repo.findTeamsByKeyOrId(values);
    const missing = values.filter((v) => !teams.some((t) => t.id === v || t.key === v));
    if (missing.length) throw invalidField('/teams', `unknown team ${missing.join(', ')}`);
    return teams;
  }

  async listUsers() {
    return (await this.repo().listUsers()).map((u) => presentUser(u, undefined));
  }

  async listTeams() {
    return (await this.repo().listTeams()).map((t) => ({ id: t.id, key: t.key, name: t.name }));
  }

  /** Password sign-in for the web UI: a session id for the cookie and a CSRF token for writes. */
  async login(email: string, password: string, clientKey: string) {
    await this.assertNotThrottled(clientKey);
    const user = await this.repo().findUserByEmail(email.trim().toLowerCase());
    // Without an account to check, hash anyway: an early answer would tell which e-mails have accounts.
    const valid = user?.password_hash && user.disabled === 0 ? await verifyPassword(password, user.password_hash) : await verifyPassword(password, await dummyHash()).then(() => false);
    if (!user || !valid) {
      await this.recordFailure(clientKey);
      throw unauthorized('e-mail or password is wrong');
    }
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = new Date();
    await this.db.transaction().execute(async (trx) => {
      await this.repo(trx).deleteExpiredSessions(now.toISOString());
      await this.repo(trx).insertSession({
        id_hash: hashSecret(sessionId),
        user_id: user.id,
        csrf_token: csrfToken,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
      });
      await recordAudit(trx, { actor: { type: 'user', id: user.id, name: user.name, role: user.role as Role }, requestId: null }, {
        action: 'session.login',
        entityType: 'user',
        entityId: user.id,
      });
    });
    return { sessionId, csrfToken, maxAgeSeconds: SESSION_TTL_MS / 1000 };
  }

  async logout(sessionId: string) {
    await this.repo().deleteSession(hashSecret(sessionId));
  }
}

let dummy: Promise<string> | null = null;
const dummyHash = () => (dummy ??= hashPassword('thirdwatch timing equaliser'));

type TokenView = { id: string; name: string; role: string; prefix: string; user_id: string | null; created_by: string | null; created_at: string; last_used_at: string | null; expires_at: string | null; revoked_at: string | null };

export function presentToken(t: TokenView) {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    prefix: t.prefix,
    userId: t.user_id,
    createdBy: t.created_by,
    createdAt: t.created_at,
    lastUsedAt: t.last_used_at,
    expiresAt: t.expires_at,
    revokedAt: t.revoked_at,
  };
}

function presentUser(u: { id: string; email: string; name: string; role: string; disabled: number; created_at: string; updated_at: string }, teams: string[] | undefined) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: u.disabled === 1,
    ...(teams ? { teams } : {}),
    createdAt: u.created_at,
    updatedAt: u.updated_at,
  };
}
