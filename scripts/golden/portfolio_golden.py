"""Golden values for the portfolio tools, from independent Python implementations of the definitions
in the tool docs (numpy, pandas, scipy).

Reads the research data sets A and B (tests/fixtures/research/<set>/*.csv) and writes a third, wider
set P (24 assets and an index IDX, tests/fixtures/portfolio/P/*.csv), then for each set writes
tests/fixtures/portfolio/golden-<set>.json with:
- performance metrics of fixed weights under every rebalance frequency (buy-and-hold drift, resets on
  the last trading day of each week / month / quarter, daily = constant weights), long-only and
  levered-with-a-short;
- equal-weight contributions and the diversification ratio;
- HRP (Lopez de Prado 2016) with scipy's linkage on d = sqrt((1 - rho) / 2), every linkage method, and on
  d-tilde as the paper's code does it: the full matrix d handed to scipy's linkage, which then clusters its rows
  as observations with Euclidean distances;
- min-CVaR: the Rockafellar-Uryasev LP solved by scipy.optimize.linprog(method="highs");
- sparse index tracking: the majorisation-minimisation algorithm (Benidis, Feng & Palomar 2018) in numpy.

Run with Debian's python3 (python3-numpy, python3-pandas, python3-scipy):
    /usr/bin/python3 scripts/golden/portfolio_golden.py
"""
import json
import pathlib

import numpy as np
import pandas as pd
import scipy.cluster.hierarchy as sch
import scipy.spatial.distance as ssd
from scipy import sparse
from scipy.optimize import linprog

ROOT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures"
OUT = ROOT / "portfolio"
A = 252


def write_set_p():
    """24 assets on three factors plus idiosyncratic noise, and IDX: a fixed-weight blend of 24 assets."""
    rng = np.random.default_rng(2018)
    n_days, n_assets = 756, 24
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    factors = rng.normal(0.0003, 0.009, (n_days, 3))
    loadings = rng.uniform(0.2, 1.3, (n_assets, 3)) * (rng.random((n_assets, 3)) < 0.7)
    idio = rng.normal(0, 1, (n_days, n_assets)) * rng.uniform(0.006, 0.02, n_assets)
    returns = factors @ loadings.T + idio
    index_weights = rng.dirichlet(np.ones(n_assets))
    bench = returns @ index_weights + rng.normal(0, 0.0005, n_days)
    folder = OUT / "P"
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"P{i:02d}" for i in range(n_assets)] + ["IDX"]
    start = rng.uniform(20, 200, n_assets + 1)
    cols = np.column_stack([returns, bench])
    for j, name in enumerate(names):
        price = start[j] * np.concatenate([[1.0], np.cumprod(1 + cols[1:, j])])
        pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "close": price}).to_csv(folder / f"{name}.csv", index=False, float_format="%.17g")
    return folder, names


def load(folder, names):
    frames = [pd.read_csv(folder / f"{n}.csv", parse_dates=["date"]).set_index("date")["close"].rename(n) for n in names]
    return pd.concat(frames, axis=1, join="inner")


def rebalance_mask(dates, freq):
    """True after the close of a rebalance date: the last trading day of each week / month / quarter."""
    if freq == "none":
        return np.zeros(len(dates), bool)
    if freq == "daily":
        return np.ones(len(dates), bool)
    period = {"weekly": dates.to_period("W-SUN"), "monthly": dates.to_period("M"), "quarterly": dates.to_period("Q")}[freq]
    keys = np.asarray(period.astype(str))
    mask = np.zeros(len(dates), bool)
    mask[:-1] = keys[1:] != keys[:-1]
    return mask


def simulate(returns, dates, weights, freq):
    """Daily portfolio returns with drifting holdings (cash = 1 - sum(w) earns 0), reset on rebalance dates."""
    w = np.asarray(weights, float)
    mask = rebalance_mask(dates, freq)
    h = w.copy()
    cash = 1 - w.sum()
    out, turnover, contrib = [], 0.0, np.zeros(len(w))
    for t in range(1, len(dates)):
        r = returns[t - 1]
        port = h @ r
        contrib += h * r
        out.append(port)
        h = h * (1 + r) / (1 + port)
        cash = cash / (1 + port)
        if mask[t] and t < len(dates) - 1:
            turnover += np.abs(w - h).sum()
            h = w.copy()
            cash = 1 - w.sum()
    return np.array(out), turnover, contrib


