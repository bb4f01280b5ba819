// SPDX 2.x, whichever encoding it came in: the JSON and tag-value readers fill a Spdx2Document and
// this module turns it into a ParsedSbom.
import {
  SbomAssembler,
  canonicalPurl,
  clip,
  emptyComponent,
  isLicenseAsserted,
  normaliseHash,
  pushUnique,
  type ParseLimits,
} from './common.js';
import { SbomParseError, type ParsedComponent, type ParsedSbom } from './model.js';

export interface Spdx2Package {
  id: string;
  /** JSON pointer or "line N" of the package, for error messages. */
  pointer: string;
  name: string;
  version: string | null;
  supplier: string | null;
  purpose: string | null;
  /** ExternalRefs as [category, type, locator]. */
  externalRefs: Array<[string, string, string]>;
  checksums: Array<{ alg: string; value: string }>;
  licenseConcluded: string | null;
  licenseDeclared: string | null;
}

export interface Spdx2Relationship {
  from: string;
  type: string;
  to: string;
  pointer: string;
}

export interface Spdx2Document {
  encoding: 'json' | 'tag-value';
  /** As written: 'SPDX-2.3'. */
  version: string;
  documentId: string;
  namespace: string | null;
  created: string | null;
  creators: string[];
  describes: string[];
  packages: Spdx2Package[];
  /** SPDXIDs of files and snippets: relationships may name them, but they are not components. */
  otherIds: Array<{ id: string; pointer: string }>;
  relationships: Spdx2Relationship[];
}

type Effect = (assembler: SbomAssembler, from: string, to: string) => void;
const dependsOn: Effect = (assembler, from, to) => assembler.link(assembler.indexOf(from), assembler.indexOf(to));
const dependencyOf: Effect = (assembler, from, to) => dependsOn(assembler, to, from);

/** What each relationship type means for the graph; other types (GENERATED_FROM, …) are ignored. */
const RELATIONSHIP_EFFECTS = new Map<string, Effect>([
  ['DEPENDS_ON', dependsOn],
  ['DYNAMIC_LINK', dependsOn],
  ['STATIC_LINK', dependsOn],
  ['HAS_PREREQUISITE', dependsOn],
  ['DEPENDENCY_OF', dependencyOf],
  ['RUNTIME_DEPENDENCY_OF', dependencyOf],
  ['BUILD_DEPENDENCY_OF', dependencyOf],
  ['DEV_DEPENDENCY_OF', dependencyOf],
  ['OPTIONAL_DEPENDENCY_OF', dependencyOf],
  ['PROVIDED_DEPENDENCY_OF', dependencyOf],
  ['TEST_DEPENDENCY_OF', dependencyOf],
  ['PREREQUISITE_FOR', dependencyOf],
  ['CONTAINS', (assembler, from, to) => assembler.adopt(from, to)],
  ['CONTAINED_BY', (assembler, from, to) => assembler.adopt(to, from)],
]);

export function buildSpdx2(doc: Spdx2Document, limits: ParseLimits): ParsedSbom {
  const specVersion = /^SPDX-(2\.\d+)$/.exec(doc.version)?.[1];
  if (!specVersion) throw new SbomParseError(`unsupported SPDX version "${clip(doc.version)}"`);
  const assembler = new SbomAssembler(limits);
  for (const pkg of doc.packages) assembler.add(toComponent(pkg, assembler), pkg.pointer);
  const otherIds = collectOtherIds(doc, assembler);
  chooseRoot(doc, assembler);
  applyRelationships(doc, otherIds, assembler);
  return assembler.build({
    format: 'spdx',
    encoding: doc.encoding,
    specVersion,
    serialNumber: doc.namespace,
    createdAt: doc.created,
    tools: doc.creators.filter((c) => c.startsWith('Tool:')).map((c) => c.slice(5).trim()),
  });
}

function toComponent(pkg: Spdx2Package, assembler: SbomAssembler): ParsedComponent {
  const component = emptyComponent(pkg.id, pkg.name);
  component.version = pkg.version;
  component.supplier = agentName(pkg.supplier);
  component.type = pkg.purpose && pkg.purpose.toLowerCase().replace(/_/g, '-');
  component.purl = canonicalPurl(externalRef(pkg, 'purl'), pkg.pointer, assembler.warnings);
  component.cpe = externalRef(pkg, 'cpe23Type') ?? externalRef(pkg, 'cpe22Type');
  for (const license of [pkg.licenseConcluded, pkg.licenseDeclared]) {
    if (isLicenseAsserted(license)) pushUnique(component.licenses, license);
  }
  for (const { alg, value } of pkg.checksums) {
    const hash = normaliseHash(alg, value, pkg.pointer, assembler.warnings);
    if (hash) component.hashes.push(hash);
  }
  return component;
}

function externalRef(pkg: Spdx2Package, type: string): string | null {
  return pkg.externalRefs.find(([, refType]) => refType === type)?.[2] ?? null;
}

/** 'Organization: ACME (x@acme.example)' → 'ACME (x@acme.example)'; NOASSERTION → null. */
function agentName(agent: string | null): string | null {
  if (!agent || agent === 'NOASSERTION') return null;
  return agent.replace(/^(Organization|Person|Tool)\s*:\s*/, '') || null;
}

function collectOtherIds(doc: Spdx2Document, assembler: SbomAssembler): Set<string> {
  const ids = new Set<string>([doc.documentId]);
  for (const { id, pointer } of doc.otherIds) {
    if (assembler.has(id) || ids.has(id)) throw new SbomParseError(`duplicate ref "${clip(id)}"`, pointer);
    ids.add(id);
  }
  return ids;
}

function chooseRoot(doc: Spdx2Document, assembler: SbomAssembler): void {
  const described = [...doc.describes];
  for (const { from, type, to } of doc.relationships) {
    if (type === 'DESCRIBES' && from === doc.documentId) described.push(to);
    if (type === 'DESCRIBED_BY' && to === doc.documentId) described.push(from);
  }
  const root = described.find((id) => assembler.has(id));
  if (root) assembler.setRoot(root);
  else if (described.length) assembler.warnings.add(`the document describes no package (${clip(described.join(', '))}); no root`);
}

function applyRelationships(doc: Spdx2Document, otherIds: Set<string>, assembler: SbomAssembler): void {
  const isPackage = (id: string, pointer: string): boolean => {
    if (assembler.has(id)) return true;
    // Files, snippets, other documents' elements and NONE/NOASSERTION are legitimately not components.
    if (!otherIds.has(id) && !id.startsWith('DocumentRef-') && id !== 'NONE' && id !== 'NOASSERTION') {
      assembler.warnings.add(`${pointer}: relationship names unknown element "${clip(id)}"; dropped`);
    }
    return false;
  };
  for (const { from, type, to, pointer } of doc.relationships) {
    const effect = RELATIONSHIP_EFFECTS.get(type);
    if (effect && isPackage(from, pointer) && isPackage(to, pointer)) effect(assembler, from, to);
  }
}
