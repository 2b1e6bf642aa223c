"""Golden values for the studies tools (issue 19), from the reference libraries, written independently
of the TypeScript code.

Writes a factor data set (tests/fixtures/studies/F): Fama-French five factors in Kenneth French's daily
CSV layout (free text, a header row ",Mkt-RF,SMB,HML,RMW,CMA,RF", YYYYMMDD rows in percent, then an
annual section that a reader must stop before), a QMJ factor as "DATE,QMJ" (MM/DD/YYYY, fractions),
nine assets with planted loadings, a market index MKT, a strategy STRAT with a planted volatility
shift, and NOISE (Gaussian i.i.d. returns). Then writes tests/fixtures/studies/golden.json with:
- rolling Pearson (pandas .rolling().corr), Spearman (scipy.stats.spearmanr per window) and distance
  correlation (Szekely's V-statistic written as S1 + S2 - 2 S3, not with double-centred matrices);
- the all-pairs Engle-Granger p-values (statsmodels coint) with Benjamini-Hochberg and Bonferroni
  adjustments (statsmodels multipletests), Hurst and half-life of each residual spread, Johansen trace
  statistics (statsmodels coint_johansen);
- the Kalman-filter regression y = a_t + b_t x_t + e with random-walk coefficients as a statsmodels
  MLEModel (time-varying design, known initialisation): filtered states, log-likelihood, and the MLE;
- OLS loadings (statsmodels OLS) on the factors, betas to MKT, 12-1 momentum (pandas);
- the stationary-bootstrap p-value of alpha (numpy, Politis-Romano, 20000 draws);
- likelihood-ratio statistics for a mean/volatility shift (scipy.stats.norm log-likelihoods at the
  maximum-likelihood estimates, chi2.sf p-values), the sup-LR over a trimmed range, and its
  Monte-Carlo p-value (numpy, 4000 Gaussian series);
- the benchmark's own performance figures (numpy/pandas, the definitions in the tool docs).

Run with Debian's python3 (python3-statsmodels, python3-scipy, python3-pandas):
    /usr/bin/python3 scripts/golden/studies_golden.py
"""
import itertools
import json
import pathlib

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.stattools import coint
from statsmodels.tsa.vector_ar.vecm import coint_johansen

ROOT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures"
OUT = ROOT / "studies"
FACTORS = ["Mkt-RF", "SMB", "HML", "RMW", "CMA"]


def read_set(folder, names):
    frames = [pd.read_csv(folder / f"{n}.csv", parse_dates=["date"]).set_index("date")["close"].rename(n) for n in names]
    return pd.concat(frames, axis=1, join="inner")


def write_factor_set():
    rng = np.random.default_rng(1926)
    n = 800
    dates = pd.bdate_range("2020-01-02", periods=n)
    pct = np.column_stack([rng.normal(0.04, 1.0, n), rng.normal(0, 0.5, n), rng.normal(0, 0.5, n), rng.normal(0, 0.3, n), rng.normal(0, 0.3, n)]).round(2)
    rf = np.full(n, 0.008)
    qmj = rng.normal(0.0002, 0.004, n).round(6)
    folder = OUT / "F"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "This file was created by a script in the layout of CMPT_ME_BEME_OP_INV_RETS_DAILY (synthetic numbers).",
        "The 1-month TBill return is a constant here.",
        "",
        ",Mkt-RF,SMB,HML,RMW,CMA,RF",
    ]
    lines += [f"{d.strftime('%Y%m%d')},{','.join(f'{v:8.2f}' for v in row)},{r:8.3f}" for d, row, r in zip(dates, pct, rf)]
    lines += ["", " Annual Factors: January-December ", ",Mkt-RF,SMB,HML,RMW,CMA,RF", "  2020,   10.00,    1.00,   -2.00,    3.00,    0.50,    0.37", "", "Copyright 2024 (synthetic)"]
    (folder / "F-F_Research_Data_5_Factors_2x3_daily.CSV").write_text("\r\n".join(lines) + "\r\n")
    pd.DataFrame({"DATE": dates.strftime("%m/%d/%Y"), "QMJ": qmj}).to_csv(folder / "QMJ.csv", index=False)
    f = pct / 100
    rfd = rf / 100
    loads = rng.uniform(-0.6, 1.4, (9, 6))
    loads[:, 0] = rng.uniform(0.5, 1.5, 9)
    X = np.column_stack([f, qmj])
    returns = {}
    for i in range(9):
        returns[f"F{i + 1:02d}"] = rfd + X @ loads[i] + rng.normal(0, 0.006, n)
    returns["MKT"] = f[:, 0] + rfd
    noise = rng.normal(0, 0.008, n)
    noise[500:] *= 2.0
    returns["STRAT"] = 0.0004 + 0.3 * returns["MKT"] + noise
    returns["NOISE"] = rng.normal(0.0002, 0.01, n)
    # The first row is the starting price; returns apply from the second date on.
    for name, r in returns.items():
        price = 100 * np.concatenate([[1.0], np.cumprod(1 + r[1:])])
        pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "close": price}).to_csv(folder / f"{name}.csv", index=False, float_format="%.17g")
    return folder, dates, loads


