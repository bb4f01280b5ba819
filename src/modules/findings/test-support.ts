// Fixtures shared by the findings/feeds tests: real data paths, SBOM documents, HTTP helpers.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { TestServer } from '../../../test/support/server.js';

export const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const GO_ZIP = `${DATA}osv/Go/all.zip`;
export const KEV_JSON = `${DATA}kev/known_exploited_vulnerabilities.json`;
export const VEX_DIR = `${DATA}cyclonedx/VEX`;

export async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${text.slice(0, 600)}`);
  return JSON.parse(text) as T;
}

export async function problem(res: Response, status: number): Promise<{ type: string; title: string; detail: string; field?: string; errors?: Array<{ field: string; reason: string }> }> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `content-type of a ${res.status}`);
  const body = await json(res, status);
  assert.match(body.type, /^https:\/\/thirdwatch\.dev\/problems\//);
  assert.ok(body.title && body.detail);
  return body;
}

/** A CycloneDX 1.5 SBOM of Go modules, all direct dependencies of the root. */
export function goBom(root: { name: string; version: string }, modules: Array<[string, string]>): string {
  const purl = (name: string, version: string) => `pkg:golang/${name}@${version}`;
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', name: root.name, version: root.version, 'bom-ref': 'root', purl: `pkg:golang/example.com/${root.name}@v${root.version}` } },
    components: modules.map(([name, version]) => ({ type: 'library', name, version, purl: purl(name, version), 'bom-ref': purl(name, version) })),
    dependencies: [{ ref: 'root', dependsOn: modules.map(([n, v]) => purl(n, v)) }],
  });
}

export async function createProduct(server: TestServer, vendor: string, product: string, tier?: { criticality?: number }) {
  const v = await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name: vendor, ...(tier ?? {}) } }), 201);
  const p = await json(await server.api(`/api/v1/vendors/${v.id}/products`, { method: 'POST', json: { name: product, type: 'server-software' } }), 201);
  return { vendorId: v.id as string, productId: p.id as string };
}

export async function uploadSbom(server: TestServer, productId: string, document: string, release?: string) {
  const res = await server.api(`/api/v1/products/${productId}/sboms${release ? `?release=${encodeURIComponent(release)}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.cyclonedx+json' },
    body: document,
  });
  return json<{ id: string; release: string }>(res, 201);
}

export async function importFeed(server: TestServer, kind: string, body: string | Uint8Array, query = '', role: 'admin' | 'analyst' = 'analyst') {
  // The request waits for its job and answers the report.
  const res = await server.api(`/api/v1/feeds/${kind}/import${query ? `${query}&` : '?'}wait=true`, { method: 'POST', role, headers: { 'content-type': 'application/octet-stream' }, body: body as BodyInit });
  // 200 when every record imported, 207 when some were refused: the report says which.
  const report = await json<{ errors: unknown[] }>(res.clone(), res.status === 207 ? 207 : 200);
  assert.equal(res.status, report.errors.length ? 207 : 200, 'the status says whether records were refused');
  return json<{ imported: number; updated: number; skipped: number; errors: Array<{ record: string; reason: string }>; findings: { created: number; updated: number; closed: number; reopened: number }; matching: { keys: number; componentsExamined: number } }>(res, res.status);
}

export async function allFindings(server: TestServer, query: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: any[]; nextCursor: string | null } = await json(await server.api(`/api/v1/findings?limit=200&${query}${cursor ? `&cursor=${cursor}` : ''}`, { role: 'viewer' }), 200);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** An OSV record for tests, affecting one Go module below a fixed version. */
export function osvRecord(id: string, module: string, fixed: string, extra: Record<string, unknown> = {}) {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2030-01-01T00:00:00Z',
    published: '2030-01-01T00:00:00Z',
    summary: `Test advisory ${id}`,
    affected: [{ package: { ecosystem: 'Go', name: module }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }] }],
    ...extra,
  };
}
