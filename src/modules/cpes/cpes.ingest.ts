// The SBOM upload's CPE step: each slice of written components gets its CPE rows (declared, and
// inferred for components without a package identity) before the slice is matched; the root and
// the product release get theirs on idx 0. Two lookups per slice at most (dictionary, decisions),
// and only when a slice has components to infer for.
import type { Executor } from '../../platform/db/schema.js';
import type { ComponentRow } from '../sboms/sboms.ingest.js';
import { componentIdentity, cpeAt, declaredCpe, inferCpes, inferenceNameKeys, productCpes, wantsInference, type ComponentCpe, type DictionaryEntry } from './cpes.infer.js';
import { CpeRepository } from './cpes.repository.js';

export interface ReleaseIdentity {
  product: { name: string; cpe: string | null };
  vendor: { name: string };
  release: string;
  /** The document's root component (idx 0), when it has one. */
  root: { cpe?: string | null } | null;
}

/** The CPEs of the root and the product release (idx 0), written; answers them for matching. */
export async function writeReleaseCpes(db: Executor, sbomId: string, identity: ReleaseIdentity): Promise<ComponentCpe[]> {
  const rows: ComponentCpe[] = [];
  const declared = identity.root?.cpe ? declaredCpe(0, identity.root.cpe, 'root', identity.release) : null;
  if (declared) rows.push(declared);
  for (const row of productCpes(identity.product, identity.vendor, identity.release)) if (!rows.some((r) => r.cpeKey === row.cpeKey)) rows.push(row);
  await new CpeRepository(db).insertComponentCpes(sbomId, rows);
  return rows;
}

/** The CPEs of a slice of components, written; answers them for matching. */
export async function writeComponentCpes(db: Executor, sbomId: string, components: ReadonlyArray<Pick<ComponentRow, 'idx' | 'name' | 'version' | 'supplier' | 'cpe' | 'ecosystem'>>): Promise<ComponentCpe[]> {
  const rows: ComponentCpe[] = [];
  const infer: Array<(typeof components)[number]> = [];
  for (const c of components) {
    if (c.cpe) {
      const declared = declaredCpe(c.idx, c.cpe, 'declared', c.version);
      if (declared) rows.push(declared);
    } else if (wantsInference(c)) infer.push(c);
  }
  if (infer.length) {
    const repo = new CpeRepository(db);
    const [dictionary, decisions] = await Promise.all([
      repo.dictionaryFor([...new Set(infer.flatMap((c) => inferenceNameKeys(c.name)))]),
      repo.decisionsFor([...new Set(infer.map((c) => componentIdentity(c.name, c.supplier)))]),
    ]);
    const byName = new Map<string, DictionaryEntry[]>();
    for (const entry of dictionary) {
      const list = byName.get(entry.nameKey);
      if (list) list.push(entry);
      else byName.set(entry.nameKey, [entry]);
    }
    for (const c of infer) {
      const entries = inferenceNameKeys(c.name).flatMap((k) => byName.get(k) ?? []);
      for (const { cpeKey, confidence, rejected } of inferCpes(c, entries, decisions.get(componentIdentity(c.name, c.supplier)))) {
        const cpe = cpeAt(cpeKey, c.version!);
        if (cpe) rows.push({ idx: c.idx, cpeKey, cpe, source: rejected ? 'rejected' : 'inferred', confidence });
      }
    }
  }
  if (rows.length) await new CpeRepository(db).insertComponentCpes(sbomId, rows);
  return rows;
}
