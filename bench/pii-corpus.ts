// The labelled corpus of the PII bench: realistic JSON, form and text bodies generated with
// @faker-js/faker (seeded: the same corpus every run), half of them clean. Every personal value
// is labelled with its type and character span; the clean parts carry the near-misses a scanner
// must not flag: order ids that pass Luhn, card-shaped references that fail it, nine- and
// eleven-digit customer numbers, version strings, timestamps, hashes under non-key names.
// Identifiers without a faker generator (SSN, NINO, BSN, DNI, PESEL, personnummer, HETU) are built
// with the issuing authority's published algorithm.
import { faker, fakerDE, fakerEN_GB, fakerFR } from '@faker-js/faker';
import type { DetectionType } from '../src/modules/pii/pii.model.js';

export interface Label {
  type: DetectionType;
  offset: number;
  length: number;
}

export interface LabelledBody {
  text: string;
  contentType: string;
  labels: Label[];
  clean: boolean;
}

interface Value {
  value: string;
  type: DetectionType | null;
}

const digits = (n: number): string => Array.from({ length: n }, () => faker.number.int(9)).join('');
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function luhnCheck(body: string): number {
  let sum = 0;
  let double = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = Number(body[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return (10 - (sum % 10)) % 10;
}

function ssn(): string {
  let area = faker.number.int({ min: 1, max: 899 });
  if (area === 666) area = 665;
  return `${pad(area, 3)}-${pad(faker.number.int({ min: 1, max: 99 }), 2)}-${pad(faker.number.int({ min: 1, max: 9999 }), 4)}`;
}

function nino(): string {
  const first = faker.helpers.arrayElement('ABCEGHJKLMNOPRSTWXYZ'.split(''));
  let second = faker.helpers.arrayElement('ABCEGHJKLMNPRSTWXYZ'.split(''));
  if (['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(first + second)) second = 'A';
  const d = digits(6);
  const suffix = faker.helpers.arrayElement(['A', 'B', 'C', 'D']);
  return faker.datatype.boolean() ? `${first}${second}${d}${suffix}` : `${first}${second} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${suffix}`;
}

function bsn(): string {
  for (;;) {
    const body = digits(8);
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(body[i]) * (9 - i);
    const check = sum % 11;
    if (check < 10 && body !== '00000000') return body + check;
  }
}

function dni(): string {
  const n = faker.number.int({ min: 0, max: 99_999_999 });
  const letter = 'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23];
  if (faker.datatype.boolean()) return `${pad(n, 8)}${letter}`;
  const prefix = faker.number.int(2);
  const seven = faker.number.int({ min: 0, max: 9_999_999 });
  return `${'XYZ'[prefix]}${pad(seven, 7)}${'TRWAGMYFPDXBNJZSQVHLCKE'[Number(`${prefix}${pad(seven, 7)}`) % 23]}`;
}

function birth(): Date {
  return faker.date.birthdate({ mode: 'age', min: 18, max: 90 });
}

function pesel(): string {
  const d = birth();
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1 + (year >= 2000 ? 20 : 0);
  const body = `${pad(year % 100, 2)}${pad(month, 2)}${pad(d.getUTCDate(), 2)}${digits(4)}`;
  const weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
  const sum = body.split('').reduce((s, c, i) => s + Number(c) * weights[i]!, 0);
  return body + ((10 - (sum % 10)) % 10);
}

function personnummer(): string {
  const d = birth();
  const date = `${pad(d.getUTCFullYear() % 100, 2)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`;
  const serial = digits(3);
  return `${date}-${serial}${luhnCheck(date + serial)}`;
}

function hetu(): string {
  const d = birth();
  const date = `${pad(d.getUTCDate(), 2)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCFullYear() % 100, 2)}`;
  const serial = pad(faker.number.int({ min: 2, max: 899 }), 3);
  const sign = d.getUTCFullYear() >= 2000 ? 'A' : '-';
  return `${date}${sign}${serial}${'0123456789ABCDEFHJKLMNPRSTUVWXY'[Number(date + serial) % 31]}`;
}

function card(): string {
  const issuer = faker.helpers.arrayElement(['visa', 'mastercard', 'discover', 'visa', 'mastercard']);
  const raw = faker.finance.creditCardNumber({ issuer }).replace(/\D/g, '');
  const style = faker.number.int(2);
  if (style === 0) return raw;
  const sep = style === 1 ? ' ' : '-';
  return raw.match(/.{1,4}/g)!.join(sep);
}

const IBAN_COUNTRIES = ['DE', 'GB', 'FR', 'NL', 'ES', 'IT', 'BE', 'AT', 'CH', 'PL', 'SE', 'FI', 'DK', 'NO', 'IE', 'PT'];

function phone(): string {
  switch (faker.number.int(4)) {
    case 0:
      return faker.phone.number({ style: 'national' });
    case 1:
      return faker.phone.number({ style: 'international' });
    case 2:
      return fakerEN_GB.phone.number({ style: 'international' });
    case 3:
      return fakerDE.phone.number({ style: 'international' });
    default:
      return fakerFR.phone.number({ style: 'international' });
  }
}

function publicIpv4(): string {
  for (;;) {
    const ip = faker.internet.ipv4();
    const [a, b] = ip.split('.').map(Number) as [number, number];
    const reserved = a === 0 || a === 10 || a === 127 || a >= 224 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
    if (!reserved) return ip;
  }
}

function dob(): string {
  const d = birth();
  const [y, m, day] = [d.getUTCFullYear(), pad(d.getUTCMonth() + 1, 2), pad(d.getUTCDate(), 2)];
  const month = d.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  return faker.helpers.arrayElement([
    `${y}-${m}-${day}`,
    `${day}/${m}/${y}`,
    `${m}/${day}/${y}`,
    `${day}.${m}.${y}`,
    `${d.getUTCDate()} ${month} ${y}`,
    `${month.slice(0, 3)} ${d.getUTCDate()}, ${y}`,
  ]);
}

const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

function jwt(): string {
  const header = { alg: faker.helpers.arrayElement(['HS256', 'RS256', 'ES256']), typ: 'JWT' };
  const payload = { sub: faker.string.uuid(), name: faker.person.fullName(), iat: faker.number.int({ min: 1.6e9, max: 1.8e9 }) };
  return `${b64url(header)}.${b64url(payload)}.${Buffer.from(faker.string.alphanumeric(32)).toString('base64url')}`;
}

function secret(): string {
  switch (faker.number.int(4)) {
    case 0:
      return `AKIA${faker.string.fromCharacters('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
    case 1:
      return `ghp_${faker.string.alphanumeric(36)}`;
    case 2:
      return `sk_live_${faker.string.alphanumeric(24)}`;
    case 3:
      return `xoxb-${digits(11)}-${digits(12)}-${faker.string.alphanumeric(24)}`;
    default:
      return `AIza${faker.string.alphanumeric(35)}`;
  }
}

/** Personal values: a generator and the field names they appear under (the first ones neutral). */
const PERSONAL: [DetectionType, () => string, string[]][] = [
  ['email', () => faker.internet.email(), ['email', 'contactEmail', 'user_email', 'to', 'value']],
  ['phone', phone, ['phone', 'mobile', 'telephone', 'contact_phone', 'tel']],
  ['payment_card', card, ['card_number', 'cardNumber', 'pan', 'cc', 'payment_card']],
  ['iban', () => faker.finance.iban({ formatted: faker.datatype.boolean(), countryCode: faker.helpers.arrayElement(IBAN_COUNTRIES) }), ['iban', 'bank_account', 'payout_iban', 'account', 'value']],
  ['us_ssn', ssn, ['ssn', 'social_security_number', 'taxpayer_ssn']],
  ['uk_nino', nino, ['nino', 'national_insurance_number', 'ni_number', 'value']],
  ['national_id', bsn, ['bsn', 'burgerservicenummer']],
  ['national_id', dni, ['dni', 'nie', 'nif', 'value']],
  ['national_id', pesel, ['pesel']],
  ['national_id', personnummer, ['personnummer', 'value']],
  ['national_id', hetu, ['hetu', 'henkilotunnus', 'value']],
  ['ip_address', publicIpv4, ['ip', 'client_ip', 'remote_addr', 'x_forwarded_for', 'value']],
  ['ip_address', () => faker.internet.ipv6(), ['ip', 'client_ip', 'ipv6']],
  ['date_of_birth', dob, ['dob', 'birthDate', 'date_of_birth']],
  ['secret', secret, ['api_key', 'token', 'value', 'credentials']],
  ['secret', () => faker.string.alphanumeric(32), ['api_key', 'client_secret', 'access_token']],
  ['jwt', jwt, ['token', 'id_token', 'value']],
];

/** Clean values, with the near-misses that make a checksum alone insufficient. */
const CLEAN: [() => string, string[]][] = [
  [() => faker.string.uuid(), ['id', 'request_id']],
  [() => `4${digits(14)}`.replace(/^(\d{15})$/, (b) => b + luhnCheck(b)), ['order_id', 'orderId', 'order_number']],
  [() => digits(16), ['order_id', 'invoice_number', 'tracking_number']],
  [() => `${digits(4)} ${digits(4)} ${digits(4)} ${digits(4)}`.replace(/(\d)$/, (d) => String((Number(d) + 1) % 10)), ['reference', 'ref']],
  [() => digits(9), ['customer_number', 'sku', 'item_id']],
  [() => digits(11), ['product_code', 'ean']],
  [() => digits(faker.number.int({ min: 12, max: 22 })), ['tracking_number', 'shipment_id']],
  [() => faker.system.semver(), ['version', 'app_version']],
  [() => `${faker.number.int(9)}.${faker.number.int(20)}.${faker.number.int(50)}.${faker.number.int(300)}`, ['build', 'version']],
  [() => faker.date.recent().toISOString(), ['created_at', 'updated']],
  [() => faker.date.past().toISOString().slice(0, 10), ['shipped_on', 'delivery_date']],
  [() => faker.commerce.price(), ['price', 'amount']],
  [() => String(faker.number.int({ min: 1, max: 20 })), ['quantity']],
  [() => faker.commerce.productName(), ['product', 'title']],
  [() => faker.lorem.sentence(), ['description', 'comment']],
  [() => faker.internet.url(), ['url', 'callback']],
  [() => faker.internet.userAgent(), ['user_agent']],
  [() => faker.git.commitSha(), ['commit', 'checksum']],
  [() => faker.location.zipCode(), ['zip']],
  [() => faker.color.rgb(), ['color']],
  [() => faker.helpers.arrayElement(['pending', 'shipped', 'cancelled']), ['status']],
];

const SENTENCES: [DetectionType, (v: string) => string][] = [
  ['email', (v) => `Please reply to ${v} when you can.`],
  ['phone', (v) => `You can call me on ${v} tomorrow.`],
  ['payment_card', (v) => `Customer paid with card ${v} yesterday.`],
  ['iban', (v) => `Refund to IBAN ${v} please.`],
  ['us_ssn', (v) => `Applicant SSN: ${v}.`],
  ['uk_nino', (v) => `Her national insurance number is ${v}.`],
  ['national_id', (v) => `His national ID is ${v} as checked.`],
  ['ip_address', (v) => `Login from IP ${v} was blocked.`],
  ['date_of_birth', (v) => `Patient born ${v}, admitted today.`],
  ['secret', (v) => `export API_KEY=${v}`],
  ['jwt', (v) => `Authorization: Bearer ${v}`],
];

function pickPersonal(): [DetectionType, string, string] {
  const [type, gen, fields] = faker.helpers.arrayElement(PERSONAL);
  return [type, gen(), faker.helpers.arrayElement(fields)];
}

function pickClean(): [string, string] {
  const [gen, fields] = faker.helpers.arrayElement(CLEAN);
  return [gen(), faker.helpers.arrayElement(fields)];
}

/** Builds JSON text by hand so each labelled value's offset is known exactly. */
function jsonBody(entries: [string, Value][]): { text: string; labels: Label[] } {
  let text = '{';
  const labels: Label[] = [];
  entries.forEach(([key, v], i) => {
    text += `${i ? ',' : ''}"${key}":"`;
    if (v.type) labels.push({ type: v.type, offset: text.length, length: v.value.length });
    text += `${v.value}"`;
  });
  return { text: `${text}}`, labels };
}

function formBody(entries: [string, Value][]): { text: string; labels: Label[] } {
  // Labels point into the raw text; only "+" and spaces need encoding in these values.
  let text = '';
  const labels: Label[] = [];
  entries.forEach(([key, v], i) => {
    text += `${i ? '&' : ''}${key}=`;
    const value = v.value.replace(/\+/g, '%2B').replace(/ /g, '+');
    if (v.type) labels.push({ type: v.type, offset: text.length, length: value.length });
    text += value;
  });
  return { text, labels };
}

function textBody(personal: [DetectionType, string][]): { text: string; labels: Label[] } {
  let text = '';
  const labels: Label[] = [];
  for (let i = 0; i < 3; i++) text += `${faker.lorem.sentence()} `;
  for (const [type, value] of personal) {
    const sentence = SENTENCES.find(([t]) => t === type)?.[1] ?? ((v: string) => `Value ${v}.`);
    const rendered = sentence(value);
    labels.push({ type, offset: text.length + rendered.indexOf(value), length: value.length });
    text += `${rendered} ${faker.lorem.sentence()} `;
  }
  const [clean] = pickClean();
  text += `Reference ${clean}.`;
  return { text, labels };
}

/** `count` bodies, half clean, a third of each kind JSON, form and text. */
export function buildCorpus(count: number, seed = 12): LabelledBody[] {
  faker.seed(seed);
  fakerDE.seed(seed + 1);
  fakerEN_GB.seed(seed + 2);
  fakerFR.seed(seed + 3);
  const out: LabelledBody[] = [];
  for (let n = 0; n < count; n++) {
    const clean = n % 2 === 0;
    const kind = Math.floor(n / 2) % 3;
    const fieldCount = faker.number.int({ min: 4, max: 12 });
    const entries: [string, Value][] = [];
    const used = new Set<string>();
    for (let i = 0; i < fieldCount; i++) {
      let key: string;
      let value: Value;
      if (!clean && i % 3 === 0) {
        const [type, v, field] = pickPersonal();
        key = field;
        value = { value: v, type };
      } else {
        const [v, field] = pickClean();
        key = field;
        value = { value: v, type: null };
      }
      if (used.has(key)) key = `${key}_${i}`;
      used.add(key);
      entries.push([key, value]);
    }
    if (kind === 2) {
      const personal = clean ? [] : entries.filter(([, v]) => v.type).map(([, v]) => [v.type!, v.value] as [DetectionType, string]);
      out.push({ ...textBody(personal), contentType: 'text/plain', clean });
    } else if (kind === 1) {
      out.push({ ...formBody(entries), contentType: 'application/x-www-form-urlencoded', clean });
    } else {
      out.push({ ...jsonBody(entries), contentType: 'application/json', clean });
    }
  }
  return out;
}
