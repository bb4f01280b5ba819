// Builds a ParsedSbom from a CycloneDX BOM in its JSON shape. The XML parser converts to this
// shape first, so both encodings share one walk.
import {
  SbomAssembler,
  asObject,
  canonicalPurl,
  clip,
  describeType,
  emptyComponent,
  isObject,
  isPlainString,
  normaliseHash,
  optArray,
  optObject,
  optString,
  reqString,
  stringArray,
  type JsonObject,
  type ParseLimits,
  type Warnings,
} from './common.js';
import { SbomParseError, type ComponentScope, type ParsedComponent, type ParsedHash, type ParsedSbom } from './model.js';

const CYCLONEDX_VERSIONS: readonly string[] = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6'];

const SCOPES = new Set<string>(['required', 'optional', 'excluded']);

/** Components in document order, with each one's pointer and enclosing component's index (-1: none). */
interface Walked {
  components: ParsedComponent[];
  pointers: string[];
  parents: number[];
}

interface Pending {
  node: unknown;
  pointer: string;
  depth: number;
  parent: number;
}

export function buildCycloneDx(doc: unknown, encoding: 'json' | 'xml', limits: ParseLimits): ParsedSbom {
  const bom = asObject(doc, '');
  return buildCycloneDxParts(bom, () => optArray(bom, 'components', ''), () => optArray(bom, 'dependencies', ''), encoding, limits);
}

/**
 * The same, with the top-level components and dependencies taken from elsewhere than `bom` (which
 * may lack them): a large JSON document is read one of those elements at a time (cyclonedx-json.ts),
 * so that it is never all in memory as one parsed tree. Each list is asked for where buildCycloneDx
 * reads it, so that the same problem is found first either way.
 */
export function buildCycloneDxParts(
  bom: JsonObject,
  components: () => Iterable<unknown>,
  dependencies: () => Iterable<unknown>,
  encoding: 'json' | 'xml',
  limits: ParseLimits,
): ParsedSbom {
  const specVersion = readSpecVersion(bom);
  const metadata = optObject(bom, 'metadata', '');
  const rootNode = metadata && optObject(metadata, 'component', '/metadata');
  const assembler = new SbomAssembler(limits);
  const walked = walkComponents(components(), rootNode, limits, assembler.warnings);
  const serviceRefs = collectServiceRefs(bom, limits);
  addComponents(walked, serviceRefs, assembler);
  if (rootNode) assembler.setRoot(walked.components[0].ref);
  readDependencies(dependencies(), serviceRefs, assembler);
  return assembler.build({
    format: 'cyclonedx',
    encoding,
    specVersion,
    serialNumber: optString(bom, 'serialNumber', ''),
    createdAt: metadata && optString(metadata, 'timestamp', '/metadata'),
    tools: metadata ? readTools(metadata) : [],
  });
}

function readSpecVersion(bom: JsonObject): string {
  const value = bom.specVersion;
  if (typeof value === 'string' && CYCLONEDX_VERSIONS.includes(value)) return value;
  // Not String(value): an object with its own toString member (JSON can make one) throws there.
  const shown = typeof value === 'string' ? `"${clip(value)}"` : typeof value === 'number' || typeof value === 'boolean' ? String(value) : describeType(value);
  throw new SbomParseError(`unsupported CycloneDX specVersion ${shown}`, '/specVersion');
}

/**
 * Pre-order, iterative: a hostile 10,000-deep nesting hits maxDepth instead of the call stack.
 * Components without a bom-ref get ref '' here and a synthetic one in addComponents. The root and
 * what it nests come first, then each top-level component with what it nests.
 */
function walkComponents(tops: Iterable<unknown>, rootNode: JsonObject | null, limits: ParseLimits, warnings: Warnings): Walked {
  const walked: Walked = { components: [], pointers: [], parents: [] };
  const record = (component: ParsedComponent, pointer: string, parent: number) => {
    walked.components.push(component);
    walked.pointers.push(pointer);
    walked.parents.push(parent);
  };
  const stack: Pending[] = [];
  const drain = () => {
    for (let next = stack.pop(); next; next = stack.pop()) {
      if (next.depth > limits.maxDepth) {
        throw new SbomParseError(`components nested deeper than ${limits.maxDepth} levels (maxDepth)`, next.pointer);
      }
      record(readComponent(next.node, next.pointer, warnings), next.pointer, next.parent);
      const children = optArray(next.node as JsonObject, 'components', next.pointer);
      if (children.length) {
        pushChildren(stack, children, `${next.pointer}/components`, next.depth + 1, walked.components.length - 1);
      }
    }
  };
  if (rootNode) {
    const at = '/metadata/component';
    record(readComponent(rootNode, at, warnings), at, -1);
    pushChildren(stack, optArray(rootNode, 'components', at), `${at}/components`, 1, 0);
    drain();
  }
  let i = 0;
  for (const node of tops) {
    stack.push({ node, pointer: `/components/${i++}`, depth: 1, parent: -1 });
    drain();
  }
  return walked;
}

