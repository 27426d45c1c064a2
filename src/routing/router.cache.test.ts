import { describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from '../canonical/cancel.js';
import type { KeelConfigInput } from '../config/schema.js';
import { responseToEvents } from './events.js';
import { newDispatchOutcome } from './outcome.js';
import { createRouter } from './router.js';
import {
  chatReq,
  collect,
  config,
  err,
  FakeProvider,
  fakeClock,
  providerMap,
  response,
  streamEvents,
} from './testkit.js';

const signal = NEVER_CANCELLED;

function setup(
  cache: Partial<NonNullable<NonNullable<KeelConfigInput['routing']>['cache']>>,
  modelTtl?: number,
) {
  const p1 = new FakeProvider('p1');
  const fc = fakeClock(0);
  const router = createRouter({
    config: config({
      providers: [{ id: 'p1', kind: 'simulator' }],
      models: [
        {
          name: 'chat',
          retries: 0,
          targets: [{ provider: 'p1', model: 'm1' }],
          ...(modelTtl === undefined ? {} : { cache_ttl_s: modelTtl }),
        },
      ],
      routing: { cache },
    }),
    providers: providerMap(p1),
    now: fc.now,
    random: () => 0.5,
    sleep: fc.sleep,
  });
  return { router, p1, ...fc };
}

describe('router: response cache', () => {
  it('is off by default', async () => {
    const s = setup({});
    await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    const o = newDispatchOutcome();
    await s.router.chat(chatReq(), o, signal);
    expect(s.p1.calls).toHaveLength(2);
    expect(o.cacheHit).toBe(false);
  });

  it('is off for a model with cache_ttl_s 0 even when enabled', async () => {
    const s = setup({ enabled: true }, 0);
    await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    expect(s.p1.calls).toHaveLength(2);
  });

  it('serves an exact repeat from cache: cacheHit, 0 attempts, the original usage and target', async () => {
    const s = setup({ enabled: true, ttl_s: 60 });
    s.p1.script(
      'm1',
      { ok: response('first', { inputTokens: 100, outputTokens: 20 }) },
      { ok: response('second') },
    );
    const first = await s.router.chat(chatReq('q'), newDispatchOutcome(), signal);
    const o = newDispatchOutcome();
    const again = await s.router.chat(chatReq('q'), o, signal);
    expect(again).toEqual(first);
    expect(o).toMatchObject({ cacheHit: true, attempts: 0, provider: 'p1', modelUpstream: 'm1' });
    expect(o.usage).toMatchObject({ inputTokens: 100, outputTokens: 20 });
    expect(s.p1.calls).toHaveLength(1);
    // A different request is a miss.
    const other = await s.router.chat(chatReq('q', { temperature: 0.2 }), newDispatchOutcome(), signal);
    expect(other.choices[0]!.message.content).toBe('second');
  });

  it('hands out copies: editing a returned response does not change the cache', async () => {
    const s = setup({ enabled: true });
    const a = await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    a.choices[0]!.message.content = 'redacted';
    const b = await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    b.choices[0]!.message.content = 'again';
    const c = await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    expect(c.choices[0]!.message.content).toBe('p1/m1');
  });

  it("expires after the model's TTL, which overrides routing.cache.ttl_s", async () => {
    const s = setup({ enabled: true, ttl_s: 300 }, 10);
    await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    s.clock.t = 9_999;
    await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    expect(s.p1.calls).toHaveLength(1);
    s.clock.t = 10_000;
    const o = newDispatchOutcome();
    await s.router.chat(chatReq(), o, signal);
    expect(o.cacheHit).toBe(false);
    expect(s.p1.calls).toHaveLength(2);
  });

  it('holds at most max_entries, evicting the least recently used', async () => {
    const s = setup({ enabled: true, max_entries: 2 });
    const ask = async (q: string) => {
      const o = newDispatchOutcome();
      await s.router.chat(chatReq(q), o, signal);
      return o.cacheHit;
    };
    await ask('a');
    await ask('b');
    expect(await ask('a')).toBe(true);
    await ask('c'); // evicts b
    expect(await ask('a')).toBe(true);
    expect(await ask('c')).toBe(true);
    expect(await ask('b')).toBe(false);
  });

  it('does not store failures', async () => {
    const s = setup({ enabled: true });
    s.p1.script('m1', { fail: err.server() }, { ok: response('ok') });
    await expect(s.router.chat(chatReq(), newDispatchOutcome(), signal)).rejects.toMatchObject({
      code: 'upstream_error',
    });
    const o = newDispatchOutcome();
    await s.router.chat(chatReq(), o, signal);
    expect(o.cacheHit).toBe(false);
  });

  it('replays a cached response as stream events to a streaming request', async () => {
    const s = setup({ enabled: true });
    const res = response('cached answer', { inputTokens: 12, outputTokens: 2 });
    s.p1.script('m1', { ok: res });
    await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    s.clock.t = 50;
    const o = newDispatchOutcome();
    const events = await collect(
      await s.router.chatStream(chatReq('hi', { stream: true, includeUsage: true }), o, signal),
    );
    expect(events).toEqual(responseToEvents(res));
    expect(o).toMatchObject({ cacheHit: true, attempts: 0, ttftMs: 0 });
    expect(o.usage).toMatchObject({ inputTokens: 12, outputTokens: 2 });
    expect(s.p1.calls).toHaveLength(1);
  });

  it('stores a stream once it completed, and serves it to a plain request', async () => {
    const s = setup({ enabled: true });
    s.p1.script('m1', { stream: streamEvents('streamed once') }, { ok: response('meanwhile') });
    const streamReq = chatReq('hi', { stream: true });
    const stream = await s.router.chatStream(streamReq, newDispatchOutcome(), signal);
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    // Not cached while the stream is still running.
    const mid = newDispatchOutcome();
    await s.router.chat(chatReq(), mid, signal);
    expect(mid.cacheHit).toBe(false);
    while (!(await it.next()).done) {}
    const o = newDispatchOutcome();
    const res = await s.router.chat(chatReq(), o, signal);
    expect(o.cacheHit).toBe(true);
    expect(res.choices[0]!.message.content).toBe('streamed once');
    expect(res.usage).toMatchObject({ inputTokens: 7, outputTokens: 3 });
  });

  it('does not store an interrupted stream or one the client abandoned', async () => {
    const s = setup({ enabled: true });
    s.p1.script(
      'm1',
      { stream: streamEvents('cut').slice(0, 2), error: err.interrupted() },
      { stream: streamEvents('abandoned') },
      { ok: response('fresh') },
    );
    const req = chatReq('hi', { stream: true });
    await expect(collect(await s.router.chatStream(req, newDispatchOutcome(), signal))).rejects.toMatchObject(
      {
        code: 'stream_interrupted',
      },
    );
    for await (const e of await s.router.chatStream(req, newDispatchOutcome(), signal))
      if (e.type === 'text') break;
    const o = newDispatchOutcome();
    const res = await s.router.chat(chatReq(), o, signal);
    expect(o.cacheHit).toBe(false);
    expect(res.choices[0]!.message.content).toBe('fresh');
  });
});
