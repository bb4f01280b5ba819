// Correlation: an indicator seen in the portfolio is a sighting. Incremental in both directions, like
// advisory matching: new indicators look up their own values in the component-hash and
// vendor-domain indexes; a new SBOM or artifact looks up its own hashes among indicators. Nothing
// ever rescans the portfolio.
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { newId } from '../../platform/ids.js';
import { IndicatorRepository, type HashHit } from './indicators.repository.js';
import type { IndicatorDomainsTable, IndicatorsTable, SightingsTable } from './indicators.tables.js';
import { chunks } from '../matching/bulk.js';
import { HASH_TYPES, type IndicatorType } from './parsers/model.js';

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface ArtifactObservation {
  artifactId: string;
  vendorId: string | null;
  productId: string | null;
  version: string | null;
  fileName?: string | null;
  hashes: Partial<Record<HashAlgorithm, string | null>>;
  /** Files inside the artifact (an installer's contents), each with its own hashes. */
  files?: Array<{ path: string; hashes: Partial<Record<HashAlgorithm, string | null>> }>;
}

export interface ArtifactCorrelation {
  /** Sightings this call created. */
  sightings: NewSighting[];
  /** Every indicator the artifact (or a file inside it) matches, new or already sighted. */
  matches: Array<{ indicatorId: string; type: string; value: string; confidence: number | null; file: string | null }>;
}

export interface NewSighting {
  id: string;
  indicatorId: string;
  indicatorType: string;
  indicatorValue: string;
  confidence: number | null;
  kind: string;
  vendorId: string | null;
  productId: string | null;
  release: string | null;
  artifactId: string | null;
  sbomId: string | null;
  foundBy: string;
}

/** An egress event that reached an indicator's destination (see onEgress). */
export interface EgressContact {
  indicator: Pick<IndicatorsTable, 'id' | 'type' | 'value' | 'confidence'>;
  /** The vendor whose software made the request, else the destination's vendor, else null. */
  vendorId: string | null;
  productId: string | null;
  host: string;
  path: string | null;
  app: string | null;
  client: string | null;
  at: string;
  eventId: string;
}

/** Called in the transaction that created sightings (a risk rule, an incident rule). */
export type SightingHook = (trx: Executor, sightings: NewSighting[], ctx: RequestContext) => Promise<void>;

export class CorrelationService {
  private readonly hooks: SightingHook[] = [];

  constructor(private readonly db: Kysely<DB>) {}

  /** Registers what happens when sightings appear (risks, incidents): run in their transaction. */
  onSightings(hook: SightingHook): void {
    this.hooks.push(hook);
  }

