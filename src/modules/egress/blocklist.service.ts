import type { Kysely } from 'kysely';
import { parse as parseHost } from 'tldts';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, invalidField, notFound, validationError, type FieldProblem } from '../../platform/errors.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { IndicatorValueError, normalizeDomain, refang } from '../indicators/parsers/normalize.js';
import { DEFAULT_RPZ_ZONE, renderBlocklist, type ExportFormat } from './blocklist.formats.js';
import { BlocklistRepository } from './blocklist.repository.js';
import type { Block, BlocklistQueryType } from './blocklist.schemas.js';
import type { EgressBlocklistTable } from './egress.tables.js';

export const EXPIRE_JOB = 'egress.expire-blocks';
export const EXPIRE_SCHEDULE = { name: 'egress-block-expiry', cron: '*/5 * * * *', jobKind: EXPIRE_JOB };

export interface BlockInput {
  domains: string[];
  reason: string;
  incidentId?: string;
  /** The playbook run that blocks (source `playbook`); without it the block is a person's. */
  runId?: string;
  expiresAt?: string;
  /** A drill's block: staged, never exported. */
  drillId?: string | null;
}

export interface BlockOutcome {
  added: string[];
  already: string[];
}

export function presentBlock(row: EgressBlocklistTable, now = new Date().toISOString()): Block {
  const lapsed = row.status === 'active' && row.expires_at !== null && row.expires_at <= now;
  return {
    id: row.id,
    domain: row.domain,
    reason: row.reason,
    source: row.source,
    status: lapsed ? 'expired' : row.status,
    incidentId: row.incident_id,
    playbookRunId: row.playbook_run_id,
    drillId: row.drill_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    removedAt: row.removed_at,
    removedBy: row.removed_by,
  };
}

/**
 * The one spelling a blocked name is kept in: refanged, the host of a URL, without a leading
 * "*." (subdomains are blocked with their domain anyway), IDNs in punycode. A public suffix
 * ("com", "co.uk") or an IP address is refused: the first would block everything under it, the
 * second is no name a proxy ACL or a resolver policy matches.
 */
export function normalizeBlockedDomain(raw: string): string {
  let text = refang(raw);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      text = new URL(text).hostname;
    } catch {
      throw new IndicatorValueError(`"${clip(raw)}" is not a URL`);
    }
  }
  text = text.replace(/^\*\./, '');
  const domain = normalizeDomain(text);
  const parsed = parseHost(domain);
  if (parsed.isIp) throw new IndicatorValueError(`"${clip(raw)}" is an IP address, not a domain name`);
  if (!parsed.domain || parsed.publicSuffix === domain) throw new IndicatorValueError(`"${clip(raw)}" is a public suffix: blocking it would block every domain under it`);
  return domain;
}

const clip = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/**
 * The egress blocklist: indicator domains blocked by playbooks and people, with who, why, when and
 * until when, exported as a domain list, a Squid ACL and a DNS RPZ zone. A drill's blocks are
 * staged: recorded with its drill id and never exported.
 */
