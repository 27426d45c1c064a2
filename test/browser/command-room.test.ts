import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertList } from '../../src/http/admin/api/contract.js';
import { duration, int, pct, usd } from '../../web/src/lib/format.js';
import {
  type Browser,
  browserAvailability,
  type ConsoleLog,
  ensureCommandRoomBuilt,
  launchBrowser,
  screenshot,
  seriousA11yViolations,
  watchConsole,
} from './helpers/browser.js';
import { type CommandRoom, startCommandRoom } from './helpers/command-room.js';

/**
 * The Command Room against a real Keel: every view shows what the admin API returns (the test asks
 * the API and compares with the page), sign-in and role limits hold, keys are created and revoked
 * end to end, the audit verify button catches a tampered entry, no view logs a console error or has
 * a serious accessibility violation, and every view is photographed in both themes.
 */
const availability = browserAvailability();
const DAY = 86_400_000;

/** The UI's default period: the last 30 UTC days through today (the API's `to` is exclusive). */
function defaultRange(): { from: string; to: string } {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { from: iso(today - 29 * DAY), to: iso(today + DAY) };
}

type Figures = Record<string, number | null>;
interface ValueReport {
  total: Figures;
  use_cases: Array<{ use_case: string; total: Figures }>;
}
interface UsageReport {
  total: Figures;
  data: Array<Record<string, string | number | null>>;
  price_versions: { in_use: Array<{ version: string | null }> };
}

/** The UI's routes that the API may not serve in this Keel: answered 404 on purpose, shown as empty states. */
const OPTIONAL_APIS = [
  '/api/security-events',
  '/api/datasets',
  '/api/contracts/checks',
  '/api/monitors',
  '/api/drift',
  '/api/lineage',
];

