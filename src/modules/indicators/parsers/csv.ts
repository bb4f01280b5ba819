// CSV IOC lists as people and vendors publish them: with or without a header, defanged, several
// values in one cell (a file's SHA-256, SHA-1 and MD5 together), type columns in each vendor's
// own words. Values are typed by their shape; a type column only tells what to skip (mutexes,
// CVEs, YARA rules …). A mapping names the columns when detection cannot.
import { CsvError, parse } from 'csv-parse/sync';
import { FeedFormatError } from '../../advisories/parsers/errors.js';
import { decodeText, type FeedInput } from '../../advisories/parsers/json.js';
import { findUnstorable } from '../../../platform/text.js';
import { emptyOutcome, type IndicatorContext, type IndicatorOutcome, type IndicatorType } from './model.js';
import { IndicatorValueError, normalizeValue, refang, tlpOf, typeByShape } from './normalize.js';

export const MAX_CSV_ROWS = 1_000_000;
export const CSV_FIELDS = ['value', 'type', 'confidence', 'tlp', 'description', 'validFrom', 'validUntil', 'labels'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];
/** Field → column name (as in the header, any case) or 1-based column number. */
export type CsvMapping = Partial<Record<CsvField, string>>;

const HEADER_NAMES: Record<string, CsvField | IndicatorType | 'hash'> = {
  indicator: 'value', ioc: 'value', value: 'value', observable: 'value', ioc_value: 'value', indicator_value: 'value', data: 'value', artifact: 'value',
  md5: 'md5', sha1: 'sha1', 'sha-1': 'sha1', sha256: 'sha256', 'sha-256': 'sha256', sha256_hash: 'sha256', md5_hash: 'md5', sha1_hash: 'sha1', sha512: 'sha512',
  hash: 'hash', hashes: 'hash', filehash: 'hash', file_hash: 'hash',
  domain: 'domain', hostname: 'domain', host: 'domain', fqdn: 'domain', url: 'url', ip: 'ipv4', ip_address: 'ipv4', ipv4: 'ipv4', dst_ip: 'ipv4', ipv6: 'ipv6', email: 'email', email_address: 'email',
  type: 'type', indicator_type: 'type', ioc_type: 'type', kind: 'type', attribute_type: 'type',
  confidence: 'confidence', confidence_level: 'confidence', score: 'confidence',
  tlp: 'tlp',
  description: 'description', comment: 'description', comments: 'description', context: 'description', threat: 'description', malware: 'description', malware_family: 'description',
  first_seen: 'validFrom', firstseen: 'validFrom', first_seen_utc: 'validFrom', valid_from: 'validFrom', date: 'validFrom', created: 'validFrom', date_added: 'validFrom',
  valid_until: 'validUntil', expiration: 'validUntil', expires: 'validUntil', expiration_date: 'validUntil',
  tags: 'labels', labels: 'labels', tag: 'labels',
};

/** Type-column words of indicator kinds that are not matchable: such rows are skipped, not refused. */
const NOT_MATCHABLE = /^(mutex|cve|yara|sigma|snort|suricata|filepath|file_path|filename|file_name|regkey|registry|useragent|user-agent|user_agent|asn|cidr|ja3|imphash|ssdeep|tlsh|pehash|bitcoin|btc|phone|text|comment|vulnerability|port|x509|certificate|other)$/i;

interface Layout {
  header: boolean;
  values: Array<{ column: number; type: IndicatorType | 'hash' | null }>;
  fields: Partial<Record<Exclude<CsvField, 'value'>, number>>;
}

