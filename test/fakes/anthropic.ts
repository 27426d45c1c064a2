import {
  type Behaviour,
  cutConnection,
  type FakeUpstream,
  type FakeUsage,
  isObject,
  jsonFragments,
  pieces,
  sendGarbage,
  sendJson,
  startFake,
  textOf,
  writeSse,
} from './common.js';
import { sendAnswer, sendWrongShape } from './faults.js';

/**
 * A fake Anthropic Messages server speaking the real wire format (checked against the
 * @anthropic-ai/sdk stream accumulator and recorded API streams): named SSE events
 * message_start → content_block_start/delta/stop (text_delta, input_json_delta) → message_delta →
 * message_stop with a `ping`, usage with input_tokens excluding cache_read / cache_creation tokens,
 * and the `{"type":"error","error":{...}}` error shape. Like the real API it insists on
 * `anthropic-version`, `max_tokens` and user/assistant-only roles, so a sloppy translation fails here.
 */

export interface FakeAnthropicOptions {
  /** When set, requests must carry `x-api-key: <key>`. */
  apiKey?: string;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function errorBody(status: number, message?: string): unknown {
  const type = ERROR_TYPES[status] ?? 'api_error';
  return { type: 'error', error: { type, message: message ?? `fake ${type}` }, request_id: 'req_fake' };
}

function validate(body: Record<string, unknown>): string | null {
  if (typeof body.model !== 'string') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required';
  for (const [i, m] of body.messages.entries()) {
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant'))
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
  }
  return null;
}

export function defaultAnthropicAnswer(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last: unknown = messages.at(-1);
  return `Echo: ${isObject(last) ? textOf(last.content) : ''}`;
}

function usageOf(
  u: FakeUsage | undefined,
  body: Record<string, unknown>,
  outputDefault: number,
  raw?: Record<string, unknown>,
) {
  const messages = Array.isArray(body.messages) ? body.messages.length : 1;
  const cacheWrite = u?.cacheWrite ?? 0;
  return {
    input_tokens: u?.input ?? 9 + 3 * messages,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: u?.cached ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens: u?.output ?? outputDefault,
    service_tier: 'standard',
    ...raw,
  };
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function parseInput(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    return {};
  }
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeUpstream> {
  let seq = 0;
  return startFake(async (ex) => {
    const { req, res, behaviour: b } = ex;
    if (b.delayMs && !(await ex.wait(b.delayMs))) return;
    if (b.destroy) {
      cutConnection(res);
      return;
    }
    const counting = req.method === 'POST' && req.path.endsWith('/messages/count_tokens');
    if (req.method !== 'POST' || (!req.path.endsWith('/messages') && !counting)) {
      sendJson(res, 404, errorBody(404, 'Not found'));
      return;
    }
    if (opts.apiKey !== undefined && req.headers['x-api-key'] !== opts.apiKey) {
      sendJson(res, 401, errorBody(401, 'invalid x-api-key'));
      return;
    }
    if (!req.headers['anthropic-version']) {
      sendJson(res, 400, errorBody(400, 'anthropic-version: header is required'));
      return;
    }
    if (b.status && b.status >= 400) {
      const headers: Record<string, string> = {};
      if (b.retryAfter !== undefined) headers['retry-after'] = String(b.retryAfter);
      sendJson(res, b.status, errorBody(b.status, b.message), headers);
      return;
    }
    const body = isObject(req.body) ? req.body : {};
    if (counting) {
      // Like the real endpoint: a Messages body without max_tokens; a count of its text.
      if ('max_tokens' in body)
        sendJson(res, 400, errorBody(400, 'max_tokens: Extra inputs are not permitted'));
      else sendJson(res, 200, { input_tokens: b.usage?.input ?? 7 + JSON.stringify(body.messages).length });
      return;
    }
    const stream = body.stream === true;
    if (b.garbage) {
      sendGarbage(res, stream);
      return;
    }
    if (b.wrongShape) {
      sendWrongShape(res, stream, 'anthropic');
      return;
    }
    const invalid = validate(body);
    if (invalid) {
      sendJson(res, 400, errorBody(400, invalid));
      return;
    }

    seq++;
    const id = `msg_fake${seq}`;
    const model = b.model ?? String(body.model);
    const text = b.text ?? (b.toolCalls ? null : defaultAnthropicAnswer(body));
    const toolCalls = b.toolCalls?.map((t, i) => ({ ...t, id: t.id ?? `toolu_fake${seq}_${i}` }));
    const stopReason =
      b.finishReason ?? (toolCalls ? 'tool_use' : b.stopSequence ? 'stop_sequence' : 'end_turn');
    const stopSequence = b.stopSequence ?? null;

    if (!stream) {
      const content: unknown[] = [];
      if (b.thinking) content.push({ type: 'thinking', ...b.thinking });
      if (text !== null) content.push({ type: 'text', text });
      for (const t of toolCalls ?? [])
        content.push({ type: 'tool_use', id: t.id, name: t.name, input: parseInput(t.arguments) });
      const message = {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: stopReason,
        stop_sequence: stopSequence,
        usage: usageOf(b.usage, body, text === null ? 15 : pieces(text).length, b.rawUsage),
      };
      await sendAnswer(ex, message);
      return;
    }

    const frames: string[] = [];
    let output = 0;
    let block = 0;
    const textPieces = text === null ? [] : pieces(text);
    const outputTotal =
      textPieces.length + (toolCalls ?? []).reduce((n, t) => n + jsonFragments(t.arguments).length, 0);
    const finalUsage = usageOf(b.usage, body, outputTotal, b.rawUsage);
    frames.push(
      sse('message_start', {
        type: 'message_start',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...finalUsage, output_tokens: 1 },
        },
      }),
    );
    if (b.thinking) {
      const start = { type: 'thinking', thinking: '', signature: '' };
      frames.push(
        sse('content_block_start', { type: 'content_block_start', index: block, content_block: start }),
      );
      for (const p of pieces(b.thinking.thinking))
        frames.push(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index: block,
            delta: { type: 'thinking_delta', thinking: p },
          }),
        );
      frames.push(
        sse('content_block_delta', {
          type: 'content_block_delta',
          index: block,
          delta: { type: 'signature_delta', signature: b.thinking.signature },
        }),
      );
      frames.push(sse('content_block_stop', { type: 'content_block_stop', index: block }));
      block++;
    }
    if (text !== null) {
      frames.push(
        sse('content_block_start', {
          type: 'content_block_start',
          index: block,
          content_block: { type: 'text', text: '' },
        }),
      );
      frames.push(sse('ping', { type: 'ping' }));
      for (const p of textPieces) {
        output++;
        frames.push(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index: block,
            delta: { type: 'text_delta', text: p },
          }),
        );
      }
      frames.push(sse('content_block_stop', { type: 'content_block_stop', index: block }));
      block++;
    }
    for (const t of toolCalls ?? []) {
      frames.push(
        sse('content_block_start', {
          type: 'content_block_start',
          index: block,
          content_block: { type: 'tool_use', id: t.id, name: t.name, input: {} },
        }),
      );
      frames.push(
        sse('content_block_delta', {
          type: 'content_block_delta',
          index: block,
          delta: { type: 'input_json_delta', partial_json: '' },
        }),
      );
      for (const frag of jsonFragments(t.arguments)) {
        output++;
        frames.push(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index: block,
            delta: { type: 'input_json_delta', partial_json: frag },
          }),
        );
      }
      frames.push(sse('content_block_stop', { type: 'content_block_stop', index: block }));
      block++;
    }
    frames.push(
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: stopSequence },
        usage: b.deltaUsageOutputOnly
          ? { output_tokens: b.usage?.output ?? output }
          : {
              input_tokens: finalUsage.input_tokens,
              cache_creation_input_tokens: finalUsage.cache_creation_input_tokens,
              cache_read_input_tokens: finalUsage.cache_read_input_tokens,
              output_tokens: finalUsage.output_tokens,
            },
      }),
    );
    frames.push(sse('message_stop', { type: 'message_stop' }));
    await writeSse(ex, frames, sse('error', errorBody(529, 'Overloaded')));
  });
}

export type { Behaviour, FakeUpstream };
