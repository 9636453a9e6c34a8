"""The network pictures (reporting/pictures.py), drawn for real with matplotlib's Agg canvas, no server."""

from __future__ import annotations

import struct
from itertools import combinations
from typing import Any

import pytest

from graph.runner import RecordingRunner
from reporting.pictures import LABEL_PT, draw_network, finding_picture, network_png

FULL_CPF = "12345678901"
T1, T2 = "tender:00001001000100-1-000001/2025", "tender:00001001000100-1-000002/2025"
S1, S2, S3 = "supplier:00000001000101", "supplier:00000002000102", "supplier:00000006000106"
PF = "supplier:pf:***456789**:JOSE_DA_SILVA"
P1 = "person:456789:JOAO_DA_SILVA"
PHONE, AGENCY = "phone:62999990000", "agency:00001001000100"


def finding_net() -> dict[str, Any]:
    """A shared-partner finding: S1 and S2 (partner P1, one phone) met in T1 and T2; S3 and a PF bid too."""
    nodes = [
        {"id": T1, "label": "Tender", "caption": "AQUISIÇÃO DE MATERIAL MÉDICO HOSPITALAR PARA OS HOSPITAIS "
                                                 "ESTADUAIS DE GOIÂNIA E ANÁPOLIS", "process_number": "1/2025",
         "named": True},
        {"id": T2, "label": "Tender", "caption": "AQUISIÇÃO DE MÁSCARAS", "process_number": "2/2025"},
        {"id": S1, "label": "Supplier", "caption": "ALFA COMÉRCIO DE PRODUTOS HOSPITALARES E FARMACÊUTICOS LTDA",
         "document": "00000001000101", "named": True},
        {"id": S2, "label": "Supplier", "caption": "BETA DISTRIBUIDORA LTDA", "document": "00000002000102",
         "named": True},
        {"id": S3, "label": "Supplier", "caption": "GAMA LTDA", "document": "00000006000106"},
        {"id": PF, "label": "Supplier", "caption": f"JOSE DA SILVA {FULL_CPF}", "person_type": "PF",
         "document": FULL_CPF},
        {"id": P1, "label": "Person", "caption": "JOAO DA SILVA 123.456.789-01", "document": FULL_CPF,
         "named": True},
        {"id": PHONE, "label": "Phone", "caption": "62999990000"},
        {"id": AGENCY, "label": "Agency", "caption": "SECRETARIA DE ESTADO DA SAÚDE", "document": "00001001000100"},
    ]
    edges = [
        {"src": S1, "dst": T1, "type": "BID", "won": True, "value": 1000.0},
        {"src": S2, "dst": T1, "type": "BID", "won": False, "value": 1100.0},
        {"src": S3, "dst": T1, "type": "BID", "won": False, "value": 1150.0},
        {"src": PF, "dst": T1, "type": "BID", "won": False, "value": 1200.0},
        {"src": S2, "dst": T2, "type": "BID", "won": True, "value": 500.0},
        {"src": S1, "dst": T2, "type": "BID", "won": False, "value": 550.0},
        {"src": P1, "dst": S1, "type": "PARTNER_OF"},
        {"src": P1, "dst": S2, "type": "PARTNER_OF"},
        {"src": S1, "dst": PHONE, "type": "HAS_PHONE"},
        {"src": S2, "dst": PHONE, "type": "HAS_PHONE"},
        {"src": AGENCY, "dst": T1, "type": "PUBLISHED"},
        {"src": AGENCY, "dst": T2, "type": "PUBLISHED"},
    ]
    return {"finding_id": "finding:0123456789abcdef0123", "subject_id": T1, "title": "Concorrentes com sócio em comum",
            "nodes": nodes, "edges": edges}


def dense_net(n_tenders: int = 40, n_firms: int = 12) -> dict[str, Any]:
    """A subject network (no `won` on bids), crowded: many tenders with long objects."""
    firms = [f"supplier:{i:08d}000100" for i in range(n_firms)]
    nodes = [{"id": f, "label": "Supplier", "caption": f"EMPRESA NÚMERO {i} DE COMÉRCIO E SERVIÇOS GERAIS LTDA"}
             for i, f in enumerate(firms)]
    edges = []
    for k in range(n_tenders):
        t = f"tender:x-{k}"
        nodes.append({"id": t, "label": "Tender", "caption": f"AQUISIÇÃO DIVERSA DE MATERIAIS DE CONSUMO LOTE {k}"})
        edges += [{"src": firms[(k + j) % n_firms], "dst": t, "type": "BID"} for j in range(3)]
        edges.append({"src": AGENCY, "dst": t, "type": "PUBLISHED"})
    nodes.append({"id": AGENCY, "label": "Agency", "caption": "SECRETARIA DE ESTADO DA SAÚDE"})
    return {"subject_id": AGENCY, "depth": 2, "nodes": nodes, "edges": edges}


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    w, h = struct.unpack(">II", png[16:24])
    return int(w), int(h)


