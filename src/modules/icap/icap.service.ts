import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { conflict, validationError, type FieldProblem } from '../../platform/errors.js';
import type { FailMode } from './icap.decider.js';
import { istagOf, type PolicyInForce, type PolicyStore } from './icap.policy.js';
import { IcapRepository } from './icap.repository.js';
import type { PolicyBodyType, PolicyViewType, StatusViewType } from './icap.schemas.js';
import type { IcapRuntime } from './icap.runtime.js';

const view = (p: PolicyInForce): PolicyViewType => ({ version: p.version, istag: istagOf(p.version), policy: p.policy, note: p.note, updatedBy: p.createdBy, updatedAt: p.createdAt });

/** The ICAP policy (read, save a new version) and the service's status, for the API. */
export class IcapPolicyService {
  private runtime: IcapRuntime | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly policies: PolicyStore,
    private readonly failMode: FailMode,
  ) {}

  /** The ICAP service running in this process, whose counters the status reports. */
  useRuntime(runtime: IcapRuntime | null): void {
    this.runtime = runtime;
  }

  async get(): Promise<PolicyViewType> {
    this.policies.invalidate();
    return view(await this.policies.current());
  }

  /** Saves the next version (audited); 409 when `expectedVersion` is not the latest. */
  async put(body: PolicyBodyType, ctx: RequestContext): Promise<PolicyViewType> {
    const problems: FieldProblem[] = [];
    const vendorIds = [...new Set(body.policy.allowances.map((a) => a.vendorId))];
    const known = new Set(vendorIds.length ? (await this.db.selectFrom('vendors').select('id').where('id', 'in', vendorIds).execute()).map((r) => r.id) : []);
    body.policy.allowances.forEach((a, i) => {
      if (!known.has(a.vendorId)) problems.push({ field: `/policy/allowances/${i}/vendorId`, reason: `no vendor ${a.vendorId}` });
      if (body.policy.allowances.findIndex((b) => b.vendorId === a.vendorId) !== i) problems.push({ field: `/policy/allowances/${i}/vendorId`, reason: 'the vendor has an allowance earlier in the list: merge them' });
    });
    if (problems.length) throw validationError(problems[0].reason, problems);
    const saved = await this.db.transaction().execute(async (trx) => {
      const repo = new IcapRepository(trx);
      const latest = await repo.latestPolicy();
      const version = (latest?.version ?? 0) + 1;
      if (body.expectedVersion !== undefined && body.expectedVersion !== version - 1) throw conflict(`the policy is at version ${version - 1}, not ${body.expectedVersion}: reload it and edit again`);
      const row = { version, policy: JSON.stringify(body.policy), note: body.note?.trim() || null, created_by: ctx.actor.name, created_at: new Date().toISOString() };
      if (!(await repo.insertPolicy(row))) throw conflict('another save of the policy happened meanwhile: reload it and edit again');
      const before = latest ? (JSON.parse(latest.policy) as unknown) : null;
      await recordAudit(trx, ctx, { action: 'icap.policy.update', entityType: 'icap_policy', entityId: String(version), before, after: body.policy });
      return row;
    });
    this.policies.invalidate();
    return view({ version: saved.version, policy: body.policy, note: saved.note, createdBy: saved.created_by, createdAt: saved.created_at });
  }

  async status(now = Date.now()): Promise<StatusViewType> {
    const policy = await this.get();
    const { counts, last } = await new IcapRepository(this.db).decisionsSince(new Date(now - 3600_000).toISOString());
    return {
      service: this.runtime ? this.runtime.status() : null,
      policy: { version: policy.version, mode: policy.policy.mode, istag: policy.istag },
      failMode: this.failMode,
      lastHour: { allow: counts.allow ?? 0, block: counts.block ?? 0, record: counts.record ?? 0, lastDecisionAt: last },
    };
  }
}
