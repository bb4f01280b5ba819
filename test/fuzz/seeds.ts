// Seed documents, read at run time from the public test data next to the repository (never copied in).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { openZip } from '../../src/modules/advisories/parsers/zip.js';

export const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export function files(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(DATA, dir)).sort()) {
    const path = join(DATA, dir, name);
    if (statSync(path).isDirectory()) out.push(...files(join(dir, name), pattern));
    else if (pattern.test(name)) out.push(path);
  }
  return out;
}

export const text = (path: string): string => readFileSync(path, 'utf8');
export const json = (path: string): unknown => JSON.parse(text(path));

/** Big documents make every input slow, so seeds come cut down: arrays are cut to their first `keep` items. */
export function small(docs: unknown[], keep = 6): unknown[] {
  return docs.map((doc) => shrinkArrays(doc, keep));
}

function shrinkArrays(value: unknown, keep: number): unknown {
  if (Array.isArray(value)) return value.slice(0, keep).map((v) => shrinkArrays(v, keep));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shrinkArrays(v, keep)]));
  }
  return value;
}

export const cyclonedxJson = (): unknown[] => files('cyclonedx/SBOM', /\.json$/).map(json);
export const cyclonedxXml = (): string[] => files('cyclonedx/SBOM', /\.xml$/).map(text);
export const cyclonedxVex = (): unknown[] => files('cyclonedx/VEX', /\.json$/).map(json);
export const spdxJson = (): unknown[] => files('spdx', /\.spdx\.json$/).map(json);
export const spdxTagValue = (): string[] => files('spdx', /\.spdx$/).map(text);
export const spdx3 = (): unknown[] => files('spdx', /spdx3\.0.*\.json$/).map(json);
export const kev = (): unknown => json(join(DATA, 'kev/known_exploited_vulnerabilities.json'));

/** The first `count` records of the Go all.zip, as parsed JSON. */
export async function osvRecords(count = 300): Promise<unknown[]> {
  const zip = await openZip(join(DATA, 'osv/Go/all.zip'));
  const out: unknown[] = [];
  for await (const entry of zip.entries()) {
    if (entry.data) out.push(JSON.parse(entry.data.toString('utf8')));
    if (out.length >= count) break;
  }
  return out;
}

/** Every string in the spec test files that starts with `prefix` (purl-spec, vers-spec). */
export function specStrings(dir: string, prefix: string): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith(prefix)) found.add(value);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  for (const path of files(dir, /\.json$/)) walk(json(path));
  return [...found];
}

/** Both sides of every "a < b" / "a = b" line of the version-order vectors for one ecosystem. */
export function versions(prefix: string): string[] {
  const out = new Set<string>();
  for (const path of files('version-order', new RegExp(`^${prefix}-versions`))) {
    for (const line of text(path).split('\n')) {
      const m = /^(\S+) [<=>] (\S+)$/.exec(line.trim());
      if (m) out.add(m[1]).add(m[2]);
    }
  }
  return [...out];
}

/** CycloneDX XML seeds cut down like the JSON ones: parsed, arrays cut to `keep` items, written back. */
export function smallXml(texts: string[], keep = 6): string[] {
  const options = { ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false, trimValues: false };
  const parser = new XMLParser(options);
  const builder = new XMLBuilder({ ...options, format: true, suppressEmptyNode: true });
  return texts.map((text) => builder.build(shrinkArrays(parser.parse(text), keep)) as string);
}
