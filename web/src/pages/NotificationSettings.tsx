/**
 * Settings → Notifications (admins): the channels incidents, clocks and playbooks notify through
 * (webhook, e-mail, Slack-compatible, syslog), a test button per channel, the messages still
 * waiting or given up (with Retry) and the delivery log of every attempt. Secrets are write-only:
 * the server shows *** and an empty box keeps the stored one.
 */
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api.js';
import { CheckboxGroup, Empty, ErrorBanner, Field, Loading, SelectField, SubmitButton, useAsync, useDocumentTitle } from '../components.js';
import { formatDateTime, relativeTime } from '../format.js';
import { Link } from '../router.js';

type ChannelType = 'webhook' | 'email' | 'slack' | 'syslog';
const TYPES: ReadonlyArray<readonly [ChannelType, string]> = [
  ['webhook', 'Webhook (signed JSON)'],
  ['email', 'E-mail'],
  ['slack', 'Slack-compatible webhook'],
  ['syslog', 'Syslog (RFC 5424)'],
];
const TYPE_LABEL = Object.fromEntries(TYPES) as Record<ChannelType, string>;
const TEAMS = ['it', 'security', 'legal', 'privacy', 'compliance', 'vendor', 'counsel'] as const;
type Team = (typeof TEAMS)[number];
const TEAM_LABEL: Record<Team, string> = { it: 'IT', security: 'Security', legal: 'Legal', privacy: 'Privacy', compliance: 'Compliance', vendor: 'Vendor contact', counsel: 'Outside counsel' };
const FACILITIES: ReadonlyArray<readonly [string, string]> = [
  ['1', 'user (1)'],
  ['4', 'auth (4)'],
  ['10', 'authpriv (10)'],
  ['13', 'log audit (13)'],
  ...Array.from({ length: 8 }, (_, i) => [String(16 + i), `local${i} (${16 + i})`] as const),
];

interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  config: Record<string, unknown>;
  events: string[];
  audiences: Team[];
  lastDelivery: { at: string; outcome: string; statusCode: number | null; error: string | null } | null;
}

interface OutboxItem {
  id: string;
  channelName: string;
  event: string;
  subject: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
}

interface Delivery {
  id: string;
  channelName: string;
  event: string;
  subject: string;
  attempt: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
  target: string | null;
  startedAt: string;
  durationMs: number;
}

