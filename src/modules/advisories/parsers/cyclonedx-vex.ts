// CycloneDX VEX: the vulnerabilities of a BOM (standalone VEX BOM or embedded in an SBOM), with affects
// refs resolved to purls through the BOM's own components or, for BOM-Links, through the BOMs they name.
import type { ParseOutcome, VexAnalysisState, VexStatement, VexStatus } from './model.js';
import { FeedFormatError, FeedRecordError, collectRecord } from './errors.js';
import { Fields, type JsonObject, isObject, parseStorableJson, typeName } from './json.js';

export interface CycloneDxVexOptions {
  /** BOMs that BOM-Links (`urn:cdx:serial/version#bom-ref`) in the VEX may point into. */
  boms?: unknown[];
}

type Analysis = Pick<VexStatement, 'state' | 'justification' | 'responses' | 'detail'>;

const STATES: Record<string, VexAnalysisState> = {
  in_triage: 'in_triage',
  exploitable: 'exploitable',
  false_positive: 'false_positive',
  not_affected: 'not_affected',
  resolved: 'resolved',
  resolved_with_pedigree: 'resolved',
};

// A vulnerability listed without analysis is a plain finding against the component.
const STATUS_OF_STATE: Record<VexAnalysisState | 'none', VexStatus> = {
  none: 'affected',
  in_triage: 'under_investigation',
  exploitable: 'affected',
  false_positive: 'not_affected',
  not_affected: 'not_affected',
  resolved: 'fixed',
};

const STATUS_OF_VERSION: Record<string, VexStatus> = {
  affected: 'affected',
  unaffected: 'not_affected',
  unknown: 'under_investigation',
};

export function parseCycloneDxVex(input: unknown, options: CycloneDxVexOptions = {}): ParseOutcome<VexStatement> {
  const bom = parseBom(input);
  const vulnerabilities = bom.vulnerabilities ?? [];
  if (!Array.isArray(vulnerabilities)) throw new FeedFormatError('CycloneDX vulnerabilities must be an array');
  const resolver = new RefResolver(bom, (options.boms ?? []).map(parseBom));
  const batches: VexStatement[][] = [];
  const outcome: ParseOutcome<VexStatement> = { items: [], errors: [], meta: bomMeta(bom) };
  vulnerabilities.forEach((vulnerability, i) => {
    const label = isObject(vulnerability) && typeof vulnerability.id === 'string' ? vulnerability.id : `vulnerability ${i}`;
    collectRecord(() => parseVulnerability(vulnerability, label, resolver), batches, outcome.errors);
  });
  outcome.items = batches.flat();
  return outcome;
}

function parseBom(input: unknown): JsonObject {
  const bom = parseStorableJson(input, 'CycloneDX document');
  if (!isObject(bom) || bom.bomFormat !== 'CycloneDX') throw new FeedFormatError('not a CycloneDX JSON document (bomFormat)');
  return bom;
}

function bomMeta(bom: JsonObject): Record<string, string> {
  const meta: Record<string, string> = {};
  if (typeof bom.specVersion === 'string') meta.specVersion = bom.specVersion;
  if (typeof bom.serialNumber === 'string') meta.serialNumber = bom.serialNumber;
  return meta;
}

function parseVulnerability(vulnerability: unknown, label: string, resolver: RefResolver): VexStatement[] {
  if (!isObject(vulnerability)) throw new FeedRecordError(label, `expected an object, got ${typeName(vulnerability)}`);
  const f = new Fields(vulnerability, label);
  const id = f.string('id');
  const aliases = [...new Set(f.objects('references').map((reference) => reference.string('id')))].filter((alias) => alias !== id);
  const analysis = parseAnalysis(f.optObject('analysis'));
  const base = { vulnerability: id, aliases, ...analysis };
  const status = STATUS_OF_STATE[analysis.state ?? 'none'];
  const affects = f.objects('affects');
  // CycloneDX allows a vulnerability without affects; it is kept, with no product it can match.
  if (!affects.length) return [{ ...base, products: [], status }];
  return affects.flatMap((affected) => {
    const product = resolver.resolve(affected.string('ref'));
    const versions = affected.objects('versions');
    if (!versions.length) return [{ ...base, products: [product], status }];
    return versions.map((version) => ({
      ...base,
      products: [product],
      status: versionStatus(version) ?? status,
      affectedVersions: versionRange(version, product),
    }));
  });
}

function parseAnalysis(analysis: Fields | null): Analysis {
  if (!analysis) return { state: null, justification: null, responses: [], detail: null };
  const state = analysis.optString('state');
  if (state !== null && !(state in STATES)) analysis.fail('state', `'${state}' is not a CycloneDX analysis state`);
  return {
    state: state === null ? null : STATES[state],
    justification: analysis.optString('justification'),
    responses: analysis.stringArray('response'),
    detail: analysis.optString('detail'),
  };
}

function versionStatus(version: Fields): VexStatus | null {
  const status = version.optString('status');
  if (status === null) return null;
  if (!(status in STATUS_OF_VERSION)) version.fail('status', `'${status}' is not affected, unaffected or unknown`);
  return STATUS_OF_VERSION[status];
}

/** A `range` is already vers; a single `version` becomes a vers equality in the product's purl scheme. */
function versionRange(version: Fields, product: string): string {
  const range = version.optString('range');
  const exact = version.optString('version');
  if ((range === null) === (exact === null)) version.fail('', 'needs exactly one of version or range');
  if (range !== null) {
    if (!range.startsWith('vers:')) version.fail('range', `'${range.slice(0, 60)}' is not a vers range`);
    return range;
  }
  const scheme = /^pkg:([a-z0-9.+-]+)\//i.exec(product)?.[1].toLowerCase() ?? 'generic';
  return `vers:${scheme}/${encodeURIComponent(exact!)}`;
}

class RefResolver {
  private readonly own: Map<string, string>;
  private readonly bySerial = new Map<string, Map<string, string>>();

  constructor(bom: JsonObject, linked: JsonObject[]) {
    this.own = purlsByRef(bom);
    for (const other of [bom, ...linked]) {
      const serial = typeof other.serialNumber === 'string' ? other.serialNumber.replace(/^urn:uuid:/i, '') : null;
      if (serial) this.bySerial.set(serial.toLowerCase(), other === bom ? this.own : purlsByRef(other));
    }
  }

  /** The component's purl when known, else the ref itself (a bom-ref that is a purl stays one). */
  resolve(ref: string): string {
    const link = /^urn:cdx:([^/#]+)\/\d+#(.+)$/i.exec(ref);
    const bomRef = link ? decodeFragment(link[2]) : ref;
    const index = link ? this.bySerial.get(link[1].toLowerCase()) : this.own;
    return index?.get(bomRef) ?? (bomRef.startsWith('pkg:') ? bomRef : ref);
  }
}

/** bom-ref → purl over metadata.component and all nested components, without recursion (hostile nesting). */
function purlsByRef(bom: JsonObject): Map<string, string> {
  const purls = new Map<string, string>();
  const metadata = isObject(bom.metadata) ? bom.metadata : {};
  const stack: unknown[] = [metadata.component];
  pushAll(stack, bom.components);
  while (stack.length) {
    const component = stack.pop();
    if (!isObject(component)) continue;
    const ref = component['bom-ref'];
    if (typeof ref === 'string' && typeof component.purl === 'string') purls.set(ref, component.purl);
    pushAll(stack, component.components);
  }
  return purls;
}

function pushAll(stack: unknown[], items: unknown): void {
  if (Array.isArray(items)) for (const item of items) stack.push(item);
}

function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}
