"""Compute-only reference timings for `npm run bench` (research at scale): the same matrices our kernels build.

Usage: /usr/bin/python3 scripts/bench/matrix_reference.py FILE T N [N ...]
FILE holds T x max(N) float64 returns, row-major (observation after observation), written by bench/main.ts.
For each N (the first N columns): numpy.corrcoef, Spearman as corrcoef of scipy.stats.rankdata ranks, and,
for N = 1000, scikit-learn PCA with 10 components and with all. Each timing is the best of three after a warm-up;
KEY_cpu is that run's process CPU time (every BLAS thread), less sensitive than wall time to a loaded machine.
Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
from scipy.stats import rankdata
from sklearn.decomposition import PCA

path, t, ns = sys.argv[1], int(sys.argv[2]), [int(v) for v in sys.argv[3:]]
data = np.fromfile(path, dtype=np.float64).reshape(t, max(ns))


def best(fn):
    fn()
    runs = []
    for _ in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
    return min(runs)


out = {}


def record(key, fn):
    out[key], out[f"{key}_cpu"] = best(fn)


for n in ns:
    x = np.ascontiguousarray(data[:, :n])
    record(f"pearson_{n}", lambda: np.corrcoef(x, rowvar=False))
    record(f"spearman_{n}", lambda: np.corrcoef(rankdata(x, axis=0), rowvar=False))
    if n == 1000:
        record("pca_top10_1000", lambda: PCA(n_components=10).fit(x))
        record("pca_full_1000", lambda: PCA().fit(x))
print(json.dumps(out))
