"""`licitagraph synth`: a seeded synthetic Goiás procurement world in the real source formats, fraud planted.

`generate(out, seed, tenders, **options)` writes the sources folder of docs/sources-layout.md and a
`ground_truth.json` listing every planted case (and the honest near misses) with graph ids. See docs/synth.md.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from synth import law
from synth.params import SynthParams

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
    from synth.registry import write_cnpj, write_sanctions
    from synth.world import build_world
    from synth.writers import GENERIC_BID_HEADER, csv_dump, json_dump, jsonl_dump

    t0 = time.perf_counter()
    p = SynthParams.build(tenders, **options)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = np.random.SeedSequence(seed)
    rng_world, rng_plan, rng_market, rng_registry = (np.random.default_rng(s) for s in root.spawn(4))
    world_start = date(p.start_year, 1, 1)
    w = build_world(rng_world, p, world_start)
    specs, meta = build_plan(rng_plan, p, w)
    market = Market(rng_market, p, w, meta)

    counts: Counter[str] = Counter()
    n_pages = max(1, -(-len(specs) // p.page_size))
    page: list[dict[str, Any]] = []
    chunk_items: list[dict[str, Any]] = []
    chunk_results: list[dict[str, Any]] = []
    chunk_bids: list[tuple[str, ...]] = []
    chunk_no = 0

    def flush_chunk() -> None:
        nonlocal chunk_no, chunk_items, chunk_results, chunk_bids
        if not chunk_items:
            return
        tag = f"{chunk_no:05d}"
        jsonl_dump(out / "pncp" / "itens" / f"itens-{tag}.jsonl", chunk_items)
        jsonl_dump(out / "pncp" / "resultados" / f"resultados-{tag}.jsonl", chunk_results)
        csv_dump(
            out / "bids" / "generic" / f"lances-{tag}.csv", GENERIC_BID_HEADER, chunk_bids, encoding="utf-8"
        )
        counts["files"] += 3
        chunk_no += 1
        chunk_items, chunk_results, chunk_bids = [], [], []

    for i, spec in enumerate(specs):
        g = market.generate(spec)
        page.append(g.record)
        chunk_items.append(
            {
                "cnpj": g.record["orgaoEntidade"]["cnpj"],
                "ano": g.record["anoCompra"],
                "sequencial": g.record["sequencialCompra"],
                "response": g.items,
            }
        )
        chunk_results.extend(g.results)
        chunk_bids.extend(g.bid_rows)
        counts["tenders"] += 1
        counts["items"] += len(g.items)
        counts["results"] += len(g.results)
        counts["bids"] += g.n_bids
        counts[f"modality_{g.record['modalidadeId']}"] += 1
        if len(page) == p.page_size or i == len(specs) - 1:
            number = -(-(i + 1) // p.page_size)
            json_dump(
                out / "pncp" / "contratacoes" / f"contratacoes-{number:05d}.json",
                {
                    "data": page,
                    "totalRegistros": len(specs),
                    "totalPaginas": n_pages,
                    "numeroPagina": number,
                    "paginasRestantes": n_pages - number,
                    "empty": False,
                },
            )
            counts["files"] += 1
            page = []
        if (i + 1) % p.chunk_tenders == 0:
            flush_chunk()
    flush_chunk()
    market.finish()

    reg = write_cnpj(out, w, rng_registry)
    as_of = date(p.start_year + p.years - 1, 12, 31)
    san = write_sanctions(out, w, market, rng_registry, as_of)
    counts["files"] += reg.pop("files") + san.pop("files")
    counts.update(reg)
    counts.update(san)
    counts["suppliers"] = len(market.participants)
    counts["companies"] = len(w.companies) + len(w.agencies)
    counts["persons"] = len(w.persons)
    counts["agencies"] = len(w.agencies)
    counts["units"] = len(w.units)

    cases = market.truth.cases
    near = market.truth.near_misses
    for k, c in enumerate(cases):
        c["case_id"] = f"{c['pattern']}:{k + 1:05d}"
    for k, c in enumerate(near):
        c["case_id"] = f"near_miss:{c['pattern']}:{k + 1:05d}"
    per_pattern = Counter(c["pattern"] for c in cases)
    for pat in PATTERNS:
        counts[f"cases_{pat}"] = per_pattern.get(pat, 0)
    counts["near_misses"] = len(near)
    # links that never meet in a tender: near misses of the shared-contact patterns
    from synth import ids as _ids

    for lk in w.links:
        if not lk.planted:
            near.append(
                {
                    "pattern": lk.kind,
                    "why_not": "the two companies share it but never bid in the same tender",
                    "case_id": f"near_miss:{lk.kind}:link:{lk.members[0]}-{lk.members[1]}",
                    "supplier_ids": [_ids.supplier_id(w.companies[x].cnpj) for x in lk.members],
                    "person_ids": lk.person_ids,
                    "contact_ids": lk.contact_ids,
                }
            )
    counts["near_misses"] = len(near)
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
    log.info(
        "synth: %d tenders, %d items, %d bids, %d cases in %.1fs",
        counts["tenders"],
        counts["items"],
        counts["bids"],
        len(cases),
        time.perf_counter() - t0,
    )
    return dict(sorted(counts.items()))