def dcor_sum_form(x, y):
    """V-statistic distance correlation from Szekely, Rizzo & Bakirov (2007), Theorem 1: dCov^2 = S1 + S2 - 2 S3."""
    a = np.abs(x[:, None] - x[None, :])
    b = np.abs(y[:, None] - y[None, :])
    def dcov2(a, b):
        s1 = (a * b).mean()
        s2 = a.mean() * b.mean()
        s3 = (a.sum(axis=1) * b.sum(axis=1)).sum() / len(x) ** 3
        return s1 + s2 - 2 * s3
    v = dcov2(a, a) * dcov2(b, b)
    return float(np.sqrt(max(dcov2(a, b), 0) / np.sqrt(v))) if v > 0 else 0.0


def rolling_golden():
    names = ["KO", "PEP", "MRV", "QQQ", "SPY", "XLE"]
    px = read_set(ROOT / "research" / "A", names)
    r = px.pct_change().iloc[1:]
    window, step = 40, 7
    n = len(r)
    ends = list(range(n, window - 1, -step))[::-1]
    ko, pep = r["KO"].to_numpy(), r["PEP"].to_numpy()
    pearson_full = r["KO"].rolling(window).corr(r["PEP"]).to_numpy()
    out = {"window": window, "step": step, "dates": [r.index[e - 1].strftime("%Y-%m-%d") for e in ends],
           "pearson": [float(pearson_full[e - 1]) for e in ends],
           "spearman": [float(stats.spearmanr(ko[e - window:e], pep[e - window:e]).statistic) for e in ends],
           "distance": [dcor_sum_form(ko[e - window:e], pep[e - window:e]) for e in ends]}
    screen = []
    threshold = 0.3
    for a, b in itertools.combinations(names, 2):
        vals = r[a].rolling(60).corr(r[b]).to_numpy()
        pick = np.array([vals[e - 1] for e in range(n, 59, -10)][::-1])
        screen.append({"symbol1": a, "symbol2": b, "latest": float(pick[-1]), "fraction_above": float((pick >= threshold).mean())})
    out["screen"] = {"window": 60, "step": 10, "threshold": threshold, "pairs": screen}
    return out


