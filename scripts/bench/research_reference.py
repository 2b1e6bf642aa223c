"""Reference timings for `npm run bench`: the same work the research tools do, with the reference libraries.

Usage: /usr/bin/python3 scripts/bench/research_reference.py DATA_DIR N_PAIR_SYMBOLS
Prints one JSON object: seconds for looping statsmodels coint over all pairs of the first N symbols,
for loading every CSV with pandas plus numpy.corrcoef of simple returns, and for scikit-learn PCA.
"""
import glob
import itertools
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from statsmodels.tsa.stattools import coint

folder, n_pairs = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(os.path.join(folder, "*.csv")))

logs = [np.log(pd.read_csv(f)["close"].to_numpy()) for f in files[:n_pairs]]
t = time.perf_counter()
for a, b in itertools.combinations(range(len(logs)), 2):
    coint(logs[a], logs[b], trend="c", autolag="aic")
coint_s = time.perf_counter() - t

t = time.perf_counter()
closes = np.column_stack([pd.read_csv(f)["close"].to_numpy() for f in files])
returns = closes[1:] / closes[:-1] - 1
corr = np.corrcoef(returns, rowvar=False)
corr_s = time.perf_counter() - t

for _ in range(2):
    PCA().fit(returns)  # two warm-ups, as on our side
runs = []
for _ in range(5):
    t = time.perf_counter()
    PCA().fit(returns)
    runs.append(time.perf_counter() - t)
pca_s = sorted(runs)[2]  # median of five

print(json.dumps({"coint_loop_s": coint_s, "pairs": len(logs) * (len(logs) - 1) // 2, "load_corrcoef_s": corr_s, "pca_s": pca_s, "assets": len(files), "days": closes.shape[0]}))
