import type { LeaderLease } from '../store/lease.js';
import type { CategoryId, Probe, RedteamReport, StrategyId } from './types.js';

type Fetch = typeof globalThis.fetch;

/** One `redteam.schedules[]` entry of keel.yaml, with its interval already in milliseconds. */
export interface ScheduledSuite {
  useCase: string;
  model: string;
  everyMs: number;
  samples: number;
  seed: number;
  categories: CategoryId[];
  strategies: StrategyId[];
  maxRequestsPerMinute: number;
  /** The virtual key the suite calls with; unset: no key. */
  key?: string;
}

export interface ScheduleDeps {
  suites: readonly ScheduledSuite[];
  buildProbes(opts: {
    categories: CategoryId[];
    strategies: StrategyId[];
    samples: number;
    seed: number;
  }): Probe[];
  runRedteam(opts: {
    target: string;
    key?: string;
    model: string;
    useCase: string;
    probes: Probe[];
    seed: number;
    samples: number;
    categories: CategoryId[];
    strategies: StrategyId[];
    concurrency: number;
    fetch: Fetch;
  }): Promise<RedteamReport>;
  /** Stores the run and opens or resolves its alert (the same entry point as POST /api/redteam/runs). */
  recordRun(report: RedteamReport): Promise<unknown>;
  /** When this use case's last scheduled run was stored (epoch ms), so a restart does not rerun it early. */
  lastRunAt(useCase: string): Promise<number | null>;
  lease: Pick<LeaderLease, 'isLeader'>;
  now?: () => number;
  /** Delay before a suite that never ran runs for the first time. */
  firstRunDelayMs?: number;
  onError(err: unknown, useCase: string): void;
}

export interface RedteamScheduler {
  /** Starts the timers; `fetch` reaches the gateway's own `/v1` in process. */
  start(fetch: Fetch): void;
  /** Runs one suite now (tests, and the timer). Resolves with its report, or null on the non-leader. */
  runNow(useCase: string): Promise<RedteamReport | null>;
  close(): Promise<void>;
}

/** The suite attacks the gateway through its own request path; the host is never resolved. */
const SELF_TARGET = 'http://keel.internal/v1';
const RETRY_CHECK_MS = 60_000;

/**
 * Scheduled red-team suites: each runs every `everyMs` against its use case through the full request
 * path (authentication, scopes, guards, routing, accounting), on the cluster leader only, paced to
 * `maxRequestsPerMinute`, and its report goes through `recordRun` like a run the CLI posted — so a
 * score under the use case's threshold opens an alert and reaches the webhooks.
 */
export function createRedteamScheduler(deps: ScheduleDeps): RedteamScheduler {
  const now = deps.now ?? Date.now;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<RedteamReport | null>>();
  let selfFetch: Fetch | null = null;
  let closed = false;

  function arm(suite: ScheduledSuite, delayMs: number): void {
    if (closed) return;
    clearTimeout(timers.get(suite.useCase));
    // Node timers overflow past 2^31-1 ms (~24.8 days): longer intervals re-check on the way.
    const t = setTimeout(() => void tick(suite), Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    t.unref();
    timers.set(suite.useCase, t);
  }

  async function tick(suite: ScheduledSuite): Promise<void> {
    try {
      const last = await deps.lastRunAt(suite.useCase);
      const due = last === null ? 0 : last + suite.everyMs;
      if (due > now()) return arm(suite, due - now());
      await runNow(suite.useCase);
      arm(suite, suite.everyMs);
    } catch (err) {
      deps.onError(err, suite.useCase);
      arm(suite, Math.min(suite.everyMs, RETRY_CHECK_MS * 5));
    }
  }

  function runNow(useCase: string): Promise<RedteamReport | null> {
    const suite = deps.suites.find((s) => s.useCase === useCase);
    if (!suite) return Promise.reject(new Error(`no red-team schedule for use case ${useCase}`));
    const inFlight = running.get(useCase);
    if (inFlight) return inFlight;
    const run = runSuite(suite).finally(() => running.delete(useCase));
    running.set(useCase, run);
    return run;
  }

  async function runSuite(suite: ScheduledSuite): Promise<RedteamReport | null> {
    if (!deps.lease.isLeader()) return null;
    if (!selfFetch) throw new Error('red-team scheduler used before start()');
    const probes = deps.buildProbes({
      categories: suite.categories,
      strategies: suite.strategies,
      samples: suite.samples,
      seed: suite.seed,
    });
    const report = await deps.runRedteam({
      target: SELF_TARGET,
      ...(suite.key ? { key: suite.key } : {}),
      model: suite.model,
      useCase: suite.useCase,
      probes,
      seed: suite.seed,
      samples: suite.samples,
      categories: suite.categories,
      strategies: suite.strategies,
      concurrency: 1,
      fetch: paced(selfFetch, suite.maxRequestsPerMinute, () => closed),
    });
    if (closed) return null;
    await deps.recordRun(report);
    return report;
  }

  return {
    start(fetch) {
      selfFetch = fetch;
      // The first check waits a little, so a (re)start is never a burst of attacks at boot; a suite
      // whose last run is recent then sleeps until it is due.
      for (const suite of deps.suites) arm(suite, deps.firstRunDelayMs ?? RETRY_CHECK_MS);
    },
    runNow,
    async close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...running.values()]);
    },
  };
}

/**
 * Spaces the suite's requests to `perMinute`, so a scheduled suite never competes with production
 * traffic for the route's rate limits. Stops issuing (rejects) once the scheduler closes.
 */
export function paced(inner: Fetch, perMinute: number, stopped: () => boolean): Fetch {
  const gapMs = 60_000 / Math.max(1, perMinute);
  let next = 0;
  const wrapped = async (input: Parameters<Fetch>[0], init?: RequestInit): Promise<Response> => {
    const t = Date.now();
    const at = Math.max(t, next);
    next = at + gapMs;
    if (at > t) await new Promise((resolve) => setTimeout(resolve, at - t).unref());
    if (stopped()) throw new Error('red-team schedule stopped');
    return inner(input, init);
  };
  return wrapped as Fetch;
}
