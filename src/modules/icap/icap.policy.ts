import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import { IcapRepository } from './icap.repository.js';
import type { IcapPolicy } from './icap.schemas.js';

/**
 * The shipped policy (issue 12 §5): payment cards, national ids and secrets, and bulk personal
 * data (five or more e-mail addresses or phone numbers in one request), to unknown or unsanctioned
 * destinations are blocked, and everything to indicator destinations. Record-only is `mode`.
 */
export const DEFAULT_POLICY: IcapPolicy = {
  mode: 'enforce',
  blockClasses: ['payment_card', 'us_ssn', 'uk_nino', 'national_id', 'secret', 'jwt'],
  minTier: 'high',
  bulk: { types: ['email', 'phone'], threshold: 5 },
  destinations: ['unknown', 'unsanctioned'],
  blockIndicatorDestinations: true,
  allowances: [],
};

/** The ISTag of a policy version (RFC 3507: at most 32 characters, quoted on the wire). */
export const istagOf = (version: number): string => `TW-policy-${version}`;

export interface PolicyInForce {
  version: number;
  policy: IcapPolicy;
  note: string | null;
  createdBy: string | null;
  createdAt: string | null;
}

export class PolicyUnavailableError extends Error {
  override name = 'PolicyUnavailableError';
}

/**
 * The policy in force, cached: re-read at most every `refreshMs`, so a saved version reaches
 * every ICAP instance within that time without a query per request. When the store cannot be
 * read, the cached copy serves for `staleMs` (a blip), then current() throws
 * PolicyUnavailableError and the service applies its fail mode.
 */
export class PolicyStore {
  private cached: PolicyInForce | null = null;
  private readAt = 0;
  private okAt = 0;
  private reading: Promise<PolicyInForce> | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: { refreshMs?: number; staleMs?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The last policy read, without waiting (null before the first read). */
  peek(): PolicyInForce | null {
    return this.cached;
  }

  /** Forget the cache: the next current() reads the store (after a save in this process). */
  invalidate(): void {
    this.readAt = 0;
  }

  async current(): Promise<PolicyInForce> {
    if (this.cached && this.now() - this.readAt < (this.options.refreshMs ?? 2000)) return this.cached;
    this.reading ??= this.read().finally(() => (this.reading = null));
    try {
      return await this.reading;
    } catch (error) {
      if (this.cached && this.now() - this.okAt < (this.options.staleMs ?? 30_000)) return this.cached;
      throw new PolicyUnavailableError(`the ICAP policy store cannot be read: ${(error as Error).message}`);
    }
  }

  private async read(): Promise<PolicyInForce> {
    const row = await new IcapRepository(this.db).latestPolicy();
    const policy: PolicyInForce = row
      ? { version: row.version, policy: { ...DEFAULT_POLICY, ...(JSON.parse(row.policy) as Partial<IcapPolicy>) }, note: row.note, createdBy: row.created_by, createdAt: row.created_at }
      : { version: 0, policy: DEFAULT_POLICY, note: null, createdBy: null, createdAt: null };
    this.cached = policy;
    this.readAt = this.okAt = this.now();
    return policy;
  }
}