  /** New (or newly valid) indicators against component hashes and vendor domains. */
  async onIndicators(trx: Executor, indicators: Array<Pick<IndicatorsTable, 'id' | 'type' | 'value' | 'confidence' | 'valid_until'>>, ctx: RequestContext): Promise<NewSighting[]> {
    const now = new Date().toISOString();
    const live = indicators.filter((i) => i.valid_until === null || i.valid_until > now);
    if (!live.length) return [];
    const repo = new IndicatorRepository(trx);
    const candidates: SightingsTable[] = [];
    const hashes = live.filter((i) => HASH_TYPES.includes(i.type as IndicatorType));
    if (hashes.length) {
      const byValue = new Map(hashes.map((i) => [`${i.type}\0${i.value}`, i]));
      for (const hit of await repo.componentHashes(hashes.map((i) => i.value))) {
        const indicator = byValue.get(`${hit.alg}\0${hit.value}`);
        if (indicator) candidates.push(componentSighting(indicator.id, hit, 'indicator', now));
      }
    }
    for (const type of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
      const ofType = hashes.filter((i) => i.type === type);
      if (!ofType.length) continue;
      const byValue = new Map(ofType.map((i) => [i.value, i]));
      const found = await repo.artifactHashes(type, ofType.map((i) => i.value));
      for (const a of found.artifacts) candidates.push(artifactSighting(byValue.get(a.hash)!.id, { artifactId: a.id, vendorId: a.vendorId, productId: a.productId, version: a.version, fileName: a.fileName }, null, type, a.hash, 'indicator', now));
      for (const f of found.files) candidates.push(artifactSighting(byValue.get(f.hash)!.id, { artifactId: f.artifactId, vendorId: f.vendorId, productId: f.productId, version: f.version, fileName: f.fileName }, f.path, type, f.hash, 'indicator', now));
    }
    const hosts = live.flatMap((i) => {
      const host = hostOf(i.type, i.value);
      return host ? [{ indicator: i, host }] : [];
    });
    if (hosts.length) {
      const vendorsByDomain = new Map<string, string[]>();
      for (const row of await repo.vendorDomains(hosts.flatMap((h) => vendorDomainsCovering(h.host)))) vendorsByDomain.set(row.domain, [...(vendorsByDomain.get(row.domain) ?? []), row.vendor_id]);
      for (const { indicator, host } of hosts) {
        for (const domain of vendorDomainsCovering(host)) {
          for (const vendorId of vendorsByDomain.get(domain) ?? []) candidates.push(vendorDomainSighting(indicator, vendorId, domain, host, 'indicator', now));
        }
      }
    }
    return this.record(trx, candidates, new Map(live.map((i) => [i.id, i])), ctx);
  }

  /**
   * Vendors whose domains were set or changed, against the indicators that exist: every live
   * domain, URL or e-mail indicator whose host lies under one of their domains is a sighting (one
   * already recorded is kept as it is). One index probe per vendor domain, never a scan.
   */
  async onVendors(trx: Executor, vendorIds: string[], ctx: RequestContext): Promise<NewSighting[]> {
    if (!vendorIds.length) return [];
    const repo = new IndicatorRepository(trx);
    await repo.lockCorrelation('shared');
    const now = new Date().toISOString();
    const candidates: SightingsTable[] = [];
    const indicators = new Map<string, Pick<IndicatorsTable, 'id' | 'type' | 'value' | 'confidence'>>();
    for (const batch of chunks([...new Set(vendorIds)])) {
      for (const hit of await repo.indicatorsUnderVendorDomains(batch, now)) {
        // *.example.com covers the hosts under example.com, not example.com itself.
        if (hit.vendor_domain.startsWith('*.') && Number(hit.depth) === 0) continue;
        indicators.set(hit.id, hit);
        candidates.push(vendorDomainSighting(hit, hit.vendor_id, hit.vendor_domain, hostOf(hit.type, hit.value)!, 'vendor', now));
      }
    }
    return this.record(trx, candidates, indicators, ctx);
  }

  /** A published SBOM's component hashes against the indicators that exist. */
  async onSbom(trx: Executor, sbomId: string, ctx: RequestContext): Promise<NewSighting[]> {
    const repo = new IndicatorRepository(trx);
    await repo.lockCorrelation('shared');
    const now = new Date().toISOString();
    const hits = await repo.sbomHashHits(sbomId, now);
    if (!hits.length) return [];
    const indicators = new Map((await repo.byValues(hits.map((h) => h.value))).map((i) => [i.id, i]));
    return this.record(trx, hits.map((h) => componentSighting(h.indicator_id, h, 'sbom', now)), indicators, ctx);
  }

