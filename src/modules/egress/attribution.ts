import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseHost } from 'tldts';
import type { Kysely } from 'kysely';
import { Type, type Static } from 'typebox';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { validationError, type FieldProblem } from '../../platform/errors.js';
import { SettingsDocument } from '../../platform/settings.js';
import { CATEGORY_OF_TYPE, type DetectionType } from '../pii/pii.model.js';
import type { Sanction } from './egress.model.js';
import { AttributionRepository } from './attribution.repository.js';

export interface Attribution {
  /** The host as looked up: lower case, no trailing dot, IPv6 without brackets. */
  host: string;
  /** The host's registrable domain (public and private suffixes: example.co.uk, alice.github.io), or the IP address. */
  destination: string;
  vendorId: string | null;
  vendorName: string | null;
  productId: string | null;
  via: 'vendor-domain' | 'product-endpoint' | 'saas-list' | 'assigned' | null;
  /** The known SaaS service the host belongs to (shipped list + the egress-saas setting), with or without a vendor. */
  saasName: string | null;
  /** The vendor's approved data categories (vendors.dataCategories); every category for the organisation's own estate. */
  approvedCategories: string[];
  /** A person's sanction for the destination (PUT /api/v1/egress/destinations/{destination}); null: from the categories. */
  sanctionOverride: 'sanctioned' | 'unsanctioned' | null;
}

/** The organisation's own estate (the internal vendor) may receive any data it holds. */
const EVERY_CATEGORY = [...new Set(['none', 'internal', 'confidential', 'personal', 'payment', 'special-category', ...Object.values(CATEGORY_OF_TYPE)])];

/** How long a resolved index is trusted without an invalidation: writes in other processes (a CLI import beside the server) and vendor edits that fire no hook (name, aliases) show within this. */
const INDEX_TTL_MS = 60_000;

export const SAAS_SETTING_KEY = 'egress-saas';

const DOMAIN_PATTERN = '^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\\.)+[a-z0-9-]{2,63}$';
export const SaasSettingsSchema = Type.Object(
  {
    domains: Type.Record(Type.String({ pattern: DOMAIN_PATTERN }), Type.String({ minLength: 1, maxLength: 200 }), {
      description: 'Domain (lower case, subdomains included) → service name: added to the shipped list, or overriding its name. A service named like a vendor (name or alias) attributes to that vendor.',
    }),
  },
  { additionalProperties: false },
);
export type SaasSettings = Static<typeof SaasSettingsSchema>;
const SAAS_SETTINGS = new SettingsDocument<SaasSettings>(SAAS_SETTING_KEY, { domains: {} }, { action: 'settings.egress-saas.update' });

