"""Every measure and threshold key a detector emits has a Portuguese label, a sentence and a format
(reporting/labels.py): a new key without one fails here, before it reaches an alert email as `min_cobids`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from detectors.fixture import run_fixture
from detectors.registry import DETECTORS
from reporting.labels import LABELS, describe, fmt

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "detectors"
ENGLISH = re.compile(r"\b(partner|tender|bid|bids|together|score|gnn|probability|supplier|overlap|counts|won|award)\b"
                     r"|min_|_", re.IGNORECASE)


def fixture_keys() -> dict[str, set[str]]:
    """key -> detectors, from the findings each detector reports on its fixture (run now, not read)."""
    out: dict[str, set[str]] = {}
    for d in DETECTORS:
        for f in run_fixture(FIXTURES / f"{d.code}.jsonl", d.code):
            for key in [*f["measures"], *f["thresholds"]]:
                out.setdefault(key, set()).add(d.code)
    return out


def source_keys() -> set[str]:
    """Measure names written in the detectors' and the GNN's source: literal `Measure(name="...")`, and the
    screens' `f"{screen}_median"` for every screen the screens detector reports."""
    from detectors.screens import COVER_SIDE, REPORTED

    keys: set[str] = set()
    files = [*sorted((REPO / "detectors").glob("*.py")), REPO / "gnn" / "predict.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Measure":
                for kw in node.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        keys.add(str(kw.value.value))
    return keys | {f"{s}_median" for s in [*COVER_SIDE, *REPORTED]}


def test_every_key_the_detectors_emit_on_their_fixtures_has_a_label() -> None:
    keys = fixture_keys()
    assert len(keys) > 50  # the fixtures did run
    missing = {k: sorted(v) for k, v in keys.items() if k not in LABELS}
    assert missing == {}, f"add these keys to reporting/labels.py LABELS: {missing}"


def test_every_measure_named_in_the_source_has_a_label() -> None:
    keys = source_keys()
    assert {"gnn_probability", "classifier_probability", "DISCOUNT_median", "pair_joint_tenders_min"} <= keys
    assert sorted(keys - set(LABELS)) == []


@pytest.mark.parametrize("key", sorted(LABELS))
def test_labels_are_portuguese_sentences(key: str) -> None:
    label = LABELS[key]
    assert label.rotulo[0].isupper() and label.frase.endswith(".") and len(label.frase) > 20
    for text in (label.rotulo, label.frase, label.limiar or ""):
        assert not ENGLISH.search(text), (key, text)


def test_values_are_written_the_brazilian_way() -> None:
    assert fmt("money", 214168.61) == "R$ 214.168,61"
    assert fmt("ratio", 4.7612) == "4,76 vezes"
    assert fmt("percent", 0.093) == "9,3 %"
    assert fmt("count", 12345) == "12.345"
    assert fmt("business_days", 1) == "1 dia útil" and fmt("business_days", 8) == "8 dias úteis"
    assert fmt("date", "2025-03-01") == "01/03/2025" and fmt("year", 2025.0) == "2025"
    assert fmt("text", "vehicle_maintenance") == "manutenção de veículos"
    assert fmt("text", 1, "judgment_criterion_id") == "menor preço"
    assert fmt("money", None) == "—" and fmt("decimal", float("nan")) == "—"


def test_describe_says_value_threshold_and_meaning() -> None:
    d = describe({"name": "unit_price_ratio", "value": 2.9851, "threshold": 2.077, "comparison": ">"})
    assert (d.rotulo, d.valor, d.limiar) == ("Preço unitário em relação à mediana", "2,99 vezes",
                                             "alerta acima de 2,08 vezes")
    d = describe({"name": "business_days", "value": 4, "threshold": 10, "comparison": ">="})
    assert d.valor == "4 dias úteis" and d.limiar == "mínimo legal do art. 55: 10 dias úteis"
    # an English phrase stored as the comparison never reaches the reader
    d = describe({"name": "min_cobids", "value": 3, "comparison": "tenders together >="})
    assert d.valor == "3" and d.limiar == "" and "tender" not in d.frase
    d = describe({"name": "rotation", "value": 1.0, "threshold": 0.5, "comparison": ">="})
    assert d.valor == "1,00 (de 0 a 1)" and d.limiar == "alerta a partir de 0,50"
    with pytest.raises(KeyError):
        describe({"name": "no_such_key", "value": 1})
