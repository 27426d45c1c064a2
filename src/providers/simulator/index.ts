import type { CancelSignal } from '../../canonical/cancel.js';
import type { ChatRequest, ChatResponse, ChatStreamEvent, Usage } from '../../canonical/types.js';
import type { ProviderFactory } from '../index.js';
import { type ProviderAdapter, type TargetCall, UpstreamError } from '../types.js';
import { planChat, type SimAnswer } from './answer.js';
import { simulateEmbeddings } from './embed.js';
import { PrefixCache, TokenMemo } from './prompt.js';
import { abortError, sleep } from './timing.js';

/**
 * The built-in simulator provider: deterministic answers with realistic token usage, latency,
 * streaming and prompt caching, so Keel can be demonstrated and benchmarked with no account.
 *
 * Model-name conventions (any model name works; these substrings change behaviour):
 *   `-fail-500`  every call fails with an upstream 500 (exercise retries, fallbacks, breakers)
 *   `-fail-429`  every call is rate limited, with `retry-after: 1`
 *   `-slow`      time to first token is 10× the configured `latency_ms`
 *   `-naive`     obeys instructions injected anywhere in the conversation (naive.ts), as does
 *                `simulator: { naive: true }`: the red-team suite's unprotected model
 * See README.md in this folder.
 */

const DEFAULTS = {
  latency_ms: 20,
  tokens_per_second: 0,
  answer_tokens: 60,
  embedding_dimensions: 256,
  naive: false,
};
const SLOW_FACTOR = 10;
const WORD_CHUNK_RE = /\S+\s*|\s+/g;
/** Words per streamed text chunk: a few tokens each, like real streams. */
const WORDS_PER_CHUNK = 2;
const ARG_CHUNK_CHARS = 24;

interface Behaviour {
  latencyMs: number;
}

function behaviourFor(model: string, latencyMs: number): Behaviour {
  if (model.includes('-fail-500')) {
    throw new UpstreamError('server', 'simulator: upstream returned 500 (model name asks for it)', {
      status: 500,
      upstreamMessage: 'The simulated server had an error while processing your request.',
    });
  }
  if (model.includes('-fail-429')) {
    throw new UpstreamError('rate_limit', 'simulator: upstream returned 429 (model name asks for it)', {
      status: 429,
      retryAfter: 1,
      upstreamMessage: 'Simulated rate limit reached. Please try again in 1s.',
    });
  }
  return { latencyMs: model.includes('-slow') ? latencyMs * SLOW_FACTOR : latencyMs };
}

function usageOf(a: SimAnswer): Usage {
  return {
    inputTokens: a.promptTokens,
    cachedInputTokens: a.cachedTokens,
    cacheWriteTokens: 0,
    outputTokens: a.outputTokens,
    reasoningTokens: 0,
  };
}

function chunkText(text: string): string[] {
  const words = text.match(WORD_CHUNK_RE) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_CHUNK)
    out.push(words.slice(i, i + WORDS_PER_CHUNK).join(''));
  return out;
}

function chunkArgs(args: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += ARG_CHUNK_CHARS) out.push(args.slice(i, i + ARG_CHUNK_CHARS));
  return out.length > 0 ? out : [''];
}

export const createSimulatorProvider: ProviderFactory = (cfg, deps): ProviderAdapter => {
  const settings = { ...DEFAULTS, ...cfg.simulator };
  const state = {
    memo: new TokenMemo(),
    cache: new PrefixCache(),
    answerTokens: settings.answer_tokens,
    naive: settings.naive ?? false,
  };
  const tps = settings.tokens_per_second;
  let counter = 0;

  const nextId = (seed: number): string => `chatcmpl-sim${seed.toString(36)}${(counter++).toString(36)}`;

  function start(model: string, signal: CancelSignal): Behaviour {
    if (signal.aborted) throw abortError(signal);
    return behaviourFor(model, settings.latency_ms);
  }

  async function* streamEvents(
    answer: SimAnswer,
    call: TargetCall,
    id: string,
    created: number,
  ): AsyncGenerator<ChatStreamEvent> {
    const { signal } = call;
    yield { type: 'start', id, model: call.model, created };
    const began = performance.now();
    let paced = 0;
    // Paced against the wall clock from the first token, so timer jitter does not accumulate.
    const pace = async (tokens: number): Promise<void> => {
      if (signal.aborted) throw abortError(signal);
      if (tps <= 0) return;
      paced += tokens;
      await sleep(began + (paced / tps) * 1000 - performance.now(), signal);
    };
    for (const c of answer.choices) {
      if (c.text !== null && c.text.length > 0) {
        const chunks = chunkText(c.text);
        const perChunk = c.outputTokens / chunks.length;
        for (const text of chunks) {
          await pace(perChunk);
          yield { type: 'text', index: c.index, text };
        }
      }
      if (c.toolCalls) {
        for (const [toolIndex, tc] of c.toolCalls.entries()) {
          await pace(1);
          yield { type: 'tool_call_start', index: c.index, toolIndex, id: tc.id, name: tc.name };
          const parts = chunkArgs(tc.arguments);
          const perChunk = Math.max(0, c.outputTokens - 1) / parts.length;
          for (const argumentsDelta of parts) {
            await pace(perChunk);
            yield { type: 'tool_call_delta', index: c.index, toolIndex, argumentsDelta };
          }
        }
      }
      if (signal.aborted) throw abortError(signal);
      yield { type: 'finish', index: c.index, finishReason: c.finishReason, stopSequence: c.stopSequence };
    }
    yield { type: 'usage', usage: usageOf(answer) };
  }

  return {
    id: cfg.id,
    kind: 'simulator',

    async chat(req: ChatRequest, call: TargetCall): Promise<ChatResponse> {
      const b = start(call.model, call.signal);
      const answer = planChat(req, call.model, state);
      const generationMs = tps > 0 ? (answer.outputTokens / tps) * 1000 : 0;
      await sleep(b.latencyMs + generationMs, call.signal);
      return {
        id: nextId(answer.seed),
        model: call.model,
        created: Math.floor(deps.now() / 1000),
        systemFingerprint: 'fp_keel_sim',
        choices: answer.choices.map((c) => ({
          index: c.index,
          message: {
            role: 'assistant',
            content: c.text,
            ...(c.toolCalls ? { toolCalls: c.toolCalls } : {}),
            refusal: null,
          },
          finishReason: c.finishReason,
          stopSequence: c.stopSequence,
        })),
        usage: usageOf(answer),
      };
    },

    async chatStream(req: ChatRequest, call: TargetCall): Promise<AsyncIterable<ChatStreamEvent>> {
      const b = start(call.model, call.signal);
      const answer = planChat(req, call.model, state);
      // Headers arrive with the first token, so time to first token is spent before resolving.
      await sleep(b.latencyMs, call.signal);
      return streamEvents(answer, call, nextId(answer.seed), Math.floor(deps.now() / 1000));
    },

    async embed(req, call) {
      const b = start(call.model, call.signal);
      const res = simulateEmbeddings(req, call.model, settings.embedding_dimensions);
      await sleep(b.latencyMs, call.signal);
      return res;
    },
  };
};
