"""Lei 14.133/2021 figures the compliance detectors use, kept as data.

Art. 75 I (obras, serviços de engenharia, manutenção de veículos) and II (other goods and services) value
limits for dispensa, by year of the purchase, as updated by decree each year under art. 182 (Decreto 10.922/2021
for 2022, 11.317/2022 for 2023, 11.871/2023 for 2024, 12.343/2024 for 2025, 12.807/2025 for 2026). Years before
the first update use the law's original figures, years after the last one the last figures.

These are the only fixed numbers the detectors hold: every other cut-off is measured on the data of the run.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import numpy as np

T = TypeVar("T")

# year -> (limit of art. 75 I, limit of art. 75 II), R$
DISPENSA_LIMITS: dict[int, tuple[float, float]] = {
    2021: (100_000.00, 50_000.00),  # original text of the law
    2022: (108_040.82, 54_020.41),
    2023: (114_416.65, 57_208.33),
    2024: (119_812.02, 59_906.02),
    2025: (125_451.15, 62_725.59),
    2026: (130_984.20, 65_492.11),
}
ORIGINAL_LIMITS = DISPENSA_LIMITS[2021]
LAW_IN_FORCE = date(2021, 4, 1)

# year -> art. 75 §7º value, R$: vehicle-maintenance purchases (parts included) of the agency's own vehicles up
# to it are left out of the §1º sum (fracionamento). The decrees above update it with the other values; 2024
# is the 2023 figure moved by that year's factor of art. 75 I (the same step reproduces the 2025 and 2026
# published figures to the cent).
VEHICLE_MAINTENANCE_EXEMPT: dict[int, float] = {
    2021: 8_000.00,  # original text of the law
    2022: 8_643.27,
    2023: 9_153.34,
    2024: 9_584.97,
    2025: 10_036.10,
    2026: 10_478.74,
}

# art. 69 §4º: an edital may require capital social (or patrimônio líquido) of at most 10 % of the contract's
# estimated value
CAPITAL_REQUIREMENT_MAX_SHARE = 0.10
# art. 70 III: the qualification documents (capital among them) may be waived under a quarter of the art. 75 II
# limit
QUALIFICATION_WAIVER_SHARE_OF_LIMIT_II = 0.25
# art. 69 §6º: a company constituted less than 2 years ago shows only its last balance sheet (the law's own line
# for a recently constituted company)
RECENT_COMPANY_DAYS = 730

# object natures that fall under art. 75 I
ENGINEERING_NATURES = frozenset({"works", "engineering", "vehicle_maintenance"})

# PNCP amparo legal codes of dispensa por valor
DISPENSA_BY_VALUE_CODES = frozenset({18, 19})

MODALITY_DISPENSA = 8
MODALITY_INEXIGIBILIDADE = 9

# PNCP critérioJulgamentoId
CRITERION_LOWEST_PRICE = 1
CRITERION_BIGGEST_DISCOUNT = 2
CRITERION_TECHNIQUE_AND_PRICE = 4
CRITERION_HIGHEST_BID = 5
CRITERION_BEST_TECHNIQUE = 8
CRITERION_ARTISTIC = 9


def _of_year(table: dict[int, T], year: int) -> T:
    """The figure in force in `year`: the original before the first update, the last after the last one."""
    if year in table:
        return table[year]
    return table[max(table)] if year > max(table) else table[min(table)]


def dispensa_limit(year: int, nature: str | None) -> float:
    """The art. 75 limit for a purchase of `year` and object nature (I for engineering natures, else II)."""
    limits = _of_year(DISPENSA_LIMITS, year)
    return limits[0] if (nature or "") in ENGINEERING_NATURES else limits[1]


def vehicle_maintenance_exempt_max(year: int) -> float:
    """The art. 75 §7º value of `year`: vehicle-maintenance purchases up to it stay out of the §1º sum."""
    return _of_year(VEHICLE_MAINTENANCE_EXEMPT, year)


def qualification_waiver_max(year: int) -> float:
    """Art. 70 III: under this value (a quarter of the art. 75 II limit of `year`) the qualification
    documents, capital social among them, may be waived."""
    return QUALIFICATION_WAIVER_SHARE_OF_LIMIT_II * dispensa_limit(year, "goods")


def minimum_business_days(nature: str | None, criterion: int | None) -> int | None:
    """Art. 55 minimum dias úteis between the edital and the proposals, or None when it cannot be told.

    Services and engineering are taken as common (the shorter deadline), so a finding is never raised
    merely because the special-service deadline was assumed."""
    if criterion in (CRITERION_TECHNIQUE_AND_PRICE, CRITERION_BEST_TECHNIQUE, CRITERION_ARTISTIC):
        return 35
    if criterion == CRITERION_HIGHEST_BID:
        return 15
    lowest = criterion in (CRITERION_LOWEST_PRICE, CRITERION_BIGGEST_DISCOUNT)
    if nature == "goods":
        return 8 if lowest else 15
    if nature in ("services", "engineering", "works", "vehicle_maintenance"):
        return 10 if lowest else 35
    return None


def business_days_between(published: date, opening: date, holidays: tuple[date, ...] = ()) -> int:
    """Dias úteis after `published` up to and including `opening` (art. 183: first day out, last day in)."""
    start = np.datetime64(published, "D") + np.timedelta64(1, "D")
    end = np.datetime64(opening, "D") + np.timedelta64(1, "D")
    if end <= start:
        return 0
    return int(np.busday_count(start, end, holidays=[np.datetime64(h, "D") for h in holidays]))
