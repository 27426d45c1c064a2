/**
 * Small, fast, dependency-free hashing. The simulator must answer identically for
 * identical requests, so every random choice is seeded (src/prng.ts) from one of these hashes.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Incremental FNV-1a (32-bit) so a request can be hashed field by field without serialising it. */
export class Hasher {
  private h = FNV_OFFSET;

  str(s: string): this {
    let h = this.h;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, FNV_PRIME);
    }
    // A separator so ("ab","c") and ("a","bc") hash differently.
    h ^= 0xff;
    this.h = Math.imul(h, FNV_PRIME);
    return this;
  }

  digest(): number {
    // Final avalanche (murmur3 fmix) so close inputs give far-apart seeds.
    let h = this.h;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

/** Mix two 32-bit values into one (used to derive per-choice and per-token seeds). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 16;
  return h >>> 0;
}
