import type { BudgetPeriod, EndpointScope, VirtualKey } from './model.js';

/** Fields an admin sets on a key (the admin API's snake_case body, validated, in camelCase). */
export interface KeyInput {
  name: string;
  models?: string[];
  endpoints?: EndpointScope[];
  useCases?: string[];
  tools?: string[];
  mcpServers?: string[];
  mcpTools?: string[];
  team?: string | null;
  maxTokens?: number | null;
  rpm?: number | null;
  tpm?: number | null;
  budgetUsd?: number | null;
  budgetPeriod?: BudgetPeriod;
  expiresAt?: number | null;
  allowedCidrs?: string[];
}

export interface KeyLookup {
  key: VirtualKey;
  /** When this particular secret stops working (a rotated-out value), or null. */
  secretExpiresAt: number | null;
}

/**
 * Virtual keys in the store. Keys are kept only as SHA-256 hashes; `create` and `rotate` are the only
 * calls that ever see the plaintext, and return it once.
 */
export interface KeyStore {
  create(input: KeyInput, actor: string): Promise<{ key: VirtualKey; secret: string }>;
  list(opts?: { includeRevoked?: boolean }): Promise<VirtualKey[]>;
  get(id: string): Promise<VirtualKey | undefined>;
  update(id: string, patch: Partial<KeyInput>, actor: string): Promise<VirtualKey>;
  /** New secret; the old one keeps working for `graceSeconds`. */
  rotate(id: string, graceSeconds: number, actor: string): Promise<{ key: VirtualKey; secret: string }>;
  revoke(id: string, actor: string): Promise<VirtualKey>;
  /** Lookup by SHA-256 of the presented key: the key string itself never reaches SQL. */
  findByHash(hash: string): Promise<KeyLookup | undefined>;
}
