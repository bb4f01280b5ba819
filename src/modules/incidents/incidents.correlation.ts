// Correlation opens incidents: a sighting (an indicator seen in a vendor's SBOM, release artifact
// or domains) on a vendor in scope of the rule opens one incident per vendor and indicator set, in
// the sighting's transaction. Later sightings of the same vendor that share an indicator, or an
// indicator's source document, with an open incident of that vendor are appended to it.
import { Type, type Static } from 'typebox';
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { SettingsDocument } from '../../platform/settings.js';
import type { NewSighting } from '../indicators/correlation.service.js';
import { IncidentRepository } from './incidents.repository.js';
import { severityOfTier, type IncidentService } from './incidents.service.js';

export const INCIDENT_CORRELATION_KEY = 'incident-correlation';

const SIGHTING_KINDS = ['sbom-component', 'artifact', 'artifact-file', 'vendor-domain', 'egress'] as const;

export const IncidentCorrelationSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Whether sightings open incidents at all.' }),
    vendorTiers: Type.Array(Type.Enum(['T1', 'T2', 'T3', 'T4']), { uniqueItems: true, description: 'Tiers of the vendors whose sightings open incidents.' }),
    kinds: Type.Array(Type.Enum([...SIGHTING_KINDS]), { uniqueItems: true, description: 'Kinds of sightings that open incidents: in an SBOM\'s component hashes, a release artifact, a file inside one, the vendor\'s domains, egress traffic to the indicator (by the vendor\'s software, or to its destinations).' }),
    minConfidence: Type.Integer({ minimum: 0, maximum: 100, description: 'Indicators below this confidence open no incident.' }),
    unknownConfidence: Type.Boolean({ description: 'Whether an indicator no source gives a confidence for (MISP, most CSV lists) opens one.' }),
  },
  { additionalProperties: false },
);
export type IncidentCorrelationSettings = Static<typeof IncidentCorrelationSettingsSchema>;

export const DEFAULT_INCIDENT_CORRELATION: IncidentCorrelationSettings = {
  enabled: true,
  vendorTiers: ['T1', 'T2'],
  kinds: [...SIGHTING_KINDS],
  minConfidence: 50,
  unknownConfidence: true,
};

const RULE = new SettingsDocument(INCIDENT_CORRELATION_KEY, DEFAULT_INCIDENT_CORRELATION, { action: 'settings.incident-correlation.update' });

const KIND_WORDS: Record<string, string> = {
  'sbom-component': 'a component hash in an SBOM',
  artifact: 'a release artifact',
  'artifact-file': 'a file inside a release artifact',
  'vendor-domain': 'the vendor\'s domains',
  egress: 'egress traffic of the vendor\'s software or to its destinations',
};

export class IncidentCorrelation {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly incidents: IncidentService,
  ) {}

  async settings(executor: Executor = this.db): Promise<IncidentCorrelationSettings> {
    return RULE.read(executor);
  }

  async setSettings(settings: IncidentCorrelationSettings, ctx: RequestContext): Promise<IncidentCorrelationSettings> {
    return this.db.transaction().execute((trx) => RULE.replace(trx, settings, ctx));
  }

  /** The sighting hook (CorrelationService.onSightings): runs in the transaction that recorded the sightings. */
  hook = async (trx: Executor, sightings: NewSighting[], ctx: RequestContext): Promise<void> => {
    const rule = await this.settings(trx);
    if (!rule.enabled) return;
    const vendorIds = [...new Set(sightings.map((s) => s.vendorId).filter((v): v is string => !!v))];
    if (!vendorIds.length) return;
    const repo = new IncidentRepository(trx);
    const vendors = new Map((await repo.vendors(vendorIds)).map((v) => [v.id, v]));
    const byVendor = new Map<string, NewSighting[]>();
    for (const s of sightings) {
      const vendor = s.vendorId ? vendors.get(s.vendorId) : undefined;
      if (!vendor || !rule.vendorTiers.includes(vendor.tier as 'T1') || !rule.kinds.includes(s.kind as 'artifact')) continue;
      if (s.confidence === null ? !rule.unknownConfidence : s.confidence < rule.minConfidence) continue;
      byVendor.set(vendor.id, [...(byVendor.get(vendor.id) ?? []), s]);
    }
    for (const [vendorId, group] of byVendor) {
      await repo.lockVendor(vendorId);
      const indicatorIds = [...new Set(group.map((s) => s.indicatorId))];
      const documents = new Set((await repo.sourcesOfIndicators(indicatorIds)).map((s) => s.source));
      const open = await this.incidents.openOfVendor(trx, vendorId);
      let target: string | null = null;
      for (const incident of open) {
        const theirs = await this.incidents.indicatorsOf(incident.id, trx);
        if (theirs.some((i) => indicatorIds.includes(i.id) || i.sources.some((s) => documents.has(s)))) {
          target = incident.id;
          break;
        }
      }
      if (!target) target = (await this.open(trx, vendors.get(vendorId)!, group, ctx)).id;
      await this.incidents.appendSightings(trx, target, group, ctx);
      await this.linkRisks(trx, target, vendorId, indicatorIds, ctx);
    }
  };

  private async open(trx: Executor, vendor: { id: string; name: string; tier: string }, group: NewSighting[], ctx: RequestContext) {
    const values = [...new Set(group.map((s) => `${s.indicatorType} ${s.indicatorValue}`))];
    const where = [...new Set(group.map((s) => KIND_WORDS[s.kind] ?? s.kind))].join(', ');
    const title = values.length === 1 ? `Indicator ${values[0].slice(0, 160)} seen at ${vendor.name}` : `${values.length} threat-intel indicators seen at ${vendor.name}`;
    return this.incidents.createIn(trx, {
      title: title.slice(0, 300),
      summary: `Threat-intel indicators matched ${where} of ${vendor.name} (tier ${vendor.tier}): ${values.slice(0, 20).join(', ')}${values.length > 20 ? ', …' : ''}.`.slice(0, 20_000),
      severity: severityOfTier(vendor.tier),
      vendorIds: [vendor.id],
      productIds: [...new Set(group.map((s) => s.productId).filter((p): p is string => !!p))],
      source: 'correlation',
      correlationKey: `vendor:${vendor.id}`,
    }, ctx);
  }

  /** The sighting risks the risk rule raised for these indicators and this vendor (it runs first), linked. */
  private async linkRisks(trx: Executor, incidentId: string, vendorId: string, indicatorIds: string[], ctx: RequestContext): Promise<void> {
    const risks = await new IncidentRepository(trx).sightingRisks(indicatorIds.map((id) => `indicator:${id}:vendor:${vendorId}`));
    for (const id of risks) await this.incidents.link(trx, incidentId, { kind: 'risk', targetId: id }, ctx);
  }
}
