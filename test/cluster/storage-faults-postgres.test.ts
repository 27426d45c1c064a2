import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeOpenAI } from '../fakes/index.js';
import { standardConfig } from '../helpers/fixtures.js';
import { eventually } from '../helpers/keel.js';
import { type KeelProcess, requireBuild, startKeelProcess } from '../helpers/keel-process.js';
import { type OwnPostgres, ownPostgresUnavailable, startOwnPostgres } from './own-postgres.js';

/**
 * PostgreSQL faults against the real `keel start`, on a PostgreSQL server this test owns: the
 * server is down when Keel starts, and it is stopped and started again under load. Calls follow
 * failure_policy meanwhile (a use case left closed gets 503 store_unavailable, one set open is
 * answered), nothing crashes, and once the server is back every answer has exactly one usage event
 * and the shared budget holds at least the ledger's spend.
 */
const unavailable = ownPostgresUnavailable();
const STRICT_KEY = 'keel-strict-key-0123456789';
const LENIENT_KEY = 'keel-lenient-key-0123456789';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-pg-faults-'));
let upstream: FakeUpstream;
let server: OwnPostgres;
const running = new Set<KeelProcess>();

beforeAll(async () => {
  if (unavailable) return;
  requireBuild();
  upstream = await startFakeOpenAI();
  server = await startOwnPostgres();
  const c = new pg.Client({ connectionString: server.url() });
  await c.connect();
  await c.query('create database keel');
  await c.end();
});

