import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB, Executor } from '../../platform/db/schema.js';
import { yieldToEventLoop } from '../../platform/event-loop.js';
import { newId } from '../../platform/ids.js';
import type { EgressDecision, EgressEvent, Sanction } from '../egress/egress.model.js';
import { normalizeHost } from '../egress/parsers/common.js';
import { CONFIDENCE_TIERS, type Detection, type DetectionType } from '../pii/pii.model.js';
import type { ScanResult } from '../pii/pii.scan.js';
import { summarize } from '../pii/pii.scan.js';
import { renderBlockPage } from './icap.page.js';
import { istagOf, type PolicyInForce, type PolicyStore } from './icap.policy.js';
import type { IcapPolicy } from './icap.schemas.js';
import type { IcapDecision, IcapHandler, IcapTransaction } from './icap.server.js';
import type { ThreatMatch, ThreatSet } from './icap.threats.js';

/** What the decision needs of the attribution service (flows: EgressAttribution). */
export interface AttributionView {
  destination: string;
  vendorId: string | null;
  vendorName: string | null;
}
export interface DestinationAttribution<A extends AttributionView = AttributionView> {
  resolve(executor: Executor, host: string): Promise<A>;
  sanctionOf(attribution: A, dataClasses: DetectionType[]): Sanction;
}

/** The personal-data scan (PiiService.scanBody: the organisation's custom patterns included). */
export type BodyScan = (body: Buffer[], headers: { contentType?: string | null; contentEncoding?: string | null }) => Promise<ScanResult>;

export type FailMode = 'open' | 'closed';

export interface DeciderCounters {
  allow: number;
  block: number;
  record: number;
  failures: number;
}

const TIER_RANK: Record<string, number> = Object.fromEntries(CONFIDENCE_TIERS.map((t, i) => [t, i]));

const TYPE_WORDS: Record<DetectionType, [string, string]> = {
  email: ['e-mail address', 'e-mail addresses'],
  phone: ['phone number', 'phone numbers'],
  payment_card: ['payment card number', 'payment card numbers'],
  iban: ['bank account number (IBAN)', 'bank account numbers (IBAN)'],
  us_ssn: ['US social security number', 'US social security numbers'],
  uk_nino: ['UK national insurance number', 'UK national insurance numbers'],
  national_id: ['national identity number', 'national identity numbers'],
  ip_address: ['IP address', 'IP addresses'],
  date_of_birth: ['date of birth', 'dates of birth'],
  secret: ['secret or API key', 'secrets or API keys'],
  jwt: ['access token (JWT)', 'access tokens (JWT)'],
  custom: ['match of a custom pattern', 'matches of custom patterns'],
};

const CATEGORY_WORDS: Partial<Record<DetectionType, string>> = { payment_card: 'payment data', iban: 'payment data', secret: 'credentials', jwt: 'credentials' };

/**
 * The policy decision for each adapted request (IcapHandler): indicator destinations first (from
 * memory, so a preview is enough), then the body scan, then — only when a rule's data is present —
 * the destination's attribution and sanction. Every decision is handed to `record` as an egress
 * event whose id is the block page's reference. When the policy store or the attribution cannot
 * be read, the fail mode decides: open allows, closed blocks with a page saying so.
 */
export class IcapDecider implements IcapHandler {
  readonly counters: DeciderCounters = { allow: 0, block: 0, record: 0, failures: 0 };

  constructor(
    private readonly db: Kysely<DB>,
    private readonly deps: {
      policies: PolicyStore;
      threats: ThreatSet;
      attribution: DestinationAttribution;
      scanBody: BodyScan;
      record: (event: EgressEvent) => void;
      failMode: FailMode;
      logger?: Logger;
    },
  ) {}

  istag(): string {
    return istagOf(this.deps.policies.peek()?.version ?? 0);
  }

  async afterPreview(tx: IcapTransaction): Promise<IcapDecision | null> {
    const policy = this.deps.policies.peek();
    const host = normalizeHost(tx.http.host ?? '');
    if (!policy || !host || policy.policy.mode !== 'enforce' || !policy.policy.blockIndicatorDestinations) return null;
    const threat = this.deps.threats.match(host, tx.http.path);
    if (!threat) return null;
    return this.finish(tx, host, policy, { decision: 'block', reason: threatReason(host, threat), detections: [] });
  }

