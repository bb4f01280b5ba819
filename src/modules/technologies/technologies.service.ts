import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import { invalidField, notFound } from '../../platform/errors.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { canonicalEcosystem, parseTechnologyKey, technologyKey, technologyLabel } from '../sboms/sboms.identity.js';
import { concentration, portfolioSummary, TIERS, weightOf, type Portfolio, type TierCounts } from './technologies.metrics.js';
import { rebuildVendorUsage, usageState } from '../sboms/sboms.usage.js';
import { TechnologyRepository, type UsageByVendor } from './technologies.repository.js';
import type { ListTechnologiesQueryType, Technology } from './technologies.schemas.js';

const n = (value: number | string | null | undefined) => Number(value ?? 0);

function splitKey(key: string): { ecosystem: string; packageName: string } | null {
  const colon = key.indexOf(':');
  return colon > 0 ? { ecosystem: key.slice(0, colon), packageName: key.slice(colon + 1) } : null;
}

/** Which vendors' current SBOMs contain a technology (tier-independent). */
interface TechnologyUsage {
  key: string;
  ecosystem: string;
  packageName: string;
  vendors: Map<string, { products: number; direct: boolean }>;
}

interface UsageSnapshot {
  /** The rollup's rebuild generation and the last change applied to this copy. */
  generation: number;
  seq: number;
  technologies: Map<string, TechnologyUsage>;
}

interface Ranking {
  state: string;
  fingerprint: string;
  portfolio: Portfolio;
  totals: { weight: number; square: number };
  /** Every technology, by W(t) descending then key. */
  ranked: Technology[];
  byKey: Map<string, Technology>;
}

const byRank = (a: Technology, b: Technology) => b.concentration.weight - a.concentration.weight || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Technology concentration: which technologies (packages, version ignored) the portfolio's
 * software is made of, how many vendors, products and tiers depend on each, and how concentrated
 * the third-party portfolio is on them (formulas in technologies.metrics.ts).
 *
 * Ranking needs every technology's dependents per vendor. The SBOM module keeps that as a rollup
 * (sboms.usage.ts), updated in the transactions that change which SBOMs are current, each change
 * numbered. This process keeps a copy and, on every request, reads only the rows changed since the
 * change it last applied, so a ranking after an upload costs the upload's own packages, not a pass
 * over every current component; replicas never serve a stale ranking. Vendor tiers are read on
 * every request too (a tier change re-ranks from the copy without touching the rollup).
 */
export class TechnologyService {
  private snapshot: UsageSnapshot | null = null;
  /** Refreshes run one after another; each caller then sees every change committed before it asked. */
  private refreshes: Promise<unknown> = Promise.resolve();
  private ranking: Ranking | null = null;

  constructor(private readonly db: Kysely<DB>) {}

  private repo() {
    return new TechnologyRepository(this.db);
  }

  private usage(): Promise<UsageSnapshot> {
    const run = this.refreshes.then(() => this.refresh());
    this.refreshes = run.catch(() => undefined);
    return run;
  }

  private async refresh(): Promise<UsageSnapshot> {
    let state = await usageState(this.db);
    if (state.stale) {
      await this.db.transaction().execute((trx) => rebuildVendorUsage(trx));
      state = await usageState(this.db);
    }
    let snapshot = this.snapshot;
    if (snapshot && snapshot.generation === state.generation) {
      if (snapshot.seq >= state.seq) return snapshot;
      apply(snapshot, await this.repo().usageByVendor(snapshot.seq), state.seq);
      return snapshot;
    }
    snapshot = { generation: state.generation, seq: 0, technologies: new Map() };
    apply(snapshot, await this.repo().usageByVendor(null), state.seq);
    this.snapshot = snapshot;
    return snapshot;
  }

