// Turns a parsed SBOM into the rows the repository stores: component identity, and where each
// component sits in the product's dependency graph. Pure and synchronous; runs before any
// transaction opens (in the reader's worker thread, sboms.reader.ts).
import { createHash } from 'node:crypto';
import { tryParsePurl } from '../purl/index.js';
import { parseSbom, type ParsedComponent, type ParsedSbom } from './parsers/index.js';
import { identityOfName, identityOfPurl } from './sboms.identity.js';
import type { SbomComponentsTable } from './sboms.tables.js';

export type ComponentRow = Omit<SbomComponentsTable, 'sbom_id'>;

export interface PreparedSbom {
  components: ComponentRow[];
  /** [from idx, to idx]; idx 0 is the document's root component. */
  edges: Array<[number, number]>;
}

/**
 * Paths from the product root are stored as (depth, via_idx): the length of a shortest path from
 * the root and the previous hop on it, found by one breadth-first walk at ingest. That costs two
 * integers per component whatever the graph looks like, where storing whole paths would grow with
 * depth × components (quadratic for a hostile 10,000-long chain), and walking edges at query time
 * would read a whole SBOM for every hit. A query rebuilds a path by following via_idx, which is a
 * chain of primary-key lookups inside one SBOM (one recursive query per page of results).
 *
 * The walk follows dependency edges and containment (a component nested in, or CONTAINED by,
 * another). Components the root does not reach are placed under the root as if it listed them:
 * first those nothing else depends on (an SBOM without a dependency graph lists every component
 * at the top level, and each is then direct), then, for parts only reachable through a cycle
 * among themselves, the first such component in document order. Cycles are legal in both
 * formats (npm has them) and never make the walk loop: each component is visited once.
 */
export function prepareSbom(sbom: ParsedSbom): PreparedSbom {
  const all: ParsedComponent[] = sbom.components;
  const n = all.length;
  const idxOf = new Map<string, number>();
  if (sbom.root) idxOf.set(sbom.root.ref, 0);
  for (let i = 0; i < n; i++) idxOf.set(all[i].ref, i + 1);

  const edges: Array<[number, number]> = [];
  for (const dependency of sbom.dependencies) {
    const from = idxOf.get(dependency.from);
    const to = idxOf.get(dependency.to);
    if (from !== undefined && to !== undefined) edges.push([from, to]);
  }
  const parentIdx = new Int32Array(n + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    const parent = all[i].parentRef;
    if (parent !== null) parentIdx[i + 1] = idxOf.get(parent) ?? -1;
  }

  const { depth, via } = walk(n, edges, parentIdx, sbom.root !== null);

  const components: ComponentRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = all[i];
    const idx = i + 1;
    const purl = c.purl ? tryParsePurl(c.purl) : null;
    const identity = purl ? identityOfPurl(purl) : identityOfName(c.name, c.group);
    components[i] = {
      idx,
      ref: purl && c.ref === c.purl ? null : c.ref,
      name: c.name,
      group_name: c.group,
      version: c.version ?? purl?.version ?? null,
      purl: purl ? c.purl : null,
      purl_type: purl?.type ?? null,
      purl_namespace: purl?.namespace ?? null,
      purl_name: purl?.name ?? null,
      purl_qualifiers: purl?.qualifiers ? JSON.stringify(purl.qualifiers) : null,
      ecosystem: identity.ecosystem,
      package_name: identity.packageName,
      name_key: identity.nameKey,
      cpe: c.cpe,
      type: c.type,
      scope: c.scope,
      supplier: c.supplier,
      licenses: c.licenses.length ? JSON.stringify(c.licenses) : null,
      hashes: c.hashes.length ? JSON.stringify(hashObject(c)) : null,
      parent_idx: parentIdx[idx] >= 0 ? parentIdx[idx] : null,
      depth: depth[idx],
      via_idx: via[idx],
      direct: depth[idx] === 1 ? 1 : 0,
    };
  }
  return { components, edges };
}

function hashObject(c: ParsedComponent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of c.hashes) if (!(h.alg in out)) out[h.alg] = h.value;
  return out;
}

/** Multi-source breadth-first walk over nodes 0..n (0 = root) in compressed adjacency arrays. */
function walk(n: number, edges: Array<[number, number]>, parentIdx: Int32Array, hasRoot: boolean) {
  const size = n + 1;
  const outDegree = new Int32Array(size + 1);
  const incoming = new Uint8Array(size);
  const links: Array<[number, number]> = edges.slice();
  for (let i = 1; i < size; i++) if (parentIdx[i] >= 0) links.push([parentIdx[i], i]);
  for (const [from, to] of links) {
    outDegree[from + 1]++;
    if (from !== to) incoming[to] = 1;
  }
  for (let i = 0; i < size; i++) outDegree[i + 1] += outDegree[i];
  const start = outDegree;
  const fill = start.slice(0, size);
  const targets = new Int32Array(links.length);
  for (const [from, to] of links) targets[fill[from]++] = to;

  const depth = new Int32Array(size).fill(-1);
  const via = new Int32Array(size);
  const queue = new Int32Array(size);
  let head = 0;
  let tail = 0;
  const run = () => {
    while (head < tail) {
      const node = queue[head++];
      for (let e = start[node]; e < start[node + 1]; e++) {
        const next = targets[e];
        if (depth[next] !== -1) continue;
        depth[next] = depth[node] + 1;
        via[next] = node;
        queue[tail++] = next;
      }
    }
  };
  const seed = (node: number) => {
    depth[node] = 1;
    via[node] = 0;
    queue[tail++] = node;
  };
  depth[0] = 0;
  if (hasRoot) {
    queue[tail++] = 0;
    run();
  }
  for (let i = 1; i < size; i++) if (depth[i] === -1 && !incoming[i]) seed(i);
  run();
  for (let i = 1; i < size; i++) {
    if (depth[i] !== -1) continue;
    seed(i);
    run();
  }
  return { depth, via };
}

