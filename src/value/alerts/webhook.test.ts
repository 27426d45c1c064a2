import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deliver, signBody } from './webhook.js';

const policy = { maxAttempts: 4, backoffMs: 100, maxBackoffMs: 250, timeoutMs: 1000 };
const target = { url: 'https://hooks.example.com/keel?token=SECRET-TOKEN', secret: 'whsec_0123456789abcdef' };

function fakeFetch(statuses: Array<number | Error>) {
  const calls: Array<{ body: string; headers: Record<string, string> }> = [];
  const fn = (async (_url: string | URL | Request, init?: RequestInit) => {
    calls.push({ body: String(init?.body), headers: init?.headers as Record<string, string> });
    const s = statuses[Math.min(calls.length - 1, statuses.length - 1)]!;
    if (s instanceof Error) throw s;
    return new Response(null, { status: s });
  }) as typeof fetch;
  return { fn, calls };
}

describe('webhook delivery', () => {
  it('signs the raw body and retries with capped exponential backoff', async () => {
    const f = fakeFetch([503, new Error(`connect ECONNREFUSED ${target.url}`), 429, 200]);
    const slept: number[] = [];
    const r = await deliver(target, 'alert.opened', { alert: { id: 'a1' } }, policy, {
      fetch: f.fn,
      sleep: async (ms) => void slept.push(ms),
      random: () => 1,
    });
    expect(r).toMatchObject({
      status: 'delivered',
      attempts: 4,
      last_status: 200,
      webhook: 'hooks.example.com',
    });
    expect(slept).toEqual([100, 200, 250]);
    expect(new Set(f.calls.map((c) => c.body)).size).toBe(1);
    const { body, headers } = f.calls[0]!;
    expect(headers['x-keel-signature']).toBe(
      `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`,
    );
    expect(signBody(target.secret, body)).toBe(headers['x-keel-signature']);
    expect(JSON.parse(body)).toMatchObject({ type: 'alert.opened', alert: { id: 'a1' } });
  });

  it('gives up on a 4xx at once and never reports the URL (it may carry a token)', async () => {
    const refused = await deliver(target, 'alert.opened', {}, policy, {
      fetch: fakeFetch([400]).fn,
      sleep: async () => {},
    });
    expect(refused).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_status: 400,
      last_error: 'HTTP 400',
    });
    const down = await deliver(target, 'alert.opened', {}, policy, {
      fetch: fakeFetch([new Error(`fetch failed for ${target.url}`)]).fn,
      sleep: async () => {},
    });
    expect(down).toMatchObject({ status: 'failed', attempts: 4, last_status: null });
    expect(JSON.stringify(down)).not.toContain('SECRET-TOKEN');
  });
});
