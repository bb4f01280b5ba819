// The calls the SBOM service makes into matching. An SBOM's findings are matched while its rows are
// still unpublished, so a 201 means its findings exist too; the publish step checks that no feed
// write came in between (see MatchingRepository.lockMatching).
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { MatchingRepository } from './matching.repository.js';
import type { Matcher, MatchStats, SbomMatchRun, StoredSbom } from './matching.service.js';

export interface SbomMatching {
  /** How many feed writes have committed: read before matching. */
  feedWrites(db: Executor): Promise<number>;
  /** Inside the publish transaction: orders it with feed writes, and answers their count now. */
  lockForPublish(trx: Executor): Promise<number>;
  /** Starts matching an unpublished SBOM whose components are handed over slice by slice as they are written. */
  start(db: Executor, sbom: StoredSbom, ctx: RequestContext): SbomMatchRun;
  /** Writes the findings of a stored, unpublished SBOM, reading its components back. */
  match(db: Executor, sbom: StoredSbom, ctx: RequestContext): Promise<MatchStats>;
  /** Reconciles the findings of an SBOM that becomes current again with every feed write since (Matcher.rematchSbom). */
  rematch(trx: Executor, sbom: StoredSbom, ctx: RequestContext): Promise<MatchStats>;
}

export function sbomMatching(matcher: Matcher): SbomMatching {
  return {
    feedWrites: (db) => new MatchingRepository(db).matchingSeq(),
    lockForPublish: async (trx) => {
      const repo = new MatchingRepository(trx);
      await repo.lockMatching('shared');
      return repo.matchingSeq();
    },
    start: (db, sbom, ctx) => matcher.startSbom(db, sbom, ctx),
    match: (db, sbom, ctx) => matcher.matchSbom(db, sbom, ctx),
    rematch: (trx, sbom, ctx) => matcher.rematchSbom(trx, sbom, ctx),
  };
}
