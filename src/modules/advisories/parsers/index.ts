// Vulnerability-intelligence feed parsers: pure functions from feed bytes to the normalised advisory model.
import type { EpssScore, KevEntry, NormalizedAdvisory, ParseOutcome, VexStatement } from './model.js';
import type { FeedInput } from './json.js';
import { type CsafOutcome, parseCsaf } from './csaf.js';
import { parseCycloneDxVex } from './cyclonedx-vex.js';
import { parseEpss } from './epss.js';
import { parseKev } from './kev.js';
import { parseNvdDocument, readNvdZip } from './nvd.js';
import { parseOpenVex } from './openvex.js';
import { type OsvReadOptions, parseOsvDocuments, readOsvZip } from './osv.js';

export type * from './model.js';
export type { FeedInput } from './json.js';
export { FeedFormatError, FeedRecordError } from './errors.js';
export { UnstorableTextError } from './json.js';
export { CvssError, bestCvss, cvssRating, parseCvss, tryParseCvss } from './cvss.js';
export { type OnAdvisory, type OsvReadOptions, parseOsvDocuments, parseOsvRecord, readOsvDirectory, readOsvZip } from './osv.js';
export { parseKev } from './kev.js';
export { cpeIndexEntries, cpeIndexRows, NVD_LIMITS, NVD_SOURCE, parseNvdCve, parseNvdDocument, readNvdDirectory, readNvdZip } from './nvd.js';
export { parseEpss, parseEpssStream } from './epss.js';
export { type CsafOutcome, parseCsaf } from './csaf.js';
export { parseOpenVex } from './openvex.js';
export { type CycloneDxVexOptions, parseCycloneDxVex } from './cyclonedx-vex.js';
export { DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip.js';

export interface FeedOutcomes {
  osv: ParseOutcome<NormalizedAdvisory>;
  kev: ParseOutcome<KevEntry>;
  epss: ParseOutcome<EpssScore>;
  csaf: CsafOutcome;
  openvex: ParseOutcome<VexStatement>;
  'cyclonedx-vex': ParseOutcome<VexStatement>;
  nvd: ParseOutcome<NormalizedAdvisory>;
}

export type FeedKind = keyof FeedOutcomes;

type FeedParser = (input: FeedInput, options: OsvReadOptions) => unknown;

const PARSERS: Record<FeedKind, FeedParser> = {
  osv: (input, options) => (isZip(input) ? readOsvZip(input, undefined, options) : parseOsvDocuments(input, options)),
  kev: parseKev,
  epss: parseEpss,
  csaf: (input, options) => parseCsaf(input, options),
  openvex: parseOpenVex,
  'cyclonedx-vex': (input) => parseCycloneDxVex(input),
  nvd: (input, options) => (isZip(input) ? readNvdZip(input, undefined, options) : parseNvdDocument(input)),
};

export function isFeedKind(value: string): value is FeedKind {
  return Object.hasOwn(PARSERS, value);
}

/**
 * Parses a whole feed upload (raw body or file contents; OSV and NVD also as a zip, EPSS and NVD also gzipped).
 * Throws FeedFormatError when the document is unusable; bad records are reported in `errors`.
 */
export async function parseFeed<K extends FeedKind>(kind: K, input: FeedInput, options: OsvReadOptions = {}): Promise<FeedOutcomes[K]> {
  if (!isFeedKind(kind)) throw new TypeError(`unknown feed kind '${String(kind)}'`);
  return (await PARSERS[kind](input, options)) as FeedOutcomes[K];
}

function isZip(input: FeedInput): input is Uint8Array {
  return typeof input !== 'string' && input[0] === 0x50 && input[1] === 0x4b && (input[2] === 0x03 || input[2] === 0x05);
}
