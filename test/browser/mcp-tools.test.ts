import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAudit } from '../../src/audit/query.js';
import { type Approval, createApprovals } from '../../src/mcp/approvals/index.js';
import { insertMcpCalls, mcpCallRow, mcpPolicy, toolCall } from '../../src/mcp/approvals/testkit.js';
import { McpRefusal } from '../../src/mcp/types.js';
import {
  browserAvailability,
  type KeelInBrowser,
  keelInBrowser,
  screenshot,
  seriousA11yViolations,
} from './helpers/browser.js';

/**
 * The Tools view against a real Keel: the figures of recorded tool calls, and a call held for
 * approval (held by a second approval service on the same store, as another replica's gateway
 * would) approved from the view — the held call then runs, and the store and the audit log say so.
 */
const availability = browserAvailability();
const POLICY = { tools: { crm__export: { approval: 'required' } } };

describe.skipIf(!availability.run)('the Tools view in the Command Room', () => {
  let room: KeelInBrowser;

  beforeAll(async () => {
    room = await keelInBrowser({ mcp: POLICY });
  }, 120_000);

  afterAll(async () => {
    await room?.close();
  });

  it('says there are no servers and nothing waits while nothing is configured or held', async () => {
    await room.page.goto(`${room.keel.url}/tools`);
    await room.settle();
    await room.page.getByRole('heading', { level: 1, name: 'Tools' }).waitFor();
    for (const title of ['No MCP servers', 'No calls waiting for approval'])
      expect(await room.page.getByRole('status').filter({ hasText: title }).count()).toBe(1);
  });

  it('shows the calls per tool, and an approval from the view lets the held call run', async () => {
    const { database, audit } = room.keel.app.services;
    const at = Date.now() - 3_600_000;
    await insertMcpCalls(database, [
      mcpCallRow({ id: 'ui1', ts: at, latency_ms: 12 }),
      mcpCallRow({ id: 'ui2', ts: at, latency_ms: 18 }),
      mcpCallRow({
        id: 'ui3',
        ts: at,
        outcome: 'refused',
        error_code: 'tool_not_allowed',
        use_case: 'support',
      }),
    ]);
    let onHeld: (a: Approval) => void = () => {};
    const isHeld = new Promise<Approval>((resolve) => {
      onHeld = resolve;
    });
    const gateway = createApprovals({
      database,
      audit,
      config: mcpPolicy({ crm__export: 'required' }),
      pollMs: 50,
      onHeld,
    });
    const call = toolCall('crm__export', { customer: 'acme', api_key: 'sk-live-0123456789abcdefghij' });
    const ran = gateway.approve(call).then(
      () => 'ran',
      (e: unknown) => (e instanceof McpRefusal ? e.code : String(e)),
    );
    await isHeld;

    await room.page.goto(`${room.keel.url}/tools`);
    await room.settle();
    expect(await room.page.locator('[data-kpi="calls"] data').getAttribute('value')).toBe('3');
    expect(await room.page.locator('[data-kpi="pending"] data').getAttribute('value')).toBe('1');
    const tool = room.page.locator('tr[data-row="crm__lookup"]');
    expect(await tool.locator('[data-col="calls"] data').getAttribute('value')).toBe('3');
    expect(await tool.locator('[data-col="refused"]').textContent()).toContain('tool_not_allowed 1');
    expect(
      await room.page.locator('nav .badge').filter({ hasText: 'waiting for approval' }).textContent(),
    ).toContain('1');

    const held = room.page.locator(
      `section[aria-label="Tool calls waiting for approval"] tr[data-row="${call.callId}"]`,
    );
    expect(await held.locator('[data-col="caller"]').textContent()).toContain('ops-agent');
    const args = (await held.locator('[data-col="arguments"]').textContent()) ?? '';
    expect(args).toContain('acme');
    expect(args).not.toContain('0123456789abcdefghij');
    expect(await seriousA11yViolations(room.page)).toEqual([]);
    await screenshot(room.page, 'tools-light');
    await room.page.emulateMedia({ colorScheme: 'dark' });
    await room.page.evaluate(`localStorage.setItem('room.keel.theme', 'dark')`);
    await room.page.reload();
    await room.settle();
    expect(await room.page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(await seriousA11yViolations(room.page)).toEqual([]);
    await screenshot(room.page, 'tools-dark');
    await room.page.evaluate(`localStorage.removeItem('room.keel.theme')`);
    await room.page.emulateMedia({ colorScheme: 'light' });

    await held.getByRole('button', { name: /^Approve/ }).click();
    const dialog = room.page.getByRole('dialog', { name: 'Approve this tool call?' });
    await dialog.getByLabel(/Reason/).fill('ticket 4711');
    await dialog.getByRole('button', { name: 'Approve call' }).click();
    await room.page.getByRole('status').filter({ hasText: 'Call to crm__export approved.' }).waitFor();
    await held.waitFor({ state: 'detached' });
    // The navigation's count follows the decision.
    await room.page
      .locator('nav .badge')
      .filter({ hasText: 'waiting for approval' })
      .waitFor({ state: 'detached' });
    const decided = room.page.locator(
      `section[aria-label="Recent approval decisions"] tr[data-row="${call.callId}"]`,
    );
    expect(await decided.locator('[data-col="status"]').textContent()).toContain('admin:bootstrap');

    expect(await ran).toBe('ran');
    expect(await gateway.get(call.callId)).toMatchObject({
      status: 'approved',
      decidedBy: 'admin:bootstrap',
      reason: 'ticket 4711',
    });
    const entries = await queryAudit(database, { action: 'mcp.approval.approved' });
    expect(entries.entries.map((e) => [e.target, e.actor, e.details.reason])).toEqual([
      [call.callId, 'admin:bootstrap', 'ticket 4711'],
    ]);
    expect(room.log.errors).toEqual([]);
  });
});
