"""Every detector, by code. `licitagraph detect` runs them in this order."""

from __future__ import annotations

from typing import Any

from detectors.base import Detector
from detectors.cnae_mismatch import CnaeMismatch
from detectors.cobidding import Cobidding
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
from detectors.shared_contacts import SharedContacts
from detectors.short_deadline import ShortDeadline
from detectors.tiny_capital import TinyCapital

DETECTORS: tuple[type[Detector[Any]], ...] = (
    Screens,
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
)
BY_CODE: dict[str, type[Detector[Any]]] = {d.code: d for d in DETECTORS}

# weight of each detector's score in the combined risk (a hard legal breach weighs more than a screen)
WEIGHTS: dict[str, float] = {
    "screens": 0.6,
    "cobidding": 0.8,
    "loser_winner": 0.7,
    "shared_contacts": 0.9,
    "low_competition": 0.4,
    "overpricing": 0.8,
    "dispensa_limit": 0.9,
    "fracionamento": 0.8,
    "short_deadline": 0.6,
    "direct_share": 0.5,
    "sanctioned_winner": 1.0,
    "fresh_company": 0.6,
    "inactive_supplier": 0.8,
    "tiny_capital": 0.5,
    "cnae_mismatch": 0.4,
}
