"""Item classes from real descriptions: what the price of one item is compared with.

Real descriptions of one product vary ("FARINHA DE MANDIOCA - PCT 1KG" bought in KG, KG5, PCT and UND),
so an exact key splits a market into one-member classes. Here:

1. `parse_pack` reads the price unit: a price per weight or volume unit is per KG or L; a price per
   package (PCT, UN, CX, LATA, ...) whose description states its net content ("PCT 1KG", "400 G",
   "12 X 200 ML") becomes a price per KG or L by that content; a package without stated content stays
   per package (and is compared only with the same package unit).
2. `clean_description` drops accents, case, catalog numbers, pack sizes, packaging and boilerplate words,
   leaving the product name and its qualifiers ("FARINHA MANDIOCA FINA BRANCA CRUA").
3. `match_texts` groups cleaned texts by character n-gram TF-IDF cosine similarity: complete linkage
   cut at `SIMILARITY_CUT`, so every two descriptions in one class are at least that similar (a chain of
   near neighbours never joins "ARROZ" to "ARROZ DOCE" through intermediate texts).
4. The class key is the class's most common cleaned text plus the price unit: `FARINHA MANDIOCA | KG`.
   Items with a catalog code (CATMAT/CATSER) keep `<catalog>:<code>`, the buyer's own classification.

The pure functions work on pandas; `with_item_classes` applies them to the merged Item table in the ETL
(etl/merge.py), so the class is a column of the graph, visible in Bloom and the same on every run over
the same items. Method, threshold and measured precision: docs/item-matching.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

# Lowest TF-IDF cosine similarity at which two cleaned descriptions share a class. Chosen on the
# hand-checked sample (tests/fixtures/item_matching/judged_pairs.csv) by the rule in
# docs/item-matching.md: the lowest similarity band edge above which the judged pairs are the same
# product in at least 90 % of cases.
SIMILARITY_CUT = 0.7
NGRAM_RANGE = (3, 5)

# unit spellings (upper case, accent-free, trailing digits and dots dropped) -> kind of unit
_MASS = {
    "KG": 1.0,
    "KGS": 1.0,
    "KILO": 1.0,
    "KILOS": 1.0,
    "QUILO": 1.0,
    "QUILOS": 1.0,
    "KI": 1.0,
    "QUILOGRAMA": 1.0,
    "KIL": 1.0,
    "QG": 1.0,
    "G": 0.001,
    "GR": 0.001,
    "GRS": 0.001,
    "GRAMA": 0.001,
    "GRAMAS": 0.001,
    "T": 1000.0,
    "TON": 1000.0,
    "TONELADA": 1000.0,
}
_VOLUME = {"L": 1.0, "LTS": 1.0, "LTO": 1.0, "LTR": 1.0, "LITRO": 1.0, "LITROS": 1.0, "LIT": 1.0, "ML": 0.001}
# "LT" is a litre in some exports and a can (lata) in others: a can when the description states a weight
_LITRE_OR_CAN = {"LT"}
_COUNT = {
    **dict.fromkeys(["UN", "UND", "UNID", "UNIDADE", "UNIDADES", "U", "UNI", "UNT"], "UN"),
    **dict.fromkeys(["DZ", "DU", "DUZ", "DUZIA", "DUZIAS"], "DZ"),
    **dict.fromkeys(["PCT", "PAC", "PACOTE", "PACOTES", "PTC", "PCTE", "PC", "PCA", "PECA"], "PCT"),
    **dict.fromkeys(["CX", "CXA", "CAIXA", "CAIXAS"], "CX"),
    **dict.fromkeys(["LA", "LAT", "LTA", "LATA", "LATAS"], "LATA"),
    **dict.fromkeys(["GF", "GAR", "GRF", "GA", "GARRAFA", "GARRAFAS"], "GARRAFA"),
    **dict.fromkeys(["FR", "FRS", "FRA", "FRASCO", "FRASCOS"], "FRASCO"),
    **dict.fromkeys(["POT", "POTE", "POTES", "PT"], "POTE"),
    **dict.fromkeys(["COP", "CP", "COPO", "COPOS"], "COPO"),
    **dict.fromkeys(["SCH", "SACHE", "SACHES", "SAC", "SC", "SACO", "SACOS"], "SACHE"),
    **dict.fromkeys(["EMB", "EM", "EMBALAGEM"], "EMB"),
    **dict.fromkeys(["MOL", "MO", "MLH", "MOLHO", "MC", "MCO", "MACO", "MACOS"], "MACO"),
    **dict.fromkeys(["PE", "PES"], "PE"),
    **dict.fromkeys(["BD", "BDJ", "BANDEJA"], "BDJ"),
    **dict.fromkeys(["FD", "FDO", "FAR", "FARDO", "FARDOS"], "FD"),
    **dict.fromkeys(["GL", "GAL", "GALAO"], "GL"),
}

_NUM = r"(\d+(?:[.,]\d+)*)"
_CONTENT_UNITS = r"(KGS?|KILOS?|QUILOS?|QUILOGRAMAS?|GRS?|GRAMAS?|G|MLS?|MILILITROS?|LTS?|LITROS?|L)"
_CONTENT_RE = re.compile(_NUM + r"\s*" + _CONTENT_UNITS + r"(?![A-Z])")
# "12 X 200 ML", "CX C/ 12 UNIDADES DE 200ML", "FARDO COM 6 X 1 L"
_MULTI_RE = re.compile(
    r"(\d+)\s*(?:X|UNIDADES?(?:\s+DE)?|UNID(?:\s+DE)?|UNDS?(?:\s+DE)?|UN\s+DE|PACOTES?\s+DE|LATAS?\s+DE|SACHES?\s+DE|GARRAFAS?\s+DE)\s*"
    + _NUM
    + r"\s*"
    + _CONTENT_UNITS
    + r"(?![A-Z])"
)
# "PCT 10G C/ 50 UNIDADES": the content first, then the count
_MULTI_AFTER_RE = re.compile(
    _NUM
    + r"\s*"
    + _CONTENT_UNITS
    + r"(?![A-Z])[^0-9]{0,12}?(?:C/|COM|CONTENDO)\s*(\d+)\s*(?:UNIDADES|UNDS?|UN|PACOTES|SACHES)\b"
)
_UNIT_FACTOR = {
    **{k: ("KG", v) for k, v in _MASS.items()},
    **{k: ("L", v) for k, v in _VOLUME.items()},
    "MILILITRO": ("L", 0.001),
    "MILILITROS": ("L", 0.001),
    "MLS": ("L", 0.001),
    "LT": ("L", 1.0),
    "QUILOGRAMAS": ("KG", 1.0),
}

_NOISE_WORDS = """
    A O AS OS DE DA DO DAS DOS E EM NO NA NOS NAS COM C P PARA POR AO OU SEU SUA TIPO CLASSE
    PACOTE PACOTES PCT PCTE PC EMBAL EMBALAGEM EMBALAGENS EMBALADO EMBALADA EMB ACONDICIONADO ACONDICIONADA
    ACONDICIONADOS ACONDICIONADAS LATA LATAS LT GARRAFA GARRAFAS GF FRASCO FRASCOS FR SACHE SACHES
    SACO SACOS CAIXA CAIXAS CX POTE POTES COPO COPOS UNIDADE UNIDADES UN UND UNID KG KGS G GR GRS ML L
    LITRO LITROS QUILO QUILOS KILO KILOS GRAMAS GRAMA PESO LIQUIDO LIQ MINIMO MINIMA MAXIMO MAXIMA
    APROXIMADAMENTE APROX CONTENDO CONTER DEVERA DEVE DEVENDO SER ESTAR PRODUTO PRODUTOS QUALIDADE BOA
    OTIMA PRIMEIRA VALIDADE PRAZO FABRICACAO MESES DIAS DATA NA NO ITEM MARCA REFERENCIA SIMILAR
    EQUIVALENTE OBS LOTE FRUTA FRUTAS LEGUME LEGUMES VERDURA HORTALICA IN NATURA ESPECIE
