import { OPENAI_DEFAULT_BASE_URL } from '../../config/base-urls.js';
import type { ProviderFactory } from '../index.js';
import { createOpenAIBaseAdapter, stripTrailingSlash } from '../openai-base/index.js';

/** api.openai.com (or anything that mirrors it exactly, e.g. an OpenAI proxy). */
export const createOpenAIProvider: ProviderFactory = (cfg, deps) => {
  const base = stripTrailingSlash(cfg.base_url ?? OPENAI_DEFAULT_BASE_URL);
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
    maxTokensField: 'max_completion_tokens',
  });
};