function pushChildren(stack: Pending[], nodes: readonly unknown[], pointer: string, depth: number, parent: number): void {
  for (let i = nodes.length - 1; i >= 0; i--) stack.push({ node: nodes[i], pointer: `${pointer}/${i}`, depth, parent });
}

function readComponent(node: unknown, pointer: string, warnings: Warnings): ParsedComponent {
  const obj = asObject(node, pointer);
  const component = emptyComponent(optString(obj, 'bom-ref', pointer) ?? '', reqString(obj, 'name', pointer));
  component.version = optString(obj, 'version', pointer);
  component.group = optString(obj, 'group', pointer);
  component.purl = canonicalPurl(optString(obj, 'purl', pointer), pointer, warnings);
  component.cpe = optString(obj, 'cpe', pointer);
  component.type = optString(obj, 'type', pointer);
  component.supplier = readSupplier(obj, pointer);
  component.licenses = readLicenses(obj, pointer);
  component.hashes = readHashes(obj, pointer, warnings);
  component.scope = readScope(obj, pointer, warnings);
  return component;
}

function readSupplier(obj: JsonObject, pointer: string): string | null {
  const supplier = optObject(obj, 'supplier', pointer);
  return supplier && optString(supplier, 'name', `${pointer}/supplier`);
}

function readLicenses(obj: JsonObject, pointer: string): string[] {
  const list = optArray(obj, 'licenses', pointer);
  const licenses: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const value = simpleLicense(list[i]) ?? checkedLicense(list[i], `${pointer}/licenses/${i}`);
    if (value && !licenses.includes(value)) licenses.push(value);
  }
  return licenses;
}

/** The common well-formed shapes, read without building pointers; undefined for anything else. */
function simpleLicense(item: unknown): string | undefined {
  if (!isObject(item)) return undefined;
  const { license, expression } = item;
  if (license === undefined) return isPlainString(expression) ? expression : undefined;
  if (!isObject(license)) return undefined;
  if (isPlainString(license.id)) return license.id;
  return license.id === undefined && isPlainString(license.name) ? license.name : undefined;
}

function checkedLicense(item: unknown, at: string): string | null {
  const choice = asObject(item, at);
  const license = optObject(choice, 'license', at);
  return license
    ? (optString(license, 'id', `${at}/license`) ?? optString(license, 'name', `${at}/license`))
    : optString(choice, 'expression', at);
}

interface RawHash {
  alg: string;
  content: string;
}

function readHashes(obj: JsonObject, pointer: string, warnings: Warnings): ParsedHash[] {
  const list = optArray(obj, 'hashes', pointer);
  const hashes: ParsedHash[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const { alg, content } = isSimpleHash(item) ? item : checkedHash(item, `${pointer}/hashes/${i}`);
    const parsed = normaliseHash(alg, content, pointer, warnings);
    if (parsed) hashes.push(parsed);
  }
  return hashes;
}

function isSimpleHash(item: unknown): item is RawHash {
  return isObject(item) && isPlainString(item.alg) && isPlainString(item.content);
}

function checkedHash(item: unknown, at: string): RawHash {
  const hash = asObject(item, at);
  return { alg: reqString(hash, 'alg', at), content: reqString(hash, 'content', at) };
}

function readScope(obj: JsonObject, pointer: string, warnings: Warnings): ComponentScope | null {
  const scope = optString(obj, 'scope', pointer);
  if (scope === null || SCOPES.has(scope)) return scope as ComponentScope | null;
  warnings.add(`${pointer}/scope: unknown scope "${clip(scope)}" ignored`);
  return null;
}

