export interface RetrySettings {
  base_delay_ms: number;
  max_delay_ms: number;
}

/**
 * Delay before retry number `n` (0-based) of the same target: exponential backoff with full jitter,
 * `random() · min(max, base · 2^n)`, so that many clients retrying together spread out. A
 * `retry-after` from the upstream is a floor. When the upstream asks for longer than max_delay_ms,
 * returns null: holding the client that long is worse than trying the next target now.
 */
export function retryDelay(
  n: number,
  retryAfterS: number | undefined,
  cfg: RetrySettings,
  random: () => number,
): number | null {
  const jitter = random() * Math.min(cfg.max_delay_ms, cfg.base_delay_ms * 2 ** n);
  if (retryAfterS === undefined) return jitter;
  const floor = retryAfterS * 1000;
  if (floor > cfg.max_delay_ms) return null;
  return Math.max(floor, jitter);
}
