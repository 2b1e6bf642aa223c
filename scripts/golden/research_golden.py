"""Golden values for the research statistics, from the reference libraries.

Writes two synthetic price data sets of different shapes as CSV files (tests/fixtures/research/<set>/<SYM>.csv)
and, for each, the values statsmodels / scikit-learn / pandas give (tests/fixtures/research/golden-<set>.json):
ADF (constant, autolag AIC), Engle-Granger coint (trend 'c', autolag AIC) on log and raw prices, Johansen,
PCA of simple returns, Pearson and Spearman correlation of simple returns, Szekely's distance correlation,
the mean-reversion half-life and Hurst exponent as defined in the tool docs, and the all-pairs screen.

Run with Debian's python3 (python3-statsmodels, python3-sklearn, python3-pandas, python3-scipy):
    /usr/bin/python3 scripts/golden/research_golden.py
"""
import itertools
import json
import pathlib

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from statsmodels.tsa.stattools import adfuller, coint
from statsmodels.tsa.vector_ar.vecm import coint_johansen
import statsmodels.api as sm

ROOT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "research"


def make_set(seed, n_days, start, symbols):
    """Random walks in log price, a cointegrated pair, and a mean-reverting series."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(start, periods=n_days)
    logs = {}
    base = np.cumsum(rng.normal(0.0003, 0.012, n_days)) + np.log(60)
    spread = np.zeros(n_days)
    for t in range(1, n_days):
        spread[t] = 0.92 * spread[t - 1] + rng.normal(0, 0.01)
    logs[symbols[0]] = base
    logs[symbols[1]] = 0.85 * base + 0.7 + spread
    ou = np.zeros(n_days)
    for t in range(1, n_days):
        ou[t] = 0.97 * ou[t - 1] + rng.normal(0, 0.015)
    logs[symbols[2]] = np.log(40) + ou
    for s in symbols[3:]:
        logs[s] = np.cumsum(rng.normal(rng.normal(0, 0.0005), rng.uniform(0.008, 0.03), n_days)) + np.log(rng.uniform(20, 300))
    return dates, {s: np.exp(v) for s, v in logs.items()}


def hurst(logp):
    """Slope of log(std(x[t+tau] - x[t])) on log(tau), tau = 2 .. min(100, n/2) (population std)."""
    n = len(logp)
    taus = np.arange(2, min(100, n // 2) + 1)
    sd = np.array([np.std(logp[tau:] - logp[:-tau]) for tau in taus])
    return float(np.polyfit(np.log(taus), np.log(sd), 1)[0])


def half_life(s):
    s = np.asarray(s)
    fit = sm.OLS(np.diff(s), sm.add_constant(s[:-1])).fit()
    lam = fit.params[1]
    return float(-np.log(2) / lam) if lam < 0 else None


def dcor(a, b):
    """Szekely, Rizzo & Bakirov (2007): sample distance correlation with double-centred distance matrices,
    dCor = sqrt(dCov^2(a, b) / sqrt(dVar^2(a) dVar^2(b))) (dVar^2 = mean(A * A) is already squared).
    R's energy::dcor gives the same values (scripts/golden/dcor_golden.R)."""
    def centred(v):
        d = np.abs(v[:, None] - v[None, :])
        return d - d.mean(axis=0)[None, :] - d.mean(axis=1)[:, None] + d.mean()
    A, B = centred(np.asarray(a)), centred(np.asarray(b))
    dcov2 = (A * B).mean()
    dvar2 = np.sqrt((A * A).mean() * (B * B).mean())
    return float(np.sqrt(max(dcov2, 0.0) / dvar2)) if dvar2 > 0 else 0.0


def crit(c):
    return {"1%": float(c[0]), "5%": float(c[1]), "10%": float(c[2])}


def golden(name, seed, n_days, start, symbols):
    dates, prices = make_set(seed, n_days, start, symbols)
    folder = ROOT / name
    folder.mkdir(parents=True, exist_ok=True)
    for s, p in prices.items():
        frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "open": p, "high": p * 1.01, "low": p * 0.99, "close": p, "volume": 1000000})
        frame.to_csv(folder / f"{s}.csv", index=False, float_format="%.17g")
    # Read back what was written, so the reference sees exactly the numbers the tests read.
    close = pd.DataFrame({s: pd.read_csv(folder / f"{s}.csv")["close"].to_numpy() for s in symbols})
    logp = np.log(close)
    returns = close.pct_change().dropna()

    out = {"symbols": symbols, "n_days": n_days, "start": dates[0].strftime("%Y-%m-%d"), "end": dates[-1].strftime("%Y-%m-%d")}
    out["adf"] = {}
    for s in symbols:
        stat, p, lag, nobs, cv, icbest = adfuller(logp[s], regression="c", autolag="AIC")
        out["adf"][s] = {"statistic": float(stat), "p_value": float(p), "used_lag": int(lag), "n_obs": int(nobs), "critical_values": crit([cv["1%"], cv["5%"], cv["10%"]]),
                         "half_life": half_life(logp[s]), "hurst": hurst(logp[s].to_numpy())}
    out["coint"] = {}
    for transform, frame in (("log", logp), ("none", close)):
        for a, b in itertools.permutations(symbols[:3], 2):
            stat, p, cv = coint(frame[a], frame[b], trend="c", autolag="aic")
            slope = sm.OLS(frame[a], sm.add_constant(frame[b])).fit().params.iloc[1]
            resid = frame[a] - sm.OLS(frame[a], sm.add_constant(frame[b])).fit().predict()
            out["coint"][f"{a}|{b}|{transform}"] = {"statistic": float(stat), "p_value": float(p), "critical_values": crit(cv), "hedge_ratio": float(slope), "half_life": half_life(resid)}
    out["johansen"] = {}
    for det_order, k in ((0, 1), (1, 2), (-1, 1)):
        r = coint_johansen(logp[symbols[:3]].to_numpy(), det_order, k)
        out["johansen"][f"{det_order}|{k}"] = {"eigenvalues": r.eig.tolist(), "eigenvectors": r.evec.tolist(), "trace": r.lr1.tolist(), "max_eigen": r.lr2.tolist(), "trace_cv": r.cvt.tolist(), "max_eigen_cv": r.cvm.tolist()}
    pca = PCA().fit(returns.to_numpy())
    out["pca"] = {"explained_variance_ratio": pca.explained_variance_ratio_.tolist(), "components": pca.components_.tolist()}
    out["correlation"] = {
        "pearson": returns.corr(method="pearson").to_numpy().tolist(),
        "spearman": returns.corr(method="spearman").to_numpy().tolist(),
        "distance": [[dcor(returns[a], returns[b]) for b in symbols] for a in symbols],
    }
    flagged = []
    for a, b in itertools.combinations(symbols, 2):
        stat, p, _ = coint(logp[a], logp[b], trend="c", autolag="aic")
        if p < 0.05:
            flagged.append({"symbol1": a, "symbol2": b, "statistic": float(stat), "p_value": float(p)})
    out["pairs"] = sorted(flagged, key=lambda x: x["p_value"])
    (ROOT / f"golden-{name}.json").write_text(json.dumps(out, indent=1) + "\n")
    print(name, len(symbols), "symbols x", n_days, "days;", len(flagged), "cointegrated pairs")


golden("A", 7, 504, "2023-01-02", ["KO", "PEP", "MRV", "SPY", "QQQ", "XLE"])
golden("B", 11, 1300, "2018-06-01", ["AAA", "BBB", "CCC", "DDD"])
