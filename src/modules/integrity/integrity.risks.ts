import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import type { RiskService } from '../risks/risks.service.js';
import type { Alert, AlertType } from './integrity.schemas.js';

/** Likelihood and impact (1–5) of the risk each high-severity alert type raises. */
const RATING: Partial<Record<AlertType, { likelihood: number; impact: number; title: string }>> = {
  'hash-mutation': { likelihood: 4, impact: 5, title: 'a release file changed bytes under the same version' },
  'indicator-match': { likelihood: 5, impact: 5, title: 'an artifact matches a threat indicator' },
  'signature-padding': { likelihood: 4, impact: 5, title: 'data hidden after an Authenticode signature' },
  'signature-invalid': { likelihood: 4, impact: 4, title: 'an artifact\'s Authenticode signature does not hold' },
  'signer-change': { likelihood: 3, impact: 4, title: 'an artifact is signed by an unexpected signer' },
};

/**
 * High-severity integrity alerts raise a risk in the register, one per product release and alert
 * type (indicator matches: per indicator too), so re-checks and sibling files add evidence to it
 * instead of opening more.
 */
export function integrityRiskHook(risks: RiskService) {
  return async (alert: Alert, trx: Executor, ctx: RequestContext): Promise<void> => {
    const rating = RATING[alert.type];
    if (!rating) return;
    await risks.raise(
      {
        source: 'integrity-alert',
        sourceKey: `${alert.productId}:${alert.version}:${alert.type}${alert.indicatorId ? `:${alert.indicatorId}` : ''}`,
        title: `Update integrity: ${rating.title} (release ${alert.version})`,
        description: alert.detail,
        likelihood: rating.likelihood,
        impact: rating.impact,
        vendorIds: [alert.vendorId],
        productIds: [alert.productId],
        evidence: [
          { type: 'artifact-alert', id: alert.id, label: `${alert.type}: ${alert.detail.slice(0, 200)}` },
          ...(alert.indicatorId ? [{ type: 'indicator' as const, id: alert.indicatorId }] : []),
        ],
      },
      ctx,
      trx,
    );
  };
}
