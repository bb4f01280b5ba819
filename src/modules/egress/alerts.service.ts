import type { Kysely } from 'kysely';
import { parse as parseHost } from 'tldts';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, notFound } from '../../platform/errors.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { SettingsDocument } from '../../platform/settings.js';
import { parentDomains, type CorrelationService, type EgressContact } from '../indicators/correlation.service.js';
import { CATEGORY_OF_TYPE, type ConfidenceTier, type DetectionType } from '../pii/pii.model.js';
import type { RiskService } from '../risks/risks.service.js';
import type { Attribution, EgressAttribution } from './attribution.js';
import type { EgressEvent } from './egress.model.js';
import { EgressAlertRepository, type IndicatorHitRow } from './alerts.repository.js';
import { destinationOf, judgeVolume, noveltyTarget, ProductIndex, type ProductRef } from './alerts.rules.js';
import {
  DEFAULT_EGRESS_ALERT_SETTINGS,
  type AlertRule,
  type AlertSeverity,
  type EgressAlert,
  type EgressAlertSettings,
  type ListAlertsQueryType,
} from './alerts.schemas.js';
import type { EgressAlertBaselinesTable, EgressAlertNoveltyTable, EgressAlertsTable } from './alerts.tables.js';

export const EGRESS_ALERT_SETTINGS_KEY = 'egress-alerts';
const SETTINGS = new SettingsDocument<EgressAlertSettings>(EGRESS_ALERT_SETTINGS_KEY, DEFAULT_EGRESS_ALERT_SETTINGS, { action: 'settings.egress-alerts.update' });
export const PRUNE_JOB = 'egress.alerts.prune';
export const PRUNE_SCHEDULE = { name: 'egress-alert-baselines-prune', cron: '17 3 * * *', jobKind: PRUNE_JOB };

type StoredEvent = EgressEvent & { id: string };

/** What the rules need of the flows module's attribution (EgressAttribution). */
export type AlertAttribution = Pick<EgressAttribution, 'resolveMany' | 'sanctionOf'>;

export interface EgressAlertDeps {
  correlation: CorrelationService;
  risks: RiskService;
}

export type AlertHook = (trx: Executor, events: StoredEvent[], ctx: RequestContext) => Promise<void>;

type Resolved = Attribution;

/** One rule firing on one event, before de-duplication. */
interface Candidate {
  rule: AlertRule;
  key: string;
  severity: AlertSeverity;
  title: string;
  detail: string;
  vendorId: string | null;
  productId: string | null;
  destination: string;
  source: string;
  pathOwner: string | null;
  sanction: string | null;
  dataClasses: string[];
  indicatorId: string | null;
  sightingId: string | null;
  evidence: Record<string, unknown>;
  event: StoredEvent;
  rating: { likelihood: number; impact: number };
}

const HOUR_MS = 3_600_000;
const TIER_RANK: Record<ConfidenceTier, number> = { low: 0, medium: 1, high: 2 };
const SENSITIVE: ReadonlySet<DetectionType> = new Set(['payment_card', 'iban', 'us_ssn', 'uk_nino', 'national_id', 'secret', 'jwt']);

