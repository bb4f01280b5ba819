// NVD CVE JSON 2.0: CVE API 2.0 answers ({ vulnerabilities: [{ cve }] }, one page per file), single
// `cve` objects (one file per CVE, as public mirrors store them), directory trees and .zip archives of
// those, any of them gzipped. Each CVE becomes one advisory of source 'nvd'; a bad CVE is reported
// with its id and the field at fault while the others import.
import { CpeError, parseCpe } from '../../purl/cpe.js';
import { cpeKey, type CpeCriterion, type CpeEntryPayload } from '../../purl/cpe-match.js';
import type { AdvisoryKev, CpeConfiguration, CpeNode, CvssMetric, NormalizedAdvisory, ParseOutcome } from './model.js';
import { FeedFormatError, FeedRecordError, collectRecord, describeError } from './errors.js';
import { type FeedInput, Fields, type JsonObject, decodeText, isFeedInput, isObject, typeName } from './json.js';
import { cvssRating, tryParseCvss } from './cvss.js';
import { AdvisorySink, type OnAdvisory, type OsvReadOptions, readFeedDirectory } from './osv.js';
import { DEFAULT_ZIP_LIMITS, type ZipLimits, openZip } from './zip.js';

export const NVD_SOURCE = 'nvd';

/** What one record may hold. NVD's largest records have a few thousand cpeMatch entries. */
export const NVD_LIMITS = {
  configurations: 1_000,
  nodesPerConfiguration: 100,
  cpeMatches: 5_000,
  /** Platform criteria repeated over a record's index entries (each entry carries its configuration's platforms). */
  platformReferences: 100_000,
  versionLength: 256,
  criteriaLength: 1_000,
  references: 5_000,
};

/** NVD API pages are up to 2,000 CVEs (tens of MB); an archive entry may be that big. */
const NVD_ZIP_LIMITS: ZipLimits = { ...DEFAULT_ZIP_LIMITS, maxEntryBytes: 128 * 1024 * 1024 };
const NVD_FILE = /\.json(\.gz)?$/i;
const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;
// NVD writes UTC timestamps without a zone ("2023-03-30T17:15:06.830"); some copies add one.
const NVD_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CWE = /^CWE-\d{1,6}$/;
const METRIC_KEYS: Array<[string, string]> = [
  ['cvssMetricV40', 'CVSS_V4'],
  ['cvssMetricV31', 'CVSS_V3'],
  ['cvssMetricV30', 'CVSS_V3'],
  ['cvssMetricV2', 'CVSS_V2'],
];
const VERSION_BOUNDS = ['versionStartIncluding', 'versionStartExcluding', 'versionEndIncluding', 'versionEndExcluding'] as const;
const SUMMARY_LENGTH = 240;

/** Validates and normalises one `cve` object; throws FeedRecordError naming the CVE and the bad field. */
export function parseNvdCve(json: unknown, label = '(record)'): NormalizedAdvisory {
  if (!isObject(json)) throw new FeedRecordError(label, `expected a cve object, got ${typeName(json)}`);
  const id = json.id;
  if (typeof id !== 'string' || !CVE_ID.test(id)) {
    throw new FeedRecordError(typeof id === 'string' && id ? id.slice(0, 80) : label, id === undefined ? 'id: required' : `id: ${typeof id === 'string' ? `'${id.slice(0, 40)}' is not a CVE id` : `expected a string, got ${typeName(id)}`}`);
  }
  const f = new Fields(json, id);
  const modified = timestamp(f, 'lastModified');
  const status = f.optString('vulnStatus');
  const description = englishText(f, 'descriptions');
  const rejected = status === 'Rejected' || /^\*\* ?REJECT ?\*\*/.test(description ?? '');
  const scored = parseMetrics(f);
  const metrics = scored.map((s) => s.metric);
  const configurations = parseConfigurations(f);
  return {
    id,
    aliases: [],
    source: NVD_SOURCE,
    summary: description === null ? null : summaryOf(description),
    details: description,
    published: f.has('published') ? timestamp(f, 'published') : null,
    modified,
    withdrawn: rejected ? modified : null,
    severity: uniqueVectors(metrics),
    cvss: primaryCvss(scored.filter((s) => s.ours).map((s) => s.metric)),
    malicious: false,
    affected: [],
    references: references(f),
    cwes: weaknesses(f),
    nvdStatus: status ?? undefined,
    kev: kevFields(f),
    cvssMetrics: metrics,
    cpeConfigurations: configurations,
  };
}

