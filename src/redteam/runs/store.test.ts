import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MemoryAudit, memoryAudit } from '../../access/memory-audit.js';
import { redteamConfigSchema } from '../../config/redteam.js';
import type { Database } from '../../store/db.js';
import { STORES } from '../../store/testkit.js';
import { createRedteamRuns, type RedteamRuns, redteamScores } from './service.js';
import { createRunStore, type RunStore } from './store.js';
import { attempt, sampleReport } from './testkit.js';

const T0 = 1_800_000_000_000;
const config = redteamConfigSchema.parse({
  min_score: 90,
  keep_runs: 3,
  use_cases: { 'support-assistant': { min_score: 95 } },
});

describe.each(STORES)('red-team runs on $name', (backend) => {
  let database: Database;
  let store: RunStore;
  let runs: RedteamRuns;
  let audit: MemoryAudit;
  let clock = T0;
  const evaluated: number[] = [];
  beforeAll(async () => {
    database = await backend.open();
  });
  afterAll(() => database?.close());
  beforeEach(async () => {
    await database.db.deleteFrom('redteam_runs').execute();
    clock = T0;
    evaluated.length = 0;
    audit = memoryAudit();
    store = createRunStore(database);
    runs = createRedteamRuns({
      database,
      audit,
      config,
      store,
      now: () => (clock += 1000),
      evaluate: async (at) => void evaluated.push(at),
    });
  });

  it('stores a run without its attempts and reads it back whole', async () => {
    const report = sampleReport({
      score: 80,
      useCase: 'support-assistant',
      attempts: [attempt('output-handling')],
    });
    const run = await runs.recordRun(report, { source: 'cli', actor: 'admin:ci' });
    expect(run.id).toMatch(/^rtr_[0-9a-f]{32}$/);
    const { attempts: _dropped, ...stored } = report;
    expect(await runs.get(run.id)).toEqual({
      id: run.id,
      createdAt: T0 + 1000,
      useCase: 'support-assistant',
      source: 'cli',
      report: stored,
    });
    expect(await runs.get('rtr_missing')).toBeNull();
    // The summary is in columns too: what lists and the alert rule read.
    const row = await database.db.selectFrom('redteam_runs').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      model: 'chat-fast',
      target_url: 'http://127.0.0.1:8700/v1',
      score: 80,
      source: 'cli',
    });
    expect(row.report).not.toContain('output-handling/t1');
    // Audited with the id, use case and score, never the report; then the alert rule is evaluated.
    expect(audit.entries).toEqual([
      {
        actor: 'admin:ci',
        action: 'redteam.run_recorded',
        target: run.id,
        details: { use_case: 'support-assistant', score: 80, source: 'cli' },
      },
    ]);
    expect(evaluated).toEqual([T0 + 1000]);
  });

  it('lists newest first, by use case (runs without one apart), limited', async () => {
    const a1 = await runs.recordRun(sampleReport({ useCase: 'a' }), { source: 'cli' });
    const b1 = await runs.recordRun(sampleReport({ useCase: 'b' }), { source: 'schedule' });
    const none = await runs.recordRun(sampleReport(), { source: 'cli' });
    const a2 = await runs.recordRun(sampleReport({ useCase: 'a' }), { source: 'cli' });
    const ids = async (q: Parameters<RunStore['list']>[0]) => (await store.list(q)).map((r) => r.id);
    expect(await ids({ limit: 10 })).toEqual([a2.id, none.id, b1.id, a1.id]);
    expect(await ids({ limit: 2 })).toEqual([a2.id, none.id]);
    expect(await ids({ useCase: 'a', limit: 10 })).toEqual([a2.id, a1.id]);
    expect(await ids({ useCase: null, limit: 10 })).toEqual([none.id]);
    expect((await runs.get(b1.id))?.source).toBe('schedule');
    expect(audit.entries.find((e) => e.target === b1.id)?.actor).toBe('system');
  });

  it('keeps the newest keep_runs of each use case and deletes the older ones', async () => {
    const a = [];
    for (let i = 0; i < 5; i++)
      a.push(await runs.recordRun(sampleReport({ useCase: 'a' }), { source: 'cli' }));
    const b = await runs.recordRun(sampleReport({ useCase: 'b' }), { source: 'cli' });
    const n1 = await runs.recordRun(sampleReport(), { source: 'cli' });
    expect((await store.list({ useCase: 'a', limit: 10 })).map((r) => r.id)).toEqual(
      a
        .slice(2)
        .reverse()
        .map((r) => r.id),
    );
    expect((await store.list({ limit: 10 })).map((r) => r.id)).toContain(b.id);
    expect((await store.list({ limit: 10 })).map((r) => r.id)).toContain(n1.id);
  });

  it('gives the alert rule the newest run of each use case with its threshold', async () => {
    await runs.recordRun(sampleReport({ score: 70, useCase: 'support-assistant' }), { source: 'cli' });
    const latest = await runs.recordRun(sampleReport({ score: 94, useCase: 'support-assistant' }), {
      source: 'cli',
    });
    await runs.recordRun(sampleReport({ score: 85, useCase: 'other' }), { source: 'cli' });
    await runs.recordRun(sampleReport({ score: 99 }), { source: 'cli' });
    const scores = await redteamScores(store, config);
    const byUseCase = Object.fromEntries(scores.map((s) => [String(s.useCase), s]));
    expect(scores).toHaveLength(3);
    expect(byUseCase['support-assistant']).toEqual({
      useCase: 'support-assistant',
      runId: latest.id,
      score: 94,
      minScore: 95,
      at: T0 + 2000,
    });
    expect(byUseCase.other).toMatchObject({ score: 85, minScore: 90 });
    expect(byUseCase.null).toMatchObject({ useCase: null, score: 99, minScore: 90 });
  });

  it('refuses a report over 1 MB without its attempts, and stores nothing', async () => {
    const big = sampleReport({ useCase: 'a' });
    big.worst = Array.from({ length: 25 }, (_, i) => ({
      ...attempt('direct-injection', i),
      request_excerpt: 'x'.repeat(4000),
      response_excerpt: 'y'.repeat(4000),
    }));
    big.target.url = `http://h/${'z'.repeat(900_000)}`;
    await expect(runs.recordRun(big, { source: 'cli' })).rejects.toMatchObject({
      code: 'body_too_large',
      status: 413,
    });
    expect(await store.list({ limit: 10 })).toEqual([]);
    expect(audit.entries).toEqual([]);
  });
});
