import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';

// A server started before `npm run build:web` once answered every UI path with a 500
// ("sendFile is not a function") even after the UI was built.
describe('web UI built while the server runs', () => {
  let server: TestServer;
  let parent: string;
  let webRoot: string;
  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'thirdwatch-web-late-'));
    webRoot = join(parent, 'dist');
    server = await startTestServer('sqlite', {}, { webRoot });
  });
  after(async () => {
    await server?.close();
    rmSync(parent, { recursive: true, force: true });
  });

  test('before the build a page path is a 404 that says how to build the UI; after it, the app shell', async () => {
    const missing = await fetch(`${server.url}/vendors`);
    assert.equal(missing.status, 404);
    const problem = (await missing.json()) as { detail: string };
    assert.match(problem.detail, /web UI is not built \(run `npm run build:web`\)/);
    const api = (await (await fetch(`${server.url}/api/v1/nothing`)).json()) as { detail: string };
    assert.doesNotMatch(api.detail, /web UI/, 'an unknown API path is just not found');

    mkdirSync(webRoot);
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Thirdwatch</title><div id="root"></div>');
    writeFileSync(join(webRoot, 'app.js'), 'document.title = "ok";');
    for (const path of ['/', '/vendors', '/vendors/123']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.match(await res.text(), /<title>Thirdwatch<\/title>/, path);
    }
    assert.equal((await fetch(`${server.url}/app.js`)).status, 200);
  });
});
