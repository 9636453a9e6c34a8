"""Learning from verdicts (`licitagraph train --verdicts`): the investigators' verdicts become labels, and the
models that combine or extend the detectors are refitted on them.

1. The verdicts are exported from Neo4j into the `verdicts` side table (`<tables>/verdicts/`), which detect
   reads (the `confirmed_cartel` propagation) and training reads.
2. The risk weights are fitted on the labelled tenders and firms (detectors/weights.py), or the hand-set
   priors stay until enough verdicts exist; the file `<models>/risk_weights.json` records which, with how
   many verdicts it saw.
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

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "weights_path": str(self.weights_path)}


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
    log.info("verdicts: %d findings reviewed, %d tenders and %d firms labelled; weights %s (%s)", n,
             len(labels.tenders), len(labels.firms), weights.source, weights.note)
    return LearnResult(n_verdicts=n, n_tenders=len(labels.tenders), n_firms=len(labels.firms),
                       weights_source=weights.source, weights_path=path, note=weights.note,
                       cv_log_loss=weights.cv_log_loss)
