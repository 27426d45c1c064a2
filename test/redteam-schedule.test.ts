import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertList, RedteamRunList } from '../src/http/admin/api/contract.js';
import { GUARDS_ALL_OFF } from './helpers/fixtures.js';
import { type StartedKeel, startKeel } from './helpers/keel.js';

// A scheduled suite attacks its use case through the gateway's own request path with the key the
// application uses, is stored as a `schedule` run, and a score under the threshold opens an alert.

const ADMIN = 'redteam-schedule-admin-token-0123456789';
const APP_KEY = 'sk-keel-redteam-schedule-app-5566778899';

describe('scheduled red-team suites', () => {
  let keel: StartedKeel;
  beforeAll(async () => {
    keel = await startKeel(
      {
        admin: { token: ADMIN },
        providers: [{ id: 'sim', kind: 'simulator', simulator: { latency_ms: 0 } }],
        models: [{ name: 'naive', targets: [{ provider: 'sim', model: 'gpt-4o-mini-naive' }] }],
        auth: { keys: [{ name: 'support-app', key: APP_KEY, use_case: 'support' }] },
        // The support route has every guard off: the naive model obeys the attacks.
        guards: { policies: { raw: GUARDS_ALL_OFF }, use_cases: { support: 'raw' } },
        redteam: {
          use_cases: { support: { min_score: 95 } },
          schedules: [
            {
              use_case: 'support',
              model: 'naive',
              every: '24h',
              samples: 2,
              seed: 5,
              categories: ['direct-injection', 'system-prompt-extraction'],
              strategies: ['none'],
              max_requests_per_minute: 6000,
              // keel.yaml syntax: the key comes from the environment at load.
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a keel.yaml ${VAR} reference, not a template.
              key: '${SUPPORT_APP_KEY}',
            },
          ],
        },
      },
      { SUPPORT_APP_KEY: APP_KEY },
    );
  });
  afterAll(async () => {
    await keel?.close();
  });

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${keel.url}/api${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  it('runs through the request path with the application key, stores a schedule run and alerts under the threshold', async () => {
    const report = await keel.app.services.redteamSchedules?.runNow('support');
    expect(report).toBeTruthy();
    expect(report?.errors).toBe(0);
    expect(report?.summary.attacks).toBe(4);
    expect(report?.summary.attack_success_rate).toBeGreaterThan(0.5);
    expect(report?.target).toEqual({ url: 'http://keel.internal/v1', model: 'naive', use_case: 'support' });

    // Each probe went through the pipeline as the application's key, for the support use case.
    const usage = await keel.usage();
    expect(usage.length).toBe(8);
    expect(new Set(usage.map((u) => u.useCase))).toEqual(new Set(['support']));

    const runs = await api<RedteamRunList>('/redteam/runs?use_case=support');
    expect(runs.data).toHaveLength(1);
    expect(runs.data[0]).toMatchObject({ source: 'schedule', min_score: 95 });

    const alerts = await api<AlertList>('/alerts?state=open');
    expect(alerts.data.some((a) => a.rule === 'redteam_score' && a.subject === 'support')).toBe(true);
  });
});