/**
 * One NVD JSON document: an API answer, a `cve` object, a `{ cve }` item or an array of either,
 * as text, bytes (gzipped or not) or parsed.
 */
export function parseNvdDocument(input: FeedInput | unknown): ParseOutcome<NormalizedAdvisory> {
  const document = isFeedInput(input) ? parseJsonText(decodeText(input)) : input;
  const outcome: ParseOutcome<NormalizedAdvisory> = { items: [], errors: [] };
  const add = (record: unknown, label: string) => collectRecord(() => parseNvdCve(isObject(record) && record.cve !== undefined ? record.cve : record, label), outcome.items, outcome.errors);
  if (Array.isArray(document)) {
    document.forEach((record, i) => add(record, `[${i}]`));
    return outcome;
  }
  if (!isObject(document)) throw new FeedFormatError(`an NVD document is a CVE API answer or a cve object, got ${typeName(document)}`);
  if (Array.isArray(document.CVE_Items)) throw new FeedFormatError('this is an NVD 1.1 data feed (CVE_Items), retired by NVD in 2023: use CVE API 2.0 JSON');
  // The KEV catalog also has a `vulnerabilities` array: without this, each entry would be refused as a record with no id.
  if (document.catalogVersion !== undefined && Array.isArray(document.vulnerabilities) && isObject(document.vulnerabilities[0]) && 'cveID' in document.vulnerabilities[0]) {
    throw new FeedFormatError('this is a CISA KEV catalog, not NVD CVE JSON: import it as kev (thirdwatch feeds import kev FILE)');
  }
  if (document.vulnerabilities !== undefined) {
    if (!Array.isArray(document.vulnerabilities)) throw new FeedFormatError(`vulnerabilities: expected an array, got ${typeName(document.vulnerabilities)}`);
    document.vulnerabilities.forEach((item, i) => add(item, `vulnerabilities[${i}]`));
    outcome.meta = pageMeta(document);
    return outcome;
  }
  if (isObject(document.cve) || document.id !== undefined) {
    add(document, '(record)');
    return outcome;
  }
  throw new FeedFormatError('an NVD document is a CVE API 2.0 answer ({ "vulnerabilities": [...] }) or a cve object ({ "id": "CVE-…", … })');
}

/** A .zip of NVD JSON files (API pages or one file per CVE, .json or .json.gz), streamed entry by entry. */
export async function readNvdZip(input: string | Uint8Array, onRecord?: OnAdvisory, options: OsvReadOptions = {}): Promise<ParseOutcome<NormalizedAdvisory>> {
  const zip = await openZip(input, { ...NVD_ZIP_LIMITS, ...options.limits });
  const sink = new AdvisorySink(onRecord);
  for await (const entry of zip.entries()) {
    if (entry.error !== undefined) sink.errors.push({ record: `entry ${entry.name}`, reason: entry.error });
    else if (NVD_FILE.test(entry.name)) await sink.add(parseNvdFile(entry.name, entry.data));
    options.onProgress?.(zip.entriesRead, zip.entryCount);
  }
  return sink.outcome(zip.entryCount);
}

/** Every *.json / *.json.gz below dir, as a mirror stores them (CVE-2023/CVE-2023-290xx/CVE-2023-29059.json). */
export function readNvdDirectory(dir: string, onRecord?: OnAdvisory, options: OsvReadOptions = {}): Promise<ParseOutcome<NormalizedAdvisory>> {
  return readFeedDirectory(dir, { pattern: NVD_FILE, what: 'NVD', limits: { ...NVD_ZIP_LIMITS, ...options.limits } }, parseNvdFile, onRecord, options.onProgress);
}

