import { invalidField, payloadTooLarge, validationError } from '../errors.js';
import { findUnstorableJsonEscape, invalidUtf8Offset, notUtf8 } from '../text.js';
import type { App } from './server.js';

/**
 * Routes that take a document as-is (SBOMs, feeds): their own scope replaces the JSON/text parsers
 * with one that hands over the raw bytes of any content type, under the upload limit instead of
 * the JSON body limit. Fastify refuses a Content-Length over the limit with 413 before reading the
 * body (authorization has already run in onRequest), and the 413 names the limit. `check` is the
 * edge check of the bytes (by default checkDocumentText; binary uploads such as evidence files
 * pass their own, or none, and are checked by the service that knows their kinds).
 */
export function rawUploadRoutes(app: App, maxBytes: number, routes: (scope: App) => void, check: ((body: Buffer) => void) | null = checkDocumentText): void {
  void app.register(async (instance) => {
    const scope = instance as unknown as App;
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => {
      try {
        check?.(body as Buffer);
        done(null, body);
      } catch (error) {
        done(error as Error, undefined);
      }
    });
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

const UTF16 = [new TextDecoder('utf-16le', { fatal: true }), new TextDecoder('utf-16be', { fatal: true })] as const;

/**
 * The edge check of an uploaded document, before anything parses, stores or enqueues it: archives
 * (zip, gzip) pass as bytes; text must be well-formed UTF-8 (or UTF-16 with its byte-order mark),
 * hold no NUL byte, and, in JSON, no escape that decodes to NUL or an unpaired surrogate. Each
 * problem is a 400 naming the byte offset.
 */
export function checkDocumentText(body: Buffer): void {
  if (isArchive(body)) return;
  if ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff)) {
    try {
      UTF16[body[0] === 0xff ? 0 : 1].decode(body);
    } catch {
      throw invalidField('/', 'the document starts with a UTF-16 byte-order mark but is not valid UTF-16');
    }
    return;
  }
  if (invalidUtf8Offset(body) !== -1) throw notUtf8(body, 'the document');
  const nul = body.indexOf(0);
  if (nul !== -1) throw byteProblem(nul, 'must not contain the NUL character (U+0000)');
  const start = body.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0xef && b !== 0xbb && b !== 0xbf);
  if (body[start] === 0x7b || body[start] === 0x5b) {
    const escape = findUnstorableJsonEscape(body);
    if (escape) throw byteProblem(escape.offset, escape.reason);
  }
}

function byteProblem(offset: number, reason: string) {
  return validationError(`the document at byte offset ${offset}: ${reason}`, [{ field: `byte ${offset}`, reason }]);
}

function isArchive(bytes: Uint8Array): boolean {
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05);
  const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  return zip || gzip;
}

/**
 * Routes that take a large binary as-is (artifacts to check): the body reaches the handler as the
 * request stream, never buffered whole, so the handler can hash or copy it chunk by chunk. A
 * Content-Length over `maxBytes` is refused with 413 before anything is read; a body without one
 * is held to the limit by its reader (see hashStream). The headers, request and body-idle timeouts
 * apply as to every request.
 */
export function streamUploadRoutes(app: App, maxBytes: number, routes: (scope: App) => void): void {
  void app.register(async (instance) => {
    const scope = instance as unknown as App;
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.addHook('preValidation', async (request) => {
      const length = Number(request.headers['content-length'] ?? 0);
      if (length > maxBytes) throw payloadTooLarge(maxBytes);
    });
    routes(scope);
  });
}

/** The request stream of a route registered through streamUploadRoutes (empty when no body was sent). */
export function streamBody(body: unknown): AsyncIterable<Buffer> {
  if (body && typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] === 'function') return body as AsyncIterable<Buffer>;
  return (async function* () {})();
}
