/**
 * What the browser suites share: Chromium's location and flags, building web/dist when stale, the
 * suite setup (describeBrowser) and per-suite page helpers (a signed-in context, the accessible-name
 * check, screenshots).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { supportedEngines } from '../../src/platform/db/test-support/engines.js';
import type { Dialect } from '../../src/platform/db/database.js';

export const CHROMIUM = process.env.THIRDWATCH_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB = join(ROOT, 'web');
export const DIST = join(WEB, 'dist');
export const SHARED_DATA = join(ROOT, '..', 'shared', 'data');
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const chromiumMissing = (suite: string) =>
  `${suite} browser tests: chromium is missing at ${CHROMIUM} (CI installs it; set THIRDWATCH_CHROMIUM to another binary)`;

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

/** Builds the UI when web/dist is missing or older than web/src, web/index.html or the Vite config. */
export function ensureBuilt(): void {
  mkdirSync(SHOTS, { recursive: true });
  const index = join(DIST, 'index.html');
  const sources = Math.max(newestSource(join(WEB, 'src')), newestSource(join(WEB, 'index.html')), newestSource(join(WEB, 'vite.config.ts')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  try {
    execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000, env: { ...process.env, NODE_ENV: 'production' } });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`building the web UI failed (npx vite build --config web/vite.config.ts): ${e.stderr?.toString() || e.stdout?.toString() || e.message}`);
  }
  if (!existsSync(index)) throw new Error('npx vite build --config web/vite.config.ts did not produce web/dist/index.html');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/** Page helpers bound to one browser and server; uncaught page errors are collected for the suite's after(). */
export function pageKit(browser: () => Browser, baseURL: () => string, pageErrors: string[]) {
  return {
    /** A fresh context, signed in with the token when one is given. */
    async newContext(token?: string): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser().newContext({ viewport: { width: 1360, height: 900 }, baseURL: baseURL() });
      context.setDefaultTimeout(10_000);
      if (token) await context.addInitScript((t) => sessionStorage.setItem('thirdwatch.token', t), token);
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      return { context, page };
    },

    /** Every visible form control has an accessible name (a label, aria-label or aria-labelledby). */
    async assertLabelled(page: Page): Promise<void> {
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLInputElement>('input, select, textarea')]
          .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0)
          .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      assert.deepEqual(unlabelled, [], 'controls without a label');
    },

    async shot(page: Page, name: string, fullPage = false): Promise<void> {
      // The header is sticky: a full-page capture must start from the top or it lands mid-page.
      if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
    },
  };
}

export type PageKit = ReturnType<typeof pageKit>;

/**
 * Declares a browser suite, once per engine in `engines` that this run covers (SQLite always,
 * PostgreSQL when THIRDWATCH_TEST_DATABASE_URL is set): skipped, loudly, without Chromium; otherwise
 * web/dist is built when stale, a real server over a fresh database of that engine serves it and
 * Chromium is launched before the suite's own before() hooks (which seed data), and afterwards both
 * are closed and the suite fails if a page threw an uncaught error. `server` stands for the suite's
 * server once it has started.
 */
export function describeBrowser(
  title: string,
  what: string,
  body: (server: TestServer, kit: PageKit) => void,
  options: { env?: Record<string, string>; engines?: readonly Dialect[] } = {},
): void {
  if (!existsSync(CHROMIUM)) {
    test.skip(chromiumMissing(what));
    return;
  }
  for (const engine of supportedEngines().filter((e) => (options.engines ?? ['sqlite', 'postgres']).includes(e))) {
    describe(`${title} [${engine}]`, () => {
      let started: TestServer | undefined;
      let browser: Browser | undefined;
      const pageErrors: string[] = [];
      before(async () => {
        ensureBuilt();
        started = await startTestServer(engine, options.env, { webRoot: DIST });
        browser = await launchChromium();
      });
      const running = () => {
        if (!started) throw new Error(`${title}: the server is used before the suite started`);
        return started;
      };
      const server = new Proxy({} as TestServer, { get: (_target, property) => Reflect.get(running(), property) as unknown });
      body(server, pageKit(() => browser!, () => running().url, pageErrors));
      // Registered after the body's hooks so a suite's own teardown (a worker, say) runs before the server closes.
      after(async () => {
        await browser?.close();
        await started?.close();
        assert.deepEqual(pageErrors, [], 'pages threw uncaught errors');
      });
    });
  }
}
