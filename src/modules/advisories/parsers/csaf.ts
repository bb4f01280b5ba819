// CSAF 2.0 documents (security advisories and the VEX profile): product_status, flags, threats and
// remediations become VexStatements per product; each vulnerability also becomes a NormalizedAdvisory.
import type { AdvisoryAffected, NormalizedAdvisory, ParseOutcome, RecordError, VexStatement, VexStatus } from './model.js';
import { FeedFormatError, FeedRecordError, collectRecord } from './errors.js';
import { Fields, type JsonObject, isObject, parseStorableJson, typeName } from './json.js';
import { bestCvss } from './cvss.js';
import { VEX_JUSTIFICATIONS } from './openvex.js';
import { purlPackage } from './purl-package.js';

export interface CsafOutcome extends ParseOutcome<VexStatement> {
  advisories: NormalizedAdvisory[];
}

interface CsafProduct {
  identifier: string;
  purl: string | null;
  versRange: string | null;
}

interface CsafDocument {
  trackingId: string;
  title: string | null;
  published: string | null;
  modified: string;
  products: Map<string, CsafProduct>;
  groups: Map<string, string[]>;
  source: string;
}

interface ProductClaim {
  status: VexStatus;
  justification: string | null;
  detail: string | null;
  responses: string[];
}

const STATUS_GROUPS: Record<string, VexStatus> = {
  known_affected: 'affected',
  first_affected: 'affected',
  last_affected: 'affected',
  known_not_affected: 'not_affected',
  fixed: 'fixed',
  first_fixed: 'fixed',
  under_investigation: 'under_investigation',
};

// CSAF remediation categories in the CycloneDX response vocabulary that VexStatement.responses uses.
const RESPONSES: Record<string, string> = {
  vendor_fix: 'update',
  workaround: 'workaround_available',
  mitigation: 'workaround_available',
  no_fix_planned: 'will_not_fix',
  none_available: 'can_not_fix',
};

const DESCRIPTIVE_NOTES = new Set(['summary', 'description', 'details']);

export function parseCsaf(input: unknown, options: { source?: string } = {}): CsafOutcome {
  const csaf = parseStorableJson(input, 'CSAF document');
  const header = isObject(csaf) && isObject(csaf.document) ? csaf.document : {};
  if (!isObject(csaf) || typeof header.csaf_version !== 'string') throw new FeedFormatError('not a CSAF document: document.csaf_version is missing');
  if (!header.csaf_version.startsWith('2.')) throw new FeedFormatError(`unsupported CSAF version ${header.csaf_version}`);
  const vulnerabilities = csaf.vulnerabilities ?? [];
  if (!Array.isArray(vulnerabilities)) throw new FeedFormatError('CSAF vulnerabilities must be an array');
  const document = readDocument(header, csaf.product_tree, options.source ?? 'csaf');
  const outcome: CsafOutcome = { items: [], advisories: [], errors: [], meta: { trackingId: document.trackingId, category: typeof header.category === 'string' ? header.category : '' } };
  const parsed: Array<{ statements: VexStatement[]; advisory: NormalizedAdvisory }> = [];
  vulnerabilities.forEach((vulnerability, i) => {
    const label = isObject(vulnerability) && typeof vulnerability.cve === 'string' ? vulnerability.cve : `vulnerabilities[${i}]`;
    collectRecord(() => parseVulnerability(vulnerability, label, document, outcome.errors), parsed, outcome.errors);
  });
  outcome.items = parsed.flatMap(({ statements }) => statements);
  outcome.advisories = parsed.map(({ advisory }) => advisory);
  return outcome;
}

