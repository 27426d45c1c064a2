import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { fromAbortSignal, NEVER_CANCELLED } from '../../canonical/cancel.js';
import type { ChatMessage, ChatRequest, ChatStreamEvent } from '../../canonical/types.js';
import type { ProviderConfig } from '../../config/schema.js';
import { UpstreamError } from '../types.js';
import { createSimulatorProvider } from './index.js';

type SimSettings = NonNullable<ProviderConfig['simulator']>;

function makeSim(over: Partial<SimSettings> = {}) {
  const simulator: SimSettings = {
    latency_ms: 0,
    tokens_per_second: 0,
    answer_tokens: 60,
    embedding_dimensions: 64,
    ...over,
  };
  return createSimulatorProvider(
    { id: 'sim', kind: 'simulator', headers: {}, max_connections: 8, allow_link_local: false, simulator },
    { now: () => 1_700_000_000_000 },
  );
}

const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });
const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'chat',
  stream: false,
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'You are a helpful assistant.' }] },
    user('How should I index a SQL table for faster queries?'),
  ],
  ...over,
});
const call = (model = 'gpt-4o-mini', signal = NEVER_CANCELLED) => ({ model, signal });

async function collect(it: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** OpenAI's published counting rule: 3 tokens per message, 3 to prime the reply. */
function expectedPromptTokens(messages: ChatMessage[]): number {
  let n = 3;
  for (const m of messages) {
    n += 3;
    for (const p of m.content) if (p.type === 'text') n += encode(p.text).length;
  }
  return n;
}

describe('simulator chat', () => {
  it('is deterministic for the same request and varies with the seed', async () => {
    const a = await makeSim().chat(req(), call());
    const b = await makeSim().chat(req(), call());
    expect(a.choices[0]!.message.content).toBe(b.choices[0]!.message.content);
    expect(a.usage).toEqual(b.usage);
    const seeded = await Promise.all([1, 2, 3].map((seed) => makeSim().chat(req({ seed }), call())));
    const texts = new Set(seeded.map((r) => r.choices[0]!.message.content));
    expect(texts.size).toBeGreaterThan(1);
    expect(a.model).toBe('gpt-4o-mini');
    expect(a.id).toMatch(/^chatcmpl-/);
    expect(a.created).toBe(1_700_000_000);
  });

  it('answers on topic with plausible prose', async () => {
    const res = await makeSim().chat(req(), call());
    const text = res.choices[0]!.message.content!;
    expect(text).toMatch(/^[A-Z].*[.!?]$/s);
    expect(text.toLowerCase()).toMatch(/index|query|database|schema|data|table/);
  });

  it('counts tokens exactly as gpt-tokenizer does', async () => {
    const r = req();
    const res = await makeSim().chat(r, call());
    expect(res.usage!.inputTokens).toBe(expectedPromptTokens(r.messages));
    expect(res.usage!.outputTokens).toBe(encode(res.choices[0]!.message.content!).length);
    expect(res.usage!.cachedInputTokens).toBe(0);
    expect(res.usage!.reasoningTokens).toBe(0);
  });

  it('honours max tokens with finish reason length', async () => {
    const full = (await makeSim().chat(req(), call())).choices[0]!.message.content!;
    for (const maxTokens of [1, 5, 17]) {
      const res = await makeSim().chat(req({ maxTokens }), call());
      const c = res.choices[0]!;
      expect(c.finishReason).toBe('length');
      expect(encode(c.message.content!).length).toBeLessThanOrEqual(maxTokens);
      expect(res.usage!.outputTokens).toBe(encode(c.message.content!).length);
      expect(full.startsWith(c.message.content!)).toBe(true);
    }
    const roomy = await makeSim().chat(req({ maxTokens: 4000 }), call());
    expect(roomy.choices[0]!.finishReason).toBe('stop');
  });

  it('cuts the answer before a stop sequence', async () => {
    const full = (await makeSim().chat(req(), call())).choices[0]!.message.content!;
    const word = full.split(' ')[3]!;
    const res = await makeSim().chat(req({ stop: ['zzz-never', ` ${word}`] }), call());
    const c = res.choices[0]!;
    expect(c.finishReason).toBe('stop');
    expect(c.stopSequence).toBe(` ${word}`);
    expect(c.message.content).toBe(full.slice(0, full.indexOf(` ${word}`)));
    expect(res.usage!.outputTokens).toBe(encode(c.message.content!).length);
  });

  it('returns n different choices and sums their tokens', async () => {
    const res = await makeSim().chat(req({ n: 3 }), call());
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(res.choices.map((c) => c.message.content)).size).toBe(3);
    const sum = res.choices.reduce((s, c) => s + encode(c.message.content!).length, 0);
    expect(res.usage!.outputTokens).toBe(sum);
  });

  it('reports cached tokens in 128-token steps for a repeated long prefix', async () => {
    const sim = makeSim();
    const doc = Array.from(
      { length: 300 },
      (_, i) => `Clause ${i}: the supplier shall deliver on time.`,
    ).join(' ');
    const system: ChatMessage = { role: 'system', content: [{ type: 'text', text: doc }] };
    const first = await sim.chat(req({ messages: [system, user('Summarise clause 12.')] }), call());
    expect(first.usage!.inputTokens).toBeGreaterThan(2048);
    expect(first.usage!.cachedInputTokens).toBe(0);
    const second = await sim.chat(req({ messages: [system, user('Which clause covers delivery?')] }), call());
    const cached = second.usage!.cachedInputTokens;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect((cached - 1024) % 128).toBe(0);
    expect(cached).toBeLessThanOrEqual(second.usage!.inputTokens);
    // Only the shared prefix is cached: the system prompt plus some framing, never the new question.
    expect(cached).toBeGreaterThan(encode(doc).length - 128);
    expect(second.usage!.inputTokens - cached).toBeLessThan(128 + 20);
    // Identical prompts cache everything up to the last 128-token boundary.
    const third = await sim.chat(req({ messages: [system, user('Which clause covers delivery?')] }), call());
    expect(third.usage!.inputTokens - third.usage!.cachedInputTokens).toBeLessThan(128);
    // A different provider instance has its own cache; short prompts are never cached.
    expect(
      (await makeSim().chat(req({ messages: [system, user('x')] }), call())).usage!.cachedInputTokens,
    ).toBe(0);
    await sim.chat(req(), call());
    expect((await sim.chat(req(), call())).usage!.cachedInputTokens).toBe(0);
  });
});

