"""Entity resolution: accepted source records -> graph-table rows (core/tables.py).

Every function is a pure DataFrame -> DataFrame mapping. Several sources produce rows for the same node
(a supplier appears in bids, PNCP results, sanctions and the registry); `merge.combine` folds them into one
row per id afterwards. Each candidate row carries `_ord`: source priority, then file and position, so
"last source wins" is deterministic (see `PRIORITY`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from etl.transforms import columns as C
from etl.transforms.documents import person_id, supplier_id

# Which source wins a node property when several have it: higher wins. The registry is authoritative
# for company data, PNCP for tenders.
PRIORITY = {
    "garcia": 1,
    "synth": 1,
    "bids_tcerj": 2,
    "bids_generic": 3,
    "bids_rj_state": 2,
    "pncp": 4,
    "ceis": 5,
    "cnep": 5,
    "cnpj": 6,
}

Rows = dict[str, list[DataFrame]]


def priority_prefix(source: Column) -> Column:
    """The two-digit priority prefix (`06|`) of a source name (`PRIORITY`); `00|` for an unknown source."""
    prio = F.coalesce(
        F.create_map(*[F.lit(x) for kv in sorted(PRIORITY.items()) for x in kv])[source], F.lit(0)
    )
    return F.concat(F.lpad(prio.cast("string"), 2, "0"), F.lit("|"))


def _ord(prio_source: Column | None = None) -> Column:
    src = prio_source if prio_source is not None else F.col("_source")
    return F.concat(priority_prefix(src), F.col("_ord"))


def _lineage() -> list[Column]:
    return [F.col("_source").alias("source"), F.col("_file").alias("source_file"), _ord().alias("_ord")]


def _rel(src: Column, dst: Column, src_label: str, dst_label: str, *props: Column) -> list[Column]:
    return [
        src.alias("src"),
        dst.alias("dst"),
        F.lit(src_label).alias("src_label"),
        F.lit(dst_label).alias("dst_label"),
        *props,
        *_lineage(),
    ]


def object_nature(obj: Column, legal_basis_code: Column) -> Column:
    """goods | services | engineering | works | vehicle_maintenance, from the object text (heuristic)."""
    o = C.norm_text(obj)
    return (
        F.when(o.rlike(r"MANUTENCAO.*VEICUL|VEICUL.*MANUTENCAO|PECAS.*VEICUL"), F.lit("vehicle_maintenance"))
        .when(o.rlike(r"\bOBRAS?\b|CONSTRUCAO|PAVIMENTACAO|REFORMA"), F.lit("works"))
        .when(o.rlike(r"ENGENHARIA") | (legal_basis_code == 18), F.lit("engineering"))
        .when(o.rlike(r"\bSERVICOS?\b|PRESTACAO|CONTRATACAO DE EMPRESA"), F.lit("services"))
        .when(o.isNotNull(), F.lit("goods"))
    )


def item_class(catalog: Column, code: Column, desc_norm: Column, unit: Column) -> Column:
    return F.when(
        F.coalesce(code, F.lit("")) != "",
        F.concat(F.coalesce(F.upper(catalog), F.lit("CAT")), F.lit(":"), code),
    ).otherwise(F.concat_ws(" | ", desc_norm, unit))


def notice_year(notice: Column) -> Column:
    """The year a bid export's notice number states, or null: "35/2018", "PP 002/2018" (four digits),
    "12018" (number glued to the year), "jul/17", "065/17", "PE 17/18" (two digits after the slash)."""
    n = F.trim(F.upper(F.coalesce(notice, F.lit(""))))
    four = F.regexp_extract(n, r"(?<![0-9])(20[0-9]{2})(?![0-9])", 1)
    glued = F.regexp_extract(n, r"^[0-9]{1,3}(20[1-3][0-9])$", 1)
    two = F.regexp_extract(n, r"/\s*([0-9]{2})(?![0-9])", 1)
    return (
        F.when(four != "", four.cast("long"))
        .when(glued != "", glued.cast("long"))
        .when(two != "", F.lit(2000) + two.cast("long"))
    )


def _hash16(*cols: Column) -> Column:
    return F.substring(
        F.sha1(F.concat_ws("\u001f", *[F.coalesce(c.cast("string"), F.lit("")) for c in cols])), 1, 16
    )


# PNCP ---------------------------------------------------------------------------------------------


def from_contratacoes(df: DataFrame, out: Rows) -> None:
    agency = F.concat(F.lit("agency:"), F.col("agency_cnpj"))
    unit = F.when(
        F.col("unit_code").isNotNull(),
        F.concat(F.lit("unit:"), F.col("agency_cnpj"), F.lit(":"), F.col("unit_code")),
    )
    tender = F.concat(F.lit("tender:"), F.col("control_number"))
    out["Agency"].append(
        df.select(
            agency.alias("id"),
            F.col("agency_cnpj").alias("cnpj"),
            F.col("agency_name").alias("name"),
            "sphere",
            "power",
            "uf",
            *_lineage(),
        )
    )
    units = df.where(unit.isNotNull())
    out["Unit"].append(
        units.select(
            unit.alias("id"),
            agency.alias("agency_id"),
            F.col("unit_code").alias("code"),
            F.col("unit_name").alias("name"),
            "uf",
            "ibge_code",
            "municipality",
            *_lineage(),
        )
    )
    out["PART_OF"].append(units.select(*_rel(unit, agency, "Unit", "Agency")))
    out["Tender"].append(
        df.select(
            tender.alias("id"),
            agency.alias("agency_id"),
            unit.alias("unit_id"),
            "control_number",
            "year",
            "sequence",
            "process_number",
            "modality_id",
            "modality",
            "dispute_mode_id",
            "legal_basis_code",
            "legal_basis",
            "object",
            object_nature(F.col("object"), F.col("legal_basis_code")).alias("object_nature"),
            "judgment_criterion_id",
            "estimated_value",
            "awarded_value",
            "published_at",
            "proposals_open_at",
            "proposals_close_at",
            "srp",
            "status_id",
            F.date_format("published_at", "yyyy-MM").alias("batch"),
            *_lineage(),
        )
    )
    out["PUBLISHED"].append(df.select(*_rel(agency, tender, "Agency", "Tender")))
    out["MANAGED_BY"].append(units.select(*_rel(tender, unit, "Tender", "Unit")))


def _tender_stub(df: DataFrame, out: Rows) -> None:
    """Agency and Tender rows known from an items/results envelope or a bid export's PNCP keys."""
    agency = F.concat(F.lit("agency:"), F.col("agency_cnpj"))
    tender = F.concat(F.lit("tender:"), F.col("control_number"))
    has_agency = C.cnpj_valid(F.col("agency_cnpj"))
    out["Agency"].append(
        df.where(has_agency).select(agency.alias("id"), F.col("agency_cnpj").alias("cnpj"), *_lineage())
    )
    out["Tender"].append(
        df.select(
            tender.alias("id"),
            F.when(has_agency, agency).alias("agency_id"),
            "control_number",
            "year",
            "sequence",
            *_lineage(),
        )
    )
    out["PUBLISHED"].append(df.where(has_agency).select(*_rel(agency, tender, "Agency", "Tender")))


