#!/usr/bin/env python3
"""Generate the drift golden vectors in test/fixtures/drift/ from SciPy.

Run by developers (python3 with numpy + scipy); the JSON it writes is committed and the TypeScript
tests read it, so the test suite never needs Python:

    python3 scripts/data/gen_golden.py            # writes test/fixtures/drift/*.json

Each Evidently-flavoured statistic below mirrors Evidently's legacy `calculations/stattests` code
(the same SciPy calls on the same derived arrays) without importing Evidently or pandas: inputs are
plain NumPy arrays with nulls already dropped, as Evidently drops them before testing.
"""
import json
import math
import os
import sys

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'drift')
SEED = 20240611


def num(x):
    """JSON-safe float: non-finite values become strings the tests understand."""
    x = float(x)
    if math.isnan(x):
        return 'nan'
    if math.isinf(x):
        return 'inf' if x > 0 else '-inf'
    return x


def vec(a):
    return [num(v) for v in np.asarray(a, dtype=float)]


# ---------------------------------------------------------------- deterministic samples
# Mirrors src/data/drift/prng.ts bit for bit (only +, -, *, / and floor), so fixtures hold recipes.

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


class Mulberry32:
    def __init__(self, seed):
        self.a = seed & M32

    def next32(self):
        self.a = (self.a + 0x6D2B79F5) & M32
        a = self.a
        t = _imul(a ^ (a >> 15), 1 | a)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & M32) ^ t
        return (t ^ (t >> 14)) & M32

    def uniform(self):
        x1 = self.next32()
        x2 = self.next32()
        return ((x1 >> 5) * 67108864 + (x2 >> 6)) / 9007199254740992


def draw_numeric(r):
    g = Mulberry32(r['seed'])
    out = np.empty(r['n'])
    d = r['dist']
    for i in range(r['n']):
        if d == 'uniform':
            out[i] = r['lo'] + (r['hi'] - r['lo']) * g.uniform()
        elif d == 'bell':
            s = g.uniform() + g.uniform() + g.uniform() + g.uniform() - 2
            out[i] = r['mu'] + r['sd'] * s
        elif d == 'grid':
            out[i] = math.floor(g.uniform() * r['k']) / r['scale'] + r['shift']
        elif d == 'tail':
            out[i] = r['scale'] / (g.uniform() + 0.01) + r['shift']
        elif d == 'cat':
            out[i] = math.floor(g.uniform() * r['k']) + r['offset']
    return out


def draw_categorical(r):
    g = Mulberry32(r['seed'])
    cum = []
    total = 0.0
    for i in range(r['k']):
        total += 1 + r['skew'] * i
        cum.append(total)
    out = []
    for _ in range(r['n']):
        u = g.uniform() * total
        j = 0
        while j < r['k'] - 1 and u >= cum[j]:
            j += 1
        out.append('c%03d' % (j + r['offset']))
    return np.array(out)


_seed_counter = [1]


def next_seed():
    _seed_counter[0] += 1
    return (_seed_counter[0] * 2654435761) & M32


def recipe(rng, kind, n, shift=0.0, spread=1.0):
    """A varied recipe: continuous, heavy ties, integers, long tails."""
    seed = next_seed()
    if kind == 'uniform':
        return {'dist': 'uniform', 'seed': seed, 'n': n, 'lo': -1.0 + shift, 'hi': 1.0 * spread + shift}
    if kind == 'bell':
        return {'dist': 'bell', 'seed': seed, 'n': n, 'mu': shift, 'sd': spread}
    if kind == 'ties':
        return {'dist': 'grid', 'seed': seed, 'n': n, 'k': int(rng.integers(5, 60)), 'scale': 10.0, 'shift': shift}
    if kind == 'int':
        return {'dist': 'grid', 'seed': seed, 'n': n, 'k': int(rng.integers(6, 40)), 'scale': 1.0, 'shift': float(round(shift * 3))}
    if kind == 'tail':
        return {'dist': 'tail', 'seed': seed, 'n': n, 'scale': spread, 'shift': shift}
    raise ValueError(kind)


KINDS = ['uniform', 'bell', 'ties', 'int', 'tail']


# ---------------------------------------------------------------- Evidently mirrors

