// Outgoing e-mail (portal invitations, assessment reminders) over SMTP with nodemailer. The SMTP
// settings are organisation settings (GET/PUT /api/v1/settings/smtp); THIRDWATCH_SMTP_URL, when
// set, is their default until someone stores settings.
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import { Type, type Static } from 'typebox';
import { recordAudit } from './audit/audit.js';
import type { RequestContext } from './context.js';
import type { DB } from './db/schema.js';
import { invalidField } from './errors.js';
import { REDACTED } from './outbound.js';
import { readSetting, writeSetting } from './settings.js';

export const SMTP_SETTINGS_KEY = 'smtp';

export const SmtpSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Off: nothing is e-mailed (invitation links are still returned to whoever creates them).' }),
    host: Type.String({ maxLength: 253 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    security: Type.Union([Type.Literal('tls'), Type.Literal('starttls'), Type.Literal('none')], {
      description: 'tls: TLS from the start (port 465); starttls: upgrade required (587); none: plain text, for a relay on the same host or network.',
    }),
    username: Type.Union([Type.String({ maxLength: 320 }), Type.Null()]),
    password: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()], { description: 'Write-only: shown as ***; sending *** back keeps the stored one, null removes it.' })),
    from: Type.String({ format: 'email', maxLength: 320, description: 'The sender address of every message.' }),
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 300, description: 'For connecting and for each SMTP command.' }),
  },
  { additionalProperties: false },
);
export type SmtpSettings = Static<typeof SmtpSettingsSchema>;

const DEFAULT_SMTP_SETTINGS: SmtpSettings = {
  enabled: false,
  host: '',
  port: 587,
  security: 'starttls',
  username: null,
  password: null,
  from: 'thirdwatch@localhost',
  timeoutSeconds: 30,
};

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** An HTML alternative to the text (values in it escaped by whoever built it). */
  html?: string;
}

/** Settings from THIRDWATCH_SMTP_URL (smtp://user:pass@host:587 or smtps://...). */
export function smtpSettingsFromUrl(url: string | null): SmtpSettings {
  if (!url) return DEFAULT_SMTP_SETTINGS;
  const parsed = new URL(url);
  const tls = parsed.protocol === 'smtps:';
  return {
    ...DEFAULT_SMTP_SETTINGS,
    enabled: true,
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : tls ? 465 : 587,
    security: tls ? 'tls' : 'starttls',
    username: parsed.username ? decodeURIComponent(parsed.username) : null,
    password: parsed.password ? decodeURIComponent(parsed.password) : null,
    from: parsed.searchParams.get('from') ?? DEFAULT_SMTP_SETTINGS.from,
  };
}

const redact = (settings: SmtpSettings): SmtpSettings => ({ ...settings, password: settings.password ? REDACTED : null });

export class Mailer {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly defaults: SmtpSettings = DEFAULT_SMTP_SETTINGS,
  ) {}

  async settings(): Promise<SmtpSettings> {
    return (await readSetting<SmtpSettings>(this.db, SMTP_SETTINGS_KEY)) ?? this.defaults;
  }

  /** As shown to admins: the password is write-only. */
  async settingsView(): Promise<SmtpSettings> {
    return redact(await this.settings());
  }

  async setSettings(settings: SmtpSettings, ctx: RequestContext): Promise<SmtpSettings> {
    if (settings.enabled && !settings.host.trim()) throw invalidField('/host', 'is required when e-mail is enabled');
    let stored = settings;
    await this.db.transaction().execute(async (trx) => {
      const before = (await readSetting<SmtpSettings>(trx, SMTP_SETTINGS_KEY)) ?? this.defaults;
      let password = settings.password ?? null;
      if (password === REDACTED) {
        if (!before.password) throw invalidField('/password', 'is *** but no password is stored: give the real one');
        password = before.password;
      }
      stored = { ...settings, host: settings.host.trim(), password: password || null };
      await writeSetting(trx, SMTP_SETTINGS_KEY, stored);
      await recordAudit(trx, ctx, { action: 'settings.smtp.update', entityType: 'settings', entityId: SMTP_SETTINGS_KEY, before: redact(before), after: redact(stored) });
    });
    return redact(stored);
  }

  async enabled(): Promise<boolean> {
    return (await this.settings()).enabled;
  }

  /** Sends one message; false when e-mail is off. SMTP failures throw (callers decide whether that fails their work). */
  async send(message: MailMessage): Promise<boolean> {
    const settings = await this.settings();
    if (!settings.enabled) return false;
    const timeout = settings.timeoutSeconds * 1000;
    const transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      auth: settings.username ? { user: settings.username, pass: settings.password ?? '' } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    try {
      await transport.sendMail({ from: settings.from, to: message.to, subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}) });
      return true;
    } finally {
      transport.close();
    }
  }
}
