// STIX 2.1 bundles (and 2.0 ones, upgraded): indicators with STIX patterns become matchable
// indicators or are kept as unsupported; identities name the publisher, TLP markings the sharing.
//
// Validation: the objects this importer reads (the bundle envelope, every object's common
// properties, indicator, identity, marking-definition) are checked by TypeBox schemas written
// from the OASIS STIX 2.1 JSON schemas (common/bundle, core, identifier, timestamp,
// kill-chain-phase, sdos/indicator, sdos/identity, common/marking-definition); a test runs both
// on the OASIS examples and on broken objects and expects the same verdicts. No npm package
// ships the OASIS schemas, and the rest of a bundle (malware, relationships …) is not consumed.
import { Type, type Static, type TSchema } from 'typebox';
import { checker } from '../../../platform/validation.js';
import { FeedFormatError } from '../../advisories/parsers/errors.js';
import { isObject, parseStorableJson, type FeedInput } from '../../advisories/parsers/json.js';
import { emptyOutcome, type IndicatorOutcome, type KillChainPhase, type Tlp } from './model.js';
import { tlpOf } from './normalize.js';
import { analysePattern, PatternSyntaxError } from './stix-pattern.js';

export const MAX_BUNDLE_OBJECTS = 500_000;

const IDENTIFIER = '^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$';
const TIMESTAMP = '^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\\.[0-9]+)?Z$';
const TIMESTAMP_MILLIS = '^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)\\.[0-9]{3,}Z$';

const Identifier = (prefix?: string) => Type.String({ pattern: prefix ? `^${prefix}--${IDENTIFIER.slice(IDENTIFIER.indexOf('--') + 2)}` : IDENTIFIER });
const Timestamp = Type.String({ pattern: TIMESTAMP });
const NonEmpty = <T extends TSchema>(item: T) => Type.Array(item, { minItems: 1 });

/** What every STIX object carries (core.json, cyber-observable-core.json): a type and an id naming it. */
const StixObject = Type.Object({
  // core.json's ^([a-z][a-z0-9]*)+(-[a-z0-9]+)*\-?$ without its nested quantifier (the same language, no backtracking blow-up).
  type: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$', minLength: 3, maxLength: 250 }),
  id: Identifier(),
  spec_version: Type.Optional(Type.Union([Type.Literal('2.0'), Type.Literal('2.1')])),
});

/** The common properties of an SDO (core.json) that this importer reads. */
const Core = {
  spec_version: Type.Literal('2.1'),
  created: Type.String({ pattern: TIMESTAMP_MILLIS }),
  modified: Type.String({ pattern: TIMESTAMP_MILLIS }),
  created_by_ref: Type.Optional(Identifier()),
  revoked: Type.Optional(Type.Boolean()),
  labels: Type.Optional(NonEmpty(Type.String())),
  confidence: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  object_marking_refs: Type.Optional(NonEmpty(Identifier())),
};

const IndicatorObject = Type.Object({
  type: Type.Literal('indicator'),
  id: Identifier('indicator'),
  ...Core,
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  indicator_types: Type.Optional(NonEmpty(Type.String())),
  pattern: Type.String(),
  pattern_type: Type.String(),
  pattern_version: Type.Optional(Type.String()),
  valid_from: Timestamp,
  valid_until: Type.Optional(Timestamp),
  kill_chain_phases: Type.Optional(NonEmpty(Type.Object({ kill_chain_name: Type.String(), phase_name: Type.String() }))),
});
export type StixIndicator = Static<typeof IndicatorObject>;

const IdentityObject = Type.Object({ type: Type.Literal('identity'), id: Identifier('identity'), ...Core, name: Type.String() });

const MarkingObject = Type.Object({
  type: Type.Literal('marking-definition'),
  id: Identifier('marking-definition'),
  spec_version: Type.Optional(Type.Union([Type.Literal('2.0'), Type.Literal('2.1')])),
  created: Type.Optional(Timestamp),
  name: Type.Optional(Type.String()),
  definition_type: Type.Optional(Type.String()),
  definition: Type.Optional(Type.Object({ tlp: Type.Optional(Type.String()) })),
});

