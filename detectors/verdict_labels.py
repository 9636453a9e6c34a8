"""Investigators' verdicts as labels for tenders and firms (the `verdicts` side table, core/tables.py).

The rules (docs/verdicts.md): a confirmed finding labels its subject collusive, a dismissed one competitive;
a confirmed *network* finding (a group of firms acting together: co-bidding, loser-winner, shared contacts)
also labels every firm and every tender its evidence names collusive, while a dismissed one clears only its
subject. When verdicts disagree on a tender or a firm, a confirmation wins: dismissing one red flag does not
clear a tender whose cartel another verdict confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# findings whose evidence names a group of firms acting together
NETWORK_DETECTORS = frozenset({"cobidding", "loser_winner", "shared_contacts"})
TENDER_PREFIX, SUPPLIER_PREFIX = "tender:", "supplier:"


@dataclass
class VerdictLabels:
    """tender id -> 1 (collusive) | 0 (competitive), the same for firms, and for each collusive firm the
    confirmed findings that made it one (what the propagation cites)."""

    tenders: dict[str, int] = field(default_factory=dict)
    firms: dict[str, int] = field(default_factory=dict)
    firm_findings: dict[str, list[str]] = field(default_factory=dict)
    n_verdicts: int = 0

    @property
    def members(self) -> list[str]:
        """Firms labelled collusive (confirmed cartel members), sorted."""
        return sorted(f for f, y in self.firms.items() if y == 1)


def _set(labels: dict[str, int], key: str, y: int) -> None:
    labels[key] = max(labels.get(key, 0), y) if key in labels else y


def labels_from_verdicts(verdicts: pd.DataFrame) -> VerdictLabels:
    """The labels the `verdicts` rows imply (rules in the module docstring)."""
    out = VerdictLabels(n_verdicts=len(verdicts))
    for r in verdicts.itertuples(index=False):
        if r.verdict not in ("confirmed", "dismissed"):
            continue
        y = int(r.verdict == "confirmed")
        subject = str(r.subject_id)
        if subject.startswith(TENDER_PREFIX):
            _set(out.tenders, subject, y)
        elif subject.startswith(SUPPLIER_PREFIX):
            _set(out.firms, subject, y)
        if y and r.detector in NETWORK_DETECTORS:
            nodes = r.node_ids if r.node_ids is not None else []
            for n in (str(x) for x in nodes):
                if n.startswith(TENDER_PREFIX):
                    _set(out.tenders, n, 1)
                elif n.startswith(SUPPLIER_PREFIX):
                    _set(out.firms, n, 1)
                    out.firm_findings.setdefault(n, []).append(str(r.finding_id))
        if y and subject.startswith(SUPPLIER_PREFIX):
            out.firm_findings.setdefault(subject, []).append(str(r.finding_id))
    for f in out.firm_findings:
        out.firm_findings[f] = sorted(set(out.firm_findings[f]))
    return out
