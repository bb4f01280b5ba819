/**
 * The personal-data scan: one entry point for egress bodies, the ICAP service and evidence files.
 * Results carry types, offsets, confidences and masked previews only; the scanned text is never
 * returned, stored or logged.
 */
import { isAscii } from 'node:buffer';
import { CONFIDENCE_TIERS, DETECTION_TYPES, type Detection, type DetectionSummary } from './pii.model.js';
import { resolveOverlaps, scanLayout } from './pii.detectors.js';
import { Layout } from './pii.layout.js';
import { compilePatterns, type CompiledPattern, type CustomPattern } from './pii.patterns.js';
import { boundaryOf, decodeContent, formLayout, isBinaryType, looksBinary, multipartParts, readJson } from './pii.body.js';

export type { CustomPattern } from './pii.patterns.js';

/** Scan at most this much decoded text by default (1 MiB): what a proxy can afford per request. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

export interface ScanOptions {
  maxBytes?: number;
  patterns?: CustomPattern[];
  /**
   * The caller uses the detections (and `truncated`) only, as the ICAP decision does: a JSON
   * body's structure is then read only when a candidate needs it, so a malformed JSON body none of
   * whose candidates needed it is reported as `json` with no error. The detections are the same.
   */
  detectionsOnly?: boolean;
}

export interface ScanResult {
  detections: Detection[];
  scannedBytes: number;
  truncated: boolean;
  format: 'json' | 'form' | 'multipart' | 'text' | 'binary';
  error: string | null;
}

// Callers pass the same pattern list object again and again (the service caches it): compile once.
const compiled = new WeakMap<CustomPattern[], CompiledPattern[]>();
function patternsOf(options: ScanOptions | undefined): CompiledPattern[] {
  const list = options?.patterns;
  if (!list || list.length === 0) return [];
  let c = compiled.get(list);
  if (!c) {
    c = compilePatterns(list);
    compiled.set(list, c);
  }
  return c;
}

function finish(detections: Detection[]): Detection[] {
  return resolveOverlaps(detections);
}

/** Detections in plain text (the first maxBytes characters). */
export function scanText(text: string, options?: ScanOptions): Detection[] {
  const max = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const cut = text.length > max ? text.slice(0, max) : text;
  return finish(scanLayout(cut, Layout.whole(cut.length, 0, null), patternsOf(options)));
}

const isJsonType = (ct: string): boolean => /^application\/([\w.+-]*\+)?json\b|^application\/(x-)?ndjson\b|^text\/json\b/.test(ct);

/** NDJSON: each line a document named from its line ("[3].email"); a malformed line is read as text. */
function ndjsonLayout(text: string): { layout: Layout; error: string | null } {
  const layout = new Layout();
  let error: string | null = null;
  let start = 0;
  for (let index = 0; start <= text.length; index++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (text.slice(start, end).trim()) {
      const problem = readJson(text, layout, `[${index}]`, start, end);
      if (problem) {
        error ??= `line ${index + 1}: ${problem}`;
        layout.add(start, end, start, null);
      }
    }
    start = end + 1;
  }
  return { layout, error };
}

/**
 * Multipart as text to scan: the text parts, one a line, each named by its field (or file) name;
 * a JSON part is read value by value under that name. Binary parts are left out.
 */
function multipartLayout(text: string, boundary: string): { text: string; layout: Layout; error: string | null } {
  const { parts, error } = multipartParts(text, boundary);
  const kept = parts.filter((part) => !isBinaryType(part.contentType ?? '') && !looksBinary(Buffer.from(part.text.slice(0, 1024), 'latin1')));
  const scanned = kept.map((part) => part.text).join('\n');
  const layout = new Layout();
  layout.namesHidden = true;
  let at = 0;
  for (const part of kept) {
    const field = part.name ?? part.filename ?? null;
    const end = at + part.text.length;
    const json = isJsonType(part.contentType ?? '') && readJson(scanned, layout, field ?? '', at, end, part.offset - at) === null;
    if (!json) layout.add(at, end, part.offset, field);
    at = end + 1;
  }
  return { text: scanned, layout, error };
}

/** A body read for scanning: the text the detectors run over and where its values are. */
export interface ReadBody {
  format: ScanResult['format'];
  text: string;
  layout: Layout;
  /** The body's bytes when each is one character of `text` (ASCII): the detectors' walks read them. */
  bytes: Uint8Array | undefined;
  scannedBytes: number;
  truncated: boolean;
  error: string | null;
}

/**
 * Reads an HTTP body for scanning: content-encoding undone (decoded size capped at maxBytes: bombs
 * are cut and reported in `error`), then JSON value by value with field paths, form fields,
 * multipart parts, or plain text. A binary body reads as no text. Never throws for any body.
 * `deferJson`: a JSON document without escapes gets a layout read when first asked (Layout.deferred).
 */