GENERO GENEROS ALIMENTICIO ALIMENTICIOS AQUISICAO ADEQ ADEQUADA ADEQUADO CONSUMO LINHA
"""
_NOISE = frozenset(_NOISE_WORDS.split())
# words that make a different market of the same product (special diets)
_DIET = frozenset(
    ["DIET", "LIGHT", "ZERO", "LACTOSE", "GLUTEN", "ORGANICO", "ORGANICA", "ORGANICOS", "ORGANICAS"]
)
_QUANTITY_RE = re.compile(_NUM + r"\s*(KGS?|GRS?|G|MLS?|LTS?|L|MG|CM|MM|M|UNIDADES?|UNDS?|UN|X)(?![A-Z])")
_CATALOG_RE = re.compile(r"-\s*\d{4,6}\s*$")  # TCE-RJ's catalog number glued to the end: "...1KG-01614"
_LEADING_NUMBER_RE = re.compile(r"^\s*\d{1,3}\s*[-.)]\s*")  # "07 - CHEIRO VERDE"


def plain(text: object) -> str:
    """Upper case, accent-free, single-spaced text ('' for null)."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).upper()
    s = s.replace("º", "O").replace("ª", "A")
    return re.sub(r"\s+", " ", s).strip()


def _number(text: str) -> float | None:
    """'1.000' -> 1000, '1,5' -> 1.5, '1.5' -> 1.5, '05' -> 5."""
    t = text
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", t):
        t = t.replace(".", "")
    elif "," in t:
        t = t.replace(".", "").replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if v > 0 else None


