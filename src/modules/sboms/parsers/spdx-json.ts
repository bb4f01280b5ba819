// SPDX 2.2/2.3 JSON → Spdx2Document, type-checking every field it reads.
import {
  asObject,
  optArray,
  optObject,
  optString,
  reqString,
  stringArray,
  type JsonObject,
  type ParseLimits,
} from './common.js';
import type { ParsedSbom } from './model.js';
import { buildSpdx2, type Spdx2Package, type Spdx2Relationship } from './spdx2.js';

export function parseSpdxJson(doc: unknown, limits: ParseLimits): ParsedSbom {
  const root = asObject(doc, '');
  const creationInfo = optObject(root, 'creationInfo', '');
  return buildSpdx2(
    {
      encoding: 'json',
      version: reqString(root, 'spdxVersion', ''),
      documentId: optString(root, 'SPDXID', '') ?? 'SPDXRef-DOCUMENT',
      namespace: optString(root, 'documentNamespace', ''),
      created: creationInfo && optString(creationInfo, 'created', '/creationInfo'),
      creators: creationInfo ? [...stringArray(creationInfo, 'creators', '/creationInfo')] : [],
      describes: [...stringArray(root, 'documentDescribes', '')],
      packages: optArray(root, 'packages', '').map((item, i) => readPackage(item, `/packages/${i}`)),
      otherIds: [...elementIds(root, 'files'), ...elementIds(root, 'snippets')],
      relationships: optArray(root, 'relationships', '').map((item, i) => readRelationship(item, `/relationships/${i}`)),
    },
    limits,
  );
}

function readPackage(item: unknown, pointer: string): Spdx2Package {
  const pkg = asObject(item, pointer);
  return {
    id: reqString(pkg, 'SPDXID', pointer),
    pointer,
    name: reqString(pkg, 'name', pointer),
    version: optString(pkg, 'versionInfo', pointer),
    supplier: optString(pkg, 'supplier', pointer),
    purpose: optString(pkg, 'primaryPackagePurpose', pointer),
    externalRefs: optArray(pkg, 'externalRefs', pointer).map((ref, i) => readExternalRef(ref, `${pointer}/externalRefs/${i}`)),
    checksums: optArray(pkg, 'checksums', pointer).map((sum, i) => {
      const at = `${pointer}/checksums/${i}`;
      const checksum = asObject(sum, at);
      return { alg: reqString(checksum, 'algorithm', at), value: reqString(checksum, 'checksumValue', at) };
    }),
    licenseConcluded: optString(pkg, 'licenseConcluded', pointer),
    licenseDeclared: optString(pkg, 'licenseDeclared', pointer),
  };
}

function readExternalRef(item: unknown, pointer: string): [string, string, string] {
  const ref = asObject(item, pointer);
  return [
    reqString(ref, 'referenceCategory', pointer),
    reqString(ref, 'referenceType', pointer),
    reqString(ref, 'referenceLocator', pointer),
  ];
}

function elementIds(root: JsonObject, key: string): Array<{ id: string; pointer: string }> {
  return optArray(root, key, '').map((item, i) => {
    const pointer = `/${key}/${i}`;
    return { id: reqString(asObject(item, pointer), 'SPDXID', pointer), pointer };
  });
}

function readRelationship(item: unknown, pointer: string): Spdx2Relationship {
  const relationship = asObject(item, pointer);
  return {
    from: reqString(relationship, 'spdxElementId', pointer),
    type: reqString(relationship, 'relationshipType', pointer),
    to: reqString(relationship, 'relatedSpdxElement', pointer),
    pointer,
  };
}
