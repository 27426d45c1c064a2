import type { Principal } from '../access/principal.js';
import type { AuditLog } from '../audit/types.js';
import { DEFAULT_POLICY, type GuardPolicy } from '../config/guards.js';
import type { KeelConfig } from '../config/schema.js';
import { createScreeningMemo, type ScreeningMemo } from '../guards/memo.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { RequestContext } from './context.js';
import { strictest } from './guard/strictness.js';
import type { GuardEvent } from './guard/types.js';

export interface GuardHooks {
  policyFor(ctx: RequestContext): GuardPolicy | null;
  onEvents(ctx: RequestContext, events: readonly GuardEvent[]): void;
  /** Detector results of texts seen on recent requests (see guards/memo.ts); null = screen every time. */
  memo: ScreeningMemo | null;
}

/**
 * Which policy applies to a call — the key's (by id or name), else its use case's, else `default`
 * (Keel's built-in defaults unless keel.yaml defines one) — and where decisions go: the security
 * event log, metrics and, for anything that changed or stopped a call, the audit log.
 *
 * A use case's policy applies as written only when the key is bound or scoped to that use case.
 * When the use case came from the `x-keel-use-case` header alone (an unscoped key, or auth off),
 * the call gets the stricter of `default` and the use case's policy, dimension by dimension: no
 * header can weaken the treatment a caller gets.
 */
export function createGuardHooks(deps: {
  config: KeelConfig;
  policyOfUseCase?: (useCase: string) => string | null | undefined;
  record: (e: SecurityEvent) => void;
  metric: (detector: string, direction: 'input' | 'output', action: string) => void;
  audit: AuditLog;
}): GuardHooks {
  const g = deps.config.guards;
  const policies = new Map<string, GuardPolicy>(Object.entries(g.policies));
  if (!policies.has('default')) policies.set('default', DEFAULT_POLICY);
  const named = (name: string | null | undefined) => (name ? policies.get(name) : undefined);
  const fallback = policies.get('default')!;
  // One merged policy per use-case policy object, so the request path allocates nothing.
  const merged = new WeakMap<GuardPolicy, GuardPolicy>();
  const atLeastDefault = (p: GuardPolicy) => {
    let m = merged.get(p);
    if (!m) {
      m = p === fallback ? p : strictest(fallback, p);
      merged.set(p, m);
    }
    return m;
  };
  return {
    memo: createScreeningMemo(),
    policyFor(ctx) {
      if (!g.enabled) return null;
      const p = ctx.principal;
      const own = p && (named(g.keys[p.keyId]) ?? named(g.keys[p.name]));
      if (own) return own;
      const useCase = ctx.attribution.useCase;
      const ofUseCase = named(g.use_cases[useCase]) ?? named(deps.policyOfUseCase?.(useCase));
      if (!ofUseCase) return fallback;
      return boundTo(p, useCase) ? ofUseCase : atLeastDefault(ofUseCase);
    },
    onEvents(ctx, events) {
      for (const e of events) {
        deps.record({
          ts: ctx.receivedAt,
          requestId: ctx.requestId,
          useCase: ctx.attribution.useCase,
          keyId: ctx.principal?.keyId ?? null,
          model: ctx.chat?.model ?? null,
          detector: e.detector,
          direction: e.direction,
          action: e.action,
          score: e.score,
          labels: e.labels,
          spans: e.spans,
          index: e.index,
        });
        deps.metric(e.detector, e.direction, e.action);
        if (e.action !== 'flag')
          deps.audit.append({
            actor: ctx.principal ? `key:${ctx.principal.keyId}` : 'anonymous',
            action: `guard.${e.action}`,
            target: ctx.requestId,
            details: {
              detector: e.detector,
              direction: e.direction,
              labels: e.labels,
              score: e.score,
              spans: e.spans.length,
              use_case: ctx.attribution.useCase,
            },
          });
      }
    },
  };
}

/** The key was given this use case by whoever issued it (keel.yaml binding or virtual-key scope). */
export function boundTo(p: Principal | null, useCase: string): boolean {
  if (!p) return false;
  return p.useCase === useCase || (p.scopes?.useCases.includes(useCase) ?? false);
}