  async decide(tx: IcapTransaction): Promise<IcapDecision> {
    const host = normalizeHost(tx.http.host ?? '');
    // No destination (an origin-form request without Host): nothing to attribute or record.
    if (!host) return { action: 'allow' };
    let policy: PolicyInForce;
    try {
      policy = await this.deps.policies.current();
    } catch (error) {
      return this.failed(tx, host, error);
    }
    const p = policy.policy;
    try {
      const threat = p.blockIndicatorDestinations ? this.deps.threats.match(host, tx.http.path) : null;
      const { detections, truncated: scanTruncated } = await this.scan(tx);
      if (threat) return this.finish(tx, host, policy, { decision: p.mode === 'enforce' ? 'block' : 'record', reason: threatReason(host, threat), detections, scanTruncated });
      const triggers = triggerTypes(detections, p);
      if (!triggers.length) return this.finish(tx, host, policy, { decision: 'allow', reason: null, detections, scanTruncated });
      const attribution = await this.deps.attribution.resolve(this.db, host);
      const allowed = new Set(p.allowances.find((a) => a.vendorId === attribution.vendorId)?.types ?? []);
      const remaining = triggers.filter((t) => !allowed.has(t));
      const sanction: Sanction = remaining.length ? this.deps.attribution.sanctionOf(attribution, remaining) : 'sanctioned';
      if (!p.destinations.includes(sanction as 'unknown' | 'unsanctioned')) return this.finish(tx, host, policy, { decision: 'allow', reason: null, detections, scanTruncated });
      const reason = dataReason(host, attribution, sanction, remaining, detections);
      return this.finish(tx, host, policy, { decision: p.mode === 'enforce' ? 'block' : 'record', reason, detections, scanTruncated });
    } catch (error) {
      return this.failed(tx, host, error);
    }
  }

  private async scan(tx: IcapTransaction): Promise<{ detections: Detection[]; truncated: boolean }> {
    if (!tx.body || !tx.body.some((piece) => piece.length)) return { detections: [], truncated: false };
    const result = await this.deps.scanBody(tx.body, { contentType: tx.http.headers.get('content-type') ?? null, contentEncoding: tx.http.headers.get('content-encoding') ?? null });
    // Cut short either here (the body went on past what the server holds: the scan cap) or in the scan (a decoded body past the cap).
    return { detections: result.detections, truncated: tx.truncated || result.truncated };
  }

  private failed(tx: IcapTransaction, host: string, error: unknown): IcapDecision {
    this.counters.failures++;
    const mode = this.deps.failMode;
    this.deps.logger?.warn({ err: error, failMode: mode, host }, 'ICAP policy could not be applied; fail mode decides');
    const decision: EgressDecision = mode === 'open' ? 'allow' : 'block';
    const reason =
      mode === 'open'
        ? 'The data protection policy could not be checked (policy store unreachable); allowed because the service fails open.'
        : 'The data protection policy could not be checked (policy store unreachable), so the request was stopped: the service fails closed.';
    return this.finish(tx, host, null, { decision, reason, detections: [] });
  }

  private finish(tx: IcapTransaction, host: string, policy: PolicyInForce | null, outcome: { decision: EgressDecision; reason: string | null; detections: Detection[]; scanTruncated?: boolean }): IcapDecision {
    const id = newId();
    const at = new Date().toISOString();
    this.counters[outcome.decision]++;
    const event: EgressEvent = {
      id,
      at,
      source: 'icap',
      client: tx.clientIp,
      app: appOf(tx.http.headers.get('user-agent')),
      method: tx.http.method.toUpperCase(),
      host,
      port: tx.http.port,
      path: tx.http.path,
      status: outcome.decision === 'block' ? 403 : null,
      bytesOut: Math.max(tx.bodyBytes, Number(tx.http.headers.get('content-length')) || 0),
      bytesIn: 0,
      contentType: tx.http.headers.get('content-type')?.split(';')[0].trim().toLowerCase() || null,
      dataClasses: [...new Set(outcome.detections.map((d) => d.type))],
      detections: summarize(outcome.detections),
      scanTruncated: outcome.scanTruncated ?? false,
      decision: outcome.decision,
      reason: outcome.reason === null ? null : policy ? `${outcome.reason} (policy version ${policy.version})` : outcome.reason,
    };
    this.deps.record(event);
    if (outcome.decision !== 'block') return { action: 'allow' };
    return { action: 'block', status: 403, html: renderBlockPage({ reason: outcome.reason ?? 'Blocked by policy.', destination: host, reference: id, at }) };
  }
}

