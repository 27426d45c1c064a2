import type { ProviderFactory } from '../index.js';
import { createBearerOpenAIAdapter } from '../openai-base/index.js';

/**
 * Any server speaking the OpenAI wire format: vLLM, Ollama, llama.cpp, Together, Groq… Keeps
 * `max_tokens` (what those servers understand) and sends Authorization only when a key is set,
 * since local servers often have none.
 */
export const createOpenAICompatibleProvider: ProviderFactory = (cfg, deps) => {
  if (!cfg.base_url) throw new Error(`provider "${cfg.id}": base_url is required for kind openai-compatible`);
  return createBearerOpenAIAdapter(cfg, deps, cfg.base_url, 'max_tokens');
};