def from_itens(df: DataFrame, out: Rows) -> None:
    _tender_stub(df, out)
    tender = F.concat(F.lit("tender:"), F.col("control_number"))
    item = F.concat(F.lit("item:"), F.col("control_number"), F.lit(":"), F.col("number").cast("string"))
    desc_norm = C.norm_description(F.col("description"))
    unit = C.norm_unit(F.col("unit_raw"))
    out["Item"].append(
        df.select(
            item.alias("id"),
            tender.alias("tender_id"),
            "number",
            "description",
            desc_norm.alias("description_norm"),
            "kind",
            "quantity",
            unit.alias("unit"),
            "unit_raw",
            "estimated_unit_value",
            "estimated_total_value",
            "catalog",
            "catalog_code",
            "ncm_nbs",
            item_class(F.col("catalog"), F.col("catalog_code"), desc_norm, unit).alias("item_class"),
            "status_id",
            *_lineage(),
        )
    )
    out["HAS_ITEM"].append(df.select(*_rel(tender, item, "Tender", "Item")))
    # the judgment criterion is published per item; the tender takes it too
    out["Tender"].append(df.select(tender.alias("id"), "judgment_criterion_id", *_lineage()))


def _supplier_rows(df: DataFrame, name: Column, size: Column | None = None) -> DataFrame:
    sid = supplier_id(F.col("_doc_kind"), F.col("_doc"), name)
    return df.select(
        sid.alias("id"),
        F.col("_doc").alias("document"),
        F.when(F.col("_doc_kind") == "PJ", F.substring("_doc", 1, 8)).alias("cnpj_basico"),
        F.col("_doc_kind").alias("person_type"),
        C.norm_text(name).alias("name"),
        (size if size is not None else F.lit(None).cast("string")).alias("size"),
        *_lineage(),
    )


