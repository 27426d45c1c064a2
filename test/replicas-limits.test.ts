import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from './fakes/index.js';
import { obj, standardConfig } from './helpers/fixtures.js';
import { type StartedKeel, startKeel, TEST_ENV } from './helpers/keel.js';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.js';

// Two Keel replicas behind one load balancer share a budget: through PostgreSQL when that is their
// store, or through Redis. Runs when a PostgreSQL server (KEEL_TEST_POSTGRES_URL) or a Redis
// (KEEL_TEST_REDIS_URL) is available.

const PRICES = { overrides: [{ model: 'gpt-4o', provider: 'oai', input: 1, output: 10 }] };
// `database: null` = a fresh database on the PostgreSQL server, so no other suite's keys or budgets
// (the server's test database is shared by the storage suites) change what these calls meet.
const modes: Array<{ name: string; database: string | null; limits: Record<string, unknown> }> = [];
if (process.env.KEEL_TEST_POSTGRES_URL)
  modes.push({ name: 'postgres', database: null, limits: { store: 'auto' } });
if (process.env.KEEL_TEST_REDIS_URL)
  // Each replica has its own store; only Redis is shared.
  modes.push({
    name: 'redis',
    database: 'sqlite::memory:',
    limits: { store: 'auto', redis_url: process.env.KEEL_TEST_REDIS_URL },
  });

// Without either server there is nothing to share limits through: say so instead of an empty file.
describe.skipIf(modes.length > 0)('two replicas sharing limits', () => {
  it.skip('needs KEEL_TEST_POSTGRES_URL or KEEL_TEST_REDIS_URL', () => {});
});

describe.runIf(modes.length > 0).each(modes)('two replicas sharing limits through $name', (mode) => {
  let oai: FakeUpstream;
  let ant: FakeUpstream;
  const replicas: StartedKeel[] = [];
  // A fresh use case per run: the shared store keeps budgets from earlier runs.
  const useCase = `capped-${randomUUID()}`;
  const budget = 0.0105;
  let fresh: TestDatabase | null = null;

  beforeAll(async () => {
    if (mode.database === null) fresh = await createTestDatabase(process.env.KEEL_TEST_POSTGRES_URL!);
    const url = fresh?.url ?? mode.database!;
    oai = await startFakeOpenAI({ apiKey: TEST_ENV.OAI_KEY });
    ant = await startFakeAnthropic({ apiKey: TEST_ENV.ANT_KEY });
    for (let i = 0; i < 2; i++)
      replicas.push(
        await startKeel(
          standardConfig(
            { openai: oai, anthropic: ant },
            {
              database: { url },
              limits: mode.limits,
              pricing: PRICES,
              budgets: [{ scope: 'use_case', id: useCase, usd: budget, period: 'month' }],
            },
          ),
        ),
      );
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await oai?.close();
    await ant?.close();
    await fresh?.drop();
  });
  beforeEach(() => oai.reset());

  async function post(replica: StartedKeel) {
    const res = await fetch(`${replica.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-keel-use-case': useCase },
      body: JSON.stringify({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hello' }],
        max_tokens: 100,
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('50 concurrent calls spread over both replicas never overspend the budget', async () => {
    // Each call reserves ≈ $0.001008 (8 input + 100 output tokens) and costs $0.000608 (8 + 60).
    for (let i = 0; i < 60; i++) oai.enqueue({ usage: { input: 8, output: 60 }, delayMs: 20 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => post(replicas[i % 2]!)));
    const ok = results.filter((r) => r.status === 200);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(402);
      expect(obj(r.body.error).code).toBe('budget_exceeded');
    }
    // In-process counters would let each replica spend the whole budget (about 20 calls here).
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThanOrEqual(Math.floor(budget / 0.000608));
    expect(oai.requests).toHaveLength(ok.length);
    const spent = ok.length * 0.000608;
    const oneCallEstimationError = 0.001008 - 0.000608;
    expect(spent).toBeLessThanOrEqual(budget + oneCallEstimationError);
    // Both replicas agree on what is left: the next call is refused or admitted the same way on each.
    const left = budget - spent;
    const expected = left >= 0.001008 ? 200 : 402;
    expect((await post(replicas[1]!)).status).toBe(expected);
  });
});
