// MISP events (the JSON the MISP API and UI export) and MISP feeds (manifest.json listing events,
// one <uuid>.json per event, as a directory or a zip). Attributes flagged for detection (to_ids)
// of the types that name a hash, domain, URL, address or e-mail become indicators.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FeedFormatError, describeError } from '../../advisories/parsers/errors.js';
import { isObject, parseJson, parseStorableJson, type FeedInput, type JsonObject } from '../../advisories/parsers/json.js';
import { openZip } from '../../advisories/parsers/zip.js';
import { emptyOutcome, keepUnsupported, type IndicatorContext, type IndicatorOutcome, type IndicatorType } from './model.js';
import { IndicatorValueError, isNetworkRange, normalizeValue, own, tlpOf, typeByShape } from './normalize.js';
import { strictestTlp } from './stix.js';

const MAX_EVENTS = 100_000;
const MAX_ATTRIBUTES = 1_000_000;

/** MISP attribute types and the indicator type of their value ('shape': typed by what it looks like). */
const ATTRIBUTE_TYPES: Record<string, IndicatorType | 'shape'> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
  domain: 'domain',
  hostname: 'domain',
  url: 'url',
  'ip-src': 'shape',
  'ip-dst': 'shape',
  email: 'email',
  'email-src': 'email',
  'email-dst': 'email',
  'email-reply-to': 'email',
  'whois-registrant-email': 'email',
};

/** Composite types "a|b": which halves are indicators, and their types. */
const COMPOSITE_TYPES: Record<string, Array<IndicatorType | 'shape' | null>> = {
  'filename|md5': [null, 'md5'],
  'filename|sha1': [null, 'sha1'],
  'filename|sha256': [null, 'sha256'],
  'filename|sha512': [null, 'sha512'],
  'domain|ip': ['domain', 'shape'],
  'hostname|port': ['domain', null],
  'ip-src|port': ['shape', null],
  'ip-dst|port': ['shape', null],
  // A sample's file name and MD5; the file itself is in `data`.
  'malware-sample': [null, 'md5'],
};

/** Whether a MISP attribute type names something matchable (simple or composite). */
function isMispIndicatorType(type: string): boolean {
  return own(ATTRIBUTE_TYPES, type) !== undefined || own(COMPOSITE_TYPES, type) !== undefined;
}

/** Whether a MISP attribute type is a matchable composite ("a|b"): its value is split by "|", not by shape. */
export function isMispCompositeType(type: string): boolean {
  return own(COMPOSITE_TYPES, type) !== undefined;
}

/**
 * The indicators a MISP attribute value names, or the address range it names (ip-src/ip-dst
 * may hold a CIDR: kept unsupported, not matched). Throws IndicatorValueError saying why not.
 */
export function mispAttributeValues(type: string, value: string): { indicators: Array<{ type: IndicatorType; value: string }>; range: string | null } {
  const composite = own(COMPOSITE_TYPES, type);
  const types = composite ?? [own(ATTRIBUTE_TYPES, type)];
  const parts = composite ? value.split('|') : [value];
  if (parts.length !== types.length) throw new IndicatorValueError(`a ${type} value has ${types.length} parts separated by "|"`);
  const indicators: Array<{ type: IndicatorType; value: string }> = [];
  for (const [i, kind] of types.entries()) {
    if (!kind) continue;
    if (kind === 'shape' && isNetworkRange(parts[i])) return { indicators: [], range: parts[i].trim() };
    const actual = kind === 'shape' ? typeByShape(parts[i]) : kind;
    if (!actual) throw new IndicatorValueError(`"${parts[i].slice(0, 80)}" is not an address`);
    indicators.push({ type: actual, value: normalizeValue(actual, parts[i]) });
  }
  return { indicators, range: null };
}

/**
 * A MISP event document: { Event }, a list of them, the API's { response: [...] }, or an attribute
 * search export { response: { Attribute: [...] } } (each attribute with its Event's context).
 */
