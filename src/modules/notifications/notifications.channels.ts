import { createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { hostname } from 'node:os';
import type { Mailer } from '../../platform/mail.js';
import { outboundSend, redactUrl, type OutboundPolicy } from '../../platform/outbound.js';
import type { EmailChannelConfig, SlackChannelConfig, SyslogChannelConfig, WebhookChannelConfig } from './notifications.schemas.js';

/** An HTTP request as sent (or, in a drill, as it would be sent). */
export interface SentRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface AttemptResult {
  statusCode: number | null;
  target: string;
  /** The request as actually sent (webhook and Slack). */
  request?: SentRequest;
}

/** A failed attempt; statusCode when the target answered. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null = null,
    readonly target: string | null = null,
    readonly request?: SentRequest,
  ) {
    super(message);
  }
}

const HTTP_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 10_000;
/** Enough of an error response to tell what went wrong; the rest is not read. */
const ERROR_BODY_CHARS = 300;

export const SIGNATURE_HEADER = 'x-thirdwatch-signature';

/** The hex HMAC-SHA256 of "<timestamp>.<body>" under the channel's secret: what a receiver recomputes. */
export function signature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** A webhook request with its signature headers, signed at `now` (seconds since the epoch in the header). */
export function signedWebhook(config: WebhookChannelConfig, event: string, deliveryId: string, body: string, now = new Date()): SentRequest {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    method: 'POST',
    url: config.url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Thirdwatch-Webhook/1',
      'x-thirdwatch-event': event,
      'x-thirdwatch-delivery': deliveryId,
      'x-thirdwatch-timestamp': timestamp,
      [SIGNATURE_HEADER]: `sha256=${signature(config.secret, timestamp, body)}`,
    },
    body,
  };
}

/** Slack mrkdwn treats &, < and > as markup: escape them so a value cannot become a link or a mention. */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack-compatible incoming-webhook message: `text` for notifications and clients without blocks, `blocks` for the rest. */
export function slackRequest(config: SlackChannelConfig, subject: string, body: string): SentRequest {
  const payload = {
    text: slackEscape(subject),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: subject.slice(0, 150) || ' ' } },
      ...(body.trim() ? [{ type: 'section', text: { type: 'mrkdwn', text: slackEscape(body).slice(0, 3000) } }] : []),
    ],
  };
  return { method: 'POST', url: config.url, headers: { 'content-type': 'application/json', 'user-agent': 'Thirdwatch-Webhook/1' }, body: JSON.stringify(payload) };
}

/** The Slack URL is the credential: shown and recorded as its origin and ***. */
export function redactSlackUrl(url: string): string {
  try {
    return `${new URL(url).origin}/***`;
  } catch {
    return '***';
  }
}

/** POSTs the request under the outbound policy; a non-2xx answer is a failure. */
export async function postRequest(request: SentRequest, policy: OutboundPolicy, shownUrl: string, resolve?: typeof import('node:dns').lookup): Promise<AttemptResult> {
  const recorded = { ...request, url: shownUrl };
  let response;
  try {
    response = await outboundSend(request.url, { policy, headers: request.headers, body: request.body, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), ...(resolve ? { lookup: resolve } : {}) });
  } catch (error) {
    throw new DeliveryError((error as Error).message || String(error), null, shownUrl, recorded);
  }
  const target = shownUrl === redactUrl(request.url) ? response.url : shownUrl;
  if (response.status >= 200 && response.status < 300) {
    response.body.resume();
    return { statusCode: response.status, target, request: recorded };
  }
  const excerpt = await readExcerpt(response.body);
  throw new DeliveryError(`HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`, response.status, target, recorded);
}

async function readExcerpt(stream: NodeJS.ReadableStream & { destroy(): void }): Promise<string> {
  let text = '';
  try {
    for await (const chunk of stream) {
      text += chunk.toString();
      if (text.length >= ERROR_BODY_CHARS) break;
    }
  } catch {
    // The answer's status is what matters; a body cut short is not a second error.
  } finally {
    stream.destroy();
  }
  return text.slice(0, ERROR_BODY_CHARS).replace(/\s+/g, ' ').trim();
}