def _unit_code(unit_raw: object) -> str:
    u = plain(unit_raw)
    u = re.sub(r"[.\s]+$", "", u)
    u = re.sub(r"(?<=[A-Z])\d+$", "", u)  # TCE-RJ variants: KG5, PC1, LA9, PT3, CX3, UN1
    return u


@dataclass(frozen=True)
class Pack:
    """How a price of the item converts to its comparison unit: price / unit_size = price per price_unit."""

    price_unit: str  # KG, L, or a package unit (UN, PCT, CX, DZ, ...) when no content is stated
    unit_size: float  # price units in one priced unit: 0.4 for a 400 g package priced per package
    basis: str  # "unit": the unit itself is a weight/volume; "content": from the description; "package"


def content_of(description: object) -> tuple[str, float, bool] | None:
    """The net content a description states, as (KG|L, amount, counted): '12 X 200 ML' -> ('L', 2.4, True),
    'PCT 10G C/ 50 UNIDADES' -> ('KG', 0.5, True); else the first stated weight or volume, counted False;
    None when it states none."""
    d = plain(description)
    for m, count_first in ((_MULTI_RE.search(d), True), (_MULTI_AFTER_RE.search(d), False)):
        if not m:
            continue
        n_text, amount_text, unit_text = (
            (m.group(1), m.group(2), m.group(3)) if count_first else (m.group(3), m.group(1), m.group(2))
        )
        n, amount, unit = _number(n_text), _number(amount_text), _UNIT_FACTOR.get(unit_text)
        if n and amount and unit:
            return unit[0], n * amount * unit[1], True
    for m in _CONTENT_RE.finditer(d):
        amount = _number(m.group(1))
        unit = _UNIT_FACTOR.get(m.group(2))
        if amount and unit:
            return unit[0], amount * unit[1], False
    return None


