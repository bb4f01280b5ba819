import type { Kysely } from 'kysely';
import { can, type Permission } from '../../platform/auth/roles.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { foldForSearch } from '../../platform/search-text.js';
import { idKey } from '../advisories/advisories.groups.js';
import { technologyKey } from '../sboms/sboms.identity.js';
import type { JobRun } from '../../platform/jobs/worker.js';
import { indexSbomComponents, versionlessPurl, type SearchIndexJobPayload } from './search.index.js';
import { SearchRepository, type HashAlgorithm } from './search.repository.js';
import { SEARCH_KINDS, type QueryShape, type SearchGroup, type SearchKind, type SearchQueryType, type SearchResponse, type SearchResult } from './search.schemas.js';

/** The permission each kind's own pages and routes need: a role sees nothing of a kind it could not open. */
const KIND_PERMISSION: Record<SearchKind, Permission> = {
  vendor: 'read',
  product: 'read',
  release: 'read',
  component: 'read',
  advisory: 'read',
  hash: 'read',
  indicator: 'read',
};

/** What each query shape can find: a SHA-256 is never a vendor name, a CVE id never a hash. */
const KINDS_OF: Record<QueryShape, readonly SearchKind[]> = {
  hash: ['hash', 'indicator'],
  'advisory-id': ['advisory'],
  purl: ['component'],
  cpe: ['release', 'component'],
  text: ['vendor', 'product', 'release', 'component', 'advisory', 'indicator'],
};

const HASH_LENGTHS: Record<number, HashAlgorithm> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const HASH_LABEL: Record<HashAlgorithm, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' };
/** Id schemes of the advisory sources (OSV's database prefixes, GitHub, the NVD): "CVE-2023-29059", "GHSA-…", "GO-2023-1234". */
const ADVISORY_ID = /^(CVE|GHSA|GO|PYSEC|RUSTSEC|OSV|GSD|MAL|DSA|DLA|DTSA|USN|RHSA|RHBA|RHEA|ALSA|ALBA|ALEA|BIT|UVI|HSEC|CGA|PSF|SUSE-SU|OPENSUSE-SU|CURL|LBSEC|RSEC|GLSA|ASB|PUB|MGASA|ELSA|SNYK)-[0-9A-Z]/i;
/** Free text shorter than this only searches by prefix where an index serves it, never by substring. */
const MIN_SUBSTRING = 2;

export function queryShape(q: string): QueryShape {
  if (/^[0-9a-f]+$/i.test(q) && HASH_LENGTHS[q.length]) return 'hash';
  if (ADVISORY_ID.test(q)) return 'advisory-id';
  if (/^pkg:/i.test(q)) return 'purl';
  if (/^cpe:(2\.3:|\/)/i.test(q)) return 'cpe';
  return 'text';
}

type ReleaseRow = Awaited<ReturnType<SearchRepository['releases']>>[number];

function presentRelease(r: ReleaseRow): SearchResult {
  return {
    kind: 'release',
    id: r.id,
    title: `${r.product_name} ${r.release}`,
    subtitle: `Release of ${r.vendor_name} · ${Number(r.component_count).toLocaleString('en-US')} components in its SBOM`,
    path: `/sboms/${r.id}`,
  };
}

/** vendor:product of a CPE query, as modules/cpes keys them; null unless both are given. */
function cpeKeyOf(q: string): string | null {
  const parts = q.toLowerCase().split(':');
  const [vendor, product] = q.toLowerCase().startsWith('cpe:/') ? [parts[2], parts[3]] : [parts[3], parts[4]];
  return vendor && product && vendor !== '*' && product !== '*' ? `${vendor}:${product}` : null;
}

export class SearchService {
  constructor(private readonly db: Kysely<DB>) {}

  /** The job handler that indexes a published SBOM's components (queued by its publish transaction). */
  indexSbom(payload: SearchIndexJobPayload, run: JobRun): Promise<{ components: number }> {
    return indexSbomComponents(this.db, payload.sbomId, (done) => run.progress({ phase: 'indexing', done, total: null }));
  }

  private repo() {
    return new SearchRepository(this.db);
  }

  async search(query: SearchQueryType, ctx: RequestContext): Promise<SearchResponse> {
    const q = query.q.trim();
    const limit = query.limit ?? 5;
    const shape = queryShape(q);
    const kinds = KINDS_OF[shape].filter((k) => can(ctx.actor.role, KIND_PERMISSION[k]));
    const found = await Promise.all(kinds.map(async (kind) => [kind, await this.kind(kind, shape, q, limit + 1)] as const));
    const byKind = new Map(found);
    const groups: SearchGroup[] = [];
    for (const kind of SEARCH_KINDS) {
      const items = byKind.get(kind);
      if (items?.length) groups.push({ kind, items: items.slice(0, limit), more: items.length > limit });
    }
    return { q, shape, groups };
  }