function readDocument(header: JsonObject, productTree: unknown, source: string): CsafDocument {
  const tracking = isObject(header.tracking) ? header.tracking : {};
  const { id, current_release_date: modified, initial_release_date: published } = tracking;
  if (typeof id !== 'string' || !id || typeof modified !== 'string') {
    throw new FeedFormatError('not a CSAF document: document.tracking needs id and current_release_date');
  }
  return {
    trackingId: id,
    title: typeof header.title === 'string' ? header.title : null,
    published: typeof published === 'string' ? published : null,
    modified,
    ...readProductTree(productTree),
    source,
  };
}

/** Walks branches iteratively (hostile nesting cannot overflow the stack); a vers range branch scopes its products. */
function readProductTree(tree: unknown): Pick<CsafDocument, 'products' | 'groups'> {
  const products = new Map<string, CsafProduct>();
  const groups = new Map<string, string[]>();
  if (!isObject(tree)) return { products, groups };
  const stack = asArray(tree.branches).map((node) => ({ node, versRange: null as string | null }));
  while (stack.length) {
    const { node, versRange } = stack.pop()!;
    if (!isObject(node)) continue;
    const isRange = node.category === 'product_version_range' && typeof node.name === 'string' && node.name.startsWith('vers:');
    const range = isRange ? (node.name as string) : versRange;
    addProduct(products, node.product, range);
    for (const child of asArray(node.branches)) stack.push({ node: child, versRange: range });
  }
  for (const product of asArray(tree.full_product_names)) addProduct(products, product, null);
  for (const relationship of asArray(tree.relationships)) {
    if (isObject(relationship)) addProduct(products, relationship.full_product_name, null);
  }
  for (const group of asArray(tree.product_groups)) {
    if (isObject(group) && typeof group.group_id === 'string') groups.set(group.group_id, asArray(group.product_ids).filter(isString));
  }
  return { products, groups };
}

function addProduct(products: Map<string, CsafProduct>, value: unknown, versRange: string | null): void {
  if (!isObject(value) || !isString(value.product_id)) return;
  const helper = isObject(value.product_identification_helper) ? value.product_identification_helper : {};
  const purl = isString(helper.purl) ? helper.purl : (asArray(helper.purls).find(isString) ?? null);
  const cpe = isString(helper.cpe) ? helper.cpe : null;
  products.set(value.product_id, { identifier: purl ?? cpe ?? value.product_id, purl, versRange });
}

function parseVulnerability(
  vulnerability: unknown,
  label: string,
  document: CsafDocument,
  errors: RecordError[],
): { statements: VexStatement[]; advisory: NormalizedAdvisory } {
  if (!isObject(vulnerability)) throw new FeedRecordError(label, `expected an object, got ${typeName(vulnerability)}`);
  const f = new Fields(vulnerability, label);
  const ids = [f.optString('cve'), ...f.objects('ids').map((id) => id.string('text'))].filter(isString);
  if (!ids.length) f.fail('cve', 'a vulnerability needs a cve or ids');
  const [id, ...aliases] = [...new Set(ids)];
  const claims = productClaims(f, document, (productId, reason) => errors.push({ record: id, reason: `${productId}: ${reason}` }));
  return { statements: statements(id, aliases, claims, document), advisory: advisory(f, id, aliases, claims, document) };
}

