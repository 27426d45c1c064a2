import { describe, expect, it } from 'vitest';
import { costAllocationSchema } from '../../config/value.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import { allocate } from './allocate.js';
import { parseDay, parseGranularity, periodsOf, weekStart } from './periods.js';

describe('cost allocation', () => {
  const basis = (m: Record<string, { costUsd: number; requests: number }>) => (uc: string) => m[uc];

  it('splits fixed shares and gives the last target the remainder', () => {
    const rules = costAllocationSchema.parse([
      { use_case: 'shared', method: 'fixed', shares: { a: 0.7, b: 0.2, c: 0.1 } },
    ]);
    const moves = allocate(rules, basis({ shared: { costUsd: 0.3, requests: 1 } }));
    expect(moves.map((m) => m.to)).toEqual(['a', 'b', 'c']);
    expect(moves.reduce((s, m) => s + m.usd, 0)).toBe(0.3);
    expect(moves[0]!.usd).toBeCloseTo(0.21, 15);
  });

  it('follows the targets’ own cost or requests, equally when they have none', () => {
    const rules = costAllocationSchema.parse([
      { use_case: 'platform', method: 'proportional', targets: ['a', 'b'] },
      { use_case: 'search', method: 'proportional', targets: ['a', 'b'], basis: 'requests' },
    ]);
    const moves = allocate(
      rules,
      basis({
        platform: { costUsd: 8, requests: 0 },
        search: { costUsd: 4, requests: 0 },
        a: { costUsd: 3, requests: 1 },
        b: { costUsd: 1, requests: 3 },
      }),
    );
    expect(moves).toEqual([
      { from: 'platform', to: 'a', usd: 6 },
      { from: 'platform', to: 'b', usd: 2 },
      { from: 'search', to: 'a', usd: 1 },
      { from: 'search', to: 'b', usd: 3 },
    ]);
    const idle = allocate(rules.slice(0, 1), basis({ platform: { costUsd: 8, requests: 0 } }));
    expect(idle.map((m) => m.usd)).toEqual([4, 4]);
  });

  it('rejects shares that do not add up, chains and duplicates', () => {
    const bad = (v: unknown) => costAllocationSchema.safeParse(v).success;
    expect(bad([{ use_case: 's', method: 'fixed', shares: { a: 0.5, b: 0.4 } }])).toBe(false);
    expect(
      bad([
        { use_case: 's', method: 'fixed', shares: { a: 1 } },
        { use_case: 'a', method: 'fixed', shares: { b: 1 } },
      ]),
    ).toBe(false);
    expect(
      bad([
        { use_case: 's', method: 'fixed', shares: { a: 1 } },
        { use_case: 's', method: 'fixed', shares: { b: 1 } },
      ]),
    ).toBe(false);
    expect(bad([{ use_case: 's', method: 'proportional', targets: ['a'] }])).toBe(true);
  });
});

describe('periods', () => {
  const d = (s: string) => Date.parse(`${s}T00:00:00Z`);

  it('parses whole UTC days, rounding `to` up', () => {
    expect(parseDay('2026-03-05', 'from', 'from')).toBe(d('2026-03-05'));
    expect(parseDay('2026-03-05T13:00:00Z', 'from', 'from')).toBe(d('2026-03-05'));
    expect(parseDay('2026-03-05T13:00:00Z', 'to', 'to')).toBe(d('2026-03-06'));
    expect(parseDay('2026-03-05T00:00:00+00:00', 'to', 'to')).toBe(d('2026-03-05'));
    expect(() => parseDay('March 5', 'from', 'from')).toThrow(expect.objectContaining({ param: 'from' }));
    expect(() => parseGranularity('hour')).toThrow(expect.objectContaining({ param: 'granularity' }));
  });

  it('cuts ranges into days, ISO weeks and calendar months, clipped to the range', () => {
    expect(weekStart(d('2026-03-05'))).toBe(d('2026-03-02')); // a Thursday → Monday
    expect(
      periodsOf(d('2026-03-04'), d('2026-03-18'), 'week').map((p) =>
        new Date(p.start).toISOString().slice(0, 10),
      ),
    ).toEqual(['2026-03-04', '2026-03-09', '2026-03-16']);
    const months = periodsOf(d('2026-01-15'), d('2026-03-10'), 'month');
    expect(
      months.map((p) => [new Date(p.start).toISOString().slice(0, 10), (p.end - p.start) / DAY_MS]),
    ).toEqual([
      ['2026-01-15', 17],
      ['2026-02-01', 28],
      ['2026-03-01', 9],
    ]);
    expect(periodsOf(d('2026-03-01'), d('2026-03-04'), 'day')).toHaveLength(3);
    expect(periodsOf(d('2026-03-01'), d('2026-03-04'), 'total')).toEqual([
      { start: d('2026-03-01'), end: d('2026-03-04') },
    ]);
  });
});
