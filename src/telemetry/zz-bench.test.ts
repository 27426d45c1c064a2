import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { it } from 'vitest';
import { TELEMETRY_DEFAULTS } from './config.js';
import { createMetrics } from './metrics.js';
import { usageEvent } from './testkit.js';
import { createTracing, spanExtra } from './tracing.js';

const events = Array.from({ length: 32 }, (_, i) =>
  usageEvent({
    requestId: `r${i}`,
    modelRequested: `model-${i % 8}`,
    useCase: `uc-${i % 4}`,
    status: i % 10 === 0 ? 502 : 200,
    ttftMs: i % 2 ? 120 : null,
    cacheHit: i % 7 === 0,
  }),
);
function time(label: string, n: number, fn: (i: number) => void) {
  for (let i = 0; i < 20000; i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${label}: ${ns.toFixed(0)} ns/op`);
}
it('bench', async () => {
  const m = createMetrics({ processMetrics: false });
  time('observe()', 500_000, (i) => m.observe(events[i & 31]!));
  const t0 = performance.now();
  await m.render();
  console.log(`render(): ${(performance.now() - t0).toFixed(2)} ms`);
  const off = createTracing(TELEMETRY_DEFAULTS);
  const ctx = { headers: {}, chat: { model: 'm', messages: [], maxTokens: 10 } as never };
  time('recordSpan disabled (guarded)', 5_000_000, (i) => {
    if (off.enabled) off.recordSpan(events[i & 31]!, spanExtra(ctx));
  });
  time('recordSpan disabled (unguarded, with spanExtra)', 5_000_000, (i) =>
    off.recordSpan(events[i & 31]!, spanExtra(ctx)),
  );
  const nullExporter: SpanExporter = { export: (_s, cb) => cb({ code: 0 }), shutdown: async () => {} };
  const on = createTracing(
    { ...TELEMETRY_DEFAULTS, otlp_endpoint: 'http://127.0.0.1:1' },
    { exporter: nullExporter, batch: { maxQueueSize: 100_000, maxExportBatchSize: 512 } },
  );
  time('recordSpan enabled (null exporter)', 100_000, (i) => on.recordSpan(events[i & 31]!, spanExtra(ctx)));
  await on.shutdown();
  // Real OTLP/HTTP JSON export to a local receiver: creation + batching + serialisation + HTTP, amortised.
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const real = createTracing(
    { ...TELEMETRY_DEFAULTS, otlp_endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    { batch: { maxQueueSize: 100_000 } },
  );
  const N = 50_000;
  const s0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) real.recordSpan(events[i & 31]!, spanExtra(ctx));
  const created = Number(process.hrtime.bigint() - s0) / N;
  await real.forceFlush();
  const total = Number(process.hrtime.bigint() - s0) / N;
  console.log(
    `recordSpan enabled OTLP: ${created.toFixed(0)} ns/op on the request path, ${total.toFixed(0)} ns/span incl. export; ${(bytes / N).toFixed(0)} B/span`,
  );
  await real.shutdown();
  server.close();
}, 120_000);
