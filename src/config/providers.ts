import { z } from 'zod';

/** Providers, models and their routing targets, and price overrides: the `providers`, `models` and `pricing` entries of keel.yaml. */
const providerKind = z.enum([
  'openai',
  'openai-compatible',
  'azure-openai',
  'anthropic',
  'gemini',
  'simulator',
]);

const simulatorSettings = z
  .object({
    /** Time to first token, ms. */
    latency_ms: z.number().min(0).default(20),
    /** Streaming speed; 0 streams as fast as possible. */
    tokens_per_second: z.number().min(0).default(0),
    /** Length of generated answers in tokens when the request sets no max. */
    answer_tokens: z.number().int().positive().default(60),
    embedding_dimensions: z.number().int().positive().default(256),
    /** Obey instructions injected anywhere in the conversation (the red-team suite's unprotected model). */
    naive: z.boolean().optional(),
  })
  .strict();

export const providerSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, "_", "-" or "."'),
    kind: providerKind,
    base_url: z.url().optional(),
    api_key: z.string().optional(),
    /** Azure OpenAI `api-version` query parameter. */
    api_version: z.string().optional(),
    /** Extra headers sent upstream (e.g. OpenAI-Organization). */
    headers: z.record(z.string(), z.string()).default({}),
    timeout_ms: z.number().int().positive().optional(),
    max_connections: z.number().int().positive().default(128),
    /**
     * Allow this provider's URL to resolve to link-local / cloud-metadata addresses
     * (169.254.0.0/16, fe80::/10, fd00:ec2::254 …). Refused by default: that is where SSRF goes.
     */
    allow_link_local: z.boolean().default(false),
    simulator: simulatorSettings.optional(),
  })
  .strict();

const targetSchema = z
  .object({
    provider: z.string(),
    model: z.string(),
    weight: z.number().min(0).default(1),
  })
  .strict();

export const modelSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(['chat', 'embedding']).default('chat'),
    description: z.string().optional(),
    targets: z.array(targetSchema).min(1),
    /** Other model names tried in order when every target of this one failed. */
    fallbacks: z.array(z.string()).default([]),
    /** Overrides routing.retries.max for this model. */
    retries: z.number().int().min(0).max(10).optional(),
    timeout_ms: z.number().int().positive().optional(),
    /** Response cache TTL in seconds for this model; 0 disables. Needs routing.cache.enabled. */
    cache_ttl_s: z.number().int().min(0).optional(),
    /**
     * The most output tokens one answer of this model can have. A request asking for more (a client
     * library's default, say) is capped to it, and budgets reserve no more than it.
     */
    max_output_tokens: z.number().int().positive().optional(),
  })
  .strict();

export const priceOverride = z
  .object({
    model: z.string(),
    provider: z.string().optional(),
    /** USD per 1M tokens. */
    input: z.number().min(0),
    output: z.number().min(0),
    cached_input: z.number().min(0).optional(),
    cache_write: z.number().min(0).optional(),
    reasoning: z.number().min(0).optional(),
    effective_from: z.string().optional(),
  })
  .strict();
