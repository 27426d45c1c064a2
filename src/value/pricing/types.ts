import type { Usage } from '../../canonical/types.js';

/** USD per single token for each kind of token. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Defaults to `input` when a provider has no cached-token discount. */
  cachedInput: number;
  /** Defaults to `input`. */
  cacheWrite: number;
  /** Defaults to `output`. */
  reasoning: number;
}

export interface PriceQuote {
  /** null when the model is unpriced. */
  costUsd: number | null;
  /** The price-table version used, e.g. "2026-11-26" or "config". */
  priceVersion: string | null;
}

export interface PriceBook {
  /** The price of a model at a moment, or undefined when unpriced. */
  lookup(provider: string, model: string, at?: number): { price: ModelPrice; version: string } | undefined;
  /** Cost of a usage record, with the cached / reasoning arithmetic done once, here. */
  quote(provider: string, model: string, usage: Usage, at?: number): PriceQuote;
}
