import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { json, problem } from '../findings/test-support.js';
import { nvdCve, nvdPage } from './parsers/test-nvd.js';

const API_KEY = 'nvd-api-key-0f3c9a71';
const DAY = 86_400_000;

interface Request {
  start: number;
  end: number;
  startIndex: number;
  resultsPerPage: number;
  apiKey: string | undefined;
}

/**
 * A CVE API 2.0 stand-in: the records whose lastModified falls in [lastModStartDate, lastModEndDate],
 * resultsPerPage at a time from startIndex; a window over 120 days is refused with 404, as NVD does.
 */
function nvdApi(records: Array<ReturnType<typeof nvdCve>>, requests: Request[]): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const start = Date.parse(url.searchParams.get('lastModStartDate') ?? '');
    const end = Date.parse(url.searchParams.get('lastModEndDate') ?? '');
    const startIndex = Number(url.searchParams.get('startIndex') ?? 0);
    const resultsPerPage = Number(url.searchParams.get('resultsPerPage') ?? 2000);
    requests.push({ start, end, startIndex, resultsPerPage, apiKey: req.headers.apikey as string | undefined });
    if (!(end - start <= 120 * DAY) || url.pathname !== '/rest/json/cves/2.0') {
      res.writeHead(404).end();
      return;
    }
    const inWindow = records.filter((r) => {
      const modified = Date.parse(`${r.lastModified}Z`);
      return modified >= start && modified <= end;
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(nvdPage(inWindow.slice(startIndex, startIndex + resultsPerPage), startIndex, inWindow.length)));
  });
}

