"""Lei 14.133/2021 rules the synthetic world obeys (honest tenders) or breaks (planted cases).

The simulator keeps its own reading of the law and shares no constant with the detectors
(detectors/law.py): a planted case then tests the detector's reading of the law instead of echoing it
back. tests/unit/synth/test_independent_copies.py checks that both readings of the decrees agree.
"""

from __future__ import annotations

from datetime import date, timedelta

# art. 75 I (obras, serviços de engenharia, manutenção de veículos) and II (other goods and services),
# updated yearly by decree. 2023 and 2024 use Decreto 11.317/2022 and Decreto 11.871/2023.
DISPENSA_LIMITS: dict[int, tuple[float, float]] = {
    2021: (100_000.00, 50_000.00),  # original text of the law
    2022: (108_040.82, 54_020.41),  # Decreto 10.922/2021
    2023: (114_416.65, 57_208.33),  # Decreto 11.317/2022
    2024: (119_812.02, 59_906.02),  # Decreto 11.871/2023
    2025: (125_451.15, 62_725.59),  # Decreto 12.343/2024
    2026: (130_984.20, 65_492.11),  # Decreto 12.807/2025
}

AMPARO_ART75_I = 18
AMPARO_ART75_II = 19

# Object natures; art. 75 I covers engineering, works and vehicle maintenance, II everything else.
NATURES_ART75_I = frozenset({"engineering", "works", "vehicle_maintenance"})


def dispensa_limit(year: int, nature: str) -> float:
    """The art. 75 limit (R$) that applies to a dispensa por valor of this nature in this year."""
    inc_i, inc_ii = DISPENSA_LIMITS[year]
    return inc_i if nature in NATURES_ART75_I else inc_ii


def dispensa_amparo(nature: str) -> int:
    return AMPARO_ART75_I if nature in NATURES_ART75_I else AMPARO_ART75_II


# art. 55 minimum dias úteis between publishing the edital and the end of the proposal period,
# keyed by (object kind, judgment criterion). Criterion ids as in PNCP: 1 menor preço, 2 maior desconto,
# 4 técnica e preço, 5 maior lance, 8 melhor técnica, 9 conteúdo artístico.
ART55_MIN_BUSINESS_DAYS: dict[tuple[str, int], int] = {
    ("goods", 1): 8,
    ("goods", 2): 8,
    ("goods", 4): 15,
    ("services", 1): 10,  # serviços comuns, menor preço
    ("services", 2): 10,
    ("engineering", 1): 10,  # serviços comuns de engenharia, menor preço
    ("engineering", 2): 10,
    ("vehicle_maintenance", 1): 10,
    ("vehicle_maintenance", 2): 10,
    ("special_services", 1): 25,  # serviços especiais e obras/serviços especiais de engenharia
    ("works", 1): 25,
    ("works", 4): 35,  # técnica e preço
    ("services", 4): 35,
    ("engineering", 4): 35,
}


def art55_min_days(kind: str, criterion: int) -> int:
    return ART55_MIN_BUSINESS_DAYS.get((kind, criterion), 35 if criterion in (4, 8, 9) else 10)


def art55_min_days_any_reading(kind: str, criterion: int) -> int:
    """The shortest art. 55 minimum any reading of the object allows: works by menor preço or maior desconto
    may be obras comuns de engenharia (10 dias úteis, art. 55 II a) rather than special ones (25, II b), and
    nothing in a PNCP record tells them apart. A planted short deadline is short under this reading too."""
    if kind == "works" and criterion in (1, 2):
        return ART55_MIN_BUSINESS_DAYS[("engineering", criterion)]
    return art55_min_days(kind, criterion)


def _easter(year: int) -> date:
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = ((h + l_ - 7 * m + 114) % 31) + 1
    return date(year, month, day)


def national_holidays(year: int) -> frozenset[date]:
    """Feriados nacionais (fixed ones plus Carnaval, Sexta-feira Santa and Corpus Christi)."""
    fixed = [(1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (11, 20), (12, 25)]
    e = _easter(year)
    moving = [e - timedelta(days=48), e - timedelta(days=47), e - timedelta(days=2), e + timedelta(days=60)]
    return frozenset([date(year, m, d) for m, d in fixed] + moving)


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in national_holidays(d.year)


def business_days_between(published: date, deadline: date, holidays: bool = True) -> int:
    """Dias úteis after the publication day up to and including the deadline day.

    With holidays=False only weekends are skipped (a coarser count that is never smaller).
    """
    n, d = 0, published
    while d < deadline:
        d += timedelta(days=1)
        if is_business_day(d) if holidays else d.weekday() < 5:
            n += 1
    return n


def add_business_days(published: date, n: int) -> date:
    """The date that is exactly n dias úteis (holidays skipped) after the publication date."""
    d, k = published, 0
    while k < n:
        d += timedelta(days=1)
        if is_business_day(d):
            k += 1
    return d


def add_weekdays(published: date, n: int) -> date:
    """The date n weekdays after the publication date, holidays counted as working days."""
    d, k = published, 0
    while k < n:
        d += timedelta(days=1)
        if d.weekday() < 5:
            k += 1
    return d