def hurst(x):
    taus = np.arange(2, min(100, len(x) // 2) + 1)
    sd = np.array([np.std(x[t:] - x[:-t]) for t in taus])
    return float(np.polyfit(np.log(taus), np.log(sd), 1)[0])


def half_life(s):
    fit = sm.OLS(np.diff(s), sm.add_constant(s[:-1])).fit()
    return float(-np.log(2) / fit.params[1]) if fit.params[1] < 0 else None


def screen_golden():
    names = ["KO", "PEP", "MRV", "QQQ", "SPY", "XLE"]
    logs = np.log(read_set(ROOT / "research" / "A", names))
    rows = []
    for a, b in itertools.combinations(names, 2):
        y, x = logs[a].to_numpy(), logs[b].to_numpy()
        stat, p, _ = coint(y, x, trend="c", autolag="aic")
        fit = sm.OLS(y, sm.add_constant(x)).fit()
        resid = y - fit.params[0] - fit.params[1] * x
        jo = coint_johansen(np.column_stack([y, x]), 0, 2)
        rows.append({"symbol1": a, "symbol2": b, "p_value": float(p), "hurst": hurst(resid), "half_life": half_life(resid),
                     "johansen_trace": float(jo.lr1[0]), "johansen_cv95": float(jo.cvt[0, 1])})
    p = np.array([r["p_value"] for r in rows])
    bh = multipletests(p, method="fdr_bh")[1]
    bonf = multipletests(p, method="bonferroni")[1]
    for r, v, w in zip(rows, bh, bonf):
        r["p_bh"], r["p_bonferroni"] = float(v), float(w)
    return rows


class KalmanRegression(sm.tsa.statespace.MLEModel):
    """y_t = [1, x_t] beta_t + e_t, beta_t = beta_{t-1} + w_t; params (obs variance, state variance)."""

    def __init__(self, y, x, prior_var):
        super().__init__(y, k_states=2, initialization="known", initial_state=np.zeros(2), initial_state_cov=np.eye(2) * prior_var)
        self["design"] = np.array([np.ones(len(x)), x])[None, :, :]
        self["transition"] = np.eye(2)
        self["selection"] = np.eye(2)

    @property
    def start_params(self):
        return np.array([1e-3, 1e-4])

    def transform_params(self, p):
        return p ** 2

    def untransform_params(self, p):
        return np.sqrt(p)

    def update(self, params, **kwargs):
        params = super().update(params, **kwargs)
        self["obs_cov", 0, 0] = params[0]
        self["state_cov"] = np.eye(2) * params[1]


def kalman_golden():
    px = np.log(read_set(ROOT / "research" / "A", ["KO", "PEP"]))
    y, x = px["KO"].to_numpy(), px["PEP"].to_numpy()
    delta, obs_var, prior = 1e-4, 1e-3, 1e4
    q = delta / (1 - delta)
    model = KalmanRegression(y, x, prior)
    res = model.filter([obs_var, q])
    fitted = model.fit(disp=False, method="nm", maxiter=20000, xtol=1e-10, ftol=1e-12)
    fitted = model.fit(start_params=fitted.params, disp=False, method="bfgs", maxiter=2000)
    innov = res.forecasts_error[0]
    return {"symbol1": "KO", "symbol2": "PEP", "delta": delta, "obs_var": obs_var, "state_var": q, "prior_var": prior,
            "intercept": res.filtered_state[0].tolist(), "hedge": res.filtered_state[1].tolist(), "innovation": innov.tolist(),
            "z": (innov / np.sqrt(res.forecasts_error_cov[0, 0])).tolist(), "loglik": float(res.llf),
            "mle": {"obs_var": float(fitted.params[0]), "state_var": float(fitted.params[1]), "loglik": float(fitted.llf)}}


def stationary_bootstrap_p(y, X, block, draws, rng):
    """Politis & Romano (1994): blocks start uniformly, continue with probability 1 - 1/block, wrap around."""
    n = len(y)
    design = np.column_stack([np.ones(n), X])
    alpha = np.linalg.lstsq(design, y, rcond=None)[0][0]
    stars = np.empty(draws)
    for b in range(draws):
        idx = np.empty(n, dtype=int)
        idx[0] = rng.integers(n)
        new = rng.random(n) < 1 / block
        starts = rng.integers(n, size=n)
        for t in range(1, n):
            idx[t] = starts[t] if new[t] else (idx[t - 1] + 1) % n
        stars[b] = np.linalg.lstsq(design[idx], y[idx], rcond=None)[0][0]
    return float(alpha), float(np.mean(np.abs(stars - alpha) >= abs(alpha))), float(stars.std(ddof=1))


def lr_stats(r, k):
    n = len(r)
    def ll(x, mu, var):
        return stats.norm.logpdf(x, loc=mu, scale=np.sqrt(var)).sum()
    a, b = r[:k], r[k:]
    l0 = ll(r, r.mean(), r.var())
    pooled = (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / n
    l_mean = ll(a, a.mean(), pooled) + ll(b, b.mean(), pooled)
    l_both = ll(a, a.mean(), a.var()) + ll(b, b.mean(), b.var())
    return {"mean": 2 * (l_mean - l0), "volatility": 2 * (l_both - l_mean), "both": 2 * (l_both - l0)}


def sup_lr(r, kind, trim):
    n = len(r)
    ks = range(max(2, int(np.ceil(trim * n))), min(n - 2, int(np.floor((1 - trim) * n))) + 1)
    vals = [(lr_stats(r, k)[kind], k) for k in ks]
    return max(vals)


def sup_lr_fast(r, kind, trim):
    n = len(r)
    cs, cq = np.concatenate([[0], np.cumsum(r)]), np.concatenate([[0], np.cumsum(r * r)])
    k = np.arange(max(2, int(np.ceil(trim * n))), min(n - 2, int(np.floor((1 - trim) * n))) + 1)
    ss1 = cq[k] - cs[k] ** 2 / k
    ss2 = (cq[n] - cq[k]) - (cs[n] - cs[k]) ** 2 / (n - k)
    s0 = (cq[n] - cs[n] ** 2 / n) / n
    pooled = (ss1 + ss2) / n
    if kind == "mean":
        v = n * np.log(s0 / pooled)
    elif kind == "volatility":
        v = n * np.log(pooled) - k * np.log(ss1 / k) - (n - k) * np.log(ss2 / (n - k))
    else:
        v = n * np.log(s0) - k * np.log(ss1 / k) - (n - k) * np.log(ss2 / (n - k))
    return v.max()


def factor_golden(folder, dates, loads):
    names = [f"F{i:02d}" for i in range(1, 10)] + ["MKT", "STRAT", "NOISE"]
    px = read_set(folder, names)
    r = px.pct_change().iloc[1:]
    ff = pd.read_csv(folder / "F-F_Research_Data_5_Factors_2x3_daily.CSV", skiprows=3, nrows=len(dates), index_col=0)
    ff.index = pd.to_datetime(ff.index.astype(str), format="%Y%m%d")
    qmj = pd.read_csv(folder / "QMJ.csv").set_index("DATE")
    qmj.index = pd.to_datetime(qmj.index, format="%m/%d/%Y")
    f = (ff / 100).join(qmj, how="inner").loc[r.index]
    X = sm.add_constant(f[FACTORS + ["QMJ"]])
    out = {"factors": FACTORS + ["QMJ"], "planted": {f"F{i + 1:02d}": loads[i].tolist() for i in range(9)}, "assets": {}}
    for s in names[:9] + ["STRAT"]:
        fit = sm.OLS(r[s] - f["RF"], X).fit()
        beta = sm.OLS(r[s], sm.add_constant(r["MKT"])).fit().params.iloc[1]
        out["assets"][s] = {"alpha": float(fit.params.iloc[0]), "loadings": fit.params.iloc[1:].tolist(), "t": fit.tvalues.tolist(), "r_squared": float(fit.rsquared), "beta_mkt": float(beta)}
    mom = px.shift(21).iloc[-1] / px.shift(252).iloc[-1] - 1
    out["momentum"] = {s: float(mom[s]) for s in names[:9]}
    out["cov"] = r[names[:9]].cov().to_numpy().tolist()
    # Alpha of STRAT on MKT (plain returns): stationary bootstrap.
    rng = np.random.default_rng(7)
    alpha, p, se = stationary_bootstrap_p(r["STRAT"].to_numpy(), r[["MKT"]].to_numpy(), 10, 20000, rng)
    ols = sm.OLS(r["STRAT"], sm.add_constant(r["MKT"])).fit()
    out["bootstrap"] = {"symbol": "STRAT", "benchmark": "MKT", "block_length": 10, "draws": 20000, "alpha": alpha, "alpha_t": float(ols.tvalues.iloc[0]), "p_value": p, "se": se}
    # Regime tests on STRAT (planted volatility shift from its 500th return) and NOISE (none).
    regime = {}
    for s in ["STRAT", "NOISE"]:
        x = r[s].to_numpy()
        k = 499
        given = lr_stats(x, k)
        sup = {kind: sup_lr(x, kind, 0.15) for kind in ["mean", "volatility", "both"]}
        regime[s] = {"break_index": k, "break_date": r.index[k].strftime("%Y-%m-%d"),
                     "given": {kind: {"statistic": float(v), "p_value": float(stats.chi2.sf(v, 2 if kind == "both" else 1))} for kind, v in given.items()},
                     "sup": {kind: {"statistic": float(v), "k": int(kk)} for kind, (v, kk) in sup.items()}}
    rng = np.random.default_rng(11)
    n = len(r)
    draws = np.array([sup_lr_fast(rng.normal(size=n), "both", 0.15) for _ in range(4000)])
    regime["NOISE"]["mc_p_both"] = {"n_sim": 4000, "p_value": float((draws >= regime["NOISE"]["sup"]["both"]["statistic"]).mean())}
    out["regime"] = regime
    return out


def benchmark_golden():
    px = read_set(ROOT / "portfolio" / "P", ["IDX"])["IDX"]
    r = px.pct_change().iloc[1:].to_numpy()
    nav = np.concatenate([[1.0], np.cumprod(1 + r)])
    total = nav[-1] - 1
    rf = 0.02 / 252
    sd = r.std(ddof=1)
    downside = np.sqrt(np.mean(np.minimum(r, 0) ** 2)) * np.sqrt(252)
    dd = nav / np.maximum.accumulate(nav) - 1
    cagr = (1 + total) ** (252 / len(r)) - 1
    return {"total_return": float(total), "cagr": float(cagr), "annual_volatility": float(sd * np.sqrt(252)), "sharpe_ratio": float((r.mean() - rf) / sd * np.sqrt(252)),
            "sortino_ratio": float((r.mean() - rf) * 252 / downside), "max_drawdown": float(dd.min()), "hit_rate": float((r > 0).mean()), "calmar_ratio": float(cagr / abs(dd.min()))}


def main():
    folder, dates, loads = write_factor_set()
    golden = {"rolling": rolling_golden(), "screen": screen_golden(), "kalman": kalman_golden(), "factor": factor_golden(folder, dates, loads), "benchmark_P": benchmark_golden()}
    (OUT / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
