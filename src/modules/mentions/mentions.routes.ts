import type { App } from '../../platform/http/server.js';
import { rawBody, rawUploadRoutes } from '../../platform/http/uploads.js';
import { Page } from '../../platform/http/pagination.js';
import { MIN_CONFIDENCE } from './mentions.matcher.js';
import { ListMentionsQuery, MentionIdParams, MentionImportReportSchema, MentionSchema, TriageMentionBody } from './mentions.schemas.js';
import type { MentionService } from './mentions.service.js';

export function mentionRoutes(app: App, mentions: MentionService, options: { maxUploadBytes: number }): void {
  const tags = ['mentions'];

  rawUploadRoutes(app, options.maxUploadBytes, (scope) => {
    scope.post('/api/v1/feeds/mentions/import', {
      config: { permission: 'inventory:write' },
      bodyLimit: options.maxUploadBytes,
      schema: {
        tags: ['feeds', ...tags],
        summary: 'Import a mentions feed: JSON lines of breach, leak-site and forum posts that name vendors',
        description: [
          'One JSON object per line: source and title required; text, url, published (ISO 8601), names and domains (what the post names) and id (the feed\'s post id) optional. Blank lines and lines starting with # are skipped.',
          `Each post is matched to vendors by registrable domain (public-suffix aware) and by name and aliases (exact after normalisation, fuzzy by character-pair similarity, or written in the title or text); each match carries a confidence and its explanation, and matches under ${MIN_CONFIDENCE} are dropped. Only metadata, a 300-character excerpt and the text's SHA-256 and length are stored, never the post.`,
          'A re-imported post (same source and id, else url, else title and date) updates its row and keeps its triage. A bad line is reported in errors ("line N") and the others import: 200 when every line imported, 207 otherwise. A body that is not UTF-8 text answers 400 and stores nothing; one over the upload limit 413.',
        ].join('\n\n'),
        response: { 200: MentionImportReportSchema, 207: MentionImportReportSchema },
      },
    }, async (request, reply) => {
      const report = await mentions.importBuffer(rawBody(request.body), request.ctx);
      return reply.status(report.errors.length ? 207 : 200).send(report);
    });
  });

  app.get('/api/v1/mentions', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Mentions to triage (new by default), newest import first, with their vendor matches and confidence',
      querystring: ListMentionsQuery,
      response: { 200: Page(MentionSchema) },
    },
  }, async (request) => mentions.list(request.query));

  app.get('/api/v1/mentions/:id', {
    config: { permission: 'read' },
    schema: { tags, summary: 'A mention with its matches', params: MentionIdParams, response: { 200: MentionSchema } },
  }, async (request) => mentions.get(request.params.id));

  app.patch('/api/v1/mentions/:id', {
    config: { permission: 'risks:write' },
    schema: {
      tags,
      summary: 'Triage a mention: relevant raises a risk in the register (source mention), not relevant closes it again',
      params: MentionIdParams,
      body: TriageMentionBody,
      response: { 200: MentionSchema },
    },
  }, async (request) => mentions.triage(request.params.id, request.body, request.ctx));
}