/**
 * Edges as stored: (from idx, to idx) pairs of unsigned 32-bit little-endian integers, sorted by
 * from then to, so a listing can page through them in a stable order.
 */
export function packEdges(edges: Array<[number, number]>): Buffer {
  const sorted = edges.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const buffer = Buffer.allocUnsafe(sorted.length * 8);
  for (let i = 0; i < sorted.length; i++) {
    buffer.writeUInt32LE(sorted[i][0], i * 8);
    buffer.writeUInt32LE(sorted[i][1], i * 8 + 4);
  }
  return buffer;
}

export function unpackEdges(packed: Uint8Array): Array<[number, number]> {
  const buffer = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const edges: Array<[number, number]> = new Array(Math.floor(buffer.length / 8));
  for (let i = 0; i < edges.length; i++) edges[i] = [buffer.readUInt32LE(i * 8), buffer.readUInt32LE(i * 8 + 4)];
  return edges;
}

/** A parser warning about a purl it dropped, with the pointer of the component that carried it. */
export interface PurlProblem {
  field: string;
  reason: string;
}

const INVALID_PURL = /^(.*?): (invalid purl ".*)$/s;

/** The parser keeps going past a bad purl (it drops it with a warning); uploads refuse them unless lenient. */
export function invalidPurls(sbom: ParsedSbom): PurlProblem[] {
  const problems: PurlProblem[] = [];
  for (const warning of sbom.warnings) {
    const match = INVALID_PURL.exec(warning);
    if (match) problems.push({ field: match[1] || '/', reason: match[2].replace(/ dropped \(/, ' (') });
  }
  return problems;
}

/** What an SBOM says about itself: the document-level facts stored on its row. */
export type SbomFacts = Pick<ParsedSbom, 'format' | 'encoding' | 'specVersion' | 'serialNumber' | 'createdAt' | 'tools' | 'warnings'> & {
  root: Pick<ParsedComponent, 'ref' | 'name' | 'version' | 'purl' | 'cpe'> | null;
};

/** An uploaded document read into what the upload stores: everything but the database work. */
export interface ReadSbom {
  facts: SbomFacts;
  components: ComponentRow[];
  edgeCount: number;
  /** The edges as packEdges stores them. */
  packedEdges: Buffer;
  sha256: string;
  /** Purls the parser had to drop; when some are and the upload is not lenient, no rows are prepared. */
  badPurls: PurlProblem[];
  badPurlCount: number;
}

/** PostgreSQL text cannot hold U+0000; a document may. Stored copies get U+FFFD (the original is kept byte-exact). */
export function clean<T extends string | null>(text: T): T {
  return (text !== null && text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text) as T;
}

/** Whether the document may spell U+0000 (a NUL byte, also any UTF-16 text; a JSON escape; an XML character reference). */
function mayHoldNul(body: Uint8Array): boolean {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return bytes.includes(0) || bytes.includes('\\u0000') || bytes.includes('&#');
}

const TEXT_COLUMNS = ['ref', 'name', 'group_name', 'version', 'purl', 'purl_type', 'purl_namespace', 'purl_name', 'purl_qualifiers', 'package_name', 'name_key', 'cpe', 'type', 'scope', 'supplier', 'licenses', 'hashes'] as const;

/**
 * Parses, validates and prepares an uploaded document: the CPU-bound half of an upload. Throws
 * SbomParseError for a document that cannot be read.
 */
export function readSbom(body: Uint8Array, options: { maxBytes: number; lenient?: boolean }): ReadSbom {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const parsed = parseSbom(bytes, { maxBytes: options.maxBytes });
  const facts: SbomFacts = {
    format: parsed.format,
    encoding: parsed.encoding,
    specVersion: parsed.specVersion,
    serialNumber: parsed.serialNumber,
    createdAt: parsed.createdAt,
    tools: parsed.tools,
    warnings: parsed.warnings,
    root: parsed.root && { ref: parsed.root.ref, name: parsed.root.name, version: parsed.root.version, purl: parsed.root.purl, cpe: parsed.root.cpe },
  };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const badPurls = invalidPurls(parsed);
  if (badPurls.length && !options.lenient) {
    return { facts, components: [], edgeCount: 0, packedEdges: Buffer.alloc(0), sha256, badPurls: badPurls.slice(0, 20), badPurlCount: badPurls.length };
  }
  const prepared = prepareSbom(parsed);
  if (mayHoldNul(bytes)) {
    for (const row of prepared.components) {
      for (const key of TEXT_COLUMNS) {
        const value = row[key];
        if (value !== null && value.includes('\u0000')) (row as Record<string, unknown>)[key] = clean(value);
      }
    }
  }
  return { facts, components: prepared.components, edgeCount: prepared.edges.length, packedEdges: packEdges(prepared.edges), sha256, badPurls: [], badPurlCount: 0 };
}
