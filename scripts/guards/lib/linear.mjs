// @ts-check
/**
 * Deterministic sparse logistic regression (AdaGrad, L2 on touched weights) for the injection
 * classifier trainer. Instances are sparse vectors of hashed buckets; everything is seeded so the same
 * data and hyper-parameters always produce the same weights.
 */

/**
 * @typedef {{ idx: Int32Array, val: Float32Array, y: number, w: number }} Instance
 * @typedef {{ epochs: number, lr: number, l2: number, seed: number }} TrainOptions
 */

/** mulberry32: small, fast, seeded PRNG. @param {number} seed */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates with a seeded PRNG. @template T @param {T[]} a @param {() => number} rnd */
export function shuffle(a, rnd) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = a[i];
    a[i] = /** @type {T} */ (a[j]);
    a[j] = /** @type {T} */ (t);
  }
  return a;
}

/**
 * Sparse vector from a bucket sequence, binary like the runtime scorer: each distinct bucket has value
 * 1 / (distinct buckets)^power.
 * @param {ArrayLike<number>} buckets @param {number} power
 */
export function toSparse(buckets, power) {
  const distinct = new Set();
  for (let i = 0; i < buckets.length; i++) distinct.add(buckets[i]);
  const keys = /** @type {number[]} */ ([...distinct]).sort((x, y) => x - y);
  const v = keys.length > 0 ? 1 / keys.length ** power : 0;
  return { idx: Int32Array.from(keys), val: new Float32Array(keys.length).fill(v) };
}

/** @param {Float64Array} w @param {number} bias @param {{ idx: Int32Array, val: Float32Array }} x */
export function dot(w, bias, x) {
  let z = bias;
  for (let k = 0; k < x.idx.length; k++)
    z += /** @type {number} */ (w[/** @type {number} */ (x.idx[k])]) * /** @type {number} */ (x.val[k]);
  return z;
}

/**
 * @param {Instance[]} instances
 * @param {number} buckets
 * @param {TrainOptions} o
 */
export function trainLogistic(instances, buckets, o) {
  const w = new Float64Array(buckets);
  const g2 = new Float64Array(buckets).fill(1e-8);
  let bias = 0;
  let bg2 = 1e-8;
  const rnd = prng(o.seed);
  const order = instances.map((_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, rnd);
    for (const i of order) {
      const x = /** @type {Instance} */ (instances[i]);
      const z = dot(w, bias, x);
      const p = 1 / (1 + Math.exp(-Math.max(-30, Math.min(30, z))));
      const g = (p - x.y) * x.w;
      for (let k = 0; k < x.idx.length; k++) {
        const j = /** @type {number} */ (x.idx[k]);
        const wj = /** @type {number} */ (w[j]);
        const grad = g * /** @type {number} */ (x.val[k]) + o.l2 * wj;
        g2[j] = /** @type {number} */ (g2[j]) + grad * grad;
        w[j] = wj - (o.lr * grad) / Math.sqrt(/** @type {number} */ (g2[j]));
      }
      bg2 += g * g;
      bias -= (o.lr * g) / Math.sqrt(bg2);
    }
  }
  return { w, bias };
}