export function parseMispDocument(input: FeedInput | unknown, outcome = emptyOutcome('misp')): IndicatorOutcome {
  const doc = parseStorableJson(input, 'the MISP document');
  if (isObject(doc) && isObject(doc.response) && Array.isArray(doc.response.Attribute)) {
    const attributes = doc.response.Attribute;
    if (attributes.length > MAX_ATTRIBUTES) throw new FeedFormatError(`the document has ${attributes.length} attributes, over the limit of ${MAX_ATTRIBUTES}`);
    attributes.forEach((attr, i) => readAttributes(isObject(attr) && isObject(attr.Event) ? attr.Event : {}, [{ attr, where: `Attribute[${i}]` }], outcome));
    return outcome;
  }
  const events = isObject(doc) && Array.isArray(doc.response) ? doc.response : Array.isArray(doc) ? doc : [doc];
  if (events.length > MAX_EVENTS) throw new FeedFormatError(`the document has ${events.length} events, over the limit of ${MAX_EVENTS}`);
  if (!events.length || !events.every((e) => isObject(e) && isObject(e.Event))) {
    throw new FeedFormatError('not a MISP event: expected {"Event": {...}}, a list of them, {"response": [...]} or {"response": {"Attribute": [...]}}');
  }
  for (const e of events) readEvent((e as JsonObject).Event as JsonObject, outcome);
  return outcome;
}

function readEvent(event: JsonObject, outcome: IndicatorOutcome): void {
  const eventRef = typeof event.uuid === 'string' ? event.uuid : typeof event.id === 'string' ? `event ${event.id}` : 'event';
  const attributes: Array<{ attr: unknown; where: string }> = [];
  const listed = (value: unknown, where: string): unknown[] => {
    if (value === undefined || value === null || Array.isArray(value)) return value ?? [];
    outcome.errors.push({ record: eventRef, reason: `${where} must be a list, not ${typeof value === 'object' ? 'an object' : `a ${typeof value}`}` });
    return [];
  };
  listed(event.Attribute, 'Attribute').forEach((attr, i) => attributes.push({ attr, where: `Attribute[${i}]` }));
  listed(event.Object, 'Object').forEach((obj, i) => {
    if (!isObject(obj)) return outcome.errors.push({ record: eventRef, reason: `Object[${i}] must be an object` });
    const objectAttributes = listed(obj.Attribute, `Object[${i}].Attribute`);
    // A deleted object's attributes are not imported, and counted like deleted attributes.
    if (truthy(obj.deleted)) outcome.skipped += objectAttributes.length;
    else objectAttributes.forEach((attr, j) => attributes.push({ attr, where: `Object[${i}].Attribute[${j}]` }));
  });
  readAttributes(event, attributes, outcome);
}

function readAttributes(event: JsonObject, attributes: Array<{ attr: unknown; where: string }>, outcome: IndicatorOutcome): void {
  const eventRef = typeof event.uuid === 'string' ? event.uuid : typeof event.id === 'string' ? `event ${event.id}` : 'event';
  const org = isObject(event.Orgc) && typeof event.Orgc.name === 'string' ? event.Orgc.name : null;
  if (org && !outcome.publisher) outcome.publisher = org;
  const eventTags = tagNames(event.Tag);
  const info = typeof event.info === 'string' ? event.info.slice(0, 1000) : null;
  const date = typeof event.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(event.date) ? `${event.date}T00:00:00.000Z` : null;
  for (const { attr, where } of attributes) {
    const record = isObject(attr) && typeof attr.uuid === 'string' ? attr.uuid : `${eventRef} ${where}`;
    if (!isObject(attr) || typeof attr.type !== 'string' || typeof attr.value !== 'string') {
      outcome.errors.push({ record, reason: `${where}: an attribute needs a string type and value` });
      continue;
    }
    if (!isMispIndicatorType(attr.type) || truthy(attr.deleted) || !truthy(attr.to_ids)) {
      outcome.skipped++;
      continue;
    }
    const tags = [...eventTags, ...tagNames(attr.Tag)];
    const context: IndicatorContext = {
      ref: record,
      name: info,
      description: typeof attr.comment === 'string' && attr.comment ? attr.comment.slice(0, 2000) : null,
      pattern: null,
      // The attribute's own osint:certainty tag comes after the event's and wins.
      confidence: tags.map(certaintyOf).filter((c) => c !== null).at(-1) ?? null,
      tlp: strictestTlp(tags.map(tlpOf)),
      validFrom: isoOf(attr.first_seen) ?? date,
      validUntil: null,
      labels: [...new Set([...(typeof attr.category === 'string' ? [attr.category] : []), ...tags.filter((t) => !tlpOf(t))])].slice(0, 50),
      killChain: [],
    };
    try {
      const { indicators, range } = mispAttributeValues(attr.type, attr.value);
      if (range) {
        keepUnsupported(outcome, { ...context, pattern: attr.value.slice(0, 2000), patternType: `misp ${attr.type}`, reason: `${range} is a network range, not one address: kept, not matched` });
        continue;
      }
      for (const f of indicators) outcome.indicators.push({ ...context, ...f });
    } catch (error) {
      if (!(error instanceof IndicatorValueError)) throw error;
      outcome.errors.push({ record, reason: `${where} (${attr.type}): ${error.message}` });
    }
  }
}