/** The detection types that trigger a rule: a blocking class at the policy's tier, or the bulk types past the threshold. */
export function triggerTypes(detections: Detection[], policy: IcapPolicy): DetectionType[] {
  const min = TIER_RANK[policy.minTier];
  const out = new Set<DetectionType>();
  for (const d of detections) if (policy.blockClasses.includes(d.type) && TIER_RANK[d.tier] >= min) out.add(d.type);
  const bulk = detections.filter((d) => policy.bulk.types.includes(d.type) && TIER_RANK[d.tier] >= TIER_RANK.medium);
  if (bulk.length >= policy.bulk.threshold) for (const d of bulk) out.add(d.type);
  return [...out];
}

function threatReason(host: string, threat: ThreatMatch): string {
  return threat.kind === 'blocklist'
    ? `The destination ${host} is on the organisation's egress blocklist (blocked domain ${threat.value}).`
    : `The destination ${host} matches the threat indicator ${threat.value}: every request to it is blocked.`;
}

function dataReason(host: string, attribution: AttributionView, sanction: Sanction, types: DetectionType[], detections: Detection[]): string {
  const counts = types.map((t) => {
    const n = detections.filter((d) => d.type === t).length;
    return `${n} ${TYPE_WORDS[t][n === 1 ? 0 : 1]}`;
  });
  const what = counts.length > 1 ? `${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}` : counts[0];
  const categories = [...new Set(types.map((t) => CATEGORY_WORDS[t] ?? 'personal data'))].join(' or ');
  const where =
    sanction === 'unknown'
      ? `${host}, a destination not attributed to any approved supplier`
      : `${host} (${attribution.vendorName ?? attribution.vendorId}), a supplier not approved to receive ${categories}`;
  return `The request carried ${what} to ${where}.`;
}

/** The application from a User-Agent: its first product token ("curl/8.5" → "curl"). */
function appOf(userAgent: string | undefined): string | null {
  const m = /^\s*([A-Za-z0-9._-]{1,64})(?:\/|\s|$)/.exec(userAgent ?? '');
  return m ? m[1] : null;
}

/**
 * Hands decisions to the ingestion service in batches, off the response path: a request never
 * waits for a write. Batches go every `intervalMs` or at `batchSize`; a failed write is retried
 * (the store may be down: that is when fail modes apply) and at most `maxPending` events wait,
 * the oldest dropped and counted beyond that.
 */
export class EventRecorder {
  private queue: EgressEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  dropped = 0;
  stored = 0;

  constructor(
    private readonly write: (events: EgressEvent[]) => Promise<unknown>,
    private readonly options: { batchSize?: number; intervalMs?: number; retryMs?: number; maxPending?: number; logger?: Logger } = {},
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  push(event: EgressEvent): void {
    if (this.queue.length >= (this.options.maxPending ?? 50_000)) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(event);
    if (this.queue.length >= (this.options.batchSize ?? 100)) this.schedule(0);
    else this.schedule(this.options.intervalMs ?? 200);
  }

  private schedule(ms: number): void {
    if (this.flushing) return;
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  /** Writes what is queued, a batch at a time; resolves when the queue is empty or a write failed. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
      if (this.queue.length) this.schedule(this.options.intervalMs ?? 200);
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.options.batchSize ?? 100);
      try {
        await this.write(batch);
        this.stored += batch.length;
        // Requests keep being answered while a backlog is stored, a batch at a time.
        await yieldToEventLoop();
      } catch (error) {
        this.queue.unshift(...batch);
        this.options.logger?.warn({ err: error, pending: this.queue.length }, 'ICAP decisions could not be stored yet; retrying');
        await new Promise((r) => setTimeout(r, this.options.retryMs ?? 1000).unref());
        return;
      }
    }
  }

  /** Stops timers and writes what is left (one attempt per batch). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    let before = -1;
    while (this.queue.length && this.queue.length !== before) {
      before = this.queue.length;
      await this.flush();
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
