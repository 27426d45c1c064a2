import { z } from 'zod';
import type { KeelConfig } from '../../config/schema.js';
import type { UsageEvent } from '../../store/types.js';
import { listUsageEvents } from '../../store/usage.js';
import { defineGroup, route } from './api/declare.js';
import { text, wholeNumber } from './api/inputs.js';

export const MASK = '***';

/**
 * Field names whose values are credentials wherever they appear (provider api_key, auth keys'
 * `key`, admin `token`, audit `signing_key`, and whatever later sections call a secret).
 */
const SECRET_NAME =
  /^(?:keys?|tokens?|secrets?|passwords?|api_keys?)$|_(?:keys?|tokens?|secrets?|passwords?)$/i;

/**
 * The running config with every secret replaced by "***": named secret fields (and string items of
 * lists so named), every provider header value (they carry auth: Authorization, api-key …) and the
 * password in a database URL.
 */
export function maskConfig(config: KeelConfig): Record<string, unknown> {
  return mask(config, '', '') as Record<string, unknown>;
}

/** `name` is the field holding `v` (for list items: the list's field); `path` its dotted location. */
function mask(v: unknown, name: string, path: string): unknown {
  if (v === null || v === undefined) return v;
  if (Array.isArray(v)) return v.map((x) => mask(x, name, `${path}[]`));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    const headers = path === 'providers[].headers';
    for (const [k, x] of Object.entries(v)) out[k] = headers ? MASK : mask(x, k, path ? `${path}.${k}` : k);
    return out;
  }
  if (SECRET_NAME.test(name)) return MASK;
  if (typeof v === 'string' && path === 'database.url') return maskUrl(v);
  return v;
}

/** `postgres://user:pass@host/db?sslpassword=x` → `postgres://user:***@host/db?sslpassword=***`. */
export function maskUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^@/?#]*@/i, `$1${MASK}@`)
    .replace(/([?&](?:password|sslpassword|sslkey)=)[^&#]*/gi, `$1${MASK}`);
}

function snake(k: string): string {
  return k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

type Snake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}`
  : S;

/** A usage event as GET /usage lists it: its fields in snake_case. */
type UsageEventJson = { [K in keyof UsageEvent as Snake<K & string>]: UsageEvent[K] };

function usageJson(e: UsageEvent): UsageEventJson {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) out[snake(k)] = v;
  return out as UsageEventJson;
}

const SINCE = 'since must be an ISO 8601 date or epoch milliseconds.';

const usageQuery = z.object({
  limit: wholeNumber('limit must be a whole number from 1 to 10000.', 1, 10_000, true).optional(),
  since: z
    .string()
    .transform((v) =>
      /^\d{1,15}$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN,
    )
    .refine((t) => !Number.isNaN(t), SINCE)
    .optional(),
  use_case: text('use_case must be 1 to 200 characters.', 200).optional(),
});

/** Read-only views: who am I, the masked config, recent usage events. */
export const infoApi = defineGroup({
  title: 'info',
  routes: {
    whoami: route('GET', '/whoami', 'viewer', 'The calling admin: name, role, actor'),
    config: route('GET', '/config', 'viewer', 'The running config, secrets masked'),
    usage: route('GET', '/usage', 'viewer', 'Recent usage events (`limit`, `since`, `use_case`)', {
      query: usageQuery,
    }),
  },
  needs: (s) => s,
  handlers: ({ config, database }) => {
    const masked = maskConfig(config);
    return {
      whoami: (_c, { admin: a }) => ({ actor: a.actor, name: a.name, role: a.role, id: a.id, via: a.via }),
      config: () => masked,
      usage: async (_c, { query: { limit, since, use_case: useCase } }) => {
        const events = await listUsageEvents(database, {
          ...(limit !== undefined ? { limit } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(useCase !== undefined ? { useCase } : {}),
        });
        return { object: 'list' as const, data: events.map(usageJson) };
      },
    };
  },
});
