// Findings out in the formats the ecosystem reads: CycloneDX 1.6 VEX and VDR, OpenVEX 0.2.0,
// CSAF 2.0 (VEX profile), and CSV. Pure builders over presented findings.
import { randomUUID } from 'node:crypto';
import { toCsv } from '../../platform/csv.js';
import { openVexJustification, vexStatusOf } from './findings.policy.js';
import type { Finding } from './findings.schemas.js';

export interface ExportContext {
  product: { id: string; name: string } | null;
  vendor: { id: string; name: string } | null;
  release: string | null;
  root: { name: string | null; version: string | null; purl: string | null } | null;
  generatedAt: string;
  toolVersion: string;
}

const componentRef = (f: Finding) => f.component.purl ?? `component:${f.component.name}@${f.component.version ?? ''}`;

function sourceOf(id: string): { name: string; url?: string } {
  if (/^CVE-/i.test(id)) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${id}` };
  if (/^GHSA-/i.test(id)) return { name: 'GitHub', url: `https://github.com/advisories/${id}` };
  if (/^GO-/i.test(id)) return { name: 'Go Vulnerability Database', url: `https://pkg.go.dev/vuln/${id}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${id}` };
}

function cvssMethod(version: string | null): string {
  switch (version) {
    case '4.0':
      return 'CVSSv4';
    case '3.1':
      return 'CVSSv31';
    case '3.0':
      return 'CVSSv3';
    case '2.0':
      return 'CVSSv2';
    default:
      return 'other';
  }
}

function recommendation(f: Finding): string | undefined {
  return f.fixedIn ? `Update ${f.component.name} to ${f.fixedIn} or later.` : undefined;
}

/** CycloneDX 1.6: VEX (with the analysis of each vulnerability per component) or VDR (disclosure without analysis). */
export function cycloneDx(findings: Finding[], ctx: ExportContext, mode: 'vex' | 'vdr'): Record<string, unknown> {
  const components = new Map<string, Record<string, unknown>>();
  for (const f of findings) {
    const ref = componentRef(f);
    if (!components.has(ref)) {
      components.set(ref, { type: 'library', 'bom-ref': ref, name: f.component.name, ...(f.component.version ? { version: f.component.version } : {}), ...(f.component.purl ? { purl: f.component.purl } : {}) });
    }
  }
  const vulnerabilities = new Map<string, { base: Finding; findings: Finding[] }>();
  for (const f of findings) {
    const analysisKey = mode === 'vex' ? JSON.stringify([f.state, f.justification, f.responses, f.detail]) : '';
    const key = `${f.advisoryGroupId}\u0000${analysisKey}`;
    const entry = vulnerabilities.get(key);
    if (entry) entry.findings.push(f);
    else vulnerabilities.set(key, { base: f, findings: [f] });
  }
  let n = 0;
  const vulns = [...vulnerabilities.values()].map(({ base: f, findings: group }) => {
    n++;
    const ratings: Array<Record<string, unknown>> = [];
    if (f.cvss) ratings.push({ source: sourceOf(f.advisoryId), score: f.cvss.score, severity: f.severity === 'unknown' ? 'unknown' : (f.severityOverride ? undefined : f.severity), method: cvssMethod(f.cvss.version), vector: f.cvss.vector });
    if (f.severityOverride) ratings.push({ source: { name: 'Thirdwatch analysis' }, severity: f.severityOverride, method: 'other' });
    if (!ratings.length) ratings.push({ severity: 'unknown', method: 'other' });
    const fix = group.map(recommendation).find((r) => r);
    const vulnerability: Record<string, unknown> = {
      'bom-ref': `vulnerability-${n}`,
      id: f.advisoryId,
      source: sourceOf(f.advisoryId),
      ...(f.aliases.length ? { references: f.aliases.map((id) => ({ id, source: sourceOf(id) })) } : {}),
      ratings: ratings.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))),
      ...(f.summary ? { description: f.summary } : {}),
      ...(fix ? { recommendation: fix } : {}),
      properties: [
        { name: 'thirdwatch:kev', value: String(f.kev) },
        ...(f.epss !== null ? [{ name: 'thirdwatch:epss', value: String(f.epss) }] : []),
        ...(f.malicious ? [{ name: 'thirdwatch:malicious', value: 'true' }] : []),
        { name: 'thirdwatch:priority', value: f.priority },
      ],
      affects: group.map((g) => ({
        ref: componentRef(g),
        versions: g.component.version
          ? [{ version: g.component.version, status: ['not_affected', 'false_positive', 'resolved'].includes(g.state) ? 'unaffected' : g.verdict === 'indeterminate' ? 'unknown' : 'affected' }]
          : undefined,
      })).map((a) => (a.versions ? a : { ref: a.ref })),
    };
    if (mode === 'vex') {
      vulnerability.analysis = {
        state: f.state,
        ...(f.justification ? { justification: f.justification } : {}),
        ...(f.responses.length ? { response: f.responses } : {}),
        ...(f.detail ? { detail: f.detail } : {}),
        ...(f.stateUpdatedAt ? { lastUpdated: f.stateUpdatedAt } : {}),
      };
    }
    return vulnerability;
  });
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: ctx.generatedAt,
      tools: { components: [{ type: 'application', name: 'Thirdwatch', version: ctx.toolVersion }] },
      ...(ctx.product
        ? { component: { type: 'application', 'bom-ref': ctx.root?.purl ?? `product:${ctx.product.id}`, name: ctx.product.name, ...(ctx.release ? { version: ctx.release } : {}), ...(ctx.root?.purl ? { purl: ctx.root.purl } : {}) } }
        : {}),
      ...(ctx.vendor ? { supplier: { name: ctx.vendor.name } } : {}),
      properties: [{ name: 'thirdwatch:document', value: mode === 'vex' ? 'vex' : 'vdr' }],
    },
    components: [...components.values()],
    vulnerabilities: vulns,
  };
}

