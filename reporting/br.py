"""Numbers, money, percentages and dates the way a Brazilian reader writes them (no locale needed):
`R$ 214.168,61`, `4,76`, `9,3 %`, `02/12/2026`. Used by everything people read: alert emails, pictures and
the case pages."""

from __future__ import annotations

import math
import re
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
            return datetime.fromisoformat(d.replace("Z", "+00:00")).strftime("%d/%m/%Y")
        except ValueError:
            return d
    return d.strftime("%d/%m/%Y")


def cnpj(digits: str | None) -> str:
    """`12345678000190` -> `12.345.678/0001-90`; anything that is not 14 digits is returned as is."""
    if not digits:
        return "—"
    d = str(digits).strip()
    if len(d) != 14 or not d.isdigit():
        return d
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"


_EN_MONEY = re.compile(r"R\$\s?(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)(?!\d|[.,]\d)")
_EN_PERCENT = re.compile(r"(?<![\d.,])(-?\d+(?:\.\d+)?)\s?%")
_EN_DECIMAL = re.compile(r"(?<![\d.,/:\-])(-?\d+)\.(\d+)(?![\d,]|\.\d)")


def _en_to_float(text: str) -> float:
    return float(text.replace(",", ""))


def localize(text: str | None) -> str:
    """Rewrite the numbers an English-formatted sentence carries the Brazilian way: `R$ 214,168.61` ->
    `R$ 214.168,61`, `9.3%` -> `9,3 %`, `4.76 vezes` -> `4,76 vezes`.

    For sentences a detector wrote with Python's own format specs. Dotted identifiers (a CNPJ
    `12.345.678/0001-90`, `art. 75`, a version `1.0.0`) are left alone: a decimal is changed only when it
    is a lone `digits.digits`. Idempotent: a localized sentence comes back unchanged."""
    if not text:
        return ""

    def money_(m: re.Match[str]) -> str:
        raw = m.group(1)
        decimals = len(raw.split(".")[1]) if "." in raw else 2
        return money(_en_to_float(raw)) if decimals == 2 else f"R$ {number(_en_to_float(raw), decimals)}"

    def percent_(m: re.Match[str]) -> str:
        raw = m.group(1)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        return f"{number(float(raw), decimals)} %"

    out = _EN_MONEY.sub(money_, text)
    out = _EN_PERCENT.sub(percent_, out)
    return _EN_DECIMAL.sub(lambda m: f"{m.group(1)},{m.group(2)}", out)
