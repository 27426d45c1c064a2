/** Test helpers for the router's tests: scripted fake adapters, a seeded random, a recording sleep. */
import type { CancelSignal } from '../canonical/cancel.js';
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from '../canonical/types.js';
import { configSchema, type KeelConfig, type KeelConfigInput } from '../config/schema.js';
import { type ProviderAdapter, type TargetCall, UpstreamError } from '../providers/types.js';

/** What one call to a target does. */
export type Step =
  | { ok: ChatResponse }
  | { embed: EmbeddingsResponse }
  /** A stream: yields `events`, then throws `error` if given (after `events`). */
  | { stream: ChatStreamEvent[]; error?: UpstreamError }
  | { fail: UpstreamError }
  /** A stream that is accepted, then fails before its first event. */
  | { failFirst: UpstreamError }
  /** Never answers; rejects with the signal's reason once aborted (like fetch). */
  | { hang: true }
  /** Answers only after the stream's first event, then never sends another until aborted. */
  | { streamThenHang: ChatStreamEvent[] }
  /** A slow but healthy stream: `gapMs` of silence before each event after the first. */
  | { drip: ChatStreamEvent[]; gapMs: number };

export interface Call {
  provider: string;
  model: string;
  method: 'chat' | 'chatStream' | 'embed';
}

/**
 * A provider whose behaviour per upstream model is a script consumed one step per call; when a
 * script runs out the last step repeats.
 */
export class FakeProvider implements ProviderAdapter {
  readonly kind = 'simulator' as const;
  readonly calls: Call[] = [];
  closedStreams = 0;
  private readonly scripts = new Map<string, Step[]>();

  constructor(
    readonly id: string,
    scripts: Record<string, Step[]> = {},
  ) {
    for (const [m, s] of Object.entries(scripts)) this.scripts.set(m, [...s]);
  }

  script(model: string, ...steps: Step[]): this {
    this.scripts.set(model, steps);
    return this;
  }

  private step(method: Call['method'], call: TargetCall): Step {
    this.calls.push({ provider: this.id, model: call.model, method });
    const s = this.scripts.get(call.model);
    if (!s || s.length === 0) return { ok: response(`${this.id}/${call.model}`) };
    return s.length > 1 ? s.shift()! : s[0]!;
  }

  async chat(_req: ChatRequest, call: TargetCall): Promise<ChatResponse> {
    const s = this.step('chat', call);
    if ('ok' in s) return structuredClone(s.ok);
    if ('fail' in s) throw s.fail;
    if ('hang' in s) return hang(call.signal);
    throw new Error(`step not valid for chat: ${JSON.stringify(s)}`);
  }

  async chatStream(_req: ChatRequest, call: TargetCall): Promise<AsyncIterable<ChatStreamEvent>> {
    const s = this.step('chatStream', call);
    if ('fail' in s) throw s.fail;
    if ('hang' in s) return hang(call.signal);
    const self = this;
    if ('failFirst' in s) {
      return (async function* () {
        yield* [];
        throw s.failFirst;
      })();
    }
    if ('streamThenHang' in s) {
      return (async function* () {
        try {
          yield* s.streamThenHang;
          await hang(call.signal);
        } finally {
          self.closedStreams++;
        }
      })();
    }
    if ('drip' in s) {
      return (async function* () {
        try {
          for (const [i, e] of s.drip.entries()) {
            if (i > 0) await new Promise((r) => setTimeout(r, s.gapMs));
            yield e;
          }
        } finally {
          self.closedStreams++;
        }
      })();
    }
    if ('stream' in s) {
      return (async function* () {
        try {
          for (const e of s.stream) yield e;
          if (s.error) throw s.error;
        } finally {
          self.closedStreams++;
        }
      })();
    }
    throw new Error(`step not valid for chatStream: ${JSON.stringify(s)}`);
  }

  async embed(_req: EmbeddingsRequest, call: TargetCall): Promise<EmbeddingsResponse> {
    const s = this.step('embed', call);
    if ('embed' in s) return s.embed;
    if ('fail' in s) throw s.fail;
    if ('hang' in s) return hang(call.signal);
    throw new Error(`step not valid for embed: ${JSON.stringify(s)}`);
  }
}

function hang(signal: CancelSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.onAbort(reject);
  });
}

export function response(text: string, usage = { inputTokens: 10, outputTokens: 5 }): ChatResponse {
  return {
    id: 'chatcmpl-1',
    model: 'upstream-model',
    created: 1_700_000_000,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finishReason: 'stop' }],
    usage: { cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, ...usage },
  };
}

export function streamEvents(text: string): ChatStreamEvent[] {
  return [
    { type: 'start', id: 'chatcmpl-s', model: 'upstream-model', created: 1_700_000_000 },
    { type: 'text', index: 0, text: text.slice(0, 3) },
    { type: 'text', index: 0, text: text.slice(3) },
    { type: 'finish', index: 0, finishReason: 'stop' },
    {
      type: 'usage',
      usage: {
        inputTokens: 7,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 3,
        reasoningTokens: 0,
      },
    },
  ];
}

export const err = {
  rateLimit: (retryAfter?: number) =>
    new UpstreamError('rate_limit', 'HTTP 429', {
      status: 429,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    }),
  server: () => new UpstreamError('server', 'HTTP 503', { status: 503, upstreamMessage: 'overloaded' }),
  badRequest: () =>
    new UpstreamError('bad_request', 'HTTP 400', {
      status: 400,
      upstreamMessage: "'messages' must not be empty",
    }),
  auth: () =>
    new UpstreamError('auth', 'HTTP 401', { status: 401, upstreamMessage: 'Invalid key sk-secret' }),
  connection: () => new UpstreamError('connection', 'ECONNREFUSED'),
  interrupted: () => new UpstreamError('stream_interrupted', 'socket closed'),
};

/** A sleep that only records what it was asked to wait and advances the fake clock. */
export function fakeClock(start = 1000) {
  const clock = { t: start, slept: [] as number[] };
  return {
    clock,
    now: () => clock.t,
    sleep: async (ms: number, signal: CancelSignal) => {
      if (signal.aborted) throw signal.reason;
      clock.slept.push(ms);
      clock.t += ms;
    },
  };
}

export function config(input: Partial<KeelConfigInput>): KeelConfig {
  return configSchema.parse(input);
}

export function providerMap(...ps: FakeProvider[]): Map<string, ProviderAdapter> {
  return new Map(ps.map((p) => [p.id, p]));
}

export function chatReq(text = 'hi', extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'chat',
    messages: [{ role: 'user', content: [{ type: 'text', text }] }],
    stream: false,
    ...extra,
  };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
