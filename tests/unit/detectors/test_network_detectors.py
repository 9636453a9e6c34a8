"""cobidding and loser_winner (networkx engine) on a hand-made market with three kinds of stable groups."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from detector_kit import bid

from detectors.cobidding import Cobidding, cobid_edges
from detectors.graph_engines import NetworkxEngine
from detectors.loser_winner import LoserWinner, loser_winner_edges


def market() -> dict[str, list[dict[str, Any]]]:
    tenders: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    bids: list[dict[str, Any]] = []

    def tender(name: str, agency: str, offers: list[tuple[str, float]], winner: str) -> None:
        tenders.append({"id": f"tender:{name}", "agency_id": agency, "modality_id": 6})
        items.append(
            {"id": f"item:{name}", "tender_id": f"tender:{name}", "item_class": "CATMAT:1", "unit": "UN"}
        )
        bids.extend(bid(s, f"item:{name}", v, won=s == winner) for s, v in offers)

    honest = [f"supplier:h{i}" for i in range(30)]
    for t in range(30):  # an open market: three honest bidders, no pair meets twice
        trio = [honest[t], honest[(t + 7) % 30], honest[(t + 13) % 30]]
        tender(f"open{t}", f"agency:{t % 3}", [(s, 100.0 + 7 * k) for k, s in enumerate(trio)], trio[0])
    rot = ["supplier:a", "supplier:b", "supplier:c"]
    for t in range(6):  # rotation: the same three take turns, covers 10 % above
        w = rot[t % 3]
        tender(f"rot{t}", "agency:0", [(s, 100.0 if s == w else 110.0 + k) for k, s in enumerate(rot)], w)
    for t in range(6):  # one beneficiary: p always wins, q and r always cover
        tender(
            f"dom{t}",
            "agency:1",
            [("supplier:p", 100.0), ("supplier:q", 112.0), ("supplier:r", 115.0)],
            "supplier:p",
        )
    for t in range(
        5
    ):  # two firms that meet often but never win: no cartel signal, and a pair is too small to rank
        h = f"supplier:h{t + 1}"
        tender(f"lose{t}", "agency:2", [(h, 90.0), ("supplier:x", 100.0), ("supplier:y", 101.0)], h)
    return {"Tender": tenders, "Item": items, "BID": bids}


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
    assert m["min_cobids"].value == 3
    assert m["min_jaccard"].value == 0.5  # computed fence of a market of one-off pairs, floored at 0.5
    assert m["joint_tenders"].value == 6
    assert m["member_win_share"].value == 1.0
    assert m["rotation"].value == pytest.approx(1.0)  # two wins each: perfectly even
    assert m["cover_margin_median"].value == 0.1
    assert {"tender:rot0", "tender:rot5"} <= set(got[0].evidence.node_ids)
    # the dominant group (no rotation) and the losing pair (no wins) are excluded
    assert det.run(graph(**market()), det.config({"min_joint_tenders": 7})) == []


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
