"""The alert digest: one recipient's pending findings grouped into cases and put in the auditor's words.

A case is the findings that share a subject or an evidence node (union-find over subject ids and node ids);
agencies and their buying units are left out of the union, since nearly every finding of an agency touches
them and they would join unrelated findings into one case. The email shows the strongest `MAX_CASES_IN_FULL`
cases in full and the others as a table with links.

Findings of the graph neural network are left out (`withheld`) until they carry an explanation in words of
what drove their score (`details.explanation_pt`): a bare probability tells an auditor nothing to check.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from detectors.registry import DETECTORS
from reporting import br
from reporting.labels import LABELS, describe

MAX_CASES_IN_FULL = 10
FINDINGS_IN_FULL = 3  # per case; the case page has the others
MEASURES_IN_FULL = 3  # per finding, those compared with a threshold first
# the GNN's detector code (gnn/predict.py DETECTOR); its findings need an explanation to be emailed
GNN_DETECTORS = frozenset({"gnn"})
HUB_PREFIXES = ("agency:", "unit:")

KIND_PT = {"tender": "Licitação", "supplier": "Fornecedor", "agency": "Órgão", "item": "Item"}
KIND_PT_MANY = {"Licitação": "Licitações", "Fornecedor": "Fornecedores", "Órgão": "Órgãos", "Item": "Itens"}
WHY: dict[str, str] = {d.code: d.info.why for d in DETECTORS}
WHY_DEFAULT = "O padrão encontrado é um indício de risco que merece verificação pela auditoria."
# English words some detectors' sentences carry (shared_contacts names the kind of contact it found)
WORDS_PT = {"partner": "sócio", "address": "endereço", "phone": "telefone", "email": "e-mail"}

# a graph id in a sentence; a final "." ends the sentence, not the id
_NODE_ID = re.compile(r"\b(tender|supplier|agency|unit|item|person|address|phone|email|sanction):([^\s,;()]*[^\s,;().])")


def loads(text: Any, default: Any) -> Any:
    if isinstance(text, dict | list):
        return text
    try:
        return json.loads(text) if text else default
    except (TypeError, ValueError):
        return default


def readable_id(node_id: str) -> str:
    """A graph id as a person reads it: `tender:<n>` -> `<n>` (the PNCP control number),
    `supplier:<cnpj>` -> `CNPJ 12.345.678/0001-90`, `unit:<cnpj>:<code>` -> `<code>`..."""
    m = _NODE_ID.fullmatch(node_id.rstrip("."))
    if not m:
        return node_id
    kind, rest = m.group(1), m.group(2)
    if kind == "tender":
        return rest
    if kind in ("supplier", "agency"):
        return f"CNPJ {br.cnpj(rest)}" if rest.isdigit() and len(rest) == 14 else rest
    if kind == "unit":
        return rest.rsplit(":", 1)[-1]
    if kind == "item":
        control, _, n = rest.rpartition(":")
        return f"item {n} da licitação {control}" if control else rest
    return {"person": "pessoa", "address": "endereço", "phone": "telefone", "email": "e-mail",
            "sanction": "sanção"}[kind]


def plain_words(text: str | None) -> str:
    """A detector's sentence for the auditor: graph ids made readable, numbers written the Brazilian way,
    the few English words some sentences carry translated."""
    if not text:
        return ""
    out = _NODE_ID.sub(lambda m: readable_id(m.group(0)), text)
    out = br.localize(out)
    return re.sub(r"\b(" + "|".join(WORDS_PT) + r")\b", lambda m: WORDS_PT[m.group(1)], out)


def is_explained(finding: dict[str, Any]) -> bool:
    """Whether the finding can go in an email: every detector's can; the GNN's only with an explanation."""
    if finding.get("detector") not in GNN_DETECTORS:
        return True
    details = loads(finding.get("details_json"), {})
    return isinstance(details, dict) and bool(str(details.get("explanation_pt") or "").strip())


def group_cases(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows (each with a `finding`) grouped into cases: union-find over subject ids and evidence node ids
    (agencies and units excepted, unless they are the subject). Cases strongest first; findings in a case
    strongest first."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in rows:
        f = r["finding"]
        own = "finding#" + str(f["id"])
        union(own, "node#" + str(f["subject_id"]))
        for n in f.get("node_ids") or []:
            if not str(n).startswith(HUB_PREFIXES):
                union(own, "node#" + str(n))
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[find("finding#" + str(r["finding"]["id"]))].append(r)

    def strength(r: dict[str, Any]) -> tuple[float, str]:
        return (-float(r["finding"].get("score") or 0.0), str(r["finding"]["id"]))

    cases = [sorted(g, key=strength) for g in groups.values()]
    return sorted(cases, key=lambda c: (strength(c[0])[0], -len(c), strength(c[0])[1]))


@dataclass
class FindingView:
    id: str
    detector: str
    title: str
    summary: str
    score: str
    worsened: bool
    measures: list[dict[str, str]]
    more_measures: int
    alike: int = 1  # findings of the case that say the same thing (one per member of a group), shown once


@dataclass
class CaseView:
    number: int
    lead_id: str
    title: str
    score: str
    subjects: list[dict[str, str]]
    findings: list[FindingView]
    other_findings: list[FindingView]
    why: list[str]
    link: str
    bloom_phrase: str | None
    picture_cid: str | None = None
    n_findings: int = 0
    subject_lines: list[dict[str, Any]] = field(default_factory=list)  # the subjects by kind, for one line each
    ids: list[str] = field(default_factory=list)


def score_text(x: Any) -> str:
    return br.number(float(x or 0.0), 2)


def _rank(m: dict[str, Any]) -> int:
    """Which measures an email shows first: those whose threshold triggered the finding, then money, then the
    thresholds that only guard the comparison ("exige pelo menos 3 compras"), then the rest."""
    label = LABELS[str(m["name"])]
    guard_only = (label.limiar or "").startswith("exige")
    if m.get("threshold") is not None and not guard_only:
        return 0
    return 1 if label.kind == "money" else 2 if m.get("threshold") is not None else 3


def finding_view(row: dict[str, Any]) -> FindingView:
    from reporting.masking import guard

    f = row["finding"]
    measures = [m for m in loads(f.get("measures_json"), []) if isinstance(m, dict) and m.get("name") in LABELS]
    measures.sort(key=_rank)
    shown = [describe(m) for m in measures[:MEASURES_IN_FULL]]
    view = FindingView(
        id=str(f["id"]), detector=str(f.get("detector") or ""),
        title=plain_words(f.get("title") or "Achado de risco"), summary=plain_words(f.get("summary")),
        score=score_text(f.get("score")), worsened=(row.get("version") or 1) > 1,
        measures=[{"rotulo": d.rotulo, "valor": d.valor, "limiar": d.limiar, "frase": d.frase} for d in shown],
        more_measures=max(0, len(measures) - MEASURES_IN_FULL))
    # every text an auditor reads: any full CPF masked (LGPD)
    view.title, view.summary = guard(view.title, person=True), guard(view.summary, person=True)
    view.measures = guard(view.measures, person=True)
    return view


def _subjects(case: list[dict[str, Any]]) -> list[dict[str, str]]:
    from reporting.masking import guard

    out: dict[str, dict[str, str]] = {}
    for r in case:
        f = r["finding"]
        sid = str(f["subject_id"])
        if sid in out:
            continue
        name = str(r.get("subject_name") or "")
        ident = readable_id(sid)
        if sid.startswith("tender:"):
            ident = f"nº {ident}"
        out[sid] = {"kind": KIND_PT.get(str(f.get("subject_kind") or ""), "Item"),
                    "name": plain_words(name) if name and name != sid else ident,
                    "ident": ident if name and name != sid and ident != sid else ""}
    return list(guard(list(out.values()), person=True))


def bloom_phrase(case: list[dict[str, Any]]) -> str | None:
    """A phrase of the Bloom perspective (cypher/bloom/) that opens this case's network, or None.

    `Achados sobre <name>` for a named supplier or agency the case is about; else `Rede do fornecedor <CNPJ>
    até 2 níveis` for a supplier in its evidence; else, for dispensas, `Dispensas do órgão <CNPJ> no ano <ano>`.
    """
    for kind in ("supplier", "agency"):
        for r in case:
            f = r["finding"]
            name = str(r.get("subject_name") or "")
            if f.get("subject_kind") == kind and name and name != f["subject_id"]:
                return f"Achados sobre {name}"
    for r in case:
        for n in [r["finding"]["subject_id"], *(r["finding"].get("node_ids") or [])]:
            digits = str(n).removeprefix("supplier:")
            if str(n).startswith("supplier:") and digits.isdigit() and len(digits) == 14:
                return f"Rede do fornecedor {digits} até 2 níveis"
    for r in case:
        f = r["finding"]
        year = next((m.get("value") for m in loads(f.get("measures_json"), [])
                     if isinstance(m, dict) and m.get("name") == "year"), None)
        agency = next((str(n).removeprefix("agency:") for n in [f["subject_id"], *(f.get("node_ids") or [])]
                       if str(n).startswith("agency:")), None)
        if year and agency:
            return f"Dispensas do órgão {agency} no ano {int(year)}"
    return None


def _collapse(views: list[FindingView]) -> list[FindingView]:
    """One view for the findings that read the same (a group's finding is stored once per member)."""
    out: dict[tuple[str, str, str], FindingView] = {}
    for v in views:
        key = (v.detector, v.title, v.summary)
        if key in out:
            out[key].alike += 1
            out[key].worsened = out[key].worsened or v.worsened
        else:
            out[key] = v
    return list(out.values())


def case_view(number: int, case: list[dict[str, Any]], link: str) -> CaseView:
    all_views = [finding_view(r) for r in case]
    views = _collapse(all_views)
    why: list[str] = []
    for v in views[:FINDINGS_IN_FULL]:
        text = WHY.get(v.detector, WHY_DEFAULT)
        if text not in why:
            why.append(text)
    from reporting.masking import guard

    lead = views[0]
    phrase = bloom_phrase(case)
    subjects = _subjects(case)
    by_kind: dict[str, list[str]] = {}
    for s in subjects:
        by_kind.setdefault(s["kind"], []).append(s["name"] + (f" ({s['ident']})" if s["ident"] else ""))
    lines = [{"kind": KIND_PT_MANY.get(k, k) if len(v) > 1 else k, "names": v} for k, v in by_kind.items()]
    return CaseView(number=number, lead_id=lead.id, title=lead.title, score=lead.score, subjects=subjects,
                    findings=views[:FINDINGS_IN_FULL], other_findings=views[FINDINGS_IN_FULL:], why=why,
                    link=link, bloom_phrase=guard(phrase, person=True) if phrase else None,
                    n_findings=len(all_views), ids=[v.id for v in all_views], subject_lines=lines)
