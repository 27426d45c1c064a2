/** OpenAI `chat.completion.chunk` SSE stream → canonical ChatStreamEvents. */
import type { ChatResponse, ChatStreamEvent, JsonObject, Usage } from '../../canonical/types.js';
import { randomId } from '../shared/ids.js';
import type { SSEMessage } from '../shared/sse.js';
import { UpstreamError } from '../types.js';
import {
  argumentsText,
  errorFromPayload,
  type Fallback,
  fromWireUsage,
  isObj,
  mapFinishReason,
  type Obj,
} from './response.js';

interface ToolState {
  started: boolean;
  id: string | undefined;
  name: string | undefined;
  /** Argument text that arrived before the call's name was known. */
  pending: string;
}

interface ChoiceState {
  finished: boolean;
  tools: Map<number, ToolState>;
  lastTool: number;
  lastToolId: string | undefined;
}

function choiceState(choices: Map<number, ChoiceState>, index: number): ChoiceState {
  let s = choices.get(index);
  if (!s) {
    s = { finished: false, tools: new Map(), lastTool: -1, lastToolId: undefined };
    choices.set(index, s);
  }
  return s;
}

/**
 * Which tool slot a delta belongs to. OpenAI always sends `index`; a few compatible servers omit it,
 * in which case a new `id` opens the next slot and id-less deltas continue the current one.
 */
function toolSlot(cs: ChoiceState, tc: Obj): number {
  if (typeof tc.index === 'number') return tc.index;
  const id = typeof tc.id === 'string' && tc.id !== '' ? tc.id : undefined;
  if (cs.lastTool === -1 || (id !== undefined && id !== cs.lastToolId)) return cs.lastTool + 1;
  return cs.lastTool;
}

function* toolDelta(
  cs: ChoiceState,
  index: number,
  slot: number,
  id: unknown,
  name: unknown,
  args: unknown,
): Generator<ChatStreamEvent> {
  let t = cs.tools.get(slot);
  if (!t) {
    t = { started: false, id: undefined, name: undefined, pending: '' };
    cs.tools.set(slot, t);
  }
  cs.lastTool = slot;
  if (typeof id === 'string' && id !== '') {
    t.id ??= id;
    cs.lastToolId = id;
  }
  if (typeof name === 'string' && name !== '' && !t.started) t.name = (t.name ?? '') + name;
  const argText = argumentsText(args);
  if (!t.started) {
    if (t.name === undefined) {
      t.pending += argText;
      return;
    }
    t.started = true;
    t.id ??= randomId('call_');
    yield { type: 'tool_call_start', index, toolIndex: slot, id: t.id, name: t.name };
    const text = t.pending + argText;
    t.pending = '';
    if (text !== '') yield { type: 'tool_call_delta', index, toolIndex: slot, argumentsDelta: text };
    return;
  }
  if (argText !== '') yield { type: 'tool_call_delta', index, toolIndex: slot, argumentsDelta: argText };
}

/** Tool calls whose name never arrived are still announced before the finish, so nothing is lost. */
function* flushTools(cs: ChoiceState, index: number): Generator<ChatStreamEvent> {
  for (const [slot, t] of cs.tools) {
    if (t.started) continue;
    t.started = true;
    t.id ??= randomId('call_');
    yield { type: 'tool_call_start', index, toolIndex: slot, id: t.id, name: t.name ?? '' };
    if (t.pending !== '')
      yield { type: 'tool_call_delta', index, toolIndex: slot, argumentsDelta: t.pending };
    t.pending = '';
  }
}

function parseChunk(data: string): Obj {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new UpstreamError('invalid_response', 'upstream sent a stream chunk that is not JSON');
  }
  if (!isObj(chunk))
    throw new UpstreamError('invalid_response', 'upstream sent a stream chunk that is not an object');
  return chunk;
}

