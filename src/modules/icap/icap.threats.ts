import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import { IcapRepository } from './icap.repository.js';

export interface ThreatMatch {
  kind: 'indicator' | 'blocklist';
  /** The indicator or blocked value that matched (a domain, URL or IP). */
  value: string;
  /** The indicator's or block's id. */
  ref: string;
}

interface ThreatSnapshot {
  domains: Map<string, ThreatMatch>;
  ips: Map<string, ThreatMatch>;
  /** URL indicators by host: a request matches when its URL starts with one. */
  urls: Map<string, Array<{ prefix: string; match: ThreatMatch }>>;
  loadedAt: string | null;
}

/**
 * The destinations every request is checked against before anything else: live indicators of
 * type domain, URL and IP, and the active egress blocklist. Held in memory and reloaded on an
 * interval, so the per-request check is a few map probes and never waits on the database; a
 * failed reload keeps the previous set.
 */
export class ThreatSet {
  private snapshot: ThreatSnapshot = { domains: new Map(), ips: new Map(), urls: new Map(), loadedAt: null };
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: { refreshMs?: number; onError?: (error: unknown) => void } = {},
  ) {}

  /** Loads now and then every refreshMs (default 30 s). */
  async start(): Promise<void> {
    await this.reload().catch((error: unknown) => this.options.onError?.(error));
    this.timer = setInterval(() => void this.reload().catch((error: unknown) => this.options.onError?.(error)), this.options.refreshMs ?? 30_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get counts() {
    const s = this.snapshot;
    return { domains: s.domains.size, urls: [...s.urls.values()].reduce((n, l) => n + l.length, 0), ips: s.ips.size, loadedAt: s.loadedAt };
  }

  /** Reloads at once (a second caller shares the running load). */
  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<void> {
    const now = new Date().toISOString();
    const repo = new IcapRepository(this.db);
    const [rows, blocks] = await Promise.all([repo.destinationIndicators(now), repo.activeBlocks(now)]);
    const next: ThreatSnapshot = { domains: new Map(), ips: new Map(), urls: new Map(), loadedAt: now };
    // Blocks first: a domain both blocked and an indicator reads as blocked (the explicit decision).
    for (const b of blocks) next.domains.set(b.domain, { kind: 'blocklist', value: b.domain, ref: b.id });
    for (const r of rows) {
      const match: ThreatMatch = { kind: 'indicator', value: r.value, ref: r.id };
      if (r.type === 'domain') {
        if (!next.domains.has(r.value)) next.domains.set(r.value, match);
      } else if (r.type === 'ipv4' || r.type === 'ipv6') {
        next.ips.set(r.value, match);
      } else {
        let url: URL;
        try {
          url = new URL(r.value);
        } catch {
          continue;
        }
        const host = url.hostname.replace(/^\[|\]$/g, '');
        const list = next.urls.get(host) ?? [];
        list.push({ prefix: `${host}${url.pathname}`, match });
        next.urls.set(host, list);
      }
    }
    this.snapshot = next;
  }

  /**
   * The first threat the destination falls under: the IP itself, the host or any parent domain,
   * or a URL indicator whose host and path the request's start with (a URL indicator on a shared
   * host such as raw.githubusercontent.com blocks that path, not the whole host).
   */
  match(host: string, path: string | null): ThreatMatch | null {
    const s = this.snapshot;
    if (isIP(host)) return s.ips.get(host) ?? this.urlMatch(host, path);
    let name = host;
    for (;;) {
      const hit = s.domains.get(name);
      if (hit) return hit;
      const dot = name.indexOf('.');
      if (dot === -1) break;
      name = name.slice(dot + 1);
    }
    return this.urlMatch(host, path);
  }

  private urlMatch(host: string, path: string | null): ThreatMatch | null {
    const list = this.snapshot.urls.get(host);
    if (!list || path === null) return null;
    const target = `${host}${path}`;
    for (const entry of list) if (target.startsWith(entry.prefix)) return entry.match;
    return null;
  }
}
