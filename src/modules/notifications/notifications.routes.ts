import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import {
  ChannelSchema,
  CreateChannelBody,
  DeliverySchema,
  EventParams,
  IdParams,
  ListDeliveriesQuery,
  ListOutboxQuery,
  OutboxSchema,
  PutTemplateBody,
  TemplateSchema,
  TestResultSchema,
  UpdateChannelBody,
} from './notifications.schemas.js';
import type { NotificationService } from './notifications.service.js';

const List = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item) });

const CHANNELS =
  'Types: webhook (POST of JSON signed with X-Thirdwatch-Signature: sha256=<hex HMAC-SHA256 of "<X-Thirdwatch-Timestamp>.<body>">, plus X-Thirdwatch-Event and X-Thirdwatch-Delivery), email (SMTP, Settings → E-mail), slack (Slack-compatible incoming webhook, { text, blocks }), syslog (RFC 5424 over TCP with octet counting, or UDP). Webhook and Slack targets that are or resolve to loopback, private or link-local addresses are refused unless THIRDWATCH_OUTBOUND_ALLOW_PRIVATE allows them (checked after DNS and on every redirect). Secrets are write-only (***).';

export function notificationRoutes(app: App, notifications: NotificationService): void {
  const tags = ['notifications'];
  const admin = { permission: 'settings:write' as const };

  app.get('/api/v1/notifications/channels', {
    config: admin,
    schema: { tags, summary: 'Notification channels with their newest delivery attempt', description: CHANNELS, response: { 200: List(ChannelSchema) } },
  }, async () => ({ items: await notifications.listChannels() }));

  app.post('/api/v1/notifications/channels', {
    config: admin,
    schema: { tags, summary: 'Add a channel (unique name; events it subscribes to, "*" for all; teams it serves)', description: CHANNELS, body: CreateChannelBody, response: { 201: ChannelSchema } },
  }, async (request, reply) => reply.code(201).send(await notifications.createChannel(request.body, request.ctx)));

  app.get('/api/v1/notifications/channels/:id', {
    config: admin,
    schema: { tags, summary: 'A notification channel', params: IdParams, response: { 200: ChannelSchema } },
  }, async (request) => notifications.getChannel(request.params.id));

  app.patch('/api/v1/notifications/channels/:id', {
    config: admin,
    schema: { tags, summary: 'Change a channel (its type stays); config replaces the whole config, *** keeps a stored secret', description: CHANNELS, params: IdParams, body: UpdateChannelBody, response: { 200: ChannelSchema } },
  }, async (request) => notifications.updateChannel(request.params.id, request.body, request.ctx));

  app.delete('/api/v1/notifications/channels/:id', {
    config: admin,
    schema: { tags, summary: 'Remove a channel; its messages stay in the outbox and the delivery log', params: IdParams },
  }, async (request, reply) => {
    await notifications.deleteChannel(request.params.id, request.ctx);
    return reply.code(204).send();
  });

  app.post('/api/v1/notifications/channels/:id/test', {
    config: admin,
    schema: {
      tags,
      summary: 'Send a test message through the channel now (also when it is disabled) and answer how it went',
      description: 'The message is kept in the outbox and the delivery log; a failed test is not retried.',
      params: IdParams,
      response: { 200: TestResultSchema },
    },
  }, async (request) => notifications.testChannel(request.params.id, request.ctx));

  app.get('/api/v1/notifications/templates', {
    config: admin,
    schema: { tags, summary: 'The templates: every event with a shipped default or a stored template', response: { 200: List(TemplateSchema) } },
  }, async () => ({ items: await notifications.listTemplates() }));

  app.get('/api/v1/notifications/templates/:event', {
    config: admin,
    schema: {
      tags,
      summary: 'The template of an event (stored, else the shipped default, else {{subject}} / {{text}})',
      params: EventParams,
      response: { 200: TemplateSchema },
    },
  }, async (request) => notifications.getTemplate(request.params.event));

  app.put('/api/v1/notifications/templates/:event', {
    config: admin,
    schema: {
      tags,
      summary: 'Replace the template of an event',
      description:
        'Placeholders {{path.to.value}} are filled from the message: subject, text, event, link, channel, incidentId and the data the sender gives (e.g. incident.title, clock.kind). Nothing else is evaluated; a missing value renders empty; values are HTML-escaped in e-mail.',
      params: EventParams,
      body: PutTemplateBody,
      response: { 200: TemplateSchema },
    },
  }, async (request) => notifications.putTemplate(request.params.event, request.body, request.ctx));

  app.delete('/api/v1/notifications/templates/:event', {
    config: admin,
    schema: { tags, summary: 'Back to the shipped default of an event', params: EventParams, response: { 200: TemplateSchema } },
  }, async (request) => notifications.resetTemplate(request.params.event, request.ctx));

  app.get('/api/v1/notifications/outbox', {
    config: admin,
    schema: {
      tags,
      summary: 'Messages, newest first, with their status (pending, sent, failed and retrying, dead, captured)',
      description: 'Real messages only; a drill\'s captured ones with drillId.',
      querystring: ListOutboxQuery,
      response: { 200: Page(OutboxSchema) },
    },
  }, async (request) => notifications.listOutbox(request.query));

  app.post('/api/v1/notifications/outbox/:id/retry', {
    config: admin,
    schema: { tags, summary: 'Another round of attempts for a failed or dead message, starting now', params: IdParams, response: { 200: OutboxSchema } },
  }, async (request) => notifications.retry(request.params.id, request.ctx));

  app.get('/api/v1/notifications/deliveries', {
    config: admin,
    schema: { tags, summary: 'The delivery log: every attempt, newest first, with status code or error and duration', querystring: ListDeliveriesQuery, response: { 200: Page(DeliverySchema) } },
  }, async (request) => notifications.listDeliveries(request.query));
}
