"""`screens_model`: the packaged cross-market screens model (`detectors/cross_market.py`) scoring every auction.

The model is fitted on García et al.'s labelled markets by `licitagraph train-screens` and saved as a versioned
file (default `var/models/screens_model.joblib`). Each item with `min_bids`+ valid positive bids is one auction:
its scale-free screens are computed from its bids (ranked among all auctions of this run when the model ranks
features within a market), the model scores it, and a tender's score is the mean over its auctions. Tenders
above the upper Tukey fence (k = `fence_k`) of the log-odds of the tender scores of this run are flagged (`score_min`
overrides the computed threshold). Without a model file the detector logs one line and finds nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import (
    Detector,
    DetectorConfig,
    DetectorInfo,
    GraphTables,
    bids_with_tender,
    excess_score,
    make_finding,
    upper_fence,
)
from detectors.cross_market import CrossMarketModel, fit_cross_market, load_model, market_features

log = logging.getLogger(__name__)

MODEL_FILE = "screens_model.joblib"
NON_COMPETITIVE_MODALITIES = (8, 9, 12, 14)


def _br(x: float) -> str:
    """A score the Brazilian way (0,94): the summary is read by auditors as it is."""
    return f"{x:.2f}".replace(".", ",")


def default_model_path() -> Path:
    from core.settings import get_settings

    return get_settings().models_dir / MODEL_FILE


class ScreensModelConfig(DetectorConfig):
    model_path: str | None = None  # default: var/models/screens_model.joblib
    train_files: tuple[str, ...] = ()  # García files to fit on in-process instead of reading a model file
    min_bids: int = 3
    min_auctions: int = 8  # fewer auctions than this: too few to rank features within the market
    excluded_modalities: tuple[int, ...] = NON_COMPETITIVE_MODALITIES
    fence_k: float = 1.0
    score_min: float | None = None


def auction_features(tables: GraphTables, config: ScreensModelConfig | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bids, features) of this market's auctions: each item of a competitive modality with `min_bids`+ valid
    positive bids is one auction; features (index: item id) as the cross-market model reads them."""
    config = config or ScreensModelConfig()
    bids = bids_with_tender(tables)
    bids = bids[bids["value"].notna() & (bids["value"] > 0)]
    modality = tables.get("Tender").set_index("id")["modality_id"]
    bids = bids[~bids["tender"].map(modality).isin(config.excluded_modalities)]
    n = bids.groupby("item")["supplier"].transform("size")
    bids = bids[n >= config.min_bids]
    auctions = pd.DataFrame(
        {"tender": bids["item"].astype(str), "bid": bids["value"].astype(float), "winner": bids["won"]}
    )
    return bids, market_features(auctions, config.min_bids)


class ScreensModel(Detector[ScreensModelConfig]):
    info = DetectorInfo(
        code="screens_model",
        version="1.0.0",
        title="Padrão de lances típico de cartel (modelo treinado em cartéis conhecidos)",
        weight=0.5,
        why=(
            "Um modelo treinado em licitações de cartéis condenados em outros mercados (Brasil, Itália, Suíça) "
            "reconhece neste padrão de lances a forma de propostas combinadas."
        ),
    )
    Config = ScreensModelConfig

    @staticmethod
    def _model(config: ScreensModelConfig) -> CrossMarketModel | None:
        if config.train_files:
            return fit_cross_market(list(config.train_files), candidates=None)
        path = Path(config.model_path) if config.model_path else default_model_path()
        if not path.exists():
            log.info("screens_model: no model file at %s (train it with `licitagraph train-screens`); skipped", path)
            return None
        return load_model(path)

    def run(self, tables: GraphTables, config: ScreensModelConfig, engine: Any = None) -> list[Finding]:
        model = self._model(config)
        if model is None:
            return []
        bids, feats = auction_features(tables, config)
        if bids["item"].nunique() < config.min_auctions:
            log.info(
                "screens_model: %d auctions with %d+ bids, fewer than %d; skipped",
                bids["item"].nunique(),
                config.min_bids,
                config.min_auctions,
            )
            return []
        item_score = model.score_features(feats).rename_axis("item")
        tender_of = bids.drop_duplicates("item").set_index("item")["tender"].astype(str)
        per_item = pd.DataFrame({"score": item_score, "tender": tender_of.reindex(item_score.index)})
        per_tender = per_item.groupby("tender")["score"].agg(["mean", "max", "size"])
        computed = config.score_min is None
        if config.score_min is not None:
            threshold = float(config.score_min)
        else:  # Tukey's fence on the log-odds: scores are bounded in (0, 1), their log-odds are not
            logit = np.log(per_tender["mean"].clip(1e-6, 1 - 1e-6) / (1 - per_tender["mean"].clip(1e-6, 1 - 1e-6)))
            threshold = float(1.0 / (1.0 + np.exp(-upper_fence(logit, config.fence_k))))
        flagged = per_tender[per_tender["mean"] > threshold]
        bidders = bids.groupby("tender")["supplier"].agg(lambda s: sorted(set(s.astype(str))))
        out: list[Finding] = []
        for tender, row in flagged.sort_values("mean", ascending=False).iterrows():
            items = per_item[per_item["tender"] == tender]["score"].sort_values(ascending=False)
            top = str(items.index[0])
            f = feats.loc[top]
            measures = [
                Measure(name="model_score", value=round(float(row["mean"]), 4), threshold=round(threshold, 4), comparison=">"),
                Measure(name="model_score_max_item", value=round(float(row["max"]), 4)),
                Measure(name="n_items_scored", value=int(row["size"])),
                Measure(name="market_share_above", value=round(float((per_tender["mean"] >= row["mean"]).mean()), 4)),
            ]
            for key in ("CV", "DIFFP", "RD"):
                v = f.get(key, np.nan)
                if v == v:
                    measures.append(Measure(name=f"top_item_{key}", value=round(float(v), 4)))
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(tender),
                    excess_score(float(row["mean"]), threshold, scale=max(1.0 - threshold, 0.05)),
                    self.title,
                    f"Escore do modelo de cartéis {_br(row['mean'])} (média de {int(row['size'])} "
                    f"{'item' if int(row['size']) == 1 else 'itens'}), acima do limite {_br(threshold)} calculado "
                    "sobre as contratações desta execução.",
                    measures,
                    [str(tender), *items.index.astype(str), *bidders.get(tender, [])],
                    {
                        "items": {str(i): round(float(v), 4) for i, v in items.items()},
                        "threshold_computed": computed,
                        "model": {
                            "version": model.version,
                            "candidate": model.candidate.name,
                            "training_markets": sorted(model.training),
                        },
                    },
                )
            )
        return out
