import type { ProviderFactory } from '../index.js';
import { createOpenAIBaseAdapter, stripTrailingSlash } from '../openai-base/index.js';

/**
 * Any server speaking the OpenAI wire format: vLLM, Ollama, llama.cpp, Together, Groq… Keeps
 * `max_tokens` (what those servers understand) and sends Authorization only when a key is set,
 * since local servers often have none.
 */
export const createOpenAICompatibleProvider: ProviderFactory = (cfg, deps) => {
  if (!cfg.base_url) throw new Error(`provider "${cfg.id}": base_url is required for kind openai-compatible`);
  const base = stripTrailingSlash(cfg.base_url);
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
    maxTokensField: 'max_tokens',
  });
};
