// OSV schema 1.x records (JSON or YAML), per-ecosystem all.zip archives and directory trees.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readYaml } from '../../../platform/yaml.js';
import type { AdvisoryAffected, AdvisoryRange, NormalizedAdvisory, ParseOutcome, RecordError } from './model.js';
import { FeedFormatError, FeedRecordError, collectRecord, describeError } from './errors.js';
import { type FeedInput, Fields, type JsonObject, decodeText, isFeedInput, isObject, typeName } from './json.js';
import { bestCvss } from './cvss.js';
import { DEFAULT_ZIP_LIMITS, type ZipLimits, openZip } from './zip.js';

export type OnAdvisory = (advisory: NormalizedAdvisory) => void | Promise<void>;

export interface OsvReadOptions {
  source?: string;
  limits?: Partial<ZipLimits>;
  onProgress?: (done: number, total: number) => void;
}

const ID_PATTERN = /^[A-Za-z0-9][\w.:+-]{0,254}$/;
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/i;
const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
/** CWE-506 "Embedded Malicious Code" is how GitHub marks malware advisories. */
const MALWARE_CWE = 'CWE-506';
const OSV_FILE = /\.(json|ya?ml)$/i;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;
// OSV YAML never needs anchors; a handful is tolerated, an expansion attack is not.
const MAX_YAML_ALIASES = 10;
const MAX_YAML_CHARS = 128 * 1024;

/** Validates and normalises one OSV record; throws FeedRecordError naming the record and the bad field. */
export function parseOsvRecord(json: unknown, source = 'osv'): NormalizedAdvisory {
  if (!isObject(json)) throw new FeedRecordError('(record)', `expected an object, got ${typeName(json)}`);
  const id = recordId(json);
  const f = new Fields(json, id);
  const aliases = f.stringArray('aliases');
  const affectedEntries = f.objects('affected');
  const severity = uniqueSeverities([f, ...affectedEntries].flatMap(parseSeverity));
  return {
    id,
    aliases,
    source,
    summary: f.optString('summary'),
    details: f.optString('details'),
    published: optTimestamp(f, 'published'),
    modified: timestamp(f, 'modified'),
    withdrawn: optTimestamp(f, 'withdrawn'),
    severity,
    cvss: bestCvss(severity),
    malicious: isMalicious(id, aliases, json.database_specific),
    affected: affectedEntries.flatMap(parseAffected),
    references: f.objects('references').map((reference) => reference.string('url')),
  };
}

/** One record, an array of records or an OSV API `{ vulns: [...] }` answer, as JSON or YAML text or parsed. */
export function parseOsvDocuments(
  input: FeedInput | unknown,
  options: { format?: 'json' | 'yaml'; source?: string } = {},
): ParseOutcome<NormalizedAdvisory> {
  const document = isFeedInput(input) ? parseText(decodeText(input), options.format) : input;
  if (!Array.isArray(document) && !isObject(document)) throw new FeedFormatError('an OSV document is a record object or an array of them');
  const records: unknown[] = Array.isArray(document) ? document : Array.isArray(document.vulns) ? document.vulns : [document];
  const outcome: ParseOutcome<NormalizedAdvisory> = { items: [], errors: [] };
  for (const record of records) collectRecord(() => parseOsvRecord(record, options.source), outcome.items, outcome.errors);
  return outcome;
}

/** Streams an OSV `all.zip`; records go to onRecord (or into `items` when none is given). */
export async function readOsvZip(
  input: string | Uint8Array,
  onRecord?: OnAdvisory,
  options: OsvReadOptions = {},
): Promise<ParseOutcome<NormalizedAdvisory>> {
  const zip = await openZip(input, { ...DEFAULT_ZIP_LIMITS, ...options.limits });
  const sink = new AdvisorySink(onRecord);
  for await (const entry of zip.entries()) {
    if (entry.error !== undefined) sink.errors.push({ record: `entry ${entry.name}`, reason: entry.error });
    else if (OSV_FILE.test(entry.name)) await sink.add(parseOsvFile(entry.name, entry.data, options.source));
    options.onProgress?.(zip.entriesRead, zip.entryCount);
  }
  return sink.outcome(zip.entryCount);
}

