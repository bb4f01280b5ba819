import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { coercingAjv, strictAjv } from '../validation.js';
import type { Logger } from 'pino';
import type { Config } from '../../app/config.js';
import { redactUrl } from '../outbound.js';
import type { Permission } from '../auth/roles.js';
import type { RequestContext } from '../context.js';
import { newId } from '../ids.js';
import { invalidField } from '../errors.js';
import { decodeUtf8, findUnstorable } from '../text.js';
import { answerClientError, toProblem, sendProblem } from './problem.js';
import { securityHeaders } from './headers.js';
import { createServerWithTimeouts, installBodyIdleTimeout } from './timeouts.js';
import { installAuthHook, type Authenticator } from './auth-hook.js';
import { responseSerializerCompiler } from './serialization.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The one permission this route requires; routes without it must say `public: true`. */
    permission?: Permission;
    public?: boolean;
  }
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

export type App = FastifyInstance<any, any, any, Logger, TypeBoxTypeProvider>;

export interface RouteInfo {
  method: string;
  url: string;
  permission: Permission | null;
}

export interface HttpServerOptions {
  config: Config;
  logger: Logger;
  authenticator: Authenticator;
  /** Built web UI (web/dist); served at / when present. */
  webRoot?: string;
  version: string;
}

/**
 * One line per answered request (Fastify's default writes two). The UI's files and health probes
 * log at debug only, so a browser loading the app or a load balancer polling does not bury the
 * startup output (the first admin token) under request lines. Failed requests keep Fastify's line.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) return super.requestCompleted(error, request, reply);
    const level = request.url.startsWith('/api/') ? 'info' : 'debug';
    // Nothing to build when the line would not be written (a server at warn under load).
    if (!(reply.log as Logger).isLevelEnabled(level)) return;
    // A page address may carry a secret (the portal's /portal?token= link form): logged without it.
    reply.log[level]({ method: request.method, url: redactUrl(request.url), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export async function createHttpServer(options: HttpServerOptions): Promise<{ app: App; routes: RouteInfo[] }> {
  const { config, logger } = options;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.maxBodyBytes,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    },
    ajv: { customOptions: { removeAdditional: false } },
    trustProxy: false,
    logController: new OneLinePerRequest(),
    // Errors before a request exists (431 headers too large, 408, malformed HTTP) are problem+json too.
    clientErrorHandler: answerClientError,
    serverFactory: createServerWithTimeouts(config),
    // The router's own refusals (a path with bad percent-encoding, an over-long parameter) are problems too.
    frameworkErrors: (error, request, reply) => sendProblem(reply, toProblem(error, request)),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // Bodies are validated strictly (no coercion, unknown fields rejected); query and path parameters are coerced from text.
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv.compile(schema) : coercingAjv.compile(schema)));
  app.setSerializerCompiler(responseSerializerCompiler);

  // Every route the app registers (documentation and UI routes too), so the authorization test
  // can compare the whole table with its declared expectations.
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    const cfg = (route.config ?? {}) as { permission?: Permission; public?: boolean };
    if (route.url.startsWith('/api/v1') && !cfg.permission && !cfg.public) throw new Error(`route ${route.method} ${route.url} declares neither a permission nor public`);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, permission: cfg.permission ?? null });
    }
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.headers(securityHeaders(reply.getHeader('content-type') as string | undefined, request.url, reply.statusCode));
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    const headers = (error as { headers?: Record<string, string> }).headers ?? {};
    return sendProblem(reply, problem, headers);
  });

  // Bodies are decoded strictly: invalid UTF-8 is a 400 naming the byte offset, never U+FFFD.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8(body as Buffer);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, text, done);
  });
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, decodeUtf8(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Thirdwatch API',
        version: options.version,
        description: 'Third-party and software-supply-chain risk. Errors are RFC 9457 problem+json; lists paginate with limit and an opaque cursor.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // Its Content-Security-Policy comes from headers.ts like every other answer's.
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  installBodyIdleTimeout(app, config.bodyIdleTimeoutMs);
  installAuthHook(app, options.authenticator);

  // Strings that cannot be stored as written (U+0000, unpaired surrogates) are refused up front in
  // parameters and structured bodies, naming the field, the same on both engines.
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['params', request.params], ['querystring', request.query]] as const) {
      const found = findUnstorable(value);
      if (found !== null) throw invalidField(found.field.replace(/^\//, '') || part, found.reason);
    }
    if (request.routeOptions.schema?.body || typeof request.body === 'string') {
      const found = findUnstorable(request.body);
      if (found !== null) throw invalidField(found.field || '/', found.reason);
    }
  });

  if (options.webRoot) {
    // Registered even before the UI is built: wildcard routing looks files up per request, so a UI
    // built (or rebuilt) while the server runs is served without a restart.
    await app.register(fastifyStatic, { root: options.webRoot, prefix: '/', wildcard: true, index: ['index.html'] });
  }
  const uiBuilt = () => options.webRoot !== undefined && existsSync(join(options.webRoot, 'index.html'));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const isApi = path.startsWith('/api/') || path === '/healthz';
    // Paths with a file extension are assets: a missing one is a 404, never the app shell.
    const isAsset = /\.[a-z0-9]+$/i.test(path);
    if (!isApi && !isAsset && request.method === 'GET' && uiBuilt()) {
      // The UI routes on the client: every unknown page path gets the app shell.
      return reply.type('text/html').sendFile('index.html');
    }
    return sendProblem(reply, {
      type: 'https://thirdwatch.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: !isApi && !isAsset && options.webRoot && !uiBuilt() ? `no route ${request.method} ${path}: the web UI is not built (run \`npm run build:web\`)` : `no route ${request.method} ${path}`,
      instance: path,
      requestId: request.id,
    });
  });

  return { app, routes };
}
