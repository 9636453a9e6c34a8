"""The small world the API and alert tests share (a helper module, no tests of its own).

The graph is the graph tests' hand-written world (synth/table_world.py) loaded with graph's own
loader; findings and risk scores are written as the detectors write them (core/findings_io.py) and
loaded by graph.findings.write_findings, so the API reads exactly what a real run leaves in Neo4j.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import findings_io
from core.domain import Evidence, Finding, Measure, Reason, RiskScore, Subject, SubjectKind
from core.settings import Settings
from core.tables import RISK
from graph.connection import driver_session
from graph.fresh import replace_database
from synth.table_world import World, build_world

LEAKED_CPF = "12345678901"  # a full CPF planted in Person data and in evidence: must never come out


def make_findings(w: World) -> list[Finding]:
    p = w.planted
    t1, t2 = p["shared_partner"]["tender"], p["shared_phone"]["tender"]
    s = p["shared_partner"]["suppliers"] + p["shared_phone"]["suppliers"]

    def f(det: str, kind: SubjectKind, sid: str, score: float, title: str, nodes: list[str],
          measures: tuple[Measure, ...] = (), details: dict[str, Any] | None = None,
          when: datetime = datetime(2025, 6, 1, tzinfo=UTC)) -> Finding:
        return Finding(detector=det, detector_version="1.0.0", subject=Subject(kind=kind, id=sid), score=score,
                       title=title, evidence=Evidence(summary=f"{title}: evidência de teste.", measures=measures,
                                                      node_ids=tuple(nodes), details=details or {}),
                       run_id="seed-run", created_at=when)

    return [
        f("shared_contacts", SubjectKind.TENDER, t2, 0.9, "Concorrentes com telefone em comum",
          [*s[2:], p["shared_phone"]["phone"]],
          (Measure(name="shared_links", value=2, threshold=1, comparison=">="),)),
        f("shared_contacts", SubjectKind.TENDER, t1, 0.8, "Concorrentes com sócio em comum",
          [*s[:2], p["shared_partner"]["person"]],
          (Measure(name="shared_partners", value=1, threshold=1, comparison=">="),),
          {"partner_cpf": LEAKED_CPF, "partner": {"name": "JOAO DA SILVA", "cpf": LEAKED_CPF}}),
        f("overpricing", SubjectKind.ITEM, p["overpricing"]["item"], 0.7, "Sobrepreço de seringa",
          [p["overpricing"]["item"], *p["overpricing"]["peers"]],
          (Measure(name="unit_price", value=50.0, threshold=15.0, comparison=">", unit="R$/UN"),),
          when=datetime(2025, 7, 1, tzinfo=UTC)),
        f("sanctioned_winner", SubjectKind.SUPPLIER, p["sanctioned_winner"]["supplier"], 0.95,
          "Vencedor sancionado (CEIS)", [p["sanctioned_winner"]["supplier"], p["sanctioned_winner"]["sanction"]]),
        f("fracionamento", SubjectKind.AGENCY, p["fracionamento"]["agency"], 0.6, "Fracionamento de dispensas",
          [p["fracionamento"]["agency"], *p["fracionamento"]["tenders"]],
          (Measure(name="total_year", value=80000.0, threshold=62725.59, comparison=">", unit="R$"),)),
        f("cobidding", SubjectKind.SUPPLIER, p["rotation"]["suppliers"][0], 0.4, "Rodízio de vencedores",
          list(p["rotation"]["suppliers"])),
    ]


def risk_scores(items: list[Finding], w: World) -> list[RiskScore]:
    """The world's risk: each subject's strongest finding as its score and only reason (weight 1), and
    the overpricing agency at 0.85 with no reasons."""
    best: dict[tuple[str, str], Finding] = {}
    for f in items:
        k = (f.subject.kind.value, f.subject.id)
        if k not in best or f.score > best[k].score:
            best[k] = f
    out = [RiskScore(subject=f.subject, score=f.score, n_findings=1,
                     reasons=(Reason(detector=f.detector, finding_id=f.id, title=f.title, score=f.score, weight=1.0),))
           for f in best.values()]
    out.append(RiskScore(subject=Subject(kind=SubjectKind.AGENCY, id=w.planted["overpricing"]["agency"]), score=0.85,
                         n_findings=2))
    return out


def seed(settings: Settings, out: Path, items: list[Finding] | None = None,
         filler: int = 0) -> tuple[World, list[Finding]]:
    """Wipe the test database, load the world, its findings and risk; plant a leaked CPF in Person data.
    `filler` adds honest tenders (bench/api.py)."""
    w = build_world(filler)
    tables = out / "tables"
    w.write(tables)
    items = items if items is not None else make_findings(w)
    findings_io.write_findings(items, findings_io.findings_dir(tables) / "part-00000.parquet")
    findings_io.write_file(findings_io.risk_frame(risk_scores(items, w), "seed-run"), RISK,
                           findings_io.risk_dir(tables) / "part-00000.parquet")
    replace_database(settings, tables)
    with driver_session(settings) as session:
        session.run("MATCH (p:Person {id: $id}) SET p.masked_cpf = $cpf, p.name = $name",
                    id=w.planted["shared_partner"]["person"], cpf=LEAKED_CPF,
                    name=f"JOAO DA SILVA {LEAKED_CPF[:3]}.{LEAKED_CPF[3:6]}.{LEAKED_CPF[6:9]}-{LEAKED_CPF[9:]}").consume()
    return w, items


def graph_fingerprint(settings: Settings) -> dict[str, Any]:
    """Counts of nodes per label and relationships, and a hash of the properties of the planted subjects."""
    with driver_session(settings) as session:
        labels = {r["l"]: r["c"] for r in session.run(
            "MATCH (n) UNWIND labels(n) AS l RETURN l, count(*) AS c")}
        rels = session.run("MATCH ()-[r]->() RETURN count(r) AS c").single(strict=True)["c"]
        props = session.run("MATCH (n) WHERE n:Tender OR n:Supplier OR n:Agency OR n:Finding "
                            "RETURN n.id AS id, n.risk_score AS r, n.name AS name ORDER BY id").data()
    # the API's own records (keys, rate limits) may change; the procurement graph must not
    for own in ("ApiKey", "Subscription", "PipelineRun", "AlertDelivery"):
        labels.pop(own, None)
    return {"labels": labels, "rels": rels, "props": props}
