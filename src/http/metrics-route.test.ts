import { describe, expect, it } from 'vitest';
import { createMetrics } from '../telemetry/metrics.js';
import { usageEvent } from '../telemetry/testkit.js';
import { metricsRoute } from './metrics-route.js';

describe('metricsRoute', () => {
  it('serves the text exposition format', async () => {
    const m = createMetrics({ processMetrics: false });
    m.observe(usageEvent());
    const res = await metricsRoute(m).request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toContain('keel_requests_total{model="gpt-4o"');
  });

  it('needs the bearer token when one is configured', async () => {
    const m = createMetrics({ processMetrics: false });
    const app = metricsRoute(m, { token: 'scrape-token-0123456789' });
    const none = await app.request('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    const wrong = await app.request('/metrics', { headers: { authorization: 'Bearer nope-nope-nope-nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('scrape-token');
    const ok = await app.request('/metrics', {
      headers: { authorization: 'Bearer scrape-token-0123456789' },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE keel_cost_usd_total counter');
  });
});
