// IOC lists as people and vendors publish them: CSV with or without a header (abuse.ch writes it
// as a comment line), defanged, several values in one cell (a file's SHA-256, SHA-1 and MD5
// together), `address:port` values, type columns in each vendor's own words (MISP attribute types
// composite types included), and the same lists as JSON records (ThreatFox and URLhaus exports, API answers).
// Values are typed by their shape; a type column only tells what to skip (mutexes, CVEs, YARA
// rules …) and how to split MISP composite values (`ip-dst|port`, `filename|sha256` …). A mapping names the columns when detection cannot.
import { CsvError, parse } from 'csv-parse/sync';
import { FeedFormatError, describeError } from '../../advisories/parsers/errors.js';
import { decodeText, isObject, type FeedInput } from '../../advisories/parsers/json.js';
import { findUnstorable } from '../../../platform/text.js';
import { isMispCompositeType, mispAttributeValues } from './misp.js';
import { emptyOutcome, keepUnsupported, type IndicatorContext, type IndicatorOutcome, type IndicatorType } from './model.js';
import { IndicatorValueError, isNetworkRange, normalizeValue, own, refang, tlpOf, typeByShape, withoutPort } from './normalize.js';
import { strictestTlp } from './stix.js';

export const MAX_CSV_ROWS = 1_000_000;
export const CSV_FIELDS = ['value', 'type', 'confidence', 'tlp', 'description', 'validFrom', 'validUntil', 'labels'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];
/** Field → column name (as in the header, any case) or 1-based column number. */
export type CsvMapping = Partial<Record<CsvField, string>>;

/** Columns read besides the value: the mappable fields, and MISP's to_ids flag. */
type Field = Exclude<CsvField, 'value'> | 'toIds';

const HEADER_NAMES: Record<string, Field | IndicatorType | 'hash' | 'value'> = {
  indicator: 'value', ioc: 'value', value: 'value', observable: 'value', ioc_value: 'value', indicator_value: 'value', data: 'value', artifact: 'value',
  md5: 'md5', sha1: 'sha1', 'sha-1': 'sha1', sha256: 'sha256', 'sha-256': 'sha256', sha256_hash: 'sha256', md5_hash: 'md5', sha1_hash: 'sha1', sha512: 'sha512',
  hash: 'hash', hashes: 'hash', filehash: 'hash', file_hash: 'hash',
  domain: 'domain', hostname: 'domain', host: 'domain', fqdn: 'domain', url: 'url', ip: 'ipv4', ip_address: 'ipv4', ipv4: 'ipv4', dst_ip: 'ipv4', ipv6: 'ipv6', email: 'email', email_address: 'email',
  type: 'type', indicator_type: 'type', ioc_type: 'type', kind: 'type', attribute_type: 'type',
  confidence: 'confidence', confidence_level: 'confidence', score: 'confidence',
  tlp: 'tlp',
  description: 'description', comment: 'description', comments: 'description', context: 'description', threat: 'description', malware: 'description', malware_family: 'description', malware_printable: 'description', signature: 'description',
  first_seen: 'validFrom', firstseen: 'validFrom', first_seen_utc: 'validFrom', valid_from: 'validFrom', date: 'validFrom', created: 'validFrom', date_added: 'validFrom', dateadded: 'validFrom',
  valid_until: 'validUntil', expiration: 'validUntil', expires: 'validUntil', expiration_date: 'validUntil',
  tags: 'labels', labels: 'labels', tag: 'labels', attribute_tag: 'labels',
  to_ids: 'toIds',
};

/** Which of several description columns wins: ThreatFox has malware (a Malpedia id) and malware_printable (its name). */
const DESCRIPTION_ORDER = ['description', 'comment', 'comments', 'context', 'malware_printable', 'signature', 'malware_family', 'malware', 'threat'];

/** Type-column words of indicator kinds that are not matchable: such rows are skipped, not refused. */
const NOT_MATCHABLE =
  /^(mutex|cve|yara|sigma|snort|suricata|filepath|file_path|filename|file_name|regkey|registry|useragent|user-agent|user_agent|asn?|cidr|ja3|ja3-fingerprint-md5|jarm-fingerprint|hassh-md5|imphash|ssdeep|tlsh|pehash|vhash|impfuzzy|authentihash|sha224|sha384|sha3[-_]?\d+(_hash)?|sha512\/\d+|x509-fingerprint-(md5|sha1|sha256)|bitcoin|btc|phone|text|comment|vulnerability|port|x509|certificate|link|uri|attachment|pattern-in-(file|traffic|memory)|named pipe|windows-service-(name|displayname)|other)$/i;

/** How feeds write an empty cell: abuse.ch "None" and "n/a", JSON null. */
const PLACEHOLDER = /^(none|null|n\/a|-)$/i;