interface TestResult {
  outcome: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** The tabs of the settings area. */
export function SettingsNav({ current }: { current: 'general' | 'notifications' }) {
  return (
    <nav className="subnav notify-settings-nav" aria-label="Settings">
      <Link to="/settings" aria-current={current === 'general' ? 'page' : undefined}>
        Risk model and e-mail
      </Link>
      <Link to="/settings/notifications" aria-current={current === 'notifications' ? 'page' : undefined}>
        Notifications
      </Link>
    </nav>
  );
}

export function NotificationSettingsPage() {
  useDocumentTitle('Notifications');
  const channels = useAsync((signal) => api.get<{ items: Channel[] }>('/api/v1/notifications/channels', undefined, signal), []);
  const [logNonce, setLogNonce] = useState(0);
  const [adding, setAdding] = useState(false);
  const refresh = () => {
    channels.reload();
    setLogNonce((n) => n + 1);
  };
  return (
    <div className="page page-wide">
      <SettingsNav current="notifications" />
      <div className="page-head">
        <div>
          <h1>Notifications</h1>
          <p className="muted">Where incidents, missed deadlines and playbooks send their messages. A channel that is down delays its messages; they wait in the outbox and are retried with growing pauses.</p>
        </div>
        {!adding && (
          <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
            Add channel
          </button>
        )}
      </div>
      {adding && (
        <ChannelForm
          onSaved={() => {
            setAdding(false);
            refresh();
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      <ErrorBanner error={channels.error} onRetry={channels.reload} />
      {!channels.data && channels.loading && <Loading />}
      {channels.data && <ChannelTable channels={channels.data.items} onChanged={refresh} />}
      <Outbox nonce={logNonce} onRetried={() => setLogNonce((n) => n + 1)} />
      <DeliveryLog nonce={logNonce} />
    </div>
  );
}

function targetOf(channel: Channel): string {
  const c = channel.config;
  if (channel.type === 'email') return (c.recipients as string[]).join(', ');
  if (channel.type === 'syslog') return `${String(c.transport)}://${String(c.host)}:${String(c.port)}`;
  return String(c.url);
}

function ChannelTable({ channels, onChanged }: { channels: Channel[]; onChanged: () => void }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, TestResult | { failure: unknown } | 'busy'>>({});
  const [failure, setFailure] = useState<unknown>(null);
  if (!channels.length) return <Empty>No channels yet. Add one to receive incident notifications.</Empty>;
  const test = async (channel: Channel) => {
    setTests((t) => ({ ...t, [channel.id]: 'busy' }));
    try {
      const result = await api.post<TestResult>(`/api/v1/notifications/channels/${channel.id}/test`);
      setTests((t) => ({ ...t, [channel.id]: result }));
    } catch (error) {
      setTests((t) => ({ ...t, [channel.id]: { failure: error } }));
    }
    onChanged();
  };
  const remove = async (channel: Channel) => {
    if (!window.confirm(`Delete the channel "${channel.name}"? Messages already sent through it stay in the log.`)) return;
    setFailure(null);
    try {
      await api.delete(`/api/v1/notifications/channels/${channel.id}`);
      onChanged();
    } catch (error) {
      setFailure(error);
    }
  };
  return (
    <div className="card notify-channels">
      <h2>Channels</h2>
      <ErrorBanner error={failure} />
      <div className="table-wrap">
        <table className="table" data-testid="notify-channels">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Target</th>
              <th scope="col">Events and teams</th>
              <th scope="col">Last delivery</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {channels.map((channel) => {
              const result = tests[channel.id];
              return editing === channel.id ? (
                <tr key={channel.id}>
                  <td colSpan={6}>
                    <ChannelForm
                      channel={channel}
                      onSaved={() => {
                        setEditing(null);
                        onChanged();
                      }}
                      onCancel={() => setEditing(null)}
                    />
                  </td>
                </tr>
              ) : (
                <tr key={channel.id} data-testid="notify-channel-row">
                  <th scope="row">
                    {channel.name}
                    {!channel.enabled && <span className="notify-off"> · off</span>}
                  </th>
                  <td>{TYPE_LABEL[channel.type]}</td>
                  <td className="notify-target">{targetOf(channel)}</td>
                  <td>
                    {channel.events.length ? <span>{channel.events.join(', ')}</span> : <span className="muted">no events</span>}
                    {channel.audiences.length > 0 && <div className="small muted">Teams: {channel.audiences.map((a) => TEAM_LABEL[a] ?? a).join(', ')}</div>}
                  </td>
                  <td>
                    {channel.lastDelivery ? (
                      <span className={`notify-outcome notify-outcome-${channel.lastDelivery.outcome}`} title={channel.lastDelivery.error ?? undefined}>
                        {channel.lastDelivery.outcome} {relativeTime(channel.lastDelivery.at)}
                      </span>
                    ) : (
                      <span className="muted">never</span>
                    )}
                    {result && result !== 'busy' && (
                      <p className={`notify-test-result ${'failure' in result || result.outcome !== 'sent' ? 'notify-test-failed' : 'notify-test-ok'}`} role="status">
                        {'failure' in result
                          ? 'Test could not be started.'
                          : result.outcome === 'sent'
                            ? `Test sent${result.statusCode ? ` (HTTP ${result.statusCode})` : ''} in ${result.durationMs} ms.`
                            : `Test failed: ${result.error ?? 'unknown error'}`}
                      </p>
                    )}
                  </td>
                  <td className="actions">
                    <button type="button" className="btn btn-small" disabled={result === 'busy'} onClick={() => test(channel)} aria-label={`Send a test message through ${channel.name}`}>
                      {result === 'busy' ? 'Sending…' : 'Test'}
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setEditing(channel.id)} aria-label={`Edit ${channel.name}`}>
                      Edit
                    </button>
                    <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => remove(channel)} aria-label={`Delete ${channel.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

interface Draft {
  name: string;
  type: ChannelType;
  enabled: boolean;
  url: string;
  secret: string;
  recipients: string;
  host: string;
  port: string;
  transport: string;
  facility: string;
  appName: string;
  events: string;
  audiences: Team[];
}

function toDraft(channel?: Channel): Draft {
  const c = channel?.config ?? {};
  return {
    name: channel?.name ?? '',
    type: channel?.type ?? 'webhook',
    enabled: channel?.enabled ?? true,
    url: typeof c.url === 'string' ? c.url : '',
    secret: '',
    recipients: Array.isArray(c.recipients) ? (c.recipients as string[]).join(', ') : '',
    host: typeof c.host === 'string' ? c.host : '',
    port: typeof c.port === 'number' ? String(c.port) : '514',
    transport: typeof c.transport === 'string' ? c.transport : 'tcp',
    facility: typeof c.facility === 'number' ? String(c.facility) : '13',
    appName: typeof c.appName === 'string' ? c.appName : 'thirdwatch',
    events: channel ? channel.events.join(', ') : 'incident.created, clock.breached',
    audiences: channel?.audiences ?? [],
  };
}

const list = (text: string) => text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);

function configOf(d: Draft, editing: boolean): Record<string, unknown> {
  switch (d.type) {
    case 'webhook':
      return { url: d.url.trim(), secret: d.secret || (editing ? '***' : '') };
    case 'slack':
      return { url: d.url.trim() };
    case 'email':
      return { recipients: list(d.recipients) };
    case 'syslog':
      return { host: d.host.trim(), port: Number(d.port), transport: d.transport, facility: Number(d.facility), appName: d.appName.trim() };
  }
}

function ChannelForm({ channel, onSaved, onCancel }: { channel?: Channel; onSaved: () => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(channel));
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  const keys = ['/name', '/events', '/audiences', '/config/url', '/config/secret', '/config/recipients', '/config/host', '/config/port', '/config/appName', '/config'];
  const errors = fieldErrors(state.error, keys);
  const general = state.error && (errors[''] || !Object.keys(errors).length) ? state.error : null;
  const set = (changes: Partial<Draft>) => setDraft((d) => ({ ...d, ...changes }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true, error: null });
    const body = { name: draft.name.trim(), enabled: draft.enabled, config: configOf(draft, Boolean(channel)), events: list(draft.events), audiences: draft.audiences };
    try {
      if (channel) await api.patch(`/api/v1/notifications/channels/${channel.id}`, body);
      else await api.post('/api/v1/notifications/channels', { ...body, type: draft.type });
      onSaved();
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const title = channel ? `Edit ${channel.name}` : 'New channel';
  return (
    <form className="card notify-form" onSubmit={submit} noValidate aria-label={title}>
      <h2>{title}</h2>
      <ErrorBanner error={general} />
      <div className="grid-fields">
        <Field label="Name" error={errors['/name']} required hint="Playbooks name channels by it.">
          {(p) => <input {...p} value={draft.name} onChange={(e) => set({ name: e.target.value })} />}
        </Field>
        <SelectField label="Type" value={draft.type} onChange={(v) => set({ type: v as ChannelType })} options={TYPES} disabled={Boolean(channel)} hint={channel ? 'The type of a channel stays.' : undefined} />
        {(draft.type === 'webhook' || draft.type === 'slack') && (
          <Field
            label={draft.type === 'slack' ? 'Incoming-webhook URL' : 'URL'}
            error={errors['/config/url'] ?? errors['/config']}
            required
            hint={draft.type === 'slack' ? 'The URL is the credential: it is shown shortened once saved.' : 'Private and loopback addresses are refused unless the server allows them.'}
          >
            {(p) => <input {...p} type="url" value={draft.url} placeholder="https://" onChange={(e) => set({ url: e.target.value })} />}
          </Field>
        )}
        {draft.type === 'webhook' && (
          <Field label="Signing secret" error={errors['/config/secret']} required={!channel} hint={channel ? 'A secret is stored: leave empty to keep it.' : 'At least 16 characters; receivers check X-Thirdwatch-Signature with it.'}>
            {(p) => <input {...p} type="password" autoComplete="new-password" value={draft.secret} onChange={(e) => set({ secret: e.target.value })} />}
          </Field>
        )}
        {draft.type === 'email' && (
          <Field label="Recipients" error={errors['/config/recipients'] ?? errors['/config']} required hint="E-mail addresses, separated by commas. Sent through the SMTP server under Risk model and e-mail.">
            {(p) => <input {...p} value={draft.recipients} onChange={(e) => set({ recipients: e.target.value })} />}
          </Field>
        )}
        {draft.type === 'syslog' && (
          <>
            <Field label="Host" error={errors['/config/host'] ?? errors['/config']} required>
              {(p) => <input {...p} value={draft.host} placeholder="siem.internal" onChange={(e) => set({ host: e.target.value })} />}
            </Field>
            <Field label="Port" error={errors['/config/port']} required>
              {(p) => <input {...p} type="number" min={1} max={65535} value={draft.port} onChange={(e) => set({ port: e.target.value })} />}
            </Field>
            <SelectField label="Transport" value={draft.transport} onChange={(v) => set({ transport: v })} options={[['tcp', 'TCP (octet counting, RFC 6587)'], ['udp', 'UDP']]} />
            <SelectField label="Facility" value={draft.facility} onChange={(v) => set({ facility: v })} options={FACILITIES} />
            <Field label="App name" error={errors['/config/appName']} required>
              {(p) => <input {...p} value={draft.appName} onChange={(e) => set({ appName: e.target.value })} />}
            </Field>
          </>
        )}
        <Field label="Events" error={errors['/events']} hint="Separated by commas; * is every event (incident.created, incident.status, clock.breached, playbook.notify, …).">
          {(p) => <input {...p} value={draft.events} onChange={(e) => set({ events: e.target.value })} />}
        </Field>
      </div>
      <CheckboxGroup legend="Teams it serves (messages addressed to a team reach it)" options={TEAMS} labels={TEAM_LABEL} value={draft.audiences} onChange={(audiences) => set({ audiences })} error={errors['/audiences']} />
      <label className="check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled
      </label>
      <div className="form-actions">
        <SubmitButton busy={state.busy} label={channel ? 'Save channel' : 'Add channel'} />
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const STATUS_FILTERS: ReadonlyArray<readonly [string, string]> = [
  ['', 'Waiting and failed'],
  ['pending', 'Pending'],
  ['failed', 'Failed, retrying'],
  ['dead', 'Given up'],
  ['sent', 'Sent'],
];

function Outbox({ nonce, onRetried }: { nonce: number; onRetried: () => void }) {
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const messages = useAsync(async (signal) => {
    if (status) return (await api.get<{ items: OutboxItem[] }>('/api/v1/notifications/outbox', { status, limit: 50 }, signal)).items;
    const pages = await Promise.all(['pending', 'failed', 'dead'].map((s) => api.get<{ items: OutboxItem[] }>('/api/v1/notifications/outbox', { status: s, limit: 50 }, signal)));
    return pages.flatMap((p) => p.items).sort((a, b) => (a.id < b.id ? 1 : -1));
  }, [status, nonce]);
  const retry = async (item: OutboxItem) => {
    setFailure(null);
    try {
      await api.post(`/api/v1/notifications/outbox/${item.id}/retry`);
      onRetried();
    } catch (error) {
      setFailure(error);
    }
  };
  return (
    <section className="card notify-outbox" aria-labelledby="notify-outbox-title">
      <div className="card-head">
        <h2 id="notify-outbox-title">Outbox</h2>
        <SelectField label="Show" value={status} onChange={setStatus} options={STATUS_FILTERS} />
      </div>
      <ErrorBanner error={messages.error ?? failure} onRetry={messages.reload} />
      {messages.data && !messages.data.length && <Empty>{status ? 'No messages in this state.' : 'Nothing is waiting: every message was delivered.'}</Empty>}
      {messages.data && messages.data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="notify-outbox">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Channel</th>
                <th scope="col">Message</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {messages.data.map((m) => (
                <tr key={m.id}>
                  <td>{formatDateTime(m.createdAt)}</td>
                  <td>{m.channelName}</td>
                  <td>
                    {m.subject}
                    <div className="small muted">{m.event}</div>
                  </td>
                  <td>
                    <span className={`notify-outcome notify-outcome-${m.status}`}>{m.status}</span> · {m.attempts} attempt{m.attempts === 1 ? '' : 's'}
                    {m.status === 'failed' && m.nextAttemptAt && <div className="small muted">next {formatDateTime(m.nextAttemptAt)}</div>}
                    {m.lastError && <div className="small notify-error">{m.lastError}</div>}
                  </td>
                  <td className="actions">
                    {m.status === 'dead' && (
                      <button type="button" className="btn btn-small" onClick={() => retry(m)} aria-label={`Retry ${m.subject} to ${m.channelName}`}>
                        Retry
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DeliveryLog({ nonce }: { nonce: number }) {
  const log = useAsync((signal) => api.get<{ items: Delivery[] }>('/api/v1/notifications/deliveries', { limit: 50 }, signal), [nonce]);
  return (
    <section className="card notify-log" aria-labelledby="notify-log-title">
      <h2 id="notify-log-title">Delivery log</h2>
      <p className="hint">Every attempt, newest first: the status code the target answered or the error, and how long it took.</p>
      <ErrorBanner error={log.error} onRetry={log.reload} />
      {log.data && !log.data.items.length && <Empty>No deliveries yet.</Empty>}
      {log.data && log.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="notify-deliveries">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Channel</th>
                <th scope="col">Message</th>
                <th scope="col">Attempt</th>
                <th scope="col">Outcome</th>
                <th scope="col" className="num">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {log.data.items.map((d) => (
                <tr key={d.id}>
                  <td>{formatDateTime(d.startedAt)}</td>
                  <td>
                    {d.channelName}
                    {d.target && <div className="small muted notify-target">{d.target}</div>}
                  </td>
                  <td>
                    {d.subject}
                    <div className="small muted">{d.event}</div>
                  </td>
                  <td>{d.attempt}</td>
                  <td>
                    <span className={`notify-outcome notify-outcome-${d.outcome}`}>{d.outcome}</span>
                    {d.statusCode !== null && ` · HTTP ${d.statusCode}`}
                    {d.error && <div className="small notify-error">{d.error}</div>}
                  </td>
                  <td className="num">{d.durationMs} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