def ev_value_counts(a):
    keys, counts = np.unique(a, return_counts=True)
    return {k.item() if hasattr(k, 'item') else k: int(c) for k, c in zip(keys, counts)}


def ev_keys(ref, cur):
    return list(set(np.unique(ref).tolist()) | set(np.unique(cur).tolist()))


def ev_chisquare(ref, cur):
    keys = ev_keys(ref, cur)
    rc = {**dict.fromkeys(keys, 0), **ev_value_counts(ref)}
    cc = {**dict.fromkeys(keys, 0), **ev_value_counts(cur)}
    k_norm = cur.shape[0] / ref.shape[0]
    f_exp = [rc[k] * k_norm for k in keys]
    f_obs = [cc[k] for k in keys]
    with np.errstate(divide='ignore'):
        r = stats.chisquare(f_obs, f_exp)
    return float(r.statistic), float(r.pvalue)


def ev_z(ref, cur):
    if len(np.unique(ref)) == 1 and len(np.unique(cur)) == 1 and np.unique(ref)[0] == np.unique(cur)[0]:
        return None, 1.0
    keys = sorted(ev_keys(ref, cur))
    r = np.where(ref == keys[0], 0, 1)
    c = np.where(cur == keys[0], 0, 1)
    n1, n2 = len(r), len(c)
    p1 = float(sum(r)) / n1
    p2 = float(sum(c)) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return float(z), float(2 * (1 - stats.norm.cdf(np.abs(z))))


def ev_wasserstein(ref, cur):
    norm = max(np.std(ref), 0.001)
    return float(stats.wasserstein_distance(ref, cur) / norm), float(np.std(ref))


def ev_binned(ref, cur, numerical, fill_zeroes):
    n_vals = len(np.unique(ref))
    if numerical and n_vals > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins='sturges')
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = ev_keys(ref, cur)
        rc = {**dict.fromkeys(keys, 0), **ev_value_counts(ref)}
        cc = {**dict.fromkeys(keys, 0), **ev_value_counts(cur)}
        rp = np.array([rc[k] / len(ref) for k in keys])
        cp = np.array([cc[k] / len(cur) for k in keys])
    if fill_zeroes:
        for p in (rp, cp):
            nz = p[p != 0]
            m = min(nz)
            np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp


def ev_js(ref, cur, numerical):
    rp, cp = ev_binned(ref, cur, numerical, False)
    return float(distance.jensenshannon(rp, cp, None))


def ev_psi(ref, cur, numerical):
    rp, cp = ev_binned(ref, cur, numerical, True)
    return float(np.sum((rp - cp) * np.log(rp / cp)))


def ev_kl(ref, cur, numerical):
    rp, cp = ev_binned(ref, cur, numerical, True)
    return float(stats.entropy(rp, cp))


# ---------------------------------------------------------------- case builders

def ks_cases(rng):
    cases = []
    sizes = [(1, 1), (1, 7), (2, 3), (5, 5), (8, 12), (10, 10), (13, 29), (30, 45), (50, 50), (64, 96),
             (100, 150), (137, 211), (200, 200), (333, 500), (500, 499), (777, 1000), (1000, 1000),
             (1000, 1001), (1500, 900), (2048, 3000), (4000, 4000), (60, 2500), (3, 9000), (5000, 9999),
             (10000, 10000), (20, 12000), (150, 15000), (900, 12000), (2500, 11000), (12000, 15000),
             (40000, 60000)]
    for (n1, n2) in sizes:
        for kind in KINDS:
            if n1 * n2 > 5e7 and kind not in ('bell', 'int'):
                continue
            shift = float(rng.choice([0.0, 0.0, 0.02, 0.1, 0.3, 1.0]))
            ra = recipe(rng, kind, n1)
            rb = recipe(rng, kind, n2, shift=shift)
            a, b = draw_numeric(ra), draw_numeric(rb)
            for method in (['auto', 'exact', 'asymp'] if max(n1, n2) <= 2000 else ['auto']):
                r = stats.ks_2samp(a, b, method=method)
                cases.append({'a': ra, 'b': rb, 'method': method,
                              'statistic': num(r.statistic), 'pvalue': num(r.pvalue)})
    # identical, disjoint and constant samples
    same = recipe(rng, 'bell', 40)
    far = dict(same, mu=100.0)
    zeros10 = {'dist': 'grid', 'seed': 1, 'n': 10, 'k': 1, 'scale': 1.0, 'shift': 0.0}
    zeros15 = dict(zeros10, n=15)
    ones15 = dict(zeros15, shift=1.0)
    for ra, rb in [(same, same), (same, far), (zeros10, zeros15), (zeros10, ones15)]:
        r = stats.ks_2samp(draw_numeric(ra), draw_numeric(rb))
        cases.append({'a': ra, 'b': rb, 'method': 'auto', 'statistic': num(r.statistic), 'pvalue': num(r.pvalue)})
    return cases


