/**
 * Checksums and structural rules that turn a digit or letter pattern into a real identifier.
 * Each takes the compact value (separators removed) and answers whether it can be one; none of
 * them throws, none of them logs.
 */

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

interface CardRange {
  brand: string;
  from: number;
  to: number;
  /** How many leading digits from/to cover. */
  prefix: number;
  lengths: number[];
}

const range = (brand: string, from: number, to: number, lengths: number[]): CardRange => ({
  brand,
  from,
  to,
  prefix: String(from).length,
  lengths,
});

/** Issuer identification number ranges of the networks that issue cards in volume (ISO/IEC 7812). */
const CARD_RANGES: CardRange[] = [
  range('visa', 4, 4, [13, 16, 19]),
  range('mastercard', 51, 55, [16]),
  range('mastercard', 2221, 2720, [16]),
  range('amex', 34, 34, [15]),
  range('amex', 37, 37, [15]),
  range('discover', 6011, 6011, [16, 17, 18, 19]),
  range('discover', 644, 649, [16, 17, 18, 19]),
  range('discover', 65, 65, [16, 17, 18, 19]),
  range('unionpay', 62, 62, [16, 17, 18, 19]),
  range('jcb', 3528, 3589, [16, 17, 18, 19]),
  range('diners', 300, 305, [14, 15, 16, 17, 18, 19]),
  range('diners', 36, 36, [14, 15, 16, 17, 18, 19]),
  range('diners', 38, 39, [16, 17, 18, 19]),
  range('mir', 2200, 2204, [16, 17, 18, 19]),
  range('maestro', 5018, 5018, [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', 5020, 5020, [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', 5038, 5038, [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', 5893, 5893, [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', 6304, 6304, [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', 6759, 6759, [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', 6761, 6763, [13, 14, 15, 16, 17, 18, 19]),
];

/** The card network of a Luhn-valid number in a known IIN range with that network's length, or null. */
export function cardBrand(digits: string): string | null {
  if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return null;
  for (const r of CARD_RANGES) {
    const head = Number(digits.slice(0, r.prefix));
    if (head >= r.from && head <= r.to && r.lengths.includes(digits.length)) return r.brand;
  }
  return null;
}

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** ISO 13616: the country's length, then mod 97 of the rearranged value equals 1. */
export function ibanValid(compact: string): boolean {
  const length = IBAN_LENGTHS[compact.slice(0, 2)];
  if (length === undefined || compact.length !== length) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) remainder = (remainder * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) remainder = (remainder * 100 + (c - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}

/**
 * US SSN as issued (SSA rules): area 001–899 but not 666, group 01–99, serial 0001–9999, and not
 * one of the numbers published in advertising that people then used as their own.
 */
export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5));
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return false;
  return digits !== '078051120' && digits !== '219099999' && digits !== '123456789';
}

const NINO_BAD_PREFIXES = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** UK National Insurance number: two prefix letters (HMRC's allowed set), six digits, suffix A–D (may be absent). */
export function ninoValid(compact: string): boolean {
  if (!/^[A-Z]{2}\d{6}[A-D]?$/.test(compact)) return false;
  const first = compact[0]!;
  const second = compact[1]!;
  if ('DFIQUV'.includes(first) || 'DFIOQUV'.includes(second)) return false;
  return !NINO_BAD_PREFIXES.has(compact.slice(0, 2));
}

/** Dutch BSN: nine digits passing the 11-test (weights 9..2 and −1). */
export function bsnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits) || /^0+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(digits[i]) * (9 - i);
  sum -= Number(digits[8]);
  return sum % 11 === 0;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is the number mod 23. */
export function dniValid(compact: string): boolean {
  let value = compact;
  const lead = value[0];
  if (lead === 'X' || lead === 'Y' || lead === 'Z') value = String('XYZ'.indexOf(lead)) + value.slice(1);
  if (!/^\d{8}[A-Z]$/.test(value)) return false;
  return DNI_LETTERS[Number(value.slice(0, 8)) % 23] === value[8];
}

function realDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month === 2) return day <= ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28);
  return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

/** Polish PESEL: weighted check digit and a real birth date (century carried in the month). */
export function peselValid(digits: string): boolean {
  if (!/^\d{11}$/.test(digits)) return false;
  const weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += Number(digits[i]) * weights[i]!;
  if ((10 - (sum % 10)) % 10 !== Number(digits[10])) return false;
  let month = Number(digits.slice(2, 4));
  const centuries = [1900, 2000, 2100, 2200, 1800];
  const century = centuries[Math.floor(month / 20)];
  if (century === undefined) return false;
  month %= 20;
  return realDate(century + Number(digits.slice(0, 2)), month, Number(digits.slice(4, 6)));
}

/** Swedish personnummer/samordningsnummer: YYMMDDNNNC (10 digits, Luhn) with a real date (day+60 allowed). */
export function personnummerValid(tenDigits: string): boolean {
  if (!/^\d{10}$/.test(tenDigits) || !luhnValid(tenDigits)) return false;
  const month = Number(tenDigits.slice(2, 4));
  let day = Number(tenDigits.slice(4, 6));
  if (day > 60) day -= 60;
  return realDate(2000, month, day) || realDate(1999, month, day);
}

const HETU_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';
const HETU_CENTURY: Record<string, number> = {
  '+': 1800, '-': 1900, Y: 1900, X: 1900, W: 1900, V: 1900, U: 1900,
  A: 2000, B: 2000, C: 2000, D: 2000, E: 2000, F: 2000,
};

/** Finnish henkilötunnus DDMMYYCNNNT: century sign, real date, check character mod 31. */
export function hetuValid(value: string): boolean {
  if (value.length !== 11) return false;
  const century = HETU_CENTURY[value[6]!];
  if (century === undefined || !/^\d{6}$/.test(value.slice(0, 6)) || !/^\d{3}$/.test(value.slice(7, 10))) return false;
  if (!realDate(century + Number(value.slice(4, 6)), Number(value.slice(2, 4)), Number(value.slice(0, 2)))) return false;
  return HETU_CHECK[Number(value.slice(0, 6) + value.slice(7, 10)) % 31] === value[10];
}

/** A plausible birth date: a real calendar date from 1900 to today. */
export function birthDateValid(year: number, month: number, day: number, now = new Date()): boolean {
  if (year < 1900 || !realDate(year, month, day)) return false;
  return Date.UTC(year, month - 1, day) <= now.getTime();
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