const at = (event: StoredEvent) => Date.parse(event.at);
const sourceOf = (event: StoredEvent) => event.client ?? event.app ?? '-';
const hostKey = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * Egress alerts: an ingest hook evaluates each stored batch against four rules (personal data to an
 * unsanctioned or unknown destination, a vendor's software contacting a new destination, a
 * flow's volume anomaly, contact with an indicator) and folds recurrences into open alerts. The
 * per-batch work is a fixed number of queries (settings, products fingerprint, indicators, novelty
 * rows, baselines, open alerts, then the writes), whatever the batch size; per-event work is in
 * memory.
 */
export class EgressAlertService {
  private productCache: { version: string; index: ProductIndex } | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly deps: EgressAlertDeps,
    private readonly now: () => number = Date.now,
  ) {}

  private repo(executor: Executor = this.db) {
    return new EgressAlertRepository(executor);
  }

  /** Each rule's stored fields over its defaults (a field a later release adds reads as its default). */
  async settings(executor: Executor = this.db): Promise<EgressAlertSettings> {
    const stored = await SETTINGS.read(executor);
    const d = DEFAULT_EGRESS_ALERT_SETTINGS;
    return {
      personalData: { ...d.personalData, ...stored.personalData },
      newDestination: { ...d.newDestination, ...stored.newDestination },
      volumeAnomaly: { ...d.volumeAnomaly, ...stored.volumeAnomaly },
      indicatorContact: { ...d.indicatorContact, ...stored.indicatorContact },
    };
  }

  async setSettings(settings: EgressAlertSettings, ctx: RequestContext): Promise<EgressAlertSettings> {
    return this.db.transaction().execute((trx) => SETTINGS.replace(trx, settings, ctx));
  }

  /** The ingest hook (EgressIngestService.onIngested, after the flows hook): runs in the batch's transaction. */
  ingestHook(attribution: AlertAttribution): AlertHook {
    return (trx, events, ctx) => this.evaluate(attribution, trx, events, ctx);
  }

  private async evaluate(attribution: AlertAttribution, trx: Executor, events: StoredEvent[], ctx: RequestContext): Promise<void> {
    if (!events.length) return;
    const settings = await this.settings(trx);
    if (!settings.personalData.enabled && !settings.newDestination.enabled && !settings.volumeAnomaly.enabled && !settings.indicatorContact.enabled) return;
    const repo = this.repo(trx);
    await repo.lock();
    const ordered = [...events].sort((a, b) => at(a) - at(b));
    const attributions = await attribution.resolveMany(trx, new Set(ordered.map((e) => e.host)));
    const needProducts = settings.newDestination.enabled || settings.indicatorContact.enabled;
    const index = needProducts ? await this.productIndex(repo) : null;
    const productOf = new Map<string, ProductRef | null>();
    const product = (e: StoredEvent) => {
      if (!index || !e.app) return null;
      if (!productOf.has(e.app)) productOf.set(e.app, index.lookup(e.app));
      return productOf.get(e.app) ?? null;
    };
    const candidates: Candidate[] = [];
    if (settings.personalData.enabled) candidates.push(...personalData(ordered, attributions, attribution, settings.personalData));
    if (settings.newDestination.enabled) candidates.push(...(await this.newDestinations(repo, ordered, attributions, product, settings.newDestination)));
    if (settings.volumeAnomaly.enabled) candidates.push(...(await this.volume(repo, ordered, attributions, settings.volumeAnomaly)));
    if (settings.indicatorContact.enabled) candidates.push(...(await this.indicatorContacts(trx, repo, ordered, attributions, product, ctx)));
    if (candidates.length) await this.store(trx, repo, candidates, settings, ctx);
  }

  private async productIndex(repo: EgressAlertRepository): Promise<ProductIndex> {
    const version = await repo.productsVersion();
    if (this.productCache?.version !== version) this.productCache = { version, index: new ProductIndex(await repo.products()) };
    return this.productCache.index;
  }

  /** (b) First contact of a vendor's software with a destination (a path owner on shared hosting). */
  private async newDestinations(repo: EgressAlertRepository, events: StoredEvent[], attributions: Map<string, Resolved>, product: (e: StoredEvent) => ProductRef | null, rule: EgressAlertSettings['newDestination']): Promise<Candidate[]> {
    const items = events.flatMap((event) => {
      const p = product(event);
      return p ? [{ event, product: p, novelty: noveltyTarget(hostKey(event.host), event.path, rule.pathOwnedHosts) }] : [];
    });
    if (!items.length) return [];
    const rows = await repo.novelty(items.map((i) => i.product.id), items.map((i) => i.novelty.target));
    const known = new Set(rows.filter((r) => r.target !== '*').map((r) => `${r.product_id}\0${r.target}`));
    const firstSeen = new Map(rows.filter((r) => r.target === '*').map((r) => [r.product_id, Date.parse(r.first_seen)]));
    const fresh: EgressAlertNoveltyTable[] = [];
    const out: Candidate[] = [];
    for (const { event, product: p, novelty } of items) {
      let since = firstSeen.get(p.id);
      if (since === undefined) {
        since = at(event);
        firstSeen.set(p.id, since);
        fresh.push({ product_id: p.id, target: '*', first_seen: event.at });
      }
      const key = `${p.id}\0${novelty.target}`;
      if (known.has(key)) continue;
      known.add(key);
      fresh.push({ product_id: p.id, target: novelty.target, first_seen: event.at });
      const attribution = attributions.get(event.host)!;
      const learning = at(event) - since < rule.learningHours * HOUR_MS;
      if (learning || (rule.ignoreOwnVendor && attribution.vendorId === p.vendorId)) continue;
      const destination = attribution.destination || destinationOf(event.host);
      const where = novelty.owner ? `${novelty.target} on ${event.host}` : event.host;
      out.push({
        rule: 'new-destination',
        key: `v:${p.vendorId}|p:${p.id}|t:${novelty.target}`,
        severity: novelty.platform ? 'high' : 'medium',
        title: `${p.vendorName} ${p.name} contacted a new destination: ${where}`.slice(0, 300),
        detail: `${event.app} (${p.vendorName} ${p.name}) from ${sourceOf(event)} contacted ${event.host}${event.path ? event.path.slice(0, 200) : ''} for the first time${novelty.owner ? `; on shared hosting the owner ${novelty.owner} is what is new` : ''}.`,
        vendorId: p.vendorId,
        productId: p.id,
        destination,
        source: sourceOf(event),
        pathOwner: novelty.owner ? novelty.target : null,
        sanction: null,
        dataClasses: event.dataClasses,
        indicatorId: null,
        sightingId: null,
        evidence: { target: novelty.target, platform: novelty.platform, path: event.path, learnedSince: new Date(since).toISOString() },
        event,
        rating: { likelihood: 3, impact: 4 },
      });
    }
    await repo.insertNovelty(fresh);
    return out;
  }

  /** (c) A flow's hourly bytes out against its robust baseline (judgeVolume documents the statistic). */
  private async volume(repo: EgressAlertRepository, events: StoredEvent[], attributions: Map<string, Resolved>, rule: EgressAlertSettings['volumeAnomaly']): Promise<Candidate[]> {
    const flows = new Map<string, StoredEvent[]>();
    for (const event of events) {
      const destination = attributions.get(event.host)!.destination || destinationOf(event.host);
      const key = `${sourceOf(event)}|${destination}`;
      const flow = flows.get(key);
      if (flow) flow.push(event);
      else flows.set(key, [event]);
    }
    const stored = new Map((await repo.baselines([...flows.keys()])).map((r) => [r.flow_key, r]));
    const windowMs = rule.windowHours * HOUR_MS;
    const saved: EgressAlertBaselinesTable[] = [];
    const out: Candidate[] = [];
    const updatedAt = new Date(this.now()).toISOString();
    for (const [flowKey, flowEvents] of flows) {
      const row = stored.get(flowKey);
      let hour = row ? Date.parse(row.hour) : null;
      let bytes = row ? row.bytes_out : 0;
      let history = row ? parseHistory(row.history) : [];
      flowEvents.forEach((event, i) => {
        const h = Math.floor(at(event) / HOUR_MS) * HOUR_MS;
        if (hour !== null && h < hour) {
          // A late event of a finished hour counts in that hour's history, never alerts.
          const entry = history.find(([t]) => t === h);
          if (entry) entry[1] += event.bytesOut;
          else if (h > hour - windowMs && event.bytesOut > 0) history = [...history, [h, event.bytesOut] as [number, number]].sort((a, b) => a[0] - b[0]);
          return;
        }
        if (hour === null || h > hour) {
          if (hour !== null && bytes > 0) history.push([hour, bytes]);
          hour = h;
          bytes = 0;
          history = history.filter(([t]) => t > h - windowMs);
        }
        bytes += event.bytesOut;
        const next = flowEvents[i + 1];
        if (next && Math.floor(at(next) / HOUR_MS) * HOUR_MS === h) return;
        const verdict = judgeVolume(history.map(([, b]) => b), bytes, rule);
        if (!verdict.anomalous) return;
        const attribution = attributions.get(event.host)!;
        const destination = attribution.destination || destinationOf(event.host);
        out.push({
          rule: 'volume-anomaly',
          key: `v:${attribution.vendorId ?? '-'}|f:${flowKey}`,
          severity: 'medium',
          title: `Unusual volume from ${sourceOf(event)} to ${destination}: ${formatBytes(bytes)} in an hour (baseline median ${formatBytes(verdict.median)})`.slice(0, 300),
          detail: `${formatBytes(bytes)} sent in the hour from ${new Date(h).toISOString()}, above median + ${rule.threshold} × robust spread = ${formatBytes(verdict.bound)} over ${verdict.samples} active hours (MAD ${formatBytes(verdict.mad)}).`,
          vendorId: attribution.vendorId,
          productId: attribution.productId,
          destination,
          source: sourceOf(event),
          pathOwner: null,
          sanction: null,
          dataClasses: [],
          indicatorId: null,
          sightingId: null,
          evidence: { hour: new Date(h).toISOString(), bytesOut: bytes, median: verdict.median, mad: verdict.mad, bound: verdict.bound, samples: verdict.samples, threshold: rule.threshold },
          event,
          rating: { likelihood: 3, impact: 3 },
        });
      });
      saved.push({ flow_key: flowKey, hour: new Date(hour!).toISOString(), bytes_out: bytes, history: JSON.stringify(history.slice(-rule.windowHours)), updated_at: updatedAt });
    }
    await repo.saveBaselines(saved);
    return out;
  }

  /** (d) Contact with an active indicator domain (or subdomain), URL (host and path) or IP; each also a sighting. */
  private async indicatorContacts(trx: Executor, repo: EgressAlertRepository, events: StoredEvent[], attributions: Map<string, Resolved>, product: (e: StoredEvent) => ProductRef | null, ctx: RequestContext): Promise<Candidate[]> {
    const domains = new Set<string>();
    const ips = new Set<string>();
    for (const event of events) {
      const host = hostKey(event.host);
      if (parseHost(host).isIp) ips.add(host);
      else for (const d of parentDomains(host)) domains.add(d);
    }
    const hits = await repo.indicatorHits([...domains], [...ips], new Date(this.now()).toISOString());
    if (!hits.length) return [];
    const byDomain = new Map<string, IndicatorHitRow[]>();
    const byIp = new Map<string, IndicatorHitRow[]>();
    for (const hit of hits) {
      const map = hit.domain === null ? byIp : byDomain;
      const k = hit.domain ?? hit.value;
      map.set(k, [...(map.get(k) ?? []), hit]);
    }
    const out: Candidate[] = [];
    const contacts = new Map<string, EgressContact>();
    for (const event of events) {
      const host = hostKey(event.host);
      const matches = ips.has(host)
        ? (byIp.get(host) ?? [])
        : parentDomains(host).flatMap((d) => (byDomain.get(d) ?? []).filter((hit) => hit.type === 'domain' || (d === host && urlMatches(hit.value, event.path))));
      for (const hit of new Map(matches.map((m) => [m.id, m])).values()) {
        const p = product(event);
        const attribution = attributions.get(event.host)!;
        const vendorId = p?.vendorId ?? attribution.vendorId;
        const contactKey = `${hit.id}\0${vendorId ?? '-'}\0${host}`;
        if (!contacts.has(contactKey)) contacts.set(contactKey, { indicator: hit, vendorId, productId: p?.id ?? attribution.productId, host, path: event.path, app: event.app, client: event.client, at: event.at, eventId: event.id });
        const destination = attribution.destination || destinationOf(event.host);
        const by = p ? `${p.vendorName} ${p.name} (${event.app})` : (event.app ?? sourceOf(event));
        out.push({
          rule: 'indicator-contact',
          key: `v:${vendorId ?? '-'}|i:${hit.id}|h:${host}`,
          severity: 'critical',
          title: `Contact with indicator ${hit.type} ${hit.value.slice(0, 160)} by ${by}`.slice(0, 300),
          detail: `${by} from ${sourceOf(event)} contacted ${event.host}${event.path ? event.path.slice(0, 200) : ''}, a threat-intel indicator (${hit.type} ${hit.value.slice(0, 300)}${hit.confidence === null ? '' : `, confidence ${hit.confidence}`}).`,
          vendorId,
          productId: p?.id ?? attribution.productId,
          destination,
          source: sourceOf(event),
          pathOwner: null,
          sanction: null,
          dataClasses: event.dataClasses,
          indicatorId: hit.id,
          sightingId: null,
          evidence: { indicator: { type: hit.type, value: hit.value, confidence: hit.confidence }, path: event.path, decision: event.decision },
          event,
          rating: { likelihood: hit.confidence === null || hit.confidence >= 70 ? 5 : 4, impact: 5 },
        });
      }
    }
    const sightings = await this.deps.correlation.onEgress(trx, [...contacts.values()], ctx);
    const sightingOf = new Map(sightings.map((s) => [`${s.indicatorId}\0${s.vendorId ?? '-'}`, s.id]));
    for (const c of out) c.sightingId = sightingOf.get(`${c.indicatorId}\0${c.vendorId ?? '-'}`) ?? null;
    return out;
  }

  /** Folds the candidates into alerts: a recurrence within the rule's window grows an unresolved alert, else a new one opens. */
  private async store(trx: Executor, repo: EgressAlertRepository, candidates: Candidate[], settings: EgressAlertSettings, ctx: RequestContext): Promise<void> {
    const groups = new Map<string, { first: Candidate; last: Candidate; count: number; classes: Set<string> }>();
    for (const c of candidates) {
      const k = `${c.rule}\0${c.key}`;
      const g = groups.get(k);
      if (!g) groups.set(k, { first: c, last: c, count: 1, classes: new Set(c.dataClasses) });
      else {
        g.count++;
        if (at(c.event) >= at(g.last.event)) g.last = c;
        for (const d of c.dataClasses) g.classes.add(d);
      }
    }
    const existing = new Map<string, EgressAlertsTable>();
    for (const row of await repo.unresolved([...groups.values()].map((g) => g.first.key))) {
      const k = `${row.rule}\0${row.dedupe_key}`;
      const held = existing.get(k);
      if (!held || row.last_seen > held.last_seen) existing.set(k, row);
    }
    const now = new Date(this.now()).toISOString();
    const inserts: EgressAlertsTable[] = [];
    for (const [k, g] of groups) {
      const rule = ruleSettings(settings, g.first.rule);
      const row = existing.get(k);
      if (row && at(g.first.event) - Date.parse(row.last_seen) <= rule.windowMinutes * 60_000) {
        const later = g.last.event.at > row.last_seen;
        const classes = [...new Set([...(JSON.parse(row.data_classes) as string[]), ...g.classes])].sort();
        await repo.recur(row.id, { count: g.count, lastSeen: later ? g.last.event.at : row.last_seen, lastEventId: later ? g.last.event.id : row.last_event_id, dataClasses: JSON.stringify(classes), updatedAt: now });
        continue;
      }
      const c = g.first;
      const id = newId();
      const riskId = rule.openRisk ? await this.raiseRisk(trx, repo, id, c, ctx) : null;
      const alert: EgressAlertsTable = {
        id,
        rule: c.rule,
        dedupe_key: c.key,
        status: 'open',
        severity: c.severity,
        title: c.title,
        detail: c.detail.slice(0, 2000),
        vendor_id: c.vendorId,
        product_id: c.productId,
        destination: c.destination,
        host: hostKey(c.event.host),
        source: c.source,
        app: c.event.app,
        path_owner: c.pathOwner,
        sanction: c.sanction,
        data_classes: JSON.stringify([...g.classes].sort()),
        indicator_id: c.indicatorId,
        sighting_id: c.sightingId,
        risk_id: riskId,
        evidence: JSON.stringify(c.evidence),
        count: g.count,
        first_seen: c.event.at,
        last_seen: g.last.event.at,
        first_event_id: c.event.id,
        last_event_id: g.last.event.id,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        created_at: now,
        updated_at: now,
      };
      inserts.push(alert);
      await recordAudit(trx, ctx, { action: 'egress.alert.open', entityType: 'egress_alert', entityId: id, after: { rule: c.rule, severity: c.severity, title: c.title, vendorId: c.vendorId, destination: c.destination, riskId } });
    }
    await repo.insert(inserts);
  }

  private async raiseRisk(trx: Executor, repo: EgressAlertRepository, alertId: string, c: Candidate, ctx: RequestContext): Promise<string | null> {
    const sourceKey = `${c.rule}:${c.key}`.slice(0, 500);
    await this.deps.risks.raise(
      {
        source: 'egress-alert',
        sourceKey,
        title: `Egress: ${c.title}`.slice(0, 300),
        description: c.detail,
        likelihood: c.rating.likelihood,
        impact: c.rating.impact,
        vendorIds: c.vendorId ? [c.vendorId] : [],
        productIds: c.productId ? [c.productId] : [],
        evidence: [
          { type: 'egress-alert', id: alertId, label: c.title.slice(0, 300) },
          ...(c.indicatorId ? [{ type: 'indicator' as const, id: c.indicatorId }] : []),
          ...(c.sightingId ? [{ type: 'sighting' as const, id: c.sightingId }] : []),
        ],
      },
      ctx,
      trx,
    );
    return repo.riskOf(sourceKey);
  }

  async list(query: ListAlertsQueryType): Promise<PageOf<EgressAlert>> {
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor)?.id ?? null;
    const repo = this.repo();
    const rows = await repo.list({ rule: query.rule, status: query.status, severity: query.severity, vendorId: query.vendorId, destination: query.destination }, before, limit);
    const names = await repo.vendorNames(rows.flatMap((r) => (r.vendor_id ? [r.vendor_id] : [])));
    return toPage(rows, limit, () => null, (r) => presentAlert(r, names));
  }

  async get(id: string, executor: Executor = this.db): Promise<EgressAlert> {
    const repo = this.repo(executor);
    const row = await repo.get(id);
    if (!row) throw notFound('egress alert', id);
    return presentAlert(row, await repo.vendorNames(row.vendor_id ? [row.vendor_id] : []));
  }

  /** open → acknowledged (someone is on it); anything else is a 409 saying where it stands. */
  async acknowledge(id: string, ctx: RequestContext): Promise<EgressAlert> {
    return this.transition(id, ['open'], 'acknowledged', ctx);
  }

  /** open or acknowledged → resolved; a recurrence after this opens a new alert. */
  async resolve(id: string, ctx: RequestContext): Promise<EgressAlert> {
    return this.transition(id, ['open', 'acknowledged'], 'resolved', ctx);
  }

  private async transition(id: string, from: EgressAlertsTable['status'][], to: 'acknowledged' | 'resolved', ctx: RequestContext): Promise<EgressAlert> {
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await repo.get(id);
      if (!row) throw notFound('egress alert', id);
      if (!from.includes(row.status)) throw conflict(`the alert is ${row.status} already`);
      const now = new Date(this.now()).toISOString();
      const changes: Partial<EgressAlertsTable> = to === 'acknowledged'
        ? { status: 'acknowledged', acknowledged_at: now, acknowledged_by: ctx.actor.name, updated_at: now }
        : { status: 'resolved', resolved_at: now, resolved_by: ctx.actor.name, updated_at: now };
      if (!(await repo.setStatus(id, [row.status], changes))) throw conflict('the alert changed meanwhile; reload it');
      await recordAudit(trx, ctx, { action: to === 'acknowledged' ? 'egress.alert.acknowledge' : 'egress.alert.resolve', entityType: 'egress_alert', entityId: id, before: { status: row.status }, after: { status: to } });
      return this.get(id, trx);
    });
  }

  /** The prune job: baselines of flows idle longer than the volume window are dropped. */
  async prune(): Promise<{ pruned: number }> {
    const settings = await this.settings();
    const before = new Date(this.now() - settings.volumeAnomaly.windowHours * HOUR_MS).toISOString();
    return { pruned: await this.repo().pruneBaselines(before) };
  }
}

