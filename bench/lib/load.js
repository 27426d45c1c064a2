// @ts-check
/**
 * Load generation with autocannon. autocannon's own latency histogram has 1 ms resolution, too coarse
 * for a 0.5 ms target, so every 2xx response time (float ms from process.hrtime) is collected here
 * and percentiles are computed exactly from the raw samples.
 */
import autocannon from 'autocannon';

/**
 * @typedef {object} LoadResult
 * @property {number} connections
 * @property {number} durationS  measured wall time of the run
 * @property {number} completed  2xx responses
 * @property {number} sent       requests started in the measured window (>= completed; in-flight ones are cut at the end)
 * @property {number} non2xx     over the whole run, settling included
 * @property {number} errors     connection errors and timeouts, over the whole run
 * @property {{ sent: number, answered: number }} all  requests sent and answered (any status) over the
 *   whole run, settling included: what the server saw
 * @property {number} rps        2xx responses per second
 * @property {{ p50: number, p90: number, p99: number, p999: number, max: number, mean: number }} latencyMs
 * @property {Record<string, number>} statusCodes
 */

/**
 * Exact percentile (nearest rank) of an ascending-sorted array.
 * @param {ArrayLike<number>} sorted @param {number} p 0..100
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return /** @type {number} */ (sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]);
}

/**
 * Percentiles, max and mean of latency samples (ms), exactly.
 * @param {number[]} samples
 * @returns {LoadResult['latencyMs']}
 */
export function latencySummary(samples) {
  const sorted = Float64Array.from(samples).sort();
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? /** @type {number} */ (sorted[sorted.length - 1]) : Number.NaN,
    mean: samples.length ? sum / samples.length : Number.NaN,
  };
}

/**
 * The timing knobs of the load benches, from the environment: BENCH_DURATION (measured seconds per
 * run), BENCH_ROUNDS and BENCH_SETTLE (unrecorded seconds before each run, 0 for none). Unset or not
 * a positive number: the bench's own default.
 * @param {number} durationS @param {number} rounds @param {number} [settleS]
 */
export function loadSettings(durationS, rounds, settleS = 0) {
  /** @param {string | undefined} v @param {number} dflt */
  const positive = (v, dflt) => (v && Number(v) > 0 ? Number(v) : dflt);
  return {
    durationS: positive(process.env.BENCH_DURATION, durationS),
    rounds: Math.round(positive(process.env.BENCH_ROUNDS, rounds)),
    settleS: process.env.BENCH_SETTLE === '0' ? 0 : positive(process.env.BENCH_SETTLE, settleS),
  };
}

/** @param {number[]} values */
export function median(values) {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  const hi = s[mid] ?? Number.NaN;
  return s.length % 2 ? hi : ((s[mid - 1] ?? Number.NaN) + hi) / 2;
}

/**
 * Load options shared by both generators. `settleS`: the run first goes for that many seconds on the
 * same connections without recording anything, then `onMeasureStart` is called and the measured
 * `durationS` begins. A fresh set of connections after the previous run closed all of its own makes
 * V8 throw away and recompile Node's optimised socket and stream code (~100 functions, seen with
 * --trace-deopt); that transient lasts about a second and is not the sustained state being measured.
 * `nextBody`, when given, makes each request's body (autocannon's setupRequest) instead of sending
 * `body` every time: for measuring something that remembers what it has seen.
 * @typedef {{ url: string, body: string, headers: Record<string, string>, connections: number,
 *   durationS: number, settleS?: number, onMeasureStart?: () => void, nextBody?: () => string }} LoadOptions
 */

/**
 * @param {LoadOptions} opts
 * @returns {Promise<LoadResult>}
 */
export function runLoad({
  url,
  body,
  headers,
  connections,
  durationS,
  settleS = 0,
  onMeasureStart,
  nextBody,
}) {
  /** @type {number[]} */
  const samples = [];
  let measuring = settleS <= 0;
  let measuredAt = process.hrtime.bigint();
  let sentBefore = 0;
  /** @type {Record<string, number>} */
  const statusCodes = {};
  let non2xx = 0;
  let ok = 0;
  let answered = 0;
  if (measuring) onMeasureStart?.();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        ...(nextBody
          ? {
              requests: [
                {
                  setupRequest: (/** @type {import('autocannon').Request} */ req) => ({
                    ...req,
                    body: nextBody(),
                  }),
                },
              ],
            }
          : {}),
        connections,
        pipelining: 1,
        duration: settleS + durationS,
        timeout: 10,
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        clearTimeout(settleTimer);
        const durationS = Number(process.hrtime.bigint() - measuredAt) / 1e9;
        resolve({
          connections,
          durationS,
          completed: ok,
          // Started during the measured window: one per answered request plus those cut at the end.
          sent: result.requests.sent - sentBefore,
          non2xx,
          errors: result.errors,
          all: { sent: result.requests.sent, answered },
          rps: ok / durationS,
          latencyMs: latencySummary(samples),
          statusCodes,
        });
      },
    );
    const settleTimer = measuring
      ? undefined
      : setTimeout(() => {
          measuring = true;
          measuredAt = process.hrtime.bigint();
          // Each connection has one request in flight, which the measured window will answer.
          sentBefore = answered;
          onMeasureStart?.();
        }, settleS * 1000);
    /** autocannon emits (client, statusCode, resBytes, responseTime in float ms) per response. */
    /** @param {unknown} _client @param {number} statusCode @param {number} _bytes @param {number} responseTime */
    const onResponse = (_client, statusCode, _bytes, responseTime) => {
      answered++;
      const good = statusCode >= 200 && statusCode < 300;
      if (!good) non2xx++;
      if (!measuring) return;
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (good) {
        ok++;
        samples.push(responseTime);
      }
    };
    instance.on('response', onResponse);
  });
}
