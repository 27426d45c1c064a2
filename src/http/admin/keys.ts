import type { Hono } from 'hono';
import { publicKey, type VirtualKey } from '../../access/model.js';
import type { KeyInput } from '../../access/store.js';
import { checkGraceSeconds, invalid } from '../../access/validate.js';
import { KeelError } from '../../errors.js';
import { onlyFields, readAdminBody } from './body.js';
import type { AdminEnv, AdminRoutesDeps } from './types.js';

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

/** The only responses that carry a key value: create and rotate. */
function withSecret(key: VirtualKey, secret: string): Record<string, unknown> {
  return { id: key.id, key: secret, ...publicKey(key) };
}

export function keyRoutes(app: Hono<AdminEnv>, deps: AdminRoutesDeps): void {
  const { keys, config } = deps;

  app.post('/keys', async (c) => {
    const input = toKeyInput(await readAdminBody(c.req.raw));
    if (input.name === undefined) throw invalid('name', 'name is required.');
    const { key, secret } = await keys.create(input as KeyInput, c.get('admin').actor);
    return c.json(withSecret(key, secret), 201);
  });

  app.get('/keys', async (c) => {
    const includeRevoked = ['true', '1'].includes(c.req.query('include_revoked') ?? '');
    const list = await keys.list({ includeRevoked });
    return c.json({ object: 'list', data: list.map(publicKey) });
  });

  app.get('/keys/:id', async (c) => {
    const key = await keys.get(c.req.param('id'));
    if (!key) throw notFound();
    return c.json(publicKey(key));
  });

  app.patch('/keys/:id', async (c) => {
    const patch = toKeyInput(await readAdminBody(c.req.raw));
    const key = await keys.update(c.req.param('id'), patch, c.get('admin').actor);
    return c.json(publicKey(key));
  });

  app.post('/keys/:id/rotate', async (c) => {
    const body = await readAdminBody(c.req.raw, { optional: true });
    onlyFields(body, new Set(['grace_s']));
    const grace = checkGraceSeconds(body.grace_s ?? config.access.rotation_grace_s);
    const { key, secret } = await keys.rotate(c.req.param('id'), grace, c.get('admin').actor);
    return c.json({
      ...withSecret(key, secret),
      // The store stamps updatedAt with the rotation time; earlier rotations may end sooner.
      previous_key_expires_at: new Date(key.updatedAt + grace * 1000).toISOString(),
    });
  });

  app.delete('/keys/:id', async (c) => {
    const key = await keys.revoke(c.req.param('id'), c.get('admin').actor);
    return c.json(publicKey(key));
  });
}

function notFound(): KeelError {
  return new KeelError('not_found', 'No key with that id.', { param: 'id' });
}