def assert_no_overlap(drawing: Any) -> None:
    boxes = drawing.label_boxes()
    assert boxes
    for (a, ba), (b, bb) in combinations(boxes, 2):
        assert not ba.overlaps(bb), f"labels of {a} and {b} overlap: {ba} / {bb}"


@pytest.fixture(scope="module")
def drawing() -> Any:
    d = draw_network(finding_net(), title="Concorrentes com sócio em comum")
    d.png()  # what is measured below is what was saved
    return d


def test_picture_is_at_least_1200_by_800_even_when_asked_smaller() -> None:
    assert png_size(network_png(finding_net())) == (1200, 800)
    w, h = png_size(network_png(finding_net(), title="x", width=7, height=5))  # the old email size
    assert w >= 1200 and h >= 800
    assert png_size(network_png(finding_net(), width=16, height=10)) == (1600, 1000)


def test_legend_is_in_portuguese_and_names_what_is_drawn(drawing: Any) -> None:
    legend = drawing.legend_texts
    assert {"Fornecedor", "Sócio", "Licitação", "Órgão", "Telefone"} <= set(legend)
    assert {"lance vencedor", "lance perdedor", "sócio", "endereço/telefone/e-mail"} <= set(legend)
    assert "Endereço" not in legend and "Sanção" not in legend  # only the kinds present
    assert "citado no achado" in legend
    english = set(LABEL_PT)  # the graph's own label names
    assert not english & set(drawing.texts())


def test_labels_are_names_not_ids_and_never_overlap(drawing: Any) -> None:
    labels = {nid: t.get_text().replace("\n", " ") for nid, t in drawing.labels if not nid.startswith("edge:")}
    assert set(labels) == {n["id"] for n in finding_net()["nodes"]}  # every node of a small picture is labelled
    assert labels[S2].startswith("BETA DISTRIBUIDORA LTDA")
    assert labels[AGENCY].startswith("SECRETARIA DE ESTADO DA SAÚDE")
    assert "00.000.002/0001-02" in labels[S2]  # the CNPJ, written as people write it
    assert "(62) 99999-0000" in labels[PHONE]
    assert not any(nid in text or "supplier:" in text for nid, text in labels.items())
    assert_no_overlap(drawing)


def test_long_names_are_shortened_with_an_ellipsis_inside_the_picture(drawing: Any) -> None:
    label = dict(drawing.labels)[S1]
    assert "…" in label.get_text() and "FARMACÊUTICOS" not in label.get_text()
    r = drawing.figure.canvas.get_renderer()
    for _, t in drawing.labels:
        box = t.get_window_extent(r)
        assert box.x0 >= 0 and box.x1 <= drawing.figure.bbox.width * 0.78  # left of the legend


def test_people_are_shown_masked(drawing: Any) -> None:
    text = "\n".join(drawing.texts())
    assert FULL_CPF not in text and "123.456.789-01" not in text
    labels = dict(drawing.labels)
    assert labels[P1].get_text().replace("\n", " ") == "JOAO DA SILVA ***456789**"
    assert labels[PF].get_text().replace("\n", " ").startswith("JOSE DA SILVA ***456789**")


def test_won_and_lost_bids_are_drawn_differently(drawing: Any) -> None:
    styles = {(e["src"], e["dst"]): (line.get_linestyle(), line.get_color(), line.get_linewidth())
              for e, line in drawing.edges}
    won, lost = styles[(S1, T1)], styles[(S2, T1)]
    assert won[0] == "-" and lost[0] == "--"
    assert won[1] != lost[1] and won[2] > lost[2]
    assert styles[(S2, T2)] == won and styles[(S1, T2)] == lost
    assert styles[(P1, S1)][1] not in (won[1], lost[1])  # a partner is neither a win nor a loss
    edge_words = {t.get_text() for k, t in drawing.labels if k.startswith("edge:")}
    assert {"venceu", "perdeu", "sócio"} <= edge_words


def test_every_text_reads_at_9_points_or_more(drawing: Any) -> None:
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in drawing.figure.findobj(Text) if t.get_text()]
    assert sizes and min(sizes) >= 9


def test_same_network_same_picture() -> None:
    assert network_png(finding_net(), title="t") == network_png(finding_net(), title="t")


