// What correlation plugs into: the integrity module's artifact checks (a hash an indicator names
// becomes an indicator-match alert and a sighting) and the risk register (a sighting opens a risk
// when the configured rule says so).
import { Type, type Static } from 'typebox';
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { SettingsDocument } from '../../platform/settings.js';
import type { ArtifactEvent, IndicatorHit } from '../integrity/integrity.service.js';
import type { RiskService } from '../risks/risks.service.js';
import type { CorrelationService, NewSighting } from './correlation.service.js';
import { IndicatorRepository } from './indicators.repository.js';

/** The integrity module's correlate hook: the artifact's hashes and its inner files' against indicators. */
export function integrityCorrelation(correlation: CorrelationService) {
  return async (event: ArtifactEvent, trx: Executor, ctx: RequestContext): Promise<IndicatorHit[]> => {
    const files = await new IndicatorRepository(trx).artifactFiles(event.artifactId);
    const result = await correlation.onArtifact(
      { ...event, files: files.map((f) => ({ path: f.path, hashes: { md5: f.md5, sha1: f.sha1, sha256: f.sha256, sha512: f.sha512 } })) },
      ctx,
      trx,
    );
    const seen = new Set<string>();
    return result.matches
      .filter((m) => !seen.has(m.indicatorId) && seen.add(m.indicatorId))
      .map((m) => ({ indicatorId: m.indicatorId, detail: `${m.file ? `${m.file} inside the artifact` : 'the artifact'} has the ${m.type.toUpperCase()} of indicator ${m.value}${m.confidence === null ? '' : ` (confidence ${m.confidence})`}` }));
  };
}

export const SIGHTING_RISK_SETTINGS_KEY = 'sighting-risks';

export const SightingRiskSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Whether sightings open risks at all.' }),
    minConfidence: Type.Integer({ minimum: 0, maximum: 100, description: 'Indicators below this confidence open no risk.' }),
    unknownConfidence: Type.Boolean({ description: 'Whether an indicator no source gives a confidence for (MISP, most CSV lists) opens a risk.' }),
    vendorTiers: Type.Array(Type.Enum(['T1', 'T2', 'T3', 'T4']), { uniqueItems: true, description: 'Tiers of the vendors whose sightings open risks.' }),
    kinds: Type.Array(Type.Enum(['sbom-component', 'artifact', 'artifact-file', 'vendor-domain']), { uniqueItems: true, description: 'Kinds of sightings that open risks.' }),
  },
  { additionalProperties: false },
);
export type SightingRiskSettings = Static<typeof SightingRiskSettingsSchema>;

export const DEFAULT_SIGHTING_RISK_SETTINGS: SightingRiskSettings = {
  enabled: true,
  minConfidence: 50,
  unknownConfidence: true,
  vendorTiers: ['T1', 'T2', 'T3', 'T4'],
  kinds: ['sbom-component', 'artifact', 'artifact-file', 'vendor-domain'],
};

const IMPACT_BY_TIER: Record<string, number> = { T1: 5, T2: 4, T3: 3, T4: 2 };

/** Likelihood from the indicator's confidence (unknown reads as even odds). */
function likelihoodOf(confidence: number | null): number {
  if (confidence === null) return 3;
  return confidence >= 85 ? 5 : confidence >= 70 ? 4 : confidence >= 50 ? 3 : confidence >= 25 ? 2 : 1;
}

const RULE = new SettingsDocument(SIGHTING_RISK_SETTINGS_KEY, DEFAULT_SIGHTING_RISK_SETTINGS, { action: 'settings.sighting-risks.update' });

const KIND_WORDS: Record<string, string> = {
  'sbom-component': 'a component hash in its SBOM',
  artifact: 'a release artifact',
  'artifact-file': 'a file inside a release artifact',
  'vendor-domain': 'its domain',
};

export class SightingRisks {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly risks: RiskService,
  ) {}

  async settings(executor: Executor = this.db): Promise<SightingRiskSettings> {
    return RULE.read(executor);
  }

  async setSettings(settings: SightingRiskSettings, ctx: RequestContext): Promise<SightingRiskSettings> {
    return this.db.transaction().execute((trx) => RULE.replace(trx, settings, ctx));
  }

  /**
   * The sighting hook: one risk per (indicator, vendor), raised idempotently, each sighting added to
   * its evidence, when the rule says so. Runs in the transaction that created the sightings.
   */
  hook = async (trx: Executor, sightings: NewSighting[], ctx: RequestContext): Promise<void> => {
    const rule = await this.settings(trx);
    if (!rule.enabled) return;
    const vendorIds = [...new Set(sightings.map((s) => s.vendorId).filter((v): v is string => !!v))];
    if (!vendorIds.length) return;
    const vendors = new Map((await trx.selectFrom('vendors').select(['id', 'name', 'tier']).where('id', 'in', vendorIds).execute()).map((v) => [v.id, v]));
    const groups = new Map<string, NewSighting[]>();
    for (const s of sightings) {
      // An artifact check that matches an indicator raises an integrity alert, and that alert its own risk.
      if (s.foundBy === 'artifact') continue;
      const vendor = s.vendorId ? vendors.get(s.vendorId) : undefined;
      if (!vendor || !rule.vendorTiers.includes(vendor.tier as 'T1') || !rule.kinds.includes(s.kind as 'artifact')) continue;
      if (s.confidence === null ? !rule.unknownConfidence : s.confidence < rule.minConfidence) continue;
      const key = `indicator:${s.indicatorId}:vendor:${vendor.id}`;
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    for (const [sourceKey, group] of groups) {
      const first = group[0];
      const vendor = vendors.get(first.vendorId!)!;
      const where = [...new Set(group.map((s) => KIND_WORDS[s.kind] ?? s.kind))].join(', ');
      await this.risks.raise(
        {
          source: 'sighting',
          sourceKey,
          title: `Indicator ${first.indicatorType} ${first.indicatorValue.slice(0, 120)} seen at ${vendor.name}`.slice(0, 300),
          description: `A threat-intel indicator (${first.indicatorType} ${first.indicatorValue.slice(0, 300)}${first.confidence === null ? '' : `, confidence ${first.confidence}`}) matched ${where} of ${vendor.name} (tier ${vendor.tier}).`,
          likelihood: likelihoodOf(first.confidence),
          impact: IMPACT_BY_TIER[vendor.tier] ?? 3,
          vendorIds: [vendor.id],
          productIds: [...new Set(group.map((s) => s.productId).filter((p): p is string => !!p))],
          evidence: [
            { type: 'indicator', id: first.indicatorId, label: `${first.indicatorType} ${first.indicatorValue}`.slice(0, 300) },
            ...group.map((s) => ({ type: 'sighting' as const, id: s.id, label: `${KIND_WORDS[s.kind] ?? s.kind}${s.release ? ` (release ${s.release})` : ''}`.slice(0, 300) })),
          ],
        },
        ctx,
        trx,
      );
    }
  };
}
