"""`cnae_mismatch`: a winner whose main CNAE division never appears among the other suppliers of the same
item class (a company outside the trade of the object)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, DetectorInfo, GraphTables, bids_with_tender, make_finding


class CnaeMismatchConfig(DetectorConfig):
    min_class_suppliers: int = 5
    max_division_share: float = 0.0


class CnaeMismatch(Detector[CnaeMismatchConfig]):
    info = DetectorInfo(
        code="cnae_mismatch",
        version="1.0.0",
        title="Atividade econômica alheia ao objeto",
        weight=0.4,
        why="A atividade econômica (CNAE) da empresa não corresponde ao objeto contratado.",
        patterns=(),
    )
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
        # Counted once per (item class, supplier): the class's suppliers and how many share each division.
        per_sup = bids.drop_duplicates(["item_class", "supplier"])
        n_sup = per_sup.groupby("item_class").size()
        div_counts = per_sup.groupby(["item_class", "division"]).size()
        winners = bids[bids["won"]].drop_duplicates(["item_class", "supplier", "tender"])
        winners = winners.assign(n=winners["item_class"].map(n_sup))
        winners = winners[winners["n"] >= config.min_class_suppliers]
        if winners.empty:
            return []
        same = div_counts.reindex(pd.MultiIndex.from_arrays([winners["item_class"], winners["division"]]))
        winners = winners.assign(peers=winners["n"] - 1, share=(same.to_numpy() - 1) / (winners["n"] - 1))
        winners = winners[winners["share"] <= config.max_division_share].sort_values("item_class", kind="stable")
        divisions_of: dict[Any, dict[str, int]] = {}
        out = []
        for w in winners.itertuples(index=False):
            cls = w.item_class
            if cls not in divisions_of:
                divisions_of[cls] = div_counts.loc[cls].to_dict()
            counts = divisions_of[cls]
            sec = w.secondary if isinstance(w.secondary, list | tuple) else []
            sec_div = {str(c).replace(".", "").replace("-", "")[:2] for c in sec}
            if any(counts.get(d, 0) - (d == w.division) > 0 for d in sec_div):
                continue  # a secondary activity covers the object
            share, peers = float(w.share), int(w.peers)
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(w.supplier),
                    0.6,
                    self.title,
                    f"A divisão CNAE {w.division} do vencedor não aparece entre os {peers} outros "
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
                            value=peers,
                            threshold=config.min_class_suppliers,
                            comparison=">=",
                        ),
                    ],
                    [str(w.tender), str(w.item)],
                    {"item_class": cls, "division": w.division},
                )
            )
        return out
