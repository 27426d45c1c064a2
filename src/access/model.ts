/** Endpoint scope names; `/v1/...` paths in a key's `endpoints` are accepted too. */
export const ENDPOINTS = ['chat', 'messages', 'embeddings', 'models', 'outcomes', 'feedback'] as const;
export type EndpointScope = (typeof ENDPOINTS)[number];

const PATHS: Record<string, EndpointScope> = {
  '/v1/chat/completions': 'chat',
  // The Responses API is served under the chat scope (pipeline/authorize.ts scopeOf).
  '/v1/responses': 'chat',
  '/v1/messages': 'messages',
  '/v1/embeddings': 'embeddings',
  '/v1/models': 'models',
  '/v1/outcomes': 'outcomes',
  '/v1/feedback': 'feedback',
};

export function normalizeEndpoint(e: string): EndpointScope | undefined {
  if ((ENDPOINTS as readonly string[]).includes(e)) return e as EndpointScope;
  return PATHS[e];
}

export type BudgetPeriod = 'day' | 'month' | 'total';

/** A virtual key as stored (never the key itself: only its hash lives in the store). */
export interface VirtualKey {
  id: string;
  name: string;
  /** First characters of the key, for humans to recognise it. */
  prefix: string;
  /** Model names or globs; empty = no model (deny by default); `*` = all. */
  models: string[];
  /** Endpoint scopes; defaults to all inference endpoints when created without. */
  endpoints: EndpointScope[];
  /** Use cases the key may book to; the first is its default attribution. Empty = any. */
  useCases: string[];
  /** Tool names the model may call for this key; empty = none; `*` = all. */
  tools: string[];
  /** MCP server ids whose every tool, resource and prompt the key may use; `*` = all; empty = none. */
  mcpServers: string[];
  /** MCP catalogue tool names (`<server>__<tool>`) or globs the key may call besides its servers'. */
  mcpTools: string[];
  team: string | null;
  maxTokens: number | null;
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetPeriod: BudgetPeriod;
  /** Epoch ms. */
  expiresAt: number | null;
  allowedCidrs: string[];
  createdAt: number;
  updatedAt: number;
  revokedAt: number | null;
  createdBy: string;
}

/** The only answers that carry a key's value, once: create and rotate (the id first, then the value). */
export function publicKeyWithSecret(k: VirtualKey, secret: string) {
  const { id, ...rest } = publicKey(k);
  return { id, key: secret, ...rest };
}

/** What the admin API shows for a key: everything but secrets (there are none left to show). */
export function publicKey(k: VirtualKey) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    models: k.models,
    endpoints: k.endpoints,
    use_cases: k.useCases,
    tools: k.tools,
    mcp_servers: k.mcpServers,
    mcp_tools: k.mcpTools,
    team: k.team,
    max_tokens: k.maxTokens,
    rpm: k.rpm,
    tpm: k.tpm,
    budget_usd: k.budgetUsd,
    budget_period: k.budgetPeriod,
    expires_at: k.expiresAt === null ? null : new Date(k.expiresAt).toISOString(),
    allowed_cidrs: k.allowedCidrs,
    created_at: new Date(k.createdAt).toISOString(),
    updated_at: new Date(k.updatedAt).toISOString(),
    revoked_at: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
    status:
      k.revokedAt !== null
        ? ('revoked' as const)
        : k.expiresAt !== null && k.expiresAt <= Date.now()
          ? ('expired' as const)
          : ('active' as const),
    created_by: k.createdBy,
  };
}
