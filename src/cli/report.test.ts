import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mcpCallRow } from '../mcp/testkit.js';
import { openDatabase } from '../store/db.js';
import { createOutcomeService } from '../value/outcomes/service.js';
import { usageEvent, writeEvents } from '../value/testkit.js';
import { runReport } from './report.js';
import { captureIo } from './testkit.js';
import { runUseCases } from './usecases.js';

const MARCH = Date.UTC(2026, 2, 1);

const io = () => captureIo();

describe('keel usecases and keel report', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('manages the registry from the console and prints the value report in four formats', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'keel-report-'));
    const db = `sqlite:${path.join(dir, 'keel.db')}`;
    const cfg = path.join(dir, 'keel.yaml');
    await writeFile(cfg, `database:\n  url: ${db}\nuse_cases:\n  - id: docs\n    stage: pilot\n`);

    const a = io();
    expect(
      await runUseCases(
        [
          'create',
          'triage',
          '--config',
          cfg,
          '--value-per-outcome-usd',
          '2',
          '--human-baseline-cost-usd',
          '4',
          '--tags',
          'cx,tier1',
        ],
        a,
      ),
    ).toBe(0);
    expect(a.stdout()).toBe('created triage (stage pilot)\n');
    expect(
      await runUseCases(
        ['update', 'triage', '--config', cfg, '--stage', 'production', '--reason', 'go-live'],
        a,
      ),
    ).toBe(0);
    const bad = io();
    expect(await runUseCases(['update', 'docs', '--config', cfg, '--stage', 'production'], bad)).toBe(2);
    expect(bad.stderr()).toMatch(/declared in keel\.yaml/);
    expect(await runUseCases(['create', 'x', '--config', cfg, '--target-roi', 'lots'], bad)).toBe(2);
    const listed = io();
    expect(await runUseCases(['list', '--config', cfg, '--json'], listed)).toBe(0);
    const list = JSON.parse(listed.stdout()) as Array<Record<string, unknown>>;
    expect(list.map((u) => [u.id, u.stage, u.managed_by_config])).toEqual([
      ['docs', 'pilot', ['stage']],
      ['triage', 'production', []],
    ]);
    expect(list[1]).toMatchObject({ value_per_outcome_usd: 2, tags: ['cx', 'tier1'], created_by: 'cli' });

    // Traffic and outcomes straight into the store.
    const database = await openDatabase(db);
    await writeEvents(database, [
      usageEvent({ requestId: 'a', ts: MARCH + 1000, useCase: 'triage', costUsd: 0.5, userId: 'u1' }),
      usageEvent({ requestId: 'b', ts: MARCH + 2000, useCase: 'triage', costUsd: 0.5, userId: 'u2' }),
      usageEvent({ requestId: 'c', ts: MARCH + 3000, useCase: '=cmd|evil', costUsd: null }),
    ]);
    const outcomes = createOutcomeService({ database, now: () => MARCH + 5 * 86_400_000 });
    await outcomes.recordOutcome({ request_id: 'a', type: 'resolved', success: true }, null);
    // Two tool calls through /mcp booked to triage, one of them refused.
    await database.db
      .insertInto('mcp_calls')
      .values([
        mcpCallRow('call_a', { ts: MARCH + 4000, use_case: 'triage' }),
        mcpCallRow('call_b', { ts: MARCH + 5000, use_case: 'triage', outcome: 'refused' }),
      ])
      .execute();
    await database.close();

    const now = () => Date.UTC(2026, 2, 20);
    const table = io();
    expect(await runReport(['--config', cfg, '--from', '2026-03-01', '--to', '2026-04-01'], table, now)).toBe(
      0,
    );
    expect(table.stdout()).toContain('Value report 2026-03-01 → 2026-04-01');
    expect(table.stdout()).toMatch(
      /triage\s+production\s+2\s+2\s+1\.00\s+0\s+1\s+100\.0%\s+2\.00\s+1\.00\s+100%/,
    );
    expect(table.stdout()).toContain('1 call(s) had no known price');

    const csv = io();
    expect(
      await runReport(
        ['--config', cfg, '--from', '2026-03-01', '--to', '2026-04-01', '--format', 'csv'],
        csv,
        now,
      ),
    ).toBe(0);
    const rows = csv.stdout().trim().split('\n');
    expect(rows[0]).toMatch(/^period_start,use_case,stage,requests,active_users,cost_usd,unpriced_requests,/);
    expect(rows).toContain(",'=cmd|evil,,1,0,0,1,0,0,0,,0,0,,,,,,0,,87.5,98.75,0,0,0,0,100,0,50,0,0");
    expect(rows.find((r) => r.startsWith(',triage,'))).toBe(
      ',triage,production,2,2,1,0,0,1,1,1,2,1,1,1,4,3,,0,,87.5,98.75,0,0,0,0,200,0,100,2,1',
    );

    const json = io();
    expect(
      await runReport(
        [
          '--config',
          cfg,
          '--from',
          '2026-03-01',
          '--to',
          '2026-04-01',
          '--format',
          'json',
          '--granularity',
          'week',
        ],
        json,
        now,
      ),
    ).toBe(0);
    const report = JSON.parse(json.stdout()) as {
      total: { requests: number; tool_calls: number; tool_refusals: number };
      total_periods: unknown[];
    };
    expect(report.total).toMatchObject({ requests: 3, tool_calls: 2, tool_refusals: 1 });
    expect(report.total_periods).toHaveLength(6);

    const out = path.join(dir, 'report.html');
    const html = io();
    expect(await runReport(['--config', cfg, '--format', 'html', '--out', out], html, now)).toBe(0);
    const page = await readFile(out, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<th scope="row">triage</th>');
    expect(await runReport(['--config', cfg, '--format', 'pdf'], io(), now)).toBe(2);
    expect(await runReport(['--config', cfg, '--from', 'tomorrow'], io(), now)).toBe(2);
  }, 30_000);
});
