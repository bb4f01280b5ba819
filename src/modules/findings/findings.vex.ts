// Which stored VEX statement speaks for a finding. A statement names a vulnerability (and its
// aliases) and a product: a purl matches the component (any version, an exact version, or a vers
// range), anything else (a bom-ref, a name, a Thirdwatch product id, or the root's purl) matches
// the SBOM's root component and so every component of that product release. Statements scoped
// to a vendor or product apply only there. When several apply, the latest-updated one wins.
import { tryParsePurl } from '../purl/index.js';
import { identityOfPurl } from '../sboms/sboms.identity.js';
import { comparatorFor, versContains } from '../versioning/index.js';
import type { VexStatementsTable } from './findings.tables.js';

export interface VexTarget {
  groupId: string;
  productId: string;
  vendorId: string;
  ecosystem: string;
  packageName: string;
  componentPurl: string | null;
  componentVersion: string | null;
  root: { ref: string | null; purl: string | null; name: string | null };
}

export type StatementWithGroups = VexStatementsTable & { groups: Set<string> };

/** The package identity of a purl string, with its version; null for anything else. */
export function purlIdentity(text: string | null): { ecosystem: string; packageName: string; version: string | null } | null {
  if (!text || !text.startsWith('pkg:')) return null;
  const purl = tryParsePurl(text);
  if (!purl) return null;
  const identity = identityOfPurl(purl);
  return { ecosystem: identity.ecosystem, packageName: identity.packageName, version: purl.version };
}

function versionMatches(s: VexStatementsTable, ecosystem: string, version: string | null): boolean {
  if (s.version_range) {
    if (version === null) return false;
    try {
      return versContains(s.version_range, version) === 'affected';
    } catch {
      return false;
    }
  }
  if (s.product_version === null) return true;
  if (version === null) return false;
  if (s.product_version === version) return true;
  const cmp = comparatorFor(ecosystem);
  return cmp !== null && cmp.isValid(version) && cmp.isValid(s.product_version) && cmp.compare(version, s.product_version) === 0;
}

function matchesRoot(s: VexStatementsTable, target: VexTarget): boolean {
  const { root } = target;
  if (s.product === target.productId) return true;
  if (s.product === root.ref || s.product === root.name || s.product === root.purl) return true;
  if (s.product_ecosystem && root.purl) {
    const rootIdentity = purlIdentity(root.purl);
    if (rootIdentity && rootIdentity.ecosystem === s.product_ecosystem && rootIdentity.packageName === s.product_package_name) {
      return versionMatches(s, rootIdentity.ecosystem, rootIdentity.version);
    }
  }
  return false;
}

export function statementApplies(s: StatementWithGroups, target: VexTarget): boolean {
  if (!s.groups.has(target.groupId)) return false;
  if (s.vendor_id && s.vendor_id !== target.vendorId) return false;
  if (s.product_id && s.product_id !== target.productId) return false;
  if (s.product_ecosystem) {
    const component = purlIdentity(target.componentPurl);
    const sameKey =
      (s.product_ecosystem === target.ecosystem && s.product_package_name === target.packageName) ||
      (component !== null && s.product_ecosystem === component.ecosystem && s.product_package_name === component.packageName);
    if (sameKey) return versionMatches(s, target.ecosystem, component?.version ?? target.componentVersion);
  }
  return matchesRoot(s, target);
}

/** The statement that decides a finding's state, if any. */
export function pickStatement(statements: StatementWithGroups[], target: VexTarget): StatementWithGroups | null {
  let best: StatementWithGroups | null = null;
  for (const s of statements) {
    if (!statementApplies(s, target)) continue;
    if (!best || s.updated_at > best.updated_at || (s.updated_at === best.updated_at && s.id > best.id)) best = s;
  }
  return best;
}

/** The identifiers a statement may be looked up by for a target: its product key and its root ids. */
export function rootIdentifiers(target: Pick<VexTarget, 'productId' | 'root'>): string[] {
  return [target.productId, target.root.ref, target.root.purl, target.root.name].filter((v): v is string => !!v);
}
