import type { AuditLog } from '../../audit/types.js';
import type { KeelConfig } from '../../config/schema.js';
import type { SecurityEvent } from '../../store/security-events.js';
import type { RequestContext } from '../context.js';
import { DEFAULT_POLICY, type GuardPolicy } from './config.js';
import type { GuardEvent } from './types.js';

export interface GuardHooks {
  policyFor(ctx: RequestContext): GuardPolicy | null;
  onEvents(ctx: RequestContext, events: readonly GuardEvent[]): void;
}

/**
 * Which policy applies to a call — the key's (by id or name), else its use case's, else `default`
 * (Keel's built-in defaults unless keel.yaml defines one) — and where decisions go: the security
 * event log, metrics and, for anything that changed or stopped a call, the audit log.
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
  return {
    policyFor(ctx) {
      if (!g.enabled) return null;
      const p = ctx.principal;
      return (
        (p && (named(g.keys[p.keyId]) ?? named(g.keys[p.name]))) ??
        named(g.use_cases[ctx.attribution.useCase]) ??
        named(deps.policyOfUseCase?.(ctx.attribution.useCase)) ??
        policies.get('default')!
      );
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
