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
 * @property {number} sent       requests autocannon started (>= completed; in-flight ones are cut at the end)
 * @property {number} non2xx
 * @property {number} errors     connection errors and timeouts
 * @property {number} rps        2xx responses per second
 * @property {{ p50: number, p90: number, p99: number, p999: number, max: number, mean: number }} latencyMs
 * @property {Record<string, number>} statusCodes
 */

/**
 * Exact percentile (nearest rank) of an ascending-sorted array.
 * @param {Float64Array} sorted @param {number} p 0..100
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return /** @type {number} */ (sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]);
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
 * @param {{ url: string, body: string, headers: Record<string, string>, connections: number, durationS: number }} opts
 * @returns {Promise<LoadResult>}
 */
export function runLoad({ url, body, headers, connections, durationS }) {
  /** @type {number[]} */
  const samples = [];
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
      },
      /** @param {Error | null} err @param {any} result */
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const durationS = Number(process.hrtime.bigint() - started) / 1e9;
        const sorted = Float64Array.from(samples).sort();
        const sum = samples.reduce((a, b) => a + b, 0);
        /** @type {Record<string, number>} */
        const statusCodes = {};
        for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = v.count;
        resolve({
          connections,
          durationS,
          completed: result['2xx'],
          sent: result.requests.sent,
          non2xx: result.non2xx,
          errors: result.errors,
          rps: result['2xx'] / durationS,
          latencyMs: {
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            p999: percentile(sorted, 99.9),
            max: sorted.length ? /** @type {number} */ (sorted[sorted.length - 1]) : Number.NaN,
            mean: samples.length ? sum / samples.length : Number.NaN,
          },
          statusCodes,
        });
      },
    );
    /** autocannon emits (client, statusCode, resBytes, responseTime in float ms) per response. */
    /** @param {unknown} _client @param {number} statusCode @param {number} _bytes @param {number} responseTime */
    const onResponse = (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
    };
    instance.on('response', onResponse);
  });
}
