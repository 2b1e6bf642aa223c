"""Golden values for the tear sheet PDF's tables, from pandas.

A seeded random equity curve on business days (with flat stretches, so ties with the running peak
occur) and, computed with pandas:
- drawdown periods as pyfolio's get_top_drawdowns defines them: underwater = equity / cummax - 1;
  each run of underwater < 0 is a period; the peak is the last date before it at a new high, the
  trough the date of the lowest underwater, the recovery the first date back at the peak (None when
  the curve ends under it); depth = the trough's underwater; days = calendar days from peak to
  recovery (or to the last date);
- month-end to month-end returns (the first month from the first value) and each year's compounded
  return.

Run with Debian's python3 (python3-numpy, python3-pandas):
    /usr/bin/python3 scripts/golden/tearsheet_golden.py
"""
import json
import pathlib

import numpy as np
import pandas as pd

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tearsheet" / "golden.json"

rng = np.random.default_rng(19)
dates = pd.bdate_range("2021-01-04", periods=700)
steps = rng.normal(0.0004, 0.011, len(dates))
steps[rng.random(len(dates)) < 0.08] = 0.0  # flat days: ties with the running peak
equity = pd.Series(100_000 * np.cumprod(1 + steps), index=dates).round(2)

underwater = equity / equity.cummax() - 1
periods = []
under = underwater < 0
run_id = (under != under.shift()).cumsum()
for _, run in underwater[under].groupby(run_id[under]):
    start = equity.index.get_loc(run.index[0])
    peak = equity.index[start - 1]
    trough = run.idxmin()
    after = equity.index.get_loc(run.index[-1]) + 1
    recovery = equity.index[after] if after < len(equity) else None
    end = recovery if recovery is not None else equity.index[-1]
    periods.append(
        {
            "peak": peak.strftime("%Y-%m-%d"),
            "trough": trough.strftime("%Y-%m-%d"),
            "recovery": recovery.strftime("%Y-%m-%d") if recovery is not None else None,
            "depth": float(run.min()),
            "days": int((end - peak).days),
        }
    )
periods.sort(key=lambda p: p["depth"])

month_end = equity.groupby(equity.index.to_period("M")).last()
monthly = month_end / month_end.shift(1, fill_value=equity.iloc[0]) - 1
years = (1 + monthly).groupby(monthly.index.year).prod() - 1

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(
    json.dumps(
        {
            "equity": [{"date": d.strftime("%Y-%m-%d"), "value": float(v)} for d, v in equity.items()],
            "drawdowns": periods,
            "monthly": [{"month": str(m), "return": float(r)} for m, r in monthly.items()],
            "years": {str(y): float(r) for y, r in years.items()},
        },
        indent=1,
    )
    + "\n"
)
print(f"wrote {OUT}: {len(periods)} drawdown periods, {len(monthly)} months")
