import { afterAll, beforeAll, it } from 'vitest';
import { launchBrowser, screenshot, seriousA11yViolations, watchConsole } from './helpers/browser.js';
import { type CommandRoom, startCommandRoom } from './helpers/command-room.js';

let room: CommandRoom;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
beforeAll(async () => {
  const t = Date.now();
  room = await startCommandRoom();
  console.log('seeded in', Date.now() - t);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await room?.close();
});

it('dev smoke', async () => {
  const page = await browser.context.newPage();
  const log = { errors: [] as string[], failedResources: [] as string[] };
  watchConsole(page, log);
  await page.goto(`${room.url}/`);
  await page.getByLabel('Admin token').fill(room.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  for (const [path, name] of [
    ['/', 'overview'],
    ['/spend', 'spend'],
    ['/security', 'security'],
    ['/data', 'data'],
    ['/keys', 'keys'],
    ['/alerts', 'alerts'],
    ['/use-cases/support-assistant', 'use-case'],
  ] as const) {
    await page.goto(`${room.url}${path}`);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
    await screenshot(page, `dev-${name}`);
    const v = await seriousA11yViolations(page);
    console.log(name, JSON.stringify(v, null, 1).slice(0, 3000));
  }
  console.log(JSON.stringify(log, null, 1));
}, 120_000);
