"""`confirmed_cartel`: the other tenders of firms that investigators confirmed as a cartel, and of the firms
linked to them (shared partners or contacts).

A confirmed verdict (docs/verdicts.md) makes its firms cartel members (detectors/verdict_labels.py). Every
other tender where a member or a linked firm bid, and that no verdict has decided yet, is re-scored and
explained: "2 empresas de cartel confirmado participam", "compartilha 3 sócios com membro de cartel
confirmado". The verdicts reach detect as the `verdicts` side table (exported from Neo4j before each run),
so the detector reads tables only, like every other.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, DetectorInfo, GraphTables, bids_with_tender, make_finding
from detectors.shared_contacts import LINKS
from detectors.verdict_labels import labels_from_verdicts


class ConfirmedCartelConfig(DetectorConfig):
    # score of one member bidding, and of one linked firm per shared link (a noisy-OR over the firms);
    # priors, not thresholds: the risk weights fitted on verdicts calibrate them (detectors/weights.py)
    member_score: float = 0.6
    link_score: float = 0.15
    max_link_score: float = 0.45
    # a contact shared by more firms than this says little (an accounting office's address)
    max_contact_degree: int = 10


class ConfirmedCartel(Detector[ConfirmedCartelConfig]):
    info = DetectorInfo(
        code="confirmed_cartel",
        version="1.0.0",
        title="Participação de empresas de cartel confirmado",
        weight=0.8,
        why=(
            "Empresas que a equipe de auditoria já confirmou como cartel, ou ligadas a elas por sócios ou "
            "contatos em comum, participam desta licitação: as outras licitações de um cartel confirmado "
            "merecem revisão."
        ),
        patterns=(),
    )
    Config = ConfirmedCartelConfig

    def run(self, tables: GraphTables, config: ConfirmedCartelConfig, engine: Any = None) -> list[Finding]:
        labels = labels_from_verdicts(tables.get("verdicts"))
        members = set(labels.members)
        if not members:
            return []
        links = self._links(tables, members, config.max_contact_degree)
        bids = bids_with_tender(tables, valid_only=False)
        bids = bids[bids["tender"].notna()]
        out = []
        for tender, g in bids.groupby("tender", sort=True):
            if tender in labels.tenders:
                continue  # decided by a verdict already
            bidders = set(g["supplier"])
            winners = set(g.loc[g["won"], "supplier"])
            in_members = sorted(bidders & members)
            in_linked = sorted(f for f in bidders - members if f in links)
            if not in_members and not in_linked:
                continue
            keep = 1.0
            for _ in in_members:
                keep *= 1.0 - config.member_score
            for f in in_linked:
                n = sum(len(v) for v in links[f].values())
                keep *= 1.0 - min(config.link_score * n, config.max_link_score)
            score = 1.0 - keep
            findings = sorted({fid for m in in_members for fid in labels.firm_findings.get(m, [])})
            linked_detail = [
                {"supplier": f, "member": m, "shared": sorted(v)}
                for f in in_linked for m, v in sorted(links[f].items())
            ]
            shared_max = max((len(d["shared"]) for d in linked_detail), default=0)
            parts = []
            if in_members:
                won = sum(1 for m in in_members if m in winners)
                parts.append(
                    f"{len(in_members)} empresa{'s' if len(in_members) > 1 else ''} de cartel confirmado "
                    f"participa{'m' if len(in_members) > 1 else ''}"
                    + (f" ({won} vencedora{'s' if won > 1 else ''})" if won else "")
                )
            if in_linked:
                parts.append(
                    f"{len(in_linked)} empresa{'s' if len(in_linked) > 1 else ''} compartilha{'m' if len(in_linked) > 1 else ''} "
                    f"até {shared_max} sócio{'s' if shared_max > 1 else ''} ou contato{'s' if shared_max > 1 else ''} "
                    "com membro de cartel confirmado"
                )
            shared_nodes = [n for d in linked_detail for n in d["shared"]]
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(tender),
                    score,
                    self.title,
                    "Nesta licitação, " + "; ".join(parts) + ".",
                    [
                        Measure(name="confirmed_members_bidding", value=len(in_members)),
                        Measure(name="linked_firms_bidding", value=len(in_linked)),
                        Measure(name="shared_links_with_member", value=shared_max),
                    ],
                    [str(tender), *in_members, *in_linked, *(d["member"] for d in linked_detail), *shared_nodes],
                    details={"members": in_members, "confirmed_findings": findings, "linked": linked_detail},
                )
            )
        return out

    @staticmethod
    def _links(tables: GraphTables, members: set[str], max_degree: int) -> dict[str, dict[str, set[str]]]:
        """non-member firm -> member -> the partners/contacts they share (common contacts left out)."""
        frames = []
        for rel, (_kind, shared_end) in LINKS.items():
            r = tables.get(rel)
            if r.empty:
                continue
            firm_end = "dst" if shared_end == "src" else "src"
            frames.append(pd.DataFrame({"firm": r[firm_end], "contact": r[shared_end]}))
        if not frames:
            return {}
        c = pd.concat(frames, ignore_index=True).dropna().drop_duplicates()
        degree = c.groupby("contact")["firm"].nunique()
        c = c[c["contact"].map(degree) <= max_degree]
        member_contacts = c[c["firm"].isin(members)]
        joined = c.merge(member_contacts.rename(columns={"firm": "member"}), on="contact")
        joined = joined[~joined["firm"].isin(members)]
        out: dict[str, dict[str, set[str]]] = defaultdict(dict)
        for r in joined.itertuples(index=False):
            out[r.firm].setdefault(r.member, set()).add(r.contact)
        return dict(out)
