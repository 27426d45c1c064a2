import { compileGlobs } from './glob.js';
import { compileCidrs } from './ip.js';
import type { VirtualKey } from './model.js';
import type { KeyScopes } from './principal.js';

/** Compile a stored key's scopes into matchers once, so per-request checks are lookups. */
export function compileScopes(k: VirtualKey): KeyScopes {
  return {
    models: compileGlobs(k.models),
    endpoints: new Set(k.endpoints),
    useCases: k.useCases,
    tools: compileGlobs(k.tools),
    mcpServers: serverMatcher(k.mcpServers),
    mcpTools: compileGlobs(k.mcpTools),
    maxTokens: k.maxTokens,
    rpm: k.rpm,
    tpm: k.tpm,
    budgetUsd: k.budgetUsd,
    budgetPeriod: k.budgetPeriod,
    cidrs: k.allowedCidrs.length > 0 ? compileCidrs(k.allowedCidrs) : null,
  };
}

/** Server ids are matched exactly (an id is not a pattern); `*` grants every server. */
function serverMatcher(ids: readonly string[]): (server: string) => boolean {
  if (ids.includes('*')) return () => true;
  const set = new Set(ids);
  return (server) => set.has(server);
}