_PNCP_PORTE = {"1": "01", "2": "03", "3": "05", "4": "00", "5": "00"}


def from_resultados(df: DataFrame, out: Rows) -> None:
    _tender_stub(df, out)
    tender = F.concat(F.lit("tender:"), F.col("control_number"))
    item = F.concat(F.lit("item:"), F.col("control_number"), F.lit(":"), F.col("item_number").cast("string"))
    out["Item"].append(
        df.select(
            item.alias("id"), tender.alias("tender_id"), F.col("item_number").alias("number"), *_lineage()
        )
    )
    out["HAS_ITEM"].append(df.select(*_rel(tender, item, "Tender", "Item")))
    porte = F.create_map(*[F.lit(x) for kv in sorted(_PNCP_PORTE.items()) for x in kv])[F.trim("porte")]
    out["Supplier"].append(_supplier_rows(df, F.col("supplier_name"), porte))
    sid = supplier_id(F.col("_doc_kind"), F.col("_doc"), F.col("supplier_name"))
    out["AWARDED"].append(
        df.select(
            *_rel(
                item,
                sid,
                "Item",
                "Supplier",
                F.col("quantity"),
                F.col("unit_value"),
                F.col("total_value"),
                F.col("discount_pct"),
                F.col("awarded_on"),
            )
        )
    )


# bid exports --------------------------------------------------------------------------------------


def _bids(df: DataFrame, out: Rows, item: Column, value: Column) -> None:
    sid = supplier_id(F.col("_doc_kind"), F.col("_doc"), F.col("supplier_name"))
    out["Supplier"].append(_supplier_rows(df, F.col("supplier_name")))
    out["BID"].append(
        df.select(
            *_rel(
                sid,
                item,
                "Supplier",
                "Item",
                value.alias("value"),
                F.col("unit_value"),
                F.col("quantity"),
                F.lit(None).cast("long").alias("rank"),
                F.col("won"),
                F.col("status"),
            )
        )
    )


def from_generic_bids(df: DataFrame, out: Rows) -> None:
    _tender_stub(df, out)
    tender = F.concat(F.lit("tender:"), F.col("control_number"))
    item = F.concat(F.lit("item:"), F.col("control_number"), F.lit(":"), F.col("item_number").cast("string"))
    out["Item"].append(
        df.select(
            item.alias("id"), tender.alias("tender_id"), F.col("item_number").alias("number"), *_lineage()
        )
    )
    out["HAS_ITEM"].append(df.select(*_rel(tender, item, "Tender", "Item")))
    value = F.coalesce(F.col("value"), F.col("unit_value") * F.col("quantity"))
    _bids(df, out, item, value)


