// @ts-check
/**
 * Open-loop load at a fixed rate (wrk2-style): request i is due at start + i / rate and is sent over a
 * pool of `connections` keep-alive connections. Latency is measured from when a request was due, not
 * from when it could be sent, so a server that stalls is charged for every request it held up (no
 * coordinated omission). autocannon's own rate limit (-R) sends each connection's quota for the second
 * back to back and then idles, which measures bursts rather than a sustained rate.
 *
 * With `settleS`, the schedule starts that many seconds early on the same connections and requests
 * due before the measured window are sent but not recorded (see LoadOptions in load.js).
 */
import { Pool } from 'undici';
import { latencySummary } from './load.js';

/**
 * @param {import('./load.js').LoadOptions & { rate: number }} opts
 * @returns {Promise<import('./load.js').LoadResult>}
 */
export async function runPaced({
  url,
  body,
  headers,
  connections,
  durationS,
  rate,
  settleS = 0,
  onMeasureStart,
}) {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const reqHeaders = { 'content-type': 'application/json', ...headers };
  const unrecorded = Math.floor(rate * settleS);
  const total = unrecorded + Math.max(1, Math.floor(rate * durationS));
  const interval = 1000 / rate;
  /** @type {number[]} */
  const samples = [];
  /** @type {Record<string, number>} */
  const statusCodes = {};
  let sent = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  let answered = 0;
  const start = performance.now();
  const measuredFrom = start + unrecorded * interval;
  if (unrecorded === 0) onMeasureStart?.();
  else setTimeout(() => onMeasureStart?.(), measuredFrom - performance.now());

  await new Promise((resolve) => {
    const settle = () => {
      if (++done === total) resolve(undefined);
    };
    /** @param {number} due @param {boolean} recorded */
    const send = (due, recorded) => {
      pool.request({ path: `${u.pathname}${u.search}`, method: 'POST', headers: reqHeaders, body }).then(
        async (res) => {
          await res.body.dump();
          const ms = performance.now() - due;
          answered++;
          const good = res.statusCode >= 200 && res.statusCode < 300;
          if (!good) non2xx++;
          if (recorded) {
            statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
            if (good) samples.push(ms);
          }
          settle();
        },
        () => {
          errors++;
          settle();
        },
      );
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        send(start + sent * interval, sent >= unrecorded);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  const elapsedS = (performance.now() - measuredFrom) / 1000;
  await pool.close();

  return {
    connections,
    durationS: elapsedS,
    completed: samples.length,
    sent: sent - unrecorded,
    non2xx,
    errors,
    all: { sent, answered },
    rps: samples.length / elapsedS,
    latencyMs: latencySummary(samples),
    statusCodes,
  };
}
