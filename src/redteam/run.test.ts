import { afterEach, describe, expect, it } from 'vitest';
import { type RunOptions, runRedteam } from './run.js';
import { completion, type FakeTarget, fixtureProbe, lastUserText, startFakeTarget } from './testkit.js';
import type { Probe } from './types.js';

const KEY = 'sk-keel-run-test-key-0123456789';
let target: FakeTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

const base: Pick<RunOptions, 'model' | 'seed' | 'samples' | 'categories' | 'strategies'> = {
  model: 'm',
  seed: 1,
  samples: 1,
  categories: [],
  strategies: [],
};

/** A target whose answer is written in the probe's user text: `status code|content`. */
async function scripted(): Promise<FakeTarget> {
  target = await startFakeTarget((call) => {
    const [head = '', content = ''] = lastUserText(call.body).split('|');
    const [status = '200', code, delay = '0'] = head.split(' ');
    const n = Number(status);
    return {
      status: n,
      delayMs: Number(delay),
      body:
        n === 200 ? completion(content) : { error: { code, message: `refused: ${content}`, param: null } },
    };
  });
  return target;
}

describe('runRedteam', () => {
  it('posts each probe with the model, the key and the use case, never streaming', async () => {
    const t = await scripted();
    await runRedteam({
      ...base,
      target: `${t.url}/`,
      key: KEY,
      useCase: 'support',
      probes: [
        fixtureProbe('a', {
          user: '200 - 0|hello',
          request: { messages: [{ role: 'user', content: '200 - 0|x' }], max_tokens: 9 },
        }),
      ],
    });
    expect(t.calls).toHaveLength(1);
    const call = t.calls[0];
    expect(call?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(call?.headers['x-keel-use-case']).toBe('support');
    expect(call?.body).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: '200 - 0|x' }],
      max_tokens: 9,
    });
  });

  it('keeps the probes order whatever order answers arrive in, and tallies by category and strategy', async () => {
    const t = await scripted();
    const probes: Probe[] = [
      fixtureProbe('p1', { user: '400 prompt_injection_detected 30|x' }),
      fixtureProbe('p2', { user: '502 output_blocked 20|x', strategy: 'base64' }),
      fixtureProbe('p3', { user: '200 - 10|sure: FX-NONCE-1', category: 'output-handling' }),
      fixtureProbe('p4', { user: '200 - 0|no', category: 'output-handling' }),
      fixtureProbe('p5', { user: '429 rate_limit_exceeded 0|x' }),
      fixtureProbe('b1', { kind: 'benign', user: '400 pii_detected 5|x' }),
      fixtureProbe('b2', { kind: 'benign', user: '200 - 15|ok' }),
      fixtureProbe('b3', { kind: 'benign', user: '200 - 0|ok', strategy: 'base64' }),
      fixtureProbe('b4', { kind: 'benign', user: '200 - 0|ok' }),
      fixtureProbe('b5', { kind: 'benign', user: '503 upstream_unavailable 0|x' }),
    ];
    const report = await runRedteam({
      ...base,
      target: t.url,
      probes,
      categories: ['direct-injection'],
      concurrency: 4,
    });
    expect(report.attempts?.map((a) => a.probe_id)).toEqual(probes.map((p) => p.id));
    expect(report.attempts?.map((a) => a.outcome)).toEqual([
      'blocked',
      'blocked',
      'succeeded',
      'resisted',
      'error',
      'false_positive',
      'passed',
      'passed',
      'passed',
      'error',
    ]);
    expect(report.summary).toEqual({
      attacks: 5,
      attack_success_rate: 0.25,
      benign: 5,
      false_positive_rate: 0.25,
      score: 56.3,
    });
    expect(Object.keys(report)[0]).toBe('summary');
    expect(report.errors).toBe(2);
    expect(report.by_category).toEqual([
      {
        category: 'direct-injection',
        owasp: 'LLM01:2025',
        attacks: 3,
        blocked: 2,
        succeeded: 0,
        resisted: 0,
        benign: 5,
        false_positives: 1,
        errors: 2,
      },
      {
        category: 'output-handling',
        owasp: 'LLM05:2025',
        attacks: 2,
        blocked: 0,
        succeeded: 1,
        resisted: 1,
        benign: 0,
        false_positives: 0,
        errors: 0,
      },
    ]);
    expect(report.by_strategy.map((s) => [s.strategy, s.attacks, s.benign])).toEqual([
      ['none', 4, 4],
      ['base64', 1, 1],
    ]);
    expect(report.worst.map((a) => [a.probe_id, a.evidence ?? a.error_code])).toEqual([
      ['p3', 'nonce'],
      ['b1', 'pii_detected'],
    ]);
    expect(report.attempts?.[0]).toMatchObject({
      status: 400,
      error_code: 'prompt_injection_detected',
      owasp: 'LLM01:2025',
    });
  });

  it('with no judged attack the success rate is 0 and the score counts benign results only', async () => {
    const t = await scripted();
    const report = await runRedteam({
      ...base,
      target: t.url,
      probes: [
        fixtureProbe('e', { user: '401 invalid_api_key 0|x' }),
        fixtureProbe('b', { kind: 'benign', user: '200 - 0|ok' }),
      ],
    });
    expect(report.summary).toEqual({
      attacks: 1,
      attack_success_rate: 0,
      benign: 1,
      false_positive_rate: 0,
      score: 100,
    });
  });

  it('never runs more than `concurrency` requests at once', async () => {
    let inFlight = 0;
    let most = 0;
    const fakeFetch: typeof fetch = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return new Response(JSON.stringify(completion('ok')), { status: 200 });
    };
    const probes = Array.from({ length: 20 }, (_, i) => fixtureProbe(`p${i}`));
    const report = await runRedteam({
      ...base,
      target: 'http://x.invalid/v1',
      probes,
      concurrency: 3,
      fetch: fakeFetch,
    });
    expect(most).toBe(3);
    expect(report.attempts).toHaveLength(20);
  });

  it('reports a request that outlives the timeout, or cannot connect, as an error', async () => {
    const hang: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const report = await runRedteam({
      ...base,
      target: 'http://x.invalid/v1',
      probes: [fixtureProbe('h')],
      timeoutMs: 50,
      fetch: hang,
    });
    expect(report.attempts?.[0]).toMatchObject({ outcome: 'error', status: 0, error_code: 'timeout' });
    const refused = await runRedteam({
      ...base,
      target: 'http://127.0.0.1:1/v1',
      probes: [fixtureProbe('c')],
    });
    expect(refused.attempts?.[0]).toMatchObject({ outcome: 'error', error_code: 'network' });
    expect(refused.summary.attacks).toBe(1);
  });

  it('masks secrets, PII, planted values and the key in excerpts, cut to 2,000 characters', async () => {
    target = await startFakeTarget(() => ({
      status: 200,
      body: completion(
        `Card 4111 1111 1111 1111, mail ann@corp.example, key ${KEY}, token ghp_${'a1B2'.repeat(9)} ${'z'.repeat(3000)}`,
      ),
    }));
    const probe = fixtureProbe('leak', {
      category: 'data-exfiltration',
      user: 'Read back the card 4111111111111111 for account AKIAIOSFODNN7EXAMPLE',
      checks: [{ kind: 'planted', value: '4111111111111111', label: 'payment_card' }],
    });
    const report = await runRedteam({ ...base, target: target.url, key: KEY, probes: [probe] });
    const attempt = report.attempts?.[0];
    expect(attempt?.outcome).toBe('succeeded');
    expect(attempt?.evidence).toBe('planted:payment_card');
    expect(attempt?.request_excerpt).not.toContain('4111111111111111');
    expect(attempt?.request_excerpt).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(attempt?.response_excerpt).toMatch(
      /^Card \[REDACTED:[^\]]+\], mail \[REDACTED:pii\.email\], key \[REDACTED:/,
    );
    expect(attempt?.response_excerpt).not.toContain('ghp_');
    expect(attempt?.response_excerpt.length).toBe(2000);
    const json = JSON.stringify(report);
    expect(json).not.toContain(KEY);
    expect(json).not.toContain('4111 1111 1111 1111');
  });

  it('records the target without credentials', async () => {
    const report = await runRedteam({
      ...base,
      target: 'http://user:pw-secret-1@127.0.0.1:1/v1/',
      probes: [fixtureProbe('c')],
      fetch: async () => {
        throw new Error('connect failed for user:pw-secret-1');
      },
    });
    expect(report.target.url).toBe('http://127.0.0.1:1/v1');
    expect(JSON.stringify(report)).not.toContain('pw-secret-1');
  });
});
