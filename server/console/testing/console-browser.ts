import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../../../shared/testing/vectors.ts';
import { createTestCentre, type TestCentre } from '../../testing/test-centre.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, or null (with a message) where it is absent; under CI its absence is a failure (.ci/run installs it). */
export function findChromium(): string | null {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const message = `${CHROMIUM} not found (Debian package chromium; .ci/run installs it)`;
  if (process.env.CI === 'true') throw new Error(`${message}; it is required under CI`);
  console.warn(`skipping: ${message}`);
  return null;
}

/** Started as the machine's probe starts it: no sandbox (root in a container), no network beyond loopback. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export interface ConsoleHarness {
  /** The Centre behind the console, driven in process too (t.request, t.clock). */
  readonly t: TestCentre;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly browser: Browser;
  /** A fresh browser context (its own cookies) at 1280x800, or `viewport` when given. */
  context(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  /** Signs `page` in with `token` through the sign-in form and waits for the landing page. */
  signIn(page: Page, token: string): Promise<void>;
  /** Writes a PNG of `page` as `<name>.png` (docs/console/ under `npm run console:screenshots`, else a temporary folder). */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real Centre (createTestCentre: SQLite files, its injected clock) served
 * on a loopback port, and Debian's chromium driven by playwright-core.
 * Returns null where chromium is absent outside CI.
 */
export async function startConsoleHarness(options: { readonly random?: () => number } = {}): Promise<ConsoleHarness | null> {
  const executablePath = findChromium();
  if (executablePath === null) return null;
  const t = createTestCentre({}, options);
  const screenshotDir = process.env.HASHFEED_CONSOLE_SCREENSHOTS === undefined ? mkdtempSync(join(tmpdir(), 'hf-console-shots-')) : resolve(repoRoot, process.env.HASHFEED_CONSOLE_SCREENSHOTS);
  const ownScreenshotDir = process.env.HASHFEED_CONSOLE_SCREENSHOTS === undefined;
  // Chromium's own temporary files (.org.chromium.Chromium.*) in a folder of the harness, removed on close:
  // a browser that exits before cleaning up after itself then leaves nothing in the run's temporary directory.
  const browserTmp = mkdtempSync(join(tmpdir(), 'hf-chromium-'));
  const removeOwnDirs = (): void => {
    rmSync(browserTmp, { recursive: true, force: true });
    if (ownScreenshotDir) rmSync(screenshotDir, { recursive: true, force: true });
  };
  let server: ServerType | undefined;
  let browser: Browser | undefined;
  try {
    const listening = await new Promise<ServerType>((done) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(s));
    });
    server = listening;
    const port = (listening.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    const launched = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000, env: { ...process.env, TMPDIR: browserTmp } });
    browser = launched;
    const contexts: BrowserContext[] = [];
    return {
      t,
      url,
      browser: launched,
      context: async (viewport = { width: 1280, height: 800 }) => {
        const context = await launched.newContext({ viewport, baseURL: url });
        context.setDefaultTimeout(10_000);
        contexts.push(context);
        return context;
      },
      signIn: async (page, token) => {
        await page.goto('/console/sign-in');
        await page.getByLabel('Account token or one-time sign-in code').fill(token);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((u) => !u.pathname.startsWith('/console/sign-in'));
      },
      screenshot: async (page, name) => {
        mkdirSync(screenshotDir, { recursive: true });
        const path = join(screenshotDir, `${name}.png`);
        await page.screenshot({ path, fullPage: true });
        return path;
      },
      close: async () => {
        for (const context of contexts) await context.close().catch(() => undefined);
        await launched.close();
        await new Promise<void>((done) => listening.close(() => done()));
        t.close();
        removeOwnDirs();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    server?.close();
    t.close();
    removeOwnDirs();
    throw err;
  }
}