const SAAS_FILE = [new URL('./known-saas.json', import.meta.url), new URL('../../../src/modules/egress/known-saas.json', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((file) => existsSync(file));

/** The shipped known-SaaS list: common SaaS and cloud domains → service name. */
export function shippedSaas(): Record<string, string> {
  if (!SAAS_FILE) throw new Error('known-saas.json is missing from the installation');
  return JSON.parse(readFileSync(SAAS_FILE, 'utf8')) as Record<string, string>;
}

export interface HostParts {
  host: string;
  destination: string;
  /** Suffixes of the host down to its destination, most specific first: what vendor domains, product endpoints and assignments match. */
  owned: string[];
  /** Further suffixes down to the ICANN registrable domain (shared hosting: github.io, s3.amazonaws.com): only named by the SaaS list. */
  hosting: string[];
}

/**
 * Splits a host into its destination and the names it is matched under. An IP address is its own
 * destination; a name that is a public suffix, or no valid name at all, too (it stays visible as
 * itself rather than being folded into something else).
 */
export function hostParts(raw: string): HostParts {
  let host = raw.trim().toLowerCase().replace(/\.+$/, '');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const parsed = parseHost(host, { allowPrivateDomains: true });
  // tldts reads names leniently (percent-decoding, for one): anything it would read as another name is not a host name.
  if (!parsed.isIp && (parsed.hostname !== host || !/^[a-z0-9_.-]+$/.test(host))) return { host, destination: host, owned: [host], hosting: [] };
  if (parsed.isIp || !parsed.hostname || !parsed.domain) return { host, destination: host, owned: parsed.isIp ? [] : [host], hosting: [] };
  const destination = parsed.domain;
  const labels = host.split('.');
  const owned: string[] = [];
  const hosting: string[] = [];
  const icann = parseHost(host).domain;
  let inOwned = true;
  for (let i = 0; i < labels.length; i++) {
    const name = labels.slice(i).join('.');
    (inOwned ? owned : hosting).push(name);
    if (name === destination) inOwned = false;
    if (!inOwned && (name === icann || !icann)) break;
  }
  return { host, destination, owned, hosting };
}

interface VendorRef {
  id: string;
  name: string;
  approved: string[];
}

/** Everything attribution looks at, read once and kept until invalidated or stale. */
interface AttributionIndex {
  loadedAt: number;
  vendors: Map<string, VendorRef>;
  /** Vendor domain → vendor ids (a domain may be claimed by several: the first by name wins). */
  vendorDomains: Map<string, string[]>;
  endpoints: Map<string, { productId: string; vendorId: string }>;
  /** Destination → the vendor of the first product endpoint under it: what the triage list shows for a destination seen through an endpoint host. */
  endpointDestinations: Map<string, string>;
  assignments: Map<string, { vendorId: string | null; productId: string | null; sanction: 'sanctioned' | 'unsanctioned' | null }>;
  saas: Map<string, string>;
  /** Lower-case vendor names and aliases → vendor id: a SaaS service named like a vendor is that vendor. */
  vendorByName: Map<string, string>;
}

/**
 * Maps egress hosts to destinations, vendors and products: a person's assignment of the
 * destination first, then product endpoints, then vendor domains (subdomains included, never
 * across a public suffix: alice.github.io is not GitHub's), then the known-SaaS list. Unknown
 * destinations stay unattributed. The index behind it is cached; vendor domain changes, triage
 * and the SaaS setting invalidate it in-process, and it is re-read at least every minute.
 */
export class EgressAttribution {
  private index: AttributionIndex | null = null;
  private loading: Promise<AttributionIndex> | null = null;
  private generation = 0;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Drops the cached index: the next resolve reads it again. */
  invalidate(): void {
    this.generation++;
    this.index = null;
    this.loading = null;
  }

  async resolve(executor: Executor, host: string): Promise<Attribution> {
    return (await this.resolveMany(executor, [host])).get(host)!;
  }

  /** Resolves many hosts against one index (the ingest hook's whole batch), keyed by the hosts as given. */
  async resolveMany(executor: Executor, hosts: Iterable<string>, options: { fresh?: boolean } = {}): Promise<Map<string, Attribution>> {
    const index = options.fresh ? await this.load(executor) : await this.current(executor);
    const out = new Map<string, Attribution>();
    for (const host of hosts) if (!out.has(host)) out.set(host, attribute(index, host));
    return out;
  }

  sanctionOf(attribution: Attribution, dataClasses: readonly DetectionType[]): Sanction {
    if (attribution.sanctionOverride) return attribution.sanctionOverride;
    if (!attribution.vendorId) return 'unknown';
    return dataClasses.every((c) => attribution.approvedCategories.includes(CATEGORY_OF_TYPE[c])) ? 'sanctioned' : 'unsanctioned';
  }

  /**
   * The sanction each (destination, vendor, data classes) has now, read from a fresh index (the
   * cache is dropped: the caller changed what it holds): a person's override of the destination
   * first, else the vendor's approved categories as they are now.
   */
  async sanctionsNow(executor: Executor, flows: ReadonlyArray<{ destination: string; vendorId: string; dataClasses: readonly DetectionType[] }>): Promise<Sanction[]> {
    this.invalidate();
    const index = await this.load(executor);
    return flows.map((flow) => {
      const vendor = index.vendors.get(flow.vendorId);
      const standing: Attribution = { ...attribute(index, flow.destination), vendorId: vendor ? vendor.id : null, approvedCategories: vendor ? vendor.approved : [] };
      return this.sanctionOf(standing, flow.dataClasses);
    });
  }

  /**
   * The vendor-domains hook (vendor domains and product endpoints created, changed or deleted):
   * drop the cache, and refresh what the triage list knows of the destinations these vendors'
   * domains and endpoints cover, or that it last attributed to them.
   */
  onVendorDomains = async (trx: Executor, vendorIds: string[]): Promise<void> => {
    this.invalidate();
    await this.refreshSeen(trx, await new AttributionRepository(trx).destinationsOfVendors(vendorIds, (domain) => hostParts(domain).destination));
  };

  /**
   * Recomputes the vendor the triage list shows for these seen destinations, from a fresh index: the
   * destination's own attribution, else the vendor of a product endpoint under it (the list holds
   * destinations, while endpoints are hosts).
   */
  private async refreshSeen(trx: Executor, destinations: string[]): Promise<void> {
    if (!destinations.length) return;
    const index = await this.load(trx);
    await new AttributionRepository(trx).setSeenVendors(destinations.map((destination) => ({ destination, vendorId: attribute(index, destination).vendorId ?? index.endpointDestinations.get(destination) ?? null })));
  }

  async saasSettings(executor: Executor = this.db): Promise<SaasSettings> {
    return SAAS_SETTINGS.read(executor);
  }

  async setSaasSettings(settings: SaasSettings, ctx: RequestContext): Promise<SaasSettings> {
    const problems: FieldProblem[] = [];
    const domains: Record<string, string> = {};
    for (const [domain, name] of Object.entries(settings.domains)) {
      const parts = hostParts(domain);
      if (parts.host !== domain || parseHost(domain).isIp) problems.push({ field: `/domains/${domain}`, reason: 'must be a lower-case domain name' });
      else if (!name.trim()) problems.push({ field: `/domains/${domain}`, reason: 'must name the service' });
      else domains[domain] = name.trim();
    }
    if (problems.length) throw validationError(`${problems.length} of the SaaS domains cannot be used: ${problems[0].reason}`, problems);
    const next = { domains };
    await this.db.transaction().execute(async (trx) => {
      const before = await SAAS_SETTINGS.read(trx);
      await SAAS_SETTINGS.replace(trx, next, ctx);
      this.invalidate();
      // A SaaS entry named like a vendor attributes to it: seen destinations of added or removed entries are judged again.
      const changed = Object.keys({ ...before.domains, ...domains }).filter((domain) => before.domains[domain] !== domains[domain]);
      await this.refreshSeen(trx, await new AttributionRepository(trx).seenDestinations([...new Set(changed.map((domain) => hostParts(domain).destination))]));
    });
    // Again after the commit: a resolve between the first drop and the commit read the old list.
    this.invalidate();
    return next;
  }

  private async current(executor: Executor): Promise<AttributionIndex> {
    if (this.index && this.now() - this.index.loadedAt < INDEX_TTL_MS) return this.index;
    if (!this.loading) {
      const generation = this.generation;
      const loading = this.load(executor).then(
        (index) => {
          if (this.generation === generation) this.index = index;
          if (this.loading === loading) this.loading = null;
          return index;
        },
        (error: unknown) => {
          if (this.loading === loading) this.loading = null;
          throw error;
        },
      );
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(executor: Executor): Promise<AttributionIndex> {
    const repo = new AttributionRepository(executor);
    const [vendorRows, domainRows, productRows, assignmentRows, settings] = await Promise.all([
      repo.vendors(),
      repo.vendorDomains(),
      repo.productEndpoints(),
      repo.assignments(),
      this.saasSettings(executor),
    ]);
    const vendors = new Map<string, VendorRef>();
    const vendorByName = new Map<string, string>();
    for (const v of vendorRows) {
      vendors.set(v.id, { id: v.id, name: v.name, approved: v.internal ? EVERY_CATEGORY : parseList(v.data_categories) });
      for (const name of [v.name, ...parseList(v.aliases)]) {
        const key = name.trim().toLowerCase();
        if (key && !vendorByName.has(key)) vendorByName.set(key, v.id);
      }
    }
    const vendorDomains = new Map<string, string[]>();
    for (const row of domainRows) {
      if (!vendors.has(row.vendor_id)) continue;
      const list = vendorDomains.get(row.domain) ?? [];
      list.push(row.vendor_id);
      vendorDomains.set(row.domain, list);
    }
    for (const list of vendorDomains.values()) list.sort((a, b) => vendors.get(a)!.name.localeCompare(vendors.get(b)!.name) || a.localeCompare(b));
    const endpoints = new Map<string, { productId: string; vendorId: string }>();
    const endpointDestinations = new Map<string, string>();
    for (const p of productRows) {
      if (!vendors.has(p.vendor_id)) continue;
      for (const endpoint of parseList(p.endpoints)) {
        const key = endpoint.toLowerCase();
        if (!endpoints.has(key)) endpoints.set(key, { productId: p.id, vendorId: p.vendor_id });
        const destination = hostParts(key).destination;
        if (!endpointDestinations.has(destination)) endpointDestinations.set(destination, p.vendor_id);
      }
    }
    const assignments = new Map(assignmentRows.map((a) => [a.destination, { vendorId: a.vendor_id, productId: a.product_id, sanction: a.sanction }]));
    const saas = new Map(Object.entries({ ...shippedSaas(), ...settings.domains }));
    return { loadedAt: this.now(), vendors, vendorDomains, endpoints, endpointDestinations, assignments, saas, vendorByName };
  }
}

function parseList(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

function attribute(index: AttributionIndex, raw: string): Attribution {
  const parts = hostParts(raw);
  const base: Attribution = { host: parts.host, destination: parts.destination, vendorId: null, vendorName: null, productId: null, via: null, saasName: null, approvedCategories: [], sanctionOverride: null };
  let saasName: string | null = null;
  let saasOwned = false;
  for (const name of parts.owned) {
    saasName = index.saas.get(name) ?? null;
    if (saasName) {
      saasOwned = true;
      break;
    }
  }
  if (!saasName) for (const name of parts.hosting) if ((saasName = index.saas.get(name) ?? null)) break;
  base.saasName = saasName;
  const withVendor = (vendorId: string, via: NonNullable<Attribution['via']>, productId: string | null = null): Attribution => {
    const vendor = index.vendors.get(vendorId);
    if (!vendor) return base;
    return { ...base, vendorId, vendorName: vendor.name, productId, via, approvedCategories: vendor.approved };
  };
  const assigned = index.assignments.get(parts.destination);
  if (assigned) {
    base.sanctionOverride = assigned.sanction;
    if (assigned.vendorId && index.vendors.has(assigned.vendorId)) return withVendor(assigned.vendorId, 'assigned', assigned.productId);
  }
  for (const name of parts.owned) {
    const endpoint = index.endpoints.get(name);
    if (endpoint && index.vendors.has(endpoint.vendorId)) return withVendor(endpoint.vendorId, 'product-endpoint', endpoint.productId);
  }
  for (const name of parts.owned) {
    const vendorId = index.vendorDomains.get(name)?.[0];
    if (vendorId) return withVendor(vendorId, 'vendor-domain');
  }
  // A service on shared hosting (a tenant of github.io) names the host, never a vendor.
  if (saasName && saasOwned) {
    const vendorId = index.vendorByName.get(saasName.toLowerCase());
    if (vendorId) return withVendor(vendorId, 'saas-list');
  }
  return base;
}
