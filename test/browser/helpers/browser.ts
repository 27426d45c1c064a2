import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, type ConsoleMessage, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type StartedKeel, startKeel } from '../../helpers/keel.js';
import { ADMIN_TOKEN } from './constants.js';

const DIST = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../web/dist');

/** The Command Room's build: `npm install` makes it; a fresh checkout running only a browser test builds it here. */
export async function ensureCommandRoomBuilt(): Promise<void> {
  if (existsSync(path.join(DIST, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.resolve(DIST, '../vite.config.ts'), logLevel: 'warn' });
}

/** Debian's chromium (installed by .ci/run). Never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser suite runs here. Without chromium it is skipped with a message, except in CI,
 * where a missing browser must fail the build rather than silently skip the UI tests.
 */
export function browserAvailability(): { run: boolean; reason: string } {
  if (existsSync(CHROMIUM)) return { run: true, reason: '' };
  if (process.env.CI === 'true')
    throw new Error(
      `${CHROMIUM} is missing, and CI=true: the Command Room browser tests must run in CI (apt-get install chromium).`,
    );
  return {
    run: false,
    reason: `Skipping the Command Room browser tests: ${CHROMIUM} is not installed (apt-get install chromium). In CI this fails instead.`,
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless chromium with a fresh profile directory, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'keel-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Chromium on the Command Room at `url`, signed in with an admin token, its console watched. */
export async function signedInBrowser(
  url: string,
  token: string,
): Promise<{ browser: Browser; page: Page; log: ConsoleLog }> {
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const log: ConsoleLog = { errors: [], failedResources: [] };
  watchConsole(page, log);
  await page.goto(`${url}/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return { browser, page, log };
}

/**
 * Console errors and uncaught exceptions of a page. Chromium also logs every non-2xx fetch as a
 * console error ("Failed to load resource"); those are expected for admin API answers the UI
 * handles on purpose (a wrong token at sign-in, a role that may not see a list, an API this Keel
 * does not serve), so they are kept apart and checked by the caller.
 */
export interface ConsoleLog {
  errors: string[];
  failedResources: string[];
}

export function watchConsole(page: Page, log: ConsoleLog): void {
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    const url = m.location().url ?? '';
    if (m.type() === 'error' && text.startsWith('Failed to load resource'))
      log.failedResources.push(`${text} ${url}`);
    else if (m.type() === 'error') log.errors.push(`${text} (${url})`);
  });
  page.on('pageerror', (e) => log.errors.push(`uncaught: ${e.message}`));
}

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown; failureSummary?: string }>;
}

/** axe-core on the page as it is now; serious and critical violations only. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated over the DevTools protocol: the page's CSP (script-src 'self') rightly refuses an
  // injected <script>, and the tests must not switch the CSP off to check the page.
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const result = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })`,
  )) as { violations: AxeViolation[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      ...v,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
}

export const SCREENSHOT_DIR = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '../../../docs/screenshots',
);

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** A Keel started with `config` and chromium signed in to its Command Room with the admin token. */
export interface KeelInBrowser {
  keel: StartedKeel;
  page: Page;
  log: ConsoleLog;
  /** Until the page's requests are done and no "Loading…" line is left. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function keelInBrowser(config: Record<string, unknown>): Promise<KeelInBrowser> {
  await ensureCommandRoomBuilt();
  const keel = await startKeel({ admin: { token: ADMIN_TOKEN }, ...config });
  const signedIn = await signedInBrowser(keel.url, ADMIN_TOKEN);
  const { page } = signedIn;
  return {
    keel,
    page,
    log: signedIn.log,
    async settle() {
      await page.waitForLoadState('networkidle');
      await expect.poll(() => page.locator('.loading').count(), { timeout: 10_000 }).toBe(0);
    },
    async close() {
      await signedIn.browser.close();
      await keel.close();
    },
  };
}
