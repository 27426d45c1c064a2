import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAULTS } from '../fakes/faults.js';
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from '../fakes/index.js';
import { anthropicClient, openaiClient } from '../helpers/fixtures.js';
import { eventually, type StartedKeel, startKeel, TEST_ENV } from '../helpers/keel.js';
import { faultsConfig } from './harness.js';

// The circuit breaker and retry-after across requests, through a real Keel: a failing or limiting
// upstream is left alone for a while (and the client told when to come back), then probed once.

/** Short, so that the tests can wait it out; the waits below are the behaviour under test, not sync. */
const COOLDOWN_MS = 1000;
const pastCooldown = () => new Promise((r) => setTimeout(r, COOLDOWN_MS + 60));

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  oai = await startFakeOpenAI({ apiKey: TEST_ENV.OAI_KEY });
  ant = await startFakeAnthropic({ apiKey: TEST_ENV.ANT_KEY });
});
afterAll(async () => {
  await oai?.close();
  await ant?.close();
});
beforeEach(async () => {
  oai.reset();
  ant.reset();
  // a fresh Keel per test: breaker state must not leak between them
  keel = await startKeel(
    faultsConfig(
      { openai: oai, anthropic: ant },
      { circuit_breaker: { failure_threshold: 2, cooldown_ms: COOLDOWN_MS } },
    ),
  );
  openai = openaiClient(keel.url);
  anthropic = anthropicClient(keel.url);
});
afterEach(async () => {
  await keel?.close();
});

const ask = (model: string, content = 'hello') =>
  openai.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();

async function rowOf(response: Response) {
  return eventually(() => keel.usageFor(response.headers.get('x-keel-request-id')));
}

describe('circuit breaker', () => {
  it('opens after repeated failures, skips the target, then a half-open probe closes it', async () => {
    oai.always(FAULTS.server_error);
    // first call: two failures (first try + one retry) reach the threshold; the fallback answers
    const first = await ask('openai-fb');
    expect(first.data.choices[0]?.message.content).toBe('Echo: hello');
    expect(oai.requests).toHaveLength(2);
    // open: the next call goes straight to the fallback, the failing upstream is not called
    const second = await ask('openai-fb');
    expect(oai.requests).toHaveLength(2);
    expect(await rowOf(second.response)).toMatchObject({
      provider: 'ant',
      attempts: 1,
      fallbacks: ['anthropic-ok'],
    });

    // with no fallback, the client is told at once, in its own shape, when to come back
    const err = await ask('openai').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect([e.status, e.code, e.headers?.get('retry-after')]).toEqual([503, 'upstream_unavailable', '1']);
    const aerr = await anthropic.messages
      .create({ model: 'openai', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
      .catch((x: unknown) => x);
    expect(aerr).toBeInstanceOf(Anthropic.APIError);
    expect((aerr as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
    expect(oai.requests).toHaveLength(2);

    oai.always(undefined); // the upstream recovers
    await pastCooldown();
    const probe = await ask('openai-fb');
    expect(oai.requests).toHaveLength(3);
    expect(await rowOf(probe.response)).toMatchObject({ provider: 'oai', attempts: 1, fallbacks: [] });
    // closed again: the next calls go to it as usual
    await ask('openai');
    expect(oai.requests).toHaveLength(4);
  });

  it('a failed probe opens it again for another cooldown', async () => {
    ant.always(FAULTS.overloaded);
    const anthropicAsk = (model: string) =>
      anthropic.messages.create({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    await anthropicAsk('anthropic-fb');
    expect(ant.requests).toHaveLength(2);
    await pastCooldown();
    // the probe fails (one call, no retry into a re-opened circuit); the fallback answers
    const r = await anthropicAsk('anthropic-fb');
    expect(r.content[0]).toMatchObject({ type: 'text', text: 'Echo: hi' });
    expect(ant.requests).toHaveLength(3);
    await anthropicAsk('anthropic-fb');
    expect(ant.requests).toHaveLength(3);
  });

  it('counts streams cut mid-answer as failures too', async () => {
    oai.always(FAULTS.reset_mid_stream);
    for (let i = 0; i < 2; i++) {
      const stream = await openai.chat.completions.create({
        model: 'openai-fb',
        messages: [{ role: 'user', content: 'one two three four five six' }],
        stream: true,
      });
      await expect(
        (async () => {
          for await (const _ of stream);
        })(),
      ).rejects.toBeInstanceOf(OpenAI.APIError);
    }
    expect(oai.requests).toHaveLength(2);
    const r = await ask('openai-fb');
    expect(r.data.choices[0]?.message.content).toBe('Echo: hello');
    expect(oai.requests).toHaveLength(2);
    expect(ant.requests).toHaveLength(1);
  });
});

describe('retry-after', () => {
  it('waits out a short retry-after within the request, and sends nothing else meanwhile', async () => {
    ant.enqueue({ status: 429, retryAfter: 1 });
    const t0 = Date.now();
    const slow = anthropic.messages
      .stream({ model: 'anthropic', max_tokens: 50, messages: [{ role: 'user', content: 'patience' }] })
      .finalMessage();
    await eventually(async () => expect(ant.requests).toHaveLength(1));
    // a second caller during the pause is told to come back rather than sent to the limited upstream
    const other = await anthropic.messages
      .create({ model: 'anthropic', max_tokens: 50, messages: [{ role: 'user', content: 'me too' }] })
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Anthropic.RateLimitError);
    expect((other as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('1');
    const msg = await slow;
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'Echo: patience' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(ant.requests).toHaveLength(2);
  });

  it('does not sleep through a long retry-after: the fallback answers at once, and the target rests', async () => {
    oai.enqueue({ status: 429, retryAfter: 3600 });
    const t0 = Date.now();
    const first = await ask('openai-fb', 'limited');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(first.data.choices[0]?.message.content).toBe('Echo: limited');
    expect(await rowOf(first.response)).toMatchObject({
      provider: 'ant',
      attempts: 2,
      fallbacks: ['anthropic-ok'],
    });
    expect(oai.requests).toHaveLength(1);

    // the limited target is not called again while it asked for quiet (at most one cooldown) …
    await ask('openai-fb');
    const err = await ask('openai').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect([e.code, e.headers?.get('retry-after')]).toEqual(['upstream_rate_limited', '1']);
    expect(oai.requests).toHaveLength(1);

    // … and is called again after it
    await pastCooldown();
    const back = await ask('openai');
    expect(back.data.choices[0]?.message.content).toBe('Echo: hello');
    expect(oai.requests).toHaveLength(2);
  });
});
