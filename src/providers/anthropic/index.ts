/**
 * Anthropic Messages API adapter (POST {base}/v1/messages, anthropic-version 2023-06-01).
 * Translation lives in request.ts / response.ts / stream.ts; this file only does HTTP.
 */
import type { ChatRequest } from '../../canonical/types.js';
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

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
const ANTHROPIC_VERSION = '2023-06-01';

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

  async function send(req: ChatRequest, call: TargetCall, stream: boolean): Promise<UpstreamResponse> {
    const body = serializeBody(toAnthropicRequest(req, call.model, stream));
    const res = await client.request({ url, method: 'POST', headers, body, signal: call.signal });
    if (res.status < 200 || res.status >= 300) {
      await throwForStatus(res, { signal: call.signal, secrets, label: 'Anthropic' });
    }
    return res;
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
    async embed() {
      throw new UpstreamError('unsupported', 'Anthropic has no embeddings API');
    },
    close() {
      return client.close();
    },
  };
  return adapter;
};