function parseNvdFile(name: string, bytes: Uint8Array): ParseOutcome<NormalizedAdvisory> {
  try {
    const outcome = parseNvdDocument(bytes);
    // Errors name the file as well: "CVE-…" alone does not say which page of an archive held it.
    for (const error of outcome.errors) if (!error.record.startsWith('CVE-')) error.record = `entry ${name} ${error.record}`;
    return outcome;
  } catch (error) {
    if (!(error instanceof FeedFormatError)) throw error;
    return { items: [], errors: [{ record: `entry ${name}`, reason: error.message }] };
  }
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FeedFormatError(`not valid JSON: ${describeError(error)}`);
  }
}

function pageMeta(document: JsonObject): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const key of ['resultsPerPage', 'startIndex', 'totalResults', 'format', 'version', 'timestamp']) {
    const value = document[key];
    if (typeof value === 'string' || typeof value === 'number') meta[key] = String(value);
  }
  return meta;
}

// ---------------------------------------------------------------------------------------------
// Fields

function timestamp(f: Fields, key: string): string {
  const value = f.string(key);
  if (!NVD_TIMESTAMP.test(value)) f.fail(key, `'${value.slice(0, 40)}' is not a timestamp`);
  const zoned = /(Z|[+-]\d{2}:\d{2})$/i.test(value) ? value : `${value}Z`;
  if (Number.isNaN(Date.parse(zoned))) f.fail(key, `'${value.slice(0, 40)}' is not a timestamp`);
  return zoned;
}

function optDate(f: Fields, key: string): string | null {
  const value = f.optString(key);
  if (value !== null && (!DATE.test(value) || Number.isNaN(Date.parse(value)))) f.fail(key, `'${value.slice(0, 40)}' is not a YYYY-MM-DD date`);
  return value;
}

/** The English entry of a [{ lang, value }] list (NVD always has one; the first entry otherwise). */
function englishText(f: Fields, key: string): string | null {
  const entries = f.objects(key).map((entry) => ({ lang: entry.optString('lang') ?? '', value: entry.string('value') }));
  const english = entries.find((e) => e.lang === 'en') ?? entries.find((e) => e.lang.toLowerCase().startsWith('en')) ?? entries[0];
  return english ? english.value : null;
}

/** The first sentence of the description, or its start, as the one-line summary lists show. */
function summaryOf(description: string): string {
  const text = description.trim().replace(/\s+/g, ' ');
  const sentence = /^.+?[.!?](?=\s|$)/.exec(text)?.[0] ?? text;
  return sentence.length <= SUMMARY_LENGTH ? sentence : `${sentence.slice(0, SUMMARY_LENGTH - 1)}…`;
}

/** Every metric, and whether its vector parsed (we scored it ourselves, as for every other source). */
function parseMetrics(f: Fields): Array<{ metric: CvssMetric; ours: boolean }> {
  const metrics = f.optObject('metrics');
  if (!metrics) return [];
  const out: Array<{ metric: CvssMetric; ours: boolean }> = [];
  for (const [key, hint] of METRIC_KEYS) {
    for (const metric of metrics.objects(key)) {
      const data = metric.optObject('cvssData') ?? metric.fail('cvssData', 'required');
      const vector = data.string('vectorString');
      const given = metric.optString('type') ?? 'Secondary';
      const type = given === 'Primary' || given === 'Secondary' ? given : metric.fail('type', `expected Primary or Secondary, got '${given.slice(0, 20)}'`);
      const stated = data.obj.baseScore;
      if (stated !== undefined && (typeof stated !== 'number' || !(stated >= 0 && stated <= 10))) data.fail('baseScore', `expected a number from 0 to 10, got ${typeName(stated)}`);
      // Our own scoring of the vector where it parses, else NVD's figure.
      const parsed = scored(vector, hint);
      const version = parsed?.version ?? data.optString('version') ?? hint;
      const baseScore = parsed?.baseScore ?? (typeof stated === 'number' ? stated : null);
      if (baseScore === null) continue;
      out.push({ metric: { version, vector, baseScore, rating: cvssRating(baseScore, version), source: metric.optString('source') ?? '', type }, ours: parsed !== null });
    }
  }
  return out;
}

