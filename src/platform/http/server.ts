import { existsSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { coercingAjv, strictAjv } from '../validation.js';
import type { Logger } from 'pino';
import type { Config } from '../../app/config.js';
import type { Permission } from '../auth/roles.js';
import type { RequestContext } from '../context.js';
import { newId } from '../ids.js';
import { invalidField } from '../errors.js';
import { toProblem, sendProblem } from './problem.js';
import { installAuthHook, type Authenticator } from './auth-hook.js';

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
    disableRequestLogging: true,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // Bodies are validated strictly (no coercion, unknown fields rejected); query and path parameters are coerced from text.
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv.compile(schema) : coercingAjv.compile(schema)));

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
  });

  // One line per answered request (Fastify's default writes two). The UI's files and health
  // probes log at debug only, so a browser loading the app or a load balancer polling does not
  // bury the startup output (the first admin token) under request lines.
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0];
    const level = path.startsWith('/api/') ? 'info' : 'debug';
    request.log[level]({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    const headers = (error as { headers?: Record<string, string> }).headers ?? {};
    return sendProblem(reply, problem, headers);
  });

  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

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
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  installAuthHook(app, options.authenticator);

  // PostgreSQL text cannot hold U+0000 (the write fails: a 500) and SQLite's LIKE stops at it (a
  // search for "\0" matches everything): refuse it in parameters and structured bodies up front.
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['params', request.params], ['querystring', request.query]] as const) {
      const found = findNul(value);
      if (found !== null) throw invalidField(found.replace(/^\//, '') || part, NUL_REASON);
    }
    if (request.routeOptions.schema?.body || typeof request.body === 'string') {
      const found = findNul(request.body);
      if (found !== null) throw invalidField(found || '/', NUL_REASON);
    }
  });

  if (options.webRoot && existsSync(options.webRoot)) {
    // wildcard routing looks files up per request, so a rebuilt UI is served without a restart.
    await app.register(fastifyStatic, { root: options.webRoot, prefix: '/', wildcard: true, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const isApi = path.startsWith('/api/') || path === '/healthz';
    // Paths with a file extension are assets: a missing one is a 404, never the app shell.
    const isAsset = /\.[a-z0-9]+$/i.test(path);
    if (!isApi && !isAsset && request.method === 'GET' && options.webRoot && existsSync(options.webRoot)) {
      // The UI routes on the client: every unknown page path gets the app shell.
      return reply.type('text/html').sendFile('index.html');
    }
    return sendProblem(reply, {
      type: 'https://thirdwatch.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: `no route ${request.method} ${path}`,
      instance: path,
      requestId: request.id,
    });
  });

  return { app, routes };
}

const NUL_REASON = 'must not contain the NUL character (U+0000)';

/** JSON pointer of a string (or key) holding U+0000, or null; iterative, so deep nesting cannot overflow the stack. */
function findNul(root: unknown): string | null {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}/${i}`]);
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const [key, child] of Object.entries(value)) {
        const pointer = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (key.includes('\u0000')) return pointer;
        stack.push([child, pointer]);
      }
    }
  }
  return null;
}