/** A MISP feed from files already read: manifest.json and the event files it lists. */
export function readMispFeed(files: Map<string, Buffer>): IndicatorOutcome {
  const manifestName = [...files.keys()].filter((n) => n === 'manifest.json' || n.endsWith('/manifest.json')).sort((a, b) => a.length - b.length)[0];
  if (!manifestName) throw new FeedFormatError('not a MISP feed: no manifest.json');
  const base = manifestName.slice(0, -'manifest.json'.length);
  const manifest = parseJson(files.get(manifestName)!, 'manifest.json');
  if (!isObject(manifest)) throw new FeedFormatError('manifest.json must be an object of event uuid → event summary');
  const uuids = Object.keys(manifest);
  if (uuids.length > MAX_EVENTS) throw new FeedFormatError(`manifest.json lists ${uuids.length} events, over the limit of ${MAX_EVENTS}`);
  const outcome = emptyOutcome('misp');
  for (const uuid of uuids) {
    const data = /^[0-9a-fA-F-]{1,64}$/.test(uuid) ? files.get(`${base}${uuid}.json`) : undefined;
    if (!data) {
      outcome.errors.push({ record: uuid.slice(0, 100), reason: `listed in manifest.json, but ${uuid.slice(0, 100)}.json is not in the feed` });
      continue;
    }
    try {
      parseMispDocument(data, outcome);
    } catch (error) {
      if (!(error instanceof FeedFormatError)) throw error;
      outcome.errors.push({ record: uuid, reason: error.message });
    }
  }
  return outcome;
}

/** A MISP feed packed as a zip (entries read with the zip bomb and path guards of the OSV reader). */
export async function readMispZip(input: string | Uint8Array): Promise<IndicatorOutcome> {
  const zip = await openZip(input);
  const files = new Map<string, Buffer>();
  for await (const entry of zip.entries()) if (entry.data && entry.name.endsWith('.json')) files.set(entry.name, entry.data);
  if (files.size === 1 && !files.has('manifest.json')) return parseMispDocument([...files.values()][0]);
  return readMispFeed(files);
}

/** A MISP feed directory on this machine. */
export async function readMispDirectory(dir: string): Promise<IndicatorOutcome> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch (error) {
    throw new FeedFormatError(`cannot read ${dir}: ${describeError(error)}`);
  }
  if (!names.includes('manifest.json')) throw new FeedFormatError(`${dir} is not a MISP feed: no manifest.json`);
  if (names.length > MAX_EVENTS + 1) throw new FeedFormatError(`${dir} holds ${names.length} files, over the limit of ${MAX_EVENTS} events`);
  const files = new Map<string, Buffer>();
  for (const name of names) files.set(name, await readFile(join(dir, name)));
  return readMispFeed(files);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function tagNames(value: unknown): string[] {
  return list(value).flatMap((t) => (isObject(t) && typeof t.name === 'string' ? [t.name] : []));
}

/** MISP writes flags as booleans, "1"/"0" or 1/0 depending on version and export path. */
function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true';
}

function isoOf(value: unknown): string | null {
  if (typeof value !== 'string' || !value) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** The MISP osint taxonomy's certainty (`osint:certainty="93"`) as a 0–100 confidence. */
function certaintyOf(tag: string): number | null {
  const m = /^osint:certainty\s*=\s*"?(\d{1,3})"?$/i.exec(tag.trim());
  return m && Number(m[1]) <= 100 ? Number(m[1]) : null;
}