  /**
   * An artifact (a release file as registered or observed) against the indicators that exist: its
   * own hashes and those of the files inside it. Runs in the caller's transaction when one is given.
   * Answers every indicator it matches, and the sightings that this call created (none for a match
   * recorded before).
   */
  async onArtifact(artifact: ArtifactObservation, ctx: RequestContext, executor?: Executor): Promise<ArtifactCorrelation> {
    if (!executor) return this.db.transaction().execute((trx) => this.onArtifact(artifact, ctx, trx));
    const repo = new IndicatorRepository(executor);
    await repo.lockCorrelation();
    const now = new Date().toISOString();
    const wanted: Array<{ type: HashAlgorithm; value: string; file: string | null }> = [];
    const add = (hashes: Partial<Record<HashAlgorithm, string | null>>, file: string | null) => {
      for (const [type, value] of Object.entries(hashes)) if (value && HASH_TYPES.includes(type as IndicatorType)) wanted.push({ type: type as HashAlgorithm, value: value.toLowerCase(), file });
    };
    add(artifact.hashes, null);
    for (const f of artifact.files ?? []) add(f.hashes, f.path);
    if (!wanted.length) return { sightings: [], matches: [] };
    const indicators = await repo.indicatorsFor(wanted, now);
    const byValue = new Map(indicators.map((i) => [`${i.type}\0${i.value}`, i]));
    const candidates: SightingsTable[] = [];
    const matches: ArtifactCorrelation['matches'] = [];
    for (const w of wanted) {
      const indicator = byValue.get(`${w.type}\0${w.value}`);
      if (!indicator) continue;
      matches.push({ indicatorId: indicator.id, type: indicator.type, value: indicator.value, confidence: indicator.confidence === null ? null : Number(indicator.confidence), file: w.file });
      candidates.push(artifactSighting(indicator.id, artifact, w.file, w.type, w.value, 'artifact', now));
    }
    return { sightings: await this.record(executor, candidates, new Map(indicators.map((i) => [i.id, i])), ctx), matches };
  }

  /**
   * Egress traffic to indicator destinations (the egress alerts' indicator-contact rule): one
   * sighting per indicator, vendor and host contacted (kind egress), so a repeat contact records
   * nothing new and the hooks (risks, incident correlation) see each once. Runs in the ingest
   * batch's transaction.
   */
  async onEgress(trx: Executor, contacts: EgressContact[], ctx: RequestContext): Promise<NewSighting[]> {
    if (!contacts.length) return [];
    const now = new Date().toISOString();
    const candidates: SightingsTable[] = contacts.map((c) => ({
      id: newId(),
      indicator_id: c.indicator.id,
      kind: 'egress',
      match_key: `egress:${c.vendorId ?? '-'}:${c.host}`,
      vendor_id: c.vendorId,
      product_id: c.productId,
      release: null,
      sbom_id: null,
      component_idx: null,
      artifact_id: null,
      evidence: JSON.stringify({ host: c.host, path: c.path, app: c.app, client: c.client, at: c.at, eventId: c.eventId, indicator: { type: c.indicator.type, value: c.indicator.value } }),
      found_by: 'egress',
      created_at: now,
    }));
    return this.record(trx, candidates, new Map(contacts.map((c) => [c.indicator.id, c.indicator])), ctx);
  }

