import { createHash } from 'node:crypto';
import type { KeelConfig } from '../config/schema.js';
import { KeelError } from '../errors.js';
import type { Principal } from './context.js';

export type Authenticator = (headers: Record<string, string | undefined>) => Principal | null;

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The credential a client presented: `Authorization: Bearer …` (OpenAI) or `x-api-key` (Anthropic). */
export function presentedKey(headers: Record<string, string | undefined>): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m?.[1];
  }
  return headers['x-api-key'] || undefined;
}

/**
 * Keys are compared by their SHA-256 in a map: the presented value is never used as anything but
 * hash input, so no key string can reach SQL or a log, and lookup time does not depend on how much
 * of a key matched.
 */
export function createAuthenticator(config: KeelConfig): Authenticator {
  const byHash = new Map<string, Principal>();
  for (const k of config.auth.keys) {
    const hash = sha256(k.key);
    byHash.set(hash, {
      keyId: `cfg_${hash.slice(0, 12)}`,
      name: k.name,
      ...(k.use_case ? { useCase: k.use_case } : {}),
      ...(k.team ? { team: k.team } : {}),
    });
  }
  const required = config.auth.required ?? byHash.size > 0;
  return (headers) => {
    const key = presentedKey(headers);
    if (!key) {
      if (!required) return null;
      throw new KeelError(
        'missing_api_key',
        'You did not provide an API key. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".',
      );
    }
    const principal = byHash.get(sha256(key));
    if (principal) return principal;
    if (!required) return null;
    throw new KeelError('invalid_api_key', 'Incorrect API key provided.');
  };
}
