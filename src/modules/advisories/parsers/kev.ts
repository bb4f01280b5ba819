// CISA Known Exploited Vulnerabilities catalog (JSON). CISA adds fields over time: unknown ones are ignored.
import type { KevEntry, ParseOutcome } from './model.js';
import { FeedFormatError, FeedRecordError, collectRecord } from './errors.js';
import { Fields, isObject, parseStorableJson, typeName } from './json.js';

export const CVE_ID_PATTERN = /^CVE-\d{4}-\d{4,}$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function parseKev(input: unknown): ParseOutcome<KevEntry> {
  const catalog = parseStorableJson(input, 'KEV catalog');
  if (!isObject(catalog) || !Array.isArray(catalog.vulnerabilities)) {
    throw new FeedFormatError('a KEV catalog is an object with a vulnerabilities array');
  }
  const outcome: ParseOutcome<KevEntry> = { items: [], errors: [], meta: catalogMeta(catalog) };
  catalog.vulnerabilities.forEach((entry, i) => {
    const label = isObject(entry) && typeof entry.cveID === 'string' ? entry.cveID : `entry ${i}`;
    collectRecord(() => parseKevEntry(entry, label), outcome.items, outcome.errors);
  });
  return outcome;
}

function catalogMeta(catalog: Record<string, unknown>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const key of ['title', 'catalogVersion', 'dateReleased', 'count']) {
    const value = catalog[key];
    if (typeof value === 'string' || typeof value === 'number') meta[key] = String(value);
  }
  return meta;
}

function parseKevEntry(entry: unknown, label: string): KevEntry {
  if (!isObject(entry)) throw new FeedRecordError(label, `expected an object, got ${typeName(entry)}`);
  const f = new Fields(entry, label);
  const cveId = f.string('cveID');
  if (!CVE_ID_PATTERN.test(cveId)) f.fail('cveID', `'${cveId.slice(0, 40)}' is not a CVE id`);
  return {
    cveId,
    vendorProject: f.optString('vendorProject') ?? '',
    product: f.optString('product') ?? '',
    name: f.optString('vulnerabilityName') ?? '',
    dateAdded: date(f, 'dateAdded')!,
    dueDate: date(f, 'dueDate', true),
    knownRansomwareCampaignUse: f.optString('knownRansomwareCampaignUse'),
    shortDescription: f.optString('shortDescription'),
    requiredAction: f.optString('requiredAction'),
  };
}

function date(f: Fields, key: string, optional = false): string | null {
  const value = optional ? f.optString(key) : f.string(key);
  if (value !== null && (!DATE_PATTERN.test(value) || Number.isNaN(Date.parse(value)))) f.fail(key, `'${value.slice(0, 40)}' is not a YYYY-MM-DD date`);
  return value;
}
