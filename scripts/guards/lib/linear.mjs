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

/**
 * Logistic regression, optionally on NB-scaled features (NBSVM: each bucket scaled by its smoothed
 * log-count ratio between classes, which helps linear models on small text data). The scaling is
 * folded back into the weights, so the runtime model stays a plain linear model.
 * @param {Instance[]} xs @param {number} buckets
 * @param {{ epochs: number, lr: number, l2: number, nb: number }} c @param {number} seed
 */
export function trainScaled(xs, buckets, c, seed) {
  const opts = { epochs: c.epochs, lr: c.lr, l2: c.l2, seed };
  if (!(c.nb > 0)) return trainLogistic(xs, buckets, opts);
  const p = new Float64Array(buckets);
  const q = new Float64Array(buckets);
  for (const x of xs) {
    const t = x.y === 1 ? p : q;
    for (let k = 0; k < x.idx.length; k++)
      t[/** @type {number} */ (x.idx[k])] += x.w * /** @type {number} */ (x.val[k] > 0 ? 1 : 0);
  }
  let ps = 0;
  let qs = 0;
  for (let b = 0; b < buckets; b++) {
    ps += /** @type {number} */ (p[b]) + c.nb;
    qs += /** @type {number} */ (q[b]) + c.nb;
  }
  const r = new Float64Array(buckets);
  for (let b = 0; b < buckets; b++)
    r[b] =
      Math.log(/** @type {number} */ (p[b] + c.nb) / ps) - Math.log(/** @type {number} */ (q[b] + c.nb) / qs);
  const scaled = xs.map((x) => ({
    ...x,
    val: x.val.map((v, k) => v * /** @type {number} */ (r[/** @type {number} */ (x.idx[k])])),
  }));
  const m = trainLogistic(scaled, buckets, opts);
  for (let b = 0; b < buckets; b++) m.w[b] = /** @type {number} */ (m.w[b]) * /** @type {number} */ (r[b]);
  return m;
}
