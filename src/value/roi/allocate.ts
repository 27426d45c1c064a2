import type { CostAllocationRule } from '../../config/value.js';

/** What allocation needs of one use case in one period: its own priced cost and request count. */
interface AllocationBasis {
  costUsd: number;
  requests: number;
}

interface AllocationMove {
  from: string;
  to: string;
  usd: number;
}

/**
 * Share out the priced cost of each rule's source use case among its targets, for one period.
 * Fixed rules use their declared shares; proportional rules follow the targets' own cost (or
 * requests) in the same period, split equally when the targets have none. The last target gets
 * the remainder, so the moves add up to the source's cost exactly and totals do not drift.
 * Unpriced calls stay with the source: an unknown cost cannot be shared.
 */
export function allocate(
  rules: readonly CostAllocationRule[],
  basis: (useCase: string) => AllocationBasis | undefined,
): AllocationMove[] {
  const moves: AllocationMove[] = [];
  for (const rule of rules) {
    const source = basis(rule.use_case);
    const amount = source?.costUsd ?? 0;
    if (amount === 0) continue;
    let weights: Array<[string, number]>;
    if (rule.method === 'fixed') weights = Object.entries(rule.shares);
    else {
      weights = rule.targets.map((t) => {
        const b = basis(t);
        return [t, rule.basis === 'cost' ? (b?.costUsd ?? 0) : (b?.requests ?? 0)];
      });
      if (weights.every(([, w]) => w <= 0)) weights = rule.targets.map((t) => [t, 1]);
    }
    weights = weights.filter(([, w]) => w > 0);
    const sum = weights.reduce((a, [, w]) => a + w, 0);
    let given = 0;
    weights.forEach(([to, w], i) => {
      const usd = i === weights.length - 1 ? amount - given : (amount * w) / sum;
      given += usd;
      moves.push({ from: rule.use_case, to, usd });
    });
  }
  return moves;
}
