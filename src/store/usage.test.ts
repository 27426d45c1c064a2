import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './db.js';
import { STORES } from './testkit.js';
import type { UsageEvent } from './types.js';
import { createUsageWriter, isRowFault, listUsageEvents, summarizeUsage } from './usage.js';
import { toRow } from './usage-rows.js';

let seq = 0;
function event(over: Partial<UsageEvent> = {}): UsageEvent {
  seq++;
  return {
    requestId: `req_${seq}`,
    ts: 1_790_000_000_000 + seq,
    endpoint: 'chat',
    apiShape: 'openai',
    stream: false,
    modelRequested: 'chat-default',
    provider: 'sim',
    modelUpstream: 'gpt-4o',
    attempts: 1,
    fallbacks: [],
    cacheHit: false,
    status: 200,
    errorCode: null,
    latencyMs: 12.5,
    ttftMs: null,
    inputTokens: 100,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 20,
    reasoningTokens: 0,
    tokensEstimated: false,
    costUsd: 0.00045,
    priceVersion: '2026-11-26',
    keyId: null,
    useCase: 'default',
    team: null,
    userId: null,
    feature: null,
    traceId: null,
    ...over,
  };
}

async function count(database: Database): Promise<number> {
  const r = await database.db
    .selectFrom('usage_events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function until(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(STORES)('usage store on $name', (store) => {
  let database: Database;
  let url: string;

  beforeAll(async () => {
    url = await store.fresh();
    database = await openDatabase(url);
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await database.db.deleteFrom('usage_events').execute();
  });

  it('migrates idempotently and answers ping', async () => {
    await database.ping();
    expect(['sqlite', 'postgres']).toContain(database.dialect);
    // A second open runs the migrator again against the same database: nothing to do, no error.
    if (store.shared) {
      const again = await openDatabase(url);
      await again.ping();
      await again.close();
    }
    expect(await count(database)).toBe(0);
  });

  it('records synchronously, writes on flush, and round-trips every field', async () => {
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 100 });
    const full = event({
      endpoint: 'messages',
      apiShape: 'anthropic',
      stream: true,
      fallbacks: ['chat-backup', 'chat-last'],
      attempts: 3,
      cacheHit: true,
      status: 502,
      errorCode: 'upstream_error',
      ttftMs: 3.25,
      inputTokens: 1000,
      cachedInputTokens: 400,
      cacheWriteTokens: 100,
      outputTokens: 200,
      reasoningTokens: 50,
      tokensEstimated: true,
      costUsd: 0.0035,
      keyId: 'key_1',
      useCase: 'support',
      team: 'cx',
      userId: 'u-42',
      feature: 'summary',
      traceId: 'trace-1',
      ts: 1_900_000_000_123,
    });
    const unpriced = event({ costUsd: null, priceVersion: null, provider: null, modelUpstream: null });
    writer.record(full);
    writer.record(unpriced);
    expect(writer.pending).toBe(2);
    expect(await count(database)).toBe(0);
    await writer.flush();
    expect(writer.pending).toBe(0);
    const rows = await listUsageEvents(database);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual(full); // newest ts first
    expect(rows[1]).toEqual(unpriced);
    expect(rows[1]?.costUsd).toBeNull();
    await writer.close();
  });

  it('chunks batches beyond the statement parameter limit inside one flush', async () => {
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 5000 });
    for (let i = 0; i < 2600; i++) writer.record(event());
    await writer.flush();
    expect(await count(database)).toBe(2600);
    await writer.close();
  });

  it('flushes on its timer, early when a batch fills, and on close', async () => {
    const timed = createUsageWriter(database, { flushIntervalMs: 20, batchSize: 1000 });
    timed.record(event());
    await until(async () => (await count(database)) === 1);
    await timed.close();

    const early = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 5 });
    for (let i = 0; i < 5; i++) early.record(event());
    await until(async () => (await count(database)) === 6);

    early.record(event());
    await early.close();
    expect(await count(database)).toBe(7);
  });

  it('never lets a flush join (and roll back with) another open transaction', async () => {
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 100 });
    let flushed: Promise<void> | undefined;
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('usage_events')
          .values(toRow(event({ requestId: 'rolled-back' })))
          .execute();
        writer.record(event({ requestId: 'kept' }));
        flushed = writer.flush();
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await flushed;
    expect((await listUsageEvents(database)).map((e) => e.requestId)).toEqual(['kept']);
    await writer.close();
  });

  it('ignores a duplicate request id instead of double counting', async () => {
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 100 });
    const e = event();
    writer.record(e);
    writer.record({ ...e, costUsd: 99 });
    await writer.close();
    const rows = await listUsageEvents(database);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.costUsd).toBe(0.00045);
  });

  it('keeps events through a failed flush and writes them once the store recovers', async () => {
    const errors: unknown[] = [];
    const writer = createUsageWriter(database, {
      flushIntervalMs: 60_000,
      batchSize: 100,
      maxBuffered: 4,
      onError: (e) => errors.push(e),
    });
    await sql`alter table usage_events rename to usage_events_away`.execute(database.db);
    try {
      for (let i = 0; i < 3; i++) writer.record(event());
      await expect(writer.flush()).rejects.toThrow();
      expect(writer.pending).toBe(3);
      writer.record(event());
      writer.record(event()); // over maxBuffered: dropped and reported
      expect(writer.pending).toBe(4);
      expect(String(errors[0])).toMatch(/buffer is full/);
    } finally {
      await sql`alter table usage_events_away rename to usage_events`.execute(database.db);
    }
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect(await count(database)).toBe(4);
    expect(String(errors.at(-1))).toMatch(/1 usage event\(s\) were dropped/);
    await writer.close();
  });

  it('drops only the row the database refuses after repeated failures', async () => {
    if (database.dialect === 'sqlite') {
      await sql`create trigger refuse_poison before insert on usage_events when new.request_id = 'poison'
        begin select raise(abort, 'refused'); end`.execute(database.db);
    } else {
      await sql`create or replace function refuse_poison() returns trigger language plpgsql as $$
        begin if new.request_id = 'poison' then raise exception 'refused' using errcode = 'check_violation'; end if; return new; end $$`.execute(
        database.db,
      );
      await sql`create trigger refuse_poison before insert on usage_events for each row execute function refuse_poison()`.execute(
        database.db,
      );
    }
    const errors: unknown[] = [];
    const writer = createUsageWriter(database, {
      flushIntervalMs: 60_000,
      batchSize: 100,
      onError: (e) => errors.push(e),
    });
    try {
      writer.record(event());
      writer.record(event({ requestId: 'poison' }));
      writer.record(event());
      await expect(writer.flush()).rejects.toThrow();
      await expect(writer.flush()).rejects.toThrow();
      await writer.flush(); // third failure: rows are tried one by one
      expect(await count(database)).toBe(2);
      expect(writer.pending).toBe(0);
      expect(String(errors.at(-1))).toMatch(/dropped 1 usage event/);
    } finally {
      await sql`drop trigger refuse_poison${sql.raw(database.dialect === 'postgres' ? ' on usage_events' : '')}`.execute(
        database.db,
      );
      await writer.close();
    }
  });

  it('stores client-controlled text safely (NUL bytes, very long values)', async () => {
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 100 });
    writer.record(event({ userId: 'a\u0000b', feature: 'x'.repeat(5000) }));
    await writer.close();
    const [row] = await listUsageEvents(database);
    expect(row?.userId).toBe('ab');
    expect(row?.feature).toHaveLength(512);
  });

  it('lists newest first with limit, since and use-case filters', async () => {
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 100 });
    writer.record(event({ requestId: 'a', ts: 1000, useCase: 'support' }));
    writer.record(event({ requestId: 'b', ts: 2000, useCase: 'search' }));
    writer.record(event({ requestId: 'c', ts: 3000, useCase: 'support' }));
    writer.record(event({ requestId: 'd', ts: 3000, useCase: 'support' }));
    await writer.close();
    expect((await listUsageEvents(database)).map((e) => e.requestId)).toEqual(['d', 'c', 'b', 'a']);
    expect((await listUsageEvents(database, { limit: 2 })).map((e) => e.requestId)).toEqual(['d', 'c']);
    expect((await listUsageEvents(database, { since: 2000 })).map((e) => e.requestId)).toEqual([
      'd',
      'c',
      'b',
    ]);
    expect(
      (await listUsageEvents(database, { useCase: 'support', since: 1500 })).map((e) => e.requestId),
    ).toEqual(['d', 'c']);
  });

  it('summarises requests, errors, tokens, cost and unpriced calls by group', async () => {
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 100 });
    const base = { modelRequested: 'fast', provider: 'oai', useCase: 'support' };
    writer.record(
      event({
        ...base,
        ts: 100,
        inputTokens: 1000,
        cachedInputTokens: 400,
        outputTokens: 200,
        costUsd: 0.004,
      }),
    );
    writer.record(event({ ...base, ts: 200, inputTokens: 10, outputTokens: 5, costUsd: 0.0001 }));
    writer.record(
      event({
        ...base,
        ts: 300,
        status: 429,
        errorCode: 'rate_limit_exceeded',
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      }),
    );
    writer.record(
      event({ ...base, ts: 400, useCase: 'search', inputTokens: 7, outputTokens: 3, costUsd: 0.002 }),
    );
    writer.record(
      event({
        modelRequested: 'local',
        provider: 'ollama',
        useCase: 'support',
        ts: 500,
        inputTokens: 50,
        outputTokens: 50,
        costUsd: null,
      }),
    );
    writer.record(
      event({
        modelRequested: 'local',
        provider: null,
        status: 404,
        ts: 600,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      }),
    );
    await writer.close();

    const byModel = await summarizeUsage(database, { groupBy: ['model'] });
    expect(byModel).toHaveLength(2);
    const fast = byModel.find((r) => r.model === 'fast');
    const local = byModel.find((r) => r.model === 'local');
    expect(fast).toMatchObject({
      requests: 4,
      errors: 1,
      input_tokens: 1017,
      cached_input_tokens: 400,
      output_tokens: 208,
      unpriced: 0,
    });
    expect(fast?.cost_usd).toBeCloseTo(0.0061, 12);
    expect(local).toMatchObject({
      requests: 2,
      errors: 1,
      input_tokens: 50,
      output_tokens: 50,
      cost_usd: 0,
      unpriced: 1,
    });
    expect(byModel[0]?.model).toBe('fast'); // most expensive first

    const byBoth = await summarizeUsage(database, { groupBy: ['model', 'use_case'] });
    expect(byBoth).toHaveLength(4);
    expect(byBoth.find((r) => r.model === 'fast' && r.use_case === 'search')?.requests).toBe(1);

    const byProvider = await summarizeUsage(database, { groupBy: ['provider'] });
    expect(byProvider.map((r) => r.provider).sort()).toEqual(['(none)', 'oai', 'ollama']);

    const window = await summarizeUsage(database, { groupBy: [], from: 200, to: 500 });
    expect(window).toHaveLength(1);
    expect(window[0]).toMatchObject({ requests: 3, errors: 1, input_tokens: 17, output_tokens: 8 });
    expect(window[0]?.cost_usd).toBeCloseTo(0.0021, 12);

    expect(await summarizeUsage(database, { groupBy: ['model'], from: 10_000 })).toEqual([]);
  });
});

