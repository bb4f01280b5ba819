import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import { ListMentionsQuery, MentionIdParams, MentionSchema, TriageMentionBody } from './mentions.schemas.js';
import type { MentionService } from './mentions.service.js';

export function mentionRoutes(app: App, mentions: MentionService): void {
  const tags = ['mentions'];

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