  private async ranked(): Promise<Ranking> {
    const [usage, vendors] = await Promise.all([this.usage(), this.repo().vendors()]);
    const fingerprint = createHash('sha256')
      .update(vendors.map((v) => `${v.id}:${v.tier}:${n(v.internal)}`).sort().join('\n'))
      .digest('hex');
    const state = `${usage.generation}|${usage.seq}`;
    if (this.ranking && this.ranking.state === state && this.ranking.fingerprint === fingerprint) return this.ranking;

    const vendorsById = new Map(vendors.map((v) => [v.id, { tier: v.tier as keyof TierCounts, internal: n(v.internal) === 1 }]));
    const portfolio: Portfolio = { vendorsByTier: { T1: 0, T2: 0, T3: 0, T4: 0 } };
    for (const v of vendorsById.values()) if (!v.internal && (TIERS as readonly string[]).includes(v.tier)) portfolio.vendorsByTier[v.tier]++;

    const counted = [...usage.technologies.values()].map((t) => {
      const tiers: TierCounts = { T1: 0, T2: 0, T3: 0, T4: 0 };
      let vendorCount = 0;
      let products = 0;
      let directVendors = 0;
      let estateProducts = 0;
      for (const [vendorId, use] of t.vendors) {
        const vendor = vendorsById.get(vendorId);
        if (!vendor) continue;
        if (vendor.internal) {
          estateProducts += use.products;
          continue;
        }
        vendorCount++;
        products += use.products;
        if (use.direct) directVendors++;
        if (vendor.tier in tiers) tiers[vendor.tier]++;
      }
      return { t, tiers, vendorCount, products, directVendors, estateProducts, weight: weightOf(tiers) };
    });
    const totals = { weight: 0, square: 0 };
    for (const c of counted) {
      totals.weight += c.weight;
      totals.square += c.weight * c.weight;
    }
    const ranked = counted.map(
      (c): Technology => ({
        key: c.t.key,
        ecosystem: c.t.ecosystem,
        packageName: c.t.packageName,
        label: technologyLabel(c.t.ecosystem, c.t.packageName),
        vendors: c.vendorCount,
        products: c.products,
        directVendors: c.directVendors,
        estateProducts: c.estateProducts,
        tiers: c.tiers,
        concentration: concentration(c.tiers, portfolio, totals.weight),
      }),
    );
    ranked.sort(byRank);
    this.ranking = { state, fingerprint, portfolio, totals, ranked, byKey: new Map(ranked.map((t) => [t.key, t])) };
    return this.ranking;
  }

  async list(query: ListTechnologiesQueryType): Promise<PageOf<Technology> & { portfolio: ReturnType<typeof portfolioSummary> }> {
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor, 'integer');
    if (cursor && !splitKey(cursor.id)) throw invalidField('cursor', 'is not a cursor returned by this endpoint');
    const ranking = await this.ranked();
    const ecosystem = query.ecosystem ? canonicalEcosystem(query.ecosystem) : undefined;
    const q = query.q?.toLowerCase();
    const keep = (t: Technology) =>
      (ecosystem === undefined || t.ecosystem === ecosystem) && (q === undefined || t.packageName.toLowerCase().includes(q)) && (query.minVendors === undefined || t.vendors >= query.minVendors);