def parse_pack(description: object, unit_raw: object) -> Pack:
    """The price unit of an item bought in `unit_raw` and described as `description`."""
    u = _unit_code(unit_raw)
    if u in _MASS:
        return Pack("KG", _MASS[u], "unit")
    content = content_of(description)
    if u in _LITRE_OR_CAN and not (content and content[0] == "KG"):
        return Pack("L", 1.0, "unit")
    if u in _VOLUME:
        return Pack("L", _VOLUME[u], "unit")
    multipack = _COUNT.get(u) == "FD"
    if content is not None and u != "DZ" and not (multipack and not content[2]):
        return Pack(content[0], round(content[1], 6), "content")
    if u == "DZ":
        return Pack("UN", 12.0, "package")
    code = _COUNT.get(u, u or "?")
    return Pack(code, 1.0, "package")


def clean_description(description: object) -> str:
    """The product name and qualifiers: no accents, case, catalog numbers, pack sizes, packaging or
    boilerplate words, each word once ("FARINHA DE MANDIOCA - farinha de mandioca : fina" ->
    "FARINHA MANDIOCA FINA")."""
    s = plain(description)
    s = _CATALOG_RE.sub("", s)
    s = _LEADING_NUMBER_RE.sub("", s)
    s = _QUANTITY_RE.sub(" ", s)
    s = re.sub(r"[^A-Z0-9]+", " ", s)
    seen: list[str] = []
    for tok in s.split():
        if tok in _NOISE or any(ch.isdigit() for ch in tok) or len(tok) < 2:
            continue
        if tok not in seen:
            seen.append(tok)
    return " ".join(seen)


def _head(text: str) -> str:
    """The head noun: the first word of a cleaned description, plural 'S' dropped (OVOS -> OVO)."""
    first = text.split(" ", 1)[0] if text else ""
    return first[:-1] if len(first) > 3 and first.endswith("S") else first


def _diet(text: str) -> frozenset[str]:
    return frozenset(t for t in text.split() if t in _DIET)


def compatible(a: str, b: str) -> bool:
    """Two cleaned descriptions may share a class only with the same head noun ("EXTRATO TOMATE" is not
    "TOMATE", "BOLO AIPIM" is not "AIPIM") and the same special-diet words (diet, sem lactose, ...)."""
    return _head(a) == _head(b) and _diet(a) == _diet(b)


def similarity_pairs(texts: list[str], cut: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, cosine) for i < j of every pair of `texts` at least `cut` similar (char n-gram TF-IDF) and
    `compatible`."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 2:
        return np.empty(0, int), np.empty(0, int), np.empty(0)
    x = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True).fit_transform(texts)
    rows, cols, vals = [], [], []
    step = 2000
    for start in range(0, x.shape[0], step):
        block = (x[start : start + step] @ x.T).tocoo()
        keep = (block.data >= cut) & (block.row + start < block.col)
        rows.append(block.row[keep] + start)
        cols.append(block.col[keep])
        vals.append(block.data[keep])
    i, j, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    ok = np.fromiter((compatible(texts[a], texts[b]) for a, b in zip(i, j, strict=True)), bool, len(i))
    return i[ok], j[ok], v[ok]


