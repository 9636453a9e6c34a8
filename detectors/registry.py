"""Every detector, in the order `licitagraph detect` runs them. What each one is (code, version, title, risk
weight, alert text, synthetic patterns) is declared on its class (`info`, detectors/base.py DetectorInfo);
this module only orders them and checks the declarations at import."""

from __future__ import annotations

from typing import Any

from detectors.base import Detector
from detectors.cnae_mismatch import CnaeMismatch
from detectors.cobidding import Cobidding
from detectors.confirmed_cartel import ConfirmedCartel
from detectors.direct_share import DirectShare
from detectors.dispensa_limit import DispensaLimit
from detectors.fracionamento import Fracionamento
from detectors.fresh_company import FreshCompany
from detectors.inactive_supplier import InactiveSupplier
from detectors.loser_winner import LoserWinner
from detectors.low_competition import LowCompetition
from detectors.overpricing import Overpricing
from detectors.sanctioned_winner import SanctionedWinner
from detectors.screens import Screens
from detectors.screens_model import ScreensModel
from detectors.shared_contacts import SharedContacts
from detectors.short_deadline import ShortDeadline
from detectors.tiny_capital import TinyCapital

DETECTORS: tuple[type[Detector[Any]], ...] = (
    Screens,
    ScreensModel,
    Cobidding,
    LoserWinner,
    SharedContacts,
    LowCompetition,
    Overpricing,
    DispensaLimit,
    Fracionamento,
    ShortDeadline,
    DirectShare,
    SanctionedWinner,
    FreshCompany,
    InactiveSupplier,
    TinyCapital,
    CnaeMismatch,
    ConfirmedCartel,
)


def problems(detectors: tuple[type[Detector[Any]], ...] = DETECTORS) -> list[str]:
    """What is wrong with the detectors' declarations: each `info` valid, unique codes, and one place per
    detector (class `info` in module `detectors/<code>.py`)."""
    out: list[str] = []
    seen: set[str] = set()
    for d in detectors:
        info = d.__dict__.get("info")
        if info is None:
            out.append(f"{d.__name__}: no `info = DetectorInfo(...)` on the class")
            continue
        out += info.problems()
        if info.code in seen:
            out.append(f"{info.code}: declared twice")
        seen.add(info.code)
        if d.__module__ != f"detectors.{info.code}":
            out.append(f"{info.code}: declared in {d.__module__}, not detectors.{info.code}")
    return out


_problems = problems()
if _problems:
    raise RuntimeError("bad detector declarations: " + "; ".join(_problems))

BY_CODE: dict[str, type[Detector[Any]]] = {d.code: d for d in DETECTORS}

# weight of each detector's score in the combined risk (a hard legal breach weighs more than a screen)
WEIGHTS: dict[str, float] = {d.code: d.info.weight for d in DETECTORS}


def pattern_detectors() -> dict[str, tuple[str, ...]]:
    """planted synthetic pattern -> codes of the detectors expected to find it, in registry order."""
    out: dict[str, tuple[str, ...]] = {}
    for d in DETECTORS:
        for p in d.info.patterns:
            out[p] = (*out.get(p, ()), d.code)
    return out
