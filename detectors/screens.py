"""`screens`: bid screens per auction (item) and, when trained, the calibrated screens classifier's score."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, GraphTables, bids_with_tender, make_finding
from detectors.bidscreens import tender_features

log = logging.getLogger(__name__)

# screen -> the side collusion pushes it to (Imhof 2018: CV and KURT fall, RD and DIFFP rise)
COLLUSIVE_SIDE: dict[str, str] = {"CV": "<", "KURT": "<", "RD": ">", "DIFFP": ">"}
SCALE_FEATURES = ("LOG_MEDIAN",)


class ScreensConfig(DetectorConfig):
    min_bids: int = 3
    cv_max: float | None = None
    kurt_max: float | None = None
    rd_min: float | None = None
    diffp_min: float | None = None
    min_flags: int = 3
    garcia_files: tuple[str, ...] = ()
    probability_min: float = 0.5


class Screens(Detector[ScreensConfig]):
    code: ClassVar[str] = "screens"
    version: ClassVar[str] = "1.0.0"
    title: ClassVar[str] = "Lances com padrão estatístico de conluio"
    Config = ScreensConfig

    def run(self, tables: GraphTables, config: ScreensConfig, engine: Any = None) -> list[Finding]:
        bids = bids_with_tender(tables)
        bids = bids[bids["value"].notna() & (bids["value"] > 0)]
        n = bids.groupby("item")["supplier"].transform("size")
        bids = bids[n >= config.min_bids]
        if bids.empty:
            return []
        norm = pd.DataFrame(
            {
                "tender": bids["item"].astype(str),
                "bid": bids["value"].astype(float),
                "winner": bids["won"].astype(bool),
            }
        )
        feats = tender_features(norm).replace([np.inf, -np.inf], np.nan)
        thresholds = {
            "CV": config.cv_max,
            "KURT": config.kurt_max,
            "RD": config.rd_min,
            "DIFFP": config.diffp_min,
        }
        computed: dict[str, bool] = {}
        for screen, side in COLLUSIVE_SIDE.items():
            if thresholds[screen] is None:
                q = feats[screen].quantile(0.25 if side == "<" else 0.75)
                thresholds[screen] = float(q) if q == q else None
                computed[screen] = True
        proba = self._classifier_scores(feats, config)
        item_tender = bids.drop_duplicates("item").set_index("item")["tender"]
        bidders = bids.groupby("item")["supplier"].apply(list)
        out: list[Finding] = []
        for item, row in feats.iterrows():
            flags = []
            measures = []
            for screen, side in COLLUSIVE_SIDE.items():
                t = thresholds[screen]
                v = row[screen]
                hit = t is not None and v == v and (v < t if side == "<" else v > t)
                flags.append(hit)
                measures.append(
                    Measure(name=screen, value=None if v != v else float(v), threshold=t, comparison=side)
                )
            n_flags = sum(flags)
            p = float(proba[item]) if proba is not None else None
            if p is not None:
                measures.append(
                    Measure(
                        name="classifier_probability",
                        value=p,
                        threshold=config.probability_min,
                        comparison=">=",
                    )
                )
            hit_rule = n_flags >= config.min_flags
            hit_model = p is not None and p >= config.probability_min
            if not (hit_rule or hit_model):
                continue
            score = p if p is not None else n_flags / len(COLLUSIVE_SIDE)
            tender = str(item_tender[item])
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    tender,
                    score,
                    self.title,
                    f"O item {item} tem {n_flags} de {len(COLLUSIVE_SIDE)} indicadores estatísticos de lances "
                    "(CV, curtose, RD, DIFFP) do lado típico de conluio.",
                    [*measures, Measure(name="n_bids", value=int(row["N"]))],
                    [item, *bidders[item]],
                    {"item": item, "thresholds_computed": sorted(computed), "flags": n_flags},
                )
            )
        return out

    @staticmethod
    def _classifier_scores(feats: pd.DataFrame, config: ScreensConfig) -> pd.Series | None:
        if not config.garcia_files:
            return None
        from detectors.evaluation import eligible_labels, load_garcia
        from detectors.models import make_screens_classifier

        frames, labels = [], []
        for i, path in enumerate(config.garcia_files):
            g = load_garcia(Path(path))
            g["tender"] = f"{i}:" + g["tender"]
            lab = eligible_labels(g)
            frames.append(tender_features(g[g["tender"].isin(lab.index)]).loc[lab.index])
            labels.append(lab)
        X = pd.concat(frames).replace([np.inf, -np.inf], np.nan)
        cols = [c for c in X.columns if c not in SCALE_FEATURES]
        clf = make_screens_classifier(seed=0)
        clf.fit(X[cols], pd.concat(labels).to_numpy())  # type: ignore[attr-defined]
        return pd.Series(clf.predict_proba(feats[cols])[:, 1], index=feats.index)  # type: ignore[attr-defined]
