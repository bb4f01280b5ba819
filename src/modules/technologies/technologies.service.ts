import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import { invalidField, notFound } from '../../platform/errors.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { canonicalEcosystem, parseTechnologyKey, technologyKey, technologyLabel } from '../sboms/sboms.identity.js';
import { concentration, portfolioSummary, TIERS, weightOf, type Portfolio, type TierCounts } from './technologies.metrics.js';
import { TechnologyRepository } from './technologies.repository.js';
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
  vendors: Array<{ vendorId: string; products: number; direct: boolean }>;
}

interface UsageSnapshot {
  state: string;
  technologies: TechnologyUsage[];
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
 * Ranking needs every technology's dependents, which is one grouped pass over all current
 * components: seconds at a million rows. Its result is kept per process and checked against the
 * database on every request (the current-SBOM state and every vendor's tier), so it is recomputed
 * exactly when an upload, a deletion or a tier change can have changed it, and replicas never
 * serve a stale ranking.
 */
export class TechnologyService {
  private snapshot: UsageSnapshot | null = null;
  private loading: { state: string; promise: Promise<UsageSnapshot> } | null = null;
  private ranking: Ranking | null = null;

  constructor(private readonly db: Kysely<DB>) {}

  private repo() {
    return new TechnologyRepository(this.db);
  }

  private async usage(): Promise<UsageSnapshot> {
    const state = await this.repo().sbomState();
    if (this.snapshot?.state === state) return this.snapshot;
    if (this.loading?.state !== state) {
      const promise = this.loadUsage(state);
      this.loading = { state, promise };
      promise.then(
        (snapshot) => {
          this.snapshot = snapshot;
          if (this.loading?.promise === promise) this.loading = null;
        },
        () => {
          if (this.loading?.promise === promise) this.loading = null;
        },
      );
    }
    return this.loading.promise;
  }

  private async loadUsage(state: string): Promise<UsageSnapshot> {
    const rows = await this.repo().usageByVendor();
    const byKey = new Map<string, TechnologyUsage>();
    for (const row of rows) {
      const key = technologyKey(row.ecosystem, row.package_name);
      let usage = byKey.get(key);
      if (!usage) byKey.set(key, (usage = { key, ecosystem: row.ecosystem, packageName: row.package_name, vendors: [] }));
      usage.vendors.push({ vendorId: row.vendor_id, products: n(row.products), direct: n(row.direct) === 1 });
    }
    return { state, technologies: [...byKey.values()] };
  }

  private async ranked(): Promise<Ranking> {
    const [usage, vendors] = await Promise.all([this.usage(), this.repo().vendors()]);
    const fingerprint = createHash('sha256')
      .update(vendors.map((v) => `${v.id}:${v.tier}:${n(v.internal)}`).sort().join('\n'))
      .digest('hex');
    if (this.ranking && this.ranking.state === usage.state && this.ranking.fingerprint === fingerprint) return this.ranking;

    const vendorsById = new Map(vendors.map((v) => [v.id, { tier: v.tier as keyof TierCounts, internal: n(v.internal) === 1 }]));
    const portfolio: Portfolio = { vendorsByTier: { T1: 0, T2: 0, T3: 0, T4: 0 } };
    for (const v of vendorsById.values()) if (!v.internal && (TIERS as readonly string[]).includes(v.tier)) portfolio.vendorsByTier[v.tier]++;

    const counted = usage.technologies.map((t) => {
      const tiers: TierCounts = { T1: 0, T2: 0, T3: 0, T4: 0 };
      let vendorCount = 0;
      let products = 0;
      let directVendors = 0;
      let estateProducts = 0;
      for (const use of t.vendors) {
        const vendor = vendorsById.get(use.vendorId);
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
    this.ranking = { state: usage.state, fingerprint, portfolio, totals, ranked, byKey: new Map(ranked.map((t) => [t.key, t])) };
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
