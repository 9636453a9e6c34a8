"""Numbers, money, percentages and dates the way a Brazilian reader writes them (no locale needed):
`R$ 214.168,61`, `4,76`, `9,3 %`, `02/12/2026`. Used by everything people read: alert emails, pictures and
the case pages."""

from __future__ import annotations

import math
from datetime import date, datetime


def number(x: float | int | None, decimals: int = 2) -> str:
    """`1234567.891` -> `1.234.567,89`; `None` or NaN -> `—`."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    text = f"{float(x):,.{decimals}f}"  # 1,234,567.89
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def integer(x: float | int | None) -> str:
    """`12345` -> `12.345`."""
    return number(x, 0)


def money(x: float | int | None) -> str:
    """`214168.61` -> `R$ 214.168,61`; negative -> `-R$ 1,00`."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    sign = "-" if x < 0 else ""
    return f"{sign}R$ {number(abs(x), 2)}"


def percent(fraction: float | None, decimals: int = 1) -> str:
    """`0.093` -> `9,3 %` (the input is a fraction, not percentage points)."""
    if fraction is None or (isinstance(fraction, float) and not math.isfinite(fraction)):
        return "—"
    return f"{number(100.0 * fraction, decimals)} %"


def times(x: float | None, decimals: int = 2) -> str:
    """`4.7612` -> `4,76 vezes`."""
    return "—" if x is None else f"{number(x, decimals)} vezes"


def day(d: date | datetime | str | None) -> str:
    """`2026-12-02` (or a date/datetime) -> `02/12/2026`."""
    if d is None or d == "":
        return "—"
    if isinstance(d, str):
        try:
            d = datetime.fromisoformat(d.replace("Z", "+00:00"))
        except ValueError:
            return d
    return d.strftime("%d/%m/%Y")
