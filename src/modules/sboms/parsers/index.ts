import { invalidUtf8Offset } from '../../../platform/text.js';
import { DEFAULT_LIMITS, type ParseLimits } from './common.js';
import { parseCycloneDxJson, parseCycloneDxJsonPiecewise } from './cyclonedx-json.js';
import { parseCycloneDxXml } from './cyclonedx-xml.js';
import { SbomParseError, type ParsedSbom } from './model.js';
import { decodeInput, sniffText, type SniffedSbom } from './sniff.js';
import { parseSpdxJson } from './spdx-json.js';
import { parseSpdxTagValue } from './spdx-tagvalue.js';
import { parseSpdx3JsonLd } from './spdx3-jsonld.js';

export * from './model.js';
export { sniffSbom, type SbomKind } from './sniff.js';
export { validateCycloneDxJson } from './cyclonedx-schema.js';

export interface ParseSbomOptions {
  /** Default 500,000 (the root counts). */
  maxComponents?: number;
  /** Deepest CycloneDX component nesting; default 64. */
  maxDepth?: number;
  /** Largest accepted input, in bytes (characters for a string); default 256 MiB. */
  maxBytes?: number;
  /** Validate CycloneDX JSON against the official schema of its specVersion; default true. No effect on other formats. */
  validate?: boolean;
}

/** Sniffs the format from the content and parses it. Throws SbomParseError and nothing else. */
export function parseSbom(input: Buffer | string, options: ParseSbomOptions = {}): ParsedSbom {
  const limits: ParseLimits = {
    maxComponents: options.maxComponents ?? DEFAULT_LIMITS.maxComponents,
    maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
  };
  try {
    const piecewise = Buffer.isBuffer(input) && input.length >= PIECEWISE_BYTES && input.length <= limits.maxBytes ? readPiecewise(input, limits, options.validate ?? true) : null;
    return piecewise ?? dispatch(sniffText(decodeInput(input, limits.maxBytes)), limits, options.validate ?? true);
  } catch (err) {
    if (err instanceof SbomParseError) throw err;
    // Callers rely on a single error type; anything else here is a parser bug worth surfacing as one.
    throw new SbomParseError(`failed to parse SBOM: ${err instanceof Error ? err.message : String(err)}`, undefined, undefined, {
      cause: err,
    });
  }
}

/** Documents from this size on are read a piece at a time when they can be (CycloneDX JSON): see parseCycloneDxJsonPiecewise. */
const PIECEWISE_BYTES = 1024 * 1024;

function readPiecewise(input: Buffer, limits: ParseLimits, validate: boolean): ParsedSbom | null {
  if (invalidUtf8Offset(input) !== -1) return null;
  const bom = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
  return parseCycloneDxJsonPiecewise(input, bom, limits, validate);
}

function dispatch(sniffed: SniffedSbom, limits: ParseLimits, validate: boolean): ParsedSbom {
  switch (sniffed.encoding) {
    case 'json':
      return sniffed.format === 'cyclonedx'
        ? parseCycloneDxJson(sniffed.doc, limits, validate)
        : parseSpdxJson(sniffed.doc, limits);
    case 'xml':
      return parseCycloneDxXml(sniffed.text, sniffed.specVersion, limits);
    case 'tag-value':
      return parseSpdxTagValue(sniffed.text, limits);
    case 'json-ld':
      return parseSpdx3JsonLd(sniffed.doc, limits);
  }
}
