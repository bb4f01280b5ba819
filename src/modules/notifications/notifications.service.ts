import type { lookup } from 'node:dns';
import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { isUniqueViolation } from '../../platform/db/database.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, invalidField, notFound, validationError } from '../../platform/errors.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { backoffMs, type JobQueue } from '../../platform/jobs/queue.js';
import type { Mailer } from '../../platform/mail.js';
import { REDACTED, redactUrl, refusalOf, type OutboundPolicy } from '../../platform/outbound.js';
import { checker } from '../../platform/validation.js';
import {
  DeliveryError,
  formatSyslog,
  postRequest,
  redactSlackUrl,
  sendEmail,
  sendSyslog,
  signedWebhook,
  slackRequest,
  type AttemptResult,
  type SentRequest,
} from './notifications.channels.js';
import { NotificationRepository, type ChannelRow, type DeliveryRow, type OutboxRecord } from './notifications.repository.js';
import {
  CONFIG_SCHEMAS,
  type Channel,
  type ChannelConfig,
  type ChannelType,
  type CreateChannelInput,
  type Delivery,
  type EmailChannelConfig,
  type ListDeliveriesQueryType,
  type ListOutboxQueryType,
  type OutboxItem,
  type SlackChannelConfig,
  type SyslogChannelConfig,
  type Team,
  type Template,
  type UpdateChannelInput,
  type WebhookChannelConfig,
} from './notifications.schemas.js';
import { FALLBACK_TEMPLATE, render, renderHtml, shippedTemplate, SHIPPED_TEMPLATES, type TemplateText } from './notifications.templates.js';

export const DELIVER_JOB = 'notifications.deliver';
/** Attempts per message before it is dead: with backoffMs (2^n s, capped at an hour) about 2.3 hours of retrying. */
export const MAX_ATTEMPTS = 12;
export const TEST_EVENT = 'notification.test';

/** One job per attempt: a job whose attempt was already made does nothing. */
export interface DeliverJobPayload {
  outboxId: string;
  attempt: number;
}

export interface NotificationMessage {
  event: string;
  subject: string;
  text?: string;
  data: Record<string, unknown>;
  /** A channel by name: only it. Otherwise every enabled channel subscribed to the event or serving the audience. */
  channel?: string;
  audience?: Team;
  incidentId?: string;
  drillId?: string | null;
}

export interface WebhookMessage {
  /** A webhook channel by name. */
  channel: string;
  event: string;
  /** Sent as the JSON body, exactly. */
  payload: unknown;
  incidentId?: string;
  drillId?: string | null;
}

/** A message in the outbox as the API and drills see it (request and data parsed). */
export type OutboxRow = OutboxItem;

export interface NotificationDeps {
  jobs: JobQueue;
  mailer: Mailer;
  logger: Logger;
  policy: OutboundPolicy;
  /** Links in messages start with it (e.g. {{link}} to an incident). */
  publicUrl?: string | null;
  /** The resolver webhook connections use (node:dns lookup by default): tests resolve names of their own. */
  lookup?: typeof lookup;
  /** Backoff base between attempts (1 s by default). */
  retryBaseMs?: number;
}

const checkConfig = Object.fromEntries(Object.entries(CONFIG_SCHEMAS).map(([type, schema]) => [type, checker(schema)])) as Record<ChannelType, ReturnType<typeof checker>>;

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));
const singleLine = (text: string) => text.replace(/[\r\n]+/g, ' ').trim().slice(0, 500);