const BundleEnvelope = Type.Object({
  type: Type.Literal('bundle'),
  id: Identifier('bundle'),
  spec_version: Type.Optional(Type.String()),
  objects: Type.Optional(Type.Array(Type.Unknown())),
});

export const STIX_CHECKS = {
  bundle: checker(BundleEnvelope),
  object: checker(StixObject),
  indicator: checker(IndicatorObject),
  identity: checker(IdentityObject),
  'marking-definition': checker(MarkingObject),
};

/** The TLP marking definitions the specification fixes (TLP 1.0 in STIX 2.0/2.1, TLP 2.0 extension). */
const TLP_MARKINGS: Record<string, Tlp> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'clear',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'green',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'amber',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'amber+strict',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'red',
};

const TLP_ORDER: Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

export function strictestTlp(levels: Array<Tlp | null>): Tlp | null {
  let out: Tlp | null = null;
  for (const level of levels) if (level && (!out || TLP_ORDER.indexOf(level) > TLP_ORDER.indexOf(out))) out = level;
  return out;
}

/** Reads a bundle (bytes, text or parsed); whole-document problems throw FeedFormatError. */
export function parseStixBundle(input: FeedInput | unknown): IndicatorOutcome {
  const doc = parseStorableJson(input, 'the STIX bundle');
  if (!isObject(doc)) throw new FeedFormatError('a STIX bundle is a JSON object with "type": "bundle"');
  // One STIX object on its own (as some tools export a single indicator) reads as a bundle of one.
  if (doc.type !== 'bundle' && typeof doc.type === 'string' && typeof doc.id === 'string') return readObjects([doc]);
  const envelope = STIX_CHECKS.bundle(doc);
  if (!envelope.ok) throw new FeedFormatError(`not a STIX bundle: ${envelope.problems[0].field} ${envelope.problems[0].reason}`);
  const objects = envelope.value.objects ?? [];
  if (objects.length > MAX_BUNDLE_OBJECTS) throw new FeedFormatError(`the bundle has ${objects.length} objects, over the limit of ${MAX_BUNDLE_OBJECTS}: split it into several bundles`);
  return readObjects(objects, envelope.value.spec_version === '2.0');
}