  /** Up to `n` results of one kind. */
  private kind(kind: SearchKind, shape: QueryShape, q: string, n: number): Promise<SearchResult[]> {
    switch (kind) {
      case 'vendor':
        return this.vendors(q, n);
      case 'product':
        return this.products(q, n);
      case 'release':
        return shape === 'cpe' ? this.releasesByCpe(q, n) : this.releases(q, n);
      case 'component':
        return this.components(shape, q, n);
      case 'advisory':
        return this.advisories(q, n);
      case 'hash':
        return this.hashes(q, n);
      case 'indicator':
        return this.indicators(shape, q, n);
    }
  }

  private async vendors(q: string, n: number): Promise<SearchResult[]> {
    if (foldForSearch(q).length < MIN_SUBSTRING) return [];
    const folded = foldForSearch(q);
    const rows = await this.repo().vendors(q, 200);
    // Exact names first, then names that start with the query, then the rest (alias, domain, inside the name).
    const rank = (r: (typeof rows)[number]) => (foldForSearch(r.name) === folded ? 0 : foldForSearch(r.name).startsWith(folded) ? 1 : 2);
    return rows
      .map((r) => ({ r, rank: rank(r) }))
      .sort((a, b) => a.rank - b.rank)
      .slice(0, n)
      .map(({ r }) => {
        const domains = JSON.parse(r.domains) as string[];
        const aliases = JSON.parse(r.aliases) as string[];
        const matched = [...aliases, ...domains].find((t) => foldForSearch(t).includes(folded) && !foldForSearch(r.name).includes(folded));
        const subtitle = [`Vendor · ${r.tier}`, matched ? `matches ${matched}` : domains[0]].filter(Boolean).join(' · ');
        return { kind: 'vendor' as const, id: r.id, title: r.name, subtitle, path: `/vendors/${r.id}` };
      });
  }

  private async products(q: string, n: number): Promise<SearchResult[]> {
    if (foldForSearch(q).length < MIN_SUBSTRING) return [];
    const rows = await this.repo().products(q, n);
    return rows.map((r) => ({ kind: 'product', id: r.id, title: r.name, subtitle: `Product of ${r.vendor_name} · ${r.type}`, path: `/products/${r.id}` }));
  }

  /**
   * Releases whose label starts with the query ("18.12"), the current releases of products the
   * query names ("3CX" → 3CX Desktop App's releases), and "product version" together
   * ("3CX Desktop App 18.12.416").
   */
  private async releases(q: string, n: number): Promise<SearchResult[]> {
    const repo = this.repo();
    const byId = new Map<string, Awaited<ReturnType<SearchRepository['releases']>>[number]>();
    const add = (rows: Awaited<ReturnType<SearchRepository['releases']>>) => {
      for (const r of rows) if (byId.size < n && !byId.has(r.id)) byId.set(r.id, r);
    };
    const words = q.split(/\s+/);
    const last = words[words.length - 1];
    if (words.length > 1 && /^v?\d/i.test(last)) {
      const products = await repo.products(words.slice(0, -1).join(' '), 20);
      add(await repo.releases({ productIds: products.map((p) => p.id), label: last.replace(/^v(?=\d)/i, '') }, n));
    }
    if (/^v?\d/i.test(q)) add(await repo.releases({ label: q.replace(/^v(?=\d)/i, '') }, n));
    if (foldForSearch(q).length >= MIN_SUBSTRING && byId.size < n) {
      const products = await repo.products(q, 5);
      add(await repo.releases({ productIds: products.map((p) => p.id) }, n));
    }
    return [...byId.values()].map(presentRelease);
  }

  /** Releases whose product or SBOM root has a CPE of the query's vendor and product ("cpe:2.3:a:3cx:desktop_app"). */
  private async releasesByCpe(q: string, n: number): Promise<SearchResult[]> {
    const key = cpeKeyOf(q);
    return key ? (await this.repo().releasesByCpe(key, n)).map(presentRelease) : [];
  }

  private async components(shape: QueryShape, q: string, n: number): Promise<SearchResult[]> {
    const prefix = shape === 'purl' ? foldForSearch(versionlessPurl(q) ?? q) : foldForSearch(q);
    if (!prefix) return [];
    const repo = this.repo();
    const identities = await repo.componentIdentities(prefix, n * 2);
    // A CPE also finds components given one by vendor and product (declared, or inferred from the dictionary).
    const key = shape === 'cpe' ? cpeKeyOf(q) : null;
    if (key && identities.length < n * 2) {
      const have = new Set(identities.map((i) => `${i.ecosystem}\u0000${i.package_name}`));
      for (const i of await repo.identitiesByCpe(key, n * 2)) if (!have.has(`${i.ecosystem}\u0000${i.package_name}`)) identities.push(i);
    }
    return this.presentComponents(identities, prefix, n);
  }

