import assert from 'node:assert/strict';
import { normalizePurl } from '../../../purl/purl.js';
import type { ParsedSbom } from '../model.js';

const HASH_ALG = /^(MD[2456]|SHA-(1|224|256|384|512)|SHA3-(224|256|384|512)|BLAKE2b-(256|384|512)|BLAKE3|ADLER32)$/;

/** The promises of ParsedSbom that hold for every document, whatever its format. */
export function assertInvariants(sbom: ParsedSbom): void {
  assert.equal(sbom.rootRef, sbom.root?.ref ?? null);
  const all = sbom.root ? [sbom.root, ...sbom.components] : sbom.components;
  const refs = new Set(all.map((c) => c.ref));
  assert.equal(refs.size, all.length, 'refs are unique and the root is not repeated in components');
  for (const component of all) {
    assert.ok(component.name, `component ${component.ref} has a name`);
    if (component.purl !== null) assert.equal(normalizePurl(component.purl), component.purl, 'purl is canonical');
    if (component.parentRef !== null) assert.ok(refs.has(component.parentRef), `parentRef ${component.parentRef} resolves`);
    for (const hash of component.hashes) {
      assert.match(hash.alg, HASH_ALG);
      assert.match(hash.value, /^[0-9a-f]+$/);
    }
    for (const license of component.licenses) assert.ok(license && license !== 'NOASSERTION' && license !== 'NONE');
  }
  for (const { from, to } of sbom.dependencies) {
    assert.ok(refs.has(from), `dependency source ${from} resolves`);
    assert.ok(refs.has(to), `dependency target ${to} resolves`);
  }
  const edges = new Set(sbom.dependencies.map((d) => `${d.from}\n${d.to}`));
  assert.equal(edges.size, sbom.dependencies.length, 'no duplicate edges');
}
