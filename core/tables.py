"""The graph tables: the one contract between the ETL, the Neo4j loader, the detectors and the GNN.

The ETL writes one table per node label and per relationship type under a tables directory, each a Delta
Lake table (Parquet files in one `run-<id>/` folder per ETL run that wrote it, and `_delta_log/`; read a
version through core/delta.py, never the folder whole):

    <tables>/nodes/<Label>/run-<id>/part-*.parquet
    <tables>/rels/<TYPE>/run-<id>/part-*.parquet
    <tables>/rejects/run-<id>/part-*.parquet    every input record that was not loaded, with its reason
    <tables>/manifest.json                      per source file: records read, accepted, rejected; run versions

Every node table has a string `id` that is stable across runs (derived from the record's natural key,
never from row order). Every relationship table has `src` and `dst` (node ids), `src_label` and
`dst_label`, and its properties. `docs/graph-tables.md` describes the same tables for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["string", "long", "double", "boolean", "date", "timestamp", "array<string>"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    doc: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class TableSpec:
    name: str
    kind: Literal["node", "rel"]
    columns: tuple[Column, ...]
    doc: str = ""
    src_labels: tuple[str, ...] = field(default_factory=tuple)
    dst_labels: tuple[str, ...] = field(default_factory=tuple)
    # a side table (findings, risk, verdicts) lives in `<tables>/<folder>/`, not under nodes/ or rels/
    folder: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def path(self) -> str:
        if self.folder is not None:
            return self.folder
        return f"{'nodes' if self.kind == 'node' else 'rels'}/{self.name}"


def _c(name: str, type_: ColumnType, doc: str = "", nullable: bool = True) -> Column:
    return Column(name, type_, doc, nullable)


_ID = _c("id", "string", "stable id, `<label prefix>:<natural key>`", nullable=False)
_LINEAGE = (
    _c("source", "string", "source kind: pncp, bids_tcerj, bids_generic, cnpj, ceis, cnep, garcia, synth"),
    _c("source_file", "string", "file name the record came from (last one that updated it)"),
)
_REL_ENDS = (
    _c("src", "string", "id of the start node", nullable=False),
    _c("dst", "string", "id of the end node", nullable=False),
    _c("src_label", "string", "label of the start node", nullable=False),
    _c("dst_label", "string", "label of the end node", nullable=False),
)


NODE_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "Agency",
        "node",
        (
            _ID,
            _c("cnpj", "string", "14-digit CNPJ of the órgão/entidade"),
            _c("name", "string"),
            _c("sphere", "string", "esferaId: F federal, E estadual, M municipal, D distrital"),
            _c("power", "string", "poderId: E, L, J, N"),
            _c("uf", "string"),
            *_LINEAGE,
        ),
        "A buying agency (órgão or entidade), keyed by CNPJ: `agency:<cnpj>`.",
    ),
    TableSpec(
        "Unit",
        "node",
        (
            _ID,
            _c("agency_id", "string"),
            _c("code", "string", "codigoUnidade"),
            _c("name", "string"),
            _c("uf", "string"),
            _c("ibge_code", "string", "IBGE municipality code (7 digits)"),
            _c("municipality", "string"),
            *_LINEAGE,
        ),
        "A unidade gestora/compradora of an agency: `unit:<agency cnpj>:<code>`.",
    ),
    TableSpec(
        "Tender",
        "node",
        (
            _ID,
            _c("agency_id", "string"),
            _c("unit_id", "string"),
            _c("control_number", "string", "numeroControlePNCP when published in PNCP"),
            _c("year", "long", "anoCompra; bid exports: the year in the notice number"),
            _c("sequence", "long", "sequencialCompra"),
            _c("process_number", "string", "processo / número da licitação at the source"),
            _c("modality_id", "long", "PNCP modalidadeId (6 pregão eletrônico, 8 dispensa, ...)"),
            _c("modality", "string", "modality name"),
            _c("dispute_mode_id", "long", "modoDisputaId"),
            _c("legal_basis_code", "long", "amparoLegal.codigo (18 = art. 75 I, 19 = art. 75 II)"),
            _c("legal_basis", "string"),
            _c("object", "string", "objetoCompra"),
            _c("object_nature", "string", "goods | services | engineering | works | vehicle_maintenance"),
            _c("judgment_criterion_id", "long", "critério de julgamento (1 menor preço, 2 maior desconto, ...)"),
            _c("estimated_value", "double", "valorTotalEstimado, R$"),
            _c("awarded_value", "double", "valorTotalHomologado, R$"),
            _c("published_at", "timestamp", "dataPublicacaoPncp (or the edital's publication)"),
            _c("proposals_open_at", "timestamp", "dataAberturaProposta"),
            _c("proposals_close_at", "timestamp", "dataEncerramentoProposta"),
            _c("srp", "boolean", "registro de preços"),
            _c("status_id", "long", "situacaoCompraId"),
            _c("batch", "string", "publication month YYYY-MM, the unit of incremental loading"),
            *_LINEAGE,
        ),
        "A contratação (licitação, dispensa, inexigibilidade...): `tender:<numeroControlePNCP>` or "
        "`tender:<source>:<source key>`.",
    ),
    TableSpec(
        "Item",
        "node",
        (
            _ID,
            _c("tender_id", "string"),
            _c("number", "long", "numeroItem"),
            _c("description", "string", "as published"),
            _c("description_norm", "string", "upper-case, no accents, single spaces, units normalized"),
            _c("kind", "string", "M material | S serviço"),
            _c("quantity", "double"),
            _c("unit", "string", "normalized unit of measure (UN, KG, L, M, CX, PCT, ...)"),
            _c("unit_raw", "string"),
            _c("estimated_unit_value", "double"),
            _c("estimated_total_value", "double"),
            _c("catalog", "string", "CATMAT | CATSER | other"),
            _c("catalog_code", "string"),
            _c("ncm_nbs", "string"),
            _c(
                "item_class",
                "string",
                "price-reference class: `<catalog>:<code>` when catalogued, else the matched description class"
                " + price unit, e.g. `FARINHA MANDIOCA | KG` (docs/item-matching.md)",
            ),
            _c("price_unit", "string", "unit prices are compared in: KG, L, or the package unit when no content is stated"),
            _c("unit_size", "double", "price units in one bought unit (a 400 g PCT: 0.4); unit price / unit_size = price per price_unit"),
            _c("status_id", "long", "situacaoCompraItemId"),
            *_LINEAGE,
        ),
        "An item (or lote) of a tender: `item:<tender key>:<numeroItem>`.",
    ),
    TableSpec(
        "Supplier",
        "node",
        (
            _ID,
            _c("document", "string", "14-digit CNPJ, masked CPF `***123456**` or foreign id"),
            _c("cnpj_basico", "string", "first 8 digits of the CNPJ"),
            _c("person_type", "string", "PJ | PF | PE (estrangeiro)"),
            _c("name", "string", "razão social"),
            _c("trade_name", "string", "nome fantasia"),
            _c("head_office", "boolean", "matriz (1) vs filial (2)"),
            _c("legal_nature", "string", "natureza jurídica code"),
            _c("capital", "double", "capital social, R$"),
            _c("size", "string", "porte: 00 não informado, 01 ME, 03 EPP, 05 demais"),
            _c("registry_status", "string", "ATIVA | SUSPENSA | INAPTA | BAIXADA | NULA"),
            _c("registry_status_date", "date"),
            _c("founded_on", "date", "data de início de atividade"),
            _c("main_cnae", "string"),
            _c("secondary_cnaes", "array<string>"),
            _c("uf", "string"),
            _c("municipality_ibge", "string"),
            _c("municipality", "string"),
            _c("simples", "boolean"),
            _c("mei", "boolean"),
            _c("in_registry", "boolean", "found in the Receita Federal files"),
            *_LINEAGE,
        ),
        "A supplier or any company in the registry: `supplier:<cnpj14>`; natural persons "
        "`supplier:pf:<masked cpf>:<name key>`.",
    ),
    TableSpec(
        "Person",
        "node",
        (
            _ID,
            _c("name", "string"),
            _c("masked_cpf", "string", "`***123456**`; never the full CPF"),
            _c("kind", "string", "PF | ESTRANGEIRO"),
            _c("age_band", "string", "faixa etária code 0-9"),
            *_LINEAGE,
        ),
        "A natural-person partner (sócio): `person:<masked cpf digits>:<name key>`.",
    ),
    TableSpec(
        "Address",
        "node",
        (
            _ID,
            _c("street", "string"),
            _c("number", "string"),
            _c("complement", "string"),
            _c("district", "string"),
            _c("cep", "string"),
            _c("municipality_ibge", "string"),
            _c("municipality", "string"),
            _c("uf", "string"),
            _c("normalized", "string", "the key text the id hashes"),
            *_LINEAGE,
        ),
        "A normalized street address: `address:<sha1 of normalized text, 16 hex>`.",
    ),
    TableSpec(
        "Phone",
        "node",
        (_ID, _c("number", "string", "DDD + number, digits only"), *_LINEAGE),
        "A phone number: `phone:<digits>`.",
    ),
    TableSpec(
        "Email",
        "node",
        (_ID, _c("email", "string", "lower case"), _c("domain", "string"), *_LINEAGE),
        "An e-mail address: `email:<lower-case address>`.",
    ),
    TableSpec(
        "Sanction",
        "node",
        (
            _ID,
            _c("registry", "string", "CEIS | CNEP"),
            _c("subject_document", "string", "CNPJ or masked CPF of the sanctioned"),
            _c("subject_name", "string"),
            _c("category", "string", "categoria da sanção"),
            _c("start_date", "date"),
            _c("end_date", "date"),
            _c("authority", "string", "órgão sancionador"),
            _c("authority_uf", "string"),
            _c("fine_value", "double", "CNEP valor da multa"),
            _c("process_number", "string"),
            *_LINEAGE,
        ),
        "A sanction record: `sanction:<registry>:<hash of its fields, 16 hex>`.",
    ),
)


REL_TABLES: tuple[TableSpec, ...] = (
    TableSpec("PART_OF", "rel", (*_REL_ENDS, *_LINEAGE), "Unit -> Agency", ("Unit",), ("Agency",)),
    TableSpec("PUBLISHED", "rel", (*_REL_ENDS, *_LINEAGE), "Agency -> Tender", ("Agency",), ("Tender",)),
    TableSpec("MANAGED_BY", "rel", (*_REL_ENDS, *_LINEAGE), "Tender -> Unit", ("Tender",), ("Unit",)),
    TableSpec("HAS_ITEM", "rel", (*_REL_ENDS, *_LINEAGE), "Tender -> Item", ("Tender",), ("Item",)),
    TableSpec(
        "BID",
        "rel",
        (
            *_REL_ENDS,
            _c("value", "double", "total bid value, R$"),
            _c("unit_value", "double", "unit price, R$"),
            _c("quantity", "double"),
            _c("rank", "long", "1 = lowest valid bid in the item (dense over valid bids)"),
            _c("won", "boolean"),
            _c("status", "string", "valid | disqualified | not_quoted"),
            *_LINEAGE,
        ),
        "Supplier -> Item: one bid, losers included",
        ("Supplier",),
        ("Item",),
    ),
    TableSpec(
        "AWARDED",
        "rel",
        (
            *_REL_ENDS,
            _c("quantity", "double"),
            _c("unit_value", "double"),
            _c("total_value", "double"),
            _c("discount_pct", "double"),
            _c("awarded_on", "date"),
            *_LINEAGE,
        ),
        "Item -> Supplier: the homologated result",
        ("Item",),
        ("Supplier",),
    ),
    TableSpec(
        "PARTNER_OF",
        "rel",
        (
            *_REL_ENDS,
            _c("role_code", "string", "qualificação do sócio code"),
            _c("role", "string"),
            _c("since", "date", "data de entrada na sociedade"),
            *_LINEAGE,
        ),
        "Person or Supplier (a partner company) -> Supplier",
        ("Person", "Supplier"),
        ("Supplier",),
    ),
    TableSpec("LOCATED_AT", "rel", (*_REL_ENDS, *_LINEAGE), "Supplier -> Address", ("Supplier",), ("Address",)),
    TableSpec("HAS_PHONE", "rel", (*_REL_ENDS, *_LINEAGE), "Supplier -> Phone", ("Supplier",), ("Phone",)),
    TableSpec("HAS_EMAIL", "rel", (*_REL_ENDS, *_LINEAGE), "Supplier -> Email", ("Supplier",), ("Email",)),
    TableSpec(
        "SANCTIONED",
        "rel",
        (*_REL_ENDS, _c("start_date", "date"), _c("end_date", "date"), *_LINEAGE),
        "Supplier -> Sanction",
        ("Supplier",),
        ("Sanction",),
    ),
    TableSpec(
        "BRANCH_OF", "rel", (*_REL_ENDS, *_LINEAGE), "Supplier (filial) -> Supplier (matriz)", ("Supplier",), ("Supplier",)
    ),
)

REJECTS = TableSpec(
    "rejects",
    "node",
    (
        _c("source", "string", nullable=False),
        _c("source_file", "string", nullable=False),
        _c("location", "string", "row number (1-based, header excluded; 0: the file itself) or JSON path",
           nullable=False),
        _c("field", "string", "the offending field, or '*' for the whole record"),
        _c("reason", "string", "why, with full CPFs masked", nullable=False),
        _c("raw", "string", "the record as read: valid UTF-8 (other bytes as U+FFFD), full CPFs masked, at most "
           "2,000 characters"),
    ),
    "Every input record that was not loaded, and why.",
)

FINDINGS = TableSpec(
    "findings",
    "node",
    (
        _c("id", "string", "Finding.id: stable over reruns", nullable=False),
        _c("detector", "string", nullable=False),
        _c("detector_version", "string", nullable=False),
        _c("subject_kind", "string", "tender | supplier | agency | item", nullable=False),
        _c("subject_id", "string", "graph node id of the subject", nullable=False),
        _c("score", "double", "in [0, 1]", nullable=False),
        _c("title", "string", "short Portuguese title"),
        _c("summary", "string", "one Portuguese sentence"),
        _c("measures_json", "string", "JSON list of {name, value, threshold, comparison, unit}"),
        _c("node_ids", "array<string>", "every graph node involved"),
        _c("details_json", "string", "JSON object with anything else"),
        _c("run_id", "string"),
        _c("created_at", "timestamp", "UTC instant, written without a zone (core/findings_io.py)"),
        _c("tables_version", "long", "run version of the graph tables it was computed from (manifest `versions`)"),
    ),
    "Every finding of a detect run: `<tables>/findings/` (one row per finding).",
    folder="findings",
)

RISK = TableSpec(
    "risk",
    "node",
    (
        _c("subject_kind", "string", nullable=False),
        _c("subject_id", "string", nullable=False),
        _c("score", "double", "combined risk in [0, 1]", nullable=False),
        _c("n_findings", "long"),
        _c("reasons_json", "string", "JSON list of the top reasons {detector, finding_id, title, score, weight}"),
        _c("run_id", "string"),
        _c("weights_source", "string", "prior (hand-set detector weights) | fitted (on verdicts, detectors/weights.py)"),
        _c("weights_verdicts", "long", "verdicts the fitted weights saw (0 for priors)"),
        _c("tables_version", "long", "run version of the graph tables the detect run read"),
    ),
    "One combined risk score per tender, supplier and agency: `<tables>/risk/`.",
    folder="risk",
)

VERDICTS = TableSpec(
    "verdicts",
    "node",
    (
        _c("finding_id", "string", "the reviewed finding", nullable=False),
        _c("detector", "string", nullable=False),
        _c("subject_kind", "string", "tender | supplier | agency | item", nullable=False),
        _c("subject_id", "string", nullable=False),
        _c("verdict", "string", "confirmed | dismissed (the finding's last reviewed status)", nullable=False),
        _c("score_at_verdict", "double", "the finding's score when the verdict was given"),
        _c("node_ids", "array<string>", "every graph node of the finding's evidence"),
        _c("at", "timestamp", "UTC instant of the verdict, written without a zone"),
    ),
    "The investigators' verdicts as labels, exported from Neo4j before each detect run: `<tables>/verdicts/`.",
    folder="verdicts",
)

ALL_TABLES: tuple[TableSpec, ...] = NODE_TABLES + REL_TABLES
TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in ALL_TABLES}
# what detect writes (findings, risk) and the labels it reads (verdicts), beside the graph tables
SIDE_TABLES: tuple[TableSpec, ...] = (FINDINGS, RISK, VERDICTS)
_ANY_BY_NAME: dict[str, TableSpec] = {**TABLES_BY_NAME, **{t.name: t for t in SIDE_TABLES}}


def table(name: str) -> TableSpec:
    try:
        return _ANY_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown graph table {name!r}; known: {sorted(_ANY_BY_NAME)}") from None
