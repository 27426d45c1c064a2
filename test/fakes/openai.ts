import {
  type Behaviour,
  cutConnection,
  type Exchange,
  type FakeUpstream,
  type FakeUsage,
  isObject,
  pieces,
  sendGarbage,
  sendJson,
  startFake,
  textOf,
  writeSse,
} from './common.js';
import { sendAnswer, sendWrongShape } from './faults.js';
import { openaiStreamFrames } from './openai-stream.js';

/**
 * A fake OpenAI Chat Completions / Embeddings server speaking the real wire format (checked against
 * the openai v6 SDK's types and stream parser): `chat.completion` and `chat.completion.chunk`
 * objects, `usage: null` on every chunk plus a final `choices: []` usage chunk when
 * `stream_options.include_usage` is set, `data: [DONE]`, streamed `tool_calls` deltas, and
 * embeddings as floats or base64 little-endian float32. Azure deployment paths
 * (/openai/deployments/{name}/...) are served too.
 */

export interface FakeOpenAIOptions {
  /** When set, requests must carry `Authorization: Bearer <key>` or Azure's `api-key: <key>`. */
  apiKey?: string;
  /** Model ids for GET /v1/models. */
  models?: string[];
}

const AZURE_DEPLOYMENT = /\/openai\/deployments\/([^/]+)\//;

const ERROR_TYPES: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid value for parameter.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Forbidden.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request.',
  },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded.' },
};

function errorBody(status: number, message?: string): unknown {
  const t = ERROR_TYPES[status] ?? { type: 'server_error', code: null, message: `HTTP ${status}` };
  return { error: { message: message ?? t.message, type: t.type, param: null, code: t.code } };
}

/** The deterministic vector the fake returns for input `index` (values are exact in float32). */
export function fakeEmbedding(index: number, text: string, dims = 8): number[] {
  const out: number[] = [];
  for (let j = 0; j < dims; j++) out.push(((text.length + 3 * j + 5 * index) % 16) / 16 - 0.5);
  return out;
}

function toBase64(vec: number[]): string {
  const f = new Float32Array(vec);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

export function defaultOpenAIAnswer(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last: unknown = messages.at(-1);
  const said = isObject(last) ? textOf(last.content) : '';
  const rf = body.response_format;
  if (isObject(rf) && (rf.type === 'json_object' || rf.type === 'json_schema'))
    return JSON.stringify({ echo: said });
  return `Echo: ${said}`;
}

function usageOf(
  u: FakeUsage | undefined,
  body: Record<string, unknown>,
  completionDefault: number,
  raw?: Record<string, unknown>,
) {
  const messages = Array.isArray(body.messages) ? body.messages.length : 1;
  const prompt = u?.input ?? 10 + 3 * messages;
  const completion = u?.output ?? completionDefault;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u?.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u?.reasoning ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    ...raw,
  };
}

