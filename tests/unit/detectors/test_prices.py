"""The IPCA table shipped as data and the move of prices between months."""

from __future__ import annotations

import pandas as pd
import pytest

from detectors.prices import base_month, index_at, ipca_index, to_base_factor

# IBGE's published annual IPCA (%, December over December), to check the monthly table against
ANNUAL = {
    2010: 5.91,
    2015: 10.67,
    2016: 6.29,
    2017: 2.95,
    2018: 3.75,
    2019: 4.31,
    2020: 4.52,
    2021: 10.06,
    2022: 5.79,
    2023: 4.62,
    2024: 4.83,
}


def test_monthly_table_compounds_to_the_published_annual_ipca() -> None:
    idx = ipca_index()
    for year, pct in ANNUAL.items():
        got = (idx[pd.Period(f"{year}-12", "M")] / idx[pd.Period(f"{year - 1}-12", "M")] - 1) * 100
        assert got == pytest.approx(pct, abs=0.015), year


def test_factors_by_month_year_and_undated() -> None:
    months = pd.Series([pd.Period("2018-06", "M"), None, None, pd.Period("1990-01", "M")])
    years = pd.Series([None, 2017.0, None, None])
    f, p = to_base_factor(months, years)
    assert p.tolist()[:2] == ["2018-06", "2017"] and p.iloc[2] == "undated"
    assert p.iloc[3] == "2000-01"  # before the table: its first month
    base = ipca_index()[base_month()]
    assert f.iloc[0] == pytest.approx(base / ipca_index()[pd.Period("2018-06", "M")])
    assert f.iloc[1] == pytest.approx(base / index_at(None, 2017)[0])  # type: ignore[index]
    assert f.iloc[2] == pytest.approx(sorted([f.iloc[0], f.iloc[1], f.iloc[3]])[1])  # the dated rows' median
