"""Build the GNN's heterogeneous graph (a PyG `HeteroData`) from the graph tables or a bids frame.

Node types and features (names in `BidGraph.feature_schema`, z-scored over all nodes of the type):

- `tender`: bid screens (CV, SPD, DIFFP, RD, KURT, SKEW, KS), number of bids, lowest bid, whether the
  winner is the lowest bidder, bid-to-estimate ratios (`gnn.features.TENDER_FEATURES`). With the graph
  tables a tender's auctions are its items: screens are computed per item and averaged per tender.
- `firm` (a Supplier): bidding statistics (bids, win rate, mean normalized bid and rank) and co-bidding
  statistics (distinct rivals, share of tenders with the most frequent rival, repeated-rival rate),
  plus registry features with the graph tables (capital, age, inactive status, Simples/MEI, sanctions).
- with the graph tables only: `agency`, `person` (partners) and `contact` (address, phone, e-mail).

Edges (each has its reverse `rev_<name>` so messages flow both ways):

- `firm -bids-> tender`, attributes `gnn.features.BID_EDGE_FEATURES`: log of bid / lowest bid, rank
  fraction, winner flag, lowest flag;
- `agency -publishes-> tender`, `person -partner_of-> firm`, `firm -owns-> firm` (a partner company),
  `firm -branch_of-> firm`, `firm -has_contact-> contact`.

Bids without a firm id (García `Competitors` empty, Ticino): each such bid gets its own anonymous firm
node `anon:<tender>:<n>` with the `anonymous` flag set, linked only to its tender. The tender keeps its
screens and its bid edges (value, rank, winner), and no false link is invented between tenders.

Labels never enter this module: the graph holds only observable facts (bids, winners, registry), so
the same graph serves every cross-validation fold; labels are handed to training separately.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import HeteroData

from core.delta import data_files, exists, is_delta, pinned, read_pandas, resolve
from gnn.features import (
    BID_EDGE_FEATURES,
    FIRM_FEATURES,
    TENDER_FEATURES,
    bid_table,
    firm_features,
    standardize,
    tender_features,
)

log = logging.getLogger(__name__)

TENDER = "tender"
FIRM = "firm"
BIDS = (FIRM, "bids", TENDER)
REV_BIDS = (TENDER, "rev_bids", FIRM)

REGISTRY_FEATURES: tuple[str, ...] = (
    "log_capital",
    "age_years",
    "inactive",
    "simples",
    "mei",
    "in_registry",
    "n_sanctions",
    "is_pf",
)


@dataclass
class BidGraph:
    """A HeteroData plus the mapping between node indices and graph ids, per node type."""

    data: HeteroData
    ids: dict[str, list[str]]
    feature_schema: dict[str, list[str]]
    data_version: str
    index: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {nt: {v: i for i, v in enumerate(ids)} for nt, ids in self.ids.items()}

    def idx(self, node_type: str, ids: list[str] | pd.Index) -> torch.Tensor:
        """Indices of graph ids (KeyError for an unknown id)."""
        m = self.index[node_type]
        return torch.tensor([m[str(i)] for i in ids], dtype=torch.long)

    def id_of(self, node_type: str, idx: torch.Tensor | list[int]) -> list[str]:
        ids = self.ids[node_type]
        return [ids[int(i)] for i in idx]


def _hash_frame(df: pd.DataFrame) -> str:
    h = pd.util.hash_pandas_object(df.reset_index(drop=True), index=False).to_numpy()
    return hashlib.sha256(h.tobytes()).hexdigest()[:16]


def _fill_anonymous(bt: pd.DataFrame, key: str = "tender") -> tuple[pd.DataFrame, set[str]]:
    firm = bt["firm"].astype(object)
    missing = firm.isna() | (firm.astype(str).str.strip().isin(["", "nan", "None"]))
    anon_ids = "anon:" + bt[key].astype(str) + ":" + bt.groupby(key).cumcount().astype(str)
    bt = bt.copy()
    bt["firm"] = np.where(missing, anon_ids, firm.astype(str))
    return bt, set(bt.loc[missing, "firm"])


def _edge(src: np.ndarray, dst: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.vstack([src, dst]).astype(np.int64), dtype=torch.long)


def _add_pair(
    data: HeteroData, et: tuple[str, str, str], ei: torch.Tensor, attr: torch.Tensor | None = None
) -> None:
    s, r, d = et
    data[et].edge_index = ei
    rev = (d, f"rev_{r}", s) if s != d else (d, r, s)
    rev_ei = ei.flip(0)
    if s == d:  # symmetric relation on one type: store both directions in one edge type
        data[et].edge_index = torch.cat([ei, rev_ei], dim=1)
        if attr is not None:
            data[et].edge_attr = torch.cat([attr, attr], dim=0)
        return
    data[rev].edge_index = rev_ei
    if attr is not None:
        data[et].edge_attr = attr
        data[rev].edge_attr = attr


def _build(
    bt: pd.DataFrame,
    tender_feat: np.ndarray,
    tenders: list[str],
    firm_extra: pd.DataFrame | None,
    anonymous: set[str],
    data_version: str,
) -> tuple[HeteroData, dict[str, list[str]], dict[str, list[str]]]:
    """Tender and firm nodes plus bid edges from a tender-level bid table (one row per tender x firm)."""
    firms = list(dict.fromkeys(bt["firm"].tolist()))
    if firm_extra is not None:
        firms += [f for f in firm_extra.index.astype(str) if f not in set(firms)]
    f_feat = firm_features(bt, firms, anonymous)
    f_names = list(FIRM_FEATURES)
    if firm_extra is not None:
        extra = firm_extra.reindex(firms).fillna(0.0).to_numpy(dtype=float)
        f_feat = np.hstack([f_feat, np.nan_to_num(extra)])
        f_names += list(firm_extra.columns)
    t_idx = {t: i for i, t in enumerate(tenders)}
    f_idx = {f: i for i, f in enumerate(firms)}
    data = HeteroData()
    data[TENDER].x = torch.tensor(standardize(tender_feat)[0], dtype=torch.float32)
    data[FIRM].x = torch.tensor(standardize(f_feat)[0], dtype=torch.float32)
    src = bt["firm"].map(f_idx).to_numpy()
    dst = bt["tender"].map(t_idx).to_numpy()
    attr = np.column_stack(
        [
            np.log(bt["norm_value"].clip(lower=1e-6).fillna(1.0)),
            bt["rank_frac"].fillna(0.0),
            bt["winner"].astype(float),
            bt["is_lowest"].astype(float),
        ]
    )
    _add_pair(data, BIDS, _edge(src, dst), torch.tensor(np.clip(attr, -10, 10), dtype=torch.float32))
    ids = {TENDER: tenders, FIRM: firms}
    schema = {TENDER: list(TENDER_FEATURES), FIRM: f_names, "bid_edge": list(BID_EDGE_FEATURES)}
    return data, ids, schema


def from_bids(bids: pd.DataFrame) -> BidGraph:
    """Graph of a García-format bids frame: columns tender, firm (None allowed), bid, winner[, estimate].

    Any `label` column is ignored: labels are not graph features.
    """
    cols = [c for c in ("tender", "firm", "bid", "winner", "estimate") if c in bids.columns]
    raw = bids[cols].copy()
    if "firm" not in raw.columns:
        raw["firm"] = None
    bt = bid_table(raw)
    tenders = list(dict.fromkeys(bt["tender"].tolist()))
    t_feat = tender_features(bt, tenders)
    bt, anonymous = _fill_anonymous(bt)
    # A firm that bid twice in one tender (García has a few) keeps one edge: its best bid.
    bt = bt.sort_values(["tender", "rank"]).drop_duplicates(["tender", "firm"], keep="first")
    data, ids, schema = _build(bt, t_feat, tenders, None, anonymous, "")
    version = _hash_frame(raw.astype(str))
    return BidGraph(data=data, ids=ids, feature_schema=schema, data_version=version)


# --- graph tables ----------------------------------------------------------------------------------


def _read(tables: Path, kind: str, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    rel = f"{kind}/{name}"
    at = resolve(tables)
    if not exists(tables, rel, at) or not data_files(tables / rel, pinned(tables, rel, at) if is_delta(tables / rel) else None):
        return pd.DataFrame(columns=columns or [])
    df = read_pandas(tables, rel, at=at)
    if columns:
        for c in columns:
            if c not in df.columns:
                df[c] = None
        df = df[columns]
    return df


def tables_version(tables: Path) -> str:
    """Hash of the bytes of the node and relationship tables' files, those of the version the latest ETL
    run pins (the data version; a table folder also holds older versions' files until vacuumed)."""
    h = hashlib.sha256()
    at = resolve(tables)
    for d in sorted([*tables.glob("nodes/*"), *tables.glob("rels/*")]):
        rel = d.relative_to(tables).as_posix()
        if not d.is_dir() or not exists(tables, rel, at):
            continue
        for f in data_files(d, pinned(tables, rel, at) if is_delta(d) else None):
            h.update(f"{rel}/{f.rel_path}".encode())
            h.update(f.path.read_bytes())
    return h.hexdigest()[:16]


def _truthy(v: object) -> bool:
    return bool(v) if v is not None and v == v else False  # None and NaN are False


def _registry_features(sup: pd.DataFrame, sanctions: pd.DataFrame, ref: date) -> pd.DataFrame:
    sup = sup.drop_duplicates("id").set_index("id")
    founded = pd.to_datetime(sup["founded_on"], errors="coerce")
    age = (pd.Timestamp(ref) - founded).dt.days / 365.25
    n_sanc = sanctions.groupby("src").size() if len(sanctions) else pd.Series(dtype=float)
    status = sup["registry_status"].fillna("").astype(str).str.upper()
    out = pd.DataFrame(
        {
            "log_capital": np.log1p(pd.to_numeric(sup["capital"], errors="coerce").clip(lower=0)).fillna(0.0),
            "age_years": age.fillna(0.0).clip(lower=0, upper=100),
            "inactive": status.isin(["SUSPENSA", "INAPTA", "BAIXADA", "NULA"]).astype(float),
            "simples": sup["simples"].map(_truthy).astype(float),
            "mei": sup["mei"].map(_truthy).astype(float),
            "in_registry": sup["in_registry"].map(_truthy).astype(float),
            "n_sanctions": np.log1p(n_sanc.reindex(sup.index).fillna(0.0)),
            "is_pf": (sup["person_type"].fillna("") == "PF").astype(float),
        },
        index=sup.index.astype(str),
    )
    return out[list(REGISTRY_FEATURES)]


def from_tables(tables: Path | str, reference_date: date | None = None) -> BidGraph:
    """Graph of the ETL's Parquet tables (core/tables.py). Tenders without bids are kept (no edges)."""
    tables = Path(tables)
    ref = reference_date or date.today()
    tender = _read(tables, "nodes", "Tender", ["id", "agency_id", "estimated_value"])
    item = _read(tables, "nodes", "Item", ["id", "tender_id", "estimated_total_value"])
    sup = _read(
        tables,
        "nodes",
        "Supplier",
        ["id", "capital", "founded_on", "registry_status", "simples", "mei", "in_registry", "person_type"],
    )
    bid = _read(tables, "rels", "BID", ["src", "dst", "value", "rank", "won", "status"])
    sanc = _read(tables, "rels", "SANCTIONED", ["src", "dst"])
    bid = bid[bid["status"].isna() | (bid["status"] == "valid")]
    bid = bid.merge(item.rename(columns={"id": "dst"}), on="dst", how="inner")
    n_items = item.groupby("tender_id").size()
    est = bid["estimated_total_value"]
    if len(tender):
        t_est = bid["tender_id"].map(tender.set_index("id")["estimated_value"])
        single = bid["tender_id"].map(n_items) == 1
        est = est.where(est.notna(), t_est.where(single))
    raw = pd.DataFrame(
        {
            "tender": bid["dst"].astype(str),  # the auction is the item; tender-level below
            "firm": bid["src"].astype(str),
            "bid": pd.to_numeric(bid["value"], errors="coerce"),
            "winner": bid["won"].fillna(False).astype(bool),
            "estimate": pd.to_numeric(est, errors="coerce"),
        }
    )
    tender_of_item = dict(zip(bid["dst"].astype(str), bid["tender_id"].astype(str), strict=False))
    tenders = list(dict.fromkeys([*tender["id"].astype(str), *bid["tender_id"].astype(str)]))
    bt_item = bid_table(raw)
    items = list(dict.fromkeys(bt_item["tender"].tolist()))
    item_feat = pd.DataFrame(tender_features(bt_item, items), index=items, columns=list(TENDER_FEATURES))
    item_feat["tender"] = [tender_of_item[i] for i in items]
    t_feat = item_feat.groupby("tender").mean().reindex(tenders).fillna(0.0).to_numpy(dtype=float)
    bt_item["tender"] = bt_item["tender"].map(tender_of_item)
    bt = (
        bt_item.groupby(["tender", "firm"], sort=False)
        .agg(
            winner=("winner", "max"),
            norm_value=("norm_value", "mean"),
            rank_frac=("rank_frac", "mean"),
            is_lowest=("is_lowest", "max"),
        )
        .reset_index()
    )
    extra = _registry_features(sup, sanc, ref) if len(sup) else None
    data, ids, schema = _build(bt, t_feat, tenders, extra, set(), "")
    # Context nodes: agencies, partners, contacts.
    f_idx = {f: i for i, f in enumerate(ids[FIRM])}
    t_idx = {t: i for i, t in enumerate(ids[TENDER])}

    def add_side(name: str, src_ids: pd.Series, dst_idx: np.ndarray, et_name: str, dst_type: str) -> None:
        keys = list(dict.fromkeys(src_ids.astype(str)))
        if not keys:
            return
        k_idx = {k: i for i, k in enumerate(keys)}
        s = src_ids.astype(str).map(k_idx).to_numpy()
        deg = np.bincount(s, minlength=len(keys)).astype(float)
        data[name].x = torch.tensor(standardize(np.log1p(deg)[:, None])[0], dtype=torch.float32)
        ids[name] = keys
        schema[name] = ["log_degree"]
        _add_pair(data, (name, et_name, dst_type), _edge(s, dst_idx))

    pub = tender[tender["agency_id"].notna() & tender["id"].astype(str).isin(t_idx)]
    add_side("agency", pub["agency_id"], pub["id"].astype(str).map(t_idx).to_numpy(), "publishes", TENDER)
    partner = _read(tables, "rels", "PARTNER_OF", ["src", "dst", "src_label"])
    partner = partner[partner["dst"].astype(str).isin(f_idx)]
    people = partner[partner["src_label"] != "Supplier"]
    add_side("person", people["src"], people["dst"].astype(str).map(f_idx).to_numpy(), "partner_of", FIRM)
    firm_firm: list[tuple[str, pd.DataFrame]] = [
        ("owns", partner[partner["src_label"] == "Supplier"]),
        ("branch_of", _read(tables, "rels", "BRANCH_OF", ["src", "dst"])),
    ]
    for rel, df in firm_firm:
        df = df[df["src"].astype(str).isin(f_idx) & df["dst"].astype(str).isin(f_idx)]
        if len(df):
            s = df["src"].astype(str).map(f_idx).to_numpy()
            d = df["dst"].astype(str).map(f_idx).to_numpy()
            _add_pair(data, (FIRM, rel, FIRM), _edge(s, d))
    contacts = pd.concat(
        [_read(tables, "rels", r, ["src", "dst"]) for r in ("LOCATED_AT", "HAS_PHONE", "HAS_EMAIL")],
        ignore_index=True,
    )
    contacts = contacts[contacts["src"].astype(str).isin(f_idx)]
    if len(contacts):
        keys = list(dict.fromkeys(contacts["dst"].astype(str)))
        k_idx = {k: i for i, k in enumerate(keys)}
        c = contacts["dst"].astype(str).map(k_idx).to_numpy()
        deg = np.bincount(c, minlength=len(keys)).astype(float)
        data["contact"].x = torch.tensor(standardize(np.log1p(deg)[:, None])[0], dtype=torch.float32)
        ids["contact"] = keys
        schema["contact"] = ["log_degree"]
        _add_pair(
            data,
            (FIRM, "has_contact", "contact"),
            _edge(contacts["src"].astype(str).map(f_idx).to_numpy(), c),
        )
    log.info("graph from %s: %s", tables, {nt: len(v) for nt, v in ids.items()})
    return BidGraph(data=data, ids=ids, feature_schema=schema, data_version=tables_version(tables))
