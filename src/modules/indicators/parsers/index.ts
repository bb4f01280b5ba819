// Threat-intel parsers: pure functions (plus the MISP directory reader) from feed bytes to indicators.
import { FeedFormatError } from '../../advisories/parsers/errors.js';
import { parseIocCsv, type CsvMapping } from './csv.js';
import { parseMispDocument, readMispZip } from './misp.js';
import type { IndicatorOutcome } from './model.js';
import { parseStixBundle } from './stix.js';

export * from './model.js';
export { parseStixBundle, readObjects, MAX_BUNDLE_OBJECTS } from './stix.js';
export { parseMispDocument, readMispDirectory, readMispFeed, readMispZip } from './misp.js';
export { parseIocCsv, parseCsvMapping, type CsvMapping } from './csv.js';
export { analysePattern, parsePattern, PatternSyntaxError } from './stix-pattern.js';
export { normalizeValue, refang, typeByShape, IndicatorValueError } from './normalize.js';

export const INDICATOR_FEED_KINDS = ['stix', 'misp', 'csv-iocs'] as const;
export type IndicatorFeedKind = (typeof INDICATOR_FEED_KINDS)[number];

export function isIndicatorFeedKind(kind: string): kind is IndicatorFeedKind {
  return (INDICATOR_FEED_KINDS as readonly string[]).includes(kind);
}

/** One uploaded document of a kind; throws FeedFormatError when it cannot be read at all. */
export async function parseIndicatorDocument(kind: IndicatorFeedKind, body: Uint8Array, options: { columns?: CsvMapping } = {}): Promise<IndicatorOutcome> {
  switch (kind) {
    case 'stix':
      return parseStixBundle(body);
    case 'misp':
      return isZip(body) ? readMispZip(body) : parseMispDocument(body);
    case 'csv-iocs':
      if (isZip(body)) throw new FeedFormatError('a CSV IOC list is a text file, not a zip');
      return parseIocCsv(body, options.columns);
  }
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05);
}
