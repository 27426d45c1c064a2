import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { FakeUpstream } from '../fakes/index.js';

/** A client key for configs with auth on; tests assert it never leaks. */
export const CLIENT_KEY = 'keel-client-key-SECRET-91c2d7';

/** A guard policy with every part switched off (keel.yaml shape), for routes that must see raw traffic. */
export const GUARDS_ALL_OFF = {
  injection: { input: 'off' },
  indirect_injection: { input: 'off' },
  pii: { input: 'off', output: 'off' },
  secrets: { input: 'off', output: 'off' },
  leak: { output: 'off' },
  tools: { action: 'off', validate_arguments: false },
  active_content: { output: 'off', sql: 'off' },
  canary: false,
};

export interface Upstreams {
  openai: FakeUpstream;
  anthropic: FakeUpstream;
}

/**
 * The standard keel.yaml the integration tests share: one OpenAI and one Anthropic provider (keys
 * from ${VAR}), aliases named after the upstream model so prices come from the seed table, and
 * aliases that cross provider families. Retry delays are tiny so the suite stays fast.
 */
export function standardConfig(up: Upstreams, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation, read by parseConfig
      { id: 'oai', kind: 'openai', base_url: `${up.openai.url}/v1`, api_key: '${OAI_KEY}' },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation, read by parseConfig
      { id: 'ant', kind: 'anthropic', base_url: up.anthropic.url, api_key: '${ANT_KEY}' },
    ],
    models: [
      { name: 'gpt-4o', targets: [{ provider: 'oai', model: 'gpt-4o' }] },
      { name: 'claude', targets: [{ provider: 'ant', model: 'claude-sonnet-4-5-20250929' }] },
      {
        name: 'text-embedding-3-small',
        type: 'embedding',
        targets: [{ provider: 'oai', model: 'text-embedding-3-small' }],
      },
    ],
    routing: {
      retries: { max: 1, base_delay_ms: 5, max_delay_ms: 2000 },
      circuit_breaker: { failure_threshold: 1000, cooldown_ms: 1000 },
    },
    ...extra,
  };
}

export function openaiClient(url: string, apiKey = 'unused-when-auth-is-off'): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 });
}

export function anthropicClient(url: string, apiKey = 'unused-when-auth-is-off'): Anthropic {
  return new Anthropic({ baseURL: url, apiKey, maxRetries: 0, timeout: 10_000 });
}

/** Narrow an unknown JSON value to an object for property access in assertions. */
export function obj(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`expected an object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

export function arr(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new Error(`expected an array, got ${JSON.stringify(v)}`);
  return v;
}

/** get_weather (WEATHER_TOOL below, without `unit`) in the Messages API's shape. */
export const ANTHROPIC_WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

export const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
  },
};
