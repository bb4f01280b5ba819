// The one call the SBOM service makes into matching: after an SBOM's rows are stored, inside the
// same transaction, its components are matched (so a 201 means its findings exist too).
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import type { Matcher, MatchStats, StoredSbom } from './matching.service.js';

export type SbomStoredHook = (trx: Executor, sbom: StoredSbom, ctx: RequestContext) => Promise<unknown>;

export function matchStoredSbom(matcher: Matcher): SbomStoredHook {
  return (trx, sbom, ctx): Promise<MatchStats> => matcher.matchSbom(trx, sbom, ctx);
}
