"""Column expressions for parsing and normalizing Brazilian fields with Spark SQL functions (no Python UDFs).

Every function here takes and returns `Column`s; nothing reads data or touches a session. The
DataFrame-level transforms that use them live in `etl.transforms.validate` and `etl.transforms.normalize`.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column
from pyspark.sql import functions as F

from core.domain import CPF_IN_TEXT

_ACCENTED = "ÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝáàâãäåéèêëíìîïóòôõöúùûüçñýºª°"
_PLAIN = "AAAAAAEEEEIIIIOOOOOUUUUCNYaaaaaaeeeeiiiiooooouuuucnyOAO"
assert len(_ACCENTED) == len(_PLAIN)

# Unit-of-measure spellings seen in real exports -> one code. Keys are already upper case, accent-free.
UNIT_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["UN", "UND", "UNID", "UNIDADE", "UNIDADES", "U", "UNI", "UNT"], "UN"),
    **dict.fromkeys(
        ["KG", "KGS", "KILO", "KILOS", "QUILO", "QUILOS", "QUILOGRAMA", "QUILOGRAMAS", "KIL", "KI", "QG"],
        "KG",
    ),
    **dict.fromkeys(["G", "GR", "GRS", "GRAMA", "GRAMAS"], "G"),
    **dict.fromkeys(["L", "LT", "LTS", "LTR", "LIT", "LITRO", "LITROS"], "L"),
    **dict.fromkeys(["ML", "MILILITRO", "MILILITROS"], "ML"),
    **dict.fromkeys(["M", "MT", "MTS", "METRO", "METROS"], "M"),
    **dict.fromkeys(["M2", "MT2", "METRO QUADRADO"], "M2"),
    **dict.fromkeys(["M3", "MT3", "METRO CUBICO"], "M3"),
    **dict.fromkeys(["CX", "CXA", "CAIXA", "CAIXAS"], "CX"),
    **dict.fromkeys(["PCT", "PC T", "PAC", "PACOTE", "PACOTES", "PTC", "PCTE"], "PCT"),
    **dict.fromkeys(["PC", "PCA", "PECA", "PECAS"], "PC"),
    **dict.fromkeys(["DZ", "DUZ", "DU", "DUZIA", "DUZIAS"], "DZ"),
    **dict.fromkeys(["FD", "FDO", "FARDO", "FARDOS"], "FD"),
    **dict.fromkeys(["FR", "FRS", "FRA", "FRASCO", "FRASCOS"], "FR"),
    **dict.fromkeys(["GL", "GAL", "GALAO", "GALOES"], "GL"),
    **dict.fromkeys(["LA", "LAT", "LTA", "LATA", "LATAS"], "LATA"),
    **dict.fromkeys(["SC", "SCO", "SACO", "SACOS"], "SC"),
    **dict.fromkeys(["MC", "MCO", "MACO", "MACOS"], "MC"),
    **dict.fromkeys(["RL", "ROLO", "ROLOS"], "RL"),
    **dict.fromkeys(["CJ", "CJT", "CONJ", "CONJUNTO"], "CJ"),
    **dict.fromkeys(["TB", "TUBO", "TUBOS"], "TB"),
    **dict.fromkeys(["AMP", "AMPOLA", "AMPOLAS"], "AMP"),
    **dict.fromkeys(["COMP", "CP", "CPR", "COMPRIMIDO", "COMPRIMIDOS"], "COMP"),
    **dict.fromkeys(["SV", "SERV", "SERVICO", "SERVICOS"], "SV"),
    **dict.fromkeys(["H", "HR", "HRS", "HORA", "HORAS"], "H"),
    **dict.fromkeys(["MES", "MESES"], "MES"),
    **dict.fromkeys(["DIA", "DIAS"], "DIA"),
    **dict.fromkeys(["KM", "QUILOMETRO"], "KM"),
    **dict.fromkeys(["T", "TON", "TONELADA", "TONELADAS"], "T"),
    **dict.fromkeys(["POT", "POTE", "POTES"], "POTE"),
    **dict.fromkeys(["BD", "BDJ", "BANDEJA"], "BDJ"),
    **dict.fromkeys(["EMB", "EMBALAGEM"], "EMB"),
    **dict.fromkeys(["KIT", "KITS"], "KIT"),
    **dict.fromkeys(["PAR", "PARES"], "PAR"),
}

# Units written inside a description after a number ("5 KILOS", "1LT") -> the code.
_DESCRIPTION_UNITS: tuple[tuple[str, str], ...] = (
    (r"(\d)\s*(KGS?|KILOS?|QUILOS?|QUILOGRAMAS?)\b", "$1 KG"),
    (r"(\d)\s*(GRS?|GRAMAS?)\b", "$1 G"),
    (r"(\d)\s*(MLS?|MILILITROS?)\b", "$1 ML"),
    (r"(\d)\s*(LTS?|LITROS?)\b", "$1 L"),
    (r"(\d)\s*(MTS?|METROS?)\b", "$1 M"),
    (r"(\d)\s*(UNDS?|UNID|UNIDADES?)\b", "$1 UN"),
)


def blank_to_null(c: Column) -> Column:
    t = F.trim(c)
    return F.when(t == "", None).otherwise(t)


def digits(c: Column) -> Column:
    return F.regexp_replace(c, r"[^0-9]", "")


def strip_accents(c: Column) -> Column:
    return F.translate(c, _ACCENTED, _PLAIN)


def norm_text(c: Column) -> Column:
    """Upper case, accents stripped, control characters dropped, single spaces, trimmed; '' -> null."""
    s = F.upper(strip_accents(c))
    s = F.regexp_replace(s, r"[\p{Cntrl}]", " ")
    s = F.trim(F.regexp_replace(s, r"\s+", " "))
    return F.when(s == "", None).otherwise(s)


def norm_description(c: Column) -> Column:
    """norm_text plus units of measure written after numbers normalized ("5 KILOS" -> "5 KG")."""
    s = norm_text(c)
    for pattern, repl in _DESCRIPTION_UNITS:
        s = F.regexp_replace(s, pattern, repl)
    return s


def norm_unit(c: Column) -> Column:
    """Unit of measure code: synonyms mapped (UNIDADE -> UN, KILO -> KG), trailing dots dropped."""
    s = norm_text(c)
    s = F.regexp_replace(s, r"[.\s]+$", "")
    mapping = F.create_map(*[F.lit(x) for kv in sorted(UNIT_SYNONYMS.items()) for x in kv])
    return F.coalesce(mapping[s], s)


def name_key(c: Column) -> Column:
    """A normalized name usable inside an id: accent-free upper case, non-alphanumerics as '_'."""
    s = F.regexp_replace(norm_text(c), r"[^A-Z0-9]+", "_")
    return F.regexp_replace(s, r"^_+|_+$", "")


# Money, numbers, dates ----------------------------------------------------------------------------


def money_text(c: Column) -> Column:
    """Canonical decimal text of a Brazilian amount: "1.234,56" and "R$ 1234,56" -> "1234.56"."""
    s = F.regexp_replace(F.trim(c), r"^R\$\s*", "")
    s = F.regexp_replace(s, r"\s", "")
    s = F.when(F.upper(s).isin("NULL", "NA", "N/A"), F.lit(None)).otherwise(s)
    return F.when(s.contains(","), F.regexp_replace(F.regexp_replace(s, r"\.", ""), ",", ".")).otherwise(s)


def is_number_text(c: Column) -> Column:
    return c.rlike(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def money(c: Column) -> Column:
    """The amount as a double; null when blank or not a number (see `money_problem`)."""
    t = money_text(c)
    return F.when(is_number_text(t), t.cast("double"))


def money_problem(c: Column, allow_negative: bool = False) -> Column:
    """Why a money text is unacceptable, or null: not a number, negative."""
    t = money_text(c)
    present = F.coalesce(t, F.lit("")) != ""
    bad_number = present & ~is_number_text(t)
    out = F.when(bad_number, F.concat(F.lit("not a number: "), F.substring(c, 1, 40)))
    if not allow_negative:
        out = out.when(present & (t.cast("double") < 0), F.concat(F.lit("negative value: "), c))
    return out


_NULL_DATES = ("", "0", "00000000")


def date_ymd(c: Column) -> Column:
    """Receita `YYYYMMDD` -> date; "", "0", "00000000" -> null; impossible dates -> null."""
    s = F.trim(c)
    ok = s.rlike(r"^\d{8}$")
    return F.when(
        ok,
        F.make_date(
            F.substring(s, 1, 4).cast("int"),
            F.substring(s, 5, 2).cast("int"),
            F.substring(s, 7, 2).cast("int"),
        ),
    )


def date_ymd_problem(c: Column) -> Column:
    s = F.trim(c)
    present = s.isNotNull() & ~s.isin(*_NULL_DATES)
    return F.when(present & date_ymd(c).isNull(), F.concat(F.lit("invalid date: "), F.substring(c, 1, 40)))


def date_iso(c: Column) -> Column:
    """`YYYY-MM-DD` (or the date part of an ISO timestamp) -> date; impossible dates -> null."""
    s = F.trim(c)
    r = r"^(\d{4})-(\d{2})-(\d{2})"
    ok = s.rlike(r + r"([T ].*)?$")
    return F.when(
        ok,
        F.make_date(
            F.regexp_extract(s, r, 1).cast("int"),
            F.regexp_extract(s, r, 2).cast("int"),
            F.regexp_extract(s, r, 3).cast("int"),
        ),
    )


def date_br(c: Column) -> Column:
    """`DD/MM/YYYY` -> date; impossible dates -> null."""
    s = F.trim(c)
    r = r"^(\d{2})/(\d{2})/(\d{4})$"
    return F.when(
        s.rlike(r),
        F.make_date(
            F.regexp_extract(s, r, 3).cast("int"),
            F.regexp_extract(s, r, 2).cast("int"),
            F.regexp_extract(s, r, 1).cast("int"),
        ),
    )


def date_any(c: Column) -> Column:
    """ISO, Brazilian or Receita date, whichever the text is."""
    return F.coalesce(date_iso(c), date_br(c), date_ymd(c))


def date_any_problem(c: Column) -> Column:
    s = F.trim(c)
    present = s.isNotNull() & ~s.isin(*_NULL_DATES) & ~F.lower(s).startswith("sem inform")
    return F.when(present & date_any(c).isNull(), F.concat(F.lit("invalid date: "), F.substring(c, 1, 40)))


_TS = r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?(?:Z|[+-]\d{2}:?\d{2})?$"


def timestamp_iso(c: Column) -> Column:
    """ISO local timestamp (`2025-06-18T08:00:00`, seconds and time optional) -> timestamp; impossible -> null."""
    s = F.trim(c)

    def g(i: int) -> Column:
        return F.regexp_extract(s, _TS, i)

    def num(i: int, default: str) -> Column:
        v = g(i)
        return F.when(v == "", F.lit(default)).otherwise(v)

    return F.when(
        s.rlike(_TS),
        F.make_timestamp(
            g(1).cast("int"),
            g(2).cast("int"),
            g(3).cast("int"),
            num(4, "0").cast("int"),
            num(5, "0").cast("int"),
            num(6, "0").cast("decimal(16,6)"),
        ),
    )


def timestamp_problem(c: Column) -> Column:
    s = F.trim(c)
    present = s.isNotNull() & (s != "")
    return F.when(
        present & timestamp_iso(c).isNull(), F.concat(F.lit("invalid timestamp: "), F.substring(c, 1, 40))
    )


def integer(c: Column) -> Column:
    """Integer text ("382", "382.0") -> long; null when blank or not an integer."""
    s = F.trim(c)
    return F.when(s.rlike(r"^[+-]?\d+(\.0+)?$"), F.regexp_replace(s, r"\.0+$", "").cast("long"))


def integer_problem(c: Column) -> Column:
    s = F.trim(c)
    present = s.isNotNull() & (s != "")
    return F.when(present & integer(c).isNull(), F.concat(F.lit("not an integer: "), F.substring(c, 1, 40)))


# CNPJ and CPF -------------------------------------------------------------------------------------


def _weighted_sum(c: Column, weights: Sequence[int]) -> Column:
    """sum(digit_i * weight_i) over the first len(weights) characters of `c`, with higher-order functions:
    one small expression (a 13-term arithmetic tree makes whole-stage codegen very slow)."""
    n = len(weights)
    digits = F.transform(F.split(F.substring(c, 1, n), ""), lambda x: x.cast("int"))
    products = F.zip_with(digits, F.array(*[F.lit(w) for w in weights]), lambda a, b: a * b)
    return F.aggregate(products, F.lit(0), lambda acc, x: acc + F.coalesce(x, F.lit(0)))


def _mod11_digit(total: Column) -> Column:
    r = total % 11
    return F.when(r < 2, F.lit(0)).otherwise(11 - r)


def cnpj_check_digits(first12: Column) -> Column:
    """The two check digits of a CNPJ, from its first 12 digits, as a 2-character string.

    The second digit's sum is the first 12 digits with their own weights plus 2 x the first check digit."""
    d1 = _mod11_digit(_weighted_sum(first12, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]))
    d2 = _mod11_digit(_weighted_sum(first12, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3]) + d1 * 2)
    return F.concat(d1.cast("string"), d2.cast("string"))