afterAll(async () => {
  for (const k of running) k.child.kill('SIGKILL');
  await upstream?.close();
  await server?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

function config(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return standardConfig(
    { openai: upstream, anthropic: upstream },
    {
      database: { url: server.url('keel'), connect_wait_s: 30 },
      durability: { spool_dir: path.join(dir, 'spool') },
      usage: { flush_interval_ms: 50, batch_size: 50 },
      auth: {
        keys: [
          { name: 'strict', key: STRICT_KEY, use_case: 'strict' },
          { name: 'lenient', key: LENIENT_KEY, use_case: 'lenient' },
        ],
      },
      budgets: [
        { scope: 'use_case', id: 'strict', usd: 100 },
        { scope: 'use_case', id: 'lenient', usd: 100 },
      ],
      failure_policy: { timeout_ms: 1000, use_cases: { lenient: { budgets: 'open' } } },
      // Per-call reservations: with a leased slice (the default) a replica keeps admitting from the
      // allowance it already holds through a short outage, and the closed policy would never be asked.
      limits: { reconcile_every_s: 1, budget_lease_fraction: 0 },
      cluster: { lease_poll_ms: 200 },
      logging: { level: 'warn' },
      ...extra,
    },
  );
}

async function start(dir: string, extra: Record<string, unknown> = {}, startTimeoutMs?: number) {
  const k = await startKeelProcess(dir, config(dir, extra), startTimeoutMs ? { startTimeoutMs } : {});
  running.add(k);
  return k;
}

async function chat(url: string, key: string, stream = false) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hello' }] }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, id: res.headers.get('x-keel-request-id'), text };
}

function load(url: string, key: string, workers: number) {
  const received: string[] = [];
  const statuses = new Map<number, number>();
  const codes = new Set<string>();
  let stopped = false;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; !stopped; i += workers) {
      const r = await chat(url, key, i % 3 === 0);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200 && r.id) received.push(r.id);
      else codes.add(String((JSON.parse(r.text) as { error?: { code?: string } }).error?.code));
      // Paced: the point is the behaviour across the outage, not throughput.
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    received,
    statuses,
    codes,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function ready(url: string): Promise<number> {
  const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
  await r.text();
  return r.status;
}

async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: server.url('keel') });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!!unavailable)('PostgreSQL faults (own server)', () => {
  it('unreachable at start: Keel waits for the server, or exits with a clear message', async () => {
    await server.stop();
    const dir = mkdtempSync(path.join(tmp, 'start-'));
    // Gives up after connect_wait_s: one line that says what to do, no stack, no credentials.
    const gaveUp = await startKeelProcess(
      dir,
      config(dir, { database: { url: server.url('keel'), connect_wait_s: 1 } }),
    ).then(
      () => 'started',
      (e: unknown) => String(e),
    );
    expect(gaveUp).toMatch(/keel exited \(1\)/);
    expect(gaveUp).toMatch(/PostgreSQL did not answer within 1 s \(connect ECONNREFUSED/);
    expect(gaveUp).not.toMatch(/\n\s+at /);

    // Waits while the server comes up, then serves.
    let printed = '';
    const starting = startKeelProcess(dir, config(dir), {
      startTimeoutMs: 60_000,
      onOutput: (text) => {
        printed += text;
      },
    });
    await eventually(async () => expect(printed).toMatch(/database not reachable yet/), 20_000);
    await server.start();
    const keel = await starting;
    running.add(keel);
    expect(await ready(keel.url)).toBe(200);
    expect((await chat(keel.url, STRICT_KEY)).status).toBe(200);
    keel.child.kill('SIGTERM');
    expect(await keel.exited, keel.output()).toBe(0);
    running.delete(keel);
  }, 90_000);

  it('restarted mid-run: calls follow the failure policy, nothing is lost, budgets catch up', async () => {
    const dir = mkdtempSync(path.join(tmp, 'restart-'));
    const keel = await start(dir);
    expect((await chat(keel.url, STRICT_KEY)).status).toBe(200);
    expect((await chat(keel.url, LENIENT_KEY)).status).toBe(200);
    const strict = load(keel.url, STRICT_KEY, 3);
    const lenient = load(keel.url, LENIENT_KEY, 3);
    await new Promise((r) => setTimeout(r, 500));

    await server.stop();
    await eventually(async () => expect(await ready(keel.url)).toBe(503), 5000);
    const strictBefore = strict.received.length;
    const lenientBefore = lenient.received.length;
    await new Promise((r) => setTimeout(r, 3000));
    // Meanwhile: the closed use case is refused with a typed 503, the open one answered.
    expect(strict.statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(lenient.received.length - lenientBefore).toBeGreaterThan(10);
    await server.start();

    await eventually(async () => expect(await ready(keel.url)).toBe(200), 10_000);
    const strictAfter = strict.received.length;
    await eventually(async () => expect(strict.received.length).toBeGreaterThan(strictAfter + 5), 10_000);
    await strict.stop();
    await lenient.stop();
    expect([...strict.statuses.keys()].sort()).toEqual([200, 503]);
    expect([...strict.codes]).toEqual(['store_unavailable']);
    expect([...lenient.statuses.keys()]).toEqual([200]);
    expect(strictBefore).toBeGreaterThan(0);

    // Every answer has exactly one usage event once the writer has caught up.
    const all = [...strict.received, ...lenient.received];
    await eventually(async () => {
      const rows = await query<{ request_id: string; n: string }>(
        'select request_id, count(*) as n from usage_events where request_id = any($1) group by request_id',
        [all],
      );
      const counts = new Map(rows.map((r) => [r.request_id, Number(r.n)]));
      expect(all.filter((id) => counts.get(id) !== 1)).toEqual([]);
    }, 20_000);

    // The calls admitted unchecked settled nothing: the leader raises the shared budget to the ledger.
    const month = new Date().toISOString().slice(0, 7);
    await eventually(async () => {
      const [ledger] = await query<{ usd: number }>(
        "select coalesce(sum(cost_usd), 0)::float8 as usd from usage_events where use_case = 'lenient'",
      );
      const [budget] = await query<{ spent_usd: number }>(
        'select spent_usd from limit_budgets where key = $1',
        [`use_case:lenient:${month}`],
      );
      expect(ledger!.usd).toBeGreaterThan(0);
      expect(budget!.spent_usd).toBeGreaterThanOrEqual(ledger!.usd - 1e-9);
    }, 15_000);
    // The security events of the calls admitted unchecked (their writer backs off while the store fails).
    await eventually(async () => {
      const [unchecked] = await query<{ n: string }>(
        "select count(*) as n from security_events where detector = 'store' and use_case = 'lenient'",
      );
      expect(Number(unchecked!.n)).toBeGreaterThan(0);
    }, 15_000);

    expect(keel.child.exitCode).toBe(null);
    keel.child.kill('SIGTERM');
    expect(await keel.exited, keel.output()).toBe(0);
    running.delete(keel);
  }, 90_000);
});
