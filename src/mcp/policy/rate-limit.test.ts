import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failurePolicySchema } from '../../config/failure-policy.js';
import { type Counters, createMemoryCounters } from '../../store/counters/memory.js';
import { counterTargets } from '../../store/counters/testkit.js';
import { caller, keyPrincipal, mcpConfig, settle, toolCall } from '../testkit.js';
import { McpRefusal } from '../types.js';
import { rateLimitCall } from './rate-limit.js';
import { compileToolRules } from './rules.js';

const rules = compileToolRules(mcpConfig({ tools: { 'crm__*': { rpm: 2 }, crm__search: { rpm: 3 } } }).tools);
const alice = caller(keyPrincipal({ mcpServers: ['crm'] }, 'key_00000000000000a1'));
const bob = caller(keyPrincipal({ mcpServers: ['crm'] }, 'key_00000000000000b2'));

describe('MCP per-tool rate limits', () => {
  it('counts per key and tool, each glob-matched tool on its own, and says when to retry', async () => {
    const deps = { counters: createMemoryCounters(), failurePolicy: undefined };
    const call = (c: typeof alice, name: string) => rateLimitCall(deps, toolCall(c, name), rules(name));
    expect(await settle(() => call(alice, 'crm__read'))).toBeUndefined();
    expect(await settle(() => call(alice, 'crm__read'))).toBeUndefined();
    const refused = await settle(() => call(alice, 'crm__read'));
    expect(refused).toBeInstanceOf(McpRefusal);
    const r = refused as McpRefusal;
    expect(r.code).toBe('rate_limit_exceeded');
    expect(r.data).toMatchObject({ tool: 'crm__read', limit: 2 });
    expect(r.data.retry_after).toBeGreaterThanOrEqual(1);
    expect(r.data.retry_after).toBeLessThanOrEqual(60);
    // Another tool under the same glob, and another key, have windows of their own.
    expect(await settle(() => call(alice, 'crm__write'))).toBeUndefined();
    expect(await settle(() => call(bob, 'crm__read'))).toBeUndefined();
    // Every matching entry applies: the glob's 2 binds before the exact entry's 3.
    await call(bob, 'crm__search');
    await call(bob, 'crm__search');
    expect(await settle(() => call(bob, 'crm__search'))).toMatchObject({ code: 'rate_limit_exceeded' });
    // No rpm anywhere: nothing is counted.
    expect(await settle(() => rateLimitCall(deps, toolCall(alice, 'fs__read'), []))).toBeUndefined();
  });

  it('follows failure_policy.rate_limits when the counters do not answer', async () => {
    const down = () => Promise.reject(new Error('connection terminated'));
    const counters: Counters = { hit: down, add: down, reserve: down, settle: down, budget: () => undefined };
    const seen: string[] = [];
    const onStoreFailure = (_c: unknown, o: string) => seen.push(o);
    const open = { counters, failurePolicy: failurePolicySchema.parse({}), onStoreFailure };
    expect(
      await settle(() => rateLimitCall(open, toolCall(alice, 'crm__read'), rules('crm__read'))),
    ).toBeUndefined();
    const closed = { ...open, failurePolicy: failurePolicySchema.parse({ rate_limits: 'closed' }) };
    expect(
      await settle(() => rateLimitCall(closed, toolCall(alice, 'crm__read'), rules('crm__read'))),
    ).toMatchObject({
      code: 'store_unavailable',
    });
    expect(seen).toEqual(['admitted', 'refused']);
  });
});

describe.each(counterTargets())('MCP tool rate limits on $name counters', (target) => {
  beforeAll(() => target.setup());
  afterAll(() => target.teardown());

  it('hold across replicas: three instances share one window per key and tool', async () => {
    const replicas = await Promise.all([0, 1, 2].map(() => target.instance(Date.now, 60_000)));
    const limited = compileToolRules(mcpConfig({ tools: { crm__export: { rpm: 4 } } }).tools);
    const key = caller(
      keyPrincipal({ mcpServers: ['crm'] }, `key_${Date.now().toString(16).padStart(16, '0')}`),
    );
    const refused: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const counters = replicas[i % 3] as Counters;
      refused.push(
        (await settle(() =>
          rateLimitCall(
            { counters, failurePolicy: undefined },
            toolCall(key, 'crm__export'),
            limited('crm__export'),
          ),
        )) instanceof McpRefusal,
      );
    }
    expect(refused).toEqual([false, false, false, false, true, true]);
  });
});
