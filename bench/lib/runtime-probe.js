// @ts-check
/**
 * Preloaded into the Keel process by bench/soak.js (`node --import bench/lib/runtime-probe.js`), so
 * the soak sees what only the process itself knows (heap, event-loop delay, active handles) without
 * Keel growing a debug endpoint. Appends one JSON line per interval to $KEEL_PROBE_FILE.
 * Worker threads inherit --import, so it runs in each of them too; every line carries its thread id
 * (0: the main thread). Its timer is unref'd: it never keeps a thread alive.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';

const file = process.env.KEEL_PROBE_FILE;
const intervalMs = Number(process.env.KEEL_PROBE_INTERVAL_MS ?? 5000);

if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    const mem = process.memoryUsage();
    /** @type {Record<string, number>} */
    const handles = {};
    for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
    const line = {
      t: Date.now(),
      thread: threadId,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      // ns → ms; the histogram covers the interval since the last line
      elP99Ms: delay.percentile(99) / 1e6,
      elMaxMs: delay.max / 1e6,
      handles,
    };
    delay.reset();
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, intervalMs).unref();
}
