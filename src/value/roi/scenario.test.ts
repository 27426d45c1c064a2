import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../store/rollups/sql.js';
import { STORES } from '../../store/testkit.js';
import type { UsageEvent } from '../../store/types.js';
import { clock, usageEvent, type ValueHarness, valueHarness } from '../testkit.js';
import { DAYS_PER_MONTH, type ValueFigures } from './figures.js';

/**
 * The scripted month: March 2026, three registered use cases — support-bot (profitable), sales-drafts
 * (loss-making, partly on a model with no price), doc-search (no outcomes yet) — plus a shared
 * embedding job whose cost is allocated 3:1 to the first two. Outcomes for the last week of
 * support-bot arrive in April. Costs are binary fractions, so every sum is exact in floating point
 * and the expected table below is computed by hand.
 */
const MARCH = Date.UTC(2026, 2, 1);
const APRIL = Date.UTC(2026, 3, 1);
const KEY = 'sk-app-0123456789abcdef';

const CONFIG = {
  auth: { keys: [{ name: 'app', key: KEY }] },
  use_cases: [
    {
      id: 'support-bot',
      name: 'Support assistant',
      stage: 'production',
      team: 'cx',
      business_metric: 'ticket resolved without escalation',
      value_per_outcome_usd: 2,
      human_baseline_cost_usd: 5,
      investment_usd: 300,
      target_roi: 1,
      monthly_budget_usd: 100,
    },
    {
      id: 'sales-drafts',
      name: 'Sales email drafts',
      stage: 'pilot',
      team: 'sales',
      value_per_outcome_usd: 0.1,
      target_roi: 0.5,
      monthly_budget_usd: 28,
    },
    { id: 'doc-search', name: 'Document search', stage: 'pilot', team: 'cx' },
  ],
  cost_allocation: [
    { use_case: 'embeddings-shared', method: 'fixed', shares: { 'support-bot': 0.75, 'sales-drafts': 0.25 } },
  ],
};

function eventsOfDay(d: number): UsageEvent[] {
  const t = MARCH + (d - 1) * DAY_MS;
  const ev: UsageEvent[] = [];
  for (let i = 0; i < 10; i++)
    ev.push(
      usageEvent({
        ts: t + 9 * HOUR_MS + i * 600_000,
        useCase: 'support-bot',
        team: 'cx',
        keyId: 'key_support',
        traceId: `sb-${d}-${Math.floor(i / 2)}`,
        userId: `s${i % 5}`,
        costUsd: 1 / 32,
        latencyMs: i < 8 ? 180 : 900,
      }),
    );
  for (let i = 0; i < 22; i++) {
    const blocked = i === 20;
    const failed = i === 21;
    ev.push(
      usageEvent({
        requestId: `sd-${d}-${i}`,
        ts: t + 10 * HOUR_MS + i * 300_000,
        useCase: 'sales-drafts',
        team: 'sales',
        keyId: 'key_sales',
        userId: `d${i % 3}`,
        modelRequested: i >= 16 && i < 20 ? 'mystery-model' : 'gpt-test',
        modelUpstream: i >= 16 && i < 20 ? 'mystery-model' : 'gpt-test',
        provider: blocked ? null : 'sim',
        costUsd: i < 16 ? 1 / 16 : i < 20 ? null : 0,
        status: blocked ? 429 : failed ? 502 : 200,
        errorCode: blocked ? 'budget_exceeded' : failed ? 'upstream_error' : null,
        latencyMs: blocked ? 1 : failed ? 3000 : 400,
      }),
    );
  }
  for (let i = 0; i < 5; i++)
    ev.push(
      usageEvent({
        ts: t + 11 * HOUR_MS + i * 60_000,
        useCase: 'doc-search',
        team: 'cx',
        userId: 'x0',
        costUsd: 1 / 64,
        latencyMs: 50,
      }),
    );
  for (let i = 0; i < 4; i++)
    ev.push(
      usageEvent({
        ts: t + 2 * HOUR_MS + i,
        endpoint: 'embeddings',
        useCase: 'embeddings-shared',
        team: 'platform',
        costUsd: 1 / 128,
        latencyMs: 20,
      }),
    );
  return ev;
}

