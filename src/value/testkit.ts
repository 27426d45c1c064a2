import type { AuditEntryInput, AuditLog } from '../audit/types.js';
import { type Database, openDatabase } from '../store/db.js';
import type { UsageEvent } from '../store/types.js';
import { createUsageWriter } from '../store/usage.js';

/** Both dialects the value features must work on; tests run each case on each. */
export const DIALECTS = [
  ['sqlite', 'sqlite::memory:'],
  ['pglite', 'pglite:'],
] as const;

let seq = 0;

/** A usage event with sensible defaults: a successful, priced chat call. */
export function usageEvent(p: Partial<UsageEvent> & { ts: number }): UsageEvent {
  seq++;
  return {
    requestId: `req_test_${seq}_${Math.random().toString(36).slice(2, 8)}`,
    endpoint: 'chat',
    apiShape: 'openai',
    stream: false,
    modelRequested: 'gpt-test',
    provider: 'sim',
    modelUpstream: 'gpt-test',
    attempts: 1,
    fallbacks: [],
    cacheHit: false,
    status: 200,
    errorCode: null,
    latencyMs: 100,
    ttftMs: null,
    inputTokens: 100,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 50,
    reasoningTokens: 0,
    tokensEstimated: false,
    costUsd: 0.01,
    priceVersion: 'test',
    keyId: null,
    useCase: 'unassigned',
    team: null,
    userId: null,
    feature: null,
    traceId: null,
    ...p,
  };
}

/** Writes events through the real usage writer (the path the gateway uses). */
export async function writeEvents(database: Database, events: UsageEvent[]): Promise<void> {
  const w = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 10_000 });
  for (const e of events) w.record(e);
  await w.close();
}

export async function openTestDb(url: string): Promise<Database> {
  return openDatabase(url);
}

export function memoryAuditLog(): AuditLog & { entries: AuditEntryInput[] } {
  const entries: AuditEntryInput[] = [];
  return {
    entries,
    append: (e) => {
      entries.push(structuredClone(e));
    },
    flush: async () => {},
    close: async () => {},
  };
}
