"""Learning from verdicts (`licitagraph train --verdicts`): the investigators' verdicts become labels, and the
models that combine or extend the detectors are refitted on them.

1. The verdicts are exported from Neo4j into the `verdicts` side table (`<tables>/verdicts/`), which detect
   reads (the `confirmed_cartel` propagation) and training reads.
2. The risk weights are fitted on the labelled tenders and firms (detectors/weights.py), or the hand-set
   priors stay until enough verdicts exist; the file `<models>/risk_weights.json` records which, with how
   many verdicts it saw.
3. The screens model (`screens_model`, detectors/cross_market.py), when its file exists, is refitted on its
   labelled markets plus this market's auctions whose tenders verdicts labelled, the local share of the
   weight growing with the verdicts (n / (n + LICITAGRAPH_SCREENS_MODEL_PRIOR_TENDERS)); the file records
   how many it saw. Until both classes have `min_per_class` labelled tenders it stays as it is.
The GNN is not refitted here: its training needs every tender labelled, verdicts label few, and it uses firm
identity, so its gain over a neighbour vote is what docs/evaluation.md has to show first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class LearnResult:
    n_verdicts: int
    n_tenders: int
    n_firms: int
    weights_source: str
    weights_path: Path
    note: str
    cv_log_loss: dict[str, float]
    screens_model: str = ""  # what happened to the screens model file


def train_from_verdicts(settings: Settings, tables: Path, runner: Any | None = None) -> LearnResult:
    """Export the verdicts, derive the labels and refit the risk weights; returns what was learnt."""
    from core.findings_io import findings_dir, read_verdicts
    from detectors.registry import WEIGHTS
    from detectors.run import read_findings
    from detectors.verdict_labels import labels_from_verdicts
    from detectors.weights import fit, save
    from graph.verdicts import export_verdicts

    if runner is None:
        from graph.runner import Neo4jRunner

        with Neo4jRunner(settings) as own:
            n = export_verdicts(own, tables)
    else:
        n = export_verdicts(runner, tables)
    labels = labels_from_verdicts(read_verdicts(tables))
    import pandas as pd

    findings = pd.DataFrame(
        [{"subject_id": f.subject.id, "detector": f.detector, "score": f.score} for f in read_findings(tables)]
        if findings_dir(tables).exists() else [],
        columns=["subject_id", "detector", "score"],
    )
    weights = fit(
        findings, labels, WEIGHTS,
        min_verdicts=settings.risk_weights_min_verdicts, prior_strength=settings.risk_weights_prior_strength,
    )
    path = save(weights, settings.models_dir / "risk_weights.json")
    screens = refit_screens_model(settings, tables, labels.tenders)
    log.info("verdicts: %d findings reviewed, %d tenders and %d firms labelled; weights %s (%s)", n,
             len(labels.tenders), len(labels.firms), weights.source, weights.note)
    return LearnResult(n_verdicts=n, n_tenders=len(labels.tenders), n_firms=len(labels.firms),
                       weights_source=weights.source, weights_path=path, note=weights.note,
                       cv_log_loss=weights.cv_log_loss, screens_model=screens)


def refit_screens_model(settings: Settings, tables: Path, tender_labels: dict[str, int],
                        min_per_class: int = 5) -> str:
    """Refit the screens model file on the verdicts (step 3 of the module docstring); says what it did."""
    import pandas as pd

    from detectors.base import GraphTables
    from detectors.cross_market import CrossMarketError, load_model, refit_with_verdicts
    from detectors.screens_model import MODEL_FILE, auction_features

    path = settings.models_dir / MODEL_FILE
    if not path.exists():
        return f"no screens model at {path} (`licitagraph train-screens` first); not refitted"
    pos = sum(1 for y in tender_labels.values() if y == 1)
    neg = len(tender_labels) - pos
    if min(pos, neg) < min_per_class:
        return (f"kept as it is: verdicts label {pos} collusive and {neg} competitive tenders; a refit needs "
                f"{min_per_class} of each")
    bids, feats = auction_features(GraphTables.from_dir(tables))
    tender_of = bids.drop_duplicates("item").set_index("item")["tender"].astype(str)
    labels = pd.Series({item: tender_labels.get(t) for item, t in tender_of.reindex(feats.index).items()},
                       dtype="float")
    try:
        model = refit_with_verdicts(load_model(path), feats, labels,
                                    prior_tenders=settings.screens_model_prior_tenders)
    except CrossMarketError as exc:
        return f"kept as it is: {exc}"
    model.save(path)
    return (f"refitted on {model.verdicts} auctions of tenders with verdicts (local share of the weight "
            f"{model.local_weight:.2f}): {path}")