interface Layout {
  /** The first row names the columns (and is not data). */
  header: boolean;
  values: Array<{ column: number; type: IndicatorType | 'hash' | null }>;
  fields: Partial<Record<Field, number>>;
}

export function parseIocCsv(input: FeedInput, mapping: CsvMapping = {}): IndicatorOutcome {
  const text = decodeList(input);
  const unstorable = findUnstorable(text);
  if (unstorable) throw new FeedFormatError(`the list holds text that cannot be stored: ${unstorable.reason}`);
  if (/^\s*(\{|\[\s*[{"\]])/.test(text)) return parseIocJson(text, mapping);
  const lines = text.split(/\r?\n/, 200);
  const firstLine = lines.find((l) => l.trim() && !l.startsWith('#')) ?? '';
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
  const layout = detectLayout(rows[0].record, mapping, commentedHeader(lines, delimiter));
  const outcome = emptyOutcome('csv-iocs');
  for (const { record, info } of layout.header ? rows.slice(1) : rows) readRow(record, `line ${info.lines}`, layout, outcome);
  return outcome;
}

/** UTF-8 (plain or gzipped, a BOM dropped), or UTF-16 with its BOM as spreadsheets save "Unicode text". */
function decodeList(input: FeedInput): string {
  if (typeof input !== 'string' && input.length >= 2 && ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff))) {
    try {
      return new TextDecoder(input[0] === 0xff ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(input);
    } catch {
      throw new FeedFormatError('the list starts with a UTF-16 byte order mark but is not valid UTF-16');
    }
  }
  return decodeText(input);
}

/**
 * A header written as a comment above the data (abuse.ch: `# id,dateadded,url,...` or
 * `# "first_seen_utc","sha256_hash",...`): the last comment line before the first row whose cells
 * are all column names, one of them an indicator column.
 */
function commentedHeader(lines: string[], delimiter: string): string[] | null {
  let found: string[] | null = null;
  for (const line of lines) {
    if (!line.trim()) continue;
    if (!line.startsWith('#')) break;
    let cells: string[];
    try {
      [cells = []] = parse(line.replace(/^#+\s*/, ''), { delimiter, relax_quotes: true, relax_column_count: true, trim: true }) as string[][];
    } catch {
      continue;
    }
    if (cells.length >= 2 && cells.every((c) => /^[A-Za-z][\w .()/-]{0,63}$/.test(c)) && valueColumns(cells.map(columnName)).length) found = cells;
  }
  return found;
}

function columnName(cell: string): string {
  return cell.trim().toLowerCase().replace(/\s+/g, '_');
}

function valueColumns(names: string[]): Layout['values'] {
  return names.flatMap((n, column): Layout['values'] => {
    const kind = own(HEADER_NAMES, n);
    if (kind === 'value') return [{ column, type: null }];
    return kind === 'hash' || isIndicatorType(kind) ? [{ column, type: kind }] : [];
  });
}

function detectLayout(first: string[], mapping: CsvMapping, commented: string[] | null): Layout {
  const names = first.map(columnName);
  const mapped = Object.entries(mapping).filter(([, v]) => v !== undefined) as Array<[CsvField, string]>;
  if (mapped.length) {
    const named = mapped.filter(([, col]) => !/^\d+$/.test(col)).map(([, col]) => columnName(col));
    // Names a mapping gives are looked up in the first row, or else in a header written as a comment.
    const fromComment = !!commented && named.length > 0 && !named.every((n) => names.includes(n)) && named.every((n) => commented.map(columnName).includes(n));
    const header = named.length > 0 && !fromComment;
    const columns = fromComment ? commented.map(columnName) : names;
    const column = (field: string, col: string) => {
      const index = /^\d+$/.test(col) ? Number(col) - 1 : columns.indexOf(columnName(col));
      if (index < 0 || index >= Math.max(first.length, /^\d+$/.test(col) ? Number(col) : 0)) throw new FeedFormatError(`mapping ${field}=${col}: the CSV has no such column (columns: ${(fromComment ? commented : first).slice(0, 20).join(', ')})`);
      return index;
    };
    const layout: Layout = { header, values: [], fields: {} };
    for (const [field, col] of mapped) {
      if (field === 'value') layout.values.push({ column: column(field, col), type: null });
      else layout.fields[field] = column(field, col);
    }
    if (!layout.values.length) throw new FeedFormatError('the mapping must name the value column (value=NAME or value=N)');
    if (header && layout.fields.toIds === undefined && names.includes('to_ids')) layout.fields.toIds = names.indexOf('to_ids');
    return layout;
  }
  const looksLikeData = first.some((c) => typeByShape(c) !== null || withoutPort(c) !== null);
  if (names.some((n) => own(HEADER_NAMES, n)) && !looksLikeData) {
    const layout = namedLayout(names, true);
    if (!layout.values.length) throw new FeedFormatError(`no indicator column in the header (${first.slice(0, 20).join(', ')}): name one (indicator, value, sha256, domain, url, ip …) or give a mapping such as value=3`);
    return layout;
  }
  if (commented) return namedLayout(commented.map(columnName), false);
  return { header: false, values: first.map((_, column) => ({ column, type: null })), fields: {} };
}

function namedLayout(names: string[], header: boolean): Layout {
  const layout: Layout = { header, values: valueColumns(names), fields: {} };
  names.forEach((n, column) => {
    const kind = own(HEADER_NAMES, n);
    if (!kind || kind === 'value' || kind === 'hash' || isIndicatorType(kind)) return;
    const taken = layout.fields[kind];
    const better = kind === 'description' && taken !== undefined && DESCRIPTION_ORDER.indexOf(n) < DESCRIPTION_ORDER.indexOf(names[taken]);
    if (taken === undefined || better) layout.fields[kind] = column;
  });
  return layout;
}

function readRow(cells: string[], ref: string, layout: Layout, outcome: IndicatorOutcome): void {
  const cell = (i: number | undefined) => {
    const text = i === undefined ? '' : (cells[i] ?? '').trim();
    return PLACEHOLDER.test(text) ? '' : text;
  };
  const field = (name: Field) => cell(layout.fields[name]);
  const typeWord = field('type');
  const mispType = typeWord && isMispCompositeType(typeWord.toLowerCase()) ? typeWord.toLowerCase() : null;
  // A MISP export's context rows (to_ids 0) and types that name nothing matchable (mutexes, YARA rules, `filename|ssdeep` …).
  if ((field('toIds') && /^(0|false|no)$/i.test(field('toIds'))) || (typeWord && !mispType && (NOT_MATCHABLE.test(typeWord.replace(/^filehash-/i, '')) || typeWord.includes('|')))) {
    outcome.skipped++;
    return;
  }
  let context: IndicatorContext;
  try {
    const labels = field('labels') ? [...new Set(field('labels').split(/[,;|]/).map((l) => l.trim()).filter(Boolean))].slice(0, 50) : [];
    context = {
      ref,
      name: null,
      description: field('description').slice(0, 2000) || null,
      pattern: null,
      confidence: confidenceOf(field('confidence')),
      // Without a TLP column, a tag such as "tlp:amber" (MISP attribute tags) is the marking.
      tlp: field('tlp') ? (tlpOf(field('tlp')) ?? fail(`tlp "${field('tlp').slice(0, 40)}" is not a TLP level`)) : strictestTlp(labels.map(tlpOf)),
      validFrom: timeOf(field('validFrom'), 'validFrom'),
      validUntil: timeOf(field('validUntil'), 'validUntil'),
      labels: field('tlp') ? labels : labels.filter((l) => !tlpOf(l)),
      killChain: [],
    };
  } catch (error) {
    if (!(error instanceof IndicatorValueError)) throw error;
    outcome.errors.push({ record: ref, reason: error.message });
    return;
  }
  const found: Array<{ type: IndicatorType; value: string }> = [];
  const ranges: string[] = [];
  const problems: string[] = [];
  for (const { column, type } of layout.values) {
    const value = cell(column);
    if (!value) continue;
    if (mispType) {
      try {
        const named = mispAttributeValues(mispType, value);
        found.push(...named.indicators);
        if (named.range) ranges.push(named.range);
      } catch (error) {
        if (!(error instanceof IndicatorValueError)) throw error;
        problems.push(`${mispType}: ${error.message}`);
      }
      continue;
    }
    const pieces = typeByShape(value) === 'url' ? [value] : value.split(/[\s,;|]+/).filter(Boolean);
    for (const raw of pieces) {
      if (isNetworkRange(raw)) {
        ranges.push(refang(raw));
        continue;
      }
      // ThreatFox `ip:port` and `[IPv6]:port`: the address is the indicator, the port its context.
      const host = typeByShape(raw) ? null : withoutPort(raw);
      const piece = host && typeByShape(host) ? host : raw;
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
  if (ranges.length) {
    keepUnsupported(outcome, { ...context, pattern: ranges.join(', ').slice(0, 2000), patternType: 'cidr', reason: `${ranges.length === 1 ? 'a network range' : 'network ranges'}, not one address: kept, not matched` });
  }
  if (!found.length) {
    if (ranges.length || cells.every((c) => !c.trim())) return;
    outcome.errors.push({ record: ref, reason: 'no hash, domain, URL, IP address or e-mail address in this row' });
    return;
  }
  for (const f of found) outcome.indicators.push({ ...context, ...f });
}

/**
 * The same lists as JSON: an array of records (or of bare values), `{"data": [...]}` as the
 * ThreatFox and other APIs answer, or an export keyed by id whose values are arrays of records
 * (ThreatFox and URLhaus full exports). Record keys are read like CSV column names.
 */
function parseIocJson(text: string, mapping: CsvMapping): IndicatorOutcome {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new FeedFormatError(`the JSON list is not valid JSON: ${describeError(error)}`);
  }
  const records = jsonRecords(doc);
  if (records.length > MAX_CSV_ROWS) throw new FeedFormatError(`the list has more than ${MAX_CSV_ROWS} records: split it`);
  if (!records.length) throw new FeedFormatError('the JSON list has no records');
  const names = new Set<string>();
  for (const { record } of records) for (const key in record) if (names.size < 500) names.add(key);
  const keys = [...names];
  // Keys name the fields of every record: read like a header row, whether or not a mapping is given.
  const layout = { ...(Object.values(mapping).some((v) => v !== undefined) ? detectLayout(keys, mapping, null) : namedLayout(keys.map(columnName), true)), header: true };
  if (!layout.values.length) throw new FeedFormatError(`no indicator field in the records (${keys.slice(0, 20).join(', ')}): name one (ioc, value, sha256_hash, url, ip_address …) or give a mapping such as value=ioc_value`);
  const outcome = emptyOutcome('csv-iocs');
  for (const { ref, record } of records) readRow(keys.map((k) => cellOf(record[k])), ref, layout, outcome);
  return outcome;
}

function jsonRecords(doc: unknown): Array<{ ref: string; record: Record<string, unknown> }> {
  const fromList = (items: unknown[], at: (i: number) => string) =>
    items.map((item, i) => {
      if (typeof item === 'string') return { ref: at(i), record: { value: item } };
      if (!isObject(item)) throw new FeedFormatError(`${at(i)} is a ${Array.isArray(item) ? 'list' : typeof item}, not a record or a value`);
      return { ref: at(i), record: item };
    });
  if (Array.isArray(doc)) return fromList(doc, (i) => `record ${i + 1}`);
  if (!isObject(doc)) throw new FeedFormatError('a JSON IOC list is an array of records, {"data": [...]}, or an export keyed by id');
  const listKey = ['data', 'urls', 'payloads', 'iocs', 'indicators', 'items', 'results'].find((k) => Array.isArray(doc[k]));
  if (listKey) return fromList(doc[listKey] as unknown[], (i) => `${listKey}[${i}]`);
  if (typeof doc.query_status === 'string') throw new FeedFormatError(`the answer holds no records: query_status "${doc.query_status.slice(0, 80)}"`);
  const entries = Object.entries(doc);
  if (!entries.length || !entries.every(([, v]) => Array.isArray(v))) throw new FeedFormatError('a JSON IOC list is an array of records, {"data": [...]}, or an export keyed by id whose values are lists of records (ThreatFox, URLhaus)');
  return entries.flatMap(([key, items]) => fromList(items as unknown[], (i) => ((items as unknown[]).length === 1 ? key.slice(0, 200) : `${key.slice(0, 200)}[${i}]`)));
}

function cellOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string' || typeof v === 'number').join(',');
  return '';
}

function confidenceOf(text: string): number | null {
  if (!text) return null;
  const words: Record<string, number> = { low: 15, medium: 50, moderate: 50, high: 85 };
  if (words[text.toLowerCase()] !== undefined) return words[text.toLowerCase()];
  const n = Number(text.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n > 100) fail(`confidence "${text.slice(0, 40)}" is not 0–100 or low/medium/high`);
  return Math.round(n);
}

/** ISO 8601, "2024-04-04 07:03:03" (UTC, with or without " UTC"), MISP's 20161107, or Unix seconds. */
function timeOf(raw: string, name: string): string | null {
  if (!raw) return null;
  const text = raw.replace(/\s+UTC$/i, '');
  let t: number;
  if (/^\d{8}$/.test(text)) t = Date.parse(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}T00:00:00Z`);
  else if (/^\d{9,10}$/.test(text)) t = Number(text) * 1000;
  else t = Date.parse(/^\d{4}-\d{2}-\d{2} \d/.test(text) && !/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
  if (!Number.isFinite(t)) fail(`${name} "${raw.slice(0, 40)}" is not a date`);
  return new Date(t).toISOString();
}

function fail(reason: string): never {
  throw new IndicatorValueError(reason);
}

function isIndicatorType(value: string | undefined): value is IndicatorType {
  return ['sha256', 'sha1', 'md5', 'sha512', 'domain', 'url', 'ipv4', 'ipv6', 'email'].includes(value ?? '');
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
