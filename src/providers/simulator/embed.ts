import type { EmbeddingsRequest, EmbeddingsResponse } from '../../canonical/types.js';
import { loadBpe } from '../../value/tokens.js';
import { mix } from './hash.js';

/**
 * Deterministic embeddings by feature hashing: each token adds pseudo-random weights to a few
 * dimensions chosen from its id, and the sum is L2-normalised. Texts that share tokens share
 * weights, so cosine similarity tracks word overlap, which is enough to demo semantic search and
 * caching without a model.
 */

/** Dimensions each token touches: dense enough to look real, cheap for long inputs. */
const SLOTS_PER_TOKEN = 16;

function embedTokens(tokens: readonly number[], dims: number): number[] {
  const v = new Float64Array(dims);
  const slots = Math.min(SLOTS_PER_TOKEN, dims);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as number;
    for (let s = 0; s < slots; s++) {
      const h = mix(t, s + 1);
      // Weight in (-1, 1], derived from the same hash so the token always lands identically.
      v[h % dims] = (v[h % dims] as number) + ((h >>> 8) / 8388608 - 1);
    }
  }
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += (v[i] as number) ** 2;
  const out = new Array<number>(dims);
  if (norm === 0) {
    // Empty input still gets a valid unit vector.
    out.fill(0);
    out[0] = 1;
    return out;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dims; i++) out[i] = (v[i] as number) * inv;
  return out;
}

export function simulateEmbeddings(
  req: EmbeddingsRequest,
  model: string,
  defaultDims: number,
): EmbeddingsResponse {
  const dims = req.dimensions ?? defaultDims;
  let inputTokens = 0;
  const data = req.input.map((input, index) => {
    const tokens = typeof input === 'string' ? loadBpe().encode(input) : input;
    inputTokens += tokens.length;
    return { index, embedding: embedTokens(tokens, dims) };
  });
  return { model, data, usage: { inputTokens } };
}
