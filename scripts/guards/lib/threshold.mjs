// @ts-check
/**
 * Threshold choice on out-of-fold logits: the lowest threshold (highest recall) whose false-positive
 * rates on benign rows stay within limits, overall and per kind. Harmful rows are not constrained
 * (they are reported separately); attacks are positives.
 */

/** @typedef {{ label: string, kind: string }} Row */
/** @typedef {{ benignFpr: number, kindFpr: Record<string, number> }} Limits */

/**
 * @param {Row[]} rows @param {ArrayLike<number>} logits @param {Limits} limits
 * @returns {{ threshold: number, recall: number }}
 */
export function pickThreshold(rows, logits, limits) {
  /** @type {Array<{ values: number[], rate: number }>} */
  const groups = [
    {
      values: rows.flatMap((r, i) => (r.label === 'benign' ? [/** @type {number} */ (logits[i])] : [])),
      rate: limits.benignFpr,
    },
  ];
  for (const [kind, rate] of Object.entries(limits.kindFpr)) {
    groups.push({
      values: rows.flatMap((r, i) =>
        r.label === 'benign' && r.kind === kind ? [/** @type {number} */ (logits[i])] : [],
      ),
      rate,
    });
  }
  let floor = Number.NEGATIVE_INFINITY;
  for (const g of groups) {
    if (g.values.length === 0) continue;
    const sorted = [...g.values].sort((a, b) => b - a);
    const allowed = Math.floor(g.rate * sorted.length);
    const boundary = sorted[allowed];
    if (boundary !== undefined) floor = Math.max(floor, boundary);
  }
  // Midway between the boundary negative and the next score above it, for margin on unseen data.
  let next = Number.POSITIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) {
    const v = /** @type {number} */ (logits[i]);
    if (v > floor && v < next) next = v;
  }
  const threshold = Number.isFinite(next) ? (floor + next) / 2 : floor + 1;
  let tp = 0;
  let pos = 0;
  rows.forEach((r, i) => {
    if (r.label !== 'attack') return;
    pos++;
    if (/** @type {number} */ (logits[i]) >= threshold) tp++;
  });
  return { threshold, recall: pos > 0 ? tp / pos : 0 };
}

/** One-line summary: recall by attack kind, FPR by benign kind, harmful flag rate. */
/** @param {Array<Row>} rows @param {ArrayLike<number>} logits @param {number} t */
export function summarize(rows, logits, t) {
  /** @type {Map<string, [number, number]>} */
  const by = new Map();
  let tp = 0;
  let pos = 0;
  let fp = 0;
  let neg = 0;
  rows.forEach((r, i) => {
    const hit = /** @type {number} */ (logits[i]) >= t ? 1 : 0;
    const key = `${r.label === 'attack' ? 'recall' : r.label === 'harmful' ? 'flag' : 'fpr'}:${r.kind}`;
    const cur = by.get(key) ?? [0, 0];
    cur[0] += hit;
    cur[1]++;
    by.set(key, cur);
    if (r.label === 'attack') {
      pos++;
      tp += hit;
    } else if (r.label === 'benign') {
      neg++;
      fp += hit;
    }
  });
  const parts = [`t=${t.toFixed(3)} recall=${(tp / pos).toFixed(3)} fpr=${(fp / neg).toFixed(4)}`];
  for (const [key, [h, n]] of [...by].sort()) parts.push(`${key}=${h}/${n}`);
  return parts.join(' ');
}