function productIdentifier(f: Finding, ctx: ExportContext): string {
  return ctx.root?.purl ?? `urn:thirdwatch:product:${f.product.id}:${encodeURIComponent(f.release)}`;
}

/** OpenVEX 0.2.0: one statement per advisory × status × decision, the product with its affected subcomponents. */
export function openVex(findings: Finding[], ctx: ExportContext): Record<string, unknown> {
  const statements = new Map<string, { f: Finding; products: Map<string, Set<string>> }>();
  for (const f of findings) {
    const status = f.verdict === 'indeterminate' && f.state === 'in_triage' ? 'under_investigation' : vexStatusOf(f.state);
    const key = JSON.stringify([f.advisoryGroupId, status, f.justification, f.detail]);
    let s = statements.get(key);
    if (!s) statements.set(key, (s = { f, products: new Map() }));
    const product = productIdentifier(f, ctx);
    let subs = s.products.get(product);
    if (!subs) s.products.set(product, (subs = new Set()));
    subs.add(componentRef(f));
  }
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': `https://thirdwatch.dev/vex/${randomUUID()}`,
    author: ctx.vendor?.name ?? 'Thirdwatch',
    role: 'Document Creator',
    timestamp: ctx.generatedAt,
    version: 1,
    tooling: `Thirdwatch ${ctx.toolVersion}`,
    statements: [...statements.values()].map(({ f, products }) => {
      const status = f.verdict === 'indeterminate' && f.state === 'in_triage' ? 'under_investigation' : vexStatusOf(f.state);
      const statement: Record<string, unknown> = {
        vulnerability: { name: f.advisoryId, ...(f.aliases.length ? { aliases: f.aliases } : {}) },
        timestamp: f.stateUpdatedAt ?? ctx.generatedAt,
        products: [...products].map(([id, subs]) => ({ '@id': id, subcomponents: [...subs].map((s) => ({ '@id': s })) })),
        status,
      };
      if (status === 'not_affected') {
        const justification = openVexJustification(f.justification);
        if (justification) statement.justification = justification;
        statement.impact_statement = f.detail ?? (f.state === 'false_positive' ? 'The match was analysed as a false positive.' : 'Analysed as not affected.');
      } else if (status === 'affected') {
        statement.action_statement = recommendation(f) ?? 'No fixed version is known yet; follow the advisory.';
      } else if (f.detail) statement.status_notes = f.detail;
      return statement;
    }),
  };
}

const REMEDIATION: Record<string, string> = { update: 'vendor_fix', rollback: 'vendor_fix', workaround_available: 'workaround', will_not_fix: 'no_fix_planned', can_not_fix: 'none_available' };