/** Reads every *.json / *.yaml below dir (hidden folders and symlinks are not followed). */
export function readOsvDirectory(dir: string, onRecord?: OnAdvisory, options: OsvReadOptions = {}): Promise<ParseOutcome<NormalizedAdvisory>> {
  return readFeedDirectory(dir, { pattern: OSV_FILE, what: 'OSV', limits: { ...DEFAULT_ZIP_LIMITS, ...options.limits } }, (name, bytes) => parseOsvFile(name, bytes, options.source), onRecord, options.onProgress);
}

/**
 * Every file below dir whose name matches, parsed in name order within the byte limits: a file over
 * the per-entry limit is a record error, a directory over the total limit refuses the whole read.
 * Shared by the OSV and NVD directory readers.
 */
export async function readFeedDirectory(
  dir: string,
  files: { pattern: RegExp; what: string; limits: ZipLimits },
  parseFile: (name: string, bytes: Uint8Array) => ParseOutcome<NormalizedAdvisory>,
  onRecord?: OnAdvisory,
  onProgress?: (done: number, total: number) => void,
): Promise<ParseOutcome<NormalizedAdvisory>> {
  const { limits } = files;
  const paths = await listFeedFiles(dir, files.pattern);
  const sink = new AdvisorySink(onRecord);
  let totalBytes = 0;
  for (const [i, file] of paths.entries()) {
    const name = relative(dir, file);
    const { size } = await stat(file);
    totalBytes += size;
    if (totalBytes > limits.maxTotalBytes) throw new FeedFormatError(`directory holds more than ${limits.maxTotalBytes} bytes of ${files.what} files`);
    if (size > limits.maxEntryBytes) sink.errors.push({ record: `entry ${name}`, reason: `${size} bytes exceeds the ${limits.maxEntryBytes}-byte limit` });
    else await sink.add(parseFile(name, await readFile(file)));
    onProgress?.(i + 1, paths.length);
  }
  return sink.outcome(paths.length);
}

/** Collects the records of many files or entries, or hands each to onRecord; shared by the OSV and NVD readers. */
export class AdvisorySink {
  readonly items: NormalizedAdvisory[] = [];
  readonly errors: RecordError[] = [];
  private records = 0;

  constructor(private readonly onRecord?: OnAdvisory) {}

  async add(outcome: ParseOutcome<NormalizedAdvisory>): Promise<void> {
    this.errors.push(...outcome.errors);
    for (const advisory of outcome.items) {
      this.records += 1;
      if (this.onRecord) await this.onRecord(advisory);
      else this.items.push(advisory);
    }
  }

  outcome(entries: number): ParseOutcome<NormalizedAdvisory> {
    return { items: this.items, errors: this.errors, meta: { entries: String(entries), records: String(this.records) } };
  }
}

function parseOsvFile(name: string, bytes: Uint8Array, source?: string): ParseOutcome<NormalizedAdvisory> {
  try {
    return parseOsvDocuments(bytes, { format: /\.json$/i.test(name) ? 'json' : 'yaml', source });
  } catch (error) {
    if (!(error instanceof FeedFormatError)) throw error;
    return { items: [], errors: [{ record: `entry ${name}`, reason: error.message }] };
  }
}

/** Every file below dir whose name matches, sorted; hidden folders and symlinks are not followed. */
export async function listFeedFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFeedFiles(path, pattern)));
    else if (entry.isFile() && pattern.test(entry.name)) found.push(path);
  }
  return found.sort();
}