def from_tcerj_bids(df: DataFrame, out: Rows) -> None:
    agency = F.concat(F.lit("agency:tcerj:"), F.col("unit_code"))
    tkey = F.concat(F.col("unit_code"), F.lit(":"), F.regexp_replace(F.col("notice"), r"\s+", ""))
    tender = F.concat(F.lit("tender:bids_tcerj:"), tkey)
    desc_norm = C.norm_description(F.col("description"))
    unit = C.norm_unit(F.col("unit_raw"))
    ikey = _hash16(desc_norm, unit, F.col("quantity"))
    item = F.concat(F.lit("item:bids_tcerj:"), tkey, F.lit(":"), ikey)
    modality_norm = C.norm_text(F.col("modality"))
    from etl.sources.bids import TCERJ_MODALITY_IDS

    modality_ids = F.create_map(
        *[F.lit(x) for k, v in sorted(TCERJ_MODALITY_IDS.items()) if v for x in (k, v)]
    )
    df = df.withColumn("_item_id", item).withColumn("_tender_id", tender)
    out["Agency"].append(
        df.select(
            agency.alias("id"),
            F.col("agency_name").alias("name"),
            F.lit("M").alias("sphere"),
            F.lit("RJ").alias("uf"),
            *_lineage(),
        )
    )
    out["Tender"].append(
        df.select(
            tender.alias("id"),
            agency.alias("agency_id"),
            F.col("notice").alias("process_number"),
            notice_year(F.col("notice")).alias("year"),
            modality_ids[modality_norm].cast("long").alias("modality_id"),
            F.col("modality"),
            F.col("object"),
            object_nature(F.col("object"), F.lit(None)).alias("object_nature"),
            F.col("estimated_value"),
            *_lineage(),
        )
    )
    out["PUBLISHED"].append(df.select(*_rel(agency, tender, "Agency", "Tender")))
    # the export has no item numbers: number the items of a notice by their (content-derived) key
    items = df.select(
        item.alias("id"),
        tender.alias("tender_id"),
        "description",
        desc_norm.alias("description_norm"),
        "quantity",
        unit.alias("unit"),
        "unit_raw",
        item_class(F.lit(None), F.lit(None), desc_norm, unit).alias("item_class"),
        *_lineage(),
    )
    numbered = (
        items.select("id", "tender_id")
        .distinct()
        .withColumn("number", F.dense_rank().over(Window.partitionBy("tender_id").orderBy("id")).cast("long"))
    )
    out["Item"].append(items.join(numbered.drop("tender_id"), "id", "left"))
    out["HAS_ITEM"].append(df.select(*_rel(tender, item, "Tender", "Item")))
    priced = F.when(F.col("unit_value") > 0, F.col("unit_value"))
    df = df.withColumn("unit_value", priced)
    _bids(df, out, item, F.col("unit_value") * F.col("quantity"))


def from_rj_state_bids(df: DataFrame, out: Rows) -> None:
    """RJ state participations (etl/sources/rj_state.py): scrambled ids are opaque keys, not documents."""
    from etl.sources.rj_state import MODALITY_IDS

    agency = F.concat(F.lit("agency:rj_state:"), _hash16(F.col("agency_name")))
    tender = F.concat(F.lit("tender:rj_state:"), F.col("tender_code").cast("string"))
    item = F.concat(
        F.lit("item:rj_state:"),
        F.col("tender_code").cast("string"),
        F.lit(":"),
        F.col("item_code").cast("string"),
    )
    sid = F.concat(F.lit("supplier:rj_state:"), F.col("supplier_key"))
    modality_ids = F.create_map(*[F.lit(x) for kv in sorted(MODALITY_IDS.items()) for x in kv])
    opened = F.col("opened_on").cast("timestamp")
    out["Agency"].append(
        df.where(F.col("agency_name").isNotNull()).select(
            agency.alias("id"),
            F.col("agency_name").alias("name"),
            F.lit("E").alias("sphere"),
            F.lit("RJ").alias("uf"),
            *_lineage(),
        )
    )
    out["Tender"].append(
        df.select(
            tender.alias("id"),
            F.when(F.col("agency_name").isNotNull(), agency).alias("agency_id"),
            F.col("tender_code").cast("string").alias("process_number"),
            modality_ids[C.norm_text(F.col("modality"))].cast("long").alias("modality_id"),
            F.col("modality"),
            F.col("object"),
            object_nature(F.col("object"), F.lit(None)).alias("object_nature"),
            opened.alias("proposals_open_at"),
            F.date_format(opened, "yyyy-MM").alias("batch"),
            *_lineage(),
        )
    )
    out["PUBLISHED"].append(
        df.where(F.col("agency_name").isNotNull()).select(*_rel(agency, tender, "Agency", "Tender"))
    )
    out["Item"].append(
        df.select(
            item.alias("id"), tender.alias("tender_id"), F.col("item_code").alias("number"), *_lineage()
        )
    )
    out["HAS_ITEM"].append(df.select(*_rel(tender, item, "Tender", "Item")))
    out["Supplier"].append(
        df.select(
            sid.alias("id"),
            F.lit(None).cast("string").alias("document"),
            F.col("person_type"),
            C.norm_text(F.col("supplier_name")).alias("name"),
            *_lineage(),
        )
    )
    out["BID"].append(
        df.select(
            *_rel(
                sid,
                item,
                "Supplier",
                "Item",
                F.col("value"),
                F.lit(None).cast("double").alias("unit_value"),
                F.lit(None).cast("double").alias("quantity"),
                F.lit(None).cast("long").alias("rank"),
                F.col("won"),
                F.lit("valid").alias("status"),
            )
        )
    )


