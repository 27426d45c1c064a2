/**
 * OpenAI wire responses → canonical. Upstream bodies are checked with plain type tests rather
 * than a schema library: this runs on every call, and real servers differ in small ways (missing
 * ids, null choices, object-typed tool arguments) that are better tolerated than rejected.
 */
import type {
  ChatChoice,
  ChatResponse,
  EmbeddingsResponse,
  FinishReason,
  JsonObject,
  ToolCall,
  Usage,
} from '../../canonical/types.js';
import { sanitizeMessage } from '../shared/http.js';
import { randomId } from '../shared/ids.js';
import { kindForStatus, UpstreamError, type UpstreamErrorKind } from '../types.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface Fallback {
  /** The model Keel asked for, used when the upstream does not say. */
  model: string;
  /** Wall clock, ms. */
  now: number;
}

export function mapFinishReason(r: unknown): FinishReason {
  switch (r) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      // 'stop', and the odd values some compatible servers send ('eos', 'stop_sequence', …).
      return 'stop';
  }
}

/**
 * A token count: absent is 0, anything else that is not a finite number is NaN, so that the
 * pipeline's usage check refuses the report instead of billing it as 0 (pipeline/usage-check.ts).
 */
function num(v: unknown): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
}

/** OpenAI usage → canonical. Missing or malformed usage yields undefined so Keel can estimate. */
export function fromWireUsage(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const prompt = u.prompt_tokens;
  const completion = u.completion_tokens;
  if (typeof prompt !== 'number' && typeof completion !== 'number') return undefined;
  const pd = isObj(u.prompt_tokens_details) ? u.prompt_tokens_details : undefined;
  const cd = isObj(u.completion_tokens_details) ? u.completion_tokens_details : undefined;
  return {
    inputTokens: num(prompt),
    cachedInputTokens: pd ? num(pd.cached_tokens) : 0,
    cacheWriteTokens: pd ? num(pd.cache_write_tokens) : 0,
    outputTokens: num(completion),
    reasoningTokens: cd ? num(cd.reasoning_tokens) : 0,
  };
}

/** Some servers (Ollama, a few proxies) send tool arguments as an object instead of JSON text. */
export function argumentsText(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a === undefined || a === null) return '';
  return JSON.stringify(a);
}

function contentText(c: unknown): string | null {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    let out = '';
    for (const p of c) if (isObj(p) && p.type === 'text' && typeof p.text === 'string') out += p.text;
    return out;
  }
  return null;
}

function toolCalls(msg: Obj): ToolCall[] | undefined {
  const out: ToolCall[] = [];
  if (Array.isArray(msg.tool_calls)) {
    for (const tc of msg.tool_calls) {
      if (!isObj(tc) || !isObj(tc.function)) continue; // custom (non-function) tools are not modelled
      const fn = tc.function;
      out.push({
        id: typeof tc.id === 'string' && tc.id !== '' ? tc.id : randomId('call_'),
        name: typeof fn.name === 'string' ? fn.name : '',
        arguments: argumentsText(fn.arguments),
      });
    }
  } else if (isObj(msg.function_call)) {
    const fc = msg.function_call;
    out.push({
      id: randomId('call_'),
      name: typeof fc.name === 'string' ? fc.name : '',
      arguments: argumentsText(fc.arguments),
    });
  }
  return out.length > 0 ? out : undefined;
}

function invalid(message: string): UpstreamError {
  return new UpstreamError('invalid_response', message);
}

/** Error kind for an `error` object found in a 200 body or inside a stream. */
function kindForPayload(e: Obj): UpstreamErrorKind {
  const status = typeof e.status === 'number' ? e.status : typeof e.code === 'number' ? e.code : undefined;
  if (status !== undefined && status >= 400) return kindForStatus(status);
  const tag = `${typeof e.type === 'string' ? e.type : ''} ${typeof e.code === 'string' ? e.code : ''}`;
  if (tag.includes('rate_limit') || tag.includes('insufficient_quota') || tag.includes('overloaded'))
    return tag.includes('overloaded') ? 'server' : 'rate_limit';
  if (tag.includes('invalid_request') || tag.includes('context_length')) return 'bad_request';
  if (tag.includes('authentication') || tag.includes('permission') || tag.includes('invalid_api_key'))
    return 'auth';
  if (tag.includes('not_found')) return 'not_found';
  return 'server';
}

/**
 * An `error` payload in a response body. Once content has been streamed to the caller the error can
 * only be an interruption, whatever the upstream called it.
 */
