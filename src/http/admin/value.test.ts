import { afterEach, describe, expect, it } from 'vitest';
import { clock, type ValueHarness, valueHarness } from '../../value/testkit.js';

const T0 = Date.UTC(2026, 2, 10, 12);

describe('admin API: use cases, value, forecasts', () => {
  const open: ValueHarness[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
  });
  const harness = async (role: 'viewer' | 'operator' | 'admin', config: Record<string, unknown> = {}) => {
    const h = await valueHarness('sqlite::memory:', config, { now: clock(T0).now, role });
    open.push(h);
    return h;
  };

  it('creates, lists, changes stage (audited, with history) and refuses config-owned fields', async () => {
    const h = await harness('operator', { use_cases: [{ id: 'from-yaml', stage: 'production' }] });
    const created = await h.request('/api/use-cases', {
      method: 'POST',
      json: {
        id: 'triage',
        name: 'Ticket triage',
        value_per_outcome_usd: 1.5,
        monthly_budget_usd: 40,
        tags: ['cx'],
      },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      id: 'triage',
      stage: 'pilot',
      created_by: 'admin:tester',
      managed_by_config: [],
    });
    expect(h.value.registeredBudgets()).toEqual([
      { scope: 'use_case', id: 'triage', usd: 40, period: 'month' },
    ]);

    const patched = await h.request('/api/use-cases/triage', {
      method: 'PATCH',
      json: { stage: 'production', reason: 'pilot passed' },
    });
    expect(patched.status).toBe(200);
    const one = (await (await h.request('/api/use-cases/triage')).json()) as {
      stage: string;
      stage_history: unknown[];
    };
    expect(one.stage).toBe('production');
    expect(one.stage_history).toEqual([
      expect.objectContaining({ from: null, to: 'pilot', actor: 'admin:tester' }),
      expect.objectContaining({ from: 'pilot', to: 'production', reason: 'pilot passed' }),
    ]);
    expect(h.audit.entries.filter((e) => e.action === 'use_case.stage')).toHaveLength(1);

    const list = (await (await h.request('/api/use-cases?stage=production')).json()) as {
      data: Array<{ id: string }>;
    };
    expect(list.data.map((u) => u.id)).toEqual(['from-yaml', 'triage']);

    const owned = await h.request('/api/use-cases/from-yaml', { method: 'PATCH', json: { stage: 'paused' } });
    expect(owned.status).toBe(400);
    expect(((await owned.json()) as { error: { param: string; message: string } }).error).toMatchObject({
      param: 'stage',
    });

    const checks: Array<[string, RequestInit & { json?: unknown }, number, string | null]> = [
      ['/api/use-cases', { method: 'POST', json: { id: 'triage' } }, 400, 'id'],
      ['/api/use-cases', { method: 'POST', json: { id: 'x', stage: 'live' } }, 400, 'stage'],
      ['/api/use-cases/none', { method: 'PATCH', json: { owner: 'a' } }, 404, 'id'],
      ['/api/use-cases/triage', { method: 'PATCH', json: { id: 'y' } }, 400, 'id'],
      ['/api/use-cases?stage=beta', {}, 400, 'stage'],
      ['/api/value?granularity=hour', {}, 400, 'granularity'],
      ['/api/value?from=yesterday', {}, 400, 'from'],
      ['/api/value?from=2026-03-05&to=2026-03-01', {}, 400, 'to'],
      ['/api/value?from=2020-01-01&to=2026-01-01&granularity=day', {}, 400, 'granularity'],
      ['/api/forecasts?scope=model', {}, 400, 'scope'],
    ];
    for (const [path, init, status, param] of checks) {
      const r = await h.request(path, init);
      expect(r.status, path).toBe(status);
      expect(((await r.json()) as { error: { param: string | null } }).error.param, path).toBe(param);
    }
  });

  it('lets viewers read and refuses their writes', async () => {
    const h = await harness('viewer');
    expect((await h.request('/api/use-cases')).status).toBe(200);
    expect((await h.request('/api/value')).status).toBe(200);
    expect((await h.request('/api/forecasts?scope=team')).status).toBe(200);
    const refused = await h.request('/api/use-cases', { method: 'POST', json: { id: 'x' } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden_role');
    expect((await h.request('/api/alerts/evaluate', { method: 'POST' })).status).toBe(403);
  });

  it('defaults the value range to this month through today', async () => {
    const h = await harness('viewer');
    const body = (await (await h.request('/api/value')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-11T00:00:00.000Z',
      granularity: 'total',
    });
  });
});
