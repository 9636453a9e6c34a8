"""`shared_contacts`: competing bidders in one tender that share a partner, an address, a phone or an email."""

from __future__ import annotations

from itertools import combinations
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
    make_finding,
)

# relationship -> (kind of link, which end is the shared node)
LINKS: dict[str, tuple[str, str]] = {
    "PARTNER_OF": ("partner", "src"),
    "LOCATED_AT": ("address", "dst"),
    "HAS_PHONE": ("phone", "dst"),
    "HAS_EMAIL": ("email", "dst"),
}
WEIGHTS = {"partner": 1.0, "email": 0.9, "phone": 0.8, "address": 0.7}
TITLES = {
    "partner": "Concorrentes com sócio em comum",
    "address": "Concorrentes no mesmo endereço",
    "phone": "Concorrentes com o mesmo telefone",
    "email": "Concorrentes com o mesmo e-mail",
}


def hub_degree(degree: pd.Series) -> int:
    """The most companies a contact may link before it reads as a hub: the upper Tukey fence of the degrees
    of the contacts that link two or more companies, Q3 + 1.5 * IQR with the IQR taken at the count's own
    resolution of at least 1 (when most shared contacts link exactly two, a three-company one is not a hub).
    With no shared contact there is nothing to filter: the largest degree."""
    shared = degree[degree > 1].to_numpy(dtype=float)
    if shared.size == 0:
        return int(degree.max()) if len(degree) else 1
    q1, q3 = np.percentile(shared, [25, 75])
    return int(np.floor(q3 + 1.5 * max(q3 - q1, 1.0)))


class SharedContactsConfig(DetectorConfig):
    kinds: tuple[str, ...] = ("partner", "address", "phone", "email")
    max_contact_degree: int | None = None
    same_group_excluded: bool = True


class SharedContacts(Detector[SharedContactsConfig]):
    info = DetectorInfo(
        code="shared_contacts",
        version="1.1.0",
        title="Concorrentes com vínculos em comum",
        weight=0.9,
        why=(
            "Concorrentes que compartilham sócio, endereço, telefone ou e-mail não competem de fato "
            "(art. 9º e art. 14 da Lei 14.133/2021)."
        ),
        patterns=("shared_partner", "shared_address", "shared_phone", "shared_email"),
    )
    Config = SharedContactsConfig

    def run(self, tables: GraphTables, config: SharedContactsConfig, engine: Any = None) -> list[Finding]:
        links = []
        for rel, (kind, shared_end) in LINKS.items():
            if kind not in config.kinds:
                continue
            r = tables.get(rel)
            if r.empty:
                continue
            supplier_end = "dst" if shared_end == "src" else "src"
            links.append(pd.DataFrame({"supplier": r[supplier_end], "contact": r[shared_end], "kind": kind}))
        if not links:
            return []
        contacts = pd.concat(links, ignore_index=True).drop_duplicates()
        degree = contacts.groupby("contact")["supplier"].nunique()
        # A contact shared by very many companies (an accounting office, a registered-agent address) says little.
        max_degree = config.max_contact_degree
        computed = max_degree is None
        if max_degree is None:
            max_degree = hub_degree(degree)
        contacts = contacts[contacts["contact"].map(degree) <= max_degree]
        by_supplier = contacts.groupby("supplier")
        contact_map: dict[str, set[tuple[str, str]]] = {
            s: set(zip(g["kind"], g["contact"], strict=True)) for s, g in by_supplier
        }
        group = self._group_key(tables) if config.same_group_excluded else {}
        bids = bids_with_tender(tables, valid_only=False)
        out: list[Finding] = []
        for tender, g in bids.groupby("tender"):
            suppliers = sorted(set(g["supplier"]))
            pairs: list[tuple[str, str, str, str]] = []
            for a, b in combinations(suppliers, 2):
                if group and group.get(a, a) == group.get(b, b):
                    continue  # head office and branch are one company, not competitors
                for kind, contact in sorted(contact_map.get(a, set()) & contact_map.get(b, set())):
                    pairs.append((a, b, kind, contact))
            if not pairs:
                continue
            kinds = sorted({p[2] for p in pairs})
            strongest = max(kinds, key=lambda k: WEIGHTS[k])
            involved = sorted({x for p in pairs for x in (p[0], p[1])})
            score = min(1.0, WEIGHTS[strongest] + 0.05 * (len(pairs) - 1))
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(tender),
                    score,
                    TITLES[strongest],
                    f"{len(involved)} licitantes da mesma contratação compartilham {', '.join(kinds)}.",
                    [
                        Measure(name="linked_pairs", value=len(pairs), threshold=1, comparison=">="),
                        Measure(
                            name="max_contact_degree",
                            value=int(max(degree[p[3]] for p in pairs)),
                            threshold=max_degree,
                            comparison="<=",
                        ),
                    ],
                    [*involved, *sorted({p[3] for p in pairs}), *sorted(set(g["item"]))],
                    {
                        "pairs": [{"a": a, "b": b, "kind": k, "contact": c} for a, b, k, c in pairs],
                        "max_contact_degree_computed": computed,
                    },
                )
            )
        return out

    @staticmethod
    def _group_key(tables: GraphTables) -> dict[str, str]:
        """supplier id -> company group (cnpj_basico, or the head office through BRANCH_OF)."""
        sup = tables.get("Supplier")
        key = {str(i): str(b) for i, b in zip(sup["id"], sup["cnpj_basico"], strict=True) if b == b and b}
        br = tables.get("BRANCH_OF")
        for s, d in zip(br["src"], br["dst"], strict=True):
            key[str(s)] = key.get(str(d), str(d))
            key.setdefault(str(d), str(d))
        return key
