import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { Page } from '../../platform/http/pagination.js';
import type { App } from '../../platform/http/server.js';
import { streamBody } from '../../platform/http/uploads.js';
import { lineParser, maxLineBytes, readLines } from './parsers/index.js';
import { ocsfActivity, ocsfFindings } from './ingest.ocsf.js';
import { DetectionsQuery, EgressEventSchema, EventIdParams, EventsQuery, IngestResult } from './ingest.schemas.js';
import type { EgressEventView, EgressIngestService } from './ingest.service.js';

const NDJSON = 'application/x-ndjson';

/**
 * JSON lines out, one object a line, read from the database a page at a time. Typed as the text the
 * response schema describes: Fastify sends a stream as it comes, without serializing it.
 */
function jsonLines(rows: AsyncIterable<EgressEventView>, toObjects: (event: EgressEventView) => Array<Record<string, unknown>>): string {
  return Readable.from(
    (async function* () {
      for await (const event of rows) for (const object of toObjects(event)) yield `${JSON.stringify(object)}\n`;
    })(),
  ) as unknown as string;
}

export function egressIngestRoutes(app: App, ingest: EgressIngestService, options: { version: string }): void {
  const tags = ['egress'];

  // NDJSON bodies are read as a stream, line by line, so a large upload is never held whole.
  void app.register(async (instance) => {
    const scope = instance as unknown as App;
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser([NDJSON, 'application/jsonl', 'application/json-seq'], (_request, payload, done) => done(null, payload));
    scope.post('/api/v1/egress/events', {
      config: { permission: 'egress:write' },
      schema: {
        tags,
        summary: 'Ingest egress events as JSON lines (application/x-ndjson, the format of docs/egress-jsonl.md)',
        description:
          'Each line is one event: `at` and `url` or `host`, the rest optional. A line carrying `body` (base64) is scanned for personal data and the body dropped. Lines are stored in batches as they arrive; a bad line is answered under `rejected` with its number, the field and why, and the rest is stored.',
        response: { 200: IngestResult },
      },
    }, async (request) => {
      const report = await ingest.ingestLines(readLines(streamBody(request.body), { maxBytes: maxLineBytes('jsonl') }), lineParser('jsonl'), request.ctx, { lastLineComplete: true });
      await ingest.recordIngestion(request.ctx, { via: 'api', accepted: report.accepted, rejected: report.rejectedCount });
      return { accepted: report.accepted, skipped: report.skipped, rejected: report.rejected, rejectedCount: report.rejectedCount };
    });
  });

  app.get('/api/v1/egress/events', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Raw egress events (kept for the retention window), newest first; or all matching as OCSF JSON lines',
      querystring: EventsQuery,
      response: {
        200: {
          content: {
            'application/json': { schema: Page(EgressEventSchema) },
            [NDJSON]: { schema: Type.String({ description: 'format=ocsf: one OCSF 1.4.0 event a line' }) },
          },
        },
      },
    },
  }, async (request, reply) => {
    const { format, limit, cursor, ...filters } = request.query;
    if (format === 'ocsf') {
      return reply
        .type(NDJSON)
        .header('content-disposition', 'attachment; filename="egress-events.ocsf.jsonl"')
        .send(jsonLines(ingest.all(filters), (event) => [ocsfActivity(event, options.version)]));
    }
    return ingest.list({ ...filters, limit, cursor });
  });

  app.get('/api/v1/egress/events/:id', {
    config: { permission: 'read' },
    schema: { tags, summary: 'One egress event (the reference on a block page)', params: EventIdParams, response: { 200: EgressEventSchema } },
  }, async (request) => ingest.get(request.params.id));

  app.get('/api/v1/egress/detections', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Egress events whose request body carried personal data; or as OCSF Data Security Findings (JSON lines)',
      querystring: DetectionsQuery,
      response: {
        200: {
          content: {
            'application/json': { schema: Page(EgressEventSchema) },
            [NDJSON]: { schema: Type.String({ description: 'format=ocsf: one OCSF 1.4.0 Data Security Finding a line' }) },
          },
        },
      },
    },
  }, async (request, reply) => {
    const { format, limit, cursor, ...filters } = request.query;
    if (format === 'ocsf') {
      return reply
        .type(NDJSON)
        .header('content-disposition', 'attachment; filename="egress-detections.ocsf.jsonl"')
        .send(jsonLines(ingest.all(filters, { detected: true }), (event) => ocsfFindings(event, options.version)));
    }
    return ingest.list({ ...filters, limit, cursor }, { detected: true });
  });
}
