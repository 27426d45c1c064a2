import type { CancelSignal } from '../../canonical/cancel.js';
import type { ChatStreamEvent } from '../../canonical/types.js';
import { sanitizeMessage, toUpstreamError } from '../shared/http.js';
import { randomId } from '../shared/ids.js';
import type { SSEMessage } from '../shared/sse.js';
import { kindForStatus, UpstreamError } from '../types.js';
import {
  fromGeminiUsage,
  isObj,
  mapFinishReason,
  type Obj,
  parseParts,
  promptBlocked,
  type ResponseContext,
} from './response.js';

/**
 * streamGenerateContent?alt=sse → canonical stream events. Every SSE `data` is a whole
 * GenerateContentResponse chunk; text arrives as deltas, function calls arrive whole (so each one
 * is a tool_call_start plus one delta with all its arguments), the finishReason comes on a
 * candidate's last chunk and the usage on the stream's last chunk.
 */

function parseChunk(msg: SSEMessage, secrets: readonly string[]): Obj {
  let v: unknown;
  try {
    v = JSON.parse(msg.data);
  } catch (cause) {
    throw new UpstreamError('invalid_response', 'Gemini sent a stream chunk that is not JSON', { cause });
  }
  if (!isObj(v))
    throw new UpstreamError('invalid_response', 'Gemini sent a stream chunk that is not an object');
  const err = v.error;
  if (isObj(err)) {
    const code = typeof err.code === 'number' ? err.code : 500;
    const upstreamMessage =
      typeof err.message === 'string' ? sanitizeMessage(err.message, secrets) : undefined;
    throw new UpstreamError(
      kindForStatus(code),
      `Gemini stream error ${code}${upstreamMessage ? `: ${upstreamMessage}` : ''}`,
      {
        status: code,
        upstreamMessage,
      },
    );
  }
  return v;
}

/**
 * Reads the first chunk before handing the stream over, so that a prompt Gemini blocks, an error
 * chunk or a garbage body still fail the attempt before anything reaches the client (and can be
 * retried or fallen back from).
 */
export async function openGeminiStream(
  sse: AsyncIterable<SSEMessage>,
  ctx: ResponseContext,
  signal: CancelSignal,
  secrets: readonly string[] = [],
): Promise<AsyncIterable<ChatStreamEvent>> {
  const it = sse[Symbol.asyncIterator]();
  let first: IteratorResult<SSEMessage>;
  try {
    first = await it.next();
  } catch (err) {
    throw toUpstreamError(err, signal);
  }
  if (first.done) {
    throw new UpstreamError(
      'invalid_response',
      'Gemini sent no stream events (is base_url a Gemini API endpoint?)',
    );
  }
  let chunk: Obj;
  try {
    chunk = parseChunk(first.value, secrets);
    const blocked = promptBlocked(chunk);
    if (blocked && !(Array.isArray(chunk.candidates) && chunk.candidates.length > 0)) throw blocked;
  } catch (err) {
    // Release the upstream connection: nobody will read the rest of this body.
    await close(it);
    throw err;
  }
  return guard(events(chunk, it, ctx, secrets), signal);
}

async function close(it: AsyncIterator<SSEMessage>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // The body is being torn down anyway.
  }
}

async function* events(
  firstChunk: Obj,
  rest: AsyncIterator<SSEMessage>,
  ctx: ResponseContext,
  secrets: readonly string[],
): AsyncGenerator<ChatStreamEvent> {
  const toolCounts = new Map<number, number>();
  const seen = new Set<number>();
  const finished = new Set<number>();
  let usage: unknown;
  let chunk: Obj | undefined = firstChunk;
  yield {
    type: 'start',
    id: typeof chunk.responseId === 'string' && chunk.responseId ? chunk.responseId : randomId('chatcmpl-'),
    model: typeof chunk.modelVersion === 'string' && chunk.modelVersion ? chunk.modelVersion : ctx.model,
    created: ctx.created,
  };
  try {
    while (chunk) {
      if (chunk.usageMetadata !== undefined) usage = chunk.usageMetadata;
      const candidates = Array.isArray(chunk.candidates) ? chunk.candidates : [];
      for (let i = 0; i < candidates.length; i++) {
        const c: unknown = candidates[i];
        if (!isObj(c)) continue;
        const index = typeof c.index === 'number' ? c.index : i;
        seen.add(index);
        const parsed = parseParts(isObj(c.content) ? c.content.parts : undefined, ctx);
        if (parsed.text.length > 0) yield { type: 'text', index, text: parsed.text };
        for (const tc of parsed.toolCalls) {
          const toolIndex = toolCounts.get(index) ?? 0;
          toolCounts.set(index, toolIndex + 1);
          yield { type: 'tool_call_start', index, toolIndex, id: tc.id, name: tc.name };
          yield { type: 'tool_call_delta', index, toolIndex, argumentsDelta: tc.arguments };
        }
        const reason = c.finishReason;
        if (typeof reason === 'string' && reason !== 'FINISH_REASON_UNSPECIFIED' && !finished.has(index)) {
          finished.add(index);
          yield { type: 'finish', index, finishReason: mapFinishReason(reason, toolCounts.has(index)) };
        }
      }
      const next = await rest.next();
      chunk = next.done ? undefined : parseChunk(next.value, secrets);
    }
  } finally {
    // Also runs when the consumer stops early or a chunk is bad: the body must not stay open.
    await close(rest);
  }
  for (const index of seen) {
    if (!finished.has(index)) {
      throw new UpstreamError('stream_interrupted', 'Gemini stream ended before the answer finished');
    }
  }
  if (finished.size === 0)
    throw new UpstreamError('stream_interrupted', 'Gemini stream ended without a finish reason');
  const u = fromGeminiUsage(usage);
  if (u) yield { type: 'usage', usage: u };
}

/**
 * Failures after the first chunk can no longer be retried invisibly: transport errors and error
 * chunks become `stream_interrupted`, shape errors stay `invalid_response`, a client abort passes.
 */
async function* guard(
  inner: AsyncGenerator<ChatStreamEvent>,
  signal: CancelSignal,
): AsyncGenerator<ChatStreamEvent> {
  try {
    yield* inner;
  } catch (err) {
    if (err instanceof UpstreamError) {
      if (err.kind === 'stream_interrupted' || err.kind === 'invalid_response') throw err;
      throw new UpstreamError('stream_interrupted', err.message, {
        status: err.status,
        upstreamMessage: err.upstreamMessage,
        cause: err,
      });
    }
    const mapped = toUpstreamError(err, signal);
    if (!(mapped instanceof UpstreamError)) throw mapped;
    throw new UpstreamError('stream_interrupted', `Gemini stream failed: ${mapped.message}`, { cause: err });
  }
}
