import type { ParseLimits } from './common.js';
import { buildCycloneDx } from './cyclonedx.js';
import { validateCycloneDxJson } from './cyclonedx-schema.js';
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