// The same few thousand vectors recur over all of NVD: each is scored once (bounded, cleared when full).
const SCORES = new Map<string, ReturnType<typeof tryParseCvss>>();
const CACHE_LIMIT = 50_000;

function scored(vector: string, hint: string): ReturnType<typeof tryParseCvss> {
  const key = `${hint} ${vector}`;
  let cvss = SCORES.get(key);
  if (cvss === undefined) {
    if (SCORES.size >= CACHE_LIMIT) SCORES.clear();
    cvss = tryParseCvss(vector, hint);
    SCORES.set(key, cvss);
  }
  return cvss && { ...cvss };
}

/** The record's rating, as recordRating (advisories.service.ts) chooses it: Primary first, then the newest CVSS version, then the highest score. */
function primaryCvss(valid: CvssMetric[]): NormalizedAdvisory['cvss'] {
  const best = [...valid].sort((x, y) => Number(y.type === 'Primary') - Number(x.type === 'Primary') || Number(y.version) - Number(x.version) || y.baseScore - x.baseScore)[0];
  return best ? { version: best.version, vector: best.vector, baseScore: best.baseScore, rating: best.rating } : null;
}

function uniqueVectors(metrics: CvssMetric[]): NormalizedAdvisory['severity'] {
  const seen = new Set<string>();
  const out: NormalizedAdvisory['severity'] = [];
  for (const m of metrics) {
    const type = m.version === '4.0' ? 'CVSS_V4' : m.version === '2.0' ? 'CVSS_V2' : 'CVSS_V3';
    if (seen.has(m.vector)) continue;
    seen.add(m.vector);
    out.push({ type, score: m.vector });
  }
  return out;
}

function weaknesses(f: Fields): string[] {
  const cwes = new Set<string>();
  for (const weakness of f.objects('weaknesses')) {
    for (const d of weakness.objects('description')) {
      const value = d.string('value');
      if (CWE.test(value)) cwes.add(value);
    }
  }
  return [...cwes];
}

function references(f: Fields): string[] {
  const refs = f.objects('references');
  if (refs.length > NVD_LIMITS.references) f.fail('references', `${refs.length} references, more than ${NVD_LIMITS.references}`);
  return [...new Set(refs.map((r) => r.string('url')))];
}

function kevFields(f: Fields): AdvisoryKev | undefined {
  const dateAdded = optDate(f, 'cisaExploitAdd');
  if (dateAdded === null) return undefined;
  return { dateAdded, actionDue: optDate(f, 'cisaActionDue'), requiredAction: f.optString('cisaRequiredAction'), vulnerabilityName: f.optString('cisaVulnerabilityName') };
}

// ---------------------------------------------------------------------------------------------
// Configurations

function operator(f: Fields, key: string): 'AND' | 'OR' {
  const value = f.optString(key) ?? 'OR';
  if (value !== 'AND' && value !== 'OR') f.fail(key, `expected AND or OR, got '${value.slice(0, 20)}'`);
  return value;
}