export async function* eventsFromSSE(
  messages: AsyncIterable<SSEMessage>,
  fb: Fallback,
  secrets?: readonly string[],
): AsyncGenerator<ChatStreamEvent> {
  let started = false;
  let sawDone = false;
  let emittedContent = false;
  let usage: Usage | undefined;
  const choices = new Map<number, ChoiceState>();

  for await (const msg of messages) {
    // Anything after [DONE] is drained, not interpreted, so the connection can be reused.
    if (sawDone) continue;
    if (msg.data === '[DONE]') {
      sawDone = true;
      continue;
    }
    const chunk = parseChunk(msg.data);
    if (msg.event === 'error' || (chunk.error !== undefined && chunk.error !== null)) {
      throw errorFromPayload(chunk.error ?? chunk, { midStream: emittedContent, secrets });
    }
    const list = Array.isArray(chunk.choices) ? chunk.choices : [];
    // Usage normally arrives alone in the last chunk; servers that repeat it cumulatively (vLLM's
    // continuous stats) or tuck it elsewhere (Groq's x_groq) are covered by keeping the latest.
    const u =
      fromWireUsage(chunk.usage) ?? (isObj(chunk.x_groq) ? fromWireUsage(chunk.x_groq.usage) : undefined);
    if (u) usage = u;
    if (!started) {
      // Azure opens with a content-filter chunk that has no choices and empty ids: not a start.
      if (list.length === 0 && !u) continue;
      started = true;
      yield {
        type: 'start',
        id: typeof chunk.id === 'string' && chunk.id !== '' ? chunk.id : randomId('chatcmpl-'),
        model: typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : fb.model,
        created:
          typeof chunk.created === 'number' && chunk.created > 0 ? chunk.created : Math.floor(fb.now / 1000),
      };
    }
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (!isObj(c)) throw new UpstreamError('invalid_response', 'upstream stream choice is not an object');
      const index = typeof c.index === 'number' ? c.index : i;
      const cs = choiceState(choices, index);
      const delta = isObj(c.delta) ? c.delta : undefined;
      if (delta) {
        if (typeof delta.content === 'string' && delta.content !== '') {
          emittedContent = true;
          const ev: ChatStreamEvent = { type: 'text', index, text: delta.content };
          if (isObj(c.logprobs)) ev.logprobs = c.logprobs as JsonObject;
          yield ev;
        }
        // Canonical streams have no refusal channel; surfacing it as text beats dropping it.
        if (typeof delta.refusal === 'string' && delta.refusal !== '') {
          emittedContent = true;
          yield { type: 'text', index, text: delta.refusal };
        }
        if (Array.isArray(delta.tool_calls)) {
          for (const tc of delta.tool_calls) {
            if (!isObj(tc)) continue;
            const fn = isObj(tc.function) ? tc.function : undefined;
            emittedContent = true;
            yield* toolDelta(cs, index, toolSlot(cs, tc), tc.id, fn?.name, fn?.arguments);
          }
        } else if (isObj(delta.function_call)) {
          const fc = delta.function_call;
          emittedContent = true;
          yield* toolDelta(cs, index, 0, undefined, fc.name, fc.arguments);
        }
      }
      if (typeof c.finish_reason === 'string' && c.finish_reason !== '' && !cs.finished) {
        cs.finished = true;
        yield* flushTools(cs, index);
        const hasTools = cs.tools.size > 0;
        const reason =
          hasTools && c.finish_reason === 'stop' ? 'tool_calls' : mapFinishReason(c.finish_reason);
        yield { type: 'finish', index, finishReason: reason };
      }
    }
  }

  if (!sawDone) {
    // Usage the upstream did report is passed on: it is what the provider bills for the cut answer.
    if (usage) yield { type: 'usage', usage };
    throw new UpstreamError('stream_interrupted', 'upstream stream ended before [DONE]');
  }
  if (choices.size === 0) {
    // It ended cleanly ([DONE]) having said nothing an answer is made of: a wrong shape, not a cut.
    throw new UpstreamError('invalid_response', 'upstream stream ended without any choice');
  }
  for (const cs of choices.values()) {
    if (!cs.finished)
      throw new UpstreamError('stream_interrupted', 'upstream stream ended without a finish_reason');
  }
  if (usage) yield { type: 'usage', usage };
}

/** For upstreams that ignore `stream: true` and answer with one JSON body. */
export async function* eventsFromResponse(res: ChatResponse): AsyncGenerator<ChatStreamEvent> {
  yield { type: 'start', id: res.id, model: res.model, created: res.created };
  for (const c of res.choices) {
    const m = c.message;
    if (m.content) yield { type: 'text', index: c.index, text: m.content };
    else if (m.refusal) yield { type: 'text', index: c.index, text: m.refusal };
    if (m.toolCalls) {
      for (let t = 0; t < m.toolCalls.length; t++) {
        const call = m.toolCalls[t]!;
        yield { type: 'tool_call_start', index: c.index, toolIndex: t, id: call.id, name: call.name };
        if (call.arguments !== '') {
          yield { type: 'tool_call_delta', index: c.index, toolIndex: t, argumentsDelta: call.arguments };
        }
      }
    }
    yield { type: 'finish', index: c.index, finishReason: c.finishReason };
  }
  if (res.usage) yield { type: 'usage', usage: res.usage };
}