    // Keyset on (weight descending, key ascending): binary search for the first item after the cursor.
    let start = 0;
    if (cursor) {
      const weight = Number(cursor.key);
      let lo = 0;
      let hi = ranking.ranked.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const t = ranking.ranked[mid];
        const before = t.concentration.weight > weight || (t.concentration.weight === weight && t.key <= cursor.id);
        if (before) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const items: Technology[] = [];
    let more = false;
    for (let i = start; i < ranking.ranked.length; i++) {
      if (!keep(ranking.ranked[i])) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(ranking.ranked[i]);
    }
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: more && last ? encodeCursor({ key: last.concentration.weight, id: last.key }) : null,
      portfolio: portfolioSummary(ranking.portfolio, ranking.totals),
    };
  }

  async get(key: string) {
    const parsed = parseTechnologyKey(key);
    if (!parsed) throw invalidField('key', 'is not a technology key such as npm:electron or generic:ffmpeg');
    const [ranking, dependents] = await Promise.all([this.ranked(), this.repo().dependents(parsed.ecosystem, parsed.packageName)]);
    const technology = ranking.byKey.get(technologyKey(parsed.ecosystem, parsed.packageName));
    if (!technology || !dependents.length) throw notFound('technology', key);

    const bySbom = new Map<string, { vendor: { id: string; name: string; tier: string; internal: boolean }; product: { id: string; name: string }; release: string; sbomId: string; versions: Array<string | null>; direct: boolean; depth: number }>();
    const versionProducts = new Map<string | null, Set<string>>();
    for (const d of dependents) {
      let entry = bySbom.get(d.sbom_id);
      if (!entry) {
        entry = {
          vendor: { id: d.vendor_id, name: d.vendor_name, tier: d.vendor_tier, internal: n(d.vendor_internal) === 1 },
          product: { id: d.product_id, name: d.product_name },
          release: d.release,
          sbomId: d.sbom_id,
          versions: [],
          direct: false,
          depth: n(d.depth),
        };
        bySbom.set(d.sbom_id, entry);
      }
      if (!entry.versions.includes(d.version)) entry.versions.push(d.version);
      entry.direct ||= n(d.direct) === 1;
      entry.depth = Math.min(entry.depth, n(d.depth));
      let products = versionProducts.get(d.version);
      if (!products) versionProducts.set(d.version, (products = new Set()));
      products.add(d.product_id);
    }
    return {
      ...technology,
      versions: [...versionProducts]
        .map(([version, products]) => ({ version, products: products.size }))
        .sort((a, b) => b.products - a.products || String(a.version).localeCompare(String(b.version))),
      dependents: [...bySbom.values()],
      portfolio: portfolioSummary(ranking.portfolio, ranking.totals),
    };
  }

  /** A vendor's tech stack: every technology in its products' current SBOMs. */
  async vendorStack(vendorId: string, query: { limit?: number; cursor?: string; direct?: boolean }) {
    if (!(await this.repo().vendor(vendorId))) throw notFound('vendor', vendorId);
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor, 'string');
    const after = cursor ? splitKey(cursor.id) : null;
    if (cursor && !after) throw invalidField('cursor', 'is not a cursor returned by this endpoint');
    const keys = await this.repo().stackKeys(vendorId, query.direct, after, limit);
    const more = keys.length > limit;
    const page = more ? keys.slice(0, limit) : keys;
    const [rows, counts] = await Promise.all([this.repo().stackRows(vendorId, page), this.repo().vendorCounts(page)]);
    const vendorsOf = new Map(counts.map((c) => [technologyKey(c.ecosystem, c.package_name), n(c.vendors)]));
    const items = page.map((k) => {
      const key = technologyKey(k.ecosystem, k.package_name);
      const own = rows.filter((r) => r.ecosystem === k.ecosystem && r.package_name === k.package_name);
      const products = new Map<string, { id: string; name: string; releases: string[] }>();
      for (const r of own) {
        const product = products.get(r.product_id) ?? { id: r.product_id, name: r.product_name, releases: [] };
        if (!product.releases.includes(r.release)) product.releases.push(r.release);
        products.set(r.product_id, product);
      }
      return {
        key,
        ecosystem: k.ecosystem,
        packageName: k.package_name,
        label: technologyLabel(k.ecosystem, k.package_name),
        versions: [...new Set(own.map((r) => r.version))],
        direct: own.some((r) => n(r.direct) === 1),
        products: [...products.values()],
        vendors: vendorsOf.get(key) ?? 0,
      };
    });
    const last = page[page.length - 1];
    const lastKey = last ? technologyKey(last.ecosystem, last.package_name) : '';
    return { items, nextCursor: more && last ? encodeCursor({ key: lastKey, id: lastKey }) : null };
  }
}

/** Applies rollup rows to a copy: a row at zero products removes the vendor from the technology. */
function apply(snapshot: UsageSnapshot, rows: UsageByVendor[], seq: number): void {
  let last = seq;
  for (const row of rows) {
    const key = technologyKey(row.ecosystem, row.package_name);
    let usage = snapshot.technologies.get(key);
    const products = n(row.products);
    if (products > 0) {
      if (!usage) snapshot.technologies.set(key, (usage = { key, ecosystem: row.ecosystem, packageName: row.package_name, vendors: new Map() }));
      usage.vendors.set(row.vendor_id, { products, direct: n(row.direct) > 0 });
    } else if (usage) {
      usage.vendors.delete(row.vendor_id);
      if (!usage.vendors.size) snapshot.technologies.delete(key);
    }
    if (row.seq !== undefined) last = Math.max(last, n(row.seq));
  }
  snapshot.seq = last;
}