export async function readBody(
  body: Buffer,
  headers: { contentType?: string | null; contentEncoding?: string | null },
  maxBytes = DEFAULT_MAX_BYTES,
  options: { deferJson?: boolean } = {},
): Promise<ReadBody> {
  const decoded = await decodeContent(body, headers.contentEncoding, maxBytes);
  const contentType = (headers.contentType ?? '').trim().toLowerCase();
  const join = (...errors: (string | null)[]): string | null => errors.filter(Boolean).join('; ') || null;
  const read = (format: ScanResult['format'], text: string, layout: Layout, bytes: Uint8Array | undefined, error: string | null = decoded.error): ReadBody => ({
    format,
    text,
    layout,
    bytes,
    scannedBytes: format === 'binary' ? 0 : decoded.data.length,
    truncated: decoded.truncated,
    error,
  });
  if ((decoded.error && decoded.data.length === 0) || isBinaryType(contentType) || looksBinary(decoded.data)) return read('binary', '', new Layout(), undefined);
  // ASCII (most bodies) reads the same as UTF-8 and as Latin-1, which decodes several times faster (no validation).
  const text = decoded.data.toString(isAscii(decoded.data) ? 'latin1' : 'utf8');
  // One byte a character (ASCII): the detectors' character walks read the bytes, which is faster.
  const bytes = decoded.data.length === text.length ? decoded.data : undefined;
  const asText = (note: string | null): ReadBody => read('text', text, Layout.whole(text.length, 0, null), bytes, join(decoded.error, note));

  const sniffJson = !contentType && /^\s*[[{]/.test(text.slice(0, 64));
  if (isJsonType(contentType) || sniffJson) {
    if (/ndjson/.test(contentType)) {
      const { layout, error } = ndjsonLayout(text);
      return read('json', text, layout, bytes, join(decoded.error, error));
    }
    // Without escapes nothing is decoded and no name hidden: the structure can wait until asked for.
    if (options.deferJson && (bytes ? decoded.data.indexOf(0x5c) : text.indexOf('\\')) === -1) return read('json', text, Layout.deferred(text.length, (layout) => readJson(text, layout)), bytes);
    const layout = new Layout();
    const error = readJson(text, layout);
    if (!error) return read('json', text, layout, bytes);
    // A cut-off (truncated) or malformed JSON body is still scanned, as text.
    return asText(`${error}; scanned as text`);
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = formLayout(text);
    return read('form', form.text, form.layout, undefined);
  }
  if (contentType.startsWith('multipart/')) {
    const boundary = boundaryOf(headers.contentType ?? '');
    if (!boundary) return asText('multipart without a boundary parameter; scanned as text');
    const mp = multipartLayout(text, boundary);
    return read('multipart', mp.text, mp.layout, undefined, join(decoded.error, mp.error));
  }
  return asText(null);
}

/** Scans an HTTP body read by readBody. Binary bodies are not scanned. Never throws for any body. */
export async function scanBody(
  body: Buffer,
  headers: { contentType?: string | null; contentEncoding?: string | null },
  options?: ScanOptions,
): Promise<ScanResult> {
  const read = await readBody(body, headers, options?.maxBytes, { deferJson: options?.detectionsOnly });
  const detections = read.format === 'binary' ? [] : finish(scanLayout(read.text, read.layout, patternsOf(options), read.bytes));
  // A deferred JSON layout that was read and found malformed: scanned as text, as readBody says of one read at once.
  const malformed = read.layout.readError;
  if (malformed !== null) return { detections, scannedBytes: read.scannedBytes, truncated: read.truncated, format: 'text', error: [read.error, `${malformed}; scanned as text`].filter(Boolean).join('; ') };
  return { detections, scannedBytes: read.scannedBytes, truncated: read.truncated, format: read.format, error: read.error };
}

/** Counts per type and tier, in the model's type and tier order. */
export function summarize(detections: Detection[]): DetectionSummary {
  // Most bodies have none: skip building the type/tier keys for each of them.
  if (detections.length === 0) return [];
  const counts = new Map<string, number>();
  for (const d of detections) counts.set(`${d.type}/${d.tier}`, (counts.get(`${d.type}/${d.tier}`) ?? 0) + 1);
  const out: DetectionSummary = [];
  for (const type of DETECTION_TYPES) {
    for (const tier of CONFIDENCE_TIERS) {
      const count = counts.get(`${type}/${tier}`);
      if (count) out.push({ type, tier, count });
    }
  }
  return out;
}