/** (a) Personal data to an unsanctioned or unknown destination. */
function personalData(events: StoredEvent[], attributions: Map<string, Resolved>, attribution: AlertAttribution, rule: EgressAlertSettings['personalData']): Candidate[] {
  const allowed = new Set<DetectionType>(rule.classes);
  const out: Candidate[] = [];
  for (const event of events) {
    const seen = event.detections.length
      ? event.detections.filter((d) => d.count > 0 && TIER_RANK[d.tier] >= TIER_RANK[rule.minTier]).map((d) => d.type)
      : event.dataClasses;
    const classes = [...new Set(seen.filter((t) => allowed.has(t)))].sort();
    if (!classes.length) continue;
    const resolved = attributions.get(event.host)!;
    const sanction = attribution.sanctionOf(resolved, classes);
    if (sanction === 'sanctioned' || !(rule.sanctions as string[]).includes(sanction)) continue;
    const destination = resolved.destination || destinationOf(event.host);
    const sensitive = classes.some((c) => SENSITIVE.has(c));
    const categories = [...new Set(classes.map((c) => CATEGORY_OF_TYPE[c]))];
    const whom = resolved.vendorId ? `${resolved.vendorName ?? 'its vendor'}, not approved for ${categories.join(', ')} data` : 'no known vendor';
    out.push({
      rule: 'personal-data',
      key: `v:${resolved.vendorId ?? '-'}|d:${destination}|s:${sanction}`,
      severity: sensitive ? 'high' : 'medium',
      title: `Personal data (${classes.join(', ')}) sent to ${sanction} destination ${destination}`.slice(0, 300),
      detail: `${sourceOf(event)} sent ${classes.join(', ')} to ${event.host} (${whom}).`,
      vendorId: resolved.vendorId,
      productId: resolved.productId,
      destination,
      source: sourceOf(event),
      pathOwner: null,
      sanction,
      dataClasses: classes,
      indicatorId: null,
      sightingId: null,
      evidence: { detections: event.detections },
      event,
      rating: { likelihood: 4, impact: sensitive ? 5 : 4 },
    });
  }
  return out;
}

