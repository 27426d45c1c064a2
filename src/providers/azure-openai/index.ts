import type { ProviderFactory } from '../index.js';
import { createOpenAIBaseAdapter, type OpenAIPath, stripTrailingSlash } from '../openai-base/index.js';

/**
 * Azure OpenAI: the deployment name (the target's `model`) is part of the URL, the API version is a
 * query parameter, and the key goes in `api-key`. `max_tokens` is kept because older api-versions
 * reject `max_completion_tokens`.
 */
export const createAzureOpenAIProvider: ProviderFactory = (cfg, deps) => {
  if (!cfg.base_url) throw new Error(`provider "${cfg.id}": base_url is required for kind azure-openai`);
  if (!cfg.api_version)
    throw new Error(`provider "${cfg.id}": api_version is required for kind azure-openai`);
  const base = `${stripTrailingSlash(cfg.base_url)}/openai/deployments/`;
  const query = `?api-version=${encodeURIComponent(cfg.api_version)}`;
  // Deployments are few; caching the encoded URLs keeps string building off the request path.
  const urls = new Map<string, string>();
  const url = (path: OpenAIPath, deployment: string): string => {
    const key = `${path}\n${deployment}`;
    let u = urls.get(key);
    if (u === undefined) {
      u = `${base}${encodeURIComponent(deployment)}/${path}${query}`;
      if (urls.size < 1000) urls.set(key, u);
    }
    return u;
  };
  return createOpenAIBaseAdapter(cfg, deps, {
    url,
    headers: () => {
      const h: Record<string, string> = { ...cfg.headers };
      if (cfg.api_key) h['api-key'] = cfg.api_key;
      return h;
    },
    sendModel: false,
    maxTokensField: 'max_tokens',
  });
};
