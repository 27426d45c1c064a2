import type { KeelConfig, ProviderConfig } from '../config/schema.js';
import { createAnthropicProvider } from './anthropic/index.js';
import { createAzureOpenAIProvider } from './azure-openai/index.js';
import { createGeminiProvider } from './gemini/index.js';
import type { ProviderDeps, ProviderFactory } from './index.js';
import { createOpenAIProvider } from './openai/index.js';
import { createOpenAICompatibleProvider } from './openai-compatible/index.js';
import { createSimulatorProvider } from './simulator/index.js';
import type { ProviderAdapter } from './types.js';

const FACTORIES: Record<ProviderConfig['kind'], ProviderFactory> = {
  openai: createOpenAIProvider,
  'openai-compatible': createOpenAICompatibleProvider,
  'azure-openai': createAzureOpenAIProvider,
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
  simulator: createSimulatorProvider,
};

/** One adapter per configured provider id. */
export function createProviders(config: KeelConfig, deps: ProviderDeps): Map<string, ProviderAdapter> {
  const out = new Map<string, ProviderAdapter>();
  for (const p of config.providers) out.set(p.id, FACTORIES[p.kind](p, deps));
  return out;
}
