import type { Usage } from '../canonical/types.js';

/** What dispatch learned while calling upstream; filled in by the router. */
export interface DispatchOutcome {
  provider: string | null;
  modelUpstream: string | null;
  attempts: number;
  fallbacks: string[];
  cacheHit: boolean;
  ttftMs: number | null;
  usage: Usage | null;
}

export function newDispatchOutcome(): DispatchOutcome {
  return {
    provider: null,
    modelUpstream: null,
    attempts: 0,
    fallbacks: [],
    cacheHit: false,
    ttftMs: null,
    usage: null,
  };
}
