// SPDX 3.0 JSON-LD (compact form, as the SPDX 3 JSON serialisation writes it): a flat @graph of
// elements joined by Relationship elements.
import {
  SbomAssembler,
  asObject,
  canonicalPurl,
  checkLength,
  isObject,
  clip,
  emptyComponent,
  isLicenseAsserted,
  normaliseHash,
  optArray,
  optString,
  pushUnique,
  reqString,
  stringArray,
  type JsonObject,
  type ParseLimits,
  type Warnings,
} from './common.js';
import { SbomParseError, type ParsedComponent, type ParsedSbom } from './model.js';

/** Package classes, with the component type implied when no primary purpose is given. */
const PACKAGE_TYPES = new Map<string, string | null>([
  ['software_Package', null],
  ['ai_AIPackage', 'machine-learning-model'],
  ['dataset_DatasetPackage', 'data'],
]);
const RELATIONSHIP_TYPES = new Set(['Relationship', 'LifecycleScopedRelationship']);
const DEPENDENCY_TYPES = new Set([
  'dependsOn', 'hasDynamicLink', 'hasStaticLink', 'hasOptionalDependency', 'hasProvidedDependency', 'hasPrerequisite',
]);
const LISTED_LICENSE_BASE = 'https://spdx.org/licenses/';

interface Element {
  obj: JsonObject;
  pointer: string;
  type: string;
}

interface Relationship {
  from: string;
  to: readonly string[];
  type: string;
  pointer: string;
}

export function parseSpdx3JsonLd(doc: unknown, limits: ParseLimits): ParsedSbom {
  const assembler = new SbomAssembler(limits);
  const elements = indexElements(optArray(asObject(doc, ''), '@graph', ''), assembler.warnings);
  const document = [...elements.values()].find((e) => e.type === 'SpdxDocument') ?? null;
  const creation = documentCreationInfo(document, elements);
  const specVersion = optString(creation.obj, 'specVersion', creation.pointer);
  if (!specVersion || !/^3\.\d+(\.\d+)?$/.test(specVersion)) {
    throw new SbomParseError(`unsupported SPDX version "${clip(String(specVersion))}"`, `${creation.pointer}/specVersion`);
  }
  const relationships = readRelationships(elements);
  const licenses = licensesByElement(relationships, elements);
  for (const [id, element] of elements) {
    const implied = PACKAGE_TYPES.get(element.type);
    if (implied !== undefined) assembler.add(toComponent(id, element, implied, elements, licenses, assembler), element.pointer);
  }
  chooseRoot(relationships, elements, assembler);
  applyRelationships(relationships, elements, importedIds(document), assembler);
  return assembler.build({
    format: 'spdx',
    encoding: 'json-ld',
    specVersion,
    serialNumber: document && idOf(document.obj),
    createdAt: optString(creation.obj, 'created', creation.pointer),
    tools: toolNames(elements, creation),
  });
}

function idOf(obj: JsonObject): string | null {
  const id = obj.spdxId ?? obj['@id'];
  return typeof id === 'string' ? id : null;
}

function typeOf(obj: JsonObject, pointer: string): string {
  return obj.type !== undefined ? reqString(obj, 'type', pointer) : reqString(obj, '@type', pointer);
}

function indexElements(graph: readonly unknown[], warnings: Warnings): Map<string, Element> {
  const elements = new Map<string, Element>();
  graph.forEach((item, i) => {
    const pointer = `/@graph/${i}`;
    const obj = asObject(item, pointer);
    const id = idOf(obj);
    if (id === null) return;
    checkLength(id, `${pointer}/spdxId`);
    const earlier = elements.get(id);
    if (!earlier) {
      elements.set(id, { obj, pointer, type: typeOf(obj, pointer) });
    } else if (JSON.stringify(earlier.obj) === JSON.stringify(obj)) {
      // Seen in the wild (spdx-examples ai_example01 repeats a Relationship verbatim): harmless.
      warnings.add(`${pointer}: element "${clip(id)}" repeats ${earlier.pointer} verbatim; ignored`);
    } else {
      throw new SbomParseError(`duplicate ref "${clip(id)}"`, pointer);
    }
  });
  return elements;
}

/** The SpdxDocument's CreationInfo (referenced or inline), else the first one in the graph. */
function documentCreationInfo(document: Element | null, elements: Map<string, Element>): Element {
  const info = document?.obj.creationInfo;
  const referenced = typeof info === 'string' ? elements.get(info) : undefined;
  if (referenced?.type === 'CreationInfo') return referenced;
  if (document && isObject(info)) return { obj: info, pointer: `${document.pointer}/creationInfo`, type: 'CreationInfo' };
  const first = [...elements.values()].find((element) => element.type === 'CreationInfo');
  if (!first) throw new SbomParseError('SPDX 3 document has no CreationInfo', '/@graph');
  return first;
}

function readRelationships(elements: Map<string, Element>): Relationship[] {
  const relationships: Relationship[] = [];
  for (const { obj, pointer, type } of elements.values()) {
    if (!RELATIONSHIP_TYPES.has(type)) continue;
    const to = typeof obj.to === 'string' ? [checkLength(obj.to, `${pointer}/to`)] : stringArray(obj, 'to', pointer);
    relationships.push({ from: reqString(obj, 'from', pointer), to, type: reqString(obj, 'relationshipType', pointer), pointer });
  }
  return relationships;
}