/** The objects of a bundle or of a TAXII envelope. */
export function readObjects(objects: unknown[], declared20 = false): IndicatorOutcome {
  const outcome = emptyOutcome('stix');
  const markings = new Map<string, Tlp>(Object.entries(TLP_MARKINGS));
  const identities = new Map<string, string>();
  // A bundle (a TAXII page, an OpenCTI export) may hold several versions of one indicator: the latest `modified` is the indicator.
  const indicators = new Map<string, Record<string, unknown>>();
  objects.forEach((raw, at) => {
    const record = isObject(raw) && typeof raw.id === 'string' ? raw.id.slice(0, 200) : `objects[${at}]`;
    if (!isObject(raw)) return outcome.errors.push({ record, reason: 'a STIX object must be a JSON object' });
    const common = STIX_CHECKS.object(raw);
    if (!common.ok) return outcome.errors.push({ record, reason: `${common.problems[0].field} ${common.problems[0].reason}` });
    if (!raw.id!.toString().startsWith(`${raw.type as string}--`)) return outcome.errors.push({ record, reason: `the id does not start with its type "${raw.type as string}--"` });
    const obj = declared20 || raw.spec_version === '2.0' || (raw.spec_version === undefined && 'created' in raw) ? upgrade20(raw) : raw;
    if (obj.type === 'marking-definition') {
      const checked = STIX_CHECKS['marking-definition'](obj);
      if (!checked.ok) return outcome.errors.push({ record, reason: `${checked.problems[0].field} ${checked.problems[0].reason}` });
      const level = markingTlp(checked.value, obj);
      if (level) markings.set(checked.value.id, level);
    } else if (obj.type === 'identity') {
      const checked = STIX_CHECKS.identity(obj);
      if (checked.ok) identities.set(checked.value.id, checked.value.name);
    } else if (obj.type === 'indicator') {
      const seen = indicators.get(String(obj.id));
      if (seen) outcome.skipped++;
      if (!seen || !(String(seen.modified) > String(obj.modified))) indicators.set(String(obj.id), obj);
    } else {
      // Attack patterns, malware, relationships, observables, x-mitre-* … hold no indicator: counted, not read.
      outcome.skipped++;
    }
  });
  for (const obj of indicators.values()) {
    const record = String(obj.id);
    const checked = STIX_CHECKS.indicator(obj);
    if (!checked.ok) {
      outcome.errors.push({ record, reason: `${checked.problems[0].field} ${checked.problems[0].reason}` });
      continue;
    }
    const ind = checked.value;
    if (ind.valid_until && ind.valid_until <= ind.valid_from) {
      outcome.errors.push({ record, reason: '/valid_until must be later than valid_from' });
      continue;
    }
    if (ind.revoked) {
      outcome.skipped++;
      continue;
    }
    if (ind.created_by_ref && !outcome.publisher) outcome.publisher = identities.get(ind.created_by_ref) ?? null;
    const context = {
      ref: ind.id,
      name: ind.name ?? null,
      confidence: ind.confidence ?? null,
      tlp: strictestTlp((ind.object_marking_refs ?? []).map((ref) => markings.get(ref) ?? null)),
      validFrom: ind.valid_from,
      validUntil: ind.valid_until ?? null,
      labels: [...new Set([...(ind.indicator_types ?? []), ...(ind.labels ?? [])])],
    };
    if (ind.pattern_type !== 'stix') {
      outcome.unsupported.push({ ...context, pattern: ind.pattern, patternType: ind.pattern_type, reason: `pattern_type ${ind.pattern_type} is kept, not matched (only STIX patterns are)` });
      continue;
    }
    let verdict;
    try {
      verdict = analysePattern(ind.pattern);
    } catch (error) {
      if (!(error instanceof PatternSyntaxError)) throw error;
      outcome.errors.push({ record, reason: `/pattern: ${error.message}` });
      continue;
    }
    if (!verdict.supported) {
      outcome.unsupported.push({ ...context, pattern: ind.pattern, patternType: 'stix', reason: verdict.reason });
      continue;
    }
    const killChain: KillChainPhase[] = (ind.kill_chain_phases ?? []).map((k) => ({ killChainName: k.kill_chain_name, phaseName: k.phase_name }));
    for (const c of verdict.comparisons) outcome.indicators.push({ ...context, ...c, description: ind.description ?? null, pattern: ind.pattern, killChain });
  }
  return outcome;
}

/**
 * The TLP level a marking definition states: `definition_type` tlp with `definition.tlp` (OpenCTI
 * writes both as "TLP"), the TLP 2.0 property extension, or a name such as "TLP:AMBER+STRICT".
 */
function markingTlp(marking: Static<typeof MarkingObject>, raw: Record<string, unknown>): Tlp | null {
  if (marking.definition_type?.toLowerCase() === 'tlp' && isObject(raw.definition)) {
    const key = Object.keys(raw.definition).find((k) => k.toLowerCase() === 'tlp');
    const level = key && typeof raw.definition[key] === 'string' ? tlpOf(raw.definition[key]) : null;
    if (level) return level;
  }
  if (isObject(raw.extensions)) {
    for (const ext of Object.values(raw.extensions)) if (isObject(ext) && typeof ext.tlp_2_0 === 'string' && tlpOf(ext.tlp_2_0)) return tlpOf(ext.tlp_2_0);
  }
  return marking.name ? tlpOf(marking.name) : null;
}

/**
 * STIX 2.0 → 2.1 for what this importer reads: spec_version on every object, an indicator's
 * labels (its types in 2.0) become indicator_types, pattern_type is stix, and timestamps get the
 * millisecond precision 2.1 requires.
 */
export function upgrade20(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj, spec_version: '2.1' };
  for (const key of ['created', 'modified']) if (typeof out[key] === 'string') out[key] = withMillis(out[key] as string);
  if (out.type === 'indicator') {
    if (Array.isArray(obj.labels) && !obj.indicator_types) {
      out.indicator_types = obj.labels;
      delete out.labels;
    }
    if (out.pattern_type === undefined) out.pattern_type = 'stix';
  }
  return out;
}

function withMillis(timestamp: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(timestamp);
  if (!m) return timestamp;
  return `${m[1]}${(m[2] ?? '.').padEnd(4, '0')}Z`;
}
