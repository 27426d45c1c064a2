import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRollupJob } from '../../store/rollups/job.js';
import { usageEvent, writeEvents } from '../../value/testkit.js';
import { type AdminHarness, adminHarness, PLANTED } from './testkit.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 15, 30);
const TODAY = Date.UTC(2026, 10, 20);

type Row = Record<string, number | string | null>;

describe('GET /api/reports/*', () => {
  let h: AdminHarness;
  let viewer: string;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    h = await adminHarness({ services: { priceTableVersions: ['2026-11-26'], now: () => NOW } });
    viewer = (await h.admins.create({ name: 'vera', role: 'viewer' }, 'test')).token;
    keyA = (await h.keys.create({ name: 'a', models: ['*'], budgetUsd: 10, budgetPeriod: 'month' }, 'test'))
      .key.id;
    keyB = (await h.keys.create({ name: 'b', models: ['*'], budgetUsd: 1, budgetPeriod: 'day' }, 'test')).key
      .id;

    const early = [
      usageEvent({
        ts: TODAY - 3 * DAY + 1000,
        modelRequested: 'm1',
        provider: 'p1',
        keyId: keyA,
        team: 't1',
        useCase: 'uc1',
        costUsd: 1,
        userId: 'u1',
        feature: 'f1',
        latencyMs: 100,
      }),
      usageEvent({
        ts: TODAY - 3 * DAY + 2000,
        modelRequested: 'm2',
        provider: 'p2',
        keyId: keyA,
        team: 't1',
        useCase: 'uc1',
        costUsd: null,
        userId: 'u2',
        latencyMs: 300,
      }),
      usageEvent({
        ts: TODAY - DAY + 5,
        modelRequested: 'm1',
        provider: 'p1',
        keyId: keyB,
        team: null,
        useCase: 'uc2',
        costUsd: 0.5,
        status: 429,
        errorCode: 'budget_exceeded',
        userId: 'u1',
      }),
    ];
    await writeEvents(h.database, early);
    // No rollup job is wired, so the watermark stays here: these three come from the rollups …
    await createRollupJob(h.database, { yieldFn: async () => {} }).refresh();
    await writeEvents(h.database, [
      // … these from the raw tail above the watermark
      usageEvent({
        ts: TODAY + 1000,
        modelRequested: 'm1',
        provider: 'p1',
        keyId: keyB,
        team: 't2',
        useCase: 'uc2',
        costUsd: 0.25,
        status: 500,
        errorCode: 'upstream_error',
        userId: 'u3',
        feature: 'f1',
      }),
      usageEvent({
        ts: TODAY - 40 * DAY,
        modelRequested: 'm1',
        provider: 'p1',
        keyId: keyA,
        useCase: 'uc1',
        costUsd: 100,
      }),
    ]);
  });
  afterAll(async () => {
    await h.close();
  });

  const get = async (path: string, token = viewer) => {
    const res = await h.call('GET', path, { token });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('totals by model over the last 30 days by default, rollups and raw tail alike, most expensive first', async () => {
    const { status, body } = await get('/reports/usage?by=model');
    expect(status).toBe(200);
    expect(body.from).toBe(new Date(TODAY + DAY - 30 * DAY).toISOString());
    const data = body.data as Row[];
    expect(data.map((r) => r.model)).toEqual(['m1', 'm2']);
    expect(data[0]).toMatchObject({ requests: 3, cost_usd: 1.75, errors: 1, blocked: 1, unpriced: 0 });
    expect(data[1]).toMatchObject({ requests: 1, cost_usd: 0, unpriced: 1 });
    expect(body.total).toMatchObject({ requests: 4, cost_usd: 1.75, errors: 1, blocked: 1, unpriced: 1 });
    expect((body.total as Row).latency_p95_ms).not.toBeNull();
    expect(body.price_versions).toMatchObject({
      in_use: [{ version: 'test', requests: 4 }],
      shipped: ['2026-11-26'],
    });
  });

  it('groups by several dimensions, filters one use case, and reports NULL dimensions as null', async () => {
    const { body } = await get('/reports/usage?by=team,key_id&use_case=uc2');
    const data = body.data as Row[];
    expect(data).toHaveLength(2);
    expect(data).toContainEqual(
      expect.objectContaining({ team: null, key_id: keyB, requests: 1, cost_usd: 0.5 }),
    );
    expect(data).toContainEqual(
      expect.objectContaining({ team: 't2', key_id: keyB, requests: 1, cost_usd: 0.25 }),
    );
    expect(body.total).toMatchObject({ requests: 2, cost_usd: 0.75 });
  });

  it('splits by day with granularity=day', async () => {
    const { body } = await get(
      `/reports/usage?by=provider&granularity=day&from=${new Date(TODAY - 3 * DAY).toISOString().slice(0, 10)}`,
    );
    const data = body.data as Row[];
    expect(data.map((r) => [r.period_start, r.provider, r.requests])).toEqual([
      [new Date(TODAY - 3 * DAY).toISOString(), 'p1', 1],
      [new Date(TODAY - 3 * DAY).toISOString(), 'p2', 1],
      [new Date(TODAY - DAY).toISOString(), 'p1', 1],
      [new Date(TODAY).toISOString(), 'p1', 1],
    ]);
  });

  it('ranks users and features of a use case', async () => {
    const users = await get('/reports/top?by=user');
    expect((users.body.data as Row[])[0]).toEqual({
      user: 'u1',
      requests: 2,
      cost_usd: 1.5,
      unpriced: 0,
      errors: 1,
    });
    const features = await get('/reports/top?by=feature&use_case=uc2');
    expect(features.body.data).toEqual([
      { feature: null, requests: 1, cost_usd: 0.5, unpriced: 0, errors: 1 },
      { feature: 'f1', requests: 1, cost_usd: 0.25, unpriced: 0, errors: 1 },
    ]);
  });

  it('gives each key its last call and the spend of its budget period', async () => {
    const { body } = await get('/reports/keys');
    const data = body.data as Row[];
    const a = data.find((r) => r.key_id === keyA)!;
    const b = data.find((r) => r.key_id === keyB)!;
    expect(a).toMatchObject({ budget_period: 'month', budget_usd: 10, requests_30d: 2, cost_30d_usd: 1 });
    // November so far: the $1 call 3 days ago (the $100 one was in October).
    expect(a.budget_spent_usd).toBe(1);
    expect(a.budget_used).toBeCloseTo(0.1);
    expect(a.last_used_at).toBe(new Date(TODAY - 3 * DAY + 2000).toISOString());
    expect(b).toMatchObject({ budget_period: 'day', budget_spent_usd: 0.25, budget_used: 0.25 });
  });

  it('refuses bad parameters with 400 and unknown ones by name', async () => {
    expect((await get('/reports/usage?by=user')).status).toBe(400);
    expect((await get('/reports/usage?granularity=week')).status).toBe(400);
    expect((await get('/reports/usage?from=2026-01-02&to=2026-01-01')).status).toBe(400);
    expect((await get('/reports/usage?nope=1')).status).toBe(400);
    expect((await get('/reports/top?limit=0')).status).toBe(400);
    expect((await get('/reports/keys?x=1')).status).toBe(400);
  });

  it('counts refused calls per day and reason, guard blocks included', async () => {
    await writeEvents(h.database, [
      usageEvent({
        ts: TODAY + 5000,
        status: 400,
        errorCode: 'guard_injection',
        costUsd: null,
        provider: null,
      }),
      usageEvent({
        ts: TODAY + 6000,
        status: 401,
        errorCode: 'invalid_api_key',
        costUsd: null,
        provider: null,
      }),
      usageEvent({ ts: TODAY + 7000, status: 502, errorCode: 'upstream_error' }),
    ]);
    const { status, body } = await get('/reports/refusals');
    expect(status).toBe(200);
    const day = new Date(TODAY).toISOString();
    expect(body.data).toEqual(
      expect.arrayContaining([
        { day: new Date(TODAY - DAY).toISOString(), code: 'budget_exceeded', requests: 1 },
        { day, code: 'guard_injection', requests: 1 },
        { day, code: 'invalid_api_key', requests: 1 },
      ]),
    );
    // An upstream failure is an error, not a refusal.
    expect((body.data as Row[]).some((r) => r.code === 'upstream_error')).toBe(false);
    expect(body.by_code).toEqual([
      { code: 'budget_exceeded', requests: 1 },
      { code: 'guard_injection', requests: 1 },
      { code: 'invalid_api_key', requests: 1 },
    ]);
  });

  it('lists the role table with what the caller may call', async () => {
    const { status, body } = await get('/capabilities');
    expect(status).toBe(200);
    expect(body.role).toBe('viewer');
    const routes = body.routes as Array<{ method: string; path: string; role: string; allowed: boolean }>;
    expect(routes).toContainEqual({ method: 'GET', path: '/keys', role: 'viewer', allowed: true });
    expect(routes).toContainEqual({ method: 'DELETE', path: '/keys/:id', role: 'operator', allowed: false });
    expect(routes).toContainEqual({ method: 'GET', path: '/reports/usage', role: 'viewer', allowed: true });
    expect(routes).toContainEqual({ method: 'GET', path: '/capabilities', role: 'viewer', allowed: true });
    // Exactly the routes mounted: no wildcard rules, no line for a group this Keel lacks.
    expect(routes.some((r) => r.path.includes('*') || r.path === '/value')).toBe(false);
    const admin = await get('/capabilities', PLANTED.bootstrap);
    expect((admin.body.routes as Array<{ allowed: boolean }>).every((r) => r.allowed)).toBe(true);
  });

  it('needs an admin credential; viewers may read', async () => {
    expect((await h.call('GET', '/reports/usage')).status).toBe(401);
    expect((await get('/reports/usage', PLANTED.bootstrap)).status).toBe(200);
  });
});