describe('simulator streaming', () => {
  it('streams start, text chunks, finish, usage — matching the non-streamed answer', async () => {
    const sim = makeSim();
    const whole = await sim.chat(req(), call());
    const events = await collect(await sim.chatStream(req({ stream: true }), call()));
    expect(events[0]).toMatchObject({ type: 'start', model: 'gpt-4o-mini', created: 1_700_000_000 });
    const types = events.map((e) => e.type);
    expect(types.at(-2)).toBe('finish');
    expect(types.at(-1)).toBe('usage');
    expect(types.slice(1, -2).every((t) => t === 'text')).toBe(true);
    const texts = events.flatMap((e) => (e.type === 'text' ? [e.text] : []));
    expect(texts.length).toBeGreaterThan(5);
    expect(texts.join('')).toBe(whole.choices[0]!.message.content);
    const usage = events.at(-1) as Extract<ChatStreamEvent, { type: 'usage' }>;
    expect(usage.usage.outputTokens).toBe(whole.usage!.outputTokens);
  });

  it('streams a tool call as start then argument deltas', async () => {
    const tools = [
      {
        name: 'search_docs',
        parameters: {
          type: 'object',
          properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 50 } },
          required: ['query', 'limit'],
        },
      },
    ];
    const events = await collect(await makeSim().chatStream(req({ stream: true, tools }), call()));
    const start = events.find((e) => e.type === 'tool_call_start');
    expect(start).toMatchObject({ index: 0, toolIndex: 0, name: 'search_docs' });
    const args = events.flatMap((e) => (e.type === 'tool_call_delta' ? [e.argumentsDelta] : [])).join('');
    expect(JSON.parse(args)).toMatchObject({ query: expect.any(String), limit: expect.any(Number) });
    expect(events.find((e) => e.type === 'finish')).toMatchObject({ finishReason: 'tool_calls' });
    expect(events.some((e) => e.type === 'text')).toBe(false);
  });

  it('paces tokens when tokens_per_second is set', async () => {
    const sim = makeSim({ tokens_per_second: 1000, answer_tokens: 100 });
    const t0 = performance.now();
    const events = await collect(await sim.chatStream(req({ stream: true }), call()));
    const elapsed = performance.now() - t0;
    const usage = events.at(-1) as Extract<ChatStreamEvent, { type: 'usage' }>;
    expect(elapsed).toBeGreaterThanOrEqual(usage.usage.outputTokens - 5);
  });
});

