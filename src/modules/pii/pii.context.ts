/**
 * Context words and field names: what turns "a number that passes a checksum" into "a card number"
 * (or into "an order id that happens to pass Luhn"). Words are compared lower-cased, split on
 * punctuation and camelCase, so `cardNumber`, `card_number` and "Card number:" all say "card".
 */
import type { DetectionType } from './pii.model.js';

export type Verdict = 'for' | 'against' | null;

const words = (list: string): Set<string> => new Set(list.split(/\s+/).filter(Boolean));

export const CONTEXT_FOR: Partial<Record<DetectionType, Set<string>>> = {
  payment_card: words('card cards cc ccn ccnum credit creditcard debit pan visa mastercard amex maestro payment cardnumber cardno'),
  phone: words('phone phones tel telephone mobile cell cellphone fax contact whatsapp sms call msisdn phonenumber handy telefon'),
  us_ssn: words('ssn social security ssa taxpayer itin'),
  uk_nino: words('nino insurance ni nin'),
  national_id: words(
    'bsn burgerservicenummer sofinummer dni nie nif pesel personnummer hetu henkilotunnus henkilötunnus national citizen identity idnumber personal',
  ),
  iban: words('iban bank account sepa bic swift'),
  ip_address: words('ip ipv4 ipv6 ipaddress addr remote client forwarded source src dst peer'),
  date_of_birth: words('dob birth birthday birthdate born geboren geburtsdatum naissance nacimiento bday'),
};

/** Words that say a number is something else: order, invoice, tracking numbers, versions, amounts. */
const NUMBER_AGAINST = words(
  'order orders invoice tracking ref reference sku transaction txn timestamp ts version build serial isbn ean upc gtin barcode shipment product item sequence seq count total amount price qty quantity zip postal postcode uuid hash checksum nonce port',
);
const IP_AGAINST = words('version ver release build oid snmp ref reference');

export const CONTEXT_AGAINST: Partial<Record<DetectionType, Set<string>>> = {
  payment_card: NUMBER_AGAINST,
  phone: NUMBER_AGAINST,
  us_ssn: NUMBER_AGAINST,
  national_id: NUMBER_AGAINST,
  ip_address: IP_AGAINST,
};

/** Field and text words that announce a credential. */
export const SECRET_WORDS = words(
  'secret secrets token tokens apikey api key keys password passwd pwd pass passphrase auth authorization credential credentials bearer private access session cookie signature sig clientsecret',
);
export const PASSWORD_WORDS = words('password passwd pwd passphrase pass');

/** Splits "customer.cardNumber", "order_id" or "Card number:" into lower-case words. */
export function splitWords(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let prevLower = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const code = value.charCodeAt(i);
    const upper = code >= 65 && code <= 90;
    const lower = (code >= 97 && code <= 122) || code > 127;
    const digit = code >= 48 && code <= 57;
    if (upper || lower || digit) {
      if (upper && prevLower && current) {
        out.push(current);
        current = '';
      }
      current += c.toLowerCase();
      prevLower = lower || digit;
    } else {
      if (current) out.push(current);
      current = '';
      prevLower = false;
    }
  }
  if (current) out.push(current);
  return out;
}

/** The field path's last two keys as words (array indexes dropped): what the value was called. */
export function fieldWords(field: string | null): string[] {
  if (!field) return [];
  const keys = field.split(/[.[\]]+/).filter((k) => k && !/^\d+$/.test(k));
  return splitWords(keys.slice(-2).join(' '));
}

function judge(list: string[], type: DetectionType, nearestFirst: boolean): Verdict {
  const yes = CONTEXT_FOR[type];
  const no = CONTEXT_AGAINST[type];
  const ordered = nearestFirst ? [...list].reverse() : list;
  for (const w of ordered) {
    if (yes?.has(w)) return 'for';
    if (no?.has(w)) return 'against';
  }
  return null;
}

/**
 * The verdict of the words just before a match (`before`: nearest word last, as "card: … order: 4111…"
 * is an order), falling back to the field's name.
 */
export function contextVerdict(before: string, type: DetectionType, field: string[]): Verdict {
  const window = splitWords(before).slice(-5);
  const near = judge(window, type, true);
  if (near) return near;
  const yes = CONTEXT_FOR[type];
  if (field.some((w) => yes?.has(w))) return 'for';
  return judge(field, type, true);
}

export function hasAny(list: string[], set: Set<string>): boolean {
  return list.some((w) => set.has(w));
}
