import { publicKey, publicKeyWithSecret } from '../../access/model.js';
import type { KeyInput } from '../../access/store.js';
import { checkGraceSeconds, invalid } from '../../access/validate.js';
import { KeelError } from '../../errors.js';
import { created, defineGroup, route } from './api/declare.js';
import { onlyFields, readAdminBody } from './body.js';

/** Admin API field → KeyInput field. */
const FIELDS: Record<string, keyof KeyInput> = {
  name: 'name',
  models: 'models',
  endpoints: 'endpoints',
  use_cases: 'useCases',
  tools: 'tools',
  team: 'team',
  max_tokens: 'maxTokens',
  rpm: 'rpm',
  tpm: 'tpm',
  budget_usd: 'budgetUsd',
  budget_period: 'budgetPeriod',
  expires_at: 'expiresAt',
  allowed_cidrs: 'allowedCidrs',
};
const KEY_FIELDS = new Set(Object.keys(FIELDS));
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
 * The snake_case body → KeyInput. Only the shape is handled here; the store validates values, so
 * the CLI and the API share every rule and error message.
 */
export function toKeyInput(body: Record<string, unknown>): Partial<KeyInput> {
  onlyFields(body, KEY_FIELDS);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const field = FIELDS[k];
    if (field && v !== undefined) out[field] = k === 'expires_at' ? parseExpiresAt(v) : v;
  }
  return out as Partial<KeyInput>;
}

export const keysApi = defineGroup({
  title: 'keys',
  routes: {
    create: route('POST', '/keys', 'operator', 'Create a virtual key (its value is shown once)'),
    list: route('GET', '/keys', 'viewer', 'List virtual keys (`include_revoked`)'),
    get: route('GET', '/keys/:id', 'viewer', 'One virtual key'),
    update: route('PATCH', '/keys/:id', 'operator', "Change a key's scopes and limits"),
    rotate: route('POST', '/keys/:id/rotate', 'operator', 'New key value; the old one works for `grace_s`'),
    revoke: route('DELETE', '/keys/:id', 'operator', 'Revoke a key'),
  },
  needs: (s) => (s.keys ? { keys: s.keys, config: s.config } : undefined),
  handlers: ({ keys, config }) => ({
    create: async (c, { admin }) => {
      const input = toKeyInput(await readAdminBody(c.req.raw));
      if (input.name === undefined) throw invalid('name', 'name is required.');
      const { key, secret } = await keys.create(input as KeyInput, admin.actor);
      return created(publicKeyWithSecret(key, secret));
    },
    list: async (c) => {
      const includeRevoked = ['true', '1'].includes(c.req.query('include_revoked') ?? '');
      const list = await keys.list({ includeRevoked });
      return { object: 'list' as const, data: list.map(publicKey) };
    },
    get: async (_c, { params }) => {
      const key = await keys.get(params.id);
      if (!key) throw notFound();
      return publicKey(key);
    },
    update: async (c, { params, admin }) => {
      const patch = toKeyInput(await readAdminBody(c.req.raw));
      return publicKey(await keys.update(params.id, patch, admin.actor));
    },
    rotate: async (c, { params, admin }) => {
      const body = await readAdminBody(c.req.raw, { optional: true });
      onlyFields(body, new Set(['grace_s']));
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
