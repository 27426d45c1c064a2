import { describe, expect, it, vi } from 'vitest';
import type { Principal } from '../access/principal.js';
import { parseConfig } from '../config/load.js';
import { KeelError } from '../errors.js';
import { newDispatchOutcome } from '../routing/outcome.js';
import type { Router } from '../routing/types.js';
import { type Counters, createMemoryCounters } from '../store/counters/memory.js';
import type { KeelPriceBook } from '../value/pricing/price-book.js';
import { type AdmitDeps, admit, release } from './admit.js';
import type { RequestContext } from './context.js';
import { failureMode } from './failure-policy.js';

const down = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));

/** Counters whose store is gone: every operation fails the way a dropped pg connection does. */
function failingCounters(): Counters {
  return { hit: down, add: down, reserve: down, settle: down, budget: () => undefined };
}

function principal(over: Partial<Principal> = {}, scoped: Partial<NonNullable<Principal['scopes']>> = {}) {
  return {
    keyId: 'key_1',
    name: 'k',
    scopes: {
      models: () => true,
      endpoints: new Set(),
      useCases: [],
      tools: () => true,
      mcpServers: () => true,
      mcpTools: () => true,
      maxTokens: null,
      rpm: null,
      tpm: null,
      budgetUsd: 1,
      budgetPeriod: 'month',
      cidrs: null,
      ...scoped,
    },
    ...over,
  } satisfies Principal;
}

function ctx(p: Principal | null, useCase = 'support'): RequestContext {
  return {
    requestId: 'req_1',
    endpoint: 'chat',
    apiShape: 'openai',
    headers: {},
    clientIp: null,
    receivedAt: Date.UTC(2026, 10, 5),
    startedAt: 0,
    principal: p,
    attribution: { useCase, team: null, userId: null, feature: null, traceId: null },
    dispatch: newDispatchOutcome(),
    admission: null,
    responseHeaders: {},
    guardEvents: [],
    guardOutput: null,
  };
}

function deps(counters: Counters, failure_policy: Record<string, unknown> = {}): AdmitDeps {
  return {
    config: parseConfig({ failure_policy }, {}),
    counters,
    prices: { quoteMax: () => ({ costUsd: 0.01 }) } as unknown as KeelPriceBook,
    router: { candidates: () => [{ provider: 'p', model: 'm' }] } as unknown as Router,
    loadSpend: async () => 0,
    now: () => Date.UTC(2026, 10, 5),
    onStoreFailure: vi.fn(),
  };
}

const est = () => ({ inputTokens: 10, maxInputTokens: 10, maxOutputTokens: 10 });

describe('failure policy at admission', () => {
  it('refuses a budgeted call with 503 store_unavailable by default, and says so', async () => {
    const d = deps(failingCounters());
    const c = ctx(principal());
    const err = await admit(d, c, 'm', est).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeelError);
    expect((err as KeelError).code).toBe('store_unavailable');
    expect((err as KeelError).status).toBe(503);
    expect((err as KeelError).retryAfter).toBe(1);
    expect(d.onStoreFailure).toHaveBeenCalledWith(c, 'budgets', 'refused', expect.any(Error));
  });

  it('admits unchecked when budgets are open, holding no reservation', async () => {
    const d = deps(failingCounters(), { budgets: 'open' });
    const c = ctx(principal());
    await admit(d, c, 'm', est);
    expect(c.admission?.reservation).toBeNull();
    expect(d.onStoreFailure).toHaveBeenCalledWith(c, 'budgets', 'admitted', expect.any(Error));
  });

  it('lets rate limits fail open by default and closed when asked', async () => {
    const p = principal({}, { rpm: 10, budgetUsd: null });
    const open = deps(failingCounters());
    const c = ctx(p);
    await admit(open, c, 'm', est);
    expect(c.responseHeaders['x-ratelimit-limit-requests']).toBeUndefined();
    expect(open.onStoreFailure).toHaveBeenCalledWith(c, 'rate_limits', 'admitted', expect.any(Error));
    const closed = deps(failingCounters(), { rate_limits: 'closed' });
    await expect(admit(closed, ctx(p), 'm', est)).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('treats a store that does not answer within timeout_ms as unavailable', async () => {
    const hang: Counters = { ...failingCounters(), reserve: () => new Promise(() => undefined) };
    const d = deps(hang, { timeout_ms: 30 });
    const t0 = performance.now();
    await expect(admit(d, ctx(principal()), 'm', est)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a counter that throws synchronously is unanswered like one that rejects', async () => {
    const sync: Counters = {
      ...failingCounters(),
      reserve: () => {
        throw new Error('pool is closed');
      },
    };
    await expect(admit(deps(sync), ctx(principal()), 'm', est)).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });

  it('a budget whose first load failed loads again once the store is back', async () => {
    const d = deps(createMemoryCounters());
    let storeUp = false;
    d.loadSpend = async () => {
      if (!storeUp) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return 0;
    };
    await expect(admit(d, ctx(principal()), 'm', est)).rejects.toMatchObject({ code: 'store_unavailable' });
    storeUp = true;
    const c = ctx(principal());
    await admit(d, c, 'm', est);
    expect(c.admission?.reservation).not.toBeNull();
  });

  it('keeps real refusals: an exhausted budget is 402 even though the policy is open', async () => {
    const d = deps(createMemoryCounters(), { budgets: 'open' });
    d.loadSpend = async () => 1;
    await expect(admit(d, ctx(principal()), 'm', est)).rejects.toMatchObject({ code: 'budget_exceeded' });
    expect(d.onStoreFailure).not.toHaveBeenCalled();
  });

  it('a lost settle is reported, never thrown: the call was already answered', async () => {
    const counters = { ...createMemoryCounters(), settle: down };
    const d = deps(counters);
    const c = ctx(principal());
    await admit(d, c, 'm', est);
    expect(c.admission?.reservation).not.toBeNull();
    await release(d, c, 0.005, 20);
    expect(d.onStoreFailure).toHaveBeenCalledWith(c, 'budgets', 'lost', expect.any(Error));
  });
});

describe('failureMode per use case', () => {
  const policy = parseConfig(
    { failure_policy: { use_cases: { batch: { budgets: 'open' }, payments: { rate_limits: 'closed' } } } },
    {},
  ).failure_policy;

  it('a stricter override always applies', () => {
    expect(failureMode(policy, ctx(null, 'payments'), 'rate_limits')).toBe('closed');
    expect(failureMode(policy, ctx(principal(), 'payments'), 'rate_limits')).toBe('closed');
  });

  it('a laxer override applies only to keys bound or scoped to that use case', () => {
    // Named in a header by an unscoped key, or with auth off: the default holds.
    expect(failureMode(policy, ctx(null, 'batch'), 'budgets')).toBe('closed');
    expect(failureMode(policy, ctx(principal(), 'batch'), 'budgets')).toBe('closed');
    expect(failureMode(policy, ctx(principal({}, { useCases: ['batch'] }), 'batch'), 'budgets')).toBe('open');
    expect(failureMode(policy, ctx(principal({ useCase: 'batch', scopes: null }), 'batch'), 'budgets')).toBe(
      'open',
    );
  });

  it('defaults: budgets closed, rate limits open, guards closed', () => {
    const d = parseConfig({}, {}).failure_policy;
    const c = ctx(null);
    expect([
      failureMode(d, c, 'budgets'),
      failureMode(d, c, 'rate_limits'),
      failureMode(d, c, 'guards'),
    ]).toEqual(['closed', 'open', 'closed']);
  });
});
