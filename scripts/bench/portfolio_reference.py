"""Reference timings for the portfolio benchmarks (npm run bench), on the CSV files the bench writes.

Prints JSON: seconds for min-CVaR (scipy.optimize.linprog(method="highs"), 100 assets x 2520 days),
HRP (pandas corr/cov, scipy linkage, the paper's recursive bisection; 500 x 2520), and sparse index
tracking (the same MM algorithm in numpy; 100 x 1000). Each is the median of three after a warm-up.
Usage: python3 portfolio_reference.py DIR  (DIR holds S000.csv ... and IDX.csv)
"""
import json
import pathlib
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "golden"))
from portfolio_golden import hrp, min_cvar, sparse_tracking  # noqa: E402

folder = pathlib.Path(sys.argv[1])
names = sorted(p.stem for p in folder.glob("S*.csv"))
prices = pd.concat([pd.read_csv(folder / f"{n}.csv")["close"].rename(n) for n in names], axis=1)
returns = prices.pct_change().iloc[1:]
bench = pd.read_csv(folder / "IDX.csv")["close"].pct_change().iloc[1:].to_numpy()


def timed(fn):
    fn()
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return sorted(runs)[1]


out = {
    "cvar_s": timed(lambda: min_cvar(returns.iloc[:, :100].to_numpy(), 0.95, 1.0)),
    "hrp_s": timed(lambda: hrp(returns.iloc[:, :500], "single")),
    "sparse_s": timed(lambda: sparse_tracking(returns.iloc[-1000:, :100].to_numpy(), bench[-1000:], 1e-6, 0.25, 0.01)),
}
out["sparse_iterations"] = sparse_tracking(returns.iloc[-1000:, :100].to_numpy(), bench[-1000:], 1e-6, 0.25, 0.01)["iterations"]
print(json.dumps(out))
