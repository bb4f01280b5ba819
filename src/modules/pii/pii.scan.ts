/**
 * The personal-data scan: one entry point for egress bodies, the ICAP service and evidence files.
 * Results carry types, offsets, confidences and masked previews only; the scanned text is never
 * returned, stored or logged.
 */
import { CONFIDENCE_TIERS, DETECTION_TYPES, type Detection, type DetectionSummary } from './pii.model.js';
import { resolveOverlaps, scanSegment, type Segment } from './pii.detectors.js';
import { compilePatterns, type CompiledPattern, type CustomPattern } from './pii.patterns.js';
import { boundaryOf, decodeContent, formSegments, isBinaryType, looksBinary, multipartParts, walkJson } from './pii.body.js';

export type { CustomPattern } from './pii.patterns.js';

/** Scan at most this much decoded text by default (1 MiB): what a proxy can afford per request. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

export interface ScanOptions {
  maxBytes?: number;
  patterns?: CustomPattern[];
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
  return finish(scanSegment({ text: text.length > max ? text.slice(0, max) : text, base: 0, field: null }, patternsOf(options)));
}

function scanSegments(segments: Segment[], patterns: CompiledPattern[]): Detection[] {
  const out: Detection[] = [];
  for (const s of segments) for (const d of scanSegment(s, patterns)) out.push(d);
  return out;
}

function jsonSegments(text: string, base: number, prefix: string): { segments: Segment[]; error: string | null } {
  const segments: Segment[] = [];
  const error = walkJson(text, (leaf) => segments.push({ text: leaf.value, base: base + leaf.offset, field: leaf.path || null }), prefix);
  return { segments, error };
}

const isJsonType = (ct: string): boolean => /^application\/([\w.+-]*\+)?json\b|^application\/(x-)?ndjson\b|^text\/json\b/.test(ct);

/**
 * Scans an HTTP body: content-encoding undone (decoded size capped at maxBytes: bombs are cut and
 * reported in `error`), then JSON value by value with field paths, form fields, multipart parts,
 * or plain text. Binary bodies are not scanned. Never throws for any body.
 */
export async function scanBody(
  body: Buffer,
  headers: { contentType?: string | null; contentEncoding?: string | null },
  options?: ScanOptions,
): Promise<ScanResult> {
  const max = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const patterns = patternsOf(options);
  const decoded = await decodeContent(body, headers.contentEncoding, max);
  const contentType = (headers.contentType ?? '').trim().toLowerCase();
  const result = (format: ScanResult['format'], detections: Detection[], error: string | null = decoded.error): ScanResult => ({
    detections: finish(detections),
    scannedBytes: format === 'binary' ? 0 : decoded.data.length,
    truncated: decoded.truncated,
    format,
    error,
  });
  if (decoded.error && decoded.data.length === 0) return result('binary', []);
  if (isBinaryType(contentType) || looksBinary(decoded.data)) return result('binary', []);
  const text = decoded.data.toString('utf8');
  const join = (...errors: (string | null)[]): string | null => errors.filter(Boolean).join('; ') || null;

  const sniffJson = !contentType && /^\s*[[{]/.test(text.slice(0, 64));
  if (isJsonType(contentType) || sniffJson) {
    if (/ndjson/.test(contentType)) {
      const segments: Segment[] = [];
      let base = 0;
      let error: string | null = null;
      text.split('\n').forEach((line, index) => {
        if (line.trim()) {
          const r = jsonSegments(line, base, `[${index}]`);
          if (r.error) {
            error ??= `line ${index + 1}: ${r.error}`;
            segments.push({ text: line, base, field: null });
          } else segments.push(...r.segments);
        }
        base += line.length + 1;
      });
      return result('json', scanSegments(segments, patterns), join(decoded.error, error));
    }
    const r = jsonSegments(text, 0, '');
    if (!r.error) return result('json', scanSegments(r.segments, patterns));
    // A cut-off (truncated) or malformed JSON body is still scanned, as text.
    return result('text', scanSegments([{ text, base: 0, field: null }], patterns), join(decoded.error, `${r.error}; scanned as text`));
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return result('form', scanSegments(formSegments(text), patterns));
  }
  if (contentType.startsWith('multipart/')) {
    const boundary = boundaryOf(headers.contentType ?? '');
    if (!boundary) {
      return result('text', scanSegments([{ text, base: 0, field: null }], patterns), join(decoded.error, 'multipart without a boundary parameter; scanned as text'));
    }
    const { parts, error } = multipartParts(text, boundary);
    const detections: Detection[] = [];
    for (const part of parts) {
      const type = part.contentType ?? '';
      if (isBinaryType(type) || looksBinary(Buffer.from(part.text.slice(0, 1024), 'latin1'))) continue;
      const field = part.name ?? part.filename ?? null;
      if (isJsonType(type)) {
        const r = jsonSegments(part.text, part.offset, field ?? '');
        if (!r.error) {
          detections.push(...scanSegments(r.segments, patterns));
          continue;
        }
      }
      detections.push(...scanSegments([{ text: part.text, base: part.offset, field }], patterns));
    }
    return result('multipart', detections, join(decoded.error, error));
  }
  return result('text', scanSegments([{ text, base: 0, field: null }], patterns));
}

/** Counts per type and tier, in the model's type and tier order. */
export function summarize(detections: Detection[]): DetectionSummary {
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
