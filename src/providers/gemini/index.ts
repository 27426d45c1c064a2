/**
 * Google Gemini adapter (Gemini API v1beta: generateContent, streamGenerateContent?alt=sse,
 * batchEmbedContents; auth by `x-goog-api-key`). Translation lives in request.ts / response.ts /
 * stream.ts; this file does HTTP and keeps the thought signatures Gemini 3 wants replayed.
 */

import type { ChatRequest, EmbeddingsResponse } from '../../canonical/types.js';
import { GEMINI_BASE_URL } from '../../config/base-urls.js';
import { estimateEmbeddingInputTokens } from '../../value/tokens.js';
import type { ProviderFactory } from '../index.js';
import {
  createHttpClient,
  readJson,
  serializeBody,
  throwForStatus,
  type UpstreamResponse,
} from '../shared/http.js';
import { parseSSE } from '../shared/sse.js';
import { type ProviderAdapter, type TargetCall, UpstreamError } from '../types.js';
import { modelPath, toGeminiEmbedRequest, toGeminiRequest } from './request.js';
import { fromGeminiEmbeddings, fromGeminiResponse, type ResponseContext } from './response.js';
import { openGeminiStream } from './stream.js';

/** batchEmbedContents takes at most 100 requests per call. */
const EMBED_BATCH = 100;
/** Thought signatures kept per provider; each is a few hundred bytes to a few KB. */
const MAX_SIGNATURES = 2048;

/** Accepts the documented base (…/v1beta) and a bare origin, to which v1beta is added. */
export function geminiBaseUrl(baseUrl: string | undefined): string {
  let base = baseUrl ?? GEMINI_BASE_URL;
  while (base.endsWith('/')) base = base.slice(0, -1);
  return new URL(base).pathname === '/' ? `${base}/v1beta` : base;
}

/** A bounded map from Keel's tool call ids to the thought signature Gemini attached to the call. */
class SignatureStore {
  private readonly map = new Map<string, string>();

  set(id: string, signature: string): void {
    this.map.delete(id);
    this.map.set(id, signature);
    if (this.map.size > MAX_SIGNATURES) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  get(id: string): string | undefined {
    return this.map.get(id);
  }
}

/** Google answers a bad key with 400 INVALID_ARGUMENT; it is Keel's config, not the request, at fault. */
function reclassify(err: unknown): unknown {
  if (
    err instanceof UpstreamError &&
    err.kind === 'bad_request' &&
    (err.upstreamMessage?.includes('API key not valid') || err.upstreamMessage?.includes('API_KEY_INVALID'))
  ) {
    return new UpstreamError('auth', err.message, {
      status: err.status,
      retryAfter: err.retryAfter,
      upstreamMessage: err.upstreamMessage,
      cause: err,
    });
  }
  return err;
}

export const createGeminiProvider: ProviderFactory = (cfg, deps) => {
  const base = geminiBaseUrl(cfg.base_url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.api_key) headers['x-goog-api-key'] = cfg.api_key;
  for (const [k, v] of Object.entries(cfg.headers)) headers[k.toLowerCase()] = v;
  const secrets = cfg.api_key ? [cfg.api_key] : [];
  const client = createHttpClient({
    maxConnections: cfg.max_connections,
    allowLinkLocal: cfg.allow_link_local,
  });
  const signatures = new SignatureStore();
  const label = `Gemini provider "${cfg.id}"`;

  async function post(url: string, body: unknown, call: TargetCall): Promise<UpstreamResponse> {
    const res = await client.request({
      url,
      method: 'POST',
      headers,
      body: serializeBody(body),
      signal: call.signal,
    });
    if (res.status < 200 || res.status >= 300) {
      try {
        await throwForStatus(res, { signal: call.signal, secrets, label });
      } catch (err) {
        throw reclassify(err);
      }
    }
    return res;
  }

  function context(call: TargetCall): ResponseContext {
    return {
      model: call.model,
      created: Math.floor(deps.now() / 1000),
      onSignature: (id, sig) => signatures.set(id, sig),
    };
  }

  function body(req: ChatRequest, call: TargetCall) {
    return toGeminiRequest(req, { model: call.model, signatureFor: (id) => signatures.get(id) });
  }

  async function embedBatch(
    url: string,
    req: Parameters<ProviderAdapter['embed']>[0],
    texts: string[],
    call: TargetCall,
  ) {
    const res = await post(url, toGeminiEmbedRequest(req, call.model, texts), call);
    return fromGeminiEmbeddings(await readJson(res, call.signal), texts.length, req.dimensions !== undefined);
  }

  const adapter: ProviderAdapter = {
    id: cfg.id,
    kind: cfg.kind,

    async chat(req, call) {
      const res = await post(`${base}/${modelPath(call.model)}:generateContent`, body(req, call), call);
      return fromGeminiResponse(await readJson(res, call.signal), context(call));
    },

    async chatStream(req, call) {
      const url = `${base}/${modelPath(call.model)}:streamGenerateContent?alt=sse`;
      const res = await post(url, body(req, call), call);
      return openGeminiStream(parseSSE(res.body), context(call), call.signal, secrets);
    },

    async embed(req, call) {
      const texts: string[] = [];
      for (const item of req.input) {
        if (typeof item !== 'string') {
          throw new UpstreamError(
            'unsupported',
            'Gemini embeddings take text; token-id input is not supported',
          );
        }
        texts.push(item);
      }
      const url = `${base}/${modelPath(call.model)}:batchEmbedContents`;
      const batches: Promise<number[][]>[] = [];
      for (let i = 0; i < texts.length; i += EMBED_BATCH) {
        batches.push(embedBatch(url, req, texts.slice(i, i + EMBED_BATCH), call));
      }
      const vectors = (await Promise.all(batches)).flat();
      // Gemini reports no token usage for embeddings.
      const inputTokens = estimateEmbeddingInputTokens(call.model, texts);
      const out: EmbeddingsResponse = {
        model: call.model,
        data: vectors.map((embedding, index) => ({ index, embedding })),
        usage: { inputTokens, estimated: true },
      };
      return out;
    },

    close() {
      return client.close();
    },
  };
  return adapter;
};