/** CSAF 2.0 with the VEX profile: the product release, its components as relationships, one vulnerability per advisory. */
export function csafVex(findings: Finding[], ctx: ExportContext): Record<string, unknown> {
  const productName = ctx.product ? `${ctx.product.name}${ctx.release ? ` ${ctx.release}` : ''}` : 'Thirdwatch findings';
  const rootId = 'CSAFPID-0001';
  const componentIds = new Map<string, string>();
  const fullNames: Array<Record<string, unknown>> = [{ name: productName, product_id: rootId, ...(ctx.root?.purl ? { product_identification_helper: { purl: ctx.root.purl } } : {}) }];
  const relationships: Array<Record<string, unknown>> = [];
  const idOf = (f: Finding): string => {
    const ref = componentRef(f);
    let id = componentIds.get(ref);
    if (id) return id;
    const n = componentIds.size + 2;
    id = `CSAFPID-${String(n).padStart(4, '0')}`;
    componentIds.set(ref, id);
    const componentProduct = `${id}-C`;
    fullNames.push({ name: `${f.component.name}${f.component.version ? ` ${f.component.version}` : ''}`, product_id: componentProduct, ...(f.component.purl ? { product_identification_helper: { purl: f.component.purl } } : {}) });
    relationships.push({
      category: 'default_component_of',
      full_product_name: { name: `${f.component.name} ${f.component.version ?? ''} as a component of ${productName}`.replace(/\s+/g, ' '), product_id: id, ...(f.component.purl ? { product_identification_helper: { purl: f.component.purl } } : {}) },
      product_reference: componentProduct,
      relates_to_product_reference: rootId,
    });
    return id;
  };
  const byAdvisory = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byAdvisory.get(f.advisoryGroupId);
    if (list) list.push(f);
    else byAdvisory.set(f.advisoryGroupId, [f]);
  }
  const vulnerabilities = [...byAdvisory.values()].map((list) => {
    const f = list[0];
    const status: Record<string, string[]> = {};
    const flags = new Map<string, string[]>();
    const threats: Array<Record<string, unknown>> = [];
    const remediations: Array<Record<string, unknown>> = [];
    for (const g of list) {
      const pid = idOf(g);
      const vex = g.verdict === 'indeterminate' && g.state === 'in_triage' ? 'under_investigation' : vexStatusOf(g.state);
      const group = vex === 'affected' ? 'known_affected' : vex === 'not_affected' ? 'known_not_affected' : vex === 'fixed' ? 'fixed' : 'under_investigation';
      const ids = (status[group] ??= []);
      if (!ids.includes(pid)) ids.push(pid);
      if (vex === 'not_affected') {
        const label = openVexJustification(g.justification);
        if (label) flags.set(label, [...(flags.get(label) ?? []), pid]);
        threats.push({ category: 'impact', details: g.detail ?? (label ? `Not affected: ${label.replace(/_/g, ' ')}.` : 'Analysed as not affected.'), product_ids: [pid] });
      }
      if (vex === 'affected') {
        const category = g.responses.map((r) => REMEDIATION[r]).find((c) => c) ?? (g.fixedIn ? 'vendor_fix' : 'none_available');
        remediations.push({ category, details: recommendation(g) ?? g.detail ?? 'No fixed version is known yet.', product_ids: [pid] });
      }
    }
    const isCve = /^CVE-\d{4}-\d{4,}$/.test(f.advisoryId);
    const otherIds = [...(isCve ? [] : [f.advisoryId]), ...f.aliases.filter((a) => !/^CVE-/.test(a))];
    return {
      ...(isCve ? { cve: f.advisoryId } : {}),
      ...(otherIds.length ? { ids: otherIds.map((text) => ({ system_name: sourceOf(text).name, text })) } : {}),
      ...(f.summary ? { notes: [{ category: 'summary', text: f.summary }] } : {}),
      ...(f.cvss && f.cvss.version?.startsWith('3')
        ? { scores: [{ cvss_v3: { version: f.cvss.version, vectorString: f.cvss.vector, baseScore: f.cvss.score, baseSeverity: f.severity.toUpperCase() }, products: list.map(idOf) }] }
        : {}),
      product_status: status,
      ...(flags.size ? { flags: [...flags].map(([label, product_ids]) => ({ label, product_ids })) } : {}),
      ...(threats.length ? { threats } : {}),
      ...(remediations.length ? { remediations } : {}),
    };
  });
  const date = ctx.generatedAt;
  return {
    document: {
      category: 'csaf_vex',
      csaf_version: '2.0',
      publisher: { category: 'user', name: 'Thirdwatch', namespace: 'https://thirdwatch.dev' },
      title: `VEX for ${productName}`,
      tracking: {
        id: `thirdwatch-${ctx.product?.id ?? 'findings'}-${date.replace(/[^0-9]/g, '').slice(0, 14)}`,
        status: 'final',
        version: '1',
        revision_history: [{ number: '1', date, summary: 'Generated by Thirdwatch from its findings.' }],
        initial_release_date: date,
        current_release_date: date,
        generator: { engine: { name: 'Thirdwatch', version: ctx.toolVersion }, date },
      },
    },
    product_tree: { full_product_names: fullNames, ...(relationships.length ? { relationships } : {}) },
    vulnerabilities,
  };
}

export const CSV_COLUMNS = [
  'id', 'advisory', 'aliases', 'summary', 'severity', 'cvss', 'priority', 'due', 'overdue', 'kev', 'kev_due', 'epss', 'epss_percentile', 'malicious',
  'state', 'justification', 'responses', 'vendor', 'tier', 'product', 'release', 'component', 'version', 'purl', 'direct', 'fixed_in', 'verdict', 'status', 'first_seen',
] as const;

export function findingsCsv(findings: Finding[]): string {
  const rows = findings.map((f) =>
    [
      f.id, f.advisoryId, f.aliases.join(' '), f.summary, f.severity, f.cvss?.score ?? null, f.priority, f.dueAt, f.overdue, f.kev, f.kevDueDate, f.epss,
      f.epssPercentile, f.malicious, f.state, f.justification, f.responses.join(' '), f.vendor.name, f.vendor.tier, f.product.name, f.release,
      f.component.name, f.component.version, f.component.purl, f.component.direct, f.fixedIn, f.verdict, f.status, f.firstSeenAt,
    ],
  );
  return toCsv(CSV_COLUMNS, rows);
}
