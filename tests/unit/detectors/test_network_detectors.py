"""cobidding and loser_winner (networkx engine) on a hand-made market with three kinds of stable groups."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from detector_kit import bid

from detectors.cobidding import Cobidding, cobid_edges
from detectors.graph_engines import NetworkxEngine
from detectors.loser_winner import LoserWinner, loser_winner_edges


def _tender(
    m: dict[str, list[dict[str, Any]]],
    name: str,
    agency: str,
    offers: list[list[tuple[str, float]]],
    estimate: float,
) -> None:
    """One tender with one item per offer list; the lowest bid of each item wins."""
    m["Tender"].append({"id": f"tender:{name}", "agency_id": agency, "modality_id": 6})
    for j, item_offers in enumerate(offers):
        item = f"item:{name}:{j}"
        m["Item"].append(
            {
                "id": item,
                "tender_id": f"tender:{name}",
                "item_class": "CATMAT:1",
                "unit": "UN",
                "estimated_unit_value": estimate,
            }
        )
        low = min(v for _, v in item_offers)
        m["BID"].extend(bid(s, item, v, won=v == low) for s, v in item_offers)


OPEN = 150  # honest tenders of the open market


def _honest_price(rng: np.random.Generator) -> float:
    """A competitive bid: cost around 100 (6 % noise) plus a 2-30 % margin; the buyer estimates 125."""
    return float(round(100.0 * np.exp(rng.normal(0.0, 0.06)) * (1 + rng.uniform(0.02, 0.30)), 2))


def market() -> dict[str, list[dict[str, Any]]]:
    m: dict[str, list[dict[str, Any]]] = {"Tender": [], "Item": [], "BID": []}
    rng = np.random.default_rng(0)
    honest = [f"supplier:h{i}" for i in range(OPEN)]
    for t in range(OPEN):  # an open market: three honest bidders, no pair meets twice, prices spread
        trio = [honest[t], honest[(t + 7) % OPEN], honest[(t + 19) % OPEN]]
        offers = [[(s, _honest_price(rng)) for s in trio] for _ in range(3)]
        _tender(m, f"open{t}", f"agency:{t % 3}", offers, 125.0)
    rot = ["supplier:a", "supplier:b", "supplier:c"]
    for t in range(
        6
    ):  # rotation: the same three take turns, covers 10 % above and within 1 %, near the estimate
        w = rot[t % 3]
        offers = [[(s, 100.0 if s == w else 110.0 + 0.5 * k) for k, s in enumerate(rot)] for _ in range(2)]
        _tender(m, f"rot{t}", "agency:0", offers, 104.0)
    for t in range(6):  # one beneficiary: p always wins, q and r always cover
        offers = [[("supplier:p", 100.0), ("supplier:q", 110.0), ("supplier:r", 110.8)] for _ in range(2)]
        _tender(m, f"dom{t}", "agency:1", offers, 104.0)
    for t in range(
        5
    ):  # two firms that meet often but never win: no cartel signal, and a pair is too small to rank
        h = f"supplier:h{t + 1}"
        _tender(m, f"lose{t}", "agency:2", [[(h, 90.0), ("supplier:x", 100.0), ("supplier:y", 112.0)]], 120.0)
    return m


def club_market() -> dict[str, list[dict[str, Any]]]:
    """`market()` plus an honest club: three firms that always meet and win by turns, but price competitively
    (the cheapest wins, losing bids spread as in the open market, the price well under the estimate)."""
    m = market()
    rng = np.random.default_rng(1)
    club = ["supplier:k1", "supplier:k2", "supplier:k3"]
    for t in range(6):
        offers = [[(s, _honest_price(rng)) for s in club] for _ in range(2)]
        _tender(m, f"club{t}", "agency:0", offers, 125.0)
    return m


def test_cobid_edges_count_tenders_together() -> None:
    bids = pd.DataFrame(
        {"tender": ["t1", "t1", "t1", "t2", "t2", "t3"], "supplier": ["a", "b", "c", "a", "b", "a"]}
    )
    e = cobid_edges(bids).set_index(["src", "dst"])
    assert e["weight"].to_dict() == {("a", "b"): 2, ("a", "c"): 1, ("b", "c"): 1}
    # a bids in 3 tenders, b in 2, c in 1: Jaccard a-b = 2 / (3 + 2 - 2), a-c = 1/3, b-c = 1/2
    assert e["jaccard"].to_dict() == pytest.approx({("a", "b"): 2 / 3, ("a", "c"): 1 / 3, ("b", "c"): 1 / 2})


def test_cobidding_flags_rotation_only(graph) -> None:
    det = Cobidding()
    got = det.run(graph(**market()), det.config(), engine=NetworkxEngine())
    assert sorted(f.subject.id for f in got) == ["supplier:a", "supplier:b", "supplier:c"]
    m = {x.name: x for x in got[0].evidence.measures}
    # the open market's pairs meet once: the computed fence of joint tenders is the floor "again" (2)
    assert m["pair_joint_tenders_min"].value == 6 and m["pair_joint_tenders_min"].threshold == 2
    assert m["joint_tenders"].value == 6 and m["joint_items"].value == 12
    assert m["member_win_share"].value == 1.0
    assert m["rotation"].value == pytest.approx(1.0)  # four items won by each: perfectly even
    assert m["cover_margin_median"].value == 0.1
    assert {"tender:rot0", "tender:rot5"} <= set(got[0].evidence.node_ids)
    # the group's joint items pass the screens' own threshold, reported as the cut-off used
    from detectors.screens import cover_index

    assert m["cover_z"].threshold == pytest.approx(cover_index(graph(**market())).threshold)
    assert m["cover_z"].value > m["cover_z"].threshold
    assert sorted(got[0].evidence.details["cover_tenders"]) == [f"tender:rot{i}" for i in range(6)]
    # the dominant group (no rotation) and the losing pair (no wins) are excluded; a larger explicit
    # min_cobids leaves the rotation group out too
    assert det.run(graph(**market()), det.config({"min_cobids": 7})) == []


def test_cobidding_leaves_out_an_honest_club_that_rotates_by_chance(graph) -> None:
    from detectors.cobidding import cover_pairs
    from detectors.screens import cover_index

    det = Cobidding()
    g = graph(**club_market())
    got = det.run(g, det.config(), engine=NetworkxEngine())
    assert sorted({f.subject.id for f in got}) == ["supplier:a", "supplier:b", "supplier:c"]
    # what keeps the club out is the cover evidence: its pairs meet as often as the cartel's, but their
    # joint items do not look like cover bidding
    from detectors.base import bids_with_tender

    pairs, cut = cover_pairs(bids_with_tender(g), cover_index(g), None)
    club = pairs[pairs["src"].str.startswith("supplier:k")]
    assert len(club) == 3 and (club["weight"] == 6).all()
    assert not club["linked"].any() and (club["cover_z"] < cut["cover_threshold"]).all()


def test_loser_winner_edges_and_ranking(graph) -> None:
    bids = pd.DataFrame(
        {"item": ["i1", "i1", "i1"], "supplier": ["w", "l1", "l2"], "won": [True, False, False]}
    )
    e = loser_winner_edges(bids)
    assert sorted(zip(e["src"], e["dst"], e["weight"], strict=True)) == [("l1", "w", 1), ("l2", "w", 1)]
    det = LoserWinner()
    got = det.run(graph(**market()), det.config(), engine=NetworkxEngine())
    assert [f.subject.id for f in got] == ["supplier:p"]
    ranking = got[0].evidence.details["ranking"]
    assert next(iter(ranking)) == "supplier:p"
    assert ranking["supplier:p"] > 2 * ranking["supplier:q"]
    assert {"supplier:q", "supplier:r", "tender:dom0"} <= set(got[0].evidence.node_ids)
    m = {x.name: x for x in got[0].evidence.measures}
    assert m["top_win_share"].value == 1.0 and m["top_win_share"].threshold == pytest.approx(1 / 3)
    assert m["cover_z"].value > m["cover_z"].threshold


def test_loser_winner_needs_cover_bids_on_the_won_tenders(graph) -> None:
    """A firm that keeps beating the same rivals only because it is cheaper (their bids spread as in the open
    market, the price well under the estimate) is not a beneficiary of cover bids."""
    m = market()
    rng = np.random.default_rng(2)
    for t in range(6):
        offers = [
            [("supplier:e", 88.0), *[(s, _honest_price(rng)) for s in ("supplier:f", "supplier:g")]]
            for _ in range(2)
        ]
        _tender(m, f"eff{t}", "agency:2", offers, 125.0)
    det = LoserWinner()
    got = det.run(graph(**m), det.config(), engine=NetworkxEngine())
    assert [f.subject.id for f in got] == ["supplier:p"]
    # e meets f and g as often as p meets q and r, and wins everything, but their joint items are not
    # cover-like: the pairs are not linked
    from detectors.base import bids_with_tender
    from detectors.cobidding import cover_pairs
    from detectors.screens import cover_index

    g = graph(**m)
    pairs, _ = cover_pairs(bids_with_tender(g), cover_index(g), None)
    eff = pairs[pairs["src"] == "supplier:e"]
    assert len(eff) == 2 and (eff["weight"] == 6).all() and not eff["linked"].any()
