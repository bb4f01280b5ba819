import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/app/config.js';
import { systemContext } from '../../src/platform/context.js';
import { startTestServer, type TestServer } from '../support/server.js';

const MiB = 1024 * 1024;

/** One raw HTTP/1.1 exchange: what the server wrote before closing (or within the time limit). */
function rawExchange(url: string, request: string, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(answer);
    });
  });
}

function assertSecurityHeaders(res: Response, what: string, page: boolean): void {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /frame-ancestors 'none'/, `${what}: ${csp}`);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe|unsafe-eval/, what);
  if (!page) assert.match(csp, /default-src 'none'/, `${what}: ${csp}`);
  else {
    assert.match(csp, /script-src 'self'(;|$)/, `${what}: ${csp}`);
    // Swagger UI injects a <style> element; every other page has no inline style either.
    if (!what.startsWith('/api/docs')) assert.doesNotMatch(csp, /unsafe-inline/, what);
  }
}

describe('security headers, cookies and limits', () => {
  let server: TestServer;
  let webRoot: string;
  before(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'thirdwatch-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Thirdwatch</title><div id="root"></div><script type="module" src="/app.js"></script>');
    writeFileSync(join(webRoot, 'app.js'), 'document.title = "ok";');
    // Files modified in this very second are never "not modified": date them like a built UI.
    const built = new Date(Date.now() - 3_600_000);
    for (const file of ['index.html', 'app.js']) utimesSync(join(webRoot, file), built, built);
    server = await startTestServer('sqlite', { THIRDWATCH_SECURE_COOKIES: 'true' }, { webRoot });
  });
  after(async () => {
    await server?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  test('pages get a strict Content-Security-Policy; API answers, problems and assets load nothing', async () => {
    for (const path of ['/', '/vendors/123', '/api/docs/static/index.html']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      assertSecurityHeaders(res, path, true);
    }
    for (const [path, status] of [['/api/v1/vendors', 401], ['/api/v1/nothing', 404], ['/healthz', 200], ['/app.js', 200], ['/api/openapi.json', 200]] as const) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, status, path);
      assertSecurityHeaders(res, path, false);
    }
    const res = await server.api('/api/v1/vendors');
    assert.equal(res.status, 200);
    assertSecurityHeaders(res, 'authenticated list', false);
    // A revalidated page (304) keeps the page policy: its headers replace the cached ones.
    for (const path of ['/', '/vendors/123']) {
      const first = await fetch(`${server.url}${path}`);
      await first.arrayBuffer();
      // Raw, because fetch adds Cache-Control: no-cache to conditional requests.
      const answer = await rawExchange(server.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${first.headers.get('etag')}\r\nConnection: close\r\n\r\n`);
      const head = answer.split('\r\n\r\n')[0].split('\r\n');
      assert.match(head[0], /^HTTP\/1\.1 304 /, `${path}: ${head[0]}`);
      const again = new Response(null, { headers: head.slice(1).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as [string, string]) });
      assertSecurityHeaders(again, `${path} (304)`, true);
    }
  });

  test('headers over the size limit answer 431 problem+json', async () => {
    const answer = await rawExchange(server.url, `GET /api/v1/vendors HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const [head, body] = answer.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 431 /);
    assert.match(head, /content-type: application\/problem\+json/i);
    assert.match(head, /x-content-type-options: nosniff/i);
    const problem = JSON.parse(body) as { type: string; status: number; detail: string };
    assert.equal(problem.type, 'https://thirdwatch.dev/problems/headers-too-large');
    assert.equal(problem.status, 431);
    const viaFetch = await fetch(`${server.url}/healthz`, { headers: { 'x-big': 'b'.repeat(20_000) } });
    assert.equal(viaFetch.status, 431);
    assert.match(viaFetch.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  test('logout clears the session cookie with the attributes it was set with', async () => {
    await server.tw.services.access.createUser({ email: 'cookie@example.com', name: 'Cookie', role: 'viewer', password: 'a long enough password' }, systemContext('test'));
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cookie@example.com', password: 'a long enough password' }) });
    assert.equal(login.status, 200);
    const set = login.headers.getSetCookie().find((c) => c.startsWith('tw_session='))!;
    const attributes = (cookie: string) => cookie.split(/;\s*/).slice(1).map((a) => a.split('=')[0].toLowerCase()).filter((a) => !['max-age', 'expires'].includes(a)).sort();
    assert.deepEqual(attributes(set), ['httponly', 'path', 'samesite', 'secure']);
    const logout = await fetch(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: set.split(';')[0] } });
    assert.equal(logout.status, 204);
    const cleared = logout.headers.getSetCookie().find((c) => c.startsWith('tw_session='))!;
    assert.ok(cleared, 'logout sets the cookie');
    assert.deepEqual(attributes(cleared), attributes(set));
    assert.match(cleared, /SameSite=Strict/);
    assert.match(cleared, /Path=\//);
    assert.match(cleared, /Max-Age=0|Expires=Thu, 01 Jan 1970/);
  });
});

describe('the body limits the README states are the ones enforced', () => {
  let server: TestServer;
  const config = loadConfig({ THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-test' });
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(async () => {
    await server?.close();
  });

  const post = (path: string, body: Buffer | string, type: string) => server.api(path, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type } });
  const expect413 = async (res: Response, limit: number, what: string) => {
    const text = await res.text();
    assert.equal(res.status, 413, `${what}: ${res.status} ${text.slice(0, 200)}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
    assert.match(text, new RegExp(`${limit} bytes`), `${what} names the limit: ${text}`);
  };

  test('defaults: JSON bodies 5 MiB, uploads (SBOM, feed, vendor CSV) 50 MiB', async () => {
    assert.equal(config.maxBodyBytes, 5 * MiB);
    assert.equal(config.maxUploadBytes, 50 * MiB);
    // JSON: one byte over is refused before parsing; at the limit the body is read (and validated).
    const json = (size: number) => `{"name":"${'x'.repeat(size - 11)}"}`;
    await expect413(await post('/api/v1/vendors', json(5 * MiB + 1), 'application/json'), 5 * MiB, 'JSON over 5 MiB');
    const atLimit = await post('/api/v1/vendors', json(5 * MiB), 'application/json');
    assert.equal(atLimit.status, 400, 'a 5 MiB JSON body is read and then validated');
    // Uploads: one byte over 50 MiB is refused; a CSV import between the two limits is an upload.
    const over = Buffer.alloc(50 * MiB + 1, 0x20);
    await expect413(await post('/api/v1/vendors/import?dryRun=true', over, 'text/csv'), 50 * MiB, 'vendor CSV over 50 MiB');
    await expect413(await post(`/api/v1/products/${'0'.repeat(8)}-0000-7000-8000-000000000000/sboms`, over, 'application/json'), 50 * MiB, 'SBOM over 50 MiB');
    await expect413(await post('/api/v1/feeds/osv/import', over, 'application/json'), 50 * MiB, 'feed over 50 MiB');
    const csv = `name\n${'Vendor with a long name\n'.repeat(Math.ceil((6 * MiB) / 24))}`;
    const between = await post('/api/v1/vendors/import?dryRun=true', csv, 'text/csv');
    assert.notEqual(between.status, 413, 'a 6 MiB CSV import is under the upload limit');
  });
});
