import { Type } from 'typebox';
import { CONFIDENCE_TIERS, DETECTION_TYPES } from './pii.model.js';
import { MAX_PATTERN_LENGTH } from './pii.patterns.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const TypeSchema = Type.Enum(DETECTION_TYPES);
const TierSchema = Type.Enum(CONFIDENCE_TIERS, {
  description: 'low: logged only; medium: counts towards bulk rules; high: what a blocking policy acts on.',
});

export const DetectionSchema = Type.Object({
  type: TypeSchema,
  subtype: Nullable(Type.String({ description: 'national_id: the scheme (nl-bsn, es-dni, …); secret: the kind; custom: the pattern name; phone: the country; payment_card: the network.' })),
  offset: Type.Integer({ description: 'Character offset in the decoded text.' }),
  length: Type.Integer(),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  tier: TierSchema,
  preview: Type.String({ description: 'Masked: never enough to recover the value.' }),
  field: Nullable(Type.String({ description: 'JSON path, form field or multipart part name the value came from.' })),
});

export const ScanBody = Type.Object(
  {
    text: Type.Optional(Type.String({ maxLength: 1024 * 1024, description: 'Plain text to scan.' })),
    body: Type.Optional(Type.String({ maxLength: 4 * 1024 * 1024, description: 'Or an HTTP body, base64, scanned as the proxy would (content type and encoding below).' })),
    contentType: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    contentEncoding: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'gzip, deflate, br (several comma-separated).' }))),
  },
  { additionalProperties: false },
);

export const ScanResultSchema = Type.Object({
  detections: Type.Array(DetectionSchema),
  summary: Type.Array(Type.Object({ type: TypeSchema, tier: TierSchema, count: Type.Integer() })),
  scannedBytes: Type.Integer(),
  truncated: Type.Boolean({ description: 'The decoded body was larger than the scan cap: only its start was scanned.' }),
  format: Type.Enum(['json', 'form', 'multipart', 'text', 'binary']),
  error: Nullable(Type.String({ description: 'Why a body was only partly scanned or not at all (compression bomb, corrupt encoding, invalid JSON scanned as text, …).' })),
});

export const PatternSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, description: 'Unique; becomes the detection subtype.' }),
    pattern: Type.String({
      minLength: 1,
      maxLength: MAX_PATTERN_LENGTH,
      description:
        'Regular expression in a linear-time subset: literals, escapes (\\d \\w \\s \\b …), classes, ".", bounded repetition (?, {n}, {n,m} up to 64), (?:a|b) groups, optional at most. No * or +, anchors, backreferences or lookaround.',
    }),
    caseInsensitive: Type.Optional(Type.Boolean()),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Default 0.8 (high tier).' })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const PatternsBody = Type.Object({ patterns: Type.Array(PatternSchema, { maxItems: 100 }) }, { additionalProperties: false });
