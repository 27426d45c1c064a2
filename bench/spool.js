// @ts-check
// Hot-path cost of the write-ahead spool: one append (JSON line + synchronous write on an O_APPEND
// fd) per usage event, against building the same event and not writing it. Runs the built spool
// (dist/); `npm run build` first. Usage: node bench/spool.js [events=200000] [fsync_interval_ms=100]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { openSpool } from '#keel/store/spool/spool.js';

const N = Number(process.argv[2] ?? 200_000);
const FSYNC_MS = Number(process.argv[3] ?? 100);

/**
 * A usage event as record() builds it (29 fields, realistic lengths).
 * @param {number} i @returns {import('#keel/store/types.js').UsageEvent}
 */
function event(i) {
  return {
    requestId: `req_0b11ad84bc68${String(i).padStart(6, '0')}`,
    ts: 1_760_000_000_000 + i,
    endpoint: 'chat',
    apiShape: 'openai',
    stream: i % 3 === 0,
    modelRequested: 'gpt-4o',
    provider: 'oai',
    modelUpstream: 'gpt-4o-2024-08-06',
    attempts: 1,
    fallbacks: [],
    cacheHit: false,
    status: 200,
    errorCode: null,
    latencyMs: 412.731,
    ttftMs: 180.2,
    inputTokens: 1200,
    cachedInputTokens: 400,
    cacheWriteTokens: 0,
    outputTokens: 220,
    reasoningTokens: 0,
    tokensEstimated: false,
    costUsd: 0.005,
    priceVersion: '2025-10-01',
    keyId: 'key_7f3a9c',
    useCase: 'support-assistant',
    team: 'cx',
    userId: 'user-42',
    feature: 'reply-draft',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  };
}

/** @param {string} label @param {(e: import('#keel/store/types.js').UsageEvent) => number} fn */
function run(label, fn) {
  const times = new Float64Array(N);
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const e = event(i);
    const s = performance.now();
    sink += fn(e);
    times[i] = performance.now() - s;
  }
  const total = performance.now() - t0;
  times.sort();
  /** @param {number} q */
  const us = (q) => ((times[Math.min(N - 1, Math.floor(q * N))] ?? Number.NaN) * 1000).toFixed(2);
  console.log(
    `${label.padEnd(22)} ${Math.round(N / (total / 1000))
      .toLocaleString('en')
      .padStart(11)} events/s   p50 ${us(0.5)} µs   p99 ${us(0.99)} µs   p99.9 ${us(0.999)} µs`,
  );
  return sink;
}

const dir = mkdtempSync(path.join(tmpdir(), 'keel-spool-bench-'));
try {
  const spool = openSpool({ dir, fsyncIntervalMs: FSYNC_MS, onError: (e) => console.error(e) });
  console.log(`spool append micro-benchmark: ${N.toLocaleString('en')} events, fsync every ${FSYNC_MS} ms`);
  // Warm-up both paths so that neither pays for JIT compilation in the measurement.
  run('warm-up (no spool)', () => 0);
  run('warm-up (spool)', (e) => spool.append('u', e));
  run('no spool', () => 0);
  run('spool append', (e) => spool.append('u', e));
  spool.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