describe.skipIf(!availability.run)('the Command Room in chromium', () => {
  let room: CommandRoom;
  let browser: Browser;
  let page: Page;
  const log: ConsoleLog = { errors: [], failedResources: [] };

  beforeAll(async () => {
    await ensureCommandRoomBuilt();
    [room, browser] = await Promise.all([startCommandRoom(), launchBrowser()]);
    page = await browser.context.newPage();
    watchConsole(page, log);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await room?.close();
  });

  async function settle(p: Page = page): Promise<void> {
    await p.waitForLoadState('networkidle');
    await p
      .locator('.loading')
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => {});
    await expect.poll(() => p.locator('.loading').count(), { timeout: 10_000 }).toBe(0);
  }

  async function open(p: Page, route: string): Promise<void> {
    await p.goto(`${room.url}${route}`);
    await settle(p);
  }

  async function signIn(p: Page, token: string): Promise<void> {
    await p.goto(`${room.url}/`);
    await p.getByLabel('Admin token').fill(token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await settle(p);
  }

  /** A KPI's exact API value (the <data value> attribute) and what the page prints. */
  async function kpi(p: Page, id: string): Promise<{ value: string | null; text: string }> {
    const el = p.locator(`[data-kpi="${id}"] data.kpi-value`);
    return { value: await el.getAttribute('value'), text: (await el.textContent()) ?? '' };
  }

  function expectFigure(
    shown: { value: string | null; text: string },
    api: number | null | undefined,
    fmt: (v: number | null) => string,
  ) {
    expect(shown.value).toBe(api === null || api === undefined ? '' : String(api));
    expect(shown.text.replace(/\s/g, ' ')).toBe(fmt(api ?? null).replace(/\s/g, ' '));
  }

  function cell(p: Page, table: string, row: string, col: string) {
    return p.locator(`section[aria-label="${table}"] tr[data-row="${row}"] [data-col="${col}"]`);
  }

  it('serves the app at / and on client routes, without shadowing the API', async () => {
    for (const route of ['/', '/spend', '/use-cases/support-assistant']) {
      const res = await fetch(`${room.url}${route}`);
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const unknownApi = await fetch(`${room.url}/api/no-such-route`, {
      headers: { authorization: `Bearer ${room.adminToken}` },
    });
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${room.url}/v1/models`)).headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${room.url}/healthz`)).status).toBe(200);
  });

  it('refuses a wrong token at sign-in and signs in with the admin token', async () => {
    await page.goto(`${room.url}/`);
    await page.getByLabel('Admin token').fill('not-the-right-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    await signIn(page, room.adminToken);
    await expect.poll(() => page.locator('.who').textContent()).toContain('bootstrap');
    expect(await page.locator('.role').textContent()).toBe('admin');
  });

  it('Overview shows the figures of GET /api/value, the portfolio and the open alerts', async () => {
    await open(page, '/');
    const range = defaultRange();
    const { body: v } = await room.api<ValueReport>(
      `/value?from=${range.from}&to=${range.to}&granularity=day`,
    );
    const t = v.total;
    expect(t.requests).toBeGreaterThan(1000);
    expectFigure(await kpi(page, 'cost_usd'), t.cost_usd, usd);
    expectFigure(await kpi(page, 'value_usd'), t.value_usd, usd);
    expectFigure(await kpi(page, 'net_value_usd'), t.net_value_usd, usd);
    expectFigure(await kpi(page, 'roi'), t.roi, pct);
    expectFigure(await kpi(page, 'requests'), t.requests, int);
    expectFigure(await kpi(page, 'active_users'), t.active_users, int);
    expectFigure(await kpi(page, 'latency_p95_ms'), t.latency_p95_ms, duration);
    expectFigure(await kpi(page, 'error_rate'), t.error_rate, pct);
    expectFigure(await kpi(page, 'blocked'), t.blocked, int);
    const { body: open_ } = await room.api<{ data: unknown[] }>('/alerts?state=open&limit=1000');
    expectFigure(await kpi(page, 'open_alerts'), open_.data.length, int);

    // One portfolio row per use case of the report, with its own cost, value and ROI.
    const rows = page.locator('section[aria-label="Use-case portfolio"] tbody tr');
    expect(await rows.count()).toBe(v.use_cases.length);
    for (const u of v.use_cases) {
      expect(
        await cell(page, 'Use-case portfolio', u.use_case, 'cost').locator('data').getAttribute('value'),
      ).toBe(String(u.total.cost_usd));
      expect(
        await cell(page, 'Use-case portfolio', u.use_case, 'value').locator('data').getAttribute('value'),
      ).toBe(String(u.total.value_usd));
      expect(
        await cell(page, 'Use-case portfolio', u.use_case, 'roi').locator('data').getAttribute('value'),
      ).toBe(u.total.roi === null ? '' : String(u.total.roi));
    }
    // At laptop width the whole portfolio, health column included, fits without scrolling.
    expect(
      await page.evaluate(
        `(() => { const s = document.querySelector('section[aria-label="Use-case portfolio"]'); return s.scrollWidth <= s.clientWidth; })()`,
      ),
    ).toBe(true);
    // A pilot with no outcomes says what to do rather than showing a bare $0.
    expect(await cell(page, 'Use-case portfolio', 'contract-review', 'value').textContent()).toContain(
      'no outcomes yet',
    );
    // Health: words beside every light, never colour alone.
    const health = await cell(page, 'Use-case portfolio', 'support-assistant', 'health').textContent();
    expect(health).toMatch(/Budget: (ok|at risk|spent|none)/);
    expect(health).toMatch(/Errors: /);

    // The comparison with the previous period is on by default and can be switched off.
    expect(await page.locator('[data-kpi="cost_usd"] .delta').textContent()).toMatch(
      /vs previous period|no previous figure/,
    );
    await page.getByLabel(/Compare with/).uncheck();
    expect(await page.locator('[data-kpi="cost_usd"] .delta').count()).toBe(0);
    await page.getByLabel(/Compare with/).check();

    // The printable report: controls and navigation hidden, the report header shown.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav.sidenav').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Print report' }).isVisible()).toBe(false);
    expect(await page.locator('.print-only').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
  });

  it('a period change asks the API for that period and shows its figures', async () => {
    await open(page, '/');
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await settle();
    const today = Math.floor(Date.now() / DAY) * DAY;
    const iso = (x: number) => new Date(x).toISOString().slice(0, 10);
    const { body: v } = await room.api<ValueReport>(
      `/value?from=${iso(today - 6 * DAY)}&to=${iso(today + DAY)}`,
    );
    expectFigure(await kpi(page, 'cost_usd'), v.total.cost_usd, usd);
    expectFigure(await kpi(page, 'requests'), v.total.requests, int);
    await page.getByRole('button', { name: 'Month', exact: true }).click();
    await settle();
  });

  it('every table exports its rows as CSV', async () => {
    await open(page, '/');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV of Use-case portfolio' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('keel-portfolio.csv');
    const file = await download.path();
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(file, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('Use case,Stage,Owner,Team,Cost,Value,ROI,Cost per success,Budget (month),Health');
    expect(lines.some((l) => l.startsWith('support-assistant,production,maria.lopez,customer-care,'))).toBe(
      true,
    );
  });

  it('Use case view shows its value figures, model mix, top users and stage history', async () => {
    await open(page, '/');
    await page.getByRole('link', { name: 'Support assistant' }).click();
    await page.getByRole('heading', { level: 1, name: 'Support assistant' }).waitFor();
    await settle();
    expect(new URL(page.url()).pathname).toBe('/use-cases/support-assistant');
    const range = defaultRange();
    const { body: v } = await room.api<ValueReport>(
      `/value?from=${range.from}&to=${range.to}&use_case=support-assistant`,
    );
    const t = v.use_cases.find((u) => u.use_case === 'support-assistant')!.total;
    for (const [id, fmt] of [
      ['cost_usd', usd],
      ['value_usd', usd],
      ['roi', pct],
      ['requests', int],
      ['success_rate', pct],
      ['cost_per_successful_outcome_usd', usd],
      ['latency_p95_ms', duration],
    ] as const)
      expectFigure(await kpi(page, id), t[id], fmt);
    const { body: mix } = await room.api<UsageReport>(
      `/reports/usage?from=${range.from}&to=${range.to}&by=model&use_case=support-assistant`,
    );
    for (const r of mix.data)
      expect(await cell(page, 'Model mix', String(r.model), 'requests').textContent()).toBe(
        int(Number(r.requests)),
      );
    const { body: users } = await room.api<{ data: Array<{ user: string; requests: number }> }>(
      `/reports/top?from=${range.from}&to=${range.to}&by=user&use_case=support-assistant`,
    );
    expect(await page.locator('section[aria-label="Top users"] tbody tr').count()).toBe(users.data.length);
    expect(await cell(page, 'Top users', users.data[0]!.user, 'requests').textContent()).toBe(
      int(users.data[0]!.requests),
    );
    expect(await page.locator('section[aria-label="Stage history"]').textContent()).toContain('production');
    expect(await page.locator('figure').count()).toBeGreaterThanOrEqual(4);
  });

  it('an operator changes a use case stage from its page, and the API records it', async () => {
    await open(page, '/use-cases/lead-qualification');
    await page.getByLabel('Stage', { exact: true }).selectOption('paused');
    await page.getByLabel('Reason for the stage change').fill('ROI below target for a week');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).count()).toBe(1);
    const { body } = await room.api<{
      stage: string;
      stage_history: Array<{ to: string; reason: string | null }>;
    }>('/use-cases/lead-qualification');
    expect(body.stage).toBe('paused');
    expect(body.stage_history.at(-1)).toMatchObject({ to: 'paused', reason: 'ROI below target for a week' });
    await settle();
    expect(await page.locator('section[aria-label="Stage history"]').textContent()).toContain(
      'ROI below target for a week',
    );
  });

  it('Spend shows cost by model, provider, team, key and use case as the reports API gives them', async () => {
    await open(page, '/spend');
    const range = defaultRange();
    const tables = [
      ['model', 'Cost by model'],
      ['provider', 'Cost by provider'],
      ['team', 'Cost by team'],
      ['key_id', 'Cost by key'],
      ['use_case', 'Cost by use case'],
    ] as const;
    for (const [by, caption] of tables) {
      const { body } = await room.api<UsageReport>(
        `/reports/usage?from=${range.from}&to=${range.to}&by=${by}`,
      );
      expect(await page.locator(`section[aria-label="${caption}"] tbody tr`).count(), caption).toBe(
        body.data.length,
      );
      for (const r of body.data) {
        const key = r[by] === null ? '(none)' : String(r[by]);
        expect(
          await cell(page, caption, key, 'cost_usd').locator('data').getAttribute('value'),
          `${caption} ${key}`,
        ).toBe(String(r.cost_usd));
      }
      if (by === 'model') {
        expectFigure(await kpi(page, 'cost_usd'), body.total.cost_usd, usd);
        expectFigure(await kpi(page, 'unpriced'), body.total.unpriced, int);
        // The model nobody has a price for is flagged, with its count.
        const flagged = page.locator('section[aria-label="Cost by model"] tr.row-flag');
        expect(await flagged.getAttribute('data-row')).toBe('local-llama');
        expect(await flagged.textContent()).toContain('unpriced calls');
        expect(await page.getByTestId('price-versions').textContent()).toContain(
          String(body.price_versions.in_use.find((x) => x.version)?.version),
        );
      }
    }
    // Keys are named, not only listed by id.
    expect(await cell(page, 'Cost by key', room.seeded.keys.support.id, 'key_id').textContent()).toContain(
      'support-widget',
    );
  });

  it('Security shows blocked calls, the most targeted use cases and keys, and the refused requests', async () => {
    await open(page, '/security');
    const range = defaultRange();
    const { body: total } = await room.api<UsageReport>(
      `/reports/usage?from=${range.from}&to=${range.to}&granularity=day`,
    );
    expectFigure(await kpi(page, 'blocked'), total.total.blocked, int);
    expect(total.total.blocked).toBeGreaterThan(0);
    const { body: byUc } = await room.api<UsageReport>(
      `/reports/usage?from=${range.from}&to=${range.to}&by=use_case`,
    );
    const top = [...byUc.data]
      .filter((r) => Number(r.blocked) > 0)
      .sort((a, b) => Number(b.blocked) - Number(a.blocked))[0]!;
    expect(
      await page
        .locator('section[aria-label="Most targeted use cases"] tbody tr')
        .first()
        .getAttribute('data-row'),
    ).toBe(top.use_case);
    expect(
      await cell(page, 'Most targeted use cases', String(top.use_case), 'blocked')
        .locator('data')
        .getAttribute('value'),
    ).toBe(String(top.blocked));
    const { body: refused } = await room.api<{
      data: Array<{ seq: number; details: Record<string, unknown> }>;
    }>(`/audit?action=request.refused&from=${range.from}&to=${range.to}&limit=15`);
    expect(refused.data.length).toBeGreaterThan(0);
    const rows = page.locator('section[aria-label="Recent blocked requests"] tbody tr');
    expect(await rows.count()).toBe(refused.data.length);
    expect(await rows.first().getAttribute('data-row')).toBe(String(refused.data[0]!.seq));
    expect(
      await cell(page, 'Recent blocked requests', String(refused.data[0]!.seq), 'code').textContent(),
    ).toBe(String(refused.data[0]!.details.code));
    const { body: reasons } = await room.api<{ by_code: Array<{ code: string; requests: number }> }>(
      `/reports/refusals?from=${range.from}&to=${range.to}`,
    );
    expect(reasons.by_code.map((r) => r.code)).toEqual(
      expect.arrayContaining(['invalid_api_key', 'permission_denied']),
    );
    expect(await page.locator('section[aria-label="Blocked calls by reason"] tbody tr').count()).toBe(
      reasons.by_code.length,
    );
    for (const r of reasons.by_code)
      expect(await cell(page, 'Blocked calls by reason', r.code, 'requests').textContent()).toBe(
        int(r.requests),
      );
    // No credential is ever shown: refusals of a wrong key never echo it.
    expect(await page.locator('main').textContent()).not.toContain('sk-keel-not-a-real-key');
  });

  it('Data health shows the datasets, contract checks, drift and monitors of the data API', async () => {
    await open(page, '/data');
    for (const h of ['Datasets and versions', 'Latest contract checks', 'Drift', 'Live traffic monitors'])
      await page.getByRole('heading', { level: 2, name: h }).waitFor();
    if (!room.seeded.data) {
      // Without the data API every section says so, and what to do.
      expect(await page.locator('.empty').count()).toBeGreaterThanOrEqual(4);
      return;
    }
    const { body: datasets } = await room.api<{
      data: Array<{ name: string; versions: number; latest: { ref: string; rows: number } }>;
    }>('/datasets');
    expect(await page.locator('section[aria-label="Datasets"] tbody tr').count()).toBe(datasets.data.length);
    const faq = datasets.data.find((d) => d.name === 'support-faq')!;
    expect(await cell(page, 'Datasets', 'support-faq', 'latest').textContent()).toBe(faq.latest.ref);
    expect(await cell(page, 'Datasets', 'support-faq', 'rows').textContent()).toBe(int(faq.latest.rows));
    expect(await cell(page, 'Datasets', 'support-faq', 'versions').textContent()).toBe(int(faq.versions));

    const { body: results } = await room.api<{
      checks: Array<{ id: string; passed: boolean; failed_rules: number }>;
      drifts: Array<{
        id: string;
        role: string;
        drifted_columns: number;
        report: { columns: Array<{ column: string; drifted: boolean }> };
      }>;
    }>('/datasets/support-faq/versions/latest/results');
    expect(results.checks.length).toBeGreaterThan(0);
    for (const c of results.checks) {
      expect(await cell(page, 'Contract checks', c.id, 'passed').textContent()).toContain(
        c.passed ? 'passed' : 'failed',
      );
      expect(await cell(page, 'Contract checks', c.id, 'failed_rules').textContent()).toBe(
        int(c.failed_rules),
      );
    }
    const run = results.drifts.find((d) => d.role === 'current')!;
    expect(await cell(page, 'Drift runs', run.id, 'columns').textContent()).toContain(
      int(run.drifted_columns),
    );
    for (const col of run.report.columns)
      expect(
        await cell(page, 'Drift per column of support-faq@2', col.column, 'drifted').textContent(),
      ).toContain(col.drifted ? 'drifted' : 'stable');
    // Each drifted column is drawn: reference against current.
    const drawn = run.report.columns.filter((c) => c.drifted).length;
    expect(drawn).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('section:has(h2:text-is("Drift")) figure').count())
      .toBe(Math.min(drawn, 4));
  });

  it('the use case view draws its lineage from GET /api/lineage', async () => {
    await open(page, '/use-cases/support-assistant');
    if (!room.seeded.data) {
      expect(await page.locator('section:has(h2:text-is("Lineage")) .empty').count()).toBe(1);
      return;
    }
    const { body: g } = await room.api<{
      nodes: unknown[];
      edges: Array<{ from: string; to: string; relation: string }>;
    }>('/lineage?node=use_case%3Asupport-assistant&depth=6');
    expect(g.edges.length).toBeGreaterThanOrEqual(3);
    const svg = page.getByRole('img', { name: /Lineage of support-assistant/ });
    expect(await svg.getAttribute('aria-label')).toContain(
      `${g.nodes.length} nodes, ${g.edges.length} links`,
    );
    expect(
      await page.locator('section[aria-label="Lineage of support-assistant links"] tbody tr').count(),
    ).toBe(g.edges.length);
    expect(await svg.textContent()).toContain('support-faq@2');
  });

  it('Alerts lists the open alerts of GET /api/alerts', async () => {
    await open(page, '/alerts');
    const { body } = await room.api<AlertList>('/alerts?state=open&limit=500');
    expect(body.data.length).toBeGreaterThan(0);
    expect(await page.locator('section[aria-label="open alerts"] tbody tr').count()).toBe(body.data.length);
    for (const a of body.data) {
      expect(await cell(page, 'open alerts', a.id, 'title').textContent()).toContain(a.title);
      const sent = a.delivery.length;
      const failed = a.delivery.filter((d) => d.status === 'failed').length;
      expect(await cell(page, 'open alerts', a.id, 'delivery').textContent()).toContain(
        sent === 0 ? 'none sent' : failed === 0 ? `${sent} delivered` : `${failed} of ${sent} failed`,
      );
    }
  });

  it('every view renders in light and dark theme with no serious accessibility violations', async () => {
    const views: Array<[string, string]> = [
      ['/', 'overview'],
      ['/use-cases/support-assistant', 'use-case'],
      ['/spend', 'spend'],
      ['/security', 'security'],
      ['/data', 'data-health'],
      ['/keys', 'keys'],
      ['/alerts', 'alerts'],
    ];
    const violations: Record<string, unknown> = {};
    const overflow: string[] = [];
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.evaluate(`localStorage.setItem('keel.theme', '${theme}')`);
      // The sign-in screen, in a tab with no session yet.
      const fresh = await browser.context.newPage();
      watchConsole(fresh, log);
      await fresh.emulateMedia({ colorScheme: theme });
      await fresh.goto(`${room.url}/`);
      await fresh.getByLabel('Admin token').waitFor();
      const signInFound = await seriousA11yViolations(fresh);
      if (signInFound.length > 0) violations[`sign-in (${theme})`] = signInFound;
      await screenshot(fresh, `sign-in-${theme}`);
      await fresh.close();
      for (const [route, name] of views) {
        await open(page, route);
        expect(await page.locator('html').getAttribute('data-theme')).toBe(theme);
        // Charts are drawn by then (they load after the figures).
        await page.waitForTimeout(150);
        const found = await seriousA11yViolations(page);
        if (found.length > 0) violations[`${name} (${theme})`] = found;
        // Laptop width: wide tables scroll inside their own region, the page itself never sideways.
        if ((await page.evaluate('document.documentElement.scrollWidth > window.innerWidth')) === true)
          overflow.push(name);
        await screenshot(page, `${name}-${theme}`);
      }
    }
    await page.evaluate(`localStorage.removeItem('keel.theme')`);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(violations).toEqual({});
    expect(overflow).toEqual([]);
  }, 120_000);

  it('the theme toggle switches and remembers the theme', async () => {
    await open(page, '/keys');
    const before = await page.locator('html').getAttribute('data-theme');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    const after = await page.locator('html').getAttribute('data-theme');
    expect(after).not.toBe(before);
    await page.reload();
    await settle();
    expect(await page.locator('html').getAttribute('data-theme')).toBe(after);
    await page.evaluate(`localStorage.removeItem('keel.theme')`);
  });

  it('the keyboard reaches navigation, actions and tables in order', async () => {
    await open(page, '/keys');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate('document.activeElement?.textContent');
    expect(focused).toBe('Create key');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Create a virtual key' }).waitFor();
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('name');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('Keys & access lists keys with budget use and last use; an operator creates a key, uses it, and revokes it', async () => {
    await open(page, '/keys');
    const { body: keys } = await room.api<{ data: Array<{ id: string; name: string }> }>('/keys');
    expect(await page.locator('section[aria-label="Virtual keys"] tbody tr').count()).toBe(keys.data.length);
    const { body: act } = await room.api<{ data: Array<{ key_id: string; budget_spent_usd: number }> }>(
      '/reports/keys',
    );
    const support = act.data.find((a) => a.key_id === room.seeded.keys.support.id)!;
    expect(
      await cell(page, 'Virtual keys', support.key_id, 'budget').locator('data').getAttribute('value'),
    ).toBe(String(support.budget_spent_usd));
    expect(await cell(page, 'Virtual keys', support.key_id, 'last_used').textContent()).toMatch(/ago/);

    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a virtual key' });
    await dialog.getByLabel(/^Name/).fill('browser-test-key');
    await dialog.getByLabel(/^Models/).fill('chat-fast');
    await dialog.getByLabel(/^Budget \(USD\)/).fill('2.5');
    await dialog.getByLabel(/^MCP servers/).fill('docs');
    await dialog.getByLabel(/^MCP tools/).fill('crm__read_*, fs__read_file');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-key');
    await shown.waitFor();
    const secret = (await shown.textContent()) ?? '';
    expect(secret).toMatch(/^sk-keel-/);
    expect(await page.getByRole('dialog').textContent()).toContain('only time it is shown');
    await page.getByRole('button', { name: 'I have copied it' }).click();

    const created = (
      await room.api<{
        data: Array<{ id: string; name: string; budget_usd: number; models: string[]; mcp_tools: string[] }>;
      }>('/keys')
    ).body.data.find((k) => k.name === 'browser-test-key')!;
    expect(created).toMatchObject({
      budget_usd: 2.5,
      models: ['chat-fast'],
      mcp_servers: ['docs'],
      mcp_tools: ['crm__read_*', 'fs__read_file'],
    });
    // The new key works on /v1 …
    const ok = await room.v1('/models', secret);
    expect(ok.status).toBe(200);
    // … the key value is never shown again, in the table or anywhere on the page.
    await settle();
    expect(await page.locator('body').textContent()).not.toContain(secret);

    await page.getByRole('button', { name: 'Revoke key browser-test-key' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke key?' });
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'was revoked' }).count()).toBe(1);
    const after = await room.v1('/models', secret);
    expect(after.status).toBe(401);
    const { body: revoked } = await room.api<{ status: string }>(`/keys/${created.id}`);
    expect(revoked.status).toBe('revoked');
  });

  it('a viewer sees no create, rotate, revoke, acknowledge or verify, and the API refuses the viewer anyway', async () => {
    const viewerPage = await browser.context.newPage();
    watchConsole(viewerPage, log);
    try {
      await signIn(viewerPage, room.viewerToken);
      expect(await viewerPage.locator('.role').textContent()).toBe('viewer');
      await open(viewerPage, '/keys');
      expect(await viewerPage.locator('section[aria-label="Virtual keys"] tbody tr').count()).toBeGreaterThan(
        0,
      );
      expect(await viewerPage.getByRole('button', { name: 'Create key' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: /^Rotate/ }).count()).toBe(0);
      expect(await viewerPage.locator('main').textContent()).toContain('needs the operator role');
      // Admin users are for admins only: the viewer does not even ask for them.
      expect(await viewerPage.getByRole('heading', { name: 'Admin users' }).count()).toBe(0);

      await open(viewerPage, '/alerts');
      expect(await viewerPage.getByRole('button', { name: /^Acknowledge\s/ }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: /^Resolve\s/ }).count()).toBe(0);
      await open(viewerPage, '/security');
      expect(await viewerPage.getByRole('button', { name: 'Verify chain' }).count()).toBe(0);
      await open(viewerPage, '/use-cases/support-assistant');
      expect(await viewerPage.getByRole('button', { name: 'Save changes' }).count()).toBe(0);

      // The UI asked only for what the viewer may read: browsing left no refusal in the audit log.
      const refusedBefore = await room.api<{ data: unknown[] }>(
        '/audit?action=admin.refused&actor=admin:vera',
      );
      expect(refusedBefore.body.data).toEqual([]);

      const del = await room.api<{ error: { code: string } }>(`/keys/${room.seeded.keys.search.id}`, {
        method: 'DELETE',
        token: room.viewerToken,
      });
      expect(del.status).toBe(403);
      expect(del.body.error.code).toBe('forbidden_role');
      const stillThere = await room.api<{ status: string }>(`/keys/${room.seeded.keys.search.id}`);
      expect(stillThere.body.status).toBe('active');
    } finally {
      await viewerPage.close();
    }
  });

  it('alerts are acknowledged, then resolved, from the Alerts view', async () => {
    await open(page, '/alerts');
    const { body } = await room.api<{ data: Array<{ id: string; title: string }> }>(
      '/alerts?state=open&limit=500',
    );
    const alert = body.data[0]!;
    await cell(page, 'open alerts', alert.id, 'actions')
      .getByRole('button', { name: /^Acknowledge\s/ })
      .click();
    await expect
      .poll(async () => (await room.api<{ state: string }>(`/alerts/${alert.id}`)).body.state)
      .toBe('acknowledged');
    await page.getByRole('button', { name: 'Acknowledged', exact: true }).click();
    await settle();
    await cell(page, 'acknowledged alerts', alert.id, 'actions')
      .getByRole('button', { name: /^Resolve/ })
      .click();
    await expect
      .poll(
        async () =>
          (await room.api<{ state: string; resolved_by: string }>(`/alerts/${alert.id}`)).body.state,
      )
      .toBe('resolved');
  });

  it('the audit "verify chain" button reports an intact chain, then the entry that was tampered with', async () => {
    await open(page, '/security');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect
      .poll(() => page.getByTestId('verify-result').textContent(), { timeout: 15_000 })
      .toContain('Chain intact');

    const { database, audit } = room.app.services;
    await audit.flush();
    const victim = 7;
    const row = await database.db
      .selectFrom('audit_log')
      .select('details')
      .where('seq', '=', victim)
      .executeTakeFirstOrThrow();
    await database.db
      .updateTable('audit_log')
      .set({ details: JSON.stringify({ ...(JSON.parse(row.details) as object), tampered: true }) })
      .where('seq', '=', victim)
      .execute();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect
      .poll(() => page.getByTestId('verify-result').textContent(), { timeout: 15_000 })
      .toContain('Chain broken');
    expect(await page.getByTestId('verify-result').textContent()).toContain(`entry #${victim}`);
  });

  it('no view logged a console error, and every failed request was one the UI handles on purpose', () => {
    expect(log.errors).toEqual([]);
    const unexpected = log.failedResources.filter((f) => {
      if (f.includes('status of 401') && f.includes('/api/whoami')) return false; // the wrong token at sign-in
      if (f.includes('status of 404') && OPTIONAL_APIS.some((a) => f.includes(a))) return false;
      return true;
    });
    expect(unexpected).toEqual([]);
  });
});

if (!availability.run)
  describe('the Command Room in chromium', () => {
    it.skip(availability.reason, () => {});
  });
