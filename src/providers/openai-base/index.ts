/**
 * The shared adapter behind every OpenAI-wire provider (OpenAI, Azure OpenAI, any compatible
 * server). The family members differ only in URLs, auth headers and whether `model` goes in the
 * body; everything else — translation, streaming, error mapping — lives here once.
 */
import type { CancelSignal } from '../../canonical/cancel.js';
import type { ChatStreamEvent, EmbeddingsResponse } from '../../canonical/types.js';
import type { ProviderConfig } from '../../config/schema.js';
import { estimateEmbeddingInputTokens } from '../../value/tokens.js';
import type { ProviderDeps } from '../index.js';
import {
  createHttpClient,
  type HttpClient,
  readJson,
  serializeBody,
  throwForStatus,
  toUpstreamError,
} from '../shared/http.js';
import { parseSSE } from '../shared/sse.js';
import type { ProviderAdapter, TargetCall } from '../types.js';
import { UpstreamError } from '../types.js';
import { type MaxTokensField, toWireChatBody, toWireEmbeddingsBody } from './request.js';
import { fromWireChatCompletion, fromWireEmbeddings } from './response.js';
import { eventsFromResponse, eventsFromSSE } from './stream.js';

export type OpenAIPath = 'chat/completions' | 'embeddings';

interface OpenAIBaseOptions {
  url(path: OpenAIPath, model: string): string;
  /** Auth and extra headers; read once when the adapter is built. */
  headers(): Record<string, string>;
  /** Azure selects the model by deployment URL and must not get `model` in the body. */
  sendModel: boolean;
  /** Default: `max_completion_tokens` for kind `openai`, `max_tokens` otherwise. */
  maxTokensField?: MaxTokensField;
  /** Injected in tests; by default a keep-alive pool sized by `max_connections`. */
  http?: HttpClient;
}

export function stripTrailingSlash(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 47) end--;
  return url.slice(0, end);
}

function isJsonContentType(v: string | string[] | undefined): boolean {
  const ct = Array.isArray(v) ? v[0] : v;
  return ct?.includes('json') === true && !ct.includes('event-stream');
}

/**
 * An upstream that serves the OpenAI paths under `baseUrl` with a bearer key when one is set: OpenAI
 * itself and the OpenAI-compatible servers differ only in the base URL and the max-tokens field.
 */
export function createBearerOpenAIAdapter(
  cfg: ProviderConfig,
  deps: ProviderDeps,
  baseUrl: string,
  maxTokensField: MaxTokensField,
): ProviderAdapter {
  const base = stripTrailingSlash(baseUrl);
  const chatUrl = `${base}/chat/completions`;
  const embeddingsUrl = `${base}/embeddings`;
  return createOpenAIBaseAdapter(cfg, deps, {
    url: (path) => (path === 'chat/completions' ? chatUrl : embeddingsUrl),
    headers: () => {
      const h: Record<string, string> = { ...cfg.headers };
      if (cfg.api_key) h.authorization = `Bearer ${cfg.api_key}`;
      return h;
    },
    sendModel: true,
    maxTokensField,
  });
}

export function createOpenAIBaseAdapter(
  cfg: ProviderConfig,
  deps: ProviderDeps,
  opts: OpenAIBaseOptions,
): ProviderAdapter {
  const http =
    opts.http ??
    createHttpClient({ maxConnections: cfg.max_connections, allowLinkLocal: cfg.allow_link_local });
  const custom = opts.headers();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...custom,
  };
  const streamHeaders: Record<string, string> = { ...headers, accept: 'text/event-stream' };
  // Everything configured that could be a credential, to scrub from upstream error messages.
  const secrets: string[] = [];
  if (cfg.api_key) secrets.push(cfg.api_key);
  for (const v of Object.values(custom)) if (v.length >= 8) secrets.push(v);
  const maxTokensField: MaxTokensField =
    opts.maxTokensField ?? (cfg.kind === 'openai' ? 'max_completion_tokens' : 'max_tokens');
  const label = `provider "${cfg.id}"`;

  async function post(path: OpenAIPath, call: TargetCall, body: unknown, stream: boolean) {
    const res = await http.request({
      url: opts.url(path, call.model),
      method: 'POST',
      headers: stream ? streamHeaders : headers,
      body: serializeBody(body),
      signal: call.signal,
    });
    if (res.status < 200 || res.status >= 300) {
      await throwForStatus(res, { signal: call.signal, secrets, label });
    }
    return res;
  }

  return {
    id: cfg.id,
    kind: cfg.kind,

    async chat(req, call) {
      const body = toWireChatBody(req, {
        model: opts.sendModel ? call.model : undefined,
        maxTokensField,
        stream: false,
        kind: cfg.kind,
      });
      const res = await post('chat/completions', call, body, false);
      const json = await readJson(res, call.signal);
      return fromWireChatCompletion(json, { model: call.model, now: deps.now() }, secrets);
    },

    async chatStream(req, call) {
      const body = toWireChatBody(req, {
        model: opts.sendModel ? call.model : undefined,
        maxTokensField,
        stream: true,
        kind: cfg.kind,
      });
      const res = await post('chat/completions', call, body, true);
      const fb = { model: call.model, now: deps.now() };
      if (isJsonContentType(res.headers['content-type'])) {
        const json = await readJson(res, call.signal);
        return eventsFromResponse(fromWireChatCompletion(json, fb, secrets));
      }
      return guardStream(eventsFromSSE(parseSSE(res.body), fb, secrets), call.signal);
    },

    async embed(req, call) {
      const body = toWireEmbeddingsBody(req, opts.sendModel ? call.model : undefined);
      const res = await post('embeddings', call, body, false);
      const json = await readJson(res, call.signal);
      const { res: out, inputTokens } = fromWireEmbeddings(
        json,
        { model: call.model, now: deps.now() },
        secrets,
      );
      if (inputTokens !== null) return { ...out, usage: { inputTokens } } satisfies EmbeddingsResponse;
      return {
        ...out,
        usage: { inputTokens: estimateEmbeddingInputTokens(call.model, req.input), estimated: true },
      };
    },

    close() {
      return http.close();
    },
  };
}

/**
 * Transport failures after the headers arrived (reset socket, timeout) become `stream_interrupted`:
 * part of the answer may already be with the client. A client abort is passed through as is.
 */
async function* guardStream(
  events: AsyncGenerator<ChatStreamEvent>,
  signal: CancelSignal,
): AsyncGenerator<ChatStreamEvent> {
  try {
    yield* events;
  } catch (err) {
    if (err instanceof UpstreamError) throw err;
    const mapped = toUpstreamError(err, signal);
    if (!(mapped instanceof UpstreamError)) throw mapped;
    throw new UpstreamError('stream_interrupted', `upstream stream failed: ${mapped.message}`, {
      cause: err,
    });
  }
}
