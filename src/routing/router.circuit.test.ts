import { describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from '../canonical/cancel.js';
import type { KeelConfigInput } from '../config/schema.js';
import type { KeelError } from '../errors.js';
import { newDispatchOutcome } from './outcome.js';
import { createRouter } from './router.js';
import { chatReq, config, err, FakeProvider, fakeClock, providerMap, response } from './testkit.js';

const signal = NEVER_CANCELLED;

function setup(models: KeelConfigInput['models']) {
  const p1 = new FakeProvider('p1');
  const fc = fakeClock(0);
  const router = createRouter({
    config: config({
      providers: [{ id: 'p1', kind: 'simulator' }],
      models,
      routing: { retries: { max: 0 }, circuit_breaker: { failure_threshold: 2, cooldown_ms: 5000 } },
    }),
    providers: providerMap(p1),
    now: fc.now,
    random: () => 0.5,
    sleep: fc.sleep,
  });
  const chat = (o = newDispatchOutcome()) => router.chat(chatReq(), o, signal);
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => expect.fail('should have failed'),
      (e: unknown) => e as KeelError,
    );
  return { router, p1, chat, failure, ...fc };
}

describe('router: circuit breaker', () => {
  it('opens after N upstream failures, fails fast with retry-after, and recovers after the cooldown', async () => {
    const s = setup([{ name: 'chat', targets: [{ provider: 'p1', model: 'm1' }] }]);
    s.p1.script('m1', { fail: err.server() }, { fail: err.server() }, { ok: response('back') });
    expect((await s.failure(s.chat())).code).toBe('upstream_error');
    expect((await s.failure(s.chat())).code).toBe('upstream_error');
    expect(s.p1.calls).toHaveLength(2);

    s.clock.t = 1200;
    const o = newDispatchOutcome();
    const e = await s.failure(s.chat(o));
    expect([e.code, e.status, e.retryAfter]).toEqual(['upstream_unavailable', 503, 4]);
    expect(e.message).toContain('`chat`');
    expect(o.attempts).toBe(0);
    expect(s.p1.calls).toHaveLength(2);

    s.clock.t = 5000;
    const res = await s.chat();
    expect(res.choices[0]!.message.content).toBe('back');
    // Closed again: traffic flows normally.
    await s.chat();
    await s.chat();
    expect(s.p1.calls).toHaveLength(5);
  });

  it('a failed half-open probe re-opens the circuit for another cooldown', async () => {
    const s = setup([{ name: 'chat', targets: [{ provider: 'p1', model: 'm1' }] }]);
    s.p1.script('m1', { fail: err.connection() });
    await s.failure(s.chat());
    await s.failure(s.chat());
    s.clock.t = 5000;
    expect((await s.failure(s.chat())).code).toBe('upstream_unavailable');
    expect(s.p1.calls).toHaveLength(3);
    s.clock.t = 9999;
    const e = await s.failure(s.chat());
    expect(e.retryAfter).toBe(1);
    expect(s.p1.calls).toHaveLength(3);
  });

  it('skips a target whose circuit is open and serves from the healthy one', async () => {
    const s = setup([
      {
        name: 'chat',
        targets: [
          { provider: 'p1', model: 'bad', weight: 3 },
          { provider: 'p1', model: 'good', weight: 1 },
        ],
      },
    ]);
    s.p1.script('bad', { fail: err.server() });
    await s.chat();
    await s.chat();
    expect(s.p1.calls.map((c) => c.model)).toEqual(['bad', 'good', 'bad', 'good']);
    const o = newDispatchOutcome();
    await s.chat(o);
    expect(s.p1.calls.map((c) => c.model).slice(4)).toEqual(['good']);
    expect(o.attempts).toBe(1);
  });

  it('goes to the fallback model when every target of a model is open', async () => {
    const s = setup([
      { name: 'chat', targets: [{ provider: 'p1', model: 'm1' }], fallbacks: ['backup'] },
      { name: 'backup', targets: [{ provider: 'p1', model: 'b1' }] },
    ]);
    s.p1.script('m1', { fail: err.server() });
    await s.chat();
    await s.chat();
    const o = newDispatchOutcome();
    await s.chat(o);
    expect(s.p1.calls.map((c) => c.model)).toEqual(['m1', 'b1', 'm1', 'b1', 'b1']);
    expect(o.fallbacks).toEqual(['backup']);
  });

  it('does not count errors the request caused', async () => {
    const s = setup([{ name: 'chat', targets: [{ provider: 'p1', model: 'm1' }] }]);
    s.p1.script(
      'm1',
      { fail: err.badRequest() },
      { fail: err.badRequest() },
      { fail: err.badRequest() },
      { ok: response('ok') },
    );
    for (let i = 0; i < 3; i++) expect((await s.failure(s.chat())).code).toBe('upstream_bad_request');
    expect((await s.chat()).choices[0]!.message.content).toBe('ok');
  });

  it('stops calling a target that answered 429 with retry-after, and tells the client when to come back', async () => {
    const s = setup([{ name: 'chat', targets: [{ provider: 'p1', model: 'm1' }] }]);
    s.p1.script('m1', { fail: err.rateLimit(3) }, { ok: response('back') });
    const first = await s.failure(s.chat());
    expect([first.code, first.retryAfter]).toEqual(['upstream_rate_limited', 3]);
    s.clock.t = 1000;
    const o = newDispatchOutcome();
    const e = await s.failure(s.chat(o));
    expect([e.code, e.status, e.retryAfter]).toEqual(['upstream_rate_limited', 429, 2]);
    expect(o.attempts).toBe(0);
    expect(s.p1.calls).toHaveLength(1);
    s.clock.t = 3000;
    expect((await s.chat()).choices[0]?.message.content).toBe('back');
    expect(s.p1.calls).toHaveLength(2);
  });
});