function authorised(ex: Exchange, apiKey: string | undefined): boolean {
  if (apiKey === undefined) return true;
  const h = ex.req.headers;
  return h.authorization === `Bearer ${apiKey}` || h['api-key'] === apiKey;
}

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeUpstream> {
  let seq = 0;
  return startFake(async (ex) => {
    const { req, res, behaviour: b } = ex;
    if (b.delayMs && !(await ex.wait(b.delayMs))) return;
    if (b.destroy) {
      cutConnection(res);
      return;
    }
    if (!authorised(ex, opts.apiKey)) {
      sendJson(
        res,
        401,
        errorBody(401, 'Incorrect API key provided. You can find your API key in your account.'),
      );
      return;
    }
    if (b.status && b.status >= 400) {
      const headers: Record<string, string> = {};
      if (b.retryAfter !== undefined) headers['retry-after'] = String(b.retryAfter);
      sendJson(res, b.status, errorBody(b.status, b.message), headers);
      return;
    }
    const body = isObject(req.body) ? req.body : {};
    const stream = body.stream === true;
    if (b.garbage) {
      sendGarbage(res, stream);
      return;
    }
    if (b.wrongShape) {
      sendWrongShape(res, stream, 'openai');
      return;
    }
    const azure = AZURE_DEPLOYMENT.exec(req.path);
    const model = b.model ?? (typeof body.model === 'string' ? body.model : (azure?.[1] ?? 'unknown'));
    seq++;

    if (req.method === 'GET' && req.path.endsWith('/models')) {
      const ids = opts.models ?? ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'];
      sendJson(res, 200, {
        object: 'list',
        data: ids.map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' })),
      });
      return;
    }
    if (req.method === 'POST' && req.path.endsWith('/embeddings')) {
      const input = body.input;
      const inputs: string[] = Array.isArray(input)
        ? input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
        : [String(input)];
      const dims = typeof body.dimensions === 'number' ? body.dimensions : 8;
      // OpenAI's own limits; without them a fuzzed `dimensions` made this fake allocate gigabytes.
      if (inputs.length > 2048 || dims > 3072) {
        sendJson(res, 400, errorBody(400, 'Too many inputs or dimensions for this model.'));
        return;
      }
      const base64 = body.encoding_format === 'base64';
      const tokens = b.usage?.input ?? inputs.reduce((n, s) => n + Math.max(1, Math.ceil(s.length / 4)), 0);
      sendJson(res, 200, {
        object: 'list',
        data: inputs.map((s, index) => {
          const v = fakeEmbedding(index, s, dims);
          return { object: 'embedding', index, embedding: base64 ? toBase64(v) : v };
        }),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
      return;
    }
    if (req.method !== 'POST' || !req.path.endsWith('/chat/completions')) {
      sendJson(res, 404, errorBody(404, `Invalid URL (${req.method} ${req.path})`));
      return;
    }
    if (typeof body.model !== 'string' && !azure) {
      sendJson(res, 400, errorBody(400, 'you must provide a model parameter'));
      return;
    }
    if (!Array.isArray(body.messages)) {
      sendJson(res, 400, errorBody(400, "Missing required parameter: 'messages'."));
      return;
    }

    const id = `chatcmpl-fake${seq}`;
    const created = 1_760_000_000 + seq;
    const n = typeof body.n === 'number' ? body.n : 1;
    const text = b.text ?? (b.toolCalls ? null : defaultOpenAIAnswer(body));
    const toolCalls = b.toolCalls?.map((t, i) => ({ ...t, id: t.id ?? `call_fake${seq}_${i}` }));
    const finish = b.finishReason ?? (toolCalls ? 'tool_calls' : 'stop');
    const choiceText = (i: number) => (text === null ? null : i === 0 ? text : `${text} (${i})`);

    if (!stream) {
      await sendAnswer(ex, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: Array.from({ length: n }, (_, i) => ({
          index: i,
          message: {
            role: 'assistant',
            content: choiceText(i),
            refusal: null,
            annotations: [],
            ...(toolCalls
              ? {
                  tool_calls: toolCalls.map((t) => ({
                    id: t.id,
                    type: 'function',
                    function: { name: t.name, arguments: t.arguments },
                  })),
                }
              : {}),
          },
          logprobs: b.logprobs ?? null,
          finish_reason: finish,
        })),
        ...(b.omitUsage
          ? {}
          : { usage: usageOf(b.usage, body, text === null ? 12 : pieces(text).length * n, b.rawUsage) }),
        service_tier: 'default',
        system_fingerprint: 'fp_fake0001',
      });
      return;
    }

    const so = body.stream_options;
    const frames = openaiStreamFrames({
      id,
      created,
      model,
      n,
      choiceText,
      toolCalls,
      finish,
      includeUsage: isObject(so) && so.include_usage === true && !b.omitUsage,
      ...(b.logprobs ? { logprobs: b.logprobs } : {}),
      usage: (completion) => usageOf(b.usage, body, completion, b.rawUsage),
    });
    const errorFrame = `data: ${JSON.stringify(errorBody(500, 'The server had an error while processing your request.'))}\n\n`;
    await writeSse(ex, frames, errorFrame);
  });
}

export type { Behaviour, FakeUpstream };
