"""Parameters of the synthetic world: sizes and the prevalence of every planted pattern."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class SynthParams:
    tenders: int = 500
    start_year: int = 2023
    years: int = 3
    # planted patterns, as a share of all tenders (each at least one case when the world has >= 60 tenders)
    cartel_share: float = 0.04  # bid_rotation + cover_bidding
    shared_partner_share: float = 0.01
    shared_address_share: float = 0.01
    shared_phone_share: float = 0.01
    shared_email_share: float = 0.01
    fracionamento_share: float = 0.02  # tenders that belong to a split purchase (groups of 3-5)
    short_deadline_share: float = 0.02
    sanctioned_winner_share: float = 0.01
    fresh_company_share: float = 0.01
    dispensa_over_limit_share: float = 0.01
    single_bidder_share: float = 0.03
    overpricing_share: float = 0.02  # share of items of competitive tenders
    near_miss_ratio: float = 1.0  # honest look-alikes per planted case
    # world texture
    suppliers_per_tender: float = 0.6
    min_suppliers: int = 240
    max_suppliers: int = 30_000
    registry_noise_ratio: float = 0.2  # companies in the CNPJ files that never bid, per supplier
    page_size: int = 500  # PNCP records per contratacoes page
    chunk_tenders: int = 2_000  # tenders per itens/resultados/bids file

    @classmethod
    def build(cls, tenders: int, **options: Any) -> SynthParams:
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown synth options: {sorted(unknown)}; known: {sorted(known)}")
        p = cls(tenders=tenders, **options)
        if p.tenders < 1:
            raise ValueError("tenders must be >= 1")
        if not (p.start_year >= 2021 and p.start_year + p.years - 1 <= 2026 and p.years >= 1):
            raise ValueError("years must lie within 2021-2026 (the dispensa limit table)")
        return p

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