def match_texts(texts: list[str], cut: float = SIMILARITY_CUT) -> np.ndarray:
    """A cluster label per text: complete-linkage clusters of cosine similarity >= `cut`.

    Complete linkage never spans two connected components of the >= cut graph, so each component is
    clustered alone (small matrices). The result depends only on the set of texts (they are sorted
    first), so reruns over the same items give the same classes."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(texts)
    order = sorted(range(n), key=lambda k: texts[k])
    st = [texts[k] for k in order]
    i, j, s = similarity_pairs(st, cut)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    sims: dict[tuple[int, int], float] = {(int(a), int(b)): float(c) for a, b, c in zip(i, j, s, strict=True)}
    labels = np.empty(n, dtype=np.int64)
    next_label = 0
    members_of: dict[int, list[int]] = {}
    for k, c in enumerate(comp):
        members_of.setdefault(int(c), []).append(k)
    for c in sorted(members_of, key=lambda c: members_of[c][0]):
        m = members_of[c]
        if len(m) == 1:
            labels[m[0]] = next_label
            next_label += 1
            continue
        # condensed distance matrix of the component; pairs below the cut are at distance 1
        cond = [1.0 - sims.get((a, b), 0.0) for p, a in enumerate(m) for b in m[p + 1 :]]
        z = linkage(np.clip(np.asarray(cond), 0.0, 1.0), method="complete")
        sub = fcluster(z, t=1.0 - cut + 1e-9, criterion="distance")
        first: dict[int, int] = {}
        for k, lab in zip(m, sub, strict=True):
            if lab not in first:
                first[lab] = next_label
                next_label += 1
            labels[k] = first[lab]
    out = np.empty(n, dtype=np.int64)
    out[order] = labels
    return out


CLASS_COLUMNS = ("item_class", "price_unit", "unit_size", "match_text")


def item_classes(items: pd.DataFrame, cut: float = SIMILARITY_CUT) -> pd.DataFrame:
    """`items` (description, unit_raw, catalog, catalog_code; one row per distinct combination, or
    more) with the columns of CLASS_COLUMNS added, index kept.

    `count` (optional) weighs a row when the class name is chosen: the most common cleaned text of a
    class names it (ties: the shorter, then alphabetical)."""
    out = items.copy()
    packs = [parse_pack(d, u) for d, u in zip(out["description"], out["unit_raw"], strict=True)]
    out["price_unit"] = [p.price_unit for p in packs]
    out["unit_size"] = [p.unit_size for p in packs]
    out["match_text"] = [clean_description(d) for d in out["description"]]
    weight = out["count"] if "count" in out.columns else pd.Series(1, index=out.index)
    texts = sorted(t for t in set(out["match_text"]) if t)
    labels = dict(zip(texts, match_texts(texts, cut), strict=True))
    per_text = weight.groupby(out["match_text"]).sum()
    names: dict[int, str] = {}
    for t in sorted(texts, key=lambda t: (-per_text.get(t, 0), len(t), t)):
        names.setdefault(labels[t], t)
    name = out["match_text"].map(lambda t: names[labels[t]] if t else None)
    code = out["catalog_code"].where(out["catalog_code"].fillna("").astype(str).str.strip() != "")
    catalog = out["catalog"].fillna("CAT").astype(str).str.upper()
    by_text = (name + " | " + out["price_unit"]).where(name.notna())
    out["item_class"] = (catalog + ":" + code.fillna("").astype(str)).where(code.notna(), by_text)
    return out


def with_item_classes(items: DataFrame, cut: float = SIMILARITY_CUT) -> DataFrame:
    """The merged Item table with `item_class`, `price_unit`, `unit_size` computed over all its items.

    The distinct (description, unit, catalog code) combinations go to the driver (a few thousand per
    market; the clustering is in-memory), the classes come back by a join on them."""
    from pyspark.sql import functions as F

    keys = ["description", "unit_raw", "catalog", "catalog_code"]
    distinct: pd.DataFrame = items.groupBy(*keys).count().toPandas()
    if distinct.empty:
        return items
    classed = item_classes(distinct, cut)[[*keys, "item_class", "price_unit", "unit_size"]]
    spark = items.sparkSession
    schema = (
        "description string, unit_raw string, catalog string, catalog_code string, "
        "item_class string, price_unit string, unit_size double"
    )
    rows = [
        tuple(None if (isinstance(v, float) and v != v) else v for v in r)
        for r in classed.itertuples(index=False)
    ]
    lookup = spark.createDataFrame(rows, schema)
    cond = [items[k].eqNullSafe(lookup[k]) for k in keys]
    joined = items.drop("item_class", "price_unit", "unit_size").join(F.broadcast(lookup), cond, "left")
    return joined.select(
        *[items[c] for c in items.columns if c not in ("item_class", "price_unit", "unit_size")],
        lookup["item_class"],
        lookup["price_unit"],
        lookup["unit_size"],
    )
