import { createHash } from 'node:crypto';
import { invalidField } from '../../platform/errors.js';
import { decodeUtf8, unstorableReason } from '../../platform/text.js';

/**
 * The mentions feed: JSON lines, one post per line (breach notices, leak-site and forum posts).
 *
 *   {"source": "leak-site-x", "title": "...", "text": "...", "url": "https://...",
 *    "published": "2026-11-30T08:00:00Z", "names": ["Acme Corp"], "domains": ["acme.example"],
 *    "id": "post-1234"}
 *
 * source and title are required; text, url, published (ISO 8601 date or date-time), names,
 * domains (what the post is seen to name) and id (the feed's own post id) are optional; other
 * keys are ignored. Blank lines and lines starting with # are skipped. A bad line is reported
 * ("line N: reason") and the others import. Only a short excerpt of text is ever kept, with the
 * text's SHA-256 and length: the post itself is not stored.
 */
export interface MentionRecord {
  line: number;
  /** Identity: SHA-256 of source + the feed's id, else the url, else title + published. */
  contentKey: string;
  source: string;
  externalId: string | null;
  title: string;
  text: string;
  url: string | null;
  published: string | null;
  names: string[];
  domains: string[];
}

export interface ParsedMentions {
  records: MentionRecord[];
  errors: Array<{ record: string; reason: string }>;
  lines: number;
}

export const LIMITS = { lineBytes: 1_048_576, lines: 200_000, names: 100, domains: 200, nameLength: 300, titleLength: 1000, sourceLength: 200, urlLength: 2048, idLength: 300 };

class LineError extends Error {}

export function parseMentions(body: Buffer | string): ParsedMentions {
  const text = typeof body === 'string' ? body : decodeUtf8(body, 'the mentions feed');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > LIMITS.lines + 1) throw invalidField('/', `the feed has ${lines.length} lines; import at most ${LIMITS.lines} per file`);
  const records: MentionRecord[] = [];
  const errors: ParsedMentions['errors'] = [];
  let counted = 0;
  const seen = new Set<string>();
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    counted++;
    const label = `line ${index + 1}`;
    try {
      if (Buffer.byteLength(line) > LIMITS.lineBytes) throw new LineError(`is longer than ${LIMITS.lineBytes} bytes`);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new LineError(`is not JSON (${(error as Error).message.slice(0, 120)}); each line holds one JSON object`);
      }
      const record = parseRecord(value, index + 1);
      if (seen.has(record.contentKey)) throw new LineError('repeats an earlier line of this file (same source and id, url, or title and date)');
      seen.add(record.contentKey);
      records.push(record);
    } catch (error) {
      if (error instanceof LineError) errors.push({ record: label, reason: error.message });
      else throw error;
    }
  });
  return { records, errors, lines: counted };
}

function parseRecord(value: unknown, line: number): MentionRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LineError(`must be a JSON object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  const o = value as Record<string, unknown>;
  const source = str(o, 'source', LIMITS.sourceLength, true)!;
  const title = str(o, 'title', LIMITS.titleLength, true)!;
  const text = str(o, 'text', Number.POSITIVE_INFINITY, false) ?? '';
  const url = str(o, 'url', LIMITS.urlLength, false);
  if (url !== null && !/^https?:\/\/[^\s]+$/i.test(url)) throw new LineError('url: must be an http(s) URL');
  const externalId = o.id === undefined || o.id === null ? null : typeof o.id === 'number' && Number.isFinite(o.id) ? String(o.id) : str(o, 'id', LIMITS.idLength, false);
  const published = date(o.published);
  const names = list(o, 'names', LIMITS.names, LIMITS.nameLength);
  const domains = list(o, 'domains', LIMITS.domains, 253).map((d) => d.toLowerCase().replace(/^\*\./, '').replace(/\.$/, ''));
  for (const d of domains) if (!/^[a-z0-9._-]+\.[a-z0-9-]+$/.test(d) && !/^xn--/.test(d)) throw new LineError(`domains: "${d.slice(0, 60)}" is not a domain name`);
  const identity = externalId !== null ? `id\u0000${externalId}` : url !== null ? `url\u0000${url}` : `title\u0000${title}\u0000${published ?? ''}`;
  const contentKey = createHash('sha256').update(`${source}\u0000${identity}`).digest('hex');
  return { line, contentKey, source, externalId, title, text, url, published, names: [...new Set(names)], domains: [...new Set(domains)] };
}

function str(o: Record<string, unknown>, key: string, max: number, required: boolean): string | null {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new LineError(`${key}: is required`);
    return null;
  }
  if (typeof v !== 'string') throw new LineError(`${key}: must be a string, not ${Array.isArray(v) ? 'an array' : typeof v}`);
  const trimmed = v.trim();
  if (required && !trimmed) throw new LineError(`${key}: must not be empty`);
  if (trimmed.length > max) throw new LineError(`${key}: is longer than ${max} characters`);
  const bad = unstorableReason(trimmed);
  if (bad) throw new LineError(`${key}: ${bad}`);
  return trimmed || null;
}

function list(o: Record<string, unknown>, key: string, maxItems: number, maxLength: number): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new LineError(`${key}: must be an array of strings`);
  if (v.length > maxItems) throw new LineError(`${key}: has more than ${maxItems} entries`);
  return v.map((item, i) => {
    if (typeof item !== 'string') throw new LineError(`${key}[${i}]: must be a string, not ${Array.isArray(item) ? 'an array' : item === null ? 'null' : typeof item}`);
    const t = item.trim();
    if (!t || t.length > maxLength) throw new LineError(`${key}[${i}]: must be 1 to ${maxLength} characters`);
    const bad = unstorableReason(t);
    if (bad) throw new LineError(`${key}[${i}]: ${bad}`);
    return t;
  });
}

function date(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) throw new LineError('published: must be an ISO 8601 date or date-time');
  const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  // Date.parse rolls 2026-02-30 over to March: the calendar date must survive the round trip.
  const [y, m, d] = v.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(y, m - 1, d));
  if (Number.isNaN(ms) || calendar.getUTCFullYear() !== y || calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d) throw new LineError('published: is not a real date');
  return new Date(ms).toISOString();
}
