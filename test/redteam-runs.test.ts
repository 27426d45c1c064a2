import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Alert,
  AlertList,
  AuditPage,
  RedteamRun,
  RedteamRunDetail,
  RedteamRunList,
} from '../src/http/admin/api/contract.js';
import { attempt, sampleReport } from '../src/redteam/runs/testkit.js';
import { type WebhookReceiver, webhookReceiver } from '../src/value/testkit.js';
import { type StartedKeel, startKeel } from './helpers/keel.js';

const BOOTSTRAP = 'bootstrap-token-redteam-0123456789';
const SECRET = 'whsec_redteam_0123456789abcdef';

interface ApiError {
  error: { code: string; message: string; param: string | null };
}

describe('stored red-team runs: API, audit and alerts', () => {
  let keel: StartedKeel;
  let hooks: WebhookReceiver;
  const tokens: Record<'viewer' | 'operator', string> = { viewer: '', operator: '' };

  const call = async <T = ApiError>(method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${keel.url}/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as T };
  };

  /** Stores a run of `useCase` scoring `score` as the operator. */
  const postRun = (useCase: string, score: number) =>
    call<RedteamRun>('POST', '/redteam/runs', tokens.operator, sampleReport({ useCase, score }));

  beforeAll(async () => {
    hooks = await webhookReceiver();
    keel = await startKeel({
      admin: { token: BOOTSTRAP },
      alerts: { webhooks: [{ url: hooks.url, secret: SECRET }] },
      redteam: { min_score: 90, use_cases: { 'support-assistant': { min_score: 95 } } },
    });
    for (const role of ['viewer', 'operator'] as const) {
      const made = await call<{ token: string }>('POST', '/admins', BOOTSTRAP, { name: `rt-${role}`, role });
      tokens[role] = made.json.token;
    }
  });
  afterAll(async () => {
    await keel?.close();
    await hooks?.close();
  });

  it('stores a posted report (operator), lists it newest first and shows one with its worst cases (viewer)', async () => {
    const first = await call<RedteamRun>(
      'POST',
      '/redteam/runs',
      tokens.operator,
      sampleReport({ useCase: 'billing', score: 97 }),
    );
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      object: 'redteam.run',
      use_case: 'billing',
      source: 'cli',
      min_score: 90,
      summary: { score: 97 },
      target: { url: 'http://127.0.0.1:8700/v1', model: 'chat-fast', use_case: 'billing' },
    });
    expect(first.json).not.toHaveProperty('worst');
    const withAttempts = sampleReport({
      useCase: 'billing',
      score: 99,
      attempts: [attempt('output-handling', 7)],
    });
    const second = await call<RedteamRun>('POST', '/redteam/runs', tokens.operator, withAttempts);
    expect(second.status).toBe(201);

    const list = await call<RedteamRunList>('GET', '/redteam/runs?use_case=billing', tokens.viewer);
    expect(list.status).toBe(200);
    expect(list.json.object).toBe('list');
    expect(list.json.data.map((r: { id: string }) => r.id)).toEqual([second.json.id, first.json.id]);
    expect(list.json.data[0]).not.toHaveProperty('attempts');
    expect(list.json.data[0]).not.toHaveProperty('worst');
    expect(
      (await call<RedteamRunList>('GET', '/redteam/runs?limit=1', tokens.viewer)).json.data,
    ).toHaveLength(1);

    const one = await call<RedteamRunDetail>('GET', `/redteam/runs/${first.json.id}`, tokens.viewer);
    expect(one.status).toBe(200);
    expect(one.json.worst).toEqual(sampleReport({ score: 97 }).worst);
    expect(
      JSON.stringify((await call('GET', `/redteam/runs/${second.json.id}`, tokens.viewer)).json),
    ).not.toContain('output-handling/t7');

    // Audited with the id, use case and score; the report itself stays out of the chain.
    const audit = await call<AuditPage>('GET', '/audit?action=redteam.run_recorded', BOOTSTRAP);
    const entry = audit.json.data.find((e) => e.target === first.json.id);
    expect(entry).toMatchObject({
      actor: 'admin:rt-operator',
      details: { use_case: 'billing', score: 97, source: 'cli' },
    });
    expect(JSON.stringify(audit.json)).not.toContain('Ignore the rules');
  });

  it('answers an unknown id with 404 in the admin error shape', async () => {
    const r = await call('GET', '/redteam/runs/rtr_nope', tokens.viewer);
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: 'not_found', param: 'id' });
  });

  it('refuses viewers, reports that break the contract and reports too large to store', async () => {
    expect((await call('POST', '/redteam/runs', tokens.viewer, sampleReport())).status).toBe(403);

    const badCategory = sampleReport() as unknown as { categories: string[] };
    badCategory.categories = ['direct-injection', 'mind-control'];
    const r1 = await call('POST', '/redteam/runs', tokens.operator, badCategory);
    expect(r1.status).toBe(400);
    expect(r1.json.error).toMatchObject({ code: 'invalid_request', param: 'categories' });

    const badStrategy = sampleReport() as unknown as { by_strategy: Array<{ strategy: string }> };
    badStrategy.by_strategy[0]!.strategy = 'pig-latin';
    expect((await call('POST', '/redteam/runs', tokens.operator, badStrategy)).json.error.param).toBe(
      'by_strategy',
    );

    const extra = { ...sampleReport(), key: 'sk-should-never-be-here' };
    const r2 = await call('POST', '/redteam/runs', tokens.operator, extra);
    expect(r2.status).toBe(400);
    expect(r2.json.error.message).toContain('Unknown field "key"');

    const { summary: _s, ...noSummary } = sampleReport();
    expect((await call('POST', '/redteam/runs', tokens.operator, noSummary)).json.error.param).toBe(
      'summary',
    );

    // A full report may carry every attempt (several MB); they are dropped. Past 32 MB the body is refused.
    const many = Array.from({ length: 400 }, (_, i) => ({
      ...attempt('direct-injection', i),
      response_excerpt: 'r'.repeat(3000),
    }));
    expect(
      (
        await call(
          'POST',
          '/redteam/runs',
          tokens.operator,
          sampleReport({ useCase: 'bulk', attempts: many }),
        )
      ).status,
    ).toBe(201);
    const before = (await call<RedteamRunList>('GET', '/redteam/runs?use_case=bulk', tokens.viewer)).json.data
      .length;
    const tooBig = `${JSON.stringify(sampleReport({ useCase: 'bulk' })).slice(0, -1)},"padding":"${'p'.repeat(33 * 1024 * 1024)}"}`;
    const r3 = await call('POST', '/redteam/runs', tokens.operator, tooBig);
    expect(r3.status).toBe(413);
    expect(r3.json.error.code).toBe('body_too_large');
    expect(
      (await call<RedteamRunList>('GET', '/redteam/runs?use_case=bulk', tokens.viewer)).json.data,
    ).toHaveLength(before);
  });

  it('opens an alert (and notifies the webhook) when a run scores under its threshold; a passing run resolves it', async () => {
    const alerts = keel.app.services.value.alerts;
    const low = await postRun('support-assistant', 93);
    expect(low.status).toBe(201);
    const open = await call<AlertList>('GET', '/alerts?state=open', tokens.viewer);
    const alert = open.json.data.find((a) => a.rule === 'redteam_score');
    expect(alert).toMatchObject({
      scope: 'use_case',
      subject: 'support-assistant',
      severity: 'critical',
      details: { run_id: low.json.id, score: 93, min_score: 95 },
    });
    // 93 passes the default of 90 but not support-assistant's own 95; billing's runs (97, 99) open nothing.
    expect(open.json.data.filter((a) => a.rule === 'redteam_score')).toHaveLength(1);

    await alerts.idle();
    const opened = hooks.got.map((d) => ({ ...d, json: JSON.parse(d.body) }));
    expect(opened).toHaveLength(1);
    expect(opened[0]!.json).toMatchObject({
      type: 'alert.opened',
      alert: { id: alert?.id, rule: 'redteam_score' },
    });
    expect(opened[0]!.headers['x-keel-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(opened[0]!.body).digest('hex')}`,
    );

    // Another low run refreshes the same alert rather than opening a second one.
    await postRun('support-assistant', 91);
    expect((await call<Alert>('GET', `/alerts/${alert?.id}`, tokens.viewer)).json).toMatchObject({
      state: 'open',
      details: { score: 91 },
    });

    await postRun('support-assistant', 95);
    expect((await call<Alert>('GET', `/alerts/${alert?.id}`, tokens.viewer)).json).toMatchObject({
      state: 'resolved',
      resolved_by: 'system',
    });
    await alerts.idle();
    expect(hooks.got.map((d) => JSON.parse(d.body).type)).toEqual(['alert.opened', 'alert.resolved']);
  });
});
