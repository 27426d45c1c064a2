import { describe, expect, it } from 'vitest';
import { ModelTable } from './models.js';
import { config } from './testkit.js';

describe('ModelTable', () => {
  const table = new ModelTable(
    config({
      providers: [
        { id: 'fast', kind: 'simulator', timeout_ms: 2000 },
        { id: 'slow', kind: 'simulator' },
      ],
      models: [
        {
          name: 'chat',
          targets: [
            { provider: 'fast', model: 'a' },
            { provider: 'slow', model: 'b' },
          ],
          fallbacks: ['emb', 'other'],
        },
        { name: 'other', timeout_ms: 500, targets: [{ provider: 'fast', model: 'c' }], fallbacks: ['chat'] },
        { name: 'emb', type: 'embedding', targets: [{ provider: 'slow', model: 'e' }] },
      ],
      routing: { timeout_ms: 9000, retries: { max: 4 }, cache: { enabled: true, ttl_s: 30 } },
    }),
  );

  it('takes each target timeout from the model, else the provider, else routing', () => {
    expect(table.route('chat', 'chat').chain[0]!.targets.map((t) => t.timeoutMs)).toEqual([2000, 9000]);
    expect(table.route('other', 'chat').chain[0]!.targets[0]!.timeoutMs).toBe(500);
  });

  it('drops fallbacks of the other type and breaks cycles', () => {
    expect(table.route('chat', 'chat').chain.map((m) => m.name)).toEqual(['chat', 'other']);
    expect(table.route('other', 'chat').chain.map((m) => m.name)).toEqual(['other', 'chat']);
    expect(table.route('emb', 'embedding').chain.map((m) => m.name)).toEqual(['emb']);
  });

  it('applies routing defaults for retries and cache TTL', () => {
    const m = table.route('chat', 'chat').chain[0]!;
    expect([m.retries, m.cacheTtlMs]).toEqual([4, 30_000]);
  });
});
