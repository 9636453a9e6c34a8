"""Moving prices between months with the IPCA (detectors/data/ipca.csv, IBGE's monthly variation).

A price paid in month m is worth price × I(base) / I(m) at the prices of the base month, where I chains
the monthly variations. A purchase known only by its year takes the mean index of that year; one outside
the table's months takes the nearest month of the table (the factor is then an approximation, and the
evidence says which month was used).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd

IPCA_RESOURCE = ("detectors", "data/ipca.csv")


@lru_cache(maxsize=1)
def ipca_index() -> pd.Series:
    """IPCA chained into an index (first month of the table = 1), indexed by pandas monthly Period."""
    path = files(IPCA_RESOURCE[0]).joinpath(IPCA_RESOURCE[1])
    with path.open(encoding="utf-8") as fh:
        df = pd.read_csv(fh, comment="#")
    months = pd.PeriodIndex(df["month"], freq="M")
    if not months.is_monotonic_increasing or len(set(months)) != len(months):
        raise ValueError(f"{IPCA_RESOURCE[1]}: months must be unique and in order")
    if len(months) and (months[-1] - months[0]).n + 1 != len(months):
        raise ValueError(f"{IPCA_RESOURCE[1]}: a month is missing between {months[0]} and {months[-1]}")
    level = np.cumprod(1.0 + df["variation_pct"].to_numpy(dtype=float) / 100.0)
    return pd.Series(level / level[0], index=months, name="ipca")


def base_month() -> pd.Period:
    """The month every price is moved to: the last month of the table."""
    return ipca_index().index[-1]  # type: ignore[no-any-return]


def index_at(month: pd.Period | None, year: int | None = None) -> tuple[float, str] | None:
    """(index, period used) for a month, else for a year (its months' mean), else None."""
    idx = ipca_index()
    first, last = idx.index[0], idx.index[-1]
    if month is not None:
        m = min(max(month, first), last)
        return float(idx[m]), str(m)
    if year is not None:
        months = idx[(idx.index.year == year)]
        if len(months):
            return float(months.mean()), str(year)
        m = first if year < first.year else last
        return float(idx[m]), str(m)
    return None


def to_base_factor(months: pd.Series, years: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per row: the factor that moves a price of its month (or year) to the base month, and the period
    used ("2018-06", "2017"). A row without a date is taken as contemporary with the dated rows: it gets
    their median factor and the period "undated" (factor 1 when no row has a date)."""
    base = float(ipca_index()[base_month()])
    factors: list[float] = []
    periods: list[str | None] = []
    for m, y in zip(months, years, strict=True):
        month = m if isinstance(m, pd.Period) else None
        year = int(y) if y is not None and y == y else None
        got = index_at(month, year)
        if got is None:
            factors.append(1.0)
            periods.append(None)
        else:
            factors.append(base / got[0])
            periods.append(got[1])
    dated = [f for f, p in zip(factors, periods, strict=True) if p is not None]
    fill = float(np.median(dated)) if dated else 1.0
    factors = [fill if p is None else f for f, p in zip(factors, periods, strict=True)]
    periods = ["undated" if p is None else p for p in periods]
    return pd.Series(factors, index=months.index, dtype=float), pd.Series(
        periods, index=months.index, dtype=object
    )