describe('simulator latency, aborts and failure models', () => {
  it('waits latency_ms before answering and 10x for -slow models', async () => {
    const sim = makeSim({ latency_ms: 30 });
    let t0 = performance.now();
    await sim.chat(req(), call());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(28);
    t0 = performance.now();
    await sim.chat(req(), call('gpt-4o-slow'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('throws UpstreamError timeout promptly when the timeout signal fires', async () => {
    const sim = makeSim({ latency_ms: 5000 });
    const t0 = performance.now();
    const err = await sim
      .chat(req(), call('m', fromAbortSignal(AbortSignal.timeout(30))))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('timeout');
    expect((err as UpstreamError).retryable).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
    const streamErr = await sim
      .chatStream(req(), call('m', fromAbortSignal(AbortSignal.timeout(30))))
      .catch((e: unknown) => e);
    expect((streamErr as UpstreamError).kind).toBe('timeout');
  });

  it('stops a paced stream promptly when the client aborts', async () => {
    const sim = makeSim({ tokens_per_second: 20, answer_tokens: 200 });
    const ac = new AbortController();
    const stream = await sim.chatStream(req({ stream: true }), call('m', fromAbortSignal(ac.signal)));
    const seen: ChatStreamEvent[] = [];
    const t0 = performance.now();
    const done = (async () => {
      for await (const e of stream) {
        seen.push(e);
        if (seen.length === 3) ac.abort(new Error('client went away'));
      }
    })();
    await expect(done).rejects.toThrow('client went away');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(seen.some((e) => e.type === 'finish')).toBe(false);
    // A timeout mid-stream is reported as a timeout.
    const timed = await sim.chatStream(
      req({ stream: true }),
      call('m', fromAbortSignal(AbortSignal.timeout(150))),
    );
    await expect(collect(timed)).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    await expect(makeSim().chat(req(), call('m', fromAbortSignal(ac.signal)))).rejects.toThrow('gone');
  });

  it('fails on purpose for -fail-500 and -fail-429 models', async () => {
    const sim = makeSim();
    const e500 = await sim.chat(req(), call('gpt-4o-fail-500')).catch((e: unknown) => e);
    expect(e500).toMatchObject({ kind: 'server', status: 500 });
    expect((e500 as UpstreamError).fallbackable).toBe(true);
    const e429 = await sim.chatStream(req(), call('x-fail-429')).catch((e: unknown) => e);
    expect(e429).toMatchObject({ kind: 'rate_limit', status: 429, retryAfter: 1 });
    await expect(sim.embed({ model: 'e', input: ['a'] }, call('e-fail-500'))).rejects.toBeInstanceOf(
      UpstreamError,
    );
  });
});

describe('simulator embeddings', () => {
  const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

  it('returns deterministic unit vectors with gpt-tokenizer usage', async () => {
    const sim = makeSim();
    const input = ['The cat sat on the mat.', 'Quarterly revenue grew by ten percent.', ''];
    const res = await sim.embed({ model: 'emb', input }, call('text-embedding-3-small'));
    expect(res.model).toBe('text-embedding-3-small');
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const d of res.data) {
      expect(d.embedding).toHaveLength(64);
      expect(Math.sqrt(cos(d.embedding, d.embedding))).toBeCloseTo(1, 9);
    }
    expect(res.usage.inputTokens).toBe(input.reduce((s, t) => s + encode(t).length, 0));
    const again = await makeSim().embed({ model: 'emb', input }, call('text-embedding-3-small'));
    expect(again.data).toEqual(res.data);
  });

  it('gives similar texts similar vectors and honours dimensions and token inputs', async () => {
    const sim = makeSim();
    const res = await sim.embed(
      {
        model: 'emb',
        dimensions: 512,
        input: [
          'How do I reset my account password?',
          'How can I reset the password for my account?',
          'Best pasta recipe with fresh tomatoes',
        ],
      },
      call(),
    );
    const [a, b, c] = res.data.map((d) => d.embedding) as [number[], number[], number[]];
    expect(a).toHaveLength(512);
    expect(cos(a, b)).toBeGreaterThan(cos(a, c) + 0.3);
    const tokens = await sim.embed({ model: 'emb', input: [[1, 2, 3], [4]] }, call());
    expect(tokens.usage.inputTokens).toBe(4);
  });
});