def test_crowded_subject_network_still_has_no_overlapping_labels() -> None:
    d = draw_network(dense_net(), title="SECRETARIA DE ESTADO DA SAÚDE")
    assert png_size(d.png()) == (1200, 800)
    assert_no_overlap(d)
    shown = {k for k, _ in d.label_boxes()}
    assert AGENCY in shown and sum(k.startswith("supplier:") for k in shown) == 12
    kinds = {line.get_gid() for _, line in d.edges}
    assert kinds == {"bid", "structure"}  # bids without `won`: neither a win nor a loss
    assert "lance" in d.legend_texts and "centro da rede" in d.legend_texts
    assert "citado no achado" not in d.legend_texts  # not a finding's picture


def test_empty_network_says_so() -> None:
    d = draw_network({"subject_id": T1, "nodes": [], "edges": []})
    assert "sem rede para mostrar" in d.texts()
    assert png_size(d.png()) == (1200, 800)


def test_finding_picture_reads_the_finding_network_query() -> None:
    runner = RecordingRunner(answers={"api/get_finding_network": [{
        **finding_net(), "detector": "shared_contacts"}]})
    png = finding_picture(runner, "finding:0123456789abcdef0123")
    assert png is not None and png_size(png) == (1200, 800)
    assert runner.calls == [("api/get_finding_network", {"id": "finding:0123456789abcdef0123", "max_firms": 12,
                                                         "max_links": 20, "max_tenders": 15, "max_items": 6,
                                                         "max_others": 6})]
    assert finding_picture(RecordingRunner(), "finding:ffffffffffffffffffff") is None


def test_edge_labels_sit_on_their_own_edge_only(drawing: Any) -> None:
    from reporting.pictures import _hits

    ax = drawing.figure.axes[0]
    r = drawing.figure.canvas.get_renderer()
    segs = {(e["src"], e["dst"]): (ax.transData.transform(line.get_xydata()[0]),
                                   ax.transData.transform(line.get_xydata()[1])) for e, line in drawing.edges}
    placed = [(k[5:].split(">"), t.get_window_extent(r)) for k, t in drawing.labels if k.startswith("edge:")]
    assert placed
    for (src, dst), box in placed:
        assert _hits(*segs[(src, dst)], box)  # on its edge
        for other, (a, b) in segs.items():
            if other != (src, dst):
                assert not _hits(a, b, box), f"the label of {src}>{dst} lies on {other}"


def test_an_item_shows_its_winning_unit_price() -> None:
    item = "item:00001001000100-1-000009/2025:1"
    net = {"finding_id": "finding:0123456789abcdef0123", "subject_id": item, "nodes": [
        {"id": item, "label": "Item", "caption": "SERINGA DESCARTÁVEL 10ML", "named": True},
        {"id": S1, "label": "Supplier", "caption": "ALFA LTDA"}, {"id": S2, "label": "Supplier", "caption": "BETA"}],
        "edges": [{"src": S1, "dst": item, "type": "BID", "won": True, "unit_value": 50.0},
                  {"src": S2, "dst": item, "type": "BID", "won": False, "unit_value": 55.0}]}
    d = draw_network(net)
    labels = {k: t.get_text() for k, t in d.labels}
    assert labels[item].endswith("vencedor: R$ 50,00")
    assert labels[f"edge:{S2}>{item}"] == "perdeu R$ 55,00"


def test_the_fullest_legend_fits_inside_the_picture() -> None:
    nodes = [{"id": f"{k.lower()}:1", "label": k, "caption": LABEL_PT[k]} for k in LABEL_PT]
    ends = [("BID", "supplier:1", "tender:1", True), ("BID", "supplier:1", "item:1", False),
            ("BID", "supplier:1", "agency:1", None), ("AWARDED", "item:1", "supplier:1", None),
            ("PARTNER_OF", "person:1", "supplier:1", None), ("LOCATED_AT", "supplier:1", "address:1", None),
            ("SANCTIONED", "supplier:1", "sanction:1", None), ("BRANCH_OF", "supplier:1", "unit:1", None),
            ("PUBLISHED", "agency:1", "tender:1", None)]
    edges = [{"src": a, "dst": b, "type": t, **({} if won is None else {"won": won})} for t, a, b, won in ends]
    d = draw_network({"finding_id": "finding:0123456789abcdef0123", "nodes": nodes, "edges": edges})
    assert len(d.legend_texts) == len(LABEL_PT) + 9  # every kind of node, every meaning (nothing named: no ring)
    box = d.figure.axes[1].get_legend().get_window_extent(d.figure.canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= d.figure.bbox.width - 4 and box.y0 >= 4
    assert_no_overlap(d)
