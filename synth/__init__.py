"""`licitagraph synth`: a seeded synthetic Goiás procurement world in the real source formats, fraud planted.

`generate(out, seed, tenders, **options)` writes the sources folder of docs/sources-layout.md and a
`ground_truth.json` listing every planted case (and the honest near misses) with graph ids. See docs/synth.md.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from synth import law
from synth.params import SynthParams

if TYPE_CHECKING:
    from synth.market import Generated, Market, Spec
    from synth.world import World

__all__ = ["SynthParams", "generate"]

log = logging.getLogger(__name__)

GENERATOR_VERSION = "1"
PATTERNS = (
    "bid_rotation",
    "cover_bidding",
    "shared_partner",
    "shared_address",
    "shared_phone",
    "shared_email",
    "overpricing",
    "fracionamento",
    "short_deadline",
    "sanctioned_winner",
    "fresh_company",
    "dispensa_over_limit",
    "single_bidder",
)


def generate(out: Path, seed: int = 42, tenders: int = 500, **options: Any) -> dict[str, int]:
    """Write a synthetic world under `out` and return its counts (files, tenders, items, bids, cases...)."""
    from synth.market import Market, build_plan
    from synth.world import build_world

    t0 = time.perf_counter()
    p = SynthParams.build(tenders, **options)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = np.random.SeedSequence(seed)
    rng_world, rng_plan, rng_market, rng_registry = (np.random.default_rng(s) for s in root.spawn(4))
    w = build_world(rng_world, p, date(p.start_year, 1, 1))
    specs, meta = build_plan(rng_plan, p, w)
    market = Market(rng_market, p, w, meta)
    counts: Counter[str] = Counter()
    _write_tenders(out, p, specs, market, counts)
    market.finish()
    _write_registries(out, p, w, market, rng_registry, counts)
    _count_world(w, market, counts)
    cases, near = _number_cases(market, counts)
    near.extend(_link_near_misses(w))
    counts["near_misses"] = len(near)
    _write_truth(out, seed, p, counts, cases, near)
    log.info(
        "synth: %d tenders, %d items, %d bids, %d cases in %.1fs",
        counts["tenders"],
        counts["items"],
        counts["bids"],
        len(cases),
        time.perf_counter() - t0,
    )
    return dict(sorted(counts.items()))


@dataclass
class _Chunk:
    """The items, results and bid rows of up to `chunk_tenders` tenders, written together as one file each."""

    number: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    bids: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, g: Generated) -> None:
        """Add one tender: its itens response (keyed like the PNCP API call), results and bid rows."""
        self.items.append(
            {
                "cnpj": g.record["orgaoEntidade"]["cnpj"],
                "ano": g.record["anoCompra"],
                "sequencial": g.record["sequencialCompra"],
                "response": g.items,
            }
        )
        self.results.extend(g.results)
        self.bids.extend(g.bid_rows)

    def flush(self, out: Path, counts: Counter[str]) -> None:
        """Write the chunk's three files (nothing when it is empty) and start the next one."""
        from synth.writers import GENERIC_BID_HEADER, csv_dump, jsonl_dump

        if not self.items:
            return
        tag = f"{self.number:05d}"
        jsonl_dump(out / "pncp" / "itens" / f"itens-{tag}.jsonl", self.items)
        jsonl_dump(out / "pncp" / "resultados" / f"resultados-{tag}.jsonl", self.results)
        csv_dump(
            out / "bids" / "generic" / f"lances-{tag}.csv", GENERIC_BID_HEADER, self.bids, encoding="utf-8"
        )
        counts["files"] += 3
        self.number += 1
        self.items, self.results, self.bids = [], [], []