export class NotificationService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly deps: NotificationDeps,
  ) {}

  // Channels.

  async listChannels(): Promise<Channel[]> {
    const repo = new NotificationRepository(this.db);
    const last = await repo.lastDeliveries();
    return (await repo.channels()).map((row) => this.channelView(row, last.get(row.id)));
  }

  async getChannel(id: string): Promise<Channel> {
    const repo = new NotificationRepository(this.db);
    const row = await repo.channel(id);
    if (!row) throw notFound('notification channel', id);
    return this.channelView(row, (await repo.lastDeliveries()).get(id));
  }

  async createChannel(input: CreateChannelInput, ctx: RequestContext): Promise<Channel> {
    const config = this.validConfig(input.type, input.config, null);
    const now = new Date().toISOString();
    const row: ChannelRow = {
      id: newId(),
      name: input.name.trim(),
      type: input.type,
      enabled: input.enabled === false ? 0 : 1,
      config: JSON.stringify(config),
      events: JSON.stringify(input.events),
      audiences: JSON.stringify(input.audiences ?? []),
      created_by: ctx.actor.name,
      created_at: now,
      updated_at: now,
    };
    await this.uniqueName(row.name, async () => {
      await this.db.transaction().execute(async (trx) => {
        const repo = new NotificationRepository(trx);
        if (await repo.channelByName(row.name)) throw conflict(`a channel named "${row.name}" exists already`, [{ field: '/name', reason: 'is taken' }]);
        await repo.insertChannel(row);
        await recordAudit(trx, ctx, { action: 'notifications.channel.create', entityType: 'notification_channel', entityId: row.id, after: this.channelView(row) });
      });
    });
    return this.channelView(row);
  }

  async updateChannel(id: string, input: UpdateChannelInput, ctx: RequestContext): Promise<Channel> {
    let updated: ChannelRow | undefined;
    await this.uniqueName(input.name?.trim() ?? '', async () => {
      await this.db.transaction().execute(async (trx) => {
        const repo = new NotificationRepository(trx);
        const before = await repo.channel(id);
        if (!before) throw notFound('notification channel', id);
        const changes: Partial<ChannelRow> = { updated_at: new Date().toISOString() };
        if (input.name !== undefined && input.name.trim() !== before.name) {
          const name = input.name.trim();
          if (await repo.channelByName(name)) throw conflict(`a channel named "${name}" exists already`, [{ field: '/name', reason: 'is taken' }]);
          changes.name = name;
        }
        if (input.enabled !== undefined) changes.enabled = input.enabled ? 1 : 0;
        if (input.config !== undefined) changes.config = JSON.stringify(this.validConfig(before.type as ChannelType, input.config, JSON.parse(before.config) as ChannelConfig));
        if (input.events !== undefined) changes.events = JSON.stringify(input.events);
        if (input.audiences !== undefined) changes.audiences = JSON.stringify(input.audiences);
        await repo.updateChannel(id, changes);
        updated = { ...before, ...changes };
        await recordAudit(trx, ctx, { action: 'notifications.channel.update', entityType: 'notification_channel', entityId: id, before: this.channelView(before), after: this.channelView(updated) });
      });
    });
    return this.getChannel(updated!.id);
  }

  /** Messages already in the outbox stay (with the channel's name); pending ones fail as "the channel was deleted". */
  async deleteChannel(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repo = new NotificationRepository(trx);
      const before = await repo.channel(id);
      if (!before) throw notFound('notification channel', id);
      await repo.deleteChannel(id);
      await recordAudit(trx, ctx, { action: 'notifications.channel.delete', entityType: 'notification_channel', entityId: id, before: this.channelView(before) });
    });
  }

  private async uniqueName(name: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      // Two requests naming a channel the same at once: the database's unique name decides.
      if (isUniqueViolation(error)) throw conflict(`a channel named "${name}" exists already`, [{ field: '/name', reason: 'is taken' }]);
      throw error;
    }
  }

  /** The type's settings, with secrets written back as shown (***, origin/***) replaced by the stored ones. */
  private validConfig(type: ChannelType, raw: unknown, stored: ChannelConfig | null): ChannelConfig {
    const config = { ...(raw as Record<string, unknown>) };
    if (type === 'webhook' && stored) {
      const old = stored as WebhookChannelConfig;
      if (config.secret === REDACTED) config.secret = old.secret;
      if (config.url === redactUrl(old.url)) config.url = old.url;
    }
    if (type === 'slack' && stored && config.url === redactSlackUrl((stored as SlackChannelConfig).url)) config.url = (stored as SlackChannelConfig).url;
    if ((type === 'webhook' && config.secret === REDACTED) || (type === 'slack' && typeof config.url === 'string' && config.url.endsWith('/***'))) {
      throw invalidField(type === 'webhook' ? '/config/secret' : '/config/url', 'is the redacted value but nothing is stored to keep: give the real one');
    }
    const checked = checkConfig[type](config);
    if (!checked.ok) throw validationError(`config is not valid for a ${type} channel`, checked.problems.map((p) => ({ ...p, field: `/config${p.field === '/' ? '' : p.field}` })));
    if (type === 'webhook' || type === 'slack') {
      // An address literal can be judged now; names are checked on every delivery, after DNS.
      const host = new URL(config.url as string).hostname.replace(/^\[|\]$/g, '');
      const refusal = isIP(host) ? refusalOf(host, this.deps.policy) : null;
      if (refusal) throw invalidField('/config/url', refusal);
    }
    return checked.value as ChannelConfig;
  }

  private channelView(row: ChannelRow, last?: { started_at: string; outcome: string; status_code: number | null; error: string | null }): Channel {
    const config = JSON.parse(row.config) as Record<string, unknown>;
    if (row.type === 'webhook') Object.assign(config, { url: redactUrl(String(config.url)), secret: REDACTED });
    if (row.type === 'slack') config.url = redactSlackUrl(String(config.url));
    return {
      id: row.id,
      name: row.name,
      type: row.type as ChannelType,
      enabled: Boolean(Number(row.enabled)),
      config,
      events: JSON.parse(row.events) as string[],
      audiences: JSON.parse(row.audiences) as string[],
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      lastDelivery: last ? { at: last.started_at, outcome: last.outcome, statusCode: last.status_code === null ? null : Number(last.status_code), error: last.error } : null,
    };
  }

  // Templates.

  async listTemplates(): Promise<Template[]> {
    const stored = new Map((await new NotificationRepository(this.db).templates()).map((t) => [t.event, t]));
    const events = [...new Set([...Object.keys(SHIPPED_TEMPLATES), ...stored.keys()])].sort();
    return events.map((event) => this.templateView(event, stored.get(event)));
  }

  async getTemplate(event: string): Promise<Template> {
    return this.templateView(event, await new NotificationRepository(this.db).template(event));
  }

  async putTemplate(event: string, text: TemplateText, ctx: RequestContext): Promise<Template> {
    await this.db.transaction().execute(async (trx) => {
      const repo = new NotificationRepository(trx);
      const before = await repo.template(event);
      await repo.putTemplate({ event, subject: text.subject, body: text.body, updated_by: ctx.actor.name, updated_at: new Date().toISOString() });
      await recordAudit(trx, ctx, { action: 'notifications.template.update', entityType: 'notification_template', entityId: event, before: before ? { subject: before.subject, body: before.body } : null, after: text });
    });
    return this.getTemplate(event);
  }

  /** Back to the shipped default (or, for an event without one, the message as given). */
  async resetTemplate(event: string, ctx: RequestContext): Promise<Template> {
    await this.db.transaction().execute(async (trx) => {
      const repo = new NotificationRepository(trx);
      const before = await repo.template(event);
      if (!before) return;
      await repo.deleteTemplate(event);
      await recordAudit(trx, ctx, { action: 'notifications.template.reset', entityType: 'notification_template', entityId: event, before: { subject: before.subject, body: before.body } });
    });
    return this.getTemplate(event);
  }

  private templateView(event: string, stored?: { subject: string; body: string; updated_by: string; updated_at: string }): Template {
    const shipped = shippedTemplate(event);
    const current = stored ?? shipped ?? FALLBACK_TEMPLATE;
    return { event, subject: current.subject, body: current.body, shipped: !stored, default: shipped, updatedBy: stored?.updated_by ?? null, updatedAt: stored?.updated_at ?? null };
  }

  private async templateFor(executor: Executor, event: string): Promise<TemplateText> {
    return (await new NotificationRepository(executor).template(event)) ?? shippedTemplate(event) ?? FALLBACK_TEMPLATE;
  }

  // Sending: what other modules call, in their own transaction.

  /**
   * Puts a message in the outbox for each channel it reaches: the named channel, or every enabled
   * channel subscribed to the event or serving the audience. Sending is a durable job, so a channel
   * that is down delays the message and never the caller. A drill's messages are recorded as
   * `captured` (with the exact request a webhook would get) and never sent.
   */
  async enqueue(trx: Executor, msg: NotificationMessage, ctx: RequestContext): Promise<{ outboxIds: string[]; unrouted: boolean }> {
    const repo = new NotificationRepository(trx);
    let targets: ChannelRow[];
    if (msg.channel !== undefined) {
      const named = await repo.channelByName(msg.channel);
      targets = named && Number(named.enabled) ? [named] : [];
    } else {
      targets = (await repo.enabledChannels()).filter((c) => {
        const events = JSON.parse(c.events) as string[];
        return events.includes('*') || events.includes(msg.event) || (msg.audience !== undefined && (JSON.parse(c.audiences) as string[]).includes(msg.audience));
      });
    }
    if (!targets.length) return { outboxIds: [], unrouted: true };
    const template = await this.templateFor(trx, msg.event);
    const link = msg.incidentId && this.deps.publicUrl ? `${this.deps.publicUrl.replace(/\/+$/, '')}/incidents/${msg.incidentId}` : '';
    const rows = targets.map((channel) => {
      const context = { ...msg.data, event: msg.event, subject: msg.subject, text: msg.text ?? '', incidentId: msg.incidentId ?? '', link: msg.data.link ?? link, channel: channel.name };
      return this.outboxRow(channel, msg, ctx, {
        subject: singleLine(render(template.subject, context)),
        body: render(template.body, context).trim(),
        html: channel.type === 'email' ? renderHtml(template.body, context) : null,
      });
    });
    await this.store(trx, rows, ctx);
    return { outboxIds: rows.map((r) => r.id), unrouted: false };
  }

  /** A signed call with `payload` as its JSON body to the named webhook channel; null when there is no such enabled channel. */
  async webhook(trx: Executor, msg: WebhookMessage, ctx: RequestContext): Promise<{ outboxId: string | null }> {
    const channel = await new NotificationRepository(trx).channelByName(msg.channel);
    if (!channel || channel.type !== 'webhook' || !Number(channel.enabled)) return { outboxId: null };
    const row = this.outboxRow(channel, { ...msg, subject: msg.event, data: {} }, ctx, { subject: msg.event, body: JSON.stringify(msg.payload ?? null), html: null }, msg.payload);
    await this.store(trx, [row], ctx);
    return { outboxId: row.id };
  }

  /** What a drill would have sent, in order, webhooks with the signed request. */
  async captured(drillId: string): Promise<OutboxRow[]> {
    return (await new NotificationRepository(this.db).capturedOf(drillId)).map(outboxView);
  }

  private outboxRow(
    channel: ChannelRow,
    msg: { event: string; subject: string; text?: string; data: unknown; incidentId?: string; drillId?: string | null },
    ctx: RequestContext,
    rendered: { subject: string; body: string; html: string | null },
    rawPayload?: unknown,
  ): OutboxRecord {
    const id = newId();
    const now = new Date();
    const drillId = msg.drillId ?? null;
    const config = JSON.parse(channel.config) as ChannelConfig;
    let request: SentRequest | null = null;
    if (channel.type === 'webhook') {
      const body =
        rawPayload !== undefined
          ? rendered.body
          : JSON.stringify({ id, event: msg.event, subject: rendered.subject, text: rendered.body, data: msg.data, incidentId: msg.incidentId ?? null, drillId, createdAt: now.toISOString() });
      const webhookConfig = config as WebhookChannelConfig;
      // A captured request is signed as it would have been; a real one is signed again at each attempt (fresh timestamp).
      request = drillId ? signedWebhook(webhookConfig, msg.event, id, body, now) : { method: 'POST', url: webhookConfig.url, headers: {}, body };
      request.url = redactUrl(webhookConfig.url);
    } else if (channel.type === 'slack') {
      request = { ...slackRequest(config as SlackChannelConfig, rendered.subject, rendered.body), url: redactSlackUrl((config as SlackChannelConfig).url) };
    }
    return {
      id,
      channel_id: channel.id,
      channel_name: channel.name,
      channel_type: channel.type,
      event: msg.event,
      subject: rendered.subject,
      body: rendered.body,
      html: rendered.html,
      data: JSON.stringify(rawPayload !== undefined ? rawPayload ?? null : msg.data),
      request: request ? JSON.stringify(request) : null,
      status: drillId ? 'captured' : 'pending',
      attempts: 0,
      max_attempts: MAX_ATTEMPTS,
      next_attempt_at: drillId ? null : now.toISOString(),
      last_error: null,
      incident_id: msg.incidentId ?? null,
      drill_id: drillId,
      created_by: ctx.actor.name,
      created_at: now.toISOString(),
      sent_at: null,
    };
  }

  private async store(trx: Executor, rows: OutboxRecord[], ctx: RequestContext): Promise<void> {
    await new NotificationRepository(trx).insertOutbox(rows);
    for (const row of rows) {
      if (!row.drill_id) await this.deps.jobs.enqueue(DELIVER_JOB, { outboxId: row.id, attempt: 1 } satisfies DeliverJobPayload, { idempotencyKey: `${DELIVER_JOB}:${row.id}:1`, maxAttempts: 3 }, trx);
      await recordAudit(trx, ctx, {
        action: row.drill_id ? 'notifications.capture' : 'notifications.enqueue',
        entityType: 'notification',
        entityId: row.id,
        after: { channel: row.channel_name, event: row.event, subject: row.subject, incidentId: row.incident_id, drillId: row.drill_id },
      });
    }
  }

  // Delivery.

  /**
   * One attempt at a message (the notifications.deliver job). Records the attempt in the delivery
   * log and moves the message on: sent, failed with the next attempt scheduled (exponential
   * backoff), or dead once its attempts are spent. A message already settled is left alone, so a
   * job run twice (its worker died) sends at most once more: receivers deduplicate by
   * X-Thirdwatch-Delivery.
   */
  async deliver(outboxId: string, options: { attempt?: number; evenIfDisabled?: boolean } = {}): Promise<{ outcome: 'sent' | 'failed' | 'dead' | 'skipped' }> {
    const row = await new NotificationRepository(this.db).outbox(outboxId);
    if (!row || (row.status !== 'pending' && row.status !== 'failed')) return { outcome: 'skipped' };
    // A job for an attempt that another job already made (a worker died after recording it) does nothing.
    if (options.attempt !== undefined && Number(row.attempts) + 1 !== options.attempt) return { outcome: 'skipped' };
    const channel = await new NotificationRepository(this.db).channel(row.channel_id);
    const attempt = Number(row.attempts) + 1;
    const started = new Date();
    let result: AttemptResult | null = null;
    let failure: DeliveryError | null = null;
    if (!channel) failure = new DeliveryError('the channel was deleted');
    else if (!Number(channel.enabled) && !options.evenIfDisabled) failure = new DeliveryError('the channel is disabled (the message waits and is retried)');
    else {
      try {
        result = await this.send(channel, row);
      } catch (error) {
        failure = error instanceof DeliveryError ? error : new DeliveryError((error as Error).message || String(error));
      }
    }
    const durationMs = Date.now() - started.getTime();
    const dead = failure !== null && (!channel || attempt >= Number(row.max_attempts));
    const nextAt = failure && !dead ? new Date(Date.now() + backoffMs(attempt, this.deps.retryBaseMs)) : null;
    const outcome = failure ? (dead ? 'dead' : 'failed') : 'sent';
    const sentRequest = result?.request ?? failure?.request;
    await this.db.transaction().execute(async (trx) => {
      const repo = new NotificationRepository(trx);
      const settled = await repo.settleOutbox(outboxId, Number(row.attempts), {
        status: outcome,
        attempts: attempt,
        next_attempt_at: nextAt?.toISOString() ?? null,
        last_error: failure ? failure.message.slice(0, 2000) : null,
        sent_at: failure ? null : new Date().toISOString(),
        ...(sentRequest ? { request: JSON.stringify(sentRequest) } : {}),
      });
      if (!settled) return;
      await repo.insertDelivery({
        id: newId(),
        outbox_id: outboxId,
        channel_id: row.channel_id,
        attempt,
        outcome: failure ? 'failed' : 'sent',
        status_code: result?.statusCode ?? failure?.statusCode ?? null,
        error: failure ? failure.message.slice(0, 2000) : null,
        target: result?.target ?? failure?.target ?? null,
        started_at: started.toISOString(),
        duration_ms: durationMs,
      });
      if (nextAt) await this.deps.jobs.enqueue(DELIVER_JOB, { outboxId, attempt: attempt + 1 } satisfies DeliverJobPayload, { runAt: nextAt, idempotencyKey: `${DELIVER_JOB}:${outboxId}:${attempt + 1}`, maxAttempts: 3 }, trx);
    });
    if (failure) this.deps.logger.warn({ outboxId, channel: row.channel_name, attempt, outcome, err: failure.message }, 'notification delivery failed');
    return { outcome };
  }

  private async send(channel: ChannelRow, row: OutboxRecord): Promise<AttemptResult> {
    const config = JSON.parse(channel.config) as ChannelConfig;
    switch (channel.type as ChannelType) {
      case 'webhook': {
        const webhook = config as WebhookChannelConfig;
        const stored = parse<SentRequest>(row.request)!;
        return postRequest(signedWebhook(webhook, row.event, row.id, stored.body), this.deps.policy, redactUrl(webhook.url), this.deps.lookup);
      }
      case 'slack': {
        const slack = config as SlackChannelConfig;
        const stored = parse<SentRequest>(row.request)!;
        return postRequest({ ...stored, url: slack.url }, this.deps.policy, redactSlackUrl(slack.url), this.deps.lookup);
      }
      case 'email':
        return sendEmail(this.deps.mailer, config as EmailChannelConfig, { subject: row.subject, text: row.body, html: row.html ?? renderHtml('{{text}}', { text: row.body }) });
      case 'syslog': {
        const data = parse<Record<string, unknown>>(row.data) ?? {};
        const incident = data.incident as Record<string, unknown> | undefined;
        const severity = typeof data.severity === 'string' ? data.severity : typeof incident?.severity === 'string' ? incident.severity : undefined;
        const payload = formatSyslog(config as SyslogChannelConfig, { event: row.event, subject: row.subject, body: row.body, severity, params: { delivery: row.id, incident: row.incident_id } });
        return sendSyslog(config as SyslogChannelConfig, payload);
      }
    }
  }

  /** Sends a test message through the channel now (enabled or not); it is kept in the outbox and the log, and not retried. */
  async testChannel(id: string, ctx: RequestContext): Promise<{ outboxId: string; outcome: string; statusCode: number | null; error: string | null; durationMs: number }> {
    let outboxId = '';
    await this.db.transaction().execute(async (trx) => {
      const channel = await new NotificationRepository(trx).channel(id);
      if (!channel) throw notFound('notification channel', id);
      const template = await this.templateFor(trx, TEST_EVENT);
      const context = { event: TEST_EVENT, subject: 'Test message', text: '', channel: channel.name, actor: ctx.actor.name, at: new Date().toISOString() };
      const row = this.outboxRow(channel, { event: TEST_EVENT, subject: 'Test message', data: context }, ctx, {
        subject: singleLine(render(template.subject, context)),
        body: render(template.body, context).trim(),
        html: channel.type === 'email' ? renderHtml(template.body, context) : null,
      });
      row.max_attempts = 1;
      // Sent right here rather than by a job: whoever pressed "Test" waits for the answer.
      row.next_attempt_at = null;
      await new NotificationRepository(trx).insertOutbox([row]);
      await recordAudit(trx, ctx, { action: 'notifications.channel.test', entityType: 'notification_channel', entityId: id, after: { outboxId: row.id } });
      outboxId = row.id;
    });
    // A test goes out even through a disabled channel: that is how one checks it before enabling it.
    await this.deliver(outboxId, { evenIfDisabled: true });
    const [delivery] = await new NotificationRepository(this.db).listDeliveries({ outboxId }, null, 1);
    return { outboxId, outcome: delivery?.outcome ?? 'failed', statusCode: delivery?.status_code ?? null, error: delivery?.error ?? null, durationMs: Number(delivery?.duration_ms ?? 0) };
  }

  /** Another round of attempts for a dead message (one given up), starting now. A failed one already has its next attempt scheduled. */
  async retry(outboxId: string, ctx: RequestContext): Promise<OutboxRow> {
    await this.db.transaction().execute(async (trx) => {
      const repo = new NotificationRepository(trx);
      const row = await repo.outbox(outboxId);
      if (!row || row.drill_id) throw notFound('outbox message', outboxId);
      if (row.status !== 'dead') throw conflict(`the message is ${row.status}: only dead messages (attempts given up) are retried`);
      const attempts = Number(row.attempts);
      await repo.updateOutbox(outboxId, { status: 'pending', max_attempts: attempts + MAX_ATTEMPTS, next_attempt_at: new Date().toISOString() });
      await this.deps.jobs.enqueue(DELIVER_JOB, { outboxId, attempt: attempts + 1 } satisfies DeliverJobPayload, { idempotencyKey: `${DELIVER_JOB}:${outboxId}:${attempts + 1}`, maxAttempts: 3 }, trx);
      await recordAudit(trx, ctx, { action: 'notifications.retry', entityType: 'notification', entityId: outboxId, before: { status: row.status, attempts } });
    });
    return outboxView((await new NotificationRepository(this.db).outbox(outboxId))!);
  }

  async listOutbox(query: ListOutboxQueryType): Promise<PageOf<OutboxRow>> {
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor)?.id ?? null;
    const rows = await new NotificationRepository(this.db).listOutbox(query, before, limit);
    const page = rows.slice(0, limit);
    return { items: page.map(outboxView), nextCursor: rows.length > limit ? encodeCursor({ key: null, id: page[page.length - 1].id }) : null };
  }

  async listDeliveries(query: ListDeliveriesQueryType): Promise<PageOf<Delivery>> {
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor)?.id ?? null;
    const rows = await new NotificationRepository(this.db).listDeliveries(query, before, limit);
    const page = rows.slice(0, limit);
    return { items: page.map(deliveryView), nextCursor: rows.length > limit ? encodeCursor({ key: null, id: page[page.length - 1].id }) : null };
  }
}

function outboxView(row: OutboxRecord): OutboxRow {
  return {
    id: row.id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    channelType: row.channel_type,
    event: row.event,
    subject: row.subject,
    body: row.body,
    data: parse(row.data),
    request: parse(row.request),
    status: row.status as OutboxRow['status'],
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    incidentId: row.incident_id,
    drillId: row.drill_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

function deliveryView(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    outboxId: row.outbox_id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    event: row.event,
    subject: row.subject,
    attempt: Number(row.attempt),
    outcome: row.outcome,
    statusCode: row.status_code === null ? null : Number(row.status_code),
    error: row.error,
    target: row.target,
    startedAt: row.started_at,
    durationMs: Number(row.duration_ms),
  };
}