async function post(h: ValueHarness, path: string, json: unknown, status: number) {
  const res = await h.request(path, { method: 'POST', json, key: KEY });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

async function supportOutcomes(h: ValueHarness, d: number) {
  for (let k = 0; k < 5; k++)
    await post(
      h,
      '/v1/outcomes',
      { trace_id: `sb-${d}-${k}`, type: 'ticket_resolved', success: k < 4, idempotency_key: `sb-${d}-${k}` },
      201,
    );
}

describe.each(STORES)('the scripted month ($name)', (store) => {
  let h: ValueHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('produces the hand-computed value table, reconciles, and alerts before the budget is crossed', async () => {
    const c = clock(MARCH);
    h = await valueHarness(await store.fresh(), CONFIG, { now: c.now });
    let budgetAlert: { day: number; mtd: number } | null = null;
    let crossedDay: number | null = null;
    let unpricedAlertDay: number | null = null;

    for (let d = 1; d <= 31; d++) {
      for (const e of eventsOfDay(d)) h.usage.record(e);
      c.set(MARCH + (d - 1) * DAY_MS + 23 * HOUR_MS);
      if (d < 25) await supportOutcomes(h, d);
      await post(
        h,
        '/v1/outcomes',
        { request_id: `sd-${d}-0`, type: 'draft_sent', success: true, value_usd: 0.25 },
        201,
      );
      await post(h, '/v1/outcomes', { request_id: `sd-${d}-1`, type: 'draft_sent', success: false }, 201);
      await post(h, '/v1/feedback', { trace_id: `sb-${d}-0`, score: 1 }, 201);
      await post(h, '/v1/feedback', { request_id: `sd-${d}-2`, score: 5 }, 201);
      await post(h, '/v1/feedback', { request_id: `sd-${d}-3`, score: -0.5, scale: 'signed' }, 201);

      const r = await h.value.evaluateAlerts(c.now());
      expect(r.failed).toEqual([]);
      for (const a of [...r.opened, ...r.escalated]) {
        if (a.rule === 'budget_forecast' && a.scope === 'use_case' && a.subject === 'sales-drafts') {
          if (a.severity === 'warning' && !budgetAlert)
            budgetAlert = { day: d, mtd: a.details.mtd_usd as number };
          if (a.severity === 'critical') crossedDay ??= d;
        }
        if (a.rule === 'unpriced_calls') unpricedAlertDay ??= d;
        // support-bot's budget ($100) is never at risk; doc-search has none.
        expect(a.rule === 'budget_forecast' && a.subject !== 'sales-drafts').toBe(false);
      }
    }
    // Forecast alert on day 1 ($1 of $28 spent); the budget is only reached on day 28.
    expect(budgetAlert).toEqual({ day: 1, mtd: 1 });
    expect(crossedDay).toBe(28);
    expect(unpricedAlertDay).toBe(1);
    const roi = (await h.value.alerts.list({ state: 'open' })).filter((a) => a.rule === 'roi_below_target');
    expect(roi.map((a) => a.subject)).toEqual(['sales-drafts']);

    // Late outcomes, days after the month closed; they count in March (their traces' month).
    c.set(APRIL + 2 * DAY_MS);
    for (let d = 25; d <= 31; d++) await supportOutcomes(h, d);
    // A replay is idempotent: same outcome, 200, not counted twice.
    const replay = await post(
      h,
      '/v1/outcomes',
      { trace_id: 'sb-1-0', type: 'ticket_resolved', success: true, idempotency_key: 'sb-1-0' },
      200,
    );
    expect(replay.occurred_at).toBe(new Date(MARCH + 9 * HOUR_MS).toISOString());

    const res = await h.request('/api/value?from=2026-03-01&to=2026-04-01');
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      use_cases: Array<{ use_case: string; registered: boolean; total: ValueFigures }>;
      total: ValueFigures;
    };
    const row = (id: string) => report.use_cases.find((u) => u.use_case === id)!.total;
    expect(report.use_cases.map((u) => u.use_case)).toEqual([
      'doc-search',
      'embeddings-shared',
      'sales-drafts',
      'support-bot',
    ]);

    const sbCost = 9.6875 + 0.7265625;
    expectFigures(row('support-bot'), {
      requests: 310,
      active_users: 5,
      cost_usd: sbCost,
      unpriced_requests: 0,
      allocated_cost_usd: 0.7265625,
      outcomes: 155,
      successful_outcomes: 124,
      success_rate: 0.8,
      value_usd: 248,
      net_value_usd: 248 - sbCost,
      roi: (248 - sbCost) / sbCost,
      cost_per_successful_outcome_usd: sbCost / 124,
      human_baseline_cost_usd: 620,
      savings_vs_human_usd: 620 - sbCost,
      payback_months: 300 / (((248 - sbCost) / 31) * DAYS_PER_MONTH),
      feedback_count: 31,
      feedback_mean: 1,
      latency_p50_ms: 150 + (50 * 155) / 248,
      latency_p95_ms: 750 + (250 * (294.5 - 248)) / 62,
      errors: 0,
      error_rate: 0,
      blocked: 0,
      blocked_rate: 0,
    });
    const sdCost = 31 + 0.2421875;
    expectFigures(row('sales-drafts'), {
      requests: 682,
      active_users: 3,
      cost_usd: sdCost,
      unpriced_requests: 124,
      allocated_cost_usd: 0.2421875,
      outcomes: 62,
      successful_outcomes: 31,
      success_rate: 0.5,
      value_usd: 7.75,
      net_value_usd: 7.75 - sdCost,
      roi: (7.75 - sdCost) / sdCost,
      cost_per_successful_outcome_usd: sdCost / 31,
      human_baseline_cost_usd: null,
      savings_vs_human_usd: null,
      payback_months: null,
      feedback_count: 62,
      feedback_mean: 0.25,
      latency_p50_ms: 300 + (200 * 325.5) / 620,
      latency_p95_ms: 300 + (200 * 618.45) / 620,
      errors: 31,
      error_rate: 31 / 682,
      blocked: 31,
      blocked_rate: 31 / 682,
    });
    expectFigures(row('doc-search'), {
      requests: 155,
      active_users: 1,
      cost_usd: 2.421875,
      unpriced_requests: 0,
      allocated_cost_usd: 0,
      outcomes: 0,
      successful_outcomes: 0,
      success_rate: null,
      value_usd: 0,
      net_value_usd: -2.421875,
      roi: -1,
      cost_per_successful_outcome_usd: null,
      human_baseline_cost_usd: null,
      savings_vs_human_usd: null,
      payback_months: null,
      feedback_count: 0,
      feedback_mean: null,
      latency_p50_ms: 42.5,
      latency_p95_ms: 49.25,
      errors: 0,
      error_rate: 0,
      blocked: 0,
      blocked_rate: 0,
    });
    expectFigures(row('embeddings-shared'), {
      requests: 124,
      active_users: 0,
      cost_usd: 0,
      unpriced_requests: 0,
      allocated_cost_usd: -0.96875,
      outcomes: 0,
      value_usd: 0,
      net_value_usd: 0,
      roi: null,
      latency_p50_ms: 15,
      latency_p95_ms: 19.5,
    });
    const cost = 9.6875 + 31 + 2.421875 + 0.96875;
    expectFigures(report.total, {
      requests: 1271,
      active_users: 9,
      cost_usd: cost,
      unpriced_requests: 124,
      allocated_cost_usd: 0,
      outcomes: 217,
      successful_outcomes: 155,
      value_usd: 255.75,
      net_value_usd: 255.75 - cost,
      roi: (255.75 - cost) / cost,
      human_baseline_cost_usd: 620,
      savings_vs_human_usd: 620 - sbCost,
      feedback_count: 93,
      feedback_mean: (31 + 15.5) / 93,
      errors: 31,
      blocked: 31,
    });
    // Reconciliation: every additive figure of the total is the sum over use cases.
    for (const k of [
      'requests',
      'cost_usd',
      'unpriced_requests',
      'outcomes',
      'successful_outcomes',
      'value_usd',
      'net_value_usd',
      'errors',
      'blocked',
      'feedback_count',
      'input_tokens',
      'output_tokens',
    ] as const)
      expect(report.use_cases.reduce((a, u) => a + (u.total[k] as number), 0)).toBeCloseTo(
        report.total[k] as number,
        9,
      );

    // Daily granularity sums to the same month; a filtered report shows the same row.
    const daily = (await (
      await h.request(
        '/api/value?from=2026-03-01&to=2026-03-31T12:00:00Z&granularity=day&use_case=sales-drafts',
      )
    ).json()) as {
      use_cases: Array<{ periods: ValueFigures[]; total: ValueFigures }>;
    };
    expect(daily.use_cases).toHaveLength(1);
    expect(daily.use_cases[0]!.periods).toHaveLength(31);
    expect(daily.use_cases[0]!.periods.reduce((a, p) => a + p.cost_usd, 0)).toBeCloseTo(sdCost, 9);
    expect(daily.use_cases[0]!.total.active_users).toBe(3);
    expect(daily.use_cases[0]!.periods[0]!.roi).toBeCloseTo((0.25 - 1.0078125) / 1.0078125, 9);
  }, 120_000);
});

function expectFigures(actual: ValueFigures, expected: Partial<ValueFigures>) {
  for (const [k, v] of Object.entries(expected)) {
    const a = actual[k as keyof ValueFigures];
    if (v === null || Number.isInteger(v)) expect(a, k).toBe(v);
    else expect(a, k).toBeCloseTo(v as number, 9);
  }
}