def kstwo_cases(rng):
    cases = []
    ns = list(range(1, 30)) + [40, 57, 80, 100, 120, 139, 140, 141, 150, 200, 333, 500, 777, 1000, 2500, 5000,
                               9999, 20000, 50000, 100000, 100001, 250000, 500000, 999999, 1000000, 2000000]
    targets = [0.05, 0.2, 0.5, 0.754, 0.76, 1.0, 1.5, 2.19, 2.21, 3.0, 3.99, 4.01, 6, 10, 17.9, 18.1, 40, 100, 369, 371]
    for n in ns:
        xs = set()
        for t in targets:
            x = math.sqrt(t / n)
            if 0 < x < 1:
                xs.add(x)
        for _ in range(6):
            xs.add(float(rng.uniform(0.5 / n, 1.0)))
        xs.update([0.5 / n, 0.75 / n, 1.0 / n, 1.3 / n, (n - 1.0) / n if n > 1 else 0.9, 0.5, 0.51, 0.99])
        for x in sorted(xs):
            if not (0 < x < 1):
                continue
            cases.append({'n': n, 'x': num(x), 'sf': num(stats.kstwo.sf(x, n))})
    return cases


def smirnov_cases(rng):
    cases = []
    for n in [2, 3, 5, 10, 11, 50, 141, 1000, 12345, 100000, 1000000, 1000001]:
        for x in sorted(set([0.5 / n, 1.0 / n, 1.7 / n, 0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, (n - 1.0) / n, 0.999]
                            + [float(rng.uniform(0, 1)) for _ in range(5)])):
            if 0 < x < 1:
                cases.append({'n': n, 'x': num(x), 'sf': num(special.smirnov(n, x))})
    return cases


def chi2_cases(rng):
    cases = []
    for df in [1, 2, 3, 4, 5, 7, 10, 19, 41, 42, 80, 150, 399, 401, 1000]:
        for x in sorted(set([1e-6, 0.01, 0.3, 0.5, 0.9, 1.0, 2.2, df * 0.5, df * 0.8, df * 0.99, df, df * 1.01,
                             df * 1.2, df * 1.5, df * 3, df * 10 + 50] + [float(rng.uniform(0, 3 * df + 5)) for _ in range(6)])):
            cases.append({'df': df, 'x': num(x), 'sf': num(special.chdtrc(df, x))})
    return cases


def ndtr_cases(rng):
    xs = [0, 0.1, -0.1, 0.7, -0.7, 0.70710678, 1, -1, 1.5, 2, -2.5, 3, 5, -5, 8, -8, 10, -10, 20, -20, 37, -37, 38, -38]
    xs += [float(v) for v in rng.normal(0, 4, 60)]
    return [{'x': num(x), 'cdf': num(special.ndtr(x)), 'z_p': num(2 * (1 - stats.norm.cdf(abs(x))))} for x in xs]


def cat_recipe(rng, n, k, skew, offset=0):
    return {'dist': 'cat', 'seed': next_seed(), 'n': n, 'k': k, 'skew': skew, 'offset': offset}


def categorical_entry(a, b, ra, rb, numeric):
    chi_s, chi_p = ev_chisquare(a, b)
    z_s, z_p = ev_z(a, b)
    return {'a': ra, 'b': rb, 'numeric': numeric,
            'chisquare': {'statistic': num(chi_s), 'pvalue': num(chi_p)},
            'z': {'statistic': None if z_s is None else num(z_s), 'pvalue': num(z_p)},
            'jensenshannon': num(ev_js(a, b, False)), 'psi': num(ev_psi(a, b, False)),
            'kl': num(ev_kl(a, b, False))}


