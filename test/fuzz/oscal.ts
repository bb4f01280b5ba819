// Fuzz target for the OSCAL catalog and profile reader and profile resolution. The documented
// rejection is AppError (a 400 naming the field); contracts: a catalog's controls have unique ids
// and their parents come before them, and a resolved profile selects only ids of the catalog.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../src/platform/errors.js';
import { parseOscal, type ParsedCatalog } from '../../src/modules/oscal/oscal.parse.js';
import { resolveImport } from '../../src/modules/oscal/oscal.resolve.js';
import { jsonDocument } from './mutate.js';
import * as seeds from './seeds.js';
import { Crash, expectOnly, type Target } from './target.js';

const CSCRM = fileURLToPath(new URL('../../content/oscal/thirdwatch-cscrm-baseline-profile.json', import.meta.url));

let catalogSeed: unknown;
const catalogDoc = () => (catalogSeed ??= seeds.json(`${seeds.DATA}oscal/NIST_SP-800-53_rev5.0.1_catalog.json`));

/** The whole SP 800-53 catalog, read once: profiles are resolved against it. */
let fullCatalog: ParsedCatalog | undefined;
function catalog(): ParsedCatalog {
  const parsed = parseOscal(JSON.stringify(catalogDoc()));
  if (parsed.kind !== 'catalog') throw new Error('the SP 800-53 seed is not a catalog');
  return (fullCatalog ??= parsed.catalog);
}

function check(input: string | Uint8Array) {
  return expectOnly(() => {
    const document = parseOscal(input);
    if (document.kind === 'catalog') {
      const seen = new Set<string>();
      for (const c of document.catalog.controls) {
        if (seen.has(c.oscalId)) throw new Crash(`control ${c.oscalId} read twice`);
        if (c.parentOscalId !== null && !seen.has(c.parentOscalId)) throw new Crash(`${c.oscalId} read before its parent ${c.parentOscalId}`);
        seen.add(c.oscalId);
      }
      return;
    }
    const entries = catalog().controls.map((c) => ({ oscalId: c.oscalId, parentOscalId: c.parentOscalId }));
    const ids = new Set(entries.map((e) => e.oscalId));
    for (const imp of document.profile.imports) {
      const { selected } = resolveImport(imp, entries);
      const stray = selected.find((id) => !ids.has(id));
      if (stray) throw new Crash(`resolution selected ${stray}, which the catalog does not hold`);
    }
  }, AppError);
}

export function oscalTarget(): Target<string | Uint8Array> {
  return {
    name: 'oscal',
    kind: 'parser',
    inputs: async () => {
      const profiles = ['LOW', 'MODERATE', 'HIGH'].map((level) => seeds.json(`${seeds.DATA}oscal/NIST_SP-800-53_rev5_${level}-baseline_profile.json`));
      profiles.push(JSON.parse(readFileSync(CSCRM, 'utf8')));
      return jsonDocument([...seeds.small([catalogDoc()], 4), ...seeds.small(profiles, 12)], 5, 2);
    },
    open: async () => ({ check }),
  };
}