  private async presentComponents(identities: Array<{ ecosystem: string; package_name: string }>, prefix: string, n: number): Promise<SearchResult[]> {
    const repo = this.repo();
    const usage = await repo.componentUsage(identities);
    const order = new Map(identities.map((i, n) => [`${i.ecosystem}\u0000${i.package_name}`, n]));
    // The whole name (or purl) first, then a name whose last segment is the query ("electron" before
    // "@sentry/electron"), then names that start with it; the most used first among equals.
    const rank = (u: (typeof usage)[number]) => {
      const name = foldForSearch(u.name);
      if (name === prefix || (u.purl && foldForSearch(u.purl) === prefix)) return 0;
      if (name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf(':')) + 1) === prefix) return 1;
      return name.startsWith(prefix) ? 2 : 3;
    };
    const count = (value: unknown, one: string) => `${Number(value)} ${one}${Number(value) === 1 ? '' : 's'}`;
    return usage
      .map((u) => ({ u, rank: rank(u), at: order.get(`${u.ecosystem}\u0000${u.package_name}`) ?? 0 }))
      .sort((a, b) => a.rank - b.rank || Number(b.u.sboms) - Number(a.u.sboms) || a.at - b.at)
      .slice(0, n)
      .map(({ u }) => {
        const key = technologyKey(u.ecosystem, u.package_name);
        return {
          kind: 'component' as const,
          id: key,
          title: u.name,
          subtitle: [u.purl ?? u.ecosystem, `in ${count(u.sboms, 'SBOM')}`, count(u.products, 'product'), count(u.vendors, 'vendor')].join(' · '),
          path: `/technologies/${encodeURIComponent(key)}`,
        };
      });
  }

  private async advisories(q: string, n: number): Promise<SearchResult[]> {
    const prefix = idKey(q);
    // A word is not an advisory id: "electron" would otherwise scan ids from "ELECTRON" on for nothing.
    if (!/^[A-Z]+-/.test(prefix)) return [];
    const rows = await this.repo().advisories(prefix, n * 3);
    const groups = new Map<string, (typeof rows)[number]>();
    for (const r of rows) if (!groups.has(r.id) && groups.size < n) groups.set(r.id, r);
    return [...groups.values()].map((g) => {
      const alias = g.identifier !== idKey(g.display_id) ? ` (${g.identifier})` : '';
      const facts = [g.severity ? `Severity ${g.severity}` : null, Number(g.kev) ? 'known exploited' : null, Number(g.withdrawn) ? 'withdrawn' : null].filter(Boolean);
      const summary = g.summary ? (g.summary.length > 140 ? `${g.summary.slice(0, 139)}…` : g.summary) : null;
      return { kind: 'advisory', id: g.display_id, title: `${g.display_id}${alias}`, subtitle: ['Advisory', ...facts, summary].filter(Boolean).join(' · '), path: `/advisories/${encodeURIComponent(g.display_id)}` };
    });
  }

  private async hashes(q: string, n: number): Promise<SearchResult[]> {
    const value = q.toLowerCase();
    const alg = HASH_LENGTHS[value.length];
    const repo = this.repo();
    const [components, artifacts, files] = await Promise.all([repo.componentHashes(alg, value, n), repo.artifacts(alg, value, n), repo.artifactFiles(alg, value, n)]);
    const label = HASH_LABEL[alg];
    return [
      ...artifacts.map((a) => ({ kind: 'hash' as const, id: a.id, title: a.file_name, subtitle: `${label} of a release artifact of ${a.product_name} ${a.version}`, path: `/products/${a.product_id}/integrity` })),
      ...files.map((f) => ({ kind: 'hash' as const, id: f.id, title: f.path, subtitle: `${label} of a file in ${f.file_name} (${f.product_name} ${f.version})`, path: `/products/${f.product_id}/integrity` })),
      ...components.map((c) => ({
        kind: 'hash' as const,
        id: `${c.sbom_id}:${c.idx}`,
        title: [c.name, c.version].filter(Boolean).join(' '),
        subtitle: `${label} of a component in ${c.product_name} ${c.release}${Number(c.is_current) ? '' : ' (an earlier SBOM)'} · ${c.vendor_name}`,
        path: `/sboms/${c.sbom_id}?${new URLSearchParams({ q: c.name })}`,
      })),
    ].slice(0, n);
  }

  private async indicators(shape: QueryShape, q: string, n: number): Promise<SearchResult[]> {
    const exact = [...new Set([q, q.toLowerCase()])];
    // Prefix search only once the query says something: every indicator starts with "1" or "h".
    const prefix = shape === 'text' && q.length >= 4 ? q.toLowerCase() : null;
    const rows = await this.repo().indicators(exact, prefix, n);
    return rows.map((r) => ({
      kind: 'indicator',
      id: r.id,
      title: r.value,
      subtitle: [`Indicator · ${r.type}`, r.description ? (r.description.length > 120 ? `${r.description.slice(0, 119)}…` : r.description) : `${Number(r.source_count)} source${Number(r.source_count) === 1 ? '' : 's'}`].join(' · '),
      path: `/indicators/${r.id}`,
    }));
  }
}