export class EgressBlocklistService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly now: () => number = Date.now,
  ) {}

  private repo(executor: Executor = this.db) {
    return new BlocklistRepository(executor);
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /**
   * Blocks the domains in the caller's transaction (never opening one): each gets a block unless a
   * live block (in a drill: a staged block of that drill) holds it already. A bad name fails the
   * whole call naming it (/domains/i).
   */
  async block(trx: Executor, input: BlockInput, ctx: RequestContext): Promise<BlockOutcome> {
    const now = this.nowIso();
    const problems: FieldProblem[] = [];
    const domains: string[] = [];
    input.domains.forEach((raw, i) => {
      try {
        const domain = normalizeBlockedDomain(raw);
        if (!domains.includes(domain)) domains.push(domain);
      } catch (error) {
        if (!(error instanceof IndicatorValueError)) throw error;
        problems.push({ field: `/domains/${i}`, reason: error.message });
      }
    });
    if (problems.length) throw validationError(`${problems.length} of the domains cannot be blocked: ${problems[0].reason}`, problems);
    const reason = input.reason.trim();
    if (!reason) throw invalidField('/reason', 'must say why');
    if (input.expiresAt !== undefined && !(Date.parse(input.expiresAt) > this.now())) throw invalidField('/expiresAt', 'must be a time in the future');
    const expiresAt = input.expiresAt === undefined ? null : new Date(Date.parse(input.expiresAt)).toISOString();
    const drillId = input.drillId ?? null;
    const repo = this.repo(trx);
    // A lapsed block still holds its domain's row in the live-domain index until the expiry job
    // marks it; marking it here lets the domain be blocked again at once.
    if (!drillId) for (const row of await repo.lapsed(now, domains)) await this.expireRow(trx, row);
    const held = new Set((await repo.holding(domains, drillId, now)).map((r) => r.domain));
    const added: string[] = [];
    const already: string[] = [];
    for (const domain of domains) {
      const row: EgressBlocklistTable = {
        id: newId(),
        domain,
        reason,
        source: input.runId ? 'playbook' : 'person',
        status: drillId ? 'staged' : 'active',
        incident_id: input.incidentId ?? null,
        playbook_run_id: input.runId ?? null,
        drill_id: drillId,
        created_by: ctx.actor.name,
        created_at: now,
        expires_at: expiresAt,
        removed_at: null,
        removed_by: null,
      };
      if (held.has(domain) || !(await repo.insert(row))) {
        already.push(domain);
        continue;
      }
      added.push(domain);
      await recordAudit(trx, ctx, { action: drillId ? 'egress.block.stage' : 'egress.block', entityType: 'egress_block', entityId: row.id, after: presentBlock(row, now) });
    }
    return { added, already };
  }

  /** A person's block (POST): its own transaction. */
  async blockNow(input: Omit<BlockInput, 'runId' | 'drillId'>, ctx: RequestContext): Promise<BlockOutcome> {
    return this.db.transaction().execute((trx) => this.block(trx, input, ctx));
  }

  async get(id: string): Promise<Block> {
    const row = await this.repo().get(id);
    if (!row) throw notFound('blocklist entry', id);
    return presentBlock(row, this.nowIso());
  }

  async list(query: Omit<BlocklistQueryType, 'format' | 'zone'>): Promise<PageOf<Block>> {
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor)?.id ?? null;
    const now = this.nowIso();
    const rows = await this.repo().list({ status: query.status, drillId: query.drillId, incidentId: query.incidentId, q: query.q, now }, before, limit);
    return toPage(rows, limit, () => null, (r) => presentBlock(r, now));
  }

  /** Ends a block (active or staged → removed); a block already ended is a 409 saying how. */
  async remove(id: string, ctx: RequestContext): Promise<Block> {
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await repo.get(id);
      if (!row) throw notFound('blocklist entry', id);
      const now = this.nowIso();
      const before = presentBlock(row, now);
      if (before.status === 'removed' || before.status === 'expired') throw conflict(`the block of ${row.domain} is ${before.status} already`);
      const changes = { status: 'removed' as const, removed_at: now, removed_by: ctx.actor.name };
      if (!(await repo.setStatus(id, row.status, changes))) throw conflict(`the block of ${row.domain} changed meanwhile; reload it`);
      const after = presentBlock({ ...row, ...changes }, now);
      await recordAudit(trx, ctx, { action: row.status === 'staged' ? 'egress.unblock.staged' : 'egress.unblock', entityType: 'egress_block', entityId: id, before, after });
      return after;
    });
  }

  /** The expiry job: marks active blocks past their expiry as expired (each audited). */
  async expire(ctx: RequestContext): Promise<{ expired: number }> {
    return this.db.transaction().execute(async (trx) => {
      let expired = 0;
      for (const row of await this.repo(trx).lapsed(this.nowIso())) if (await this.expireRow(trx, row, ctx)) expired++;
      return { expired };
    });
  }

  private async expireRow(trx: Executor, row: EgressBlocklistTable, ctx?: RequestContext): Promise<boolean> {
    if (!(await this.repo(trx).setStatus(row.id, 'active', { status: 'expired' }))) return false;
    await recordAudit(trx, ctx ?? { actor: { type: 'system', id: null, name: 'blocklist expiry', role: 'admin' }, requestId: null }, {
      action: 'egress.block.expire',
      entityType: 'egress_block',
      entityId: row.id,
      before: { status: 'active', expiresAt: row.expires_at },
      after: { status: 'expired', expiresAt: row.expires_at },
    });
    return true;
  }

  /** The live domains (real active blocks not past their expiry), for proxies and exports. */
  async activeDomains(executor: Executor = this.db): Promise<string[]> {
    return this.repo(executor).exported(this.nowIso());
  }

  /** The live set as a file for a proxy (Squid ACL), a resolver (RPZ zone) or anything else (one domain a line). */
  async export(format: ExportFormat, options: { zone?: string } = {}): Promise<string> {
    const now = this.nowIso();
    const [domains, changes] = await Promise.all([this.repo().exported(now), this.repo().changeCount(now)]);
    // Resolvers reload a zone when its serial grows: one more per change, however close together (RFC 1982 wraps at 2^32).
    const serial = ((changes + 1) % 2 ** 32) || 1;
    return renderBlocklist(format, { domains, generatedAt: now, serial, zone: options.zone ?? DEFAULT_RPZ_ZONE });
  }
}
