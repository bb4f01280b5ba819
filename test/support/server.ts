import { Writable } from 'node:stream';
import type { Dialect } from '../../src/platform/db/database.js';
import { createTestDatabase, type TestDatabase } from '../../src/platform/db/test-support/engines.js';
import { loadConfig } from '../../src/app/config.js';
import { buildHttp, createWorker, openThirdwatch, type Thirdwatch } from '../../src/app/thirdwatch.js';
import { createLogger } from '../../src/platform/logger.js';
import { ROLES, type Role } from '../../src/platform/auth/roles.js';
import { systemContext } from '../../src/platform/context.js';
import type { App } from '../../src/platform/http/server.js';

export interface TestServer {
  url: string;
  app: App;
  tw: Thirdwatch;
  database: TestDatabase;
  /** One token per role, created at start. */
  tokens: Record<Role, string>;
  /** fetch against the server with a role's bearer token (default admin). */
  api(path: string, init?: RequestInit & { role?: Role | null; json?: unknown }): Promise<Response>;
  /** Everything the server logged, for asserting that secrets never appear. */
  logs(): string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Directory of a built web UI to serve at / (e.g. web/dist); by default none is served. */
  webRoot?: string;
  /** A migrated database of this engine that something else (a CLI run) has written to; by default a fresh one. */
  database?: TestDatabase;
}

/** A real Thirdwatch HTTP server on an ephemeral port over a fresh database of the given engine. */
export async function startTestServer(engine: Dialect, env: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase(engine));
  const config = loadConfig({ THIRDWATCH_DATABASE_URL: database.url, THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-test', THIRDWATCH_LOG_LEVEL: 'info', ...env });
  let logText = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logText += chunk.toString();
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  await database.close();
  const tw = await openThirdwatch(config, logger, { migrate: false });
  const { app } = await buildHttp(tw, { webRoot: options.webRoot ?? '/nonexistent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) {
    tokens[role] = (await tw.services.access.createToken({ name: `test-${role}`, role }, systemContext('test'))).token;
  }
  return {
    url,
    app,
    tw,
    database,
    tokens,
    api(path, init = {}) {
      const { role = 'admin', json, headers, ...rest } = init;
      const h = new Headers(headers);
      if (role) h.set('authorization', `Bearer ${tokens[role]}`);
      if (json !== undefined) h.set('content-type', 'application/json');
      return fetch(`${url}${path}`, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
    logs: () => logText,
    async close() {
      await app.close();
      await tw.close();
    },
  };
}

export { createWorker };
