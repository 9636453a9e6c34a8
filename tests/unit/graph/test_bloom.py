"""The Bloom perspective: generated from the model, committed in sync, with the structure Bloom imports."""

from __future__ import annotations

import json
import re

from core.tables import NODE_TABLES, REL_TABLES
from graph.bloom import PERSPECTIVE_PATH, build_perspective, render

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def test_committed_perspective_matches_the_generator() -> None:
    assert PERSPECTIVE_PATH.read_text(encoding="utf-8") == render(), "run `python -m graph.bloom`"


def test_perspective_structure() -> None:
    p = json.loads(PERSPECTIVE_PATH.read_text(encoding="utf-8"))
    for key in ("name", "id", "categories", "labels", "relationshipTypes", "palette", "templates",
                "hiddenRelationshipTypes", "hiddenCategories", "version", "metadata"):
        assert key in p, key
    labels = {c["labels"][0] for c in p["categories"]}
    assert labels == {t.name for t in NODE_TABLES} | {"Finding"}
    assert set(p["labels"]) == labels
    assert {r["name"] for r in p["relationshipTypes"]} == {t.name for t in REL_TABLES} | {"ABOUT", "INVOLVES"}
    ids = [c["id"] for c in p["categories"]]
    assert len(set(ids)) == len(ids)
    for c in p["categories"]:
        assert HEX.match(c["color"]) and c["icon"] and c["size"] >= 1
        captions = [x["name"] for x in c["properties"] if x["isCaption"]]
        assert captions == c["captionKeys"], c["name"]
        assert captions[0] in {x["propertyKey"] for x in p["labels"][c["labels"][0]]}
    risky = {c["labels"][0]: c["styleRules"] for c in p["categories"]}
    for label in ("Tender", "Supplier", "Agency", "Item"):
        assert any(r["basedOn"] == "risk_score" and r["applySize"] and r["applyColor"] for r in risky[label])
    # Portuguese category names, not the labels
    assert {c["name"] for c in p["categories"]} >= {"Órgão", "Licitação", "Fornecedor", "Sócio (pessoa)", "Sanção"}


def test_search_phrases_cover_each_investigation_in_portuguese() -> None:
    p = build_perspective()
    texts = {t["id"]: t["text"] for t in p["templates"]}
    for needed in ("show_supplier_network", "show_bidders_sharing_links", "show_bidding_groups",
                   "show_loser_winner_graph", "show_overpriced_items", "show_dispensas", "show_sanctioned_links"):
        assert f"tmpl:bloom/{needed}" in texts
    for t in p["templates"]:
        assert t["cypher"] and not t["cypher"].lstrip().startswith("//")
        in_text = set(re.findall(r"\$(\w+)", t["text"]))
        assert in_text == {x["name"].lstrip("$") for x in t["params"]}
        assert set(re.findall(r"\$(\w+)", t["cypher"])) == in_text
        for x in t["params"]:
            assert x["dataType"] in {"String", "Integer", "Float", "Boolean"}
    assert "fornecedor" in texts["tmpl:bloom/show_supplier_network"].lower()
