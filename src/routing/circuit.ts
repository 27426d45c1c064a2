export type CircuitState = 'closed' | 'open' | 'half_open';

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
  /** half_open only: when the single probe was let through, or -1 when the slot is free. */
  probeSince: number;
}

export interface CircuitSettings {
  failure_threshold: number;
  cooldown_ms: number;
}

/**
 * One circuit per target (provider + upstream model). `failure_threshold` consecutive upstream-side
 * failures open it for `cooldown_ms`; then it is half-open and exactly one request probes it: a
 * success closes it, a failure re-opens it for another cooldown. Attempts that end with no verdict on
 * the upstream's health (the client went away, the request itself was bad) only free the probe slot.
 * A probe that never reports back (a leaked stream) stops blocking others after one cooldown.
 */
export class CircuitBreaker {
  // Only targets that have failed recently have an entry; healthy ones cost one failed lookup.
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly cfg: CircuitSettings,
    private readonly now: () => number,
  ) {}

  /** May an attempt go to this target now? Claims the half-open probe slot when it grants it. */
  acquire(key: string): boolean {
    const c = this.circuits.get(key);
    if (!c || c.state === 'closed') return true;
    const t = this.now();
    if (c.state === 'open') {
      if (t - c.openedAt < this.cfg.cooldown_ms) return false;
      c.state = 'half_open';
      c.probeSince = t;
      return true;
    }
    if (c.probeSince >= 0 && t - c.probeSince < this.cfg.cooldown_ms) return false;
    c.probeSince = t;
    return true;
  }

  success(key: string): void {
    this.circuits.delete(key);
  }

  failure(key: string): void {
    const t = this.now();
    let c = this.circuits.get(key);
    if (!c) {
      c = { state: 'closed', failures: 0, openedAt: 0, probeSince: -1 };
      this.circuits.set(key, c);
    }
    if (c.state === 'half_open') {
      c.state = 'open';
      c.openedAt = t;
      c.probeSince = -1;
      return;
    }
    // A late failure from a request that started before the circuit opened must not extend the cooldown.
    if (c.state === 'open') return;
    c.failures++;
    if (c.failures >= this.cfg.failure_threshold) {
      c.state = 'open';
      c.openedAt = t;
    }
  }

  /** The attempt ended without telling us whether the upstream is healthy. */
  release(key: string): void {
    const c = this.circuits.get(key);
    if (c?.state === 'half_open') c.probeSince = -1;
  }

  state(key: string): CircuitState {
    return this.circuits.get(key)?.state ?? 'closed';
  }

  /** Milliseconds until this target can be tried again (0 if it can be now). */
  retryInMs(key: string): number {
    const c = this.circuits.get(key);
    if (!c || c.state === 'closed') return 0;
    const since = c.state === 'open' ? c.openedAt : c.probeSince;
    if (since < 0) return 0;
    return Math.max(0, since + this.cfg.cooldown_ms - this.now());
  }
}
