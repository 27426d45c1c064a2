import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_PREFIX = 'sk-keel-';
/** Characters of a key shown to humans after creation (prefix + a few). */
const VISIBLE = KEY_PREFIX.length + 6;

/**
 * A new virtual key: 32 random bytes (256 bits) in base62, so guessing is hopeless and the key
 * survives copy-paste, shells and URLs.
 */
export function generateKey(): string {
  const bytes = randomBytes(40);
  let out = '';
  // Rejection sampling keeps base62 uniform: bytes ≥ 248 would bias the first characters.
  for (const b of bytes) {
    if (b >= 248) continue;
    out += ALPHABET[b % 62];
    if (out.length === 43) break;
  }
  while (out.length < 43) out += generateKey().slice(KEY_PREFIX.length, KEY_PREFIX.length + 43 - out.length);
  return KEY_PREFIX + out;
}

/** Keys are stored only as SHA-256: they carry 256 bits of entropy, so a slow hash adds nothing. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function visiblePrefix(key: string): string {
  return key.slice(0, VISIBLE);
}

export function newId(kind: 'key' | 'adm'): string {
  return `${kind}_${randomBytes(8).toString('hex')}`;
}
