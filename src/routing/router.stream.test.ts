import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromAbortSignal, NEVER_CANCELLED } from '../canonical/cancel.js';
import type { ChatStreamEvent } from '../canonical/types.js';
import type { KeelConfigInput } from '../config/schema.js';
import { KeelError } from '../errors.js';
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
const req = chatReq('hi', { stream: true });

function setup(models?: KeelConfigInput['models'], failureThreshold = 1) {
  const p1 = new FakeProvider('p1');
  const p2 = new FakeProvider('p2');
  const fc = fakeClock(0);
  const router = createRouter({
    config: config({
      providers: [
        { id: 'p1', kind: 'simulator' },
        { id: 'p2', kind: 'simulator' },
      ],
      models: models ?? [
        { name: 'chat', retries: 0, targets: [{ provider: 'p1', model: 'm1' }], fallbacks: ['backup'] },
        { name: 'backup', targets: [{ provider: 'p2', model: 'b1' }] },
      ],
      routing: {
        retries: { max: 2, base_delay_ms: 100, max_delay_ms: 1000 },
        circuit_breaker: { failure_threshold: failureThreshold, cooldown_ms: 60_000 },
      },
    }),
    providers: providerMap(p1, p2),
    now: fc.now,
    random: () => 0.5,
    sleep: fc.sleep,
  });
  return { router, p1, p2, ...fc };
}

async function rejection(p: Promise<unknown>): Promise<KeelError> {
  const e = await p.then(
    () => expect.fail('should have failed'),
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KeelError);
  return e as KeelError;
}

