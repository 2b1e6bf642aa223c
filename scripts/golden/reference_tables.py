"""Export published critical-value tables used by the research statistics, as data.

- MacKinnon (1994) response-surface coefficients for unit-root/cointegration p-values (tau_max, tau_min,
  tau_star, small-p and large-p polynomials), and MacKinnon (2010) critical-value response surfaces.
- Johansen trace and maximum-eigenvalue critical values (90/95/99%).

The numbers are read from the tables statsmodels ships (statsmodels.tsa.adfvalues and coint_tables) so that
our p-values match the reference library exactly. Run with Debian's python3 (python3-statsmodels):
    /usr/bin/python3 scripts/golden/reference_tables.py
Writes plugins/quant/stats/reference-tables.json.
"""
import json
import pathlib

import numpy as np
from statsmodels.tsa import adfvalues as a
from statsmodels.tsa import coint_tables as c

regs = ["n", "c", "ct", "ctt"]


def finite(values):
    """JSON has no infinities: an unbounded limit is written as null."""
    return [float(v) if np.isfinite(v) else None for v in values]


out = {
    "source": "MacKinnon (1994, 2010) response surfaces; Johansen critical values; as tabulated in statsmodels 0.13.5",
    "mackinnon": {
        r: {
            "max": finite(a._tau_maxs[r]),
            "min": finite(a._tau_mins[r]),
            "star": finite(a._tau_stars[r]),
            "smallp": np.asarray(a._tau_smallps[r]).tolist(),
            "largep": np.asarray(a._tau_largeps[r]).tolist(),
            "crit2010": np.asarray(a.tau_2010s[r]).tolist(),
        }
        for r in regs
    },
    "johansen": {
        str(p): {"max_eigen": [list(map(float, c.c_sja(n, p))) for n in range(1, 13)],
                 "trace": [list(map(float, c.c_sjt(n, p))) for n in range(1, 13)]}
        for p in (-1, 0, 1)
    },
}
path = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "quant" / "stats" / "reference-tables.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(path)
assert "Infinity" not in path.read_text() and "NaN" not in path.read_text()
