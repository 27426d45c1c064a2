import type { KeelConfigInput } from './schema.js';

/**
 * What Keel runs with when there is no keel.yaml: the built-in simulator under realistic model
 * names, so costs in a demo come from the real price table. Each chat model carries its real output
 * limit (`max_output_tokens`), so a request asking for `max_tokens: 1000000` is served capped
 * (`x-keel-max-tokens-capped`) and budgets reserve no more than the model can produce.
 */
export function defaultConfigInput(): KeelConfigInput {
  return {
    providers: [
      { id: 'simulator', kind: 'simulator', simulator: { latency_ms: 30, tokens_per_second: 400 } },
    ],
    models: [
      {
        name: 'chat-fast',
        description: 'Small, cheap chat model (simulated gpt-4o-mini)',
        targets: [{ provider: 'simulator', model: 'gpt-4o-mini' }],
        fallbacks: ['chat-smart'],
        max_output_tokens: 16_384,
      },
      {
        name: 'chat-smart',
        description: 'Large chat model (simulated gpt-4o)',
        targets: [{ provider: 'simulator', model: 'gpt-4o' }],
        max_output_tokens: 16_384,
      },
      {
        name: 'claude-sonnet',
        description: 'Simulated Claude Sonnet 4.5',
        targets: [{ provider: 'simulator', model: 'claude-sonnet-4-5-20250929' }],
        max_output_tokens: 64_000,
      },
      {
        name: 'embed-small',
        type: 'embedding',
        description: 'Embeddings (simulated text-embedding-3-small)',
        targets: [{ provider: 'simulator', model: 'text-embedding-3-small' }],
      },
    ],
  };
}
