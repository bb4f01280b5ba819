import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { systemContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import type { EgressEvent } from '../egress/egress.model.js';
import { EventRecorder, IcapDecider, type BodyScan, type DestinationAttribution, type FailMode } from './icap.decider.js';
import type { PolicyStore } from './icap.policy.js';
import { IcapServer, REQMOD_SERVICE, type IcapServerOptions } from './icap.server.js';
import { ThreatSet } from './icap.threats.js';

export interface IcapRuntimeDeps {
  db: Kysely<DB>;
  policies: PolicyStore;
  attribution: DestinationAttribution;
  scanBody: BodyScan;
  ingest: (events: EgressEvent[], ctx: ReturnType<typeof systemContext>) => Promise<unknown>;
  failMode: FailMode;
  logger: Logger;
}

/**
 * The ICAP service as one running thing: the protocol server, the decider, the in-memory threat
 * set and the event recorder. `thirdwatch serve` and `thirdwatch icap` start one.
 */
export class IcapRuntime {
  readonly threats: ThreatSet;
  readonly recorder: EventRecorder;
  readonly decider: IcapDecider;
  readonly server: IcapServer;
  url: string | null = null;
  readonly since = new Date().toISOString();

  constructor(
    private readonly deps: IcapRuntimeDeps,
    options: IcapServerOptions & { threatRefreshMs?: number; eventIntervalMs?: number },
  ) {
    const logger = deps.logger.child({ module: 'icap' });
    this.threats = new ThreatSet(deps.db, { refreshMs: options.threatRefreshMs, onError: (err) => logger.warn({ err }, 'ICAP threat set reload failed; keeping the previous set') });
    const ctx = systemContext('icap');
    this.recorder = new EventRecorder((events) => deps.ingest(events, ctx), { logger, intervalMs: options.eventIntervalMs });
    this.decider = new IcapDecider(deps.db, { policies: deps.policies, threats: this.threats, attribution: deps.attribution, scanBody: deps.scanBody, record: (e) => this.recorder.push(e), failMode: deps.failMode, logger });
    this.server = new IcapServer(this.decider, { ...options, logger });
  }

  async start(): Promise<string> {
    await this.deps.policies.current().catch((err: unknown) => this.deps.logger.warn({ err }, 'ICAP policy not readable at start; the fail mode applies until it is'));
    await this.threats.start();
    const { host, port } = await this.server.listen();
    this.url = `icap://${host.includes(':') ? `[${host}]` : host}:${port}${REQMOD_SERVICE}`;
    return this.url;
  }

  async close(): Promise<void> {
    await this.server.close();
    this.threats.stop();
    await this.recorder.close();
  }

  status() {
    const s = this.server.stats;
    const c = this.decider.counters;
    return {
      url: this.url ?? '',
      since: this.since,
      connections: s.connections,
      requests: s.requests,
      decisions: { allow: c.allow, block: c.block, record: c.record },
      protocolErrors: s.protocolErrors,
      timeouts: s.timeouts,
      failures: c.failures,
      pendingEvents: this.recorder.pending,
      droppedEvents: this.recorder.dropped,
      threats: this.threats.counts,
    };
  }
}
