"""Item matching on text (etl/transforms/items.py): pack sizes, cleaning, the clustering's guarantees."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.transforms.items import (
    SIMILARITY_CUT,
    clean_description,
    compatible,
    item_classes,
    match_texts,
    parse_pack,
    similarity_pairs,
)


@pytest.mark.parametrize(
    ("description", "unit", "price_unit", "size"),
    [
        # the example: one product bought in four units, all compared per KG
        ("FARINHA DE MANDIOCA - PCT 1KG", "KG", "KG", 1.0),
        ("FARINHA DE MANDIOCA - PCT 1KG", "KG5", "KG", 1.0),
        ("FARINHA DE MANDIOCA - PCT 1KG", "PCT", "KG", 1.0),
        ("FARINHA DE MANDIOCA - PCT 1KG", "UND", "KG", 1.0),
        ("BISCOITO DOCE TIPO MARIA (PCT 200G)", "PCT", "KG", 0.2),
        ("SUCO NATURAL DE MARACUJÁ GARRAFA COM 1.000 ML", "GF", "L", 1.0),
        ("ÓLEO DE SOJA - 900ML", "GAR", "L", 0.9),
        ("Óleo de soja cx c/ 20 unid 900 ml", "cx", "L", 18.0),
        ("PIPOCA DOCE PCT 10G C/ 50 UNIDADES", "FDO", "KG", 0.5),
        ("Farinha, tipo 1, 1,5 kg", "UN", "KG", 1.5),
        ("EXTRATO DE TOMATE (LT 300G)", "LT", "KG", 0.3),  # LT is a can when the content is a weight
        ("LEITE INTEGRAL", "LT", "L", 1.0),  # and a litre otherwise
        ("MASSA DE TOMATE 500 G", "G", "KG", 0.001),
        ("ARROZ TIPO 1, 5KG", "FAR", "FD", 1.0),  # a fardo holds several 5 kg packs: not converted
        ("OVOS BRANCOS", "DZ", "UN", 12.0),
        ("ALFACE CRESPA", "PÉ", "PE", 1.0),
        ("CHEIRO VERDE", "MOL", "MACO", 1.0),
        ("PÃO FRANCÊS", "UN", "UN", 1.0),
    ],
)
def test_parse_pack(description: str, unit: str, price_unit: str, size: float) -> None:
    p = parse_pack(description, unit)
    assert (p.price_unit, p.unit_size) == (price_unit, pytest.approx(size))


def test_clean_description_strips_what_does_not_name_the_product() -> None:
    assert clean_description("FARINHA DE MANDIOCA - farinha de mandioca : fina branca crua") == (
        "FARINHA MANDIOCA FINA BRANCA CRUA"
    )
    assert clean_description("AÇÚCAR REFINADO - PACOTE DE 1KG-01614") == "ACUCAR REFINADO"  # catalog number
    assert clean_description("07 - CHEIRO VERDE") == "CHEIRO VERDE"
    assert clean_description("Legume in natura, tipo beterraba") == "BETERRABA"
    assert clean_description(None) == ""


def test_head_noun_and_diet_words_keep_products_apart() -> None:
    assert not compatible("EXTRATO TOMATE", "TOMATE EXTRA")
    assert not compatible("ACHOCOLATADO PO DIET", "ACHOCOLATADO PO")
    assert compatible("OVOS BRANCOS", "OVO BRANCO")
    i, _, _ = similarity_pairs(["EXTRATO TOMATE", "TOMATE EXTRA"], 0.0)
    assert len(i) == 0


def test_complete_linkage_never_chains() -> None:
    # b is close to a and to c, a and c are not close: single linkage would put all three together
    texts = ["FEIJAO PRETO", "FEIJAO PRETO CARIOCA", "FEIJAO CARIOCA"]
    i, j, s = similarity_pairs(texts, 0.0)
    sim = {(int(a), int(b)): float(v) for a, b, v in zip(i, j, s, strict=True)}
    assert sim[(0, 1)] >= SIMILARITY_CUT and sim[(1, 2)] >= SIMILARITY_CUT > sim[(0, 2)]
    labels = match_texts(texts)
    assert labels[0] != labels[2]


def test_classes_are_stable_and_named_by_the_commonest_text() -> None:
    rows = pd.DataFrame(
        {
            "description": [
                "FARINHA DE MANDIOCA - PCT 1KG",
                "Farinha de mandioca",
                "FARINHA MANDIOCA 1KG",
                "FARINHA DE TRIGO",
                "ARROZ",
                "Sal refinado",
            ],
            "unit_raw": ["PCT", "kg", "UND", "KG", "KG", "KG"],
            "catalog": [None, None, None, None, None, "CATMAT"],
            "catalog_code": [None, None, None, None, None, "230303"],
            "count": [1, 5, 1, 1, 1, 1],
        }
    )
    a = item_classes(rows)
    b = item_classes(rows.iloc[::-1]).loc[a.index]  # another row order: the same classes
    assert a["item_class"].tolist() == b["item_class"].tolist()
    assert a["item_class"].tolist()[:3] == ["FARINHA MANDIOCA | KG"] * 3
    assert a["item_class"].iloc[3] != a["item_class"].iloc[0]
    assert a["item_class"].iloc[5] == "CATMAT:230303"  # a catalog code wins over the text