describe('openDatabase', () => {
  it('opens sqlite::memory: and rejects unknown URLs without echoing them', async () => {
    const mem = await openDatabase('sqlite::memory:');
    await mem.ping();
    expect(mem.dialect).toBe('sqlite');
    await mem.close();
    await expect(openDatabase('mysql://user:secret@host/db')).rejects.toThrow(/unsupported database URL/);
    await expect(openDatabase('mysql://user:secret@host/db')).rejects.not.toThrow(/secret/);
  });

  it('can skip migrations', async () => {
    const db = await openDatabase('sqlite::memory:', { migrate: false });
    await expect(db.db.selectFrom('usage_events').selectAll().execute()).rejects.toThrow(/no such table/);
    await db.close();
  });
});

describe('isRowFault', () => {
  it('blames the row only for what it holds, never for a locked, full or unreachable store', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    for (const c of [
      'SQLITE_CONSTRAINT_TRIGGER',
      'SQLITE_CONSTRAINT_UNIQUE',
      'SQLITE_TOOBIG',
      '23514',
      '22P02',
    ])
      expect(isRowFault(e(c)), c).toBe(true);
    for (const c of [
      'SQLITE_BUSY',
      'SQLITE_LOCKED',
      'SQLITE_FULL',
      'SQLITE_IOERR_WRITE',
      'ECONNREFUSED',
      '57P01',
      '53100',
    ])
      expect(isRowFault(e(c)), c).toBe(false);
    expect(isRowFault(new Error('no code'))).toBe(false);
  });
});
