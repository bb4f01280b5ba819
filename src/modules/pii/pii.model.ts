/**
 * The shapes of the personal-data detection engine (issue 12): one engine for egress bodies, the
 * ICAP service and evidence files. A detection never carries the raw value, only where it was,
 * how sure the engine is and a redacted preview.
 */

export const DETECTION_TYPES = [
  'email',
  'phone',
  'payment_card',
  'iban',
  'us_ssn',
  'uk_nino',
  'national_id',
  'ip_address',
  'date_of_birth',
  'secret',
  'jwt',
  'custom',
] as const;
export type DetectionType = (typeof DETECTION_TYPES)[number];

/** low: logged only; medium: counts towards bulk rules; high: what a blocking policy acts on. */
export const CONFIDENCE_TIERS = ['low', 'medium', 'high'] as const;
export type ConfidenceTier = (typeof CONFIDENCE_TIERS)[number];

export interface Detection {
  type: DetectionType;
  /** For national_id: the scheme (nl-bsn, es-dni, ...); for secret: the kind (aws-access-key, github-token, ...); for custom: the pattern's name. */
  subtype: string | null;
  /** Character offset in the decoded text that was scanned. */
  offset: number;
  length: number;
  /** 0..1 after validators, context words and field names. */
  confidence: number;
  tier: ConfidenceTier;
  /** e.g. "j***@e***.com", "**** **** **** 4242": never enough to recover the value. */
  preview: string;
  /** The JSON path or form field the value came from, when the body had structure. */
  field: string | null;
}

/** Counts per type and tier: what flows, events and alerts keep instead of detections. */
export type DetectionSummary = { type: DetectionType; tier: ConfidenceTier; count: number }[];

/**
 * The data category of the vendor inventory (vendors.dataCategories) each detection type belongs
 * to: a vendor approved for a category is sanctioned to receive that type. Credentials belong to
 * no category, so no vendor is ever sanctioned for them by its categories alone.
 */
export const CATEGORY_OF_TYPE: Record<DetectionType, 'personal' | 'payment' | 'credentials' | 'custom'> = {
  email: 'personal',
  phone: 'personal',
  payment_card: 'payment',
  iban: 'payment',
  us_ssn: 'personal',
  uk_nino: 'personal',
  national_id: 'personal',
  ip_address: 'personal',
  date_of_birth: 'personal',
  secret: 'credentials',
  jwt: 'credentials',
  custom: 'custom',
};