def from_garcia(df: DataFrame, out: Rows) -> None:
    tkey = F.concat(F.col("dataset"), F.lit(":"), F.col("tender"))
    tender = F.concat(F.lit("tender:garcia:"), tkey)
    item = F.concat(F.lit("item:garcia:"), tkey, F.lit(":1"))
    sid = F.concat(F.lit("supplier:garcia:"), F.col("dataset"), F.lit(":"), F.col("bidder"))
    published = F.timestamp_seconds(F.col("date_s").cast("long"))
    out["Tender"].append(
        df.select(
            tender.alias("id"),
            F.col("tender").alias("process_number"),
            F.col("estimated_value"),
            published.alias("published_at"),
            F.date_format(published, "yyyy-MM").alias("batch"),
            *_lineage(),
        )
    )
    out["Item"].append(
        df.select(
            item.alias("id"), tender.alias("tender_id"), F.lit(1).cast("long").alias("number"), *_lineage()
        )
    )
    out["HAS_ITEM"].append(df.select(*_rel(tender, item, "Tender", "Item")))
    out["Supplier"].append(
        df.select(
            sid.alias("id"),
            F.col("bidder").alias("document"),
            F.lit(None).cast("string").alias("person_type"),
            *_lineage(),
        )
    )
    out["BID"].append(
        df.select(
            *_rel(
                sid,
                item,
                "Supplier",
                "Item",
                F.col("value"),
                F.col("value").alias("unit_value"),
                F.lit(1.0).alias("quantity"),
                F.lit(None).cast("long").alias("rank"),
                F.col("won"),
                F.lit("valid").alias("status"),
            )
        )
    )


# sanctions ----------------------------------------------------------------------------------------


def from_sancoes(df: DataFrame, out: Rows) -> None:
    sid = supplier_id(F.col("_doc_kind"), F.col("_doc"), F.col("subject_name"))
    sanction = F.concat(
        F.lit("sanction:"),
        F.col("registry"),
        F.lit(":"),
        _hash16(
            F.col("registry"),
            F.col("_doc"),
            C.norm_text(F.col("subject_name")),
            F.col("category_"),
            F.col("start_date"),
            F.col("end_date"),
            F.col("authority_"),
            F.col("fine_value"),
            F.col("process_number"),
        ),
    )
    out["Supplier"].append(_supplier_rows(df, F.col("subject_name")))
    out["Sanction"].append(
        df.select(
            sanction.alias("id"),
            "registry",
            F.col("_doc").alias("subject_document"),
            C.norm_text(F.col("subject_name")).alias("subject_name"),
            F.col("category_").alias("category"),
            "start_date",
            "end_date",
            F.col("authority_").alias("authority"),
            F.col("authority_uf_").alias("authority_uf"),
            "fine_value",
            "process_number",
            *_lineage(),
        )
    )
    out["SANCTIONED"].append(
        df.select(*_rel(sid, sanction, "Supplier", "Sanction", F.col("start_date"), F.col("end_date")))
    )


# CNPJ registry ------------------------------------------------------------------------------------


def mask_trailing_cpf(name: Column) -> Column:
    """MEI company names end with the owner's full CPF; keep only the public mask."""
    return F.regexp_replace(name, r"(?<!\d)\d{3}(\d{6})\d{2}$", "***$1**")


