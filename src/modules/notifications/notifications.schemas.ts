import { Type, type Static } from 'typebox';
import { PageQuery } from '../../platform/http/pagination.js';
import { TEAMS } from '../incidents/incidents.schemas.js';

export type { Team } from '../incidents/incidents.schemas.js';

export const CHANNEL_TYPES = ['webhook', 'email', 'slack', 'syslog'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed', 'dead', 'captured'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.String({ format: 'uuid' });

/** Event names: dotted lower-case words (incident.created, clock.breached); templates are keyed by them. */
export const EVENT_PATTERN = '^[a-z][a-z0-9_-]*(?:\\.[a-z0-9_-]+)*$';
export const EventName = Type.String({ pattern: EVENT_PATTERN, minLength: 1, maxLength: 64, description: 'dotted lower-case words such as incident.created' });
const Subscription = Type.Union([EventName, Type.Literal('*')]);

const HttpUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description: 'an http or https URL' });

export const WebhookConfig = Type.Object(
  {
    url: HttpUrl,
    secret: Type.Union([Type.String({ minLength: 16, maxLength: 256 }), Type.Literal('***')], {
      description: 'The HMAC-SHA256 key, 16 characters at least. Write-only: shown as ***; sending *** back keeps the stored one.',
    }),
  },
  { additionalProperties: false },
);

export const EmailConfig = Type.Object(
  { recipients: Type.Array(Type.String({ format: 'email', maxLength: 320 }), { minItems: 1, maxItems: 50, uniqueItems: true }) },
  { additionalProperties: false },
);

export const SlackConfig = Type.Object(
  { url: Type.String({ ...HttpUrl, description: 'The incoming-webhook URL. It is the credential: shown as origin/***; sending that back keeps the stored one.' }) },
  { additionalProperties: false },
);

export const SyslogConfig = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:_-]+$', description: 'a host name or IP address' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    transport: Type.Union([Type.Literal('tcp'), Type.Literal('udp')], { description: 'tcp: octet-counted framing (RFC 6587); udp: one datagram per message (RFC 5426).' }),
    facility: Type.Integer({ minimum: 0, maximum: 23, description: 'RFC 5424 facility code (e.g. 4 security/auth, 16–23 local0–local7).' }),
    appName: Type.String({ minLength: 1, maxLength: 48, pattern: '^[!-~]+$', description: 'printable ASCII without spaces' }),
  },
  { additionalProperties: false },
);

export const CONFIG_SCHEMAS = { webhook: WebhookConfig, email: EmailConfig, slack: SlackConfig, syslog: SyslogConfig } as const;
export type WebhookChannelConfig = Static<typeof WebhookConfig>;
export type EmailChannelConfig = Static<typeof EmailConfig>;
export type SlackChannelConfig = Static<typeof SlackConfig>;
export type SyslogChannelConfig = Static<typeof SyslogConfig>;
export type ChannelConfig = WebhookChannelConfig | EmailChannelConfig | SlackChannelConfig | SyslogChannelConfig;

const ChannelName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f]+$', description: 'unique; playbooks name channels by it' });
const Events = Type.Array(Subscription, { maxItems: 100, uniqueItems: true, description: 'Events the channel receives; "*" is every event.' });
const Audiences = Type.Array(Type.Enum([...TEAMS]), { maxItems: TEAMS.length, uniqueItems: true, description: 'Teams the channel serves: messages addressed to one of them reach it.' });
const AnyConfig = Type.Union([WebhookConfig, EmailConfig, SlackConfig, SyslogConfig], { description: 'The settings of the channel\'s type.' });

export const ChannelSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.Enum([...CHANNEL_TYPES]),
  enabled: Type.Boolean(),
  config: Type.Record(Type.String(), Type.Unknown(), { description: 'As written, secrets shown as ***.' }),
  events: Type.Array(Type.String()),
  audiences: Type.Array(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  lastDelivery: Nullable(
    Type.Object({ at: Type.String(), outcome: Type.String(), statusCode: Nullable(Type.Integer()), error: Nullable(Type.String()) }, { description: 'The newest delivery attempt.' }),
  ),
});
export type Channel = Static<typeof ChannelSchema>;

export const CreateChannelBody = Type.Object(
  {
    name: ChannelName,
    type: Type.Enum([...CHANNEL_TYPES]),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    config: AnyConfig,
    events: Events,
    audiences: Type.Optional(Audiences),
  },
  { additionalProperties: false },
);
export type CreateChannelInput = Static<typeof CreateChannelBody>;

export const UpdateChannelBody = Type.Object(
  {
    name: Type.Optional(ChannelName),
    enabled: Type.Optional(Type.Boolean()),
    config: Type.Optional(AnyConfig),
    events: Type.Optional(Events),
    audiences: Type.Optional(Audiences),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateChannelInput = Static<typeof UpdateChannelBody>;

export const IdParams = Type.Object({ id: Id });

export const TemplateSchema = Type.Object({
  event: Type.String(),
  subject: Type.String(),
  body: Type.String(),
  shipped: Type.Boolean({ description: 'true: the shipped default (nobody replaced it).' }),
  default: Nullable(Type.Object({ subject: Type.String(), body: Type.String() }, { description: 'The shipped default for this event, if there is one.' })),
  updatedBy: Nullable(Type.String()),
  updatedAt: Nullable(Type.String()),
});
export type Template = Static<typeof TemplateSchema>;

export const EventParams = Type.Object({ event: EventName });

export const PutTemplateBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 500 }),
    body: Type.String({ minLength: 1, maxLength: 20_000 }),
  },
  { additionalProperties: false },
);

export const OutboxSchema = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  channelName: Type.String(),
  channelType: Type.String(),
  event: Type.String(),
  subject: Type.String(),
  body: Type.String(),
  data: Type.Unknown(),
  request: Nullable(
    Type.Object(
      { method: Type.String(), url: Type.String(), headers: Type.Record(Type.String(), Type.String()), body: Type.String() },
      { description: 'Webhook and Slack messages: the exact request (captured: the one it would be).' },
    ),
  ),
  status: Type.Enum([...OUTBOX_STATUSES]),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String()),
  lastError: Nullable(Type.String()),
  incidentId: Nullable(Type.String()),
  drillId: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  sentAt: Nullable(Type.String()),
});
export type OutboxItem = Static<typeof OutboxSchema>;

export const ListOutboxQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...OUTBOX_STATUSES])),
    channelId: Type.Optional(Id),
    incidentId: Type.Optional(Id),
    drillId: Type.Optional(Id),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListOutboxQueryType = Static<typeof ListOutboxQuery>;

export const DeliverySchema = Type.Object({
  id: Type.String(),
  outboxId: Type.String(),
  channelId: Type.String(),
  channelName: Type.String(),
  event: Type.String(),
  subject: Type.String(),
  attempt: Type.Integer(),
  outcome: Type.String({ description: 'sent or failed' }),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  target: Nullable(Type.String()),
  startedAt: Type.String(),
  durationMs: Type.Integer(),
});
export type Delivery = Static<typeof DeliverySchema>;

export const ListDeliveriesQuery = Type.Object(
  {
    channelId: Type.Optional(Id),
    outboxId: Type.Optional(Id),
    outcome: Type.Optional(Type.Enum(['sent', 'failed'])),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListDeliveriesQueryType = Static<typeof ListDeliveriesQuery>;

export const TestResultSchema = Type.Object({
  outboxId: Type.String(),
  outcome: Type.String({ description: 'sent, or failed (the message stays in the outbox and is retried like any other)' }),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});
