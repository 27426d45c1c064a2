import { hashKey as sha256 } from '../access/keys.js';
import type { Principal } from '../access/principal.js';
import { compileScopes } from '../access/scopes.js';
import type { KeyStore } from '../access/store.js';
import type { KeelConfig } from '../config/schema.js';
import { KeelError } from '../errors.js';

export interface Authenticator {
  (headers: Record<string, string | undefined>): Promise<Principal | null>;
  /** Forget cached keys (after a key is changed through this process). */
  invalidate(): void;
}

/** The credential a client presented: `Authorization: Bearer …` (OpenAI) or `x-api-key` (Anthropic). */
export function presentedKey(headers: Record<string, string | undefined>): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    return m?.[1];
  }
  return headers['x-api-key'] || undefined;
}

type Cached = { principal: Principal | null; reason: string | null; until: number };

const MAX_CACHED = 10_000;
/** Longest plausible key; anything longer is refused before hashing or lookup. */
const MAX_KEY_LENGTH = 256;

/**
 * Keys are compared by their SHA-256: the presented value is only ever hash input, so no key string
 * can reach SQL or a log, and lookup time does not depend on how much of a key matched. Lookups are
 * cached for `access.key_cache_ms` (negative results too, so random keys cannot hammer the store);
 * changes made through this process invalidate the cache at once.
 */
export function createAuthenticator(
  config: KeelConfig,
  keys: KeyStore | null,
  now: () => number = Date.now,
): Authenticator {
  const fromConfig = new Map<string, Principal>();
  for (const k of config.auth.keys) {
    const hash = sha256(k.key);
    fromConfig.set(hash, {
      keyId: `cfg_${hash.slice(0, 12)}`,
      name: k.name,
      ...(k.use_case ? { useCase: k.use_case } : {}),
      ...(k.team ? { team: k.team } : {}),
      scopes: null,
    });
  }
  const explicit = config.auth.required;
  const cacheMs = config.access.key_cache_ms;
  const cache = new Map<string, Cached>();
  // Once any virtual key exists, auth is on even if keel.yaml does not say so.
  let storeHasKeys = false;

  async function lookup(hash: string): Promise<Cached> {
    const t = now();
    const hit = cache.get(hash);
    if (hit && hit.until > t) return hit;
    const found = keys ? await keys.findByHash(hash) : undefined;
    let entry: Cached;
    if (!found) entry = { principal: null, reason: 'Incorrect API key provided.', until: t + cacheMs };
    else {
      const k = found.key;
      const until = Math.min(
        t + cacheMs,
        found.secretExpiresAt ?? Number.POSITIVE_INFINITY,
        k.expiresAt ?? Number.POSITIVE_INFINITY,
      );
      if (k.revokedAt !== null)
        entry = { principal: null, reason: 'This API key has been revoked.', until: t + cacheMs };
      else if (k.expiresAt !== null && k.expiresAt <= t)
        entry = { principal: null, reason: 'This API key has expired.', until: t + cacheMs };
      else if (found.secretExpiresAt !== null && found.secretExpiresAt <= t)
        entry = {
          principal: null,
          reason: 'This API key was rotated and its grace period has ended.',
          until: t + cacheMs,
        };
      else {
        const scopes = compileScopes(k);
        entry = {
          principal: {
            keyId: k.id,
            name: k.name,
            ...(k.useCases.length > 0 ? { useCase: k.useCases[0] } : {}),
            ...(k.team ? { team: k.team } : {}),
            scopes,
          },
          reason: null,
          until,
        };
      }
    }
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(hash, entry);
    return entry;
  }

  async function refreshStoreHasKeys(): Promise<void> {
    if (!keys || storeHasKeys) return;
    storeHasKeys = (await keys.list({ includeRevoked: true })).length > 0;
  }
  let storeCheckedAt = -Infinity;

  const authenticate = (async (headers) => {
    if (
      explicit === undefined &&
      fromConfig.size === 0 &&
      !storeHasKeys &&
      now() - storeCheckedAt > cacheMs
    ) {
      storeCheckedAt = now();
      await refreshStoreHasKeys();
    }
    const required = explicit ?? (fromConfig.size > 0 || storeHasKeys);
    const key = presentedKey(headers);
    if (!key) {
      if (!required) return null;
      throw new KeelError(
        'missing_api_key',
        'You did not provide an API key. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".',
      );
    }
    if (key.length > MAX_KEY_LENGTH) throw new KeelError('invalid_api_key', 'Incorrect API key provided.');
    const hash = sha256(key);
    const configured = fromConfig.get(hash);
    if (configured) return configured;
    const found = await lookup(hash);
    if (found.principal) return found.principal;
    if (!required) return null;
    throw new KeelError('invalid_api_key', found.reason ?? 'Incorrect API key provided.');
  }) as Authenticator;
  authenticate.invalidate = () => {
    cache.clear();
    storeCheckedAt = -Infinity;
  };
  return authenticate;
}
