"""`cnae_mismatch`: a winner whose main CNAE division never appears among the other suppliers of the same
item class (a company outside the trade of the object)."""

from __future__ import annotations

from typing import Any, ClassVar

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, GraphTables, bids_with_tender, make_finding


class CnaeMismatchConfig(DetectorConfig):
    min_class_suppliers: int = 5
    max_division_share: float = 0.0


class CnaeMismatch(Detector[CnaeMismatchConfig]):
    code: ClassVar[str] = "cnae_mismatch"
    version: ClassVar[str] = "1.0.0"
    title: ClassVar[str] = "Atividade econômica alheia ao objeto"
    Config = CnaeMismatchConfig

    def run(self, tables: GraphTables, config: CnaeMismatchConfig, engine: Any = None) -> list[Finding]:
        bids = bids_with_tender(tables, valid_only=False)
        sup = tables.get("Supplier").set_index("id")
        if bids.empty:
            return []
        bids = bids.assign(
            division=bids["supplier"]
            .map(sup["main_cnae"])
            .astype("string")
            .str.replace(r"\D", "", regex=True)
            .str[:2],
            secondary=bids["supplier"].map(sup["secondary_cnaes"]),
        )
        bids = bids[bids["division"].notna() & (bids["division"].str.len() == 2) & bids["item_class"].notna()]
        out = []
        for cls, g in bids.groupby("item_class"):
            per_sup = g.drop_duplicates("supplier")
            if len(per_sup) < config.min_class_suppliers:
                continue
            for _, w in g[g["won"]].drop_duplicates(["supplier", "tender"]).iterrows():
                others = per_sup[per_sup["supplier"] != w["supplier"]]
                share = float((others["division"] == w["division"]).mean())
                if share > config.max_division_share:
                    continue
                sec = w["secondary"] if isinstance(w["secondary"], list | tuple) else []
                sec_div = {str(c).replace(".", "").replace("-", "")[:2] for c in sec}
                if sec_div & set(others["division"]):
                    continue  # a secondary activity covers the object
                out.append(
                    make_finding(
                        self,
                        SubjectKind.SUPPLIER,
                        str(w["supplier"]),
                        0.6,
                        self.title,
                        f"A divisão CNAE {w['division']} do vencedor não aparece entre os {len(others)} outros "
                        f"fornecedores da classe de item {cls}.",
                        [
                            Measure(
                                name="division_share_among_peers",
                                value=share,
                                threshold=config.max_division_share,
                                comparison="<=",
                            ),
                            Measure(
                                name="peers",
                                value=len(others),
                                threshold=config.min_class_suppliers,
                                comparison=">=",
                            ),
                        ],
                        [str(w["tender"]), str(w["item"])],
                        {"item_class": cls, "division": w["division"]},
                    )
                )
        return out