/** Services are not components, but dependencies may point at them and their refs share one namespace. */
function collectServiceRefs(bom: JsonObject, limits: ParseLimits): Set<string> {
  const refs = new Set<string>();
  const stack: Array<{ nodes: readonly unknown[]; pointer: string; depth: number }> = [
    { nodes: optArray(bom, 'services', ''), pointer: '/services', depth: 1 },
  ];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.nodes.length && next.depth > limits.maxDepth) {
      throw new SbomParseError(`services nested deeper than ${limits.maxDepth} levels (maxDepth)`, next.pointer);
    }
    next.nodes.forEach((node, i) => {
      const at = `${next.pointer}/${i}`;
      const service = asObject(node, at);
      const ref = optString(service, 'bom-ref', at);
      if (ref !== null && refs.has(ref)) throw new SbomParseError(`duplicate ref "${clip(ref)}"`, at);
      if (ref !== null) refs.add(ref);
      stack.push({ nodes: optArray(service, 'services', at), pointer: `${at}/services`, depth: next.depth + 1 });
    });
  }
  return refs;
}

function addComponents({ components, pointers, parents }: Walked, serviceRefs: Set<string>, assembler: SbomAssembler): void {
  let taken: Set<string> | null = null;
  let counter = 0;
  for (let i = 0; i < components.length; i++) {
    const component = components[i];
    if (component.ref === '') {
      taken ??= new Set([...serviceRefs, ...components.map((c) => c.ref)]);
      do component.ref = `urn:thirdwatch:synthetic-ref:${++counter}`;
      while (taken.has(component.ref));
    } else if (serviceRefs.has(component.ref)) {
      throw new SbomParseError(`duplicate ref "${clip(component.ref)}"`, pointers[i]);
    }
    if (parents[i] >= 0) component.parentRef = components[parents[i]].ref;
    assembler.add(component, pointers[i]);
  }
}

function readDependencies(list: Iterable<unknown>, serviceRefs: Set<string>, assembler: SbomAssembler): void {
  let i = -1;
  for (const item of list) {
    i++;
    const { ref, dependsOn } = isSimpleDependency(item) ? item : checkedDependency(item, `/dependencies/${i}`);
    const from = knownIndex(ref, i, serviceRefs, assembler);
    if (from < 0 || !dependsOn) continue;
    for (const target of dependsOn) {
      const to = knownIndex(target, i, serviceRefs, assembler);
      if (to >= 0) assembler.link(from, to);
    }
  }
}

interface RawDependency {
  ref: string;
  dependsOn?: readonly string[];
}

function isSimpleDependency(item: unknown): item is RawDependency {
  if (!isObject(item) || !isPlainString(item.ref)) return false;
  const { dependsOn } = item;
  return dependsOn === undefined || (Array.isArray(dependsOn) && dependsOn.every(isPlainString));
}

function checkedDependency(item: unknown, at: string): RawDependency {
  const dependency = asObject(item, at);
  return { ref: reqString(dependency, 'ref', at), dependsOn: stringArray(dependency, 'dependsOn', at) };
}

/** The component index of a dependency ref; unknown refs are reported (service refs quietly) and give -1. */
function knownIndex(ref: string, entry: number, serviceRefs: Set<string>, assembler: SbomAssembler): number {
  const index = assembler.indexOf(ref);
  if (index < 0 && !serviceRefs.has(ref)) {
    assembler.warnings.add(`/dependencies/${entry}: dependency ref "${clip(ref)}" matches no component; dropped`);
  }
  return index;
}

function readTools(metadata: JsonObject): string[] {
  const tools = metadata.tools;
  if (Array.isArray(tools)) return toolLabels(tools, '/metadata/tools');
  if (tools === undefined || tools === null) return [];
  const shaped = asObject(tools, '/metadata/tools');
  return [
    ...toolLabels(optArray(shaped, 'components', '/metadata/tools'), '/metadata/tools/components'),
    ...toolLabels(optArray(shaped, 'services', '/metadata/tools'), '/metadata/tools/services'),
  ];
}

function toolLabels(nodes: readonly unknown[], pointer: string): string[] {
  const labels: string[] = [];
  nodes.forEach((node, i) => {
    const at = `${pointer}/${i}`;
    const tool = asObject(node, at);
    const name = optString(tool, 'name', at);
    if (!name) return;
    const group = optString(tool, 'group', at);
    const version = optString(tool, 'version', at);
    labels.push(`${group ? `${group}/` : ''}${name}${version ? `@${version}` : ''}`);
  });
  return labels;
}