def from_cnpj(tables: Mapping[str, DataFrame], out: Rows) -> None:
    """Suppliers, branches, partners and contacts from the registry tables (accepted rows, plus the merged
    lookups `empresas`, `simples`, `municipios`, `qualificacoes`, `tabmun` when present)."""
    emp = tables.get("empresas")
    est = tables.get("estabelecimentos")
    soc = tables.get("socios")
    sim = tables.get("simples")
    mun = tables.get("municipios")
    tab = tables.get("tabmun")
    qual = tables.get("qualificacoes")

    company = None
    if emp is not None:
        company = emp.select(
            "basico",
            C.norm_text(mask_trailing_cpf(F.col("name"))).alias("name"),
            "legal_nature",
            "capital",
            "size",
            F.col("_ord").alias("_emp_ord"),
            F.col("_source").alias("_emp_source"),
            F.col("_file").alias("_emp_file"),
        )
    simples = None
    if sim is not None:
        simples = sim.select("basico", "simples", "mei")

    if emp is not None and company is not None:
        rows = company.withColumn("id", F.concat(F.lit("supplier:"), C.head_office_cnpj(F.col("basico"))))
        if simples is not None:
            rows = rows.join(simples, "basico", "left")
        out["Supplier"].append(
            rows.select(
                "id",
                C.head_office_cnpj(F.col("basico")).alias("document"),
                F.col("basico").alias("cnpj_basico"),
                F.lit("PJ").alias("person_type"),
                "name",
                F.lit(True).alias("head_office"),
                "legal_nature",
                "capital",
                "size",
                *(["simples", "mei"] if simples is not None else []),
                F.lit(True).alias("in_registry"),
                F.col("_emp_source").alias("source"),
                F.col("_emp_file").alias("source_file"),
                F.concat(F.lit("06|"), F.col("_emp_ord")).alias("_ord"),
            )
        )

    if est is not None:
        e = est
        if company is not None:
            e = e.join(company.drop("_emp_ord", "_emp_source", "_emp_file"), "basico", "left")
        if simples is not None:
            e = e.join(simples, "basico", "left")
        if mun is not None:
            e = e.join(
                mun.select(F.col("code").alias("municipio_code"), F.col("description").alias("municipality")),
                "municipio_code",
                "left",
            )
        if tab is not None:
            tom = tab.select(
                F.lpad(F.col("tom"), 4, "0").alias("_tom"), F.col("ibge").alias("municipality_ibge")
            )
            e = e.join(tom, F.lpad(F.col("municipio_code"), 4, "0") == F.col("_tom"), "left").drop("_tom")
        for missing in ("municipality_ibge", "municipality"):
            if missing not in e.columns:
                e = e.withColumn(missing, F.lit(None).cast("string"))
        cols = set(e.columns)

        def opt(name: str, type_: str = "string") -> Column:
            return F.col(name) if name in cols else F.lit(None).cast(type_).alias(name)

        sid = F.concat(F.lit("supplier:"), F.col("cnpj"))
        out["Supplier"].append(
            e.select(
                sid.alias("id"),
                F.col("cnpj").alias("document"),
                F.col("basico").alias("cnpj_basico"),
                F.lit("PJ").alias("person_type"),
                opt("name"),
                C.norm_text(F.col("trade_name")).alias("trade_name"),
                "head_office",
                opt("legal_nature"),
                opt("capital", "double"),
                opt("size"),
                "registry_status",
                "registry_status_date",
                "founded_on",
                "main_cnae",
                "secondary_cnaes",
                "uf",
                opt("municipality_ibge"),
                opt("municipality"),
                opt("simples", "boolean"),
                opt("mei", "boolean"),
                F.lit(True).alias("in_registry"),
                *_lineage(),
            )
        )
        branches = e.where(~F.col("head_office"))
        head = F.concat(F.lit("supplier:"), C.head_office_cnpj(F.col("basico")))
        out["BRANCH_OF"].append(branches.select(*_rel(sid, head, "Supplier", "Supplier")))
        # the head office of a branch exists even when its own row is not in these files
        out["Supplier"].append(
            branches.select(
                head.alias("id"),
                C.head_office_cnpj(F.col("basico")).alias("document"),
                F.col("basico").alias("cnpj_basico"),
                F.lit("PJ").alias("person_type"),
                F.lit(True).alias("head_office"),
                *_lineage(),
            )
        )
        _contacts(e, sid, out)

    if soc is not None:
        s = soc
        if qual is not None:
            s = s.join(
                qual.select(F.col("code").alias("role_code"), F.col("description").alias("role")),
                "role_code",
                "left",
            )
        else:
            s = s.withColumn("role", F.lit(None).cast("string"))
        company_id = F.concat(F.lit("supplier:"), C.head_office_cnpj(F.col("basico")))
        people = s.where(F.col("partner_type").isin("2", "3"))
        masked = F.when(
            F.coalesce(F.col("partner_doc").rlike(C.MASKED_CPF_RE), F.lit(False))
            & (F.col("partner_doc") != C.NO_CPF),
            F.col("partner_doc"),
        )
        pid = person_id(masked, F.col("partner_name"))
        out["Person"].append(
            people.select(
                pid.alias("id"),
                C.norm_text(F.col("partner_name")).alias("name"),
                masked.alias("masked_cpf"),
                F.when(F.col("partner_type") == "2", F.lit("PF"))
                .otherwise(F.lit("ESTRANGEIRO"))
                .alias("kind"),
                "age_band",
                *_lineage(),
            )
        )
        props = (F.col("role_code"), F.col("role"), F.col("since"))
        out["PARTNER_OF"].append(people.select(*_rel(pid, company_id, "Person", "Supplier", *props)))
        firms = s.where(F.col("partner_type") == "1").withColumn(
            "_pcnpj", F.lpad(F.col("partner_doc"), 14, "0")
        )
        partner_sid = F.concat(F.lit("supplier:"), F.col("_pcnpj"))
        out["Supplier"].append(
            firms.select(
                partner_sid.alias("id"),
                F.col("_pcnpj").alias("document"),
                F.substring("_pcnpj", 1, 8).alias("cnpj_basico"),
                F.lit("PJ").alias("person_type"),
                C.norm_text(F.col("partner_name")).alias("name"),
                *_lineage(),
            )
        )
        out["PARTNER_OF"].append(firms.select(*_rel(partner_sid, company_id, "Supplier", "Supplier", *props)))
        # a company named in Socios exists even when its Empresas/Estabelecimentos rows are not loaded
        out["Supplier"].append(
            s.select(
                company_id.alias("id"),
                C.head_office_cnpj(F.col("basico")).alias("document"),
                F.col("basico").alias("cnpj_basico"),
                F.lit("PJ").alias("person_type"),
                *_lineage(),
            )
        )