describeEachEngine('NVD CVE API sync: off by default, write-only key, 120-day windows, paging, resumes where it stopped', ({ engine }) => {
  let server: TestServer;
  let api: Server;
  let base: string;
  const requests: Request[] = [];
  const now = Date.now();
  const modified = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString().replace('Z', '');
  const records = [
    nvdCve('CVE-2099-1001', { lastModified: modified(290) }),
    nvdCve('CVE-2099-1002', { lastModified: modified(200) }),
    nvdCve('CVE-2099-1003', { lastModified: modified(100) }),
    nvdCve('CVE-2099-1004', { lastModified: modified(50) }),
    nvdCve('CVE-2099-1005', { lastModified: modified(10) }),
    nvdCve('CVE-2099-1006', { lastModified: modified(5), metrics: { cvssMetricV31: 'high' } }),
    nvdCve('CVE-2099-1007', { lastModified: modified(1) }),
  ];

  before(async () => {
    server = await startTestServer(engine, { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' });
    api = nvdApi(records, requests);
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(api.address() as AddressInfo).port}/rest/json/cves/2.0`;
  });
  after(async () => {
    await new Promise((resolve) => api?.close(resolve));
    await server?.close();
  });

  test('off by default: the hourly check enqueues nothing and nothing is fetched', async () => {
    const settings = await json<any>(await server.api('/api/v1/settings/nvd'), 200);
    assert.equal(settings.enabled, false);
    assert.equal(settings.apiKey, null);
    assert.equal(settings.baseUrl, 'https://services.nvd.nist.gov/rest/json/cves/2.0');
    assert.deepEqual(await server.tw.services.nvdSync.syncDue(), { enqueued: [] });
    await problem(await server.api('/api/v1/settings/nvd', { role: 'analyst' }), 403);
  });

  test('the API key is write-only; a sync fetches every window and page and imports the records', async () => {
    const settings = { enabled: true, baseUrl: base, apiKey: API_KEY, intervalHours: 2, resultsPerPage: 2, requestDelayMs: 0, initialDays: 300, timeoutSeconds: 30 };
    await problem(await server.api('/api/v1/settings/nvd', { method: 'PUT', role: 'analyst', json: settings }), 403);
    assert.equal((await json<any>(await server.api('/api/v1/settings/nvd', { method: 'PUT', json: settings }), 200)).apiKey, '***');
    assert.equal((await json<any>(await server.api('/api/v1/settings/nvd'), 200)).apiKey, '***');
    // Written back as shown: the stored key is kept.
    assert.equal((await json<any>(await server.api('/api/v1/settings/nvd', { method: 'PUT', json: { ...settings, apiKey: '***' } }), 200)).apiKey, '***');
    await problem(await server.api('/api/v1/settings/nvd', { method: 'PUT', json: { ...settings, baseUrl: 'ftp://x' } }), 400);

    assert.deepEqual((await json<any>(await server.api('/api/v1/feeds/nvd/sync', { method: 'POST', role: 'analyst' }), 202)).enqueued, ['nvd-api']);
    await createWorker(server.tw, { pollMs: 10 }).drain();

    // 300 days: three windows (120, 120, 60 days), each at most 120 days, continuous, ending now.
    const windows = [...new Map(requests.map((r) => [r.start, r.end])).entries()];
    assert.equal(windows.length, 3);
    for (const [start, end] of windows) assert.ok(end - start <= 120 * DAY);
    for (let i = 1; i < windows.length; i++) assert.equal(windows[i][0], windows[i - 1][1]);
    // Two per page: the last window holds four records (one bad), so startIndex 0 and 2.
    assert.deepEqual(requests.filter((r) => r.start === windows[2][0]).map((r) => r.startIndex), [0, 2]);
    assert.ok(requests.every((r) => r.apiKey === API_KEY && r.resultsPerPage === 2));
    assert.ok(!server.logs().includes(API_KEY), 'the key never reaches the logs');

    const overview = await json<any>(await server.api('/api/v1/feeds'), 200);
    const feed = overview.feeds.find((f: any) => f.name === 'nvd-api');
    assert.ok(feed.lastSuccessAt, JSON.stringify(feed));
    assert.deepEqual([feed.lastResult.imported, feed.lastResult.errors, feed.lastResult.windows], [6, 1, 3]);
    assert.equal(feed.lastResult.firstErrors[0].record, 'CVE-2099-1006');
    assert.ok(!JSON.stringify(overview).includes(API_KEY));
    assert.equal((await json<any>(await server.api('/api/v1/advisories/CVE-2099-1001', { role: 'viewer' }), 200)).records[0].source, 'nvd');

    // Not due again within its interval.
    assert.deepEqual(await server.tw.services.nvdSync.syncDue(), { enqueued: [] });
  });

  test('the next sync asks only for what changed since, in one window', async () => {
    requests.length = 0;
    records.push(nvdCve('CVE-2099-1008', { lastModified: new Date(Date.now() + 1000).toISOString().replace('Z', '') }));
    await new Promise((r) => setTimeout(r, 1500));
    const ctx = { actor: { type: 'system' as const, id: null, name: 'test', role: 'admin' as const }, requestId: null };
    const result = await server.tw.services.nvdSync.sync(ctx);
    assert.equal(result.windows, 1);
    assert.ok(requests[0].end - requests[0].start < DAY);
    assert.deepEqual([result.imported, result.skipped], [1, 0]);
  });

  test('a failing server is recorded; the position stays so the retry starts where it stopped', async () => {
    const ctx = { actor: { type: 'system' as const, id: null, name: 'test', role: 'admin' as const }, requestId: null };
    const settings = await server.tw.services.nvdSync.settings();
    await server.tw.services.nvdSync.setSettings({ ...settings, baseUrl: `${base}/missing` }, ctx);
    await assert.rejects(server.tw.services.nvdSync.sync(ctx), /answered HTTP 404/);
    const feed = (await json<any>(await server.api('/api/v1/feeds'), 200)).feeds.find((f: any) => f.name === 'nvd-api');
    assert.match(feed.lastError, /\/missing\?.* answered HTTP 404/);
    assert.ok(!feed.lastError.includes(API_KEY));
  });
});