describe('router: streaming', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('relays every event and records ttft, target, attempts and usage as the stream is consumed', async () => {
    const s = setup();
    const events = streamEvents('hello world');
    s.p1.chatStream = async () => {
      s.clock.t += 40; // time to first token
      return (async function* () {
        yield* events;
      })();
    };
    const o = newDispatchOutcome();
    const stream = await s.router.chatStream(req, o, signal);
    expect(o).toMatchObject({ provider: 'p1', modelUpstream: 'm1', attempts: 1, ttftMs: 40, usage: null });
    expect(await collect(stream)).toEqual(events);
    expect(o.usage).toEqual(events[4]!.type === 'usage' ? events[4]!.usage : null);
  });

  it('falls back when the stream fails before its first event', async () => {
    const s = setup();
    s.p1.script('m1', { failFirst: err.server() });
    s.p2.script('b1', { stream: streamEvents('from backup') });
    const o = newDispatchOutcome();
    const events = await collect(await s.router.chatStream(req, o, signal));
    expect(events.map((e) => (e.type === 'text' ? e.text : '')).join('')).toBe('from backup');
    expect(o).toMatchObject({ provider: 'p2', modelUpstream: 'b1', attempts: 2, fallbacks: ['backup'] });
  });

  it('retries errors before the first event; an upstream that sends nothing at all moves to the next target', async () => {
    const s = setup(
      [
        {
          name: 'chat',
          retries: 3,
          targets: [
            { provider: 'p1', model: 'm1', weight: 3 },
            { provider: 'p2', model: 'm2', weight: 1 },
          ],
        },
      ],
      100,
    );
    s.p1.script('m1', { fail: err.rateLimit() }, { failFirst: err.server() }, { stream: [] });
    s.p2.script('m2', { stream: streamEvents('second target') });
    const o = newDispatchOutcome();
    await collect(await s.router.chatStream(req, o, signal));
    expect([...s.p1.calls, ...s.p2.calls].map((c) => `${c.model}:${c.method}`)).toEqual([
      'm1:chatStream',
      'm1:chatStream',
      'm1:chatStream',
      'm2:chatStream',
    ]);
    expect(s.clock.slept).toEqual([50, 100]);
    expect(o).toMatchObject({ provider: 'p2', modelUpstream: 'm2', attempts: 4 });
  });

  it('throws stream_interrupted after the first event and never falls back then', async () => {
    const s = setup();
    s.p1.script('m1', { stream: streamEvents('hello world').slice(0, 2), error: err.interrupted() });
    const o = newDispatchOutcome();
    const it = (await s.router.chatStream(req, o, signal))[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: 'start' });
    expect((await it.next()).value).toMatchObject({ type: 'text', text: 'hel' });
    const e = await rejection(it.next());
    expect([e.code, e.status]).toEqual(['stream_interrupted', 502]);
    expect(e.message).toBe(
      'The stream from model `chat` was interrupted after it started: provider `p1` cut the stream before it finished.',
    );
    expect(s.p2.calls).toHaveLength(0);
    expect(o.fallbacks).toEqual([]);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('treats a stream that ends without a finish event as interrupted, not as a clean end', async () => {
    const s = setup();
    s.p1.script('m1', { stream: streamEvents('hello').slice(0, 3) });
    const e = await rejection(collect(await s.router.chatStream(req, newDispatchOutcome(), signal)));
    expect(e.code).toBe('stream_interrupted');
    // Counted against the target (threshold 1): the next stream goes straight to the fallback.
    s.p2.script('b1', { stream: streamEvents('backup') });
    const o = newDispatchOutcome();
    await collect(await s.router.chatStream(req, o, signal));
    expect(o.fallbacks).toEqual(['backup']);
    expect(s.p1.calls).toHaveLength(1);
  });

  it('lets a slow healthy stream run past the timeout: it bounds each silence, not the whole answer', async () => {
    vi.useFakeTimers();
    const s = setup([
      { name: 'chat', retries: 0, timeout_ms: 1000, targets: [{ provider: 'p1', model: 'm1' }] },
    ]);
    const events = streamEvents('a b c d e f g h i j k l');
    s.p1.script('m1', { drip: events, gapMs: 900 });
    const stream = await s.router.chatStream(req, newDispatchOutcome(), signal);
    const got = collect(stream);
    await vi.advanceTimersByTimeAsync(900 * events.length);
    expect(await got).toEqual(events);
  });

  it('interrupts a stream that goes silent for longer than the timeout, and closes the upstream', async () => {
    vi.useFakeTimers();
    const s = setup([
      { name: 'chat', retries: 0, timeout_ms: 1000, targets: [{ provider: 'p1', model: 'm1' }] },
    ]);
    s.p1.script('m1', { streamThenHang: streamEvents('x').slice(0, 2) });
    const outcome = newDispatchOutcome();
    const it = (await s.router.chatStream(req, outcome, signal))[Symbol.asyncIterator]();
    await it.next();
    // the consumer pausing is not the upstream's silence
    await vi.advanceTimersByTimeAsync(5000);
    await it.next();
    let settled = false;
    const third = it.next().finally(() => {
      settled = true;
    });
    third.catch(() => undefined); // rejects while the clock advances; examined below
    await vi.advanceTimersByTimeAsync(900);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    const e = await rejection(third);
    expect(e.code).toBe('stream_interrupted');
    expect(e.message).toContain('did not answer in time');
    expect(s.p1.closedStreams).toBe(1);
    expect(outcome.attempts).toBe(1);
  });

  it('times out a stream whose first event never comes', async () => {
    vi.useFakeTimers();
    const s = setup([
      { name: 'chat', retries: 0, timeout_ms: 1000, targets: [{ provider: 'p1', model: 'm1' }] },
    ]);
    s.p1.script('m1', { streamThenHang: [] });
    const p = rejection(s.router.chatStream(req, newDispatchOutcome(), signal));
    await vi.advanceTimersByTimeAsync(1000);
    expect((await p).code).toBe('upstream_timeout');
    expect(s.p1.closedStreams).toBe(1);
  });

  it('closes the upstream when the consumer stops early, even before reading anything', async () => {
    const s = setup();
    s.p1.script('m1', { stream: streamEvents('hello world') }, { stream: streamEvents('again') });
    const stream = await s.router.chatStream(req, newDispatchOutcome(), signal);
    for await (const e of stream) if (e.type === 'text') break;
    expect(s.p1.closedStreams).toBe(1);
    const unread = (await s.router.chatStream(
      req,
      newDispatchOutcome(),
      signal,
    )) as AsyncIterableIterator<ChatStreamEvent>;
    await unread.return?.();
    expect(s.p1.closedStreams).toBe(2);
  });

  it('keeps the client signal linked to the upstream while streaming, and unhooks it afterwards', async () => {
    const s = setup();
    s.p1.script('m1', { stream: streamEvents('hello') });
    const client = new AbortController();
    const signal = fromAbortSignal(client.signal);
    const stream = await s.router.chatStream(req, newDispatchOutcome(), signal);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(1);
    await collect(stream);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
    s.p1.script('m1', { ok: response('plain') });
    await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });
});
