import { describe, expect, it } from 'vitest';
import { createRedteamScheduler, paced, type ScheduleDeps, type ScheduledSuite } from './schedule.js';
import type { Probe, RedteamReport } from './types.js';

const SUITE: ScheduledSuite = {
  useCase: 'support',
  model: 'chat-fast',
  everyMs: 86_400_000,
  samples: 2,
  seed: 7,
  categories: ['direct-injection'],
  strategies: ['none'],
  maxRequestsPerMinute: 60_000,
  key: 'sk-keel-test-key',
};

function report(score: number): RedteamReport {
  return {
    summary: { attacks: 2, attack_success_rate: 0, benign: 2, false_positive_rate: 0, score },
    report_version: 1,
    corpus_version: 'test',
    started_at: '2026-12-06T00:00:00.000Z',
    finished_at: '2026-12-06T00:00:01.000Z',
    duration_ms: 1000,
    target: { url: 'http://keel.internal/v1', model: 'chat-fast', use_case: 'support' },
    seed: 7,
    samples: 2,
    categories: ['direct-injection'],
    strategies: ['none'],
    errors: 0,
    by_category: [],
    by_strategy: [],
    worst: [],
  };
}

function harness(over: Partial<ScheduleDeps> = {}) {
  const runs: Array<Parameters<ScheduleDeps['runRedteam']>[0]> = [];
  const recorded: RedteamReport[] = [];
  let leader = true;
  let recordedOne: () => void = () => {};
  const recordedPromise = new Promise<void>((resolve) => {
    recordedOne = resolve;
  });
  const deps: ScheduleDeps = {
    suites: [SUITE],
    buildProbes: (opts) =>
      Array.from(
        { length: opts.samples },
        (_, i): Probe => ({
          id: `direct-injection/t/none/${opts.seed}-${i}`,
          category: 'direct-injection',
          kind: 'attack',
          strategy: 'none',
          title: 't',
          request: { messages: [{ role: 'user', content: 'x' }] },
          checks: [{ kind: 'nonce', value: 'N' }],
        }),
      ),
    runRedteam: async (opts) => {
      runs.push(opts);
      await opts.fetch('http://keel.internal/v1/chat/completions', { method: 'POST' });
      return report(97.5);
    },
    recordRun: async (r) => {
      recorded.push(r);
      recordedOne();
    },
    lastRunAt: async () => null,
    lease: { isLeader: () => leader },
    firstRunDelayMs: 60_000,
    onError: (err) => {
      throw err;
    },
    ...over,
  };
  const fetched: string[] = [];
  const fetch = (async (input: Parameters<typeof globalThis.fetch>[0]) => {
    fetched.push(String(input));
    return new Response('{}');
  }) as typeof globalThis.fetch;
  return {
    deps,
    runs,
    recorded,
    fetched,
    fetch,
    recordedPromise,
    setLeader: (v: boolean) => {
      leader = v;
    },
  };
}

describe('red-team schedules', () => {
  it('runs a suite through the gateway itself with its seed, model, use case and key, and records it', async () => {
    const h = harness();
    const s = createRedteamScheduler(h.deps);
    s.start(h.fetch);
    const r = await s.runNow('support');
    expect(r?.summary.score).toBe(97.5);
    expect(h.runs[0]).toMatchObject({
      target: 'http://keel.internal/v1',
      key: 'sk-keel-test-key',
      model: 'chat-fast',
      useCase: 'support',
      seed: 7,
      samples: 2,
      concurrency: 1,
    });
    expect(h.runs[0]?.probes).toHaveLength(2);
    expect(h.fetched).toContain('http://keel.internal/v1/chat/completions');
    expect(h.recorded).toHaveLength(1);
    await s.close();
  });

  it('runs only on the cluster leader', async () => {
    const h = harness();
    h.setLeader(false);
    const s = createRedteamScheduler(h.deps);
    s.start(h.fetch);
    expect(await s.runNow('support')).toBeNull();
    expect(h.runs).toHaveLength(0);
    expect(h.recorded).toHaveLength(0);
    await s.close();
  });

  it('runs a suite that never ran on its first check, and not one whose last run is recent', async () => {
    const due = harness({ firstRunDelayMs: 0 });
    const s1 = createRedteamScheduler(due.deps);
    s1.start(due.fetch);
    await due.recordedPromise;
    expect(due.runs).toHaveLength(1);
    await s1.close();

    let asked: () => void = () => {};
    const wasAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const recent = harness({
      firstRunDelayMs: 0,
      lastRunAt: async () => {
        asked();
        return Date.now() - 1000;
      },
    });
    const s2 = createRedteamScheduler(recent.deps);
    s2.start(recent.fetch);
    await wasAsked;
    // The answer is handled within the same few microtasks; a macrotask later it has been acted on.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(recent.runs).toHaveLength(0);
    await s2.close();
  });

  it('refuses an unknown use case and a run before start', async () => {
    const h = harness();
    const s = createRedteamScheduler(h.deps);
    await expect(s.runNow('support')).rejects.toThrow(/before start/);
    await expect(s.runNow('nope')).rejects.toThrow(/no red-team schedule/);
    await s.close();
  });

  it('spaces requests to the configured rate and stops issuing once closed', async () => {
    let calls = 0;
    let stopped = false;
    const inner = (async () => {
      calls++;
      return new Response('{}');
    }) as typeof globalThis.fetch;
    const f = paced(inner, 1200, () => stopped); // one every 50 ms
    const t0 = Date.now();
    await Promise.all([f('http://x/'), f('http://x/'), f('http://x/')]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    expect(calls).toBe(3);
    stopped = true;
    await expect(f('http://x/')).rejects.toThrow(/stopped/);
    expect(calls).toBe(3);
  });
});
