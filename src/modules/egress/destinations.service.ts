import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { invalidField, notFound } from '../../platform/errors.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { hostParts, type EgressAttribution } from './attribution.js';
import type { EgressBlocklistService } from './blocklist.service.js';
import { DestinationsRepository } from './destinations.repository.js';
import type { AssignDestinationInput, Destination, DestinationQueryType } from './destinations.schemas.js';
import type { FlowService } from './flows.service.js';
import type { EgressDestinationsTable } from './flows.tables.js';

/**
 * Destination triage: every destination seen, the unattributed ones first in line; a person
 * assigns one to a vendor (and product) or sets its sanction, which re-attributes its flows.
 * Blocking is the blocklist's (POST /api/v1/egress/blocklist).
 */
export class DestinationService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly deps: { attribution: EgressAttribution; flows: FlowService; blocklist: EgressBlocklistService },
  ) {}

  async list(query: DestinationQueryType): Promise<PageOf<Destination>> {
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor, 'string');
    const repo = new DestinationsRepository(this.db);
    const rows = await repo.list({ status: query.status ?? 'unattributed', q: query.q }, cursor ? { lastSeen: String(cursor.key), destination: cursor.id } : null, limit);
    const page = rows.slice(0, limit);
    const items = await this.present(this.db, page);
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ key: last.last_seen, id: last.destination }) : null };
  }

  /** Assigns a seen destination to a vendor (or none) and sets its sanction override; audited; its flows follow. */
  async assign(raw: string, input: AssignDestinationInput, ctx: RequestContext): Promise<Destination> {
    const destination = destinationName(raw);
    return this.db.transaction().execute(async (trx) => {
      const repo = new DestinationsRepository(trx);
      const row = await repo.get(destination);
      if (!row) throw notFound('destination', destination);
      const vendorId = input.vendorId;
      const productId = input.productId ?? null;
      if (vendorId && !(await repo.vendor(vendorId))) throw invalidField('/vendorId', `vendor ${vendorId} does not exist`);
      if (productId) {
        if (!vendorId) throw invalidField('/productId', 'needs the vendorId of its vendor');
        const product = await repo.product(productId);
        if (!product) throw invalidField('/productId', `product ${productId} does not exist`);
        if (product.vendor_id !== vendorId) throw invalidField('/productId', `product ${productId} is not one of vendor ${vendorId}'s`);
      }
      const [before] = await this.present(trx, [row]);
      const sanction = input.sanction === undefined ? row.sanction : input.sanction;
      const decided = vendorId !== null || sanction !== null;
      await repo.assign(destination, { vendor_id: vendorId, product_id: productId, sanction, assigned_by: decided ? ctx.actor.name : null, assigned_at: decided ? new Date().toISOString() : null });
      // The index is read again from this transaction (it holds the new assignment), and the
      // cache dropped so no reader keeps the old one.
      this.deps.attribution.invalidate();
      const attribution = (await this.deps.attribution.resolveMany(trx, [destination], { fresh: true })).get(destination)!;
      // Without an assignment the destination stands on what the other rules find for its name.
      if (!vendorId) await repo.setSeenVendor(destination, attribution.vendorId);
      const flows = await this.deps.flows.reattribute(trx, attribution);
      const [after] = await this.present(trx, [(await repo.get(destination))!]);
      await recordAudit(trx, ctx, { action: 'egress.destination.assign', entityType: 'egress_destination', entityId: destination, before, after: { ...after, flowsReattributed: flows } });
      return after;
    });
  }

  private async present(executor: Executor, rows: EgressDestinationsTable[]): Promise<Destination[]> {
    if (!rows.length) return [];
    const destinations = rows.map((r) => r.destination);
    const [attributions, totals, blocked] = await Promise.all([
      this.deps.attribution.resolveMany(executor, destinations, { fresh: executor !== this.db }),
      new DestinationsRepository(executor).totals(destinations),
      this.deps.blocklist.activeDomains(executor),
    ]);
    const byDestination = new Map(totals.map((t) => [t.destination, t]));
    const blocks = new Set(blocked);
    return rows.map((row) => {
      const a = attributions.get(row.destination)!;
      const total = byDestination.get(row.destination);
      const vendorId = a.vendorId ?? row.seen_vendor_id;
      return {
        destination: row.destination,
        status: row.vendor_id || row.seen_vendor_id ? 'attributed' : 'unattributed',
        vendor: a.vendorId && a.vendorName ? { id: a.vendorId, name: a.vendorName } : vendorId ? { id: vendorId, name: vendorId } : null,
        productId: a.productId,
        via: a.via,
        saasName: a.saasName,
        sanction: row.sanction,
        assignedBy: row.assigned_by,
        assignedAt: row.assigned_at,
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
        requests: total?.requests ?? 0,
        bytes: total?.bytes ?? 0,
        dataClasses: total?.dataClasses ?? [],
        blocked: hostParts(row.destination).owned.some((name) => blocks.has(name)),
      };
    });
  }
}

/** The destination a path parameter names: the registrable domain of the name given, or the IP address. */
export function destinationName(raw: string): string {
  const parts = hostParts(raw);
  if (!parts.host || !/^[a-z0-9_.:-]+$/.test(parts.host)) throw invalidField('/destination', 'must be a domain name or an IP address');
  return parts.destination;
}