function ruleSettings(settings: EgressAlertSettings, rule: AlertRule): { windowMinutes: number; openRisk: boolean } {
  switch (rule) {
    case 'personal-data':
      return settings.personalData;
    case 'new-destination':
      return settings.newDestination;
    case 'volume-anomaly':
      return settings.volumeAnomaly;
    case 'indicator-contact':
      return settings.indicatorContact;
  }
}

/** Whether a URL indicator covers a request path: the same host (checked by the caller) and the path, or a path under it. */
export function urlMatches(indicatorUrl: string, path: string | null): boolean {
  let wanted: string;
  try {
    wanted = new URL(indicatorUrl).pathname;
  } catch {
    return false;
  }
  if (wanted === '/' || wanted === '') return true;
  if (path === null) return false;
  const got = path.split(/[?#]/, 1)[0];
  return got === wanted || got.startsWith(wanted.endsWith('/') ? wanted : `${wanted}/`);
}

function parseHistory(json: string): Array<[number, number]> {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((e): e is [number, number] => Array.isArray(e) && e.length === 2 && Number.isFinite(e[0]) && Number.isFinite(e[1])) : [];
  } catch {
    return [];
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function presentAlert(row: EgressAlertsTable, vendorNames: Map<string, string>): EgressAlert {
  const hourStart = new Date(Math.floor(Date.parse(row.first_seen) / HOUR_MS) * HOUR_MS).toISOString();
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
  return {
    id: row.id,
    rule: row.rule,
    status: row.status,
    severity: row.severity,
    title: row.title,
    detail: row.detail,
    vendor: row.vendor_id ? { id: row.vendor_id, name: vendorNames.get(row.vendor_id) ?? row.vendor_id } : null,
    productId: row.product_id,
    destination: row.destination,
    host: row.host,
    source: row.source,
    app: row.app,
    pathOwner: row.path_owner,
    sanction: row.sanction,
    dataClasses: JSON.parse(row.data_classes) as string[],
    indicatorId: row.indicator_id,
    sightingId: row.sighting_id,
    riskId: row.risk_id,
    evidence: JSON.parse(row.evidence) as Record<string, unknown>,
    count: Number(row.count),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    firstEventId: row.first_event_id,
    lastEventId: row.last_event_id,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    links: {
      flows: `/api/v1/dataflows?${q({ q: row.destination, from: hourStart })}`,
      events: `/api/v1/egress/events?${q({ host: row.host, from: row.first_seen, to: row.last_seen })}`,
      vendor: row.vendor_id ? `/api/v1/vendors/${row.vendor_id}` : null,
      risk: row.risk_id ? `/api/v1/risks/${row.risk_id}` : null,
    },
  };
}