def metrics(r, dates, turnover, bench=None, rf=0.0):
    nav = np.cumprod(1 + r)
    total = nav[-1] - 1
    n = len(r)
    cagr = (1 + total) ** (A / n) - 1
    vol = r.std(ddof=1) * np.sqrt(A)
    rf_d = rf / A
    sharpe = (r.mean() - rf_d) / r.std(ddof=1) * np.sqrt(A)
    downside = np.sqrt(np.mean(np.minimum(r, 0) ** 2)) * np.sqrt(A)
    sortino = (r.mean() - rf_d) * A / downside
    full = np.concatenate([[1.0], nav])
    peak = np.maximum.accumulate(full)
    dd = full / peak - 1
    trough = int(np.argmin(dd))
    peak_i = int(np.argmax(full[: trough + 1]))
    rec = [i for i in range(trough, len(full)) if full[i] >= full[peak_i]]
    out = {
        "total_return": total, "cagr": cagr, "annual_volatility": vol, "sharpe_ratio": sharpe, "sortino_ratio": sortino,
        "max_drawdown": float(dd.min()), "calmar_ratio": cagr / abs(dd.min()), "hit_rate": float(np.mean(r > 0)), "turnover": turnover,
        "peak_date": dates[peak_i].strftime("%Y-%m-%d"), "trough_date": dates[trough].strftime("%Y-%m-%d"),
        "recovery_date": dates[rec[0]].strftime("%Y-%m-%d") if rec else None,
    }
    if bench is not None:
        beta = np.cov(r, bench, ddof=1)[0, 1] / bench.var(ddof=1)
        active = r - bench
        te = active.std(ddof=1) * np.sqrt(A)
        out.update({"beta": beta, "alpha": (r.mean() - rf_d - beta * (bench.mean() - rf_d)) * A, "tracking_error": te, "information_ratio": active.mean() * A / te})
    return {k: (float(v) if isinstance(v, (np.floating, float)) else v) for k, v in out.items()}


