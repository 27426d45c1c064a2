/**
 * Anthropic Messages API adapter (POST {base}/v1/messages, anthropic-version 2023-06-01).
 * Translation lives in request.ts / response.ts / stream.ts; this file only does HTTP.
 */
import type { ChatRequest } from '../../canonical/types.js';
import { ANTHROPIC_BASE_URL } from '../../config/base-urls.js';
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
import { toAnthropicRequest } from './request.js';
import { fromAnthropicResponse } from './response.js';
import { anthropicStreamEvents } from './stream.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Accepts both `https://api.anthropic.com` (the SDK's form) and `…/v1` (the OpenAI habit). */
export function messagesUrl(baseUrl: string | undefined): string {
  let base = baseUrl ?? ANTHROPIC_BASE_URL;
  while (base.endsWith('/')) base = base.slice(0, -1);
  return base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
}

export const createAnthropicProvider: ProviderFactory = (cfg, deps) => {
  const url = messagesUrl(cfg.base_url);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
  };
  if (cfg.api_key) headers['x-api-key'] = cfg.api_key;
  // Config headers come last so operators can add `anthropic-beta` or pin another version.
  for (const [k, v] of Object.entries(cfg.headers)) headers[k.toLowerCase()] = v;
  const secrets = cfg.api_key ? [cfg.api_key] : [];
  const client = createHttpClient({
    maxConnections: cfg.max_connections,
    allowLinkLocal: cfg.allow_link_local,
  });

  /** The client's `anthropic-beta` values join the operator's, once each. */
  function headersFor(req: ChatRequest): Record<string, string> {
    if (!req.betas || req.betas.length === 0) return headers;
    const betas = new Set(headers['anthropic-beta']?.split(',').map((b) => b.trim()) ?? []);
    for (const b of req.betas) betas.add(b);
    betas.delete('');
    return Object.assign({}, headers, { 'anthropic-beta': [...betas].join(',') });
  }

  async function post(
    target: string,
    req: ChatRequest,
    body: string,
    call: TargetCall,
  ): Promise<UpstreamResponse> {
    const res = await client.request({
      url: target,
      method: 'POST',
      headers: headersFor(req),
      body,
      signal: call.signal,
    });
    if (res.status < 200 || res.status >= 300) {
      await throwForStatus(res, { signal: call.signal, secrets, label: 'Anthropic' });
    }
    return res;
  }

  function send(req: ChatRequest, call: TargetCall, stream: boolean): Promise<UpstreamResponse> {
    return post(url, req, serializeBody(toAnthropicRequest(req, call.model, stream)), call);
  }

  const adapter: ProviderAdapter = {
    id: cfg.id,
    kind: cfg.kind,
    async chat(req, call) {
      const res = await send(req, call, false);
      const json = await readJson(res, call.signal);
      return fromAnthropicResponse(json, Math.floor(deps.now() / 1000));
    },
    async chatStream(req, call) {
      const res = await send(req, call, true);
      return anthropicStreamEvents(parseSSE(res.body), Math.floor(deps.now() / 1000), call.signal);
    },
    async countTokens(req, call) {
      const { max_tokens: _max, stream: _stream, ...body } = toAnthropicRequest(req, call.model, false);
      const res = await post(`${url}/count_tokens`, req, serializeBody(body), call);
      const json = await readJson(res, call.signal);
      const n = (json as { input_tokens?: unknown } | null)?.input_tokens;
      if (typeof n !== 'number' || !Number.isFinite(n))
        throw new UpstreamError('invalid_response', 'Anthropic count_tokens returned no input_tokens');
      return n;
    },
    async embed() {
      throw new UpstreamError('unsupported', 'Anthropic has no embeddings API');
    },
    close() {
      return client.close();
    },
  };
  return adapter;
};
