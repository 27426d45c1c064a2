import { hash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PREFIX = 'sk-keel-';
/** Characters of a key shown to humans after creation (prefix + a few). */
const VISIBLE = KEY_PREFIX.length + 6;

const ADMIN_TOKEN_PREFIX = 'keel-admin-';

/** `n` uniformly random base62 characters from the OS CSPRNG. */
function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    // Rejection sampling keeps base62 uniform: bytes ≥ 248 would bias the first characters.
    for (const b of randomBytes(n + 8)) {
      if (b >= 248) continue;
      out += ALPHABET[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

/**
 * A new virtual key: 43 base62 characters (~256 bits), so guessing is hopeless and the key
 * survives copy-paste, shells and URLs.
 */
export function generateKey(): string {
  return KEY_PREFIX + randomBase62(43);
}

/** A named admin's token: same entropy as a virtual key, a prefix that says what it unlocks. */
export function generateAdminToken(): string {
  return ADMIN_TOKEN_PREFIX + randomBase62(43);
}

/** Keys are stored only as SHA-256: they carry 256 bits of entropy, so a slow hash adds nothing. */
export function hashKey(key: string): string {
  // One-shot crypto.hash: about 2.5x cheaper than createHash() for a short input, and it runs on
  // every authenticated request.
  return hash('sha256', key, 'hex');
}

export function visiblePrefix(key: string): string {
  return key.slice(0, VISIBLE);
}

export function newId(kind: 'key' | 'adm'): string {
  return `${kind}_${randomBytes(8).toString('hex')}`;
}
