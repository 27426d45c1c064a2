import { z } from 'zod';
import { publicKey, publicKeyWithSecret } from '../../access/model.js';
import type { KeyInput } from '../../access/store.js';
import { checkGraceSeconds, invalid } from '../../access/validate.js';
import { KeelError } from '../../errors.js';
import { created, defineGroup, route } from './api/declare.js';
import { flag, parsedBy, required } from './api/inputs.js';

/** Admin API field → KeyInput field. */
const FIELDS: Record<string, keyof KeyInput> = {
  name: 'name',
  models: 'models',
  endpoints: 'endpoints',
  use_cases: 'useCases',
  tools: 'tools',
  mcp_servers: 'mcpServers',
  mcp_tools: 'mcpTools',
  team: 'team',
  max_tokens: 'maxTokens',
  rpm: 'rpm',
  tpm: 'tpm',
  budget_usd: 'budgetUsd',
  budget_period: 'budgetPeriod',
  expires_at: 'expiresAt',
  allowed_cidrs: 'allowedCidrs',
};
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** `expires_at` as ISO 8601 or epoch milliseconds → epoch ms (null clears it). */
export function parseExpiresAt(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = ISO_DATE.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t))
    throw invalid('expires_at', 'expires_at must be an ISO 8601 date or epoch milliseconds.');
  return t;
}

/**
 * The snake_case body of create and update. Only the shape is declared here; the store validates
 * values, so the CLI and the API share every rule and error message.
 */
const keyBody = z.strictObject(
  Object.fromEntries(
    Object.keys(FIELDS).map((k) => [
      k,
      (k === 'expires_at' ? parsedBy(parseExpiresAt, z.unknown()) : z.unknown()).optional(),
    ]),
  ),
);

/** The snake_case body → KeyInput. */
function toKeyInput(body: Record<string, unknown>): Partial<KeyInput> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const field = FIELDS[k];
    if (field && v !== undefined) out[field] = v;
  }
  return out as Partial<KeyInput>;
}

export const keysApi = defineGroup({
  title: 'keys',
  routes: {
    create: route('POST', '/keys', 'operator', 'Create a virtual key (its value is shown once)', {
      body: keyBody.extend({ name: required('name is required.') }),
    }),
    list: route('GET', '/keys', 'viewer', 'List virtual keys (`include_revoked`)', {
      query: z.object({ include_revoked: flag }),
    }),
    get: route('GET', '/keys/:id', 'viewer', 'One virtual key'),
    update: route('PATCH', '/keys/:id', 'operator', "Change a key's scopes and limits", { body: keyBody }),
    rotate: route('POST', '/keys/:id/rotate', 'operator', 'New key value; the old one works for `grace_s`', {
      body: z.strictObject({ grace_s: z.unknown().optional() }),
      optionalBody: true,
    }),
    revoke: route('DELETE', '/keys/:id', 'operator', 'Revoke a key'),
  },
  needs: (s) => (s.keys ? { keys: s.keys, config: s.config } : undefined),
  handlers: ({ keys, config }) => ({
    create: async (_c, { body, admin }) => {
      const { key, secret } = await keys.create(toKeyInput(body) as KeyInput, admin.actor);
      return created(publicKeyWithSecret(key, secret));
    },
    list: async (_c, { query }) => {
      const list = await keys.list({ includeRevoked: query.include_revoked });
      return { object: 'list' as const, data: list.map(publicKey) };
    },
    get: async (_c, { params }) => {
      const key = await keys.get(params.id);
      if (!key) throw notFound();
      return publicKey(key);
    },
    update: async (_c, { params, body, admin }) =>
      publicKey(await keys.update(params.id, toKeyInput(body), admin.actor)),
    rotate: async (_c, { params, body, admin }) => {
      const grace = checkGraceSeconds(body.grace_s ?? config.access.rotation_grace_s);
      const { key, secret } = await keys.rotate(params.id, grace, admin.actor);
      return {
        ...publicKeyWithSecret(key, secret),
        // The store stamps updatedAt with the rotation time; earlier rotations may end sooner.
        previous_key_expires_at: new Date(key.updatedAt + grace * 1000).toISOString(),
      };
    },
    revoke: async (_c, { params, admin }) => publicKey(await keys.revoke(params.id, admin.actor)),
  }),
});

function notFound(): KeelError {
  return new KeelError('not_found', 'No key with that id.', { param: 'id' });
}