def _contacts(e: DataFrame, sid: Column, out: Rows) -> None:
    street = C.norm_text(F.concat_ws(" ", F.col("tipo_logradouro"), F.col("logradouro")))
    number = F.regexp_replace(C.norm_text(F.col("numero")), r"^(S/N|S N|SN|S\.N\.?|SEM NUMERO)$", "SN")
    district = C.norm_text(F.col("bairro"))
    cep = C.digits(F.col("cep"))
    place = F.coalesce(F.col("municipality_ibge"), F.concat(F.lit("rf"), F.col("municipio_code")))
    normalized = F.concat_ws(" | ", street, number, cep, place, F.col("uf"))
    has = street.isNotNull()
    addr_id = F.concat(F.lit("address:"), F.substring(F.sha1(normalized), 1, 16))
    a = e.where(has)
    out["Address"].append(
        a.select(
            addr_id.alias("id"),
            street.alias("street"),
            number.alias("number"),
            C.norm_text(F.col("complemento")).alias("complement"),
            district.alias("district"),
            F.when(cep != "", cep).alias("cep"),
            "municipality_ibge",
            "municipality",
            "uf",
            normalized.alias("normalized"),
            *_lineage(),
        )
    )
    out["LOCATED_AT"].append(a.select(*_rel(sid, addr_id, "Supplier", "Address")))

    def phone(ddd: str, num: str) -> Column:
        d = F.concat(C.digits(F.coalesce(F.col(ddd), F.lit(""))), C.digits(F.coalesce(F.col(num), F.lit(""))))
        return F.when((F.length(C.digits(F.coalesce(F.col(num), F.lit("")))) >= 8) & (F.length(d) <= 11), d)

    phones = e.select(
        sid.alias("_sid"),
        F.explode(
            F.array_distinct(
                F.array_compact(
                    F.array(
                        phone("ddd_1", "telefone_1"), phone("ddd_2", "telefone_2"), phone("ddd_fax", "fax")
                    )
                )
            )
        ).alias("_phone"),
        "_source",
        "_file",
        "_ord",
    )
    pid = F.concat(F.lit("phone:"), F.col("_phone"))
    out["Phone"].append(phones.select(pid.alias("id"), F.col("_phone").alias("number"), *_lineage()))
    out["HAS_PHONE"].append(phones.select(*_rel(F.col("_sid"), pid, "Supplier", "Phone")))

    email = F.lower(F.trim(F.col("correio_eletronico")))
    m = e.where(F.coalesce(email.rlike(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), F.lit(False)))
    eid = F.concat(F.lit("email:"), email)
    out["Email"].append(
        m.select(
            eid.alias("id"),
            email.alias("email"),
            F.substring_index(email, "@", -1).alias("domain"),
            *_lineage(),
        )
    )
    out["HAS_EMAIL"].append(m.select(*_rel(sid, eid, "Supplier", "Email")))


def empty_rows() -> Rows:
    return defaultdict(list)
