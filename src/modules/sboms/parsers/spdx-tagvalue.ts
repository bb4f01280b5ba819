// SPDX 2.x tag-value ("Tag: value" lines, <text>…</text> for multi-line values) → Spdx2Document.
import { checkLength, type ParseLimits } from './common.js';
import { SbomParseError, type ParsedSbom } from './model.js';
import { buildSpdx2, type Spdx2Document, type Spdx2Package } from './spdx2.js';

interface Entry {
  tag: string;
  value: string;
  line: number;
}

type Section = 'document' | 'package' | 'other';

/** Tags that open a section whose SPDXID and fields belong to something other than a package. */
const OTHER_SECTION_TAGS = new Set(['FileName', 'SnippetSPDXID', 'LicenseID', 'Annotator', 'Reviewer']);

export function parseSpdxTagValue(text: string, limits: ParseLimits): ParsedSbom {
  const doc: Spdx2Document = {
    encoding: 'tag-value',
    version: '',
    documentId: 'SPDXRef-DOCUMENT',
    namespace: null,
    created: null,
    creators: [],
    describes: [],
    packages: [],
    otherIds: [],
    relationships: [],
  };
  let section: Section = 'document';
  let pkg: Spdx2Package | null = null;
  for (const entry of entries(text)) {
    if (entry.tag === 'PackageName') {
      pkg = newPackage(entry);
      doc.packages.push(pkg);
      section = 'package';
    } else if (OTHER_SECTION_TAGS.has(entry.tag)) {
      section = 'other';
      if (entry.tag === 'SnippetSPDXID') doc.otherIds.push({ id: entry.value, pointer: `line ${entry.line}` });
    } else if (entry.tag === 'Relationship') {
      doc.relationships.push(relationship(entry));
    } else if (section === 'package' && pkg) {
      applyPackageTag(pkg, entry);
    } else if (entry.tag === 'SPDXID' && section === 'other') {
      doc.otherIds.push({ id: entry.value, pointer: `line ${entry.line}` });
    } else if (section === 'document') {
      applyDocumentTag(doc, entry);
    }
  }
  if (!doc.version) throw new SbomParseError('SPDX tag-value document has no SPDXVersion');
  for (const p of doc.packages) {
    if (!p.id) throw new SbomParseError(`${p.pointer}: package "${p.name}" has no SPDXID`, p.pointer);
  }
  return buildSpdx2(doc, limits);
}

/** Splits the text into tag/value entries, joining <text> values that span lines. */
function* entries(text: string): Generator<Entry> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon === -1) throw lineError(i + 1, `expected "Tag: value", got "${trimmed.slice(0, 40)}"`);
    const tag = line.slice(0, colon).trim();
    let value = line.slice(colon + 1).trim();
    const startLine = i + 1;
    if (value.startsWith('<text>')) {
      [value, i] = textValue(lines, i, value.slice('<text>'.length));
    }
    yield { tag, value: checkLength(value, `line ${startLine}`), line: startLine };
  }
}

/** Returns the <text> value and the index of the line holding </text>. */
function textValue(lines: string[], start: number, rest: string): [string, number] {
  const parts: string[] = [];
  let current = rest;
  for (let i = start; i < lines.length; i++) {
    const end = current.indexOf('</text>');
    if (end !== -1) {
      parts.push(current.slice(0, end));
      return [parts.join('\n').trim(), i];
    }
    parts.push(current);
    current = lines[i + 1] ?? '';
  }
  throw lineError(start + 1, 'unterminated <text> value (truncated document?)');
}

function lineError(line: number, message: string): SbomParseError {
  return new SbomParseError(`line ${line}: ${message}`, `line ${line}`);
}

function newPackage(entry: Entry): Spdx2Package {
  return {
    id: '',
    pointer: `line ${entry.line}`,
    name: entry.value,
    version: null,
    supplier: null,
    purpose: null,
    externalRefs: [],
    checksums: [],
    licenseConcluded: null,
    licenseDeclared: null,
  };
}

function applyPackageTag(pkg: Spdx2Package, { tag, value, line }: Entry): void {
  switch (tag) {
    case 'SPDXID':
      pkg.id = value;
      break;
    case 'PackageVersion':
      pkg.version = value || null;
      break;
    case 'PackageSupplier':
      pkg.supplier = value;
      break;
    case 'PrimaryPackagePurpose':
      pkg.purpose = value || null;
      break;
    case 'PackageLicenseConcluded':
      pkg.licenseConcluded = value;
      break;
    case 'PackageLicenseDeclared':
      pkg.licenseDeclared = value;
      break;
    case 'PackageChecksum':
      pkg.checksums.push(checksum(value, line));
      break;
    case 'ExternalRef':
      pkg.externalRefs.push(externalRef(value, line));
      break;
  }
}

function applyDocumentTag(doc: Spdx2Document, { tag, value }: Entry): void {
  switch (tag) {
    case 'SPDXVersion':
      doc.version = value;
      break;
    case 'SPDXID':
      doc.documentId = value;
      break;
    case 'DocumentNamespace':
      doc.namespace = value || null;
      break;
    case 'Creator':
      doc.creators.push(value);
      break;
    case 'Created':
      doc.created = value || null;
      break;
  }
}

/** "SHA256: 0d6e…" */
function checksum(value: string, line: number): { alg: string; value: string } {
  const match = /^([^:\s]+)\s*:\s*(\S+)$/.exec(value);
  if (!match) throw lineError(line, `expected "ALGORITHM: value" checksum, got "${value.slice(0, 40)}"`);
  return { alg: match[1], value: match[2] };
}

/** "PACKAGE-MANAGER purl pkg:npm/x@1" */
function externalRef(value: string, line: number): [string, string, string] {
  const parts = value.split(/\s+/);
  if (parts.length !== 3) throw lineError(line, `expected "CATEGORY TYPE LOCATOR" external ref, got "${value.slice(0, 40)}"`);
  return [parts[0], parts[1], parts[2]];
}

/** "SPDXRef-A DEPENDS_ON SPDXRef-B" */
function relationship({ value, line }: Entry): Spdx2Document['relationships'][number] {
  const parts = value.split(/\s+/);
  if (parts.length !== 3) throw lineError(line, `expected "ELEMENT TYPE ELEMENT" relationship, got "${value.slice(0, 40)}"`);
  return { from: parts[0], type: parts[1], to: parts[2], pointer: `line ${line}` };
}
