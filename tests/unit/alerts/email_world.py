"""A realistic recipient's pending alerts, as `api/v1_pending_alert_deliveries` returns them, from real detector
output: the synthetic world's findings (planted patterns; PNCP control numbers, CNPJs and names) plus every
detector fixture's findings (each fixture's ids made its own, so fixtures do not join one another's cases),
and one GNN finding on a tender of the world (its suppliers shared with other findings)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from core.domain import Finding
from detectors.fixture import fixture_tables, read_fixture
from detectors.graph_engines import NetworkxEngine
from detectors.registry import BY_CODE

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "detectors"
_ID = re.compile(r"\b(tender|supplier|agency|unit|item|person|address|phone|email|sanction):([\w\-/*]+(?::[\w\-/*]+)*)")


def row(f: Finding, name: str | None, version: int = 1) -> dict[str, Any]:
    return {
        "key": f"{f.id}|auditoria@cge.go.gov.br", "finding_id": f.id, "version": version, "subject_name": name,
        "finding": {
            "id": f.id, "detector": f.detector, "subject_kind": str(f.subject.kind), "subject_id": f.subject.id,
            "score": f.score, "title": f.title, "summary": f.evidence.summary,
            "measures_json": json.dumps([m.model_dump() for m in f.evidence.measures]),
            "details_json": json.dumps(f.evidence.details, default=str), "node_ids": list(f.evidence.node_ids)}}


def _names(rows: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    out = {}
    for rs in rows.values():
        for r in rs:
            name = r.get("name") or r.get("object") or r.get("description")
            if r.get("id") and name:
                out[str(r["id"])] = str(name)
    return out


def world_findings(tmp: Path) -> tuple[list[Finding], dict[str, str]]:
    from detectors.run import run_detectors
    from synth.table_world import build_world

    w = build_world()
    w.write(tmp / "tables")
    found = run_detectors(tmp / "tables", write=False).findings
    return found, _names(w.rows)


class _Ids:
    """Fixture ids (`supplier:a`, `tender:t3`) made realistic and the fixture's own: a CNPJ, a PNCP control
    number... numbered by fixture, so fixtures do not join one another's cases."""

    def __init__(self, n: int) -> None:
        self.n, self.seen = n, {}  # type: ignore[var-annotated]

    def __call__(self, m: re.Match[str]) -> str:
        kind, rest = m.group(1), m.group(2)
        key = f"{kind}:{rest}"
        if key not in self.seen:
            k = len(self.seen) + 1
            cnpj = f"{self.n:02d}{k:06d}0001{k % 100:02d}"
            self.seen[key] = {
                "tender": f"tender:{cnpj}-1-{k:06d}/2025", "supplier": f"supplier:{cnpj}",
                "agency": f"agency:{cnpj}", "unit": f"unit:{cnpj}:{k}", "item": f"item:{cnpj}-1-{k:06d}/2025:1",
            }.get(kind, f"{kind}:{self.n:02d}{k:04d}")
        return str(self.seen[key])


def fixture_findings() -> tuple[list[Finding], dict[str, str]]:
    """Every fixture's findings, with realistic ids of their own (`_Ids`)."""
    found: list[Finding] = []
    names: dict[str, str] = {}
    for n, path in enumerate(sorted(FIXTURES.glob("*.jsonl"))):
        rows, config = read_fixture(path)
        det = BY_CODE[path.stem]()
        got = det.run(fixture_tables(rows), det.config(config),
                      engine=NetworkxEngine() if det.needs_graph_engine else None)
        ids = _Ids(n)
        for f in got:
            found.append(Finding.model_validate(json.loads(_ID.sub(ids, f.model_dump_json()))))
        names.update({_ID.sub(ids, k): v for k, v in _names(rows).items()})
    return found, names


def gnn_finding(tender: str, suppliers: list[str]) -> Finding:
    """As gnn/predict.py writes them: a probability and saliency edges, no explanation in words."""
    from core.domain import Evidence, Measure, Subject, SubjectKind

    return Finding(
        detector="gnn", detector_version="0.3.0", subject=Subject(kind=SubjectKind.TENDER, id=tender), score=0.99,
        title="Padrão de conluio na rede de lances (GNN)",
        evidence=Evidence(
            summary=f"O modelo de grafo estima 99% de probabilidade de conluio nesta licitação; as ligações que "
                    f"mais pesaram envolvem {', '.join(suppliers)}.",
            measures=(Measure(name="gnn_probability", value=0.99, threshold=0.5, comparison=">="),),
            node_ids=(tender, *suppliers),
            details={"top_edges": [{"src": s, "dst": tender, "relation": "bids", "saliency": 0.4} for s in suppliers]}))


def pending_rows(tmp: Path, fixtures: bool = True) -> list[dict[str, Any]]:
    """The pending rows, strongest first (as the query orders them); the world's second finding worsened."""
    found, names = world_findings(tmp)
    if fixtures:
        more, more_names = fixture_findings()
        found += more
        names.update(more_names)
    shared = next(f for f in found if f.detector == "shared_contacts")
    sups = [n for n in shared.evidence.node_ids if n.startswith("supplier:")]
    found.append(gnn_finding(shared.subject.id, sups))
    found.sort(key=lambda f: (-f.score, f.id))
    return [row(f, names.get(f.subject.id), version=2 if i == 1 else 1) for i, f in enumerate(found)]


LABELS = {"tender": "Tender", "supplier": "Supplier", "agency": "Agency", "unit": "Unit", "item": "Item",
          "person": "Person", "address": "Address", "phone": "Phone", "email": "Email", "sanction": "Sanction"}


class NetworkRunner:
    """Answers `api/get_finding_network` from the rows' own evidence (the finding's nodes, each firm bidding
    in each tender of the finding, the contacts linked to the firms), as the query would shape it."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_id = {r["finding"]["id"]: r for r in rows}
        self.calls: list[str] = []

    def read(self, name: str, params: Any = None) -> list[dict[str, Any]]:
        assert name == "api/get_finding_network", name
        fid = str((params or {})["id"])
        self.calls.append(fid)
        r = self.by_id.get(fid)
        if r is None:
            return []
        f = r["finding"]
        ids = list(dict.fromkeys([f["subject_id"], *f["node_ids"]]))
        nodes = [{"id": i, "label": LABELS.get(i.split(":")[0], "Item"),
                  "caption": (r["subject_name"] if i == f["subject_id"] and r["subject_name"] else i.split(":", 1)[1])}
                 for i in ids]
        firms = [i for i in ids if i.startswith("supplier:")]
        tenders = [i for i in ids if i.startswith("tender:")]
        links = [i for i in ids if i.split(":")[0] in ("person", "address", "phone", "email", "sanction")]
        edges = [{"src": s, "dst": t, "type": "BID", "won": k == 0} for t in tenders for k, s in enumerate(firms)]
        edges += [{"src": s, "dst": c, "type": "PARTNER_OF" if c.startswith("person:") else "HAS_PHONE"}
                  for c in links for s in firms]
        return [{"finding_id": fid, "subject_id": f["subject_id"], "title": f["title"], "detector": f["detector"],
                 "nodes": nodes, "edges": edges}]
