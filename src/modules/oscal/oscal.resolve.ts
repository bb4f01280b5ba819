import type { ParsedImport, Selector } from './oscal.parse.js';

/** A catalog's control as profile resolution needs it: its id and the control it belongs to. */
export interface CatalogEntry {
  oscalId: string;
  parentOscalId: string | null;
}

export interface Resolution {
  /** Selected control ids, in catalog order. */
  selected: string[];
  /** Ids a with-ids list names that the catalog does not hold, with the pointer of each. */
  unknown: Array<{ id: string; field: string }>;
}

/** OSCAL's `matching` globs: * any run of characters, ? one character. */
function globRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/**
 * The controls one profile import selects from its catalog: include-all, or include-controls by
 * id or pattern (with-child-controls adds every enhancement below a selected control), minus
 * exclude-controls (which take with-child-controls the same way).
 */
export function resolveImport(imp: ParsedImport, catalog: readonly CatalogEntry[]): Resolution {
  const ids = new Set(catalog.map((c) => c.oscalId));
  const children = new Map<string, string[]>();
  for (const c of catalog) if (c.parentOscalId) children.set(c.parentOscalId, [...(children.get(c.parentOscalId) ?? []), c.oscalId]);
  const unknown: Resolution['unknown'] = [];

  const expand = (selectors: Selector[], kind: 'include-controls' | 'exclude-controls'): Set<string> => {
    const out = new Set<string>();
    const add = (id: string, withChildren: boolean) => {
      out.add(id);
      if (withChildren) for (const child of children.get(id) ?? []) add(child, true);
    };
    selectors.forEach((s, i) => {
      s.withIds.forEach((id, k) => {
        if (ids.has(id)) add(id, s.withChildControls);
        else unknown.push({ id, field: `${imp.pointer}/${kind}/${i}/with-ids/${k}` });
      });
      for (const pattern of s.matching) {
        const re = globRegExp(pattern);
        for (const c of catalog) if (re.test(c.oscalId)) add(c.oscalId, s.withChildControls);
      }
    });
    return out;
  };

  const included = imp.includeAll ? ids : expand(imp.include, 'include-controls');
  const excluded = expand(imp.exclude, 'exclude-controls');
  return { selected: catalog.map((c) => c.oscalId).filter((id) => included.has(id) && !excluded.has(id)), unknown };
}