function flag(f: Fields, key: string): boolean {
  const value = f.obj[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') f.fail(key, `expected true or false, got ${typeName(value)}`);
  return value;
}

function parseConfigurations(f: Fields): CpeConfiguration[] {
  const configurations = f.objects('configurations');
  if (configurations.length > NVD_LIMITS.configurations) f.fail('configurations', `${configurations.length} configurations, more than ${NVD_LIMITS.configurations}`);
  let matches = 0;
  let platformReferences = 0;
  return configurations.map((configuration) => {
    const nodes = configuration.objects('nodes');
    if (nodes.length > NVD_LIMITS.nodesPerConfiguration) configuration.fail('nodes', `${nodes.length} nodes, more than ${NVD_LIMITS.nodesPerConfiguration}`);
    const parsed: CpeConfiguration = {
      operator: operator(configuration, 'operator'),
      negate: flag(configuration, 'negate'),
      nodes: nodes.map((node): CpeNode => {
        // NVD 1.1 nested nodes in `children`; in 2.0 a configuration's nodes are flat.
        if (node.has('children')) node.fail('children', 'NVD CVE 2.0 configuration nodes do not nest');
        const cpeMatch = node.objects('cpeMatch');
        matches += cpeMatch.length;
        if (matches > NVD_LIMITS.cpeMatches) f.fail('configurations', `more than ${NVD_LIMITS.cpeMatches} cpeMatch entries`);
        return { operator: operator(node, 'operator'), negate: flag(node, 'negate'), cpeMatch: cpeMatch.map(parseCriterion) };
      }),
    };
    platformReferences += platformsRepeated(parsed);
    if (platformReferences > NVD_LIMITS.platformReferences) f.fail('configurations', `${NVD_LIMITS.platformReferences} running-on platforms repeated over the vulnerable CPEs, too many to index`);
    return parsed;
  });
}

/** How many platform criteria the index entries of a configuration carry in all (see cpeIndexEntries). */
function platformsRepeated(configuration: CpeConfiguration): number {
  const live = configuration.nodes.filter((node) => !node.negate);
  const and = configuration.operator === 'AND' && !configuration.negate;
  const all = and ? live.reduce((n, node) => n + node.cpeMatch.length, 0) : 0;
  let total = 0;
  for (const node of live) {
    const vulnerable = node.cpeMatch.filter((c) => c.vulnerable).length;
    const others = and ? all - node.cpeMatch.length : 0;
    const siblings = node.operator === 'AND' ? node.cpeMatch.length - 1 : 0;
    total += vulnerable * (others + siblings);
  }
  return total;
}

function parseCriterion(m: Fields): CpeCriterion {
  const vulnerable = m.obj.vulnerable;
  if (typeof vulnerable !== 'boolean') m.fail('vulnerable', vulnerable === undefined ? 'required' : `expected true or false, got ${typeName(vulnerable)}`);
  const criteria = m.string('criteria');
  if (criteria.length > NVD_LIMITS.criteriaLength) m.fail('criteria', `longer than ${NVD_LIMITS.criteriaLength} characters`);
  checkCriteria(m, criteria);
  const criterion: CpeCriterion = { criteria, vulnerable };
  for (const bound of VERSION_BOUNDS) {
    const value = m.optString(bound);
    if (value === null) continue;
    if (value === '' || value.length > NVD_LIMITS.versionLength) m.fail(bound, value === '' ? 'empty' : `longer than ${NVD_LIMITS.versionLength} characters`);
    criterion[bound] = value;
  }
  return criterion;
}

/** A CPE 2.3 formatted string with all 13 components, each well quoted. */
function checkCriteria(m: Fields, criteria: string): void {
  if (!criteria.toLowerCase().startsWith('cpe:2.3:')) m.fail('criteria', `'${criteria.slice(0, 60)}' is not a CPE 2.3 formatted string`);
  const components = countComponents(criteria);
  if (components !== 13) m.fail('criteria', `'${criteria.slice(0, 60)}' has ${components} components, a CPE 2.3 name has 13`);
  if (KEYS.has(criteria)) return;
  try {
    rememberKey(criteria, cpeKey(parseCpe(criteria)));
  } catch (error) {
    if (!(error instanceof CpeError)) throw error;
    m.fail('criteria', `'${criteria.slice(0, 60)}': ${error.message.replace(/^cpe: /, '')}`);
  }
}

// Index keys of criteria parsed lately: the parser checks each criterion, the index writes its key.
const KEYS = new Map<string, string>();

function rememberKey(criteria: string, key: string): string {
  if (KEYS.size >= CACHE_LIMIT) KEYS.clear();
  KEYS.set(criteria, key);
  return key;
}

function keyOfCriteria(criteria: string): string {
  return KEYS.get(criteria) ?? rememberKey(criteria, cpeKey(parseCpe(criteria)));
}

function countComponents(criteria: string): number {
  let count = 1;
  for (let i = 0; i < criteria.length; i++) {
    if (criteria[i] === '\\') i++;
    else if (criteria[i] === ':') count++;
  }
  return count;
}

/**
 * The advisory index entries of a record's configurations: one per vulnerable criterion (of a node
 * that is not negated), with the platforms its configuration ANDs it with. Within a configuration
 * joined by AND, the other nodes are its platforms (each node a list of alternatives); within a
 * node joined by AND, the node's other criteria are, one each. Negated nodes cannot be said as
 * "runs on" and do not narrow. Identical entries are kept once.
 */
export function cpeIndexEntries(configurations: CpeConfiguration[], record = '(record)'): Array<{ key: string; payload: CpeEntryPayload }> {
  return [...cpeEntryMap(configurations, record).values()];
}

/**
 * The index entries grouped by CPE key, in first-seen order: one advisory_packages row per key of a
 * record (its `ranges` are the payloads), so a product NVD lists in many versions is one row.
 */
export function cpeIndexRows(configurations: CpeConfiguration[], record = '(record)'): Array<{ key: string; payloads: CpeEntryPayload[] }> {
  const rows = new Map<string, CpeEntryPayload[]>();
  for (const { key, payload } of cpeEntryMap(configurations, record).values()) {
    const list = rows.get(key);
    if (list) list.push(payload);
    else rows.set(key, [payload]);
  }
  return [...rows].map(([key, payloads]) => ({ key, payloads }));
}

function cpeEntryMap(configurations: CpeConfiguration[], record: string): Map<string, { key: string; payload: CpeEntryPayload }> {
  const entries = new Map<string, { key: string; payload: CpeEntryPayload }>();
  let references = 0;
  for (const configuration of configurations) {
    const and = configuration.operator === 'AND' && !configuration.negate;
    configuration.nodes.forEach((node, n) => {
      if (node.negate) return;
      const others = and ? configuration.nodes.filter((other, o) => o !== n && !other.negate && other.cpeMatch.length).map((other) => other.cpeMatch) : [];
      // Identical entries are recognised by their criterion and platforms; the node's platforms are spelled once.
      const othersText = others.length ? JSON.stringify(others) : '';
      node.cpeMatch.forEach((criterion, c) => {
        if (!criterion.vulnerable) return;
        const siblings = node.operator === 'AND' ? node.cpeMatch.filter((_, s) => s !== c).map((sibling) => [sibling]) : [];
        const platforms = siblings.length ? [...others, ...siblings] : others;
        references += platforms.reduce((count, alternatives) => count + alternatives.length, 0);
        if (references > NVD_LIMITS.platformReferences) throw new FeedRecordError(record, `configurations: ${NVD_LIMITS.platformReferences} running-on platforms repeated over the vulnerable CPEs, too many to index`);
        const identity = `${criterionText(criterion)}\u0000${siblings.length ? JSON.stringify(platforms) : othersText}`;
        if (entries.has(identity)) return;
        entries.set(identity, { key: keyOfCriteria(criterion.criteria), payload: { type: 'CPE', criterion, platforms: platforms.length ? platforms : null } });
      });
    });
  }
  return entries;
}

function criterionText(c: CpeCriterion): string {
  return `${c.criteria}\u0000${c.versionStartIncluding ?? ''}\u0000${c.versionStartExcluding ?? ''}\u0000${c.versionEndIncluding ?? ''}\u0000${c.versionEndExcluding ?? ''}`;
}
