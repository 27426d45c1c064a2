import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedteamRun } from '../../src/http/admin/api/contract.js';
import { sampleReport } from '../../src/redteam/runs/testkit.js';
import { decimal, pct } from '../../web/src/lib/format.js';
import {
  browserAvailability,
  type KeelInBrowser,
  keelInBrowser,
  seriousA11yViolations,
} from './helpers/browser.js';
import { ADMIN_TOKEN } from './helpers/constants.js';

/**
 * The Security view's red-team section against a real Keel: the empty state says how to run the
 * suite; after two runs are posted it shows the latest per use case, the trend between them, and
 * a run's categories and worst cases.
 */
const availability = browserAvailability();
const LATEST = 'section[aria-label="Latest red-team run per use case"]';

describe.skipIf(!availability.run)('red-team runs in the Command Room', () => {
  let room: KeelInBrowser;

  const post = async (body: unknown): Promise<RedteamRun> => {
    const res = await fetch(`${room.keel.url}/api/redteam/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as RedteamRun;
  };

  beforeAll(async () => {
    room = await keelInBrowser({ redteam: { use_cases: { 'support-assistant': { min_score: 95 } } } });
  }, 120_000);

  afterAll(async () => {
    await room?.close();
  });

  it('tells how to run keel redteam while no run is stored', async () => {
    await room.page.goto(`${room.keel.url}/security`);
    await room.settle();
    const empty = room.page.getByRole('status').filter({ hasText: 'No red-team runs yet' });
    await expect.poll(() => empty.count()).toBe(1);
    expect(await empty.textContent()).toContain('keel redteam --target');
  });

  it('shows the latest run per use case, the trend across runs, and one run in detail', async () => {
    const first = await post(
      sampleReport({ useCase: 'support-assistant', score: 97, at: '2026-12-04T09:00:00.000Z' }),
    );
    const second = await post(
      sampleReport({ useCase: 'support-assistant', score: 90, at: '2026-12-05T09:00:00.000Z' }),
    );
    await room.page.goto(`${room.keel.url}/security`);
    await room.settle();

    const row = room.page.locator(`${LATEST} tr[data-row="support-assistant"]`);
    await row.waitFor();
    expect(await row.locator('[data-col="score"] data').getAttribute('value')).toBe(
      String(second.summary.score),
    );
    expect(await row.locator('[data-col="asr"] data').textContent()).toBe(
      pct(second.summary.attack_success_rate),
    );
    expect(await row.locator('[data-col="runs"]').textContent()).toBe('2');
    // 90 is under support-assistant's 95: flagged, and the trend says by how much it fell.
    expect(await row.getAttribute('class')).toContain('row-flag');
    expect(await row.locator('[data-col="trend"]').textContent()).toBe(`▼ ${decimal(90 - 97)}`);

    // The trend chart of the use case and its runs, newest first.
    await expect
      .poll(() => room.page.locator('.redteam-trend figure svg.recharts-surface').count())
      .toBeGreaterThan(0);
    expect(await room.page.locator('.redteam-trend figcaption').textContent()).toContain('2 run(s)');
    const runRows = room.page.locator('section[aria-label="Red-team runs of support-assistant"] tbody tr');
    expect(await runRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row')))).toEqual([
      second.id,
      first.id,
    ]);

    await runRows
      .first()
      .getByRole('button', { name: /Details/ })
      .click();
    const dialog = room.page.getByRole('dialog', { name: 'Red-team run' });
    await dialog.locator('section[aria-label="Per category"] tr[data-row="direct-injection"]').waitFor();
    expect(
      await dialog
        .locator('section[aria-label="Per category"] tr[data-row="direct-injection"] [data-col="attacks"]')
        .textContent(),
    ).toBe('10');
    expect(await dialog.locator('section[aria-label="Worst cases"] tbody tr').count()).toBe(1);
    expect(await dialog.locator('section[aria-label="Worst cases"]').textContent()).toContain('RT-NONCE-1');
    expect(await seriousA11yViolations(room.page)).toEqual([]);
    await dialog.getByRole('button', { name: /Close/ }).click();
    expect(room.log.errors).toEqual([]);
  });
});
