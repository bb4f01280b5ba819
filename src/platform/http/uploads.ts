import { payloadTooLarge } from '../errors.js';
import type { App } from './server.js';

/**
 * Routes that take a document as-is (SBOMs, feeds): their own scope replaces the JSON/text parsers
 * with one that hands over the raw bytes of any content type, under the upload limit instead of
 * the JSON body limit. Fastify refuses a Content-Length over the limit with 413 before reading the
 * body (authorization has already run in onRequest), and the 413 names the limit.
 */
export function rawUploadRoutes(app: App, maxBytes: number, routes: (scope: App) => void): void {
  void app.register(async (instance) => {
    const scope = instance as unknown as App;
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error) => {
      throw (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? payloadTooLarge(maxBytes) : error;
    });
    routes(scope);
  });
}

/** The raw body of a route registered through rawUploadRoutes (empty when none was sent). */
export function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}
