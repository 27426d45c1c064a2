import { OPENAI_DEFAULT_BASE_URL } from '../../config/base-urls.js';
import type { ProviderFactory } from '../index.js';
import { createBearerOpenAIAdapter } from '../openai-base/index.js';

/** api.openai.com (or anything that mirrors it exactly, e.g. an OpenAI proxy). */
export const createOpenAIProvider: ProviderFactory = (cfg, deps) => {
  return createBearerOpenAIAdapter(
    cfg,
    deps,
    cfg.base_url ?? OPENAI_DEFAULT_BASE_URL,
    'max_completion_tokens',
  );
};
