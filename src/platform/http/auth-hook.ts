import type { FastifyRequest } from 'fastify';
import type { App } from './server.js';
import { can } from '../auth/roles.js';
import type { Actor } from '../context.js';
import { AppError, forbidden, unauthorized } from '../errors.js';

export const SESSION_COOKIE = 'tw_session';

export interface Credentials {
  bearer: string | null;
  session: string | null;
  clientKey: string;
}

export interface Authenticated {
  actor: Actor;
  /** Present for cookie sessions: unsafe methods must echo it in X-CSRF-Token. */
  csrfToken: string | null;
}

/** Implemented by the access module; the HTTP layer only asks "who is this?". */
export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Authenticated | null>;
  /** Fails with 429 while a client is over its auth-failure budget. */
  assertNotThrottled(clientKey: string): Promise<void>;
  recordFailure(clientKey: string): Promise<void>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function credentialsOf(request: FastifyRequest): Credentials {
  const header = request.headers.authorization;
  const bearer = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : null;
  return { bearer, session: request.cookies?.[SESSION_COOKIE] ?? null, clientKey: request.ip };
}

/**
 * Authentication and authorization run in onRequest, before the body is read or validated, so an
 * anonymous or under-privileged caller learns nothing about a route's input rules.
 */
export function installAuthHook(app: App, authenticator: Authenticator): void {
  app.decorateRequest('ctx', null as never);
  app.addHook('onRequest', async (request) => {
    const routeConfig = request.routeOptions.config as { permission?: Parameters<typeof can>[1]; public?: boolean };
    const permission = routeConfig?.permission;
    if (!permission) return;
    const credentials = credentialsOf(request);
    const result = credentials.bearer || credentials.session ? await authenticator.authenticate(credentials) : null;
    if (!result) {
      // Only failures are counted and throttled: valid credentials never pay for the check, and a
      // client guessing tokens gets 429 once over its budget.
      if (credentials.bearer || credentials.session) {
        await authenticator.assertNotThrottled(credentials.clientKey);
        await authenticator.recordFailure(credentials.clientKey);
      }
      throw unauthorized();
    }
    if (result.csrfToken && !SAFE_METHODS.has(request.method) && request.headers['x-csrf-token'] !== result.csrfToken) {
      throw new AppError('csrf_token_invalid', 'this session request needs the X-CSRF-Token header from GET /api/v1/auth/session');
    }
    if (!can(result.actor.role, permission)) {
      throw forbidden(`role ${result.actor.role} lacks the ${permission} permission`);
    }
    request.ctx = { actor: result.actor, requestId: request.id };
  });
}