export function parseIocCsv(input: FeedInput, mapping: CsvMapping = {}): IndicatorOutcome {
  const text = decodeText(input);
  const unstorable = findUnstorable(text);
  if (unstorable) throw new FeedFormatError(`the CSV holds text that cannot be stored: ${unstorable.reason}`);
  const firstLine = text.split('\n', 50).find((l) => l.trim() && !l.startsWith('#')) ?? '';
  const delimiter = firstLine.includes('\t') ? '\t' : (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let rows: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With info: true each record comes with where it was read (the typings only know plain rows).
    rows = parse(text, { delimiter, comment: '#', comment_no_infix: true, relax_column_count: true, skip_empty_lines: true, bom: true, info: true, trim: true, to: MAX_CSV_ROWS + 2 }) as unknown as typeof rows;
  } catch (error) {
    if (error instanceof CsvError) throw new FeedFormatError(`the CSV cannot be read: ${error.message}`);
    throw error;
  }
  if (rows.length > MAX_CSV_ROWS + 1) throw new FeedFormatError(`the CSV has more than ${MAX_CSV_ROWS} rows: split it`);
  if (!rows.length) throw new FeedFormatError('the CSV has no rows');
  const layout = detectLayout(rows[0].record, mapping);
  const outcome = emptyOutcome('csv-iocs');
  for (const { record, info } of layout.header ? rows.slice(1) : rows) readRow(record, `line ${info.lines}`, layout, outcome);
  return outcome;
}

function detectLayout(first: string[], mapping: CsvMapping): Layout {
  const names = first.map((c) => c.trim().toLowerCase().replace(/\s+/g, '_'));
  const mapped = Object.entries(mapping).filter(([, v]) => v !== undefined) as Array<[CsvField, string]>;
  if (mapped.length) {
    const header = mapped.some(([, col]) => !/^\d+$/.test(col));
    const column = (field: string, col: string) => {
      const index = /^\d+$/.test(col) ? Number(col) - 1 : names.indexOf(col.trim().toLowerCase().replace(/\s+/g, '_'));
      if (index < 0 || index >= Math.max(first.length, /^\d+$/.test(col) ? Number(col) : 0)) throw new FeedFormatError(`mapping ${field}=${col}: the CSV has no such column (columns: ${first.slice(0, 20).join(', ')})`);
      return index;
    };
    const layout: Layout = { header, values: [], fields: {} };
    for (const [field, col] of mapped) {
      if (field === 'value') layout.values.push({ column: column(field, col), type: null });
      else layout.fields[field] = column(field, col);
    }
    if (!layout.values.length) throw new FeedFormatError('the mapping must name the value column (value=NAME or value=N)');
    return layout;
  }
  const known = names.map((n) => HEADER_NAMES[n]);
  const looksLikeData = first.some((c) => typeByShape(c) !== null);
  if (!known.some(Boolean) || looksLikeData) return { header: false, values: first.map((_, column) => ({ column, type: null })), fields: {} };
  const layout: Layout = { header: true, values: [], fields: {} };
  known.forEach((k, column) => {
    if (!k) return;
    if (k === 'value') layout.values.push({ column, type: null });
    else if (k === 'hash' || isIndicatorType(k)) layout.values.push({ column, type: k });
    else if (layout.fields[k] === undefined) layout.fields[k] = column;
  });
  if (!layout.values.length) throw new FeedFormatError(`no indicator column in the header (${first.slice(0, 20).join(', ')}): name one (indicator, value, sha256, domain, url, ip …) or give a mapping such as value=3`);
  return layout;
}