/** Licenses per element: concluded ones first, then declared ones, as the SPDX 2 readers order them. */
function licensesByElement(relationships: Relationship[], elements: Map<string, Element>): Map<string, string[]> {
  const byElement = new Map<string, string[]>();
  for (const type of ['hasConcludedLicense', 'hasDeclaredLicense']) {
    for (const relationship of relationships) {
      if (relationship.type !== type) continue;
      for (const id of relationship.to) {
        const license = licenseOf(id, elements);
        if (!isLicenseAsserted(license)) continue;
        const list = byElement.get(relationship.from) ?? [];
        pushUnique(list, license);
        byElement.set(relationship.from, list);
      }
    }
  }
  return byElement;
}

function licenseOf(id: string, elements: Map<string, Element>): string | null {
  const element = elements.get(id);
  if (!element) return id.startsWith(LISTED_LICENSE_BASE) ? id.slice(LISTED_LICENSE_BASE.length) : null;
  const { obj, pointer, type } = element;
  if (type === 'simplelicensing_LicenseExpression') return optString(obj, 'simplelicensing_licenseExpression', pointer);
  if (type === 'expandedlicensing_ListedLicense') return id.slice(id.lastIndexOf('/') + 1);
  if (type === 'expandedlicensing_CustomLicense') return optString(obj, 'name', pointer) ?? id;
  return null;
}

function toComponent(
  id: string,
  { obj, pointer }: Element,
  impliedType: string | null,
  elements: Map<string, Element>,
  licenses: Map<string, string[]>,
  assembler: SbomAssembler,
): ParsedComponent {
  const component = emptyComponent(id, reqString(obj, 'name', pointer));
  const identifiers = externalIdentifiers(obj, pointer);
  component.version = optString(obj, 'software_packageVersion', pointer);
  const purl = optString(obj, 'software_packageUrl', pointer) ?? identifiers.get('packageUrl') ?? null;
  component.purl = canonicalPurl(purl, pointer, assembler.warnings);
  component.cpe = identifiers.get('cpe23') ?? identifiers.get('cpe22') ?? null;
  const purpose = optString(obj, 'software_primaryPurpose', pointer);
  component.type = purpose ? purpose.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : impliedType;
  const supplier = optString(obj, 'suppliedBy', pointer);
  const agent = supplier ? elements.get(supplier) : undefined;
  component.supplier = agent ? optString(agent.obj, 'name', agent.pointer) ?? supplier : supplier;
  component.licenses = licenses.get(id) ?? [];
  optArray(obj, 'verifiedUsing', pointer).forEach((item, i) => {
    const at = `${pointer}/verifiedUsing/${i}`;
    const method = asObject(item, at);
    if (method.type !== 'Hash') return;
    const hash = normaliseHash(reqString(method, 'algorithm', at), reqString(method, 'hashValue', at), at, assembler.warnings);
    if (hash) component.hashes.push(hash);
  });
  return component;
}

/** externalIdentifierType → first identifier of that type. */
function externalIdentifiers(obj: JsonObject, pointer: string): Map<string, string> {
  const identifiers = new Map<string, string>();
  optArray(obj, 'externalIdentifier', pointer).forEach((item, i) => {
    const at = `${pointer}/externalIdentifier/${i}`;
    const identifier = asObject(item, at);
    const type = reqString(identifier, 'externalIdentifierType', at);
    if (!identifiers.has(type)) identifiers.set(type, reqString(identifier, 'identifier', at));
  });
  return identifiers;
}

/** The first described package; an Sbom's or the document's rootElement when nothing is "described". */
function chooseRoot(relationships: Relationship[], elements: Map<string, Element>, assembler: SbomAssembler): void {
  const candidates = relationships.filter((r) => r.type === 'describes').flatMap((r) => r.to);
  for (const type of ['software_Sbom', 'SpdxDocument']) {
    for (const element of elements.values()) {
      if (element.type === type) candidates.push(...stringArray(element.obj, 'rootElement', element.pointer));
    }
  }
  const root = candidates.find((id) => assembler.has(id));
  if (root) assembler.setRoot(root);
}

function importedIds(document: Element | null): Set<string> {
  const ids = new Set<string>();
  if (!document) return ids;
  optArray(document.obj, 'import', document.pointer).forEach((item, i) => {
    const at = `${document.pointer}/import/${i}`;
    ids.add(reqString(asObject(item, at), 'externalSpdxId', at));
  });
  return ids;
}

function applyRelationships(
  relationships: Relationship[],
  elements: Map<string, Element>,
  imported: Set<string>,
  assembler: SbomAssembler,
): void {
  const isPackage = (id: string, pointer: string): boolean => {
    if (assembler.has(id)) return true;
    if (!elements.has(id) && !imported.has(id)) {
      assembler.warnings.add(`${pointer}: relationship names unknown element "${clip(id)}"; dropped`);
    }
    return false;
  };
  for (const { from, to, type, pointer } of relationships) {
    const contains = type === 'contains';
    if (!contains && !DEPENDENCY_TYPES.has(type)) continue;
    if (!isPackage(from, pointer)) continue;
    for (const target of to) {
      if (!isPackage(target, pointer)) continue;
      if (contains) assembler.adopt(from, target);
      else assembler.link(assembler.indexOf(from), assembler.indexOf(target));
    }
  }
}

function toolNames(elements: Map<string, Element>, creation: Element): string[] {
  const infos = [...elements.values()].filter((element) => element.type === 'CreationInfo');
  if (!infos.includes(creation)) infos.push(creation);
  const names: string[] = [];
  for (const { obj, pointer } of infos) {
    for (const id of stringArray(obj, 'createdUsing', pointer)) {
      const tool = elements.get(id);
      pushUnique(names, (tool && optString(tool.obj, 'name', tool.pointer)) ?? id);
    }
  }
  return names;
}