def categorical_cases(rng):
    cases = []
    for _ in range(150):
        k = int(rng.choice([1, 2, 2, 3, 4, 5, 8, 20, 50, 120, 300]))
        n1 = int(rng.integers(5, 3000))
        n2 = int(rng.integers(5, 3000))
        ra = cat_recipe(rng, n1, k, 0.0)
        same = rng.random() < 0.4
        rb = cat_recipe(rng, n2, k + (0 if same or rng.random() > 0.2 else int(rng.integers(1, 3))),
                        0.0 if same else float(rng.choice([0.0, 0.05, 0.5, 2.0])))
        a, b = draw_categorical(ra), draw_categorical(rb)
        cases.append(categorical_entry(a, b, ra, rb, False))
    # numeric categories (<= 5 distinct integer values) and binary columns
    for _ in range(80):
        k = int(rng.choice([1, 2, 3, 5]))
        ra = {'dist': 'cat', 'seed': next_seed(), 'n': int(rng.integers(5, 2000)), 'k': k, 'skew': 0.0, 'offset': 0}
        rb = {'dist': 'cat', 'seed': next_seed(), 'n': int(rng.integers(5, 2000)), 'k': k + int(rng.random() < 0.2),
              'skew': 0.0, 'offset': int(rng.random() < 0.1)}
        a, b = draw_numeric(ra), draw_numeric(rb)
        cases.append(categorical_entry(a, b, ra, rb, True))
    return cases


def numeric_entry(ra, rb, integer):
    a, b = draw_numeric(ra), draw_numeric(rb)
    a_in, b_in = (a.astype(np.int64), b.astype(np.int64)) if integer else (a, b)
    w, std = ev_wasserstein(a_in, b_in)
    return {'a': ra, 'b': rb, 'integer': integer, 'reference_std': num(std), 'wasserstein': num(w),
            'wasserstein_raw': num(stats.wasserstein_distance(a_in, b_in)),
            'jensenshannon': num(ev_js(a_in, b_in, True)), 'psi': num(ev_psi(a_in, b_in, True)),
            'kl': num(ev_kl(a_in, b_in, True)),
            'edges': vec(np.histogram_bin_edges(np.concatenate([a_in, b_in]), bins='sturges'))}


def numeric_cases(rng):
    cases = []
    for _ in range(200):
        kind = str(rng.choice(KINDS))
        n1 = int(rng.choice([10, 30, 100, 500, 1000, 1001, 3000, 8000, 20000]))
        n2 = int(rng.choice([10, 30, 100, 500, 1000, 3000, 8000, 20000]))
        ra = recipe(rng, kind, n1)
        rb = recipe(rng, kind, n2, shift=float(rng.choice([0.0, 0.05, 0.3])), spread=float(rng.choice([1.0, 1.0, 1.3])))
        cases.append(numeric_entry(ra, rb, kind == 'int'))
    # zero and tiny reference std
    const50 = {'dist': 'grid', 'seed': 3, 'n': 50, 'k': 1, 'scale': 1.0, 'shift': 3.0}
    const40 = dict(const50, n=40)
    const40b = dict(const40, shift=3.5)
    tiny_a = {'dist': 'bell', 'seed': 5, 'n': 60, 'mu': 3.0, 'sd': 1e-5}
    tiny_b = dict(tiny_a, seed=6)
    for ra, rb in [(const50, const40), (const50, const40b), (tiny_a, tiny_b)]:
        cases.append(numeric_entry(ra, rb, False))
    return cases


def main():
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT, exist_ok=True)
    meta = {'generator': 'scripts/data/gen_golden.py', 'seed': SEED, 'scipy': scipy.__version__,
            'numpy': np.__version__, 'python': sys.version.split()[0]}
    files = {
        'ks_2samp.json': ks_cases(rng),
        'kstwo.json': kstwo_cases(rng),
        'smirnov.json': smirnov_cases(rng),
        'chi2.json': chi2_cases(rng),
        'ndtr.json': ndtr_cases(rng),
        'categorical.json': categorical_cases(rng),
        'numeric.json': numeric_cases(rng),
    }
    for name, cases in files.items():
        with open(os.path.join(OUT, name), 'w') as f:
            json.dump({'meta': meta, 'cases': cases}, f, separators=(',', ':'))
        print(f'{name}: {len(cases)} cases')


if __name__ == '__main__':
    main()