export function errorFromPayload(
  err: unknown,
  opts: { midStream: boolean; secrets?: readonly string[] },
): UpstreamError {
  const e: Obj = isObj(err) ? err : { message: typeof err === 'string' ? err : 'unknown error' };
  const raw = typeof e.message === 'string' ? e.message : 'unknown error';
  const upstreamMessage = sanitizeMessage(raw, opts.secrets);
  const kind = opts.midStream ? 'stream_interrupted' : kindForPayload(e);
  const status = typeof e.status === 'number' ? e.status : undefined;
  return new UpstreamError(kind, `upstream reported an error: ${upstreamMessage}`, {
    upstreamMessage,
    status,
  });
}

function parseChoice(c: unknown, i: number): ChatChoice {
  if (!isObj(c)) throw invalid('upstream choice is not an object');
  const msg = isObj(c.message) ? c.message : undefined;
  if (!msg) throw invalid('upstream choice has no message');
  const calls = toolCalls(msg);
  const message: ChatChoice['message'] = { role: 'assistant', content: contentText(msg.content) };
  if (calls) message.toolCalls = calls;
  if (typeof msg.refusal === 'string') message.refusal = msg.refusal;
  else message.refusal = null;
  // Some servers report 'stop' even though the message holds tool calls.
  const finish = calls && c.finish_reason === 'stop' ? 'tool_calls' : mapFinishReason(c.finish_reason);
  const choice: ChatChoice = {
    index: typeof c.index === 'number' ? c.index : i,
    message,
    finishReason: finish,
  };
  if (isObj(c.logprobs)) choice.logprobs = c.logprobs as JsonObject;
  return choice;
}

export function fromWireChatCompletion(
  json: unknown,
  fb: Fallback,
  secrets?: readonly string[],
): ChatResponse {
  if (!isObj(json)) throw invalid('upstream chat completion is not a JSON object');
  if (json.error !== undefined && json.error !== null)
    throw errorFromPayload(json.error, { midStream: false, secrets });
  if (!Array.isArray(json.choices) || json.choices.length === 0)
    throw invalid('upstream chat completion has no choices');
  const choices = new Array<ChatChoice>(json.choices.length);
  for (let i = 0; i < json.choices.length; i++) choices[i] = parseChoice(json.choices[i], i);
  const res: ChatResponse = {
    id: typeof json.id === 'string' && json.id !== '' ? json.id : randomId('chatcmpl-'),
    model: typeof json.model === 'string' && json.model !== '' ? json.model : fb.model,
    created: typeof json.created === 'number' && json.created > 0 ? json.created : Math.floor(fb.now / 1000),
    choices,
  };
  const usage = fromWireUsage(json.usage);
  if (usage) res.usage = usage;
  if (typeof json.system_fingerprint === 'string') res.systemFingerprint = json.system_fingerprint;
  return res;
}

function decodeFloat32Base64(s: string): number[] {
  const buf = Buffer.from(s, 'base64');
  const n = buf.length >>> 2;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/**
 * Upstream embeddings → canonical. `usage` is null when the upstream reported none, so the caller
 * can estimate.
 */
export function fromWireEmbeddings(
  json: unknown,
  fb: Fallback,
  secrets?: readonly string[],
): { res: Omit<EmbeddingsResponse, 'usage'>; inputTokens: number | null } {
  if (!isObj(json)) throw invalid('upstream embeddings response is not a JSON object');
  if (json.error !== undefined && json.error !== null)
    throw errorFromPayload(json.error, { midStream: false, secrets });
  if (!Array.isArray(json.data)) throw invalid('upstream embeddings response has no data');
  const data: EmbeddingsResponse['data'] = new Array(json.data.length);
  for (let i = 0; i < json.data.length; i++) {
    const d = json.data[i];
    if (!isObj(d)) throw invalid('upstream embedding is not an object');
    let embedding: number[];
    if (Array.isArray(d.embedding)) embedding = d.embedding as number[];
    else if (typeof d.embedding === 'string') embedding = decodeFloat32Base64(d.embedding);
    else throw invalid('upstream embedding has no vector');
    data[i] = { index: typeof d.index === 'number' ? d.index : i, embedding };
  }
  const u = isObj(json.usage) ? json.usage : undefined;
  const tokens = u && typeof u.prompt_tokens === 'number' ? u.prompt_tokens : null;
  return {
    res: { model: typeof json.model === 'string' && json.model !== '' ? json.model : fb.model, data },
    inputTokens: tokens,
  };
}
