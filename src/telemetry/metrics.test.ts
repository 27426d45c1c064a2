import { describe, expect, it } from 'vitest';
import { createMetrics, type KeelMetrics } from './metrics.js';
import { usageEvent } from './testkit.js';

/** The value of one sample in the exposition text, by exact name and label set. */
async function sample(
  m: KeelMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const { body } = await m.render();
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of body.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = (match[2] ?? '')
      .split(/,(?=[a-zA-Z_]\w*=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    if (got === want) return Number(match[3]);
  }
  return undefined;
}

describe('createMetrics', () => {
  it('counts requests, tokens by kind, cost, attempts and latency from usage events', async () => {
    const m = createMetrics({ processMetrics: false });
    m.observe(usageEvent());
    m.observe(
      usageEvent({ requestId: 'r2', attempts: 3, fallbacks: ['gpt-4o-mini'], latencyMs: 2600, ttftMs: null }),
    );
    const req = {
      model: 'gpt-4o',
      provider: 'oai',
      use_case: 'support',
      endpoint: 'chat',
      status_class: '2xx',
    };
    expect(await sample(m, 'keel_requests_total', req)).toBe(2);
    const tok = (kind: string) =>
      sample(m, 'keel_tokens_total', { model: 'gpt-4o', use_case: 'support', kind });
    expect(await tok('input')).toBe(2000);
    expect(await tok('cached_input')).toBe(400);
    expect(await tok('output')).toBe(600);
    expect(await tok('reasoning')).toBe(100);
    // No cache writes happened: no series rather than a zero one.
    expect(await tok('cache_write')).toBeUndefined();
    expect(await sample(m, 'keel_cost_usd_total', { model: 'gpt-4o', use_case: 'support' })).toBeCloseTo(
      0.011,
      12,
    );
    expect(await sample(m, 'keel_upstream_attempts_total', { model: 'gpt-4o', provider: 'oai' })).toBe(4);
    expect(await sample(m, 'keel_fallbacks_total', { model: 'gpt-4o' })).toBe(1);
    const dur = { model: 'gpt-4o', endpoint: 'chat' };
    expect(await sample(m, 'keel_request_duration_seconds_count', dur)).toBe(2);
    expect(await sample(m, 'keel_request_duration_seconds_sum', dur)).toBeCloseTo(3.02, 9);
    expect(await sample(m, 'keel_request_duration_seconds_bucket', { ...dur, le: '0.5' })).toBe(1);
    expect(await sample(m, 'keel_request_duration_seconds_bucket', { ...dur, le: '5' })).toBe(2);
    // Only the first call reported a time to first token.
    expect(await sample(m, 'keel_time_to_first_token_seconds_count', dur)).toBe(1);
    expect(await sample(m, 'keel_time_to_first_token_seconds_bucket', { ...dur, le: '0.2' })).toBe(1);
  });

  it('hands pending counts over exactly once, whichever way the registry is read', async () => {
    const m = createMetrics({ processMetrics: false });
    const labels = {
      model: 'gpt-4o',
      provider: 'oai',
      use_case: 'support',
      endpoint: 'chat',
      status_class: '2xx',
    };
    m.observe(usageEvent());
    expect(await sample(m, 'keel_requests_total', labels)).toBe(1);
    expect(await sample(m, 'keel_requests_total', labels)).toBe(1);
    m.observe(usageEvent());
    m.observe(usageEvent());
    const json = await m.registry.getMetricsAsJSON();
    const tokens = json.find((x) => x.name === 'keel_tokens_total');
    const input = tokens?.values.find((v) => v.labels.kind === 'input');
    expect(input?.value).toBe(3000);
    expect(await sample(m, 'keel_requests_total', labels)).toBe(3);
    expect(
      await sample(m, 'keel_tokens_total', { model: 'gpt-4o', use_case: 'support', kind: 'input' }),
    ).toBe(3000);
  });

  it('keeps unpriced calls out of the cost counter and counts them apart', async () => {
    const m = createMetrics({ processMetrics: false });
    m.observe(usageEvent({ modelRequested: 'mystery', costUsd: null }));
    m.observe(usageEvent({ modelRequested: 'mystery', costUsd: null }));
    expect(await sample(m, 'keel_unpriced_requests_total', { model: 'mystery', use_case: 'support' })).toBe(
      2,
    );
    expect(await sample(m, 'keel_cost_usd_total', { model: 'mystery', use_case: 'support' })).toBeUndefined();
  });

  it('labels errors by status class, with "none" for a provider never reached, and counts refusals', async () => {
    const m = createMetrics({ processMetrics: false });
    const refused = {
      provider: null,
      modelUpstream: null,
      attempts: 0,
      status: 429,
      costUsd: 0,
      inputTokens: 0,
      outputTokens: 0,
    };
    m.observe(usageEvent({ ...refused, errorCode: 'budget_exceeded' }));
    m.observe(usageEvent({ ...refused, errorCode: 'rate_limit_exceeded' }));
    m.observe(usageEvent({ ...refused, errorCode: 'rate_limit_exceeded' }));
    m.observe(usageEvent({ status: 502, errorCode: 'upstream_error' }));
    const base = { model: 'gpt-4o', use_case: 'support', endpoint: 'chat' };
    expect(await sample(m, 'keel_requests_total', { ...base, provider: 'none', status_class: '4xx' })).toBe(
      3,
    );
    expect(await sample(m, 'keel_requests_total', { ...base, provider: 'oai', status_class: '5xx' })).toBe(1);
    expect(await sample(m, 'keel_budget_refusals_total', { use_case: 'support' })).toBe(1);
    expect(await sample(m, 'keel_rate_limit_refusals_total', { use_case: 'support' })).toBe(2);
    expect(
      await sample(m, 'keel_upstream_attempts_total', { model: 'gpt-4o', provider: 'none' }),
    ).toBeUndefined();
  });

  it('counts cache hits', async () => {
    const m = createMetrics({ processMetrics: false });
    m.observe(usageEvent({ cacheHit: true, attempts: 0 }));
    expect(await sample(m, 'keel_cache_hits_total', { model: 'gpt-4o' })).toBe(1);
  });

  it('collapses model and use-case values past the limit into "other"', async () => {
    const m = createMetrics({ processMetrics: false, maxLabelValues: 3 });
    for (let i = 0; i < 10; i++) m.observe(usageEvent({ modelRequested: `m${i}`, useCase: `uc${i}` }));
    const { body } = await m.render();
    const models = new Set([...body.matchAll(/keel_requests_total\{model="([^"]+)"/g)].map((x) => x[1]));
    expect(models).toEqual(new Set(['m0', 'm1', 'm2', 'other']));
    expect(
      await sample(m, 'keel_requests_total', {
        model: 'other',
        provider: 'oai',
        use_case: 'other',
        endpoint: 'chat',
        status_class: '2xx',
      }),
    ).toBe(7);
  });

  it('counts guard decisions by detector, direction and action', async () => {
    const m = createMetrics({ processMetrics: false });
    m.recordGuardDecision('pii', 'input', 'redact');
    m.recordGuardDecision('pii', 'input', 'redact');
    m.recordGuardDecision('injection', 'input', 'block');
    expect(
      await sample(m, 'keel_guard_decisions_total', {
        detector: 'pii',
        direction: 'input',
        action: 'redact',
      }),
    ).toBe(2);
    expect(
      await sample(m, 'keel_guard_decisions_total', {
        detector: 'injection',
        direction: 'input',
        action: 'block',
      }),
    ).toBe(1);
  });

  it('reads the usage buffer gauge at scrape time', async () => {
    let pending = 5;
    const m = createMetrics({ processMetrics: false, usageBuffered: () => pending });
    expect(await sample(m, 'keel_usage_writer_buffered_events')).toBe(5);
    pending = 0;
    expect(await sample(m, 'keel_usage_writer_buffered_events')).toBe(0);
  });

  it('gives every instance its own registry', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.observe(usageEvent());
    const labels = {
      model: 'gpt-4o',
      provider: 'oai',
      use_case: 'support',
      endpoint: 'chat',
      status_class: '2xx',
    };
    expect(await sample(a, 'keel_requests_total', labels)).toBe(1);
    expect(await sample(b, 'keel_requests_total', labels)).toBeUndefined();
  });

  it('appends process metrics once, shared by instances that want them', async () => {
    const a = createMetrics();
    const b = createMetrics();
    for (const m of [a, b]) {
      const { body } = await m.render();
      expect(body.match(/^# TYPE process_cpu_user_seconds_total counter$/gm)).toHaveLength(1);
      expect(body).toContain('# TYPE keel_requests_total counter');
    }
    expect((await createMetrics({ processMetrics: false }).render()).body).not.toContain('process_cpu');
  });

  it('never throws from observe, even on a malformed event', () => {
    const m = createMetrics({ processMetrics: false });
    expect(() => m.observe(usageEvent({ inputTokens: Number.NaN }))).not.toThrow();
  });
});
