import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson, recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { invalidField } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { VexStatement } from '../advisories/parsers/index.js';
import { addStats, emptyReport, type BatchCheckpoint, type ImportReport } from '../advisories/advisories.service.js';
import { idKey } from '../advisories/advisories.groups.js';
import { bulkInsert, chunks } from '../matching/bulk.js';
import type { Matcher } from '../matching/matching.service.js';
import { MatchingRepository } from '../matching/matching.repository.js';
import { stateOfStatement } from './findings.policy.js';
import type { VexStatementsTable } from './findings.tables.js';
import { purlIdentity } from './findings.vex.js';

export interface VexImportOptions {
  /** Who issued the statements: a vendor's name, a document author, 'csaf:<tracking id>'. */
  source: string;
  /** A vendor's VEX applies to that vendor's products only. */
  vendorId?: string | null;
  /** A product's VEX applies to that product only. */
  productId?: string | null;
  /** The document the statements came from (serial number, @id, tracking id). */
  document?: string | null;
}

const sha256 = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

const STATEMENT_COLUMNS = [
  'id', 'statement_key', 'source', 'vendor_id', 'product_id', 'vulnerability', 'aliases', 'product', 'product_ecosystem', 'product_package_name',
  'product_version', 'version_range', 'status', 'state', 'justification', 'responses', 'detail', 'document', 'content_hash', 'imported_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof VexStatementsTable>;

/**
 * Imported VEX (OpenVEX, CycloneDX VEX, CSAF VEX profile): statements are kept, keyed by who said
 * what about which product, so a re-import is a no-op and a changed statement updates in place;
 * findings they speak for take their state, with the issuer as the source, unless an analyst has
 * decided otherwise. Statements about advisories or components not known yet apply when they are.
 */
export class VexService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly matcher: Matcher,
  ) {}

  async checkScope(options: Pick<VexImportOptions, 'vendorId' | 'productId'>): Promise<{ vendorName: string | null }> {
    let vendorName: string | null = null;
    if (options.vendorId) {
      const vendor = await this.db.selectFrom('vendors').select(['id', 'name']).where('id', '=', options.vendorId).executeTakeFirst();
      if (!vendor) throw invalidField('vendorId', 'is not a known vendor');
      vendorName = vendor.name;
    }
    if (options.productId) {
      const product = await this.db.selectFrom('products').select(['id', 'vendor_id']).where('id', '=', options.productId).executeTakeFirst();
      if (!product) throw invalidField('productId', 'is not a known product');
      if (options.vendorId && product.vendor_id !== options.vendorId) throw invalidField('productId', 'is not a product of that vendor');
    }
    return { vendorName };
  }

  async importStatements(statements: VexStatement[], options: VexImportOptions, ctx: RequestContext, report: ImportReport = emptyReport(), checkpoint?: BatchCheckpoint): Promise<ImportReport> {
    const usable: VexStatement[] = [];
    for (const s of statements) {
      if (!s.products.length) report.errors.push({ record: s.vulnerability, reason: 'the statement names no product' });
      else usable.push(s);
    }
    let done = 0;
    for (const batch of chunks(usable, 500)) {
      await this.db.transaction().execute((trx) => this.writeBatch(trx, batch, options, ctx, report));
      done += batch.length;
      await checkpoint?.(done, usable.length);
    }
    return report;
  }

  private async writeBatch(trx: Executor, batch: VexStatement[], options: VexImportOptions, ctx: RequestContext, report: ImportReport): Promise<void> {
    await new MatchingRepository(trx).lockMatching('exclusive');
    const now = new Date().toISOString();
    const scope = options.vendorId ?? options.source;
    const perStatement: VexStatementsTable[][] = batch.map((s) => {
      // "affected" without an analysis state confirms exploitability only from the vendor itself;
      // anyone else's (an unscoped CSAF advisory) leaves the finding in triage, with the source noted.
      const state = s.state === null && s.status === 'affected' && !options.vendorId && !options.productId ? 'in_triage' : stateOfStatement(s.status, s.state);
      const responses = JSON.stringify(s.responses);
      const content_hash = sha256([s.status, state, s.justification, s.responses, s.detail, s.aliases]);
      const rows = new Map<string, VexStatementsTable>();
      for (const product of s.products) {
        const identity = purlIdentity(product);
        const statement_key = sha256([scope, options.productId ?? null, s.vulnerability, product, s.affectedVersions ?? null]);
        rows.set(statement_key, {
          id: newId(),
          statement_key,
          source: options.source,
          vendor_id: options.vendorId ?? null,
          product_id: options.productId ?? null,
          vulnerability: s.vulnerability,
          aliases: JSON.stringify(s.aliases),
          product,
          product_ecosystem: identity?.ecosystem ?? null,
          product_package_name: identity?.packageName ?? null,
          product_version: identity?.version ?? null,
          version_range: s.affectedVersions ?? null,
          status: s.status,
          state,
          justification: s.justification,
          responses,
          detail: s.detail,
          document: options.document ?? null,
          content_hash,
          imported_at: now,
          updated_at: now,
        });
      }
      return [...rows.values()];
    });
    const keys = perStatement.flat().map((r) => r.statement_key);
    const existing = new Map<string, { id: string; content_hash: string }>();
    for (const part of chunks(keys)) {
      for (const row of await trx.selectFrom('vex_statements').select(['id', 'statement_key', 'content_hash']).where('statement_key', 'in', part).execute()) existing.set(row.statement_key, row);
    }
    const inserts: VexStatementsTable[] = [];
    const changedIds: string[] = [];
    const identifierRows: Array<[string, string]> = [];
    const inBatch = new Map<string, VexStatementsTable>();
    const updates: VexStatementsTable[] = [];
    for (const [i, rows] of perStatement.entries()) {
      let fresh = 0;
      let changed = 0;
      for (const row of rows) {
        const earlier = inBatch.get(row.statement_key);
        if (earlier) {
          // The same product and vulnerability twice in one document: the later statement wins.
          const { id: _id, ...content } = row;
          void _id;
          Object.assign(earlier, content);
          changed++;
          continue;
        }
        inBatch.set(row.statement_key, row);
        const before = existing.get(row.statement_key);
        if (before && before.content_hash === row.content_hash) continue;
        if (before) {
          changed++;
          row.id = before.id;
          updates.push(row);
        } else {
          fresh++;
          inserts.push(row);
        }
        changedIds.push(row.id);
        for (const id of new Set([batch[i].vulnerability, ...batch[i].aliases].map(idKey))) identifierRows.push([id, row.id]);
      }
      if (fresh === rows.length) report.imported++;
      else if (fresh || changed) report.updated++;
      else report.skipped++;
    }
    for (const row of updates) {
      const { id, statement_key: _key, imported_at: _imported, ...changes } = row;
      void _key;
      void _imported;
      await trx.updateTable('vex_statements').set(changes).where('id', '=', id).execute();
      await trx.deleteFrom('vex_statement_ids').where('statement_id', '=', id).execute();
    }
    await bulkInsert(trx, 'vex_statements', STATEMENT_COLUMNS, inserts.map((r) => STATEMENT_COLUMNS.map((c) => r[c])));
    const pairs = new Map(identifierRows.map(([identifier, id]) => [`${identifier}\u0000${id}`, [identifier, id]]));
    await bulkInsert(trx, 'vex_statement_ids', ['identifier', 'statement_id'], [...pairs.values()]);
    if (!changedIds.length) return;
    const groups = new Set<string>();
    for (const set of (await new MatchingRepository(trx).statementGroups(changedIds)).values()) for (const g of set) groups.add(g);
    const updated = await this.matcher.reapplyVex(trx, [...groups], { vendorId: options.vendorId, productId: options.productId }, ctx);
    addStats(report, { keys: 0, componentsExamined: 0, entriesExamined: 0, created: 0, updated, closed: 0, reopened: 0 });
    await recordAudit(trx, ctx, {
      action: 'vex.import',
      entityType: options.productId ? 'product' : options.vendorId ? 'vendor' : 'feed',
      entityId: options.productId ?? options.vendorId ?? 'vex',
      after: { source: options.source, document: options.document ?? null, statements: changedIds.length, findingsUpdated: updated },
    });
  }
}
