import type { BlockList } from 'node:net';
import type { BudgetPeriod, EndpointScope } from './model.js';

/** What a key may do, compiled once per key (globs → matchers, CIDRs → a BlockList). */
export interface KeyScopes {
  models: (name: string) => boolean;
  endpoints: ReadonlySet<EndpointScope>;
  /** Empty = any use case; otherwise the first is the default attribution. */
  useCases: readonly string[];
  tools: (name: string) => boolean;
  /** MCP: may the key use this server's tools, resources and prompts (exact id, or `*`)? */
  mcpServers: (server: string) => boolean;
  /** MCP: may the key call this catalogue tool (`<server>__<tool>`; globs as the operator wrote them)? */
  mcpTools: (name: string) => boolean;
  maxTokens: number | null;
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetPeriod: BudgetPeriod;
  cidrs: BlockList | null;
}

/** Who is calling, once authenticated. Null principal = auth is off. */
export interface Principal {
  keyId: string;
  name: string;
  /** Use case the key is bound to; becomes the default attribution. */
  useCase?: string;
  team?: string;
  /** null = unrestricted (keys declared in keel.yaml). */
  scopes: KeyScopes | null;
}
