/** Shapes of the egress APIs (issue 12) as the egress pages use them. */

export const SANCTIONS = ['sanctioned', 'unsanctioned', 'unknown'] as const;
export type Sanction = (typeof SANCTIONS)[number];
export const SANCTION_LABEL: Record<Sanction, string> = { sanctioned: 'Sanctioned', unsanctioned: 'Unsanctioned', unknown: 'Unknown' };

export const DETECTION_TYPES = ['email', 'phone', 'payment_card', 'iban', 'us_ssn', 'uk_nino', 'national_id', 'ip_address', 'date_of_birth', 'secret', 'jwt', 'custom'] as const;
export type DetectionType = (typeof DETECTION_TYPES)[number];
export const DETECTION_LABEL: Record<DetectionType, string> = {
  email: 'E-mail',
  phone: 'Phone',
  payment_card: 'Payment card',
  iban: 'IBAN',
  us_ssn: 'US SSN',
  uk_nino: 'UK NINO',
  national_id: 'National id',
  ip_address: 'IP address',
  date_of_birth: 'Date of birth',
  secret: 'Secret',
  jwt: 'JWT',
  custom: 'Custom',
};

/** A detection type's label; a type this UI does not know yet reads as the API spells it. */
export function detectionLabel(type: string): string {
  return (DETECTION_LABEL as Record<string, string>)[type] ?? type;
}

export interface VendorRef {
  id: string;
  /** null: the vendor was deleted since. */
  name: string | null;
}

/** One destination's traffic over the chosen window (GET /api/v1/dataflows). */
export interface DataFlow {
  destination: string;
  vendor: VendorRef | null;
  sanction: Sanction;
  requests: number;
  bytes: number;
  bytesOut: number;
  bytesIn: number;
  dataClasses: string[];
  firstSeen: string;
  lastSeen: string;
  sources: string[];
  methods: string[];
  contentTypes: string[];
}

export type Confidence = 'low' | 'medium' | 'high';

export interface Detection {
  type: string;
  subtype: string | null;
  offset: number;
  length: number;
  confidence: number;
  tier: Confidence;
  preview: string;
  field: string | null;
}

/** 1.2 MB, 340 kB, 12 B. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatCount(n: number): string {
  return new Intl.NumberFormat('en-GB').format(n);
}
