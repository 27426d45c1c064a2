import type { ProviderConfig } from '../config/schema.js';
import type { ProviderAdapter } from './types.js';

/** Dependencies every adapter may use; injected so tests can swap them. */
export interface ProviderDeps {
  /** Wall clock, ms. */
  now: () => number;
}

export type ProviderFactory = (cfg: ProviderConfig, deps: ProviderDeps) => ProviderAdapter;