def _one_repeated_digit(c: Column) -> Column:
    return F.size(F.array_distinct(F.split(c, ""))) == 1


def cnpj_valid(cnpj14: Column) -> Column:
    """True when the text is 14 digits, not one repeated digit, with correct check digits."""
    return (
        F.coalesce(cnpj14.rlike(r"^\d{14}$"), F.lit(False))
        & ~_one_repeated_digit(cnpj14)
        & (F.substring(cnpj14, 13, 2) == cnpj_check_digits(F.substring(cnpj14, 1, 12)))
    )


def head_office_cnpj(cnpj_basico: Column) -> Column:
    """The matriz CNPJ of a company: básico + 0001 + its check digits."""
    first12 = F.concat(F.lpad(cnpj_basico, 8, "0"), F.lit("0001"))
    return F.concat(first12, cnpj_check_digits(first12))


def cpf_check_digits(first9: Column) -> Column:
    def dv(total: Column) -> Column:
        r = (total * 10) % 11
        return F.when(r == 10, F.lit(0)).otherwise(r)

    d1 = dv(_weighted_sum(first9, [10, 9, 8, 7, 6, 5, 4, 3, 2]))
    d2 = dv(_weighted_sum(first9, [11, 10, 9, 8, 7, 6, 5, 4, 3]) + d1 * 2)
    return F.concat(d1.cast("string"), d2.cast("string"))


