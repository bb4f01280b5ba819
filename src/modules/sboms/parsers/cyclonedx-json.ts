import { optArray, type ParseLimits } from './common.js';
import { buildCycloneDx, buildCycloneDxParts } from './cyclonedx.js';
import { cycloneDxPartValidators, shallowKey, validateCycloneDxJson } from './cyclonedx-schema.js';
import { splitJsonObject } from './json-split.js';
import { SbomParseError, type ParsedSbom } from './model.js';

/**
 * `doc` is the already JSON.parse'd document. The iterative walk runs before schema validation so
 * that hostile nesting and wrong types are refused before ajv's recursive validators see them.
 */
export function parseCycloneDxJson(doc: unknown, limits: ParseLimits, validate: boolean): ParsedSbom {
  const sbom = buildCycloneDx(doc, 'json', limits);
  if (validate) assertSchemaValid(doc);
  return sbom;
}

const SPLIT = new Set(['components', 'dependencies']);

/** Thrown inside a piecewise read that must give way to reading the whole document. */
class NotPiecewise extends Error {}

/**
 * A CycloneDX JSON document read a piece at a time (json-split.ts): the bom without its top-level
 * components and dependencies, then one of those at a time, each checked against its part of the
 * schema and turned into components and edges before the next is parsed. A 25 MB document then
 * never exists as one 25 MB string and one parsed tree (together about 70 MB for 50,000
 * components). It gives what parseCycloneDxJson gives for the whole text; null when the document
 * is not one that can be read so, or is not valid (the whole-document read then says why), so
 * that every problem is reported exactly as parseCycloneDxJson reports it. `bytes` is valid UTF-8.
 */
export function parseCycloneDxJsonPiecewise(bytes: Buffer, start: number, limits: ParseLimits, validate: boolean): ParsedSbom | null {
  const split = splitJsonObject(bytes, start, SPLIT);
  // Without top-level components (SPDX, for one) there is nothing to read apart.
  if (!split?.elements.has('components')) return null;
  try {
    const bom: unknown = JSON.parse(split.skeleton());
    if (typeof bom !== 'object' || bom === null || Array.isArray(bom) || (bom as Record<string, unknown>).bomFormat !== 'CycloneDX') return null;
    const parts = validate ? cycloneDxPartValidators((bom as Record<string, unknown>).specVersion) : null;
    if (validate && (!parts || !parts.bom(bom))) return null;
    const elements = (name: string, check: ((node: unknown) => boolean) | undefined) => (): Iterable<unknown> => {
      const ranges = split.elements.get(name);
      return ranges ? parsed(bytes, ranges, check) : optArray(bom as Record<string, unknown>, name, '');
    };
    return buildCycloneDxParts(bom as Record<string, unknown>, elements('components', parts?.component), elements('dependencies', parts?.dependency), 'json', limits);
  } catch {
    // Invalid somewhere (a piece that does not parse, a schema or build problem, elements alike):
    // the whole-document read finds the same and says it in its own words.
    return null;
  }
}

function* parsed(bytes: Buffer, ranges: number[], check: ((node: unknown) => boolean) | undefined): Generator<unknown> {
  // The schema's uniqueness of elements, as validateCycloneDxJson checks it: elements are bucketed
  // by their shallow key, and only those sharing one are compared by their JSON text (the earlier
  // ones parsed again from their bytes; keys are 30-bit hashes, so a few clash in 50,000).
  const firsts = check ? new Map<unknown, number>() : null;
  let shared: Map<unknown, Set<string>> | null = null;
  const text = (at: number) => bytes.toString('utf8', ranges[at], ranges[at + 1]);
  for (let at = 0; at < ranges.length; at += 2) {
    const node: unknown = JSON.parse(text(at));
    if (check && !check(node)) throw new NotPiecewise();
    if (firsts) {
      const key = shallowKey(node);
      const earlier = firsts.get(key);
      if (earlier === undefined) firsts.set(key, at);
      else {
        shared ??= new Map();
        let seen = shared.get(key);
        if (!seen) shared.set(key, (seen = new Set([JSON.stringify(JSON.parse(text(earlier)))])));
        const json = JSON.stringify(node);
        if (seen.has(json)) throw new NotPiecewise();
        seen.add(json);
      }
    }
    yield node;
  }
}

function assertSchemaValid(doc: unknown): void {
  const issues = validateCycloneDxJson(doc);
  if (!issues.length) return;
  const [first] = issues;
  throw new SbomParseError(
    `CycloneDX schema validation failed at ${first.pointer || '/'}: ${first.message}`,
    first.pointer,
    issues,
  );
}
