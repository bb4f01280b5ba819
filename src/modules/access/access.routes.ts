import { Type } from 'typebox';
import { grantsOf } from '../../platform/auth/roles.js';
import { credentialsOf, SESSION_COOKIE } from '../../platform/http/auth-hook.js';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import type { AccessService } from './access.service.js';
import {
  CreatedToken,
  CreateTokenBody,
  CreateUserBody,
  IdParams,
  LoginBody,
  SessionSchema,
  TeamSchema,
  TokenSchema,
  UpdateUserBody,
  UserSchema,
} from './access.schemas.js';

export function accessRoutes(app: App, access: AccessService, options: { secureCookies: boolean }): void {
  const tags = ['access'];
  // Logout clears the cookie with the attributes it was set with, or browsers keep the original.
  const sessionCookie = { httpOnly: true, sameSite: 'strict', secure: options.secureCookies, path: '/' } as const;

  app.post('/api/v1/auth/login', {
    config: { public: true },
    schema: { tags, summary: 'Sign in with e-mail and password (sets the session cookie)', body: LoginBody, response: { 200: SessionSchema } },
  }, async (request, reply) => {
    const session = await access.login(request.body.email, request.body.password, request.ip);
    reply.setCookie(SESSION_COOKIE, session.sessionId, { ...sessionCookie, maxAge: session.maxAgeSeconds });
    const authenticated = await access.authenticate({ bearer: null, session: session.sessionId, clientKey: request.ip });
    const actor = authenticated!.actor;
    return { actor, permissions: [...grantsOf(actor.role)], csrfToken: session.csrfToken };
  });

  app.post('/api/v1/auth/logout', {
    config: { public: true },
    schema: { tags, summary: 'End the current session', response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const { session } = credentialsOf(request);
    if (session) await access.logout(session);
    reply.clearCookie(SESSION_COOKIE, sessionCookie);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/auth/session', {
    config: { permission: 'read' },
    schema: { tags, summary: 'Who am I: actor, permissions and the CSRF token for session writes', response: { 200: SessionSchema } },
  }, async (request) => {
    const authenticated = await access.authenticate(credentialsOf(request));
    return { actor: request.ctx.actor, permissions: [...grantsOf(request.ctx.actor.role)], csrfToken: authenticated?.csrfToken ?? null };
  });

  app.get('/api/v1/tokens', {
    config: { permission: 'tokens:manage' },
    schema: { tags, summary: 'List API tokens (never their secrets)', response: { 200: Page(TokenSchema) } },
  }, async () => ({ items: await access.listTokens(), nextCursor: null }));

  app.post('/api/v1/tokens', {
    config: { permission: 'tokens:manage' },
    schema: { tags, summary: 'Create an API token; the secret is returned once', body: CreateTokenBody, response: { 201: CreatedToken } },
  }, async (request, reply) => reply.status(201).send(await access.createToken(request.body, request.ctx)));

  app.delete('/api/v1/tokens/:id', {
    config: { permission: 'tokens:manage' },
    schema: { tags, summary: 'Revoke an API token', params: IdParams, response: { 200: TokenSchema } },
  }, async (request) => access.revokeToken(request.params.id, request.ctx));

  app.get('/api/v1/users', {
    config: { permission: 'users:manage' },
    schema: { tags, summary: 'List users', response: { 200: Page(UserSchema) } },
  }, async () => ({ items: await access.listUsers(), nextCursor: null }));

  app.post('/api/v1/users', {
    config: { permission: 'users:manage' },
    schema: { tags, summary: 'Create a user', body: CreateUserBody, response: { 201: UserSchema } },
  }, async (request, reply) => reply.status(201).send(await access.createUser(request.body, request.ctx)));

  app.patch('/api/v1/users/:id', {
    config: { permission: 'users:manage' },
    schema: { tags, summary: 'Change a user (role, teams, password, disabled)', params: IdParams, body: UpdateUserBody, response: { 200: UserSchema } },
  }, async (request) => access.updateUser(request.params.id, request.body, request.ctx));

  app.get('/api/v1/teams', {
    config: { permission: 'read' },
    schema: { tags, summary: 'List teams', response: { 200: Page(TeamSchema) } },
  }, async () => ({ items: await access.listTeams(), nextCursor: null }));
}
