import { afterEach, describe, expect, it } from 'vitest';
import { useCasesConfigSchema } from '../../config/value.js';
import { KeelError } from '../../errors.js';
import type { Database } from '../../store/db.js';
import { STORES } from '../../store/testkit.js';
import { memoryAuditLog } from '../testkit.js';
import { parseCreate, parsePatch } from './model.js';
import { createUseCaseRegistry } from './registry.js';

describe.each(STORES)('use-case registry ($name)', (store) => {
  let db: Database;
  afterEach(async () => {
    await db?.close();
  });

  it('creates, lists, updates, keeps stage history and audits every change', async () => {
    db = await store.open();
    const audit = memoryAuditLog();
    let t = 1_000;
    const reg = createUseCaseRegistry(db, { audit, now: () => t });
    const { id, patch } = parseCreate({
      id: 'support-bot',
      name: 'Support',
      value_per_outcome_usd: 2,
      monthly_budget_usd: 50,
      tags: ['cx', 'cx', 'tier1'],
    });
    const u = await reg.create(id, patch, 'admin:ann');
    expect(u).toMatchObject({
      id: 'support-bot',
      name: 'Support',
      stage: 'pilot',
      valuePerOutcomeUsd: 2,
      tags: ['cx', 'tier1'],
    });
    await expect(reg.create('support-bot', {}, 'admin:ann')).rejects.toThrow(/already exists/);
    expect(reg.registeredBudgets()).toEqual([
      { scope: 'use_case', id: 'support-bot', usd: 50, period: 'month' },
    ]);

    t = 2_000;
    await reg.update('support-bot', parsePatch({ stage: 'production', owner: 'ann' }), 'admin:bob', {
      reason: 'go-live',
    });
    t = 3_000;
    const paused = await reg.update(
      'support-bot',
      parsePatch({ stage: 'paused', monthly_budget_usd: null }),
      'admin:bob',
    );
    expect(paused.monthlyBudgetUsd).toBeNull();
    expect(reg.registeredBudgets()).toEqual([]);
    // No change, no audit entry and no history row.
    await reg.update('support-bot', parsePatch({ owner: 'ann' }), 'admin:bob');

    expect(await reg.history('support-bot')).toEqual([
      { from: null, to: 'pilot', at: 1_000, actor: 'admin:ann', reason: 'created' },
      { from: 'pilot', to: 'production', at: 2_000, actor: 'admin:bob', reason: 'go-live' },
      { from: 'production', to: 'paused', at: 3_000, actor: 'admin:bob', reason: null },
    ]);
    expect(audit.entries.map((e) => e.action)).toEqual([
      'use_case.create',
      'use_case.update',
      'use_case.stage',
      'use_case.update',
      'use_case.stage',
    ]);
    expect(audit.entries[2]).toMatchObject({
      actor: 'admin:bob',
      target: 'support-bot',
      details: { from: 'pilot', to: 'production', reason: 'go-live' },
    });
    expect((await reg.list({ stage: 'paused' })).map((x) => x.id)).toEqual(['support-bot']);
    expect(await reg.list({ stage: 'production' })).toEqual([]);
    await expect(reg.update('nope', {}, 'admin:bob')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('syncs keel.yaml: config wins for the fields it declares, the API owns the rest', async () => {
    db = await store.open();
    const audit = memoryAuditLog();
    const reg = createUseCaseRegistry(db, { audit });
    await reg.create('legacy', parseCreate({ id: 'legacy', owner: 'zed' }).patch, 'admin:ann');
    await reg.create(
      'support-bot',
      parseCreate({ id: 'support-bot', owner: 'ann', stage: 'production' }).patch,
      'admin:ann',
    );
    const declared = useCasesConfigSchema.parse([
      { id: 'support-bot', stage: 'pilot', value_per_outcome_usd: 3 },
      { id: 'sales', name: 'Sales drafts', monthly_budget_usd: 10, access: { teams: ['sales-team'] } },
    ]);
    await reg.syncFromConfig(declared);
    // `access` is keel.yaml's alone: not a registry field, not one the API is told config owns.
    expect(reg.cached('sales')?.configFields).toEqual(['monthly_budget_usd', 'name']);
    const sb = reg.cached('support-bot')!;
    expect(sb).toMatchObject({
      stage: 'pilot',
      valuePerOutcomeUsd: 3,
      owner: 'ann',
      configFields: ['stage', 'value_per_outcome_usd'],
    });
    expect(reg.cached('sales')).toMatchObject({ name: 'Sales drafts', stage: 'pilot', createdBy: 'config' });
    expect(reg.registeredBudgets()).toEqual([{ scope: 'use_case', id: 'sales', usd: 10, period: 'month' }]);
    // The config's stage change is audited and in the history like any other.
    expect(
      audit.entries.some(
        (e) => e.action === 'use_case.stage' && e.actor === 'config' && e.target === 'support-bot',
      ),
    ).toBe(true);

    const refused = await reg
      .update('support-bot', parsePatch({ stage: 'production' }), 'admin:ann')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KeelError);
    expect(refused).toMatchObject({ code: 'invalid_request', param: 'stage' });
    expect((await reg.update('support-bot', parsePatch({ owner: 'bob' }), 'admin:ann')).owner).toBe('bob');

    // Removed from keel.yaml: stays registered, and the API owns every field again.
    await reg.syncFromConfig(useCasesConfigSchema.parse([{ id: 'sales', monthly_budget_usd: 10 }]));
    expect(reg.cached('support-bot')?.configFields).toEqual([]);
    expect((await reg.update('support-bot', parsePatch({ stage: 'production' }), 'admin:ann')).stage).toBe(
      'production',
    );
    expect(reg.cached('legacy')?.owner).toBe('zed');
  });
});

describe('use-case validation', () => {
  it('accepts `access` in keel.yaml but not through the API', () => {
    expect(useCasesConfigSchema.parse([{ id: 'p', access: { keys: ['app'] } }])[0]?.access).toEqual({
      keys: ['app'],
      teams: [],
    });
    expect(() => parseCreate({ id: 'p', access: { keys: ['app'] } })).toThrow(/access/);
  });

  it('names the bad field', () => {
    expect(() => parseCreate({ name: 'x' })).toThrow(expect.objectContaining({ param: 'id' }));
    expect(() => parseCreate({ id: 'bad id' })).toThrow(expect.objectContaining({ param: 'id' }));
    expect(() => parseCreate({ id: 'unassigned' })).toThrow(/reserved/);
    expect(() => parseCreate({ id: 'ok', stage: 'beta' })).toThrow(
      expect.objectContaining({ param: 'stage' }),
    );
    expect(() => parseCreate({ id: 'ok', colour: 'red' })).toThrow(
      expect.objectContaining({ param: 'colour', message: 'Unknown field "colour".' }),
    );
    expect(() => parsePatch({ id: 'x' })).toThrow(expect.objectContaining({ param: 'id' }));
    expect(() => parsePatch({ value_per_outcome_usd: -1 })).toThrow(
      expect.objectContaining({ param: 'value_per_outcome_usd' }),
    );
    expect(() => parsePatch({ name: null })).toThrow(expect.objectContaining({ param: 'name' }));
    expect(parsePatch({ owner: null, target_roi: -0.5 })).toEqual({ owner: null, target_roi: -0.5 });
  });
});