function readRow(cells: string[], ref: string, layout: Layout, outcome: IndicatorOutcome): void {
  const field = (name: keyof Layout['fields']) => {
    const i = layout.fields[name];
    return i === undefined ? '' : (cells[i] ?? '').trim();
  };
  const typeWord = field('type');
  if (typeWord && NOT_MATCHABLE.test(typeWord.replace(/^filehash-/i, ''))) {
    outcome.skipped++;
    return;
  }
  let context: IndicatorContext;
  try {
    context = {
      ref,
      name: null,
      description: field('description').slice(0, 2000) || null,
      pattern: null,
      confidence: confidenceOf(field('confidence')),
      tlp: field('tlp') ? (tlpOf(field('tlp')) ?? fail(`tlp "${field('tlp').slice(0, 40)}" is not a TLP level`)) : null,
      validFrom: timeOf(field('validFrom'), 'validFrom'),
      validUntil: timeOf(field('validUntil'), 'validUntil'),
      labels: field('labels') ? [...new Set(field('labels').split(/[,;|]/).map((l) => l.trim()).filter(Boolean))].slice(0, 50) : [],
      killChain: [],
    };
  } catch (error) {
    if (!(error instanceof IndicatorValueError)) throw error;
    outcome.errors.push({ record: ref, reason: error.message });
    return;
  }
  const found: Array<{ type: IndicatorType; value: string }> = [];
  const problems: string[] = [];
  for (const { column, type } of layout.values) {
    const cell = (cells[column] ?? '').trim();
    if (!cell) continue;
    const pieces = typeByShape(cell) === 'url' ? [cell] : cell.split(/[\s,;|]+/).filter(Boolean);
    for (const piece of pieces) {
      const shape = typeByShape(piece);
      const expected = type === 'hash' ? null : type;
      if (!shape) {
        // Cells of a headerless list that are not indicators (dates, names, notes) are context, not errors.
        if (expected || (layout.header && type !== null) || (layout.header && layout.values.length === 1)) problems.push(`"${refang(piece).slice(0, 80)}" is not ${expected ? `a ${expected}` : 'a hash, domain, URL, IP address or e-mail address'}`);
        continue;
      }
      if (expected && shape !== expected && !(expected === 'ipv4' && shape === 'ipv6')) {
        problems.push(`"${piece.slice(0, 80)}" in the ${expected} column is a ${shape}`);
        continue;
      }
      if (type === 'hash' && !['md5', 'sha1', 'sha256', 'sha512'].includes(shape)) {
        problems.push(`"${piece.slice(0, 80)}" in a hash column is a ${shape}`);
        continue;
      }
      try {
        found.push({ type: shape, value: normalizeValue(shape, piece) });
      } catch (error) {
        if (!(error instanceof IndicatorValueError)) throw error;
        problems.push(error.message);
      }
    }
  }
  if (problems.length) {
    outcome.errors.push({ record: ref, reason: problems.slice(0, 3).join('; ') });
    return;
  }
  if (!found.length) {
    if (cells.every((c) => !c.trim())) return;
    outcome.errors.push({ record: ref, reason: 'no hash, domain, URL, IP address or e-mail address in this row' });
    return;
  }
  for (const f of found) outcome.indicators.push({ ...context, ...f });
}

function confidenceOf(text: string): number | null {
  if (!text) return null;
  const words: Record<string, number> = { low: 15, medium: 50, moderate: 50, high: 85 };
  if (words[text.toLowerCase()] !== undefined) return words[text.toLowerCase()];
  const n = Number(text.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n > 100) fail(`confidence "${text.slice(0, 40)}" is not 0–100 or low/medium/high`);
  return Math.round(n);
}

function timeOf(text: string, name: string): string | null {
  if (!text) return null;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2} \d/.test(text) && !/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
  if (!Number.isFinite(t)) fail(`${name} "${text.slice(0, 40)}" is not a date`);
  return new Date(t).toISOString();
}

function fail(reason: string): never {
  throw new IndicatorValueError(reason);
}

function isIndicatorType(value: string): value is IndicatorType {
  return ['sha256', 'sha1', 'md5', 'sha512', 'domain', 'url', 'ipv4', 'ipv6', 'email'].includes(value);
}

/** "value=indicator,type=kind" (or value=3) as given on the command line or in ?columns=. */
export function parseCsvMapping(text: string | undefined): CsvMapping {
  if (!text) return {};
  const mapping: CsvMapping = {};
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z]+)\s*[=:]\s*(.+?)\s*$/.exec(part);
    if (!m || !(CSV_FIELDS as readonly string[]).includes(m[1])) throw new FeedFormatError(`columns: "${part.slice(0, 40)}" is not FIELD=COLUMN with FIELD one of ${CSV_FIELDS.join(', ')}`);
    mapping[m[1] as CsvField] = m[2];
  }
  return mapping;
}