  /** Inserts the sightings not recorded before and runs the hooks on them. */
  private async record(trx: Executor, candidates: SightingsTable[], indicators: Map<string, Pick<IndicatorsTable, 'id' | 'type' | 'value' | 'confidence'>>, ctx: RequestContext): Promise<NewSighting[]> {
    if (!candidates.length) return [];
    const repo = new IndicatorRepository(trx);
    const existing = await repo.existingMatches(candidates);
    const seen = new Set<string>();
    const fresh = candidates.filter((c) => {
      const key = `${c.indicator_id}\0${c.match_key}`;
      if (existing.has(key) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (!fresh.length) return [];
    for (let i = 0; i < fresh.length; i += 1000) await repo.insertSightings(fresh.slice(i, i + 1000));
    const created = fresh.map((s) => {
      const indicator = indicators.get(s.indicator_id);
      return {
        id: s.id,
        indicatorId: s.indicator_id,
        indicatorType: indicator?.type ?? '',
        indicatorValue: indicator?.value ?? '',
        confidence: indicator?.confidence ?? null,
        kind: s.kind,
        vendorId: s.vendor_id,
        productId: s.product_id,
        release: s.release,
        artifactId: s.artifact_id,
        sbomId: s.sbom_id,
        foundBy: s.found_by,
      };
    });
    for (const hook of this.hooks) await hook(trx, created, ctx);
    return created;
  }
}

function artifactSighting(indicatorId: string, artifact: Pick<ArtifactObservation, 'artifactId' | 'vendorId' | 'productId' | 'version' | 'fileName'>, file: string | null, algorithm: string, hash: string, foundBy: string, now: string): SightingsTable {
  return {
    id: newId(),
    indicator_id: indicatorId,
    kind: file === null ? 'artifact' : 'artifact-file',
    match_key: file === null ? `artifact:${artifact.artifactId}` : `artifact:${artifact.artifactId}:file:${file}`,
    vendor_id: artifact.vendorId,
    product_id: artifact.productId,
    release: artifact.version,
    sbom_id: null,
    component_idx: null,
    artifact_id: artifact.artifactId,
    evidence: JSON.stringify({ artifactId: artifact.artifactId, fileName: artifact.fileName ?? null, file, algorithm, hash }),
    found_by: foundBy,
    created_at: now,
  };
}

function vendorDomainSighting(indicator: Pick<IndicatorsTable, 'id' | 'type' | 'value'>, vendorId: string, domain: string, host: string, foundBy: string, now: string): SightingsTable {
  return {
    id: newId(),
    indicator_id: indicator.id,
    kind: 'vendor-domain',
    match_key: `vendor:${vendorId}:${domain}`,
    vendor_id: vendorId,
    product_id: null,
    release: null,
    sbom_id: null,
    component_idx: null,
    artifact_id: null,
    evidence: JSON.stringify({ vendorDomain: domain, host, indicator: { type: indicator.type, value: indicator.value } }),
    found_by: foundBy,
    created_at: now,
  };
}

function componentSighting(indicatorId: string, hit: HashHit, foundBy: string, now: string): SightingsTable {
  return {
    id: newId(),
    indicator_id: indicatorId,
    kind: 'sbom-component',
    match_key: `sbom:${hit.sbom_id}:${hit.idx}`,
    vendor_id: hit.vendor_id,
    product_id: hit.product_id,
    release: hit.release,
    sbom_id: hit.sbom_id,
    component_idx: Number(hit.idx),
    artifact_id: null,
    evidence: JSON.stringify({ sbomId: hit.sbom_id, current: Number(hit.is_current) === 1, component: { name: hit.name, version: hit.version, purl: hit.purl }, algorithm: hit.alg, hash: hit.value }),
    found_by: foundBy,
    created_at: now,
  };
}

/** The host a domain, URL or e-mail indicator names (IP literals have none). */
export function hostOf(type: string, value: string): string | null {
  if (type === 'domain') return value;
  if (type === 'email') return value.slice(value.lastIndexOf('@') + 1);
  if (type === 'url') {
    try {
      const host = new URL(value).hostname;
      return /^[\d.]+$|^\[/.test(host) ? null : host;
    } catch {
      return null;
    }
  }
  return null;
}

/** The vendor domains that cover a host: its parent domains, and *.parent for each domain strictly above it. */
function vendorDomainsCovering(host: string): string[] {
  const parents = parentDomains(host);
  return [...parents, ...parents.slice(1).map((p) => `*.${p}`)];
}

/** The rows of indicator_domains for an indicator: every domain its host lies under, with the depth. */
export function indicatorDomains(indicator: Pick<IndicatorsTable, 'id' | 'type' | 'value'>): IndicatorDomainsTable[] {
  const host = hostOf(indicator.type, indicator.value);
  return host ? parentDomains(host).map((domain, depth) => ({ domain, indicator_id: indicator.id, depth })) : [];
}

/** a.b.example.com → a.b.example.com, b.example.com, example.com (never the bare TLD). */
export function parentDomains(host: string): string[] {
  const labels = host.split('.');
  const out: string[] = [];
  for (let i = 0; i < labels.length - 1; i++) out.push(labels.slice(i).join('.'));
  return out;
}
