"""The Bloom perspective (cypher/bloom/perspective.json), generated from the graph model and the
search-phrase files `cypher/bloom/show_*.cypher`, so it never drifts from the schema.

`python -m graph.bloom` rewrites the JSON; a test checks that the committed file equals this output.
Structure: what Bloom 2.x exports and its perspective import accepts (also Aura Explore): name, id,
categories (labels, captions, colour, icon, size, properties, styleRules), labels, relationshipTypes,
palette, templates (search phrases with Cypher and params), hiddenRelationshipTypes, hiddenCategories,
metadata, version. Captions, category names and phrases are in Brazilian Portuguese.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from core.tables import NODE_TABLES, REL_TABLES
from graph.runner import CYPHER_ROOT, get_query
from graph.schema import ABOUT, FINDING_LABEL, INVOLVES

PERSPECTIVE_PATH = CYPHER_ROOT / "bloom" / "perspective.json"
BLOOM_VERSION = "2.15.0"
CREATED_AT = 1764115200000  # fixed so the file is reproducible (2025-11-26)

# label -> (category name, colour, caption property, size, icon)
CATEGORIES: dict[str, tuple[str, str, str, int, str]] = {
    "Agency": ("Órgão", "#4C8EDA", "name", 3, "no-icon"),
    "Unit": ("Unidade gestora", "#57C7E3", "name", 2, "no-icon"),
    "Tender": ("Licitação", "#FFC454", "object", 2, "no-icon"),
    "Item": ("Item", "#D9C8AE", "description", 1, "no-icon"),
    "Supplier": ("Fornecedor", "#8DCC93", "name", 2, "no-icon"),
    "Person": ("Sócio (pessoa)", "#C990C0", "name", 2, "no-icon"),
    "Address": ("Endereço", "#ECB5C9", "street", 1, "no-icon"),
    "Phone": ("Telefone", "#F79767", "number", 1, "no-icon"),
    "Email": ("E-mail", "#F79767", "email", 1, "no-icon"),
    "Sanction": ("Sanção", "#F16667", "category", 2, "no-icon"),
    FINDING_LABEL: ("Achado", "#DA7194", "title", 2, "no-icon"),
}
REL_CAPTIONS: dict[str, str] = {
    "PART_OF": "#A5ABB6", "PUBLISHED": "#4C8EDA", "MANAGED_BY": "#57C7E3", "HAS_ITEM": "#D9C8AE",
    "BID": "#A5ABB6", "AWARDED": "#2E7D32", "PARTNER_OF": "#C990C0", "LOCATED_AT": "#ECB5C9",
    "HAS_PHONE": "#F79767", "HAS_EMAIL": "#F79767", "SANCTIONED": "#C62828", "BRANCH_OF": "#8DCC93",
    ABOUT: "#DA7194", INVOLVES: "#ECB5C9",
}
RISK_LABELS = ("Agency", "Tender", "Item", "Supplier")
_DATATYPE = {"string": "string", "long": "bigint", "double": "number", "boolean": "boolean",
             "date": "date", "timestamp": "DateTime", "array<string>": "array"}
_PARAM_TYPE = {"string": "String", "int": "Integer", "float": "Float", "bool": "Boolean"}
FINDING_PROPS = (("id", "string"), ("detector", "string"), ("detector_version", "string"),
                 ("subject_kind", "string"), ("subject_id", "string"), ("score", "number"), ("title", "string"),
                 ("summary", "string"), ("measures_json", "string"), ("details_json", "string"),
                 ("node_ids", "array"), ("run_id", "string"), ("created_at", "DateTime"))
RISK_PROPS = (("risk_score", "number"), ("risk_reasons", "string"), ("risk_n_findings", "bigint"),
              ("risk_updated_at", "DateTime"))


def _label_props(label: str) -> list[tuple[str, str]]:
    if label == FINDING_LABEL:
        return list(FINDING_PROPS)
    spec = next(t for t in NODE_TABLES if t.name == label)
    props = [(c.name, _DATATYPE[c.type]) for c in spec.columns]
    if label in RISK_LABELS:
        props += list(RISK_PROPS)
    return props


def _style_rules(label: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    if label in RISK_LABELS:
        rules.append({
            "id": f"{label.lower()}-risk-color", "type": "range", "basedOn": "risk_score", "dataType": "number",
            "minValue": 0, "maxValue": 1, "condition": None, "value": None,
            "applyColor": True, "colors": ["#FFF5F0", "#CB181D"], "applySize": True, "sizes": [1, 4],
            "applyCaption": False, "captions": [], "existingField": True, "isGdsData": False,
        })
    if label == "Supplier":
        rules.append({
            "id": "supplier-registry-status", "type": "single", "basedOn": "registry_status", "dataType": "string",
            "condition": "notEqual", "value": "ATIVA", "applyColor": True, "color": "#424242",
            "applySize": False, "existingField": True, "isGdsData": False,
        })
    if label == FINDING_LABEL:
        rules.append({
            "id": "finding-score", "type": "range", "basedOn": "score", "dataType": "number",
            "minValue": 0, "maxValue": 1, "condition": None, "value": None,
            "applyColor": True, "colors": ["#FCE4EC", "#880E4F"], "applySize": True, "sizes": [1, 3],
            "existingField": True, "isGdsData": False,
        })
    return rules


def _phrase_meta(text: str) -> tuple[str, dict[str, tuple[str, str]]]:
    phrase = ""
    suggest: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("// @phrase"):
            phrase = s[len("// @phrase"):].strip()
        m = re.match(r"//\s*@suggest\s+(\w+)\s+(\w+)\.(\w+)", s)
        if m:
            suggest[m.group(1)] = (m.group(2), m.group(3))
    return phrase, suggest


def phrase_files(root: Path = CYPHER_ROOT) -> list[str]:
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in (root / "bloom").glob("show_*.cypher"))


def templates(root: Path = CYPHER_ROOT) -> list[dict[str, Any]]:
    out = []
    for n, name in enumerate(phrase_files(root)):
        q = get_query(name, root)
        phrase, suggest = _phrase_meta(q.text)
        if not phrase:
            raise ValueError(f"{name}: no `// @phrase` line")
        body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("//")).strip()
        params = []
        for p in q.params:
            if f"${p.name}" not in phrase:
                raise ValueError(f"{name}: parameter ${p.name} is not in the phrase {phrase!r}")
            label, prop = suggest.get(p.name, (None, None))
            params.append({
                "name": f"${p.name}", "dataType": _PARAM_TYPE.get(p.type, "String"),
                "suggestionLabel": label, "suggestionProp": prop, "suggestionBoolean": False,
                "cypher": None, "collapsed": False,
            })
        out.append({
            "id": f"tmpl:{name}", "name": phrase, "text": phrase, "cypher": body, "description": q.purpose,
            "params": params, "isUpdateQuery": False, "hasCypherErrors": False,
            "createdAt": CREATED_AT + n, "lastEditedAt": CREATED_AT + n,
        })
    return out


def build_perspective(root: Path = CYPHER_ROOT) -> dict[str, Any]:
    labels = [t.name for t in NODE_TABLES] + [FINDING_LABEL]
    categories = []
    for n, label in enumerate(labels, start=1):
        name, color, caption, size, icon = CATEGORIES[label]
        props = _label_props(label)
        categories.append({
            "id": n, "name": name, "labels": [label], "color": color, "icon": icon, "size": size,
            "textSize": 1, "textAlign": "top",
            "properties": [{"name": k, "exclude": False, "dataType": t, "isCaption": k == caption}
                           for k, t in props],
            "captionKeys": [caption],
            "captions": [{"key": caption, "type": "property", "isCaption": True, "inTooltip": True,
                          "styles": [], "isGdsData": False}],
            "styleRules": _style_rules(label),
            "createdAt": CREATED_AT, "lastEditedAt": CREATED_AT,
        })
    rel_names = [t.name for t in REL_TABLES] + [ABOUT, INVOLVES]
    rel_props = {t.name: [(c.name, _DATATYPE[c.type]) for c in t.columns
                          if c.name not in ("src", "dst", "src_label", "dst_label")] for t in REL_TABLES}
    relationship_types = [{
        "id": r, "name": r, "color": REL_CAPTIONS[r], "size": 2 if r in ("AWARDED", "SANCTIONED") else 1,
        "textSize": 1, "textAlign": "top",
        "properties": [{"propertyKey": k, "type": r, "dataType": t} for k, t in rel_props.get(r, [])],
        "captionKeys": ["0_REL_TYPE_CAPTION_KEY"], "styleRules": [],
    } for r in rel_names]
    path_segments = [{"source": s, "relationshipType": t.name, "target": d}
                     for t in REL_TABLES for s in t.src_labels for d in t.dst_labels]
    path_segments += [{"source": FINDING_LABEL, "relationshipType": ABOUT, "target": lab} for lab in RISK_LABELS]
    return {
        "name": "licitagraph — investigação de licitações",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "licitagraph/bloom/perspective")),
        "type": "STANDARD_PERSPECTIVE",
        "version": BLOOM_VERSION,
        "createdAt": CREATED_AT, "lastEditedAt": CREATED_AT,
        "categories": categories,
        "labels": {lab: [{"propertyKey": k, "type": lab, "dataType": t} for k, t in _label_props(lab)]
                   for lab in labels},
        "relationshipTypes": relationship_types,
        "palette": {"colors": ["#FFE081", "#C990C0", "#F79767", "#57C7E3", "#F16667", "#D9C8AE", "#8DCC93",
                               "#ECB5C9", "#4C8EDA", "#FFC454", "#DA7194", "#569480", "#848484", "#D9D9D9"],
                    "currentIndex": len(categories) % 14},
        "templates": templates(root),
        "sceneActions": [],
        "hiddenRelationshipTypes": [],
        "hiddenCategories": [],
        "hideUncategorisedData": False,
        "parentPerspectiveId": None,
        "metadata": {
            "pathSegments": path_segments,
            "indexes": [{"label": lab, "type": "native", "propertyKeys": ["id"]} for lab in labels],
        },
    }


def render(root: Path = CYPHER_ROOT) -> str:
    return json.dumps(build_perspective(root), ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    PERSPECTIVE_PATH.write_text(render(), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main()