export async function sendEmail(mailer: Mailer, config: EmailChannelConfig, message: { subject: string; text: string; html: string }): Promise<AttemptResult> {
  const target = config.recipients.join(', ');
  let sent: boolean;
  try {
    sent = await mailer.send({ to: target, subject: message.subject, text: message.text, html: message.html });
  } catch (error) {
    throw new DeliveryError((error as Error).message, null, target);
  }
  if (!sent) throw new DeliveryError('e-mail is off: configure SMTP under Settings → E-mail', null, target);
  return { statusCode: null, target };
}

// Syslog (RFC 5424). Severity codes: 2 critical, 3 error, 4 warning, 5 notice.
const SEVERITY_CODES: Record<string, number> = { critical: 2, high: 3, medium: 4, low: 5 };
/** RFC 5612's example enterprise number: the structured-data id is ours without a registration. */
export const SD_ID = 'thirdwatch@32473';

const printable = (text: string, max: number) => (text.replace(/[^!-~]/g, '_').slice(0, max) || '-');
/** PARAM-VALUE escaping: ", \ and ] are backslash-escaped. */
const sdValue = (text: string) => text.replace(/[\\"\]]/g, (c) => `\\${c}`);

export interface SyslogMessage {
  event: string;
  subject: string;
  body: string;
  /** critical | high | medium | low, when the message is about something with a severity. */
  severity?: string;
  params: Record<string, string | null | undefined>;
  at?: Date;
}

/** One RFC 5424 message: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM MSG. */
export function formatSyslog(config: SyslogChannelConfig, message: SyslogMessage): Buffer {
  const severity = SEVERITY_CODES[message.severity ?? ''] ?? 5;
  const pri = config.facility * 8 + severity;
  const params = Object.entries({ event: message.event, ...message.params })
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
    .map(([key, value]) => `${printable(key, 32).replace(/[=\]"]/g, '_')}="${sdValue(value)}"`)
    .join(' ');
  const header = `<${pri}>1 ${(message.at ?? new Date()).toISOString()} ${printable(hostname(), 255)} ${printable(config.appName, 48)} ${process.pid} ${printable(message.event, 32)} [${SD_ID} ${params}] `;
  const text = `${message.subject}${message.body.trim() ? ` — ${message.body.trim()}` : ''}`.replace(/\s*[\r\n]+\s*/g, ' ');
  return Buffer.concat([Buffer.from(header), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
}

/** UDP datagrams larger than this are truncated (RFC 5426 asks receivers for 2048 octets at least; 8 KiB passes most). */
export const SYSLOG_UDP_MAX = 8192;
export const SYSLOG_TCP_MAX = 64 * 1024;

export async function sendSyslog(config: SyslogChannelConfig, payload: Buffer): Promise<AttemptResult> {
  const target = `${config.transport}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  try {
    if (config.transport === 'tcp') await sendTcp(config, payload.subarray(0, SYSLOG_TCP_MAX));
    else await sendUdp(config, payload.subarray(0, SYSLOG_UDP_MAX));
  } catch (error) {
    throw new DeliveryError((error as Error).message || String(error), null, target);
  }
  return { statusCode: null, target };
}

function sendTcp(config: SyslogChannelConfig, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: config.host, port: config.port });
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => socket.destroy(new Error(`syslog ${config.host}:${config.port} timed out`)));
    socket.on('error', reject);
    socket.on('connect', () => {
      // Octet counting (RFC 6587 §3.4.1): the length, a space, the message; no trailer needed.
      socket.end(Buffer.concat([Buffer.from(`${payload.length} `), payload]));
    });
    socket.on('close', (hadError) => {
      if (!hadError) resolve();
    });
  });
}

async function sendUdp(config: SyslogChannelConfig, payload: Buffer): Promise<void> {
  const { address, family } = net.isIP(config.host) ? { address: config.host, family: net.isIP(config.host) } : await lookup(config.host);
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.send(payload, config.port, address, (error) => (error ? reject(error) : resolve()));
    });
  } finally {
    socket.close();
  }
}