/** Each product's status and the flags, threats and remediations that apply to it. */
function productClaims(f: Fields, document: CsafDocument, reject: (productId: string, reason: string) => void): Map<string, ProductClaim> {
  const claims = new Map<string, ProductClaim>();
  const status = f.optObject('product_status');
  for (const [group, vexStatus] of Object.entries(STATUS_GROUPS)) {
    for (const productId of status?.stringArray(group) ?? []) {
      const previous = claims.get(productId)?.status;
      if (previous && previous !== vexStatus) f.fail('product_status', `${productId} is both ${previous} and ${vexStatus}`);
      claims.set(productId, { status: vexStatus, justification: null, detail: null, responses: [] });
    }
  }
  const annotate = (key: string, apply: (claim: ProductClaim, entry: Fields) => void) => {
    for (const entry of f.objects(key)) {
      for (const productId of productIdsOf(entry, document)) {
        const claim = claims.get(productId);
        if (claim) apply(claim, entry);
      }
    }
  };
  annotate('flags', (claim, flag) => {
    const justification = flag.string('label');
    if (!VEX_JUSTIFICATIONS.includes(justification)) flag.fail('label', `'${justification}' is not a CSAF flag label`);
    claim.justification = justification;
  });
  annotate('threats', (claim, threat) => {
    if (threat.optString('category') === 'impact') claim.detail = threat.string('details');
  });
  annotate('remediations', (claim, remediation) => {
    const category = remediation.string('category');
    claim.responses = [...new Set([...claim.responses, RESPONSES[category] ?? category])];
    claim.detail ??= remediation.optString('details');
  });
  for (const [productId, claim] of claims) {
    // The VEX profile requires an impact statement (flag or threat) for every known_not_affected product.
    if (claim.status === 'not_affected' && !claim.justification && !claim.detail) {
      reject(productId, 'known_not_affected without a flag or an impact statement');
      claims.delete(productId);
    }
  }
  return claims;
}

function productIdsOf(entry: Fields, document: CsafDocument): string[] {
  const fromGroups = entry.stringArray('group_ids').flatMap((groupId) => document.groups.get(groupId) ?? []);
  return [...new Set([...entry.stringArray('product_ids'), ...fromGroups])];
}

/** Products with the same claim share one statement. */
function statements(id: string, aliases: string[], claims: Map<string, ProductClaim>, document: CsafDocument): VexStatement[] {
  const byClaim = new Map<string, VexStatement>();
  for (const [productId, claim] of claims) {
    const product = document.products.get(productId);
    const affectedVersions = product?.versRange ?? null;
    const key = JSON.stringify([claim, affectedVersions]);
    const statement = byClaim.get(key) ?? { vulnerability: id, aliases, products: [], state: null, ...claim, affectedVersions };
    const identifier = product?.identifier ?? productId;
    if (!statement.products.includes(identifier)) statement.products.push(identifier);
    byClaim.set(key, statement);
  }
  return [...byClaim.values()];
}

function advisory(f: Fields, id: string, aliases: string[], claims: Map<string, ProductClaim>, document: CsafDocument): NormalizedAdvisory {
  const severity = f.objects('scores').flatMap((score) =>
    (['cvss_v4', 'cvss_v3', 'cvss_v2'] as const).flatMap((key) => {
      const vector = score.optObject(key)?.optString('vectorString');
      return vector ? [{ type: key.toUpperCase(), score: vector }] : [];
    }),
  );
  const notes = f.objects('notes').filter((note) => DESCRIPTIVE_NOTES.has(note.optString('category') ?? ''));
  return {
    id,
    aliases: [...aliases, document.trackingId].filter((alias) => alias !== id),
    source: document.source,
    summary: f.optString('title') ?? document.title,
    details: notes.map((note) => note.string('text')).join('\n\n') || null,
    published: f.optString('release_date') ?? document.published,
    modified: document.modified,
    withdrawn: null,
    severity,
    cvss: bestCvss(severity),
    malicious: false,
    affected: affectedPackages(claims, document),
    references: f.objects('references').map((reference) => reference.string('url')),
  };
}

/** Affected products that carry a purl; products known only by name or CPE stay in the VEX statements. */
function affectedPackages(claims: Map<string, ProductClaim>, document: CsafDocument): AdvisoryAffected[] {
  return [...claims]
    .filter(([, claim]) => claim.status === 'affected')
    .flatMap(([productId]) => {
      const purl = document.products.get(productId)?.purl;
      const pkg = purl ? purlPackage(purl) : null;
      return pkg ? [{ ecosystem: pkg.ecosystem, name: pkg.name, purl: purl!, versions: pkg.version ? [pkg.version] : [], ranges: [] }] : [];
    });
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
