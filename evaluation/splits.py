"""How `licitagraph evaluate --split` divides labelled tenders into training and test sets.

A `Split` is a list of `Fold`s, each an explicit (train, test) pair of tender ids; a tender is tested in at most
one fold, and some splits leave tenders untested (reported, never silently dropped):

- `tender`: stratified folds over tenders (the harness's historical split). The same firms sit on both sides,
  so it is valid only for models that never see firm identity (the screens).
- `firm`: no firm on both sides. Firms are grouped (communities of the tender-firm graph, packed into
  `n_splits` groups); fold k tests the tenders *all* of whose bidders are in group k and trains on the tenders
  with *no* bidder in group k. Tenders that mix groups are scored by no fold. In García's markets the
  firm-tender graph is mostly one component, so few tenders survive: `coverage` says how many.
- `time`: expanding origin. Tenders sorted by date; the first block (the smallest prefix holding `MIN_CLASS`
  tenders of each class) only trains; the rest is cut into `n_splits` consecutive blocks, each scored by a
  model trained on every tender dated strictly before it.
- `cartel`: every tender with a bid of a labelled cartel (`Cartel_name`, 0 or empty = none) sits in the
  cartel's fold (cartels meeting in one tender share a fold); tenders of no cartel are spread over the folds,
  stratified. Needs at least two cartels.
- `market`: leave one input file out: fold k tests market k, trained on the others (tender and firm ids are
  prefixed with the market, so no firm can be on both sides).

A split the data does not allow raises `SplitError` with a one-line reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.labelled import LabelledInputError

SPLITS = ("tender", "firm", "time", "cartel", "market")
# splits under which a model that uses firm identity (label trick, co-bidding) is judged honestly
IDENTITY_SAFE = ("firm", "time", "cartel", "market")
# the time split's first training block holds at least this many tenders of each class
MIN_CLASS = 5


class SplitError(LabelledInputError):
    """The data does not allow the split asked for; the message (one line) says why."""


@dataclass(frozen=True)
class Fold:
    k: int
    train: pd.Index
    test: pd.Index
    name: str = ""  # the market's or cartel's name, the time block's dates


@dataclass
class Split:
    kind: str
    folds: list[Fold]
    n_eligible: int
    notes: dict[str, Any] = field(default_factory=dict)

    def tested(self) -> pd.Index:
        return pd.Index([t for f in self.folds for t in f.test])

    def coverage(self) -> list[dict[str, Any]]:
        """Per fold: how many tenders it trains on and scores."""
        return [{"fold": f.k, "name": f.name, "train": len(f.train), "test": len(f.test)} for f in self.folds]


def make_folds(labels: pd.Series, n_splits: int, seed: int) -> pd.Series:
    """Stratified folds over tenders (one row per tender, so grouping by tender is exact)."""
    from sklearn.model_selection import StratifiedKFold

    n_min = int(labels.value_counts().min()) if labels.nunique() > 1 else 0
    if n_min < n_splits:
        raise LabelledInputError(
            f"{n_splits}-fold stratified cross-validation needs at least {n_splits} tenders of each class; "
            f"the smaller class has {n_min}"
        )
    folds = pd.Series(-1, index=labels.index, name="fold", dtype=int)
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(skf.split(np.zeros(len(labels)), labels.to_numpy())):
        folds.iloc[test] = k
    return folds


def tender_split(labels: pd.Series, n_splits: int, seed: int) -> Split:
    """Stratified folds over tenders (`make_folds`), as explicit (train, test) pairs."""
    folds = make_folds(labels, n_splits, seed)
    out = [Fold(int(k), folds.index[folds != k], folds.index[folds == k]) for k in sorted(folds.unique())]
    return Split("tender", out, len(labels))


def _tender_firms(bids: pd.DataFrame, tenders: pd.Index) -> pd.DataFrame:
    """(tender, firm) pairs of the tenders given; an anonymous bid is its own firm (it links nothing)."""
    b = bids[bids["tender"].isin(tenders)]
    firm = b["firm"].astype(object) if "firm" in b.columns else pd.Series(None, index=b.index, dtype=object)
    anon = firm.isna()
    firm = firm.where(
        ~anon, "anon:" + b["tender"].astype(str) + ":" + pd.Series(range(len(b)), index=b.index).astype(str)
    )
    return pd.DataFrame(
        {"tender": b["tender"].to_numpy(), "firm": firm.astype(str).to_numpy()}
    ).drop_duplicates()


def has_firm_ids(bids: pd.DataFrame) -> bool:
    return "firm" in bids.columns and bool(bids["firm"].notna().any())


def firm_split(bids: pd.DataFrame, labels: pd.Series, n_splits: int, seed: int) -> Split:
    """Folds that share no firm: firm groups from Louvain communities of the tender graph (tenders linked by
    shared bidders), packed into `n_splits` groups of similar size; each firm joins the group holding most
    of its tenders."""
    import networkx as nx

    if not has_firm_ids(bids):
        raise SplitError(
            "--split firm needs firm ids (Competitors); every bidder of this input is anonymous, so no firm "
            "can be on both sides and --split tender is already firm-disjoint"
        )
    pairs = _tender_firms(bids, labels.index)
    from scipy import sparse

    # tender graph: an edge per pair of tenders sharing bidders, weighted by how many they share
    t_codes, t_names = pd.factorize(pairs["tender"])
    f_codes, _ = pd.factorize(pairs["firm"])
    inc = sparse.csr_matrix((np.ones(len(pairs)), (t_codes, f_codes)))
    shared = sparse.triu(inc @ inc.T, k=1).tocoo()
    g = nx.Graph()
    g.add_nodes_from(labels.index)
    g.add_weighted_edges_from(
        (t_names[i], t_names[j], float(w))
        for i, j, w in zip(shared.row, shared.col, shared.data, strict=True)
    )
    communities = sorted(
        nx.community.louvain_communities(g, weight="weight", seed=seed), key=lambda c: (-len(c), min(c))
    )
    sizes = [0] * n_splits
    tender_group: dict[str, int] = {}
    for c in communities:  # greedy packing: largest community first, into the emptiest group
        k = int(np.argmin(sizes))
        sizes[k] += len(c)
        tender_group.update(dict.fromkeys(c, k))
    pairs["group"] = pairs["tender"].map(tender_group)
    firm_group = pairs.groupby("firm")["group"].agg(lambda s: int(s.value_counts().sort_index().idxmax()))
    pairs["fg"] = pairs["firm"].map(firm_group)
    groups_of = pairs.groupby("tender")["fg"].agg(lambda s: frozenset(s.tolist()))
    folds = []
    for k in range(n_splits):
        test = pd.Index([t for t, gs in groups_of.items() if gs == frozenset({k})])
        train = pd.Index([t for t, gs in groups_of.items() if k not in gs])
        folds.append(Fold(k, train.sort_values(), test.sort_values()))
    usable = [f for f in folds if len(f.test) and _both_classes(labels.loc[f.train], MIN_CLASS)]
    if not usable:
        raise SplitError(
            f"--split firm: no grouping of this market's firms into {n_splits} groups leaves a test fold whose "
            f"training tenders (none of their bidders in the fold's group) hold {MIN_CLASS} of each class; "
            "the firms meet across nearly every tender"
        )
    split = Split("firm", usable, len(labels))
    tested = split.tested()
    split.notes = {
        "firm_groups": n_splits,
        "tested": len(tested),
        "untested": len(labels) - len(tested),
        "largest_component_share": max(len(c) for c in nx.connected_components(g)) / max(len(labels), 1),
    }
    y = labels.loc[tested] if len(tested) else pd.Series(dtype=int)
    if len(tested) < 10 or y.nunique() < 2:
        raise SplitError(
            f"--split firm leaves {len(tested)} of {len(labels)} tenders with all bidders in one firm group "
            f"({int(y.sum()) if len(y) else 0} collusive): too few to measure; the firms of this market meet "
            "across most tenders"
        )
    return split


def _both_classes(y: pd.Series, n: int) -> bool:
    return int((y == 1).sum()) >= n and int((y == 0).sum()) >= n


def _per_tender(raw: pd.DataFrame | None, column: str, labels: pd.Series) -> pd.Series | None:
    """`column` of the raw input, one value per eligible tender (the first; None if the column is absent)."""
    if raw is None or column not in raw.columns:
        return None
    s = raw.groupby(raw["Tender"].map(_key))[column].agg(list)
    return s.reindex(labels.index)


def _key(v: Any) -> str:
    from core.labelled import _as_key

    k = _as_key(v)
    return "" if k is None else k


def tender_dates(raw: pd.DataFrame | None, labels: pd.Series) -> pd.Series | None:
    """Tender -> date (UTC) from the raw `Date` column (unix seconds); NaT where missing or invalid."""
    vals = _per_tender(raw, "Date", labels)
    if vals is None:
        return None
    first = vals.map(lambda v: v[0] if isinstance(v, list) and v else np.nan)
    secs = pd.to_numeric(first, errors="coerce")
    secs = secs.where((secs > 0) & (secs < 4e9))  # García's missing dates are the int64 minimum
    return pd.to_datetime(secs, unit="s", utc=True)


def time_split(dates: pd.Series | None, labels: pd.Series, n_splits: int) -> Split:
    """Expanding-origin folds in date order (see the module doc)."""
    if dates is None:
        raise SplitError("--split time needs a Date column (unix seconds); this input has none")
    d = dates.reindex(labels.index).dropna()
    if len(d) < len(labels) // 2:
        raise SplitError(f"--split time: only {len(d)} of {len(labels)} tenders have a date")
    order = pd.DataFrame({"date": d, "y": labels.loc[d.index]}).sort_values(["date"], kind="stable")
    # the origin: the smallest prefix ending on a date boundary with MIN_CLASS tenders of each class
    c1 = order["y"].cumsum().to_numpy()
    c0 = np.arange(1, len(order) + 1) - c1
    ok = np.flatnonzero((c1 >= MIN_CLASS) & (c0 >= MIN_CLASS))
    if not len(ok):
        raise SplitError(f"--split time: the dated tenders never hold {MIN_CLASS} tenders of each class")
    dates_sorted = order["date"].to_numpy()
    origin_end = int(ok[0])
    while origin_end + 1 < len(order) and dates_sorted[origin_end + 1] == dates_sorted[origin_end]:
        origin_end += 1
    rest = order.iloc[origin_end + 1 :]
    if len(rest) < n_splits:
        raise SplitError(
            f"--split time: after the first training block ({origin_end + 1} tenders up to "
            f"{pd.Timestamp(dates_sorted[origin_end]).date()}) only {len(rest)} tenders are left to score"
        )
    folds = []
    bounds = np.linspace(0, len(rest), n_splits + 1).round().astype(int)
    for k in range(n_splits):
        block = rest.iloc[bounds[k] : bounds[k + 1]]
        if block.empty:
            continue
        start = block["date"].iloc[0]
        test = block.index[block["date"] >= start]
        train = order.index[order["date"] < start]
        folds.append(
            Fold(k, pd.Index(train), pd.Index(test), f"{start.date()}..{block['date'].iloc[-1].date()}")
        )
    # a date shared by the end of one block and the start of the next: tested once, in the first block
    seen: set[str] = set()
    clean = []
    for f in folds:
        test = pd.Index([t for t in f.test if t not in seen])
        seen.update(test)
        if len(test):
            clean.append(Fold(f.k, f.train, test, f.name))
    split = Split("time", clean, len(labels))
    tested = split.tested()
    if labels.loc[tested].nunique() < 2:
        raise SplitError(
            f"--split time: the {len(tested)} tenders dated after the first training block hold a single class "
            f"({int(labels.loc[tested].sum())} collusive)"
        )
    split.notes = {
        "undated": len(labels) - len(d),
        "origin_tenders": origin_end + 1,
        "origin_until": str(pd.Timestamp(dates_sorted[origin_end]).date()),
        "tested": len(tested),
    }
    return split


def tender_cartels(raw: pd.DataFrame | None, labels: pd.Series) -> pd.Series | None:
    """Tender -> frozenset of cartel names of its bids (`Cartel_name`; 0, empty and NaN mean none)."""
    vals = _per_tender(raw, "Cartel_name", labels)
    if vals is None:
        return None

    def names(v: Any) -> frozenset[str]:
        if not isinstance(v, list):
            return frozenset()
        return frozenset(k for k in (_key(x) for x in v) if k not in ("", "0", "0.0"))

    return vals.map(names)


def cartel_split(cartels: pd.Series | None, labels: pd.Series, n_splits: int, seed: int) -> Split:
    """One fold per cartel group (cartels meeting in a tender merged); tenders of no cartel stratified over
    the folds. Each fold trains on every tender of the other folds."""
    if cartels is None:
        raise SplitError(
            "--split cartel needs a Cartel_name column naming each bid's cartel; this input has none"
        )
    names = sorted({n for s in cartels for n in s})
    if len(names) < 2:
        raise SplitError(
            f"--split cartel needs at least 2 distinct cartels in Cartel_name; this input names {len(names)} "
            f"({', '.join(names) or 'none'}: a membership flag, not cartel names)"
        )
    parent = {n: n for n in names}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in cartels:
        s = sorted(s)
        for a in s[1:]:
            parent[find(a)] = find(s[0])
    groups = sorted({find(n) for n in names})
    if len(groups) < 2:
        raise SplitError(
            "--split cartel: every cartel of this input meets the others in some tender (one group)"
        )
    fold_of = {g: i for i, g in enumerate(groups)}
    folds = pd.Series(-1, index=labels.index, dtype=int)
    for t, s in cartels.items():
        if s:
            folds[t] = fold_of[find(next(iter(s)))]
    free = folds.index[folds < 0]
    rng = np.random.default_rng(seed)
    for cls in (0, 1):  # tenders of no cartel: stratified, round robin from a seeded shuffle
        ts = np.array([t for t in free if labels[t] == cls])
        rng.shuffle(ts)
        for i, t in enumerate(ts):
            folds[t] = i % len(groups)
    out = [
        Fold(
            k,
            folds.index[folds != k],
            folds.index[folds == k],
            ",".join(sorted(n for n in names if find(n) == g)),
        )
        for g, k in fold_of.items()
    ]
    return Split("cartel", out, len(labels), {"cartels": len(names), "groups": len(groups)})


def market_split(markets: pd.Series) -> Split:
    """Leave one market out: `markets` maps every eligible tender to its market (input file)."""
    names = list(dict.fromkeys(markets.tolist()))
    if len(names) < 2:
        raise SplitError("--split market needs two or more --input files (one market each)")
    out = [
        Fold(k, markets.index[markets != m], markets.index[markets == m], str(m)) for k, m in enumerate(names)
    ]
    return Split("market", out, len(markets))
