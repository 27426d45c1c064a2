export type CircuitState = 'closed' | 'open' | 'half_open';

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
  /** half_open only: when the single probe was let through, or -1 when the slot is free. */
  probeSince: number;
  /** No attempt before this time: the upstream answered 429 with a retry-after (see pause()). */
  pausedUntil: number;
}

/**
 * A retry scheduled for exactly the end of a pause must not be refused by timer jitter: sleeping
 * `retry-after` may wake a millisecond early on the breaker's clock.
 */
const PAUSE_SLACK_MS = 20;

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
    if (!c) return true;
    const t = this.now();
    if (t < c.pausedUntil - PAUSE_SLACK_MS) return false;
    if (c.state === 'closed') return true;
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
    const c = this.entry(key);
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

  private entry(key: string): Circuit {
    let c = this.circuits.get(key);
    if (!c) {
      c = { state: 'closed', failures: 0, openedAt: 0, probeSince: -1, pausedUntil: 0 };
      this.circuits.set(key, c);
    }
    return c;
  }

  /**
   * The upstream asked for no calls for `ms` (429 + retry-after): no request goes to this target
   * until then, at most one cooldown, so that every other request does not hit the limit again.
   * The pause is kept apart from the failure count; a later success clears it.
   */
  pause(key: string, ms: number): void {
    if (!(ms > 0)) return;
    const c = this.entry(key);
    c.pausedUntil = Math.max(c.pausedUntil, this.now() + Math.min(ms, this.cfg.cooldown_ms));
  }

  /** Is this target held back by an upstream's retry-after right now? */
  paused(key: string): boolean {
    const c = this.circuits.get(key);
    return c !== undefined && this.now() < c.pausedUntil - PAUSE_SLACK_MS;
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
    if (!c) return 0;
    const t = this.now();
    const pause = Math.max(0, c.pausedUntil - t);
    if (c.state === 'closed') return pause;
    const since = c.state === 'open' ? c.openedAt : c.probeSince;
    if (since < 0) return pause;
    return Math.max(pause, since + this.cfg.cooldown_ms - t);
  }
}