def _write_tenders(
    out: Path, p: SynthParams, specs: list[Spec], market: Market, counts: Counter[str]
) -> None:
    """Generate every tender of the plan, in plan order, into PNCP pages and item/result/bid chunks."""
    n_pages = max(1, -(-len(specs) // p.page_size))
    page: list[dict[str, Any]] = []
    chunk = _Chunk()
    for i, spec in enumerate(specs):
        g = market.generate(spec)
        page.append(g.record)
        chunk.add(g)
        _count_tender(g, counts)
        if len(page) == p.page_size or i == len(specs) - 1:
            _write_page(out, page, -(-(i + 1) // p.page_size), len(specs), n_pages)
            counts["files"] += 1
            page = []
        if (i + 1) % p.chunk_tenders == 0:
            chunk.flush(out, counts)
    chunk.flush(out, counts)


def _count_tender(g: Generated, counts: Counter[str]) -> None:
    """Count one tender, its items, results, bids and modality."""
    counts["tenders"] += 1
    counts["items"] += len(g.items)
    counts["results"] += len(g.results)
    counts["bids"] += g.n_bids
    counts[f"modality_{g.record['modalidadeId']}"] += 1


def _write_page(out: Path, page: list[dict[str, Any]], number: int, total: int, n_pages: int) -> None:
    """One page of the PNCP contratações listing, with the API's paging envelope."""
    from synth.writers import json_dump

    json_dump(
        out / "pncp" / "contratacoes" / f"contratacoes-{number:05d}.json",
        {
            "data": page,
            "totalRegistros": total,
            "totalPaginas": n_pages,
            "numeroPagina": number,
            "paginasRestantes": n_pages - number,
            "empty": False,
        },
    )


def _write_registries(
    out: Path, p: SynthParams, w: World, market: Market, rng: np.random.Generator, counts: Counter[str]
) -> None:
    """The Receita CNPJ files and the CEIS/CNEP sanction lists, as of the world's last day."""
    from synth.registry import write_cnpj, write_sanctions

    reg = write_cnpj(out, w, rng)
    as_of = date(p.start_year + p.years - 1, 12, 31)
    san = write_sanctions(out, w, market, rng, as_of)
    counts["files"] += reg.pop("files") + san.pop("files")
    counts.update(reg)
    counts.update(san)


def _count_world(w: World, market: Market, counts: Counter[str]) -> None:
    """Count the world's suppliers (companies that bid), companies, persons, agencies and units."""
    counts["suppliers"] = len(market.participants)
    counts["companies"] = len(w.companies) + len(w.agencies)
    counts["persons"] = len(w.persons)
    counts["agencies"] = len(w.agencies)
    counts["units"] = len(w.units)


def _number_cases(market: Market, counts: Counter[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Give every planted case and near miss its case id, and count the cases of each pattern."""
    cases = market.truth.cases
    near = market.truth.near_misses
    for k, c in enumerate(cases):
        c["case_id"] = f"{c['pattern']}:{k + 1:05d}"
    for k, c in enumerate(near):
        c["case_id"] = f"near_miss:{c['pattern']}:{k + 1:05d}"
    per_pattern = Counter(c["pattern"] for c in cases)
    for pat in PATTERNS:
        counts[f"cases_{pat}"] = per_pattern.get(pat, 0)
    return cases, near


def _link_near_misses(w: World) -> list[dict[str, Any]]:
    """Links that never meet in a tender: near misses of the shared-contact patterns."""
    from synth import ids

    return [
        {
            "pattern": lk.kind,
            "why_not": "the two companies share it but never bid in the same tender",
            "case_id": f"near_miss:{lk.kind}:link:{lk.members[0]}-{lk.members[1]}",
            "supplier_ids": [ids.supplier_id(w.companies[x].cnpj) for x in lk.members],
            "person_ids": lk.person_ids,
            "contact_ids": lk.contact_ids,
        }
        for lk in w.links
        if not lk.planted
    ]


def _write_truth(
    out: Path,
    seed: int,
    p: SynthParams,
    counts: Counter[str],
    cases: list[dict[str, Any]],
    near: list[dict[str, Any]],
) -> None:
    """Write ground_truth.json: generator, seed, params, sizes, the law's thresholds, cases, near misses."""
    from synth.writers import json_dump

    counts["files"] += 1
    truth = {
        "generator": "licitagraph synth",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "params": p.as_dict(),
        "sizes": {k: counts[k] for k in sorted(counts) if not k.startswith("cases_") and k != "files"},
        "dispensa_limits": {
            str(y): {"art75_I": a, "art75_II": b} for y, (a, b) in law.DISPENSA_LIMITS.items()
        },
        "art55_min_business_days": {f"{k}|{c}": v for (k, c), v in law.ART55_MIN_BUSINESS_DAYS.items()},
        "patterns": list(PATTERNS),
        "cases": cases,
        "near_misses": near,
    }
    json_dump(out / "ground_truth.json", truth)