def hrp(returns_df, method, tilde=False):
    corr = returns_df.corr()
    cov = returns_df.cov()
    dist = np.sqrt(np.clip((1.0 - corr.to_numpy()) / 2.0, 0.0, 1.0))
    np.fill_diagonal(dist, 0.0)
    # tilde: the paper's sch.linkage(dist, method) on the 2-D matrix (rows as observations, Euclidean: d-tilde).
    link = sch.linkage(dist, method) if tilde else sch.linkage(ssd.squareform(dist, checks=False), method)
    order = [int(i) for i in sch.to_tree(link, rd=False).pre_order()]
    w = pd.Series(1.0, index=order)
    clusters = [order]
    c = cov.to_numpy()
    def cluster_var(items):
        sub = c[np.ix_(items, items)]
        ivp = 1 / np.diag(sub)
        ivp /= ivp.sum()
        return ivp @ sub @ ivp
    while clusters:
        clusters = [part for cl in clusters for part in (cl[: len(cl) // 2], cl[len(cl) // 2 :]) if len(cl) > 1]
        for i in range(0, len(clusters), 2):
            c0, c1 = clusters[i], clusters[i + 1]
            v0, v1 = cluster_var(c0), cluster_var(c1)
            alpha = 1 - v0 / (v0 + v1)
            w[c0] *= alpha
            w[c1] *= 1 - alpha
    names = list(returns_df.columns)
    return {"order": [names[i] for i in order], "weights": {names[i]: float(w[i]) for i in range(len(names))}}


def min_cvar(R, alpha, max_weight, target=None):
    T, N = R.shape
    c = np.concatenate([np.zeros(N), [1.0], np.full(T, 1 / ((1 - alpha) * T))])
    A_ub = sparse.hstack([sparse.csr_matrix(-R), -np.ones((T, 1)), -sparse.identity(T)]).tocsr()
    b_ub = np.zeros(T)
    if target is not None:
        row = sparse.csr_matrix(np.concatenate([-R.mean(axis=0) * A, [0.0], np.zeros(T)])[None, :])
        A_ub = sparse.vstack([A_ub, row]).tocsr()
        b_ub = np.concatenate([b_ub, [-target]])
    A_eq = np.concatenate([np.ones(N), [0.0], np.zeros(T)])[None, :]
    bounds = [(0, max_weight)] * N + [(None, None)] + [(0, None)] * T
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return {"cvar": float(res.fun), "weights": [float(x) for x in res.x[:N]]}


def project_capped_simplex(v, u):
    """argmin ||w - v|| subject to sum(w) = 1, 0 <= w <= u: w = clip(v - tau, 0, u), tau exact from the breakpoints."""
    points = np.sort(np.concatenate([v, v - u]))[::-1]
    f = np.clip(v[None, :] - points[:, None], 0, u).sum(axis=1)  # non-decreasing along points (descending tau)
    k = int(np.searchsorted(f, 1.0))  # first breakpoint with f >= 1
    if k == 0:
        tau = points[0]
    else:
        t0, t1, f0, f1 = points[k - 1], points[k], f[k - 1], f[k]
        tau = t1 if f1 == f0 else t0 + (1.0 - f0) * (t1 - t0) / (f1 - f0)
    return np.clip(v - tau, 0, u)


def huber(z, M):
    a = np.abs(z)
    return np.where(a <= M, z * z, M * (2 * a - M))


def sparse_tracking(X, rb, lam, max_weight, M, p=1e-3, max_iter=2000, tol=1e-10):
    T, N = X.shape
    scale = np.log(1 + max_weight / p)
    lmax = np.linalg.eigvalsh(X.T @ X / T).max()
    w = np.full(N, 1.0 / N)

    def objective(w):
        z = np.maximum(rb - X @ w, 0)
        return huber(z, M).mean() + lam * (np.log(1 + w / p) / scale).sum()

    history = [objective(w)]
    converged = False
    for it in range(1, max_iter + 1):
        z = rb - X @ w
        alpha = np.where(z > M, M / np.where(z > M, z, 1), 1.0)
        c = np.minimum(z, 0)
        target = rb - c
        grad = (2 / T) * X.T @ (alpha * (X @ w - target))
        d = 1 / (scale * (p + w))
        q = grad - 2 * lmax * w + lam * d
        new = project_capped_simplex(-q / (2 * lmax), max_weight)
        step = np.abs(new - w).max()
        w = new
        history.append(objective(w))
        if step <= tol:
            converged = True
            break
    history = np.array(history)
    monotone = bool(np.all(np.diff(history) <= 1e-15 * np.abs(history[:-1])))
    return {"weights": [float(x) for x in w], "iterations": it, "converged": converged, "objective_first": float(history[0]), "objective_last": float(history[-1]), "monotone": monotone}


def main():
    folder_p, names_p = write_set_p()
    sets = {
        "A": (ROOT / "research" / "A", ["KO", "PEP", "MRV", "QQQ", "XLE", "SPY"]),
        "B": (ROOT / "research" / "B", ["AAA", "BBB", "CCC", "DDD"]),
        "P": (folder_p, names_p),
    }
    for name, (folder, names) in sets.items():
        prices = load(folder, names)
        dates = prices.index
        returns = prices.pct_change().iloc[1:]
        R = returns.to_numpy()
        assets = names[:-1]
        bench = R[:, -1]
        out = {"symbols": names, "benchmark": names[-1], "start": dates[0].strftime("%Y-%m-%d"), "end": dates[-1].strftime("%Y-%m-%d")}
        k = min(4, len(assets))
        long_only = [0.4, 0.3, 0.2, 0.1][:k]
        levered = [0.8, -0.3, 0.3, 0.4][:k]
        perf = {}
        for label, w in (("long", long_only), ("levered", levered)):
            for freq in ("none", "daily", "weekly", "monthly", "quarterly"):
                r, turnover, _ = simulate(R[:, :k], dates, w, freq)
                perf[f"{label}|{freq}"] = {"weights": w, **metrics(r, dates, turnover, bench, rf=0.02)}
        out["performance"] = perf
        eq = {}
        n = len(assets)
        cov = np.cov(R[:, :n], rowvar=False, ddof=1)
        ew = np.full(n, 1 / n)
        for freq in ("daily", "monthly", "none"):
            r, turnover, contrib = simulate(R[:, :n], dates, ew, freq)
            eq[freq] = {"total_return": float(np.prod(1 + r) - 1), "contributions": dict(zip(assets, map(float, contrib))), "turnover": turnover,
                        "diversification_ratio": float(ew @ np.sqrt(np.diag(cov)) / np.sqrt(ew @ cov @ ew))}
        out["equal_weight"] = eq
        out["hrp"] = {m: hrp(returns[assets], m) for m in ("single", "complete", "average", "ward")}
        out["hrp_d_tilde"] = {m: hrp(returns[assets], m, tilde=True) for m in ("single", "complete", "average", "ward")}
        mw = max(0.35, 1.5 / n) if n > 3 else 0.5
        out["cvar"] = {"alpha": 0.95, "max_weight": mw, **min_cvar(R[:, :n], 0.95, mw)}
        best = float(R[:, :n].mean(axis=0).max() * A)
        target = float(np.median(R[:, :n].mean(axis=0)) * A)
        out["cvar_target"] = {"alpha": 0.9, "max_weight": 1.0, "target_return": target, **min_cvar(R[:, :n], 0.9, 1.0, target)}
        out["best_return"] = best
        if name == "P":
            X = R[:, :n]
            out["sparse"] = {}
            for lam in (0.0, 1e-6, 1e-5, 1e-4):
                res = sparse_tracking(X, bench, lam, 0.25, 0.01)
                out["sparse"][repr(lam)] = {"lambda": lam, "max_weight": 0.25, "huber_m": 0.01, **res}
        (OUT / f"golden-{name}.json").write_text(json.dumps(out, indent=1))
        print(name, "written")


if __name__ == "__main__":
    main()