function parseText(text: string, format?: 'json' | 'yaml'): unknown {
  // Neither JSON nor YAML allows raw control characters; refusing them up front spares the YAML parser
  // a slow walk through binary garbage.
  if (CONTROL_CHARACTER.test(text)) throw new FeedFormatError('not JSON or YAML text: it contains control characters');
  if ((format ?? (/^\s*[[{]/.test(text) ? 'json' : 'yaml')) === 'yaml') return parseYaml(text);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FeedFormatError(`not valid JSON: ${describeError(error)}`);
  }
}

/** Core schema only: no custom or language-specific tags (!!binary, !!js/...), no merge keys, capped aliases. */
function parseYaml(text: string): unknown {
  // OSV records in YAML are a few kilobytes; the yaml package reads about 150 KB/s of dense maps,
  // so a size cap is what keeps one upload from holding the event loop for seconds.
  if (text.length > MAX_YAML_CHARS) throw new FeedFormatError(`YAML OSV documents are limited to ${MAX_YAML_CHARS / 1024} KiB (this one has ${text.length} characters); send larger ones as JSON`);
  const read = readYaml(text, { maxChars: MAX_YAML_CHARS, maxAliases: MAX_YAML_ALIASES });
  if (!read.ok) throw new FeedFormatError(`not valid YAML: ${read.problems[0]?.reason}`);
  return read.value;
}

function recordId(json: JsonObject): string {
  const id = json.id;
  if (typeof id !== 'string' || id === '') {
    throw new FeedRecordError('(no id)', id === undefined ? 'id: required' : `id: expected a non-empty string, got ${typeName(id)}`);
  }
  if (!ID_PATTERN.test(id)) throw new FeedRecordError(id.slice(0, 80), 'id: not a valid advisory id');
  return id;
}

function timestamp(f: Fields, key: string): string {
  const value = f.string(key);
  if (!TIMESTAMP_PATTERN.test(value) || Number.isNaN(Date.parse(value))) f.fail(key, `'${value.slice(0, 40)}' is not an RFC 3339 timestamp`);
  return value;
}

function optTimestamp(f: Fields, key: string): string | null {
  return f.has(key) ? timestamp(f, key) : null;
}

function parseSeverity(f: Fields): NormalizedAdvisory['severity'] {
  return f.objects('severity').map((entry) => ({ type: entry.string('type'), score: entry.string('score') }));
}

function uniqueSeverities(severities: NormalizedAdvisory['severity']): NormalizedAdvisory['severity'] {
  const seen = new Set<string>();
  return severities.filter(({ type, score }) => {
    const key = `${type}\n${score}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isMalicious(id: string, aliases: string[], databaseSpecific: unknown): boolean {
  if ([id, ...aliases].some((name) => name.startsWith('MAL-'))) return true;
  if (!isObject(databaseSpecific)) return false;
  const cwes = databaseSpecific.cwe_ids;
  return (
    databaseSpecific.malicious === true ||
    databaseSpecific['malicious-packages-origins'] !== undefined ||
    (Array.isArray(cwes) && cwes.includes(MALWARE_CWE))
  );
}

/** Entries naming no package (bare GIT ranges) are dropped: matching is keyed by (ecosystem, name). */
function parseAffected(entry: Fields): AdvisoryAffected[] {
  const pkg = entry.optObject('package');
  if (!pkg) return [];
  return [
    {
      ecosystem: pkg.string('ecosystem'),
      name: pkg.string('name'),
      purl: pkg.optString('purl'),
      versions: entry.stringArray('versions'),
      ranges: entry.objects('ranges').map(parseRange),
    },
  ];
}

function parseRange(range: Fields): AdvisoryRange {
  const type = range.string('type');
  const events = range.objects('events').map(parseEvent);
  if (!events.some((event) => event.introduced !== undefined)) range.fail('events', 'range has no introduced event');
  return { type, events };
}

function parseEvent(event: Fields): AdvisoryRange['events'][number] {
  const keys = EVENT_KEYS.filter((key) => event.has(key));
  if (keys.length !== 1) event.fail('', `an event needs exactly one of ${EVENT_KEYS.join(', ')}`);
  return { [keys[0]]: event.string(keys[0]) };
}
