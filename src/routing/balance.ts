/**
 * Weighted load balancing. The order of attempts for one model is a weighted random permutation of
 * its targets: the first pick is proportional to weight, each later pick is proportional to weight
 * among those left. Targets with weight 0 are never picked first: they come last, in config order,
 * as a last resort (a "standby" target). Skipping a target whose circuit is open while walking the
 * permutation keeps the choice among the remaining targets proportional to their weights.
 */
export function weightedOrder<T extends { weight: number }>(
  targets: readonly T[],
  random: () => number,
): T[] {
  if (targets.length === 1) return [targets[0]!];
  const pool: T[] = [];
  const standby: T[] = [];
  let total = 0;
  for (const t of targets) {
    if (t.weight > 0) {
      pool.push(t);
      total += t.weight;
    } else standby.push(t);
  }
  const out: T[] = [];
  while (pool.length > 0) {
    let r = random() * total;
    let i = 0;
    // Stops at the last element even if float error leaves r slightly positive.
    for (; i < pool.length - 1; i++) {
      r -= pool[i]!.weight;
      if (r < 0) break;
    }
    const [picked] = pool.splice(i, 1);
    out.push(picked!);
    total -= picked!.weight;
  }
  for (const t of standby) out.push(t);
  return out;
}