def cpf_valid(cpf11: Column) -> Column:
    return (
        F.coalesce(cpf11.rlike(r"^\d{11}$"), F.lit(False))
        & ~_one_repeated_digit(cpf11)
        & (F.substring(cpf11, 10, 2) == cpf_check_digits(F.substring(cpf11, 1, 9)))
    )


MASKED_CPF_RE = r"^\*{3}\d{6}\*{2}$"
NO_CPF = "***000000**"


def mask_cpf(cpf11: Column) -> Column:
    """`***` + digits 4-9 + `**`: the Receita's public masking."""
    return F.concat(F.lit("***"), F.substring(cpf11, 4, 6), F.lit("**"))


def mask_cpfs_in_text(c: Column) -> Column:
    """Free text with every full CPF masked: bare or formatted 11-digit runs (core.domain.CPF_IN_TEXT; an
    11-digit phone number is masked too, on the safe side), and CPFs stored in a 14-digit CNPJ field as
    "000" + 11 digits (TCE-RJ) when those 11 digits are a valid CPF and the 14 not a valid CNPJ."""
    text = F.regexp_replace(c, CPF_IN_TEXT, "***$2$3**")
    padded = F.filter(
        F.regexp_extract_all(text, F.lit(r"(?<!\d)000\d{11}(?!\d)"), F.lit(0)),
        lambda x: cpf_valid(F.substring(x, 4, 11)) & ~cnpj_valid(x),
    )
    return F.aggregate(
        padded, text, lambda acc, x: F.replace(acc, x, F.concat(F.lit("000"), mask_cpf(F.substring(x, 4, 11))))
    )


def compact_document(c: Column) -> Column:
    """Punctuation and spaces dropped, asterisks kept ("***.912.928-**" -> "***912928**")."""
    return F.regexp_replace(F.trim(c), r"[.\-/\s]", "")
