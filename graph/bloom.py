"""The Bloom perspective (cypher/bloom/perspective.json), generated from the graph model and the
search-phrase files `cypher/bloom/show_*.cypher`, so it never drifts from the schema.

`licitagraph graph bloom` (or `python -m graph.bloom`) rewrites the JSON; a test checks that the
committed file equals this output and that `structure_problems` finds nothing in it.

The structure is that of a real Bloom 2.x perspective export (docs/bloom.md, References): categories
with `properties` ({name, exclude, dataType}), `captionKeys` and `captions`, and `styleRules`
(`basedOn` is `<property>_<dataType>`); `labels`; `relationshipTypes` with `captionKeys` and
`captions`; `palette`; `templates` (the search phrases, each with `params`); `sceneActions`;
`hiddenRelationshipTypes`, `hiddenCategories`, `hideUncategorisedData`, `isAuto`,
`parentPerspectiveId`; `metadata` with `pathSegments`, `indexes` (`propertyKeys` as
{key, metadataProp}) and `stats`; `version`. Category names, captions chosen for people to read and
search phrases are in Brazilian Portuguese; labels, relationship types and property names stay as they
are in the graph.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from core.tables import FINDINGS, NODE_TABLES, REL_TABLES
from graph.runner import CYPHER_ROOT, get_query
from graph.schema import (
    ABOUT,
    FINDING_LABEL,
    INVOLVES,
    NODE_LABELS,
    RANGE_INDEXES,
    REL_TYPES,
    SUBJECT_LABEL_BY_KIND,
)

PERSPECTIVE_PATH = CYPHER_ROOT / "bloom" / "perspective.json"
# The newest Bloom export format read in full (docs/bloom.md, References); Bloom migrates older
# perspective versions when it imports them, never the other way round.
BLOOM_VERSION = "2.6.0"
CREATED_AT = 1764115200000  # fixed so the file is reproducible

# label -> (category name, colour, caption property, size)
CATEGORIES: dict[str, tuple[str, str, str, int]] = {
    "Agency": ("Órgão", "#4C8EDA", "name", 3),
    "Unit": ("Unidade gestora", "#57C7E3", "name", 2),
    "Tender": ("Licitação", "#FFC454", "object", 2),
    "Item": ("Item", "#D9C8AE", "description", 1),
    "Supplier": ("Fornecedor", "#8DCC93", "name", 2),
    "Person": ("Sócio (pessoa)", "#C990C0", "name", 2),
    "Address": ("Endereço", "#ECB5C9", "street", 1),
    "Phone": ("Telefone", "#F79767", "number", 1),
    "Email": ("E-mail", "#F79767", "email", 1),
    "Sanction": ("Sanção", "#F16667", "category", 2),
    FINDING_LABEL: ("Achado", "#DA7194", "title", 2),
}
REL_COLORS: dict[str, str] = {
    "PART_OF": "#A5ABB6", "PUBLISHED": "#4C8EDA", "MANAGED_BY": "#57C7E3", "HAS_ITEM": "#D9C8AE",
    "BID": "#A5ABB6", "AWARDED": "#2E7D32", "PARTNER_OF": "#C990C0", "LOCATED_AT": "#ECB5C9",
    "HAS_PHONE": "#F79767", "HAS_EMAIL": "#F79767", "SANCTIONED": "#C62828", "BRANCH_OF": "#8DCC93",
    ABOUT: "#DA7194", INVOLVES: "#ECB5C9",
}
# Relationships a phrase builds on the fly (apoc.create.vRelationship): styled, never stored.
VIRTUAL_RELS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "PERDEU_PARA": ("#F16667", (("vezes", "bigint"),)),
}
RISK_LABELS: tuple[str, ...] = tuple(SUBJECT_LABEL_BY_KIND.values())
NOT_ACTIVE = ("SUSPENSA", "INAPTA", "BAIXADA", "NULA")  # Supplier.registry_status values drawn dark grey
PALETTE = ["#FFE081", "#C990C0", "#F79767", "#57C7E3", "#F16667", "#D9C8AE", "#8DCC93", "#ECB5C9",
           "#4C8EDA", "#FFC454", "#DA7194", "#569480", "#848484", "#D9D9D9"]

# Bloom's names for property types (what its exports write in `dataType`).
_DATATYPE = {"string": "string", "long": "bigint", "double": "number", "boolean": "boolean",
             "date": "Date", "timestamp": "DateTime", "array<string>": "array"}
BLOOM_DATATYPES = frozenset(_DATATYPE.values()) | {"LocalDateTime", "Time", "LocalTime", "Duration", "Point"}
PARAM_DATATYPES = frozenset({"String", "Integer", "Float", "Boolean"})
_PARAM_TYPE = {"string": "String", "int": "Integer", "float": "Float", "bool": "Boolean"}
# graph/findings.py writes these on Finding nodes (graph/verdicts.py the lifecycle's) and on the subjects of a
# risk score.
FINDING_PROPS: tuple[tuple[str, str], ...] = (
    *((c.name, _DATATYPE[c.type]) for c in FINDINGS.columns), ("loaded_at", "DateTime"),
    ("status", "string"), ("status_changed_at", "DateTime"), ("superseded_at", "DateTime"),
    ("superseded_run_id", "string"), ("verdict", "string"), ("verdict_at", "DateTime"), ("verdict_score", "number"),
    ("event_seq", "bigint"))
RISK_PROPS: tuple[tuple[str, str], ...] = (
    ("risk_score", "number"), ("risk_reasons", "string"), ("risk_n_findings", "bigint"),
    ("risk_run_id", "string"), ("risk_updated_at", "DateTime"))
_REL_END_COLUMNS = ("src", "dst", "src_label", "dst_label")


def label_props(label: str) -> list[tuple[str, str]]:
    """(property, Bloom dataType) of every property the pipeline writes on nodes of `label`."""
    if label == FINDING_LABEL:
        return list(FINDING_PROPS)
    spec = next(t for t in NODE_TABLES if t.name == label)
    props = [(c.name, _DATATYPE[c.type]) for c in spec.columns]
    if label in RISK_LABELS:
        props += list(RISK_PROPS)
    return props


def rel_props(rel_type: str) -> list[tuple[str, str]]:
    """(property, Bloom dataType) of every property the loader writes on relationships of `rel_type`."""
    if rel_type in VIRTUAL_RELS:
        return list(VIRTUAL_RELS[rel_type][1])
    spec = next((t for t in REL_TABLES if t.name == rel_type), None)
    if spec is None:
        return []
    return [(c.name, _DATATYPE[c.type]) for c in spec.columns if c.name not in _REL_END_COLUMNS]


def _style_rule(rule_id: str, based_on: str, data_type: str, **over: Any) -> dict[str, Any]:
    """A style rule with every field a Bloom 2.x export writes; `over` sets the ones that matter."""
    rule: dict[str, Any] = {
        "id": f"rule:{rule_id}", "type": "single", "size": 1, "minSize": 1, "maxSize": 2,
        "minColor": "#D5EEE2", "midColor": "#81CCA8", "maxColor": "#428C6A",
        "minPoint": "unprocessed", "maxPoint": "unprocessed",
        "applyColor": True, "applySize": False, "applyCaption": False, "captionKeys": [],
        "color": "#FFE081", "isTimeZoneConvertEnabled": False, "selectedTimeZone": "Z",
        "basedOn": f"{based_on}_{data_type}", "valuesMapper": [], "existingValues": [],
        "conditionValue": None, "rangeValue": None, "condition": None,
    }
    rule.update(over)
    return rule


def _style_rules(label: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    if label in RISK_LABELS:
        # light to red and small to large over the risk scores of the scene
        rules.append(_style_rule(f"{label.lower()}-risk", "risk_score", "number", type="range",
                                 minColor="#FFF5F0", midColor="#FB6A4A", maxColor="#CB181D",
                                 minSize=1, maxSize=4, applySize=True))
    if label == "Supplier":
        rules += [_style_rule(f"supplier-{v.lower()}", "registry_status", "string", condition="equals",
                              conditionValue=v, color="#424242") for v in NOT_ACTIVE]
    if label == FINDING_LABEL:
        rules.append(_style_rule("finding-score", "score", "number", type="range", minColor="#FCE4EC",
                                 midColor="#F06292", maxColor="#880E4F", minSize=1, maxSize=3, applySize=True))
    return rules


def _phrase_meta(text: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"phrase": "", "description": "", "suggest": {}, "options": {}}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("// @phrase"):
            meta["phrase"] = s[len("// @phrase"):].strip()
        elif s.startswith("// @description"):
            meta["description"] = s[len("// @description"):].strip()
        elif m := re.match(r"//\s*@suggest\s+(\w+)\s+(\w+)\.(\w+)\s*$", s):
            meta["suggest"][m.group(1)] = (m.group(2), m.group(3))
        elif m := re.match(r"//\s*@options\s+(\w+)\s+(.+)$", s):
            meta["options"][m.group(1)] = m.group(2).strip()
    return meta


def phrase_files(root: Path = CYPHER_ROOT) -> list[str]:
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in (root / "bloom").glob("show_*.cypher"))


def templates(root: Path = CYPHER_ROOT) -> list[dict[str, Any]]:
    """The search phrases, as Bloom exports them (`templates`)."""
    out = []
    for n, name in enumerate(phrase_files(root)):
        q = get_query(name, root)
        meta = _phrase_meta(q.text)
        phrase = meta["phrase"]
        if not phrase or not meta["description"]:
            raise ValueError(f"{name}: needs `// @phrase` and `// @description` lines")
        body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("//")).strip()
        params = []
        for p in q.params:
            if f"${p.name}" not in phrase:
                raise ValueError(f"{name}: parameter ${p.name} is not in the phrase {phrase!r}")
            label, prop = meta["suggest"].get(p.name, (None, None))
            params.append({
                "name": f"${p.name}", "dataType": _PARAM_TYPE.get(p.type, "String"), "collapsed": False,
                "suggestionLabel": label, "suggestionProp": prop, "suggestionBoolean": False,
                "cypher": meta["options"].get(p.name),
            })
        out.append({
            "name": meta["description"], "id": f"tmpl:{name}", "createdAt": CREATED_AT + n, "text": phrase,
            "cypher": body, "isUpdateQuery": None, "params": params, "hasCypherErrors": False,
        })
    return out


def _caption(key: str, kind: str) -> dict[str, Any]:
    cap: dict[str, Any] = {"key": key, "type": kind, "isCaption": True, "inTooltip": True, "styles": []}
    if kind == "property":
        cap["isGdsData"] = False
    return cap


def build_perspective(root: Path = CYPHER_ROOT) -> dict[str, Any]:
    labels = [*NODE_LABELS, FINDING_LABEL]
    categories = []
    for n, label in enumerate(labels, start=1):
        name, color, caption, size = CATEGORIES[label]
        categories.append({
            "id": n, "name": name, "labels": [label],
            "properties": [{"name": k, "exclude": False, "dataType": t} for k, t in label_props(label)],
            "createdAt": CREATED_AT, "lastEditedAt": CREATED_AT,
            "color": color, "size": size, "icon": "no-icon", "textSize": 1, "textAlign": "top",
            "captionKeys": [caption], "captions": [_caption(caption, "property")],
            "styleRules": _style_rules(label),
        })
    rel_names = [*REL_TYPES, ABOUT, INVOLVES, *VIRTUAL_RELS]
    relationship_types = []
    for r in rel_names:
        props = rel_props(r)
        captions = [_caption(r, "relationship")]
        if r in VIRTUAL_RELS:  # PERDEU_PARA shows how many items (`vezes`) beside the type
            captions += [_caption(k, "property") for k, _ in props]
        relationship_types.append({
            "id": r, "name": r,
            "properties": [{"propertyKey": k, "type": r, "dataType": t} for k, t in props],
            "color": REL_COLORS.get(r) or VIRTUAL_RELS[r][0],
            "size": 2 if r in ("AWARDED", "SANCTIONED", *VIRTUAL_RELS) else 1,
            "textSize": 1, "textAlign": "top",
            "captionKeys": ["0_REL_TYPE_CAPTION_KEY"], "captions": captions, "styleRules": [],
        })
    path_segments = [{"source": s, "relationshipType": t.name, "target": d}
                     for t in REL_TABLES for s in t.src_labels for d in t.dst_labels]
    path_segments += [{"source": FINDING_LABEL, "relationshipType": rel, "target": lab}
                      for rel in (ABOUT, INVOLVES) for lab in (RISK_LABELS if rel == ABOUT else NODE_LABELS)]
    indexed: dict[str, list[str]] = {lab: ["id"] for lab in labels}
    for lab, prop in RANGE_INDEXES:
        indexed[lab].append(prop)
    return {
        "name": "licitagraph — investigação de licitações",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "licitagraph/bloom/perspective")),
        "categories": categories,
        "labels": {lab: [{"propertyKey": k, "type": lab, "dataType": t} for k, t in label_props(lab)]
                   for lab in labels},
        "relationshipTypes": relationship_types,
        "palette": {"colors": PALETTE, "currentIndex": len(categories) % len(PALETTE)},
        "createdAt": CREATED_AT, "lastEditedAt": CREATED_AT,
        "templates": templates(root),
        "sceneActions": [],
        "hiddenRelationshipTypes": [],
        "hiddenCategories": [],
        # loader bookkeeping (LoadCheckpoint, DataVersion) and API keys have no category: keep them out
        "hideUncategorisedData": True,
        "isAuto": False,
        "parentPerspectiveId": None,
        "metadata": {
            "pathSegments": path_segments,
            "indexes": [{"label": lab, "type": "native",
                         "propertyKeys": [{"key": k, "metadataProp": False} for k in keys]}
                        for lab, keys in indexed.items()],
            "stats": {"labels": {}, "relationshipTypes": {}},
        },
        "version": BLOOM_VERSION,
    }


def render(root: Path = CYPHER_ROOT) -> str:
    return json.dumps(build_perspective(root), ensure_ascii=False, indent=2) + "\n"


# --- structural check: what a Bloom 2.x export holds, key by key -------------------------------------

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_NUM = (int, float)


def _kind(v: Any) -> str:
    return "null" if v is None else type(v).__name__


def _need(obj: Any, where: str, spec: dict[str, Any], out: list[str]) -> bool:
    """Append a problem for each key of `spec` missing from `obj` or of the wrong type. A spec value is a
    type, a tuple of types, or None inside a tuple for 'null allowed'. True when nothing was wrong."""
    if not isinstance(obj, dict):
        out.append(f"{where}: expected an object, got {_kind(obj)}")
        return False
    before = len(out)
    for key, types in spec.items():
        if key not in obj:
            out.append(f"{where}: missing `{key}`")
            continue
        allowed = types if isinstance(types, tuple) else (types,)
        value = obj[key]
        ok = any((t is None and value is None) or (t is not None and isinstance(value, t)
                                                    and not (t in (int, float) and isinstance(value, bool)))
                 for t in allowed)
        if not ok:
            names = "/".join("null" if t is None else t.__name__ for t in allowed)
            out.append(f"{where}.{key}: expected {names}, got {_kind(value)}")
    return len(out) == before


def _list_of(obj: Any, key: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def _captions(obj: dict[str, Any], where: str, kinds: set[str], out: list[str]) -> None:
    if not isinstance(obj.get("captionKeys"), list) or not all(isinstance(k, str) for k in obj["captionKeys"]):
        out.append(f"{where}.captionKeys: expected a list of strings")
    caps = obj.get("captions")
    if not isinstance(caps, list) or not caps:
        out.append(f"{where}: missing `captions` (a non-empty list)")
        return
    for i, c in enumerate(caps):
        w = f"{where}.captions[{i}]"
        spec = {"key": str, "type": str, "isCaption": bool, "inTooltip": bool, "styles": list}
        if _need(c, w, spec, out) and c["type"] not in kinds:
            out.append(f"{w}.type: {c['type']!r} is not one of {sorted(kinds)}")
    if not any(isinstance(c, dict) and c.get("isCaption") for c in caps):
        out.append(f"{where}: no caption has isCaption true")


def _property_list(props: Any, where: str, owner: str, out: list[str]) -> set[str]:
    keys: set[str] = set()
    if not isinstance(props, list):
        out.append(f"{where}: expected a list")
        return keys
    for i, p in enumerate(props):
        w = f"{where}[{i}]"
        if _need(p, w, {"propertyKey": str, "type": str, "dataType": str}, out):
            keys.add(p["propertyKey"])
            if p["type"] != owner:
                out.append(f"{w}.type: {p['type']!r} should be {owner!r}")
            if p["dataType"] not in BLOOM_DATATYPES:
                out.append(f"{w}.dataType: unknown {p['dataType']!r}")
    return keys


def _style_rule_problems(rule: Any, where: str, props: dict[str, str], out: list[str]) -> None:
    if not _need(rule, where, {"id": str, "type": str, "basedOn": str, "applyColor": bool, "applySize": bool,
                               "applyCaption": bool, "captionKeys": list, "color": str, "size": _NUM,
                               "minSize": _NUM, "maxSize": _NUM, "minColor": str, "midColor": str,
                               "maxColor": str, "valuesMapper": list, "existingValues": list}, out):
        return
    if rule["type"] not in ("single", "range"):
        out.append(f"{where}.type: {rule['type']!r} is not single or range")
    if rule["type"] == "single" and not (rule.get("condition") and "conditionValue" in rule):
        out.append(f"{where}: a single rule needs `condition` and `conditionValue`")
    if rule["type"] == "range" and not ("minPoint" in rule and "maxPoint" in rule):
        out.append(f"{where}: a range rule needs `minPoint` and `maxPoint`")
    if f"{rule['basedOn'].rsplit('_', 1)[0]}_{props.get(rule['basedOn'].rsplit('_', 1)[0])}" != rule["basedOn"]:
        out.append(f"{where}.basedOn: {rule['basedOn']!r} is not `<property>_<dataType>` of a category property")
    for key in ("color", "minColor", "midColor", "maxColor"):
        if not _HEX.match(rule[key]):
            out.append(f"{where}.{key}: {rule[key]!r} is not a #RRGGBB colour")


def structure_problems(p: Any) -> list[str]:
    """Every way `p` (a parsed perspective) differs from the structure of a Bloom 2.x export; [] if none.
    Checks keys and types at every level and the references between parts (category labels, phrase
    suggestions and path segments must name labels, properties and relationship types it declares)."""
    out: list[str] = []
    top: dict[str, Any] = {
        "name": str, "id": str, "categories": list, "labels": dict, "relationshipTypes": list,
        "palette": dict, "createdAt": int, "lastEditedAt": int, "templates": list, "sceneActions": list,
        "hiddenRelationshipTypes": list, "hiddenCategories": list, "hideUncategorisedData": bool,
        "isAuto": bool, "parentPerspectiveId": (str, None), "metadata": dict, "version": str,
    }
    if not _need(p, "perspective", top, out) and not isinstance(p, dict):
        return out
    # the parts present and well typed are checked further; one missing or of another type counts as empty
    given = p
    p = {}
    for k, t in top.items():
        v = given.get(k)
        p[k] = v if isinstance(t, type) and isinstance(v, t) else (t() if isinstance(t, type) else v)
    if p["version"] and not re.match(r"^2\.\d+\.\d+$", p["version"]):
        out.append(f"perspective.version: {p['version']!r} is not a Bloom 2.x version")
    if _need(p["palette"], "palette", {"colors": list, "currentIndex": int}, out):
        out += [f"palette.colors: {c!r} is not a #RRGGBB colour"
                for c in p["palette"]["colors"] if not (isinstance(c, str) and _HEX.match(c))]

    label_keys: dict[str, set[str]] = {}
    for lab, declared in p["labels"].items():
        label_keys[lab] = _property_list(declared, f"labels.{lab}", lab, out)

    cat_ids: set[Any] = set()
    for i, c in enumerate(p["categories"]):
        w = f"categories[{i}]"
        if not _need(c, w, {"id": int, "name": str, "labels": list, "properties": list, "color": str,
                            "size": _NUM, "icon": str, "styleRules": list, "createdAt": int,
                            "lastEditedAt": int}, out):
            continue
        w = f"categories[{i}] ({c['name']})"
        if c["id"] in cat_ids:
            out.append(f"{w}.id: {c['id']} is used twice")
        cat_ids.add(c["id"])
        if not c["labels"] or not all(isinstance(x, str) for x in c["labels"]):
            out.append(f"{w}.labels: expected a non-empty list of label names")
        out += [f"{w}.labels: {x!r} is not in `labels`" for x in c["labels"] if x not in label_keys]
        if not _HEX.match(c["color"]):
            out.append(f"{w}.color: {c['color']!r} is not a #RRGGBB colour")
        props: dict[str, str] = {}
        for j, prop in enumerate(c["properties"]):
            if _need(prop, f"{w}.properties[{j}]", {"name": str, "exclude": bool, "dataType": str}, out):
                props[prop["name"]] = prop["dataType"]
                if prop["dataType"] not in BLOOM_DATATYPES:
                    out.append(f"{w}.properties[{j}].dataType: unknown {prop['dataType']!r}")
        _captions(c, w, {"property", "label", "categoryName"}, out)
        for cap in _list_of(c, "captions"):
            if isinstance(cap, dict) and cap.get("type") == "property" and cap.get("key") not in props:
                out.append(f"{w}: caption {cap.get('key')!r} is not one of its properties")
        for j, rule in enumerate(c["styleRules"]):
            _style_rule_problems(rule, f"{w}.styleRules[{j}]", props, out)
    out += [f"hiddenCategories: {h!r} is not a category id" for h in p["hiddenCategories"] if h not in cat_ids]

    rel_keys: dict[str, set[str]] = {}
    for i, r in enumerate(p["relationshipTypes"]):
        w = f"relationshipTypes[{i}]"
        if not _need(r, w, {"id": str, "name": str, "properties": list, "color": str, "size": _NUM}, out):
            continue
        w = f"relationshipTypes[{i}] ({r['name']})"
        if r["id"] != r["name"]:
            out.append(f"{w}: id {r['id']!r} differs from name")
        if not _HEX.match(r["color"]):
            out.append(f"{w}.color: {r['color']!r} is not a #RRGGBB colour")
        rel_keys[r["name"]] = _property_list(r["properties"], f"{w}.properties", r["name"], out)
        _captions(r, w, {"relationship", "property"}, out)
        for cap in _list_of(r, "captions"):
            if isinstance(cap, dict) and cap.get("type") == "property" and cap.get("key") not in rel_keys[r["name"]]:
                out.append(f"{w}: caption {cap.get('key')!r} is not one of its properties")
    out += [f"hiddenRelationshipTypes: {h!r} is not a relationship type"
            for h in p["hiddenRelationshipTypes"] if h not in rel_keys]

    for i, t in enumerate(p["templates"]):
        w = f"templates[{i}]"
        if not _need(t, w, {"id": str, "name": str, "text": str, "cypher": str, "createdAt": int,
                            "isUpdateQuery": (bool, None), "params": list, "hasCypherErrors": bool}, out):
            continue
        w = f"templates[{i}] ({t['text']})"
        if not t["id"].startswith("tmpl:"):
            out.append(f"{w}.id: {t['id']!r} does not start with `tmpl:`")
        if not t["cypher"].strip():
            out.append(f"{w}.cypher: empty")
        names = set()
        for j, prm in enumerate(t["params"]):
            pw = f"{w}.params[{j}]"
            if not _need(prm, pw, {"name": str, "dataType": str, "collapsed": bool,
                                   "suggestionLabel": (str, None), "suggestionProp": (str, None),
                                   "suggestionBoolean": bool, "cypher": (str, None)}, out):
                continue
            names.add(prm["name"])
            if not re.match(r"^\$\w+$", prm["name"]):
                out.append(f"{pw}.name: {prm['name']!r} is not `$name`")
            if prm["dataType"] not in PARAM_DATATYPES:
                out.append(f"{pw}.dataType: {prm['dataType']!r} is not one of {sorted(PARAM_DATATYPES)}")
            lab, key = prm["suggestionLabel"], prm["suggestionProp"]
            if (lab is None) != (key is None):
                out.append(f"{pw}: suggestionLabel and suggestionProp go together")
            elif lab is not None and key not in label_keys.get(lab, set()):
                out.append(f"{pw}: suggestion {lab}.{key} is not a property in `labels`")
        in_text = {f"${x}" for x in re.findall(r"\$(\w+)", t["text"])}
        if in_text != names:
            out.append(f"{w}: parameters in the phrase {sorted(in_text)} differ from params {sorted(names)}")
        if {f"${x}" for x in re.findall(r"\$(\w+)", t["cypher"])} != names:
            out.append(f"{w}: the Cypher's parameters differ from params {sorted(names)}")

    for i, a in enumerate(p["sceneActions"]):
        _need(a, f"sceneActions[{i}]", {"id": str, "name": str, "cypher": str}, out)

    meta = p["metadata"]
    if _need(meta, "metadata", {"pathSegments": list, "indexes": list, "stats": dict}, out):
        for i, s in enumerate(meta["pathSegments"]):
            w = f"metadata.pathSegments[{i}]"
            if _need(s, w, {"source": str, "relationshipType": str, "target": str}, out):
                out += [f"{w}: {s[k]!r} is not in `labels`" for k in ("source", "target") if s[k] not in label_keys]
                if s["relationshipType"] not in rel_keys:
                    out.append(f"{w}: {s['relationshipType']!r} is not in `relationshipTypes`")
        for i, ix in enumerate(meta["indexes"]):
            w = f"metadata.indexes[{i}]"
            if not _need(ix, w, {"label": (str, None), "type": str, "propertyKeys": list}, out):
                continue
            for j, k in enumerate(ix["propertyKeys"]):
                kw = f"{w}.propertyKeys[{j}]"
                if (_need(k, kw, {"key": str, "metadataProp": bool}, out) and ix["label"] is not None
                        and k["key"] not in label_keys.get(ix["label"], set())):
                    out.append(f"{kw}: {ix['label']}.{k['key']} is not in `labels`")
        _need(meta["stats"], "metadata.stats", {"labels": dict, "relationshipTypes": dict}, out)
    return out


# --- the phrases against the graph schema -------------------------------------------------------------

_NODE_VAR = re.compile(r"\(\s*(\w*)\s*:\s*`?([A-Za-z]\w*)`?")
_LABEL_TEST = re.compile(r"\b(\w+)\s*:\s*([A-Z][a-z]\w*)\b")
_REL_PATTERN = re.compile(r"\[\s*(\w*)\s*:\s*([A-Z_|`]+)")
_REL_FILTER = re.compile(r"relationshipFilter\s*:\s*'([^']*)'")
_VREL = re.compile(r"vRelationship\s*\([^,]+,\s*'(\w+)'")
_PROP_ACCESS = re.compile(r"\b([a-z]\w*)\.([a-z]\w*)\b(?!\s*\()")
_MAP_KEYS = re.compile(r"\(\s*(\w*)\s*:\s*(\w+)\s*\{([^}]*)\}")


def cypher_schema_problems(cypher: str) -> list[str]:
    """Labels, relationship types and properties a phrase's Cypher names that the graph model does not
    have (graph/schema.py, core/tables.py, the findings and risk properties of graph/findings.py)."""
    known_labels = {*NODE_LABELS, FINDING_LABEL}
    known_rels = {*REL_TYPES, ABOUT, INVOLVES}
    node_props = {lab: {k for k, _ in label_props(lab)} for lab in known_labels}
    rel_prop_names = {r: {k for k, _ in rel_props(r)} for r in known_rels}
    any_prop = set().union(*node_props.values(), *rel_prop_names.values())
    out: list[str] = []
    bound: dict[str, set[str]] = {}  # variable -> props of what it is bound to

    for var, lab in _NODE_VAR.findall(cypher):
        if lab not in known_labels:
            out.append(f"unknown label {lab!r}")
        elif var:
            bound[var] = node_props[lab]
    for _var, lab in _LABEL_TEST.findall(cypher):
        if lab not in known_labels:
            out.append(f"unknown label {lab!r}")
    rel_types: list[tuple[str, list[str]]] = [
        (var, [t.strip("`") for t in types.split("|") if t]) for var, types in _REL_PATTERN.findall(cypher)]
    rel_types += [("", [t.strip("<>") for t in f.split("|") if t]) for f in _REL_FILTER.findall(cypher)]
    for var, types in rel_types:
        for t in types:
            if t not in known_rels:
                out.append(f"unknown relationship type {t!r}")
        if var and len(types) == 1 and types[0] in known_rels:
            bound[var] = rel_prop_names[types[0]]
    out += [f"unknown relationship type {t!r}" for t in _VREL.findall(cypher) if t not in VIRTUAL_RELS]
    for var, prop in _PROP_ACCESS.findall(cypher):
        if var in ("apoc", "coll", "path", "create", "db", "gds"):
            continue
        if prop not in bound.get(var, any_prop):
            out.append(f"unknown property {var}.{prop}")
    for _var, lab, body in _MAP_KEYS.findall(cypher):
        for key in re.findall(r"(\w+)\s*:", body):
            if key not in node_props.get(lab, any_prop):
                out.append(f"unknown property {lab}.{key}")
    return sorted(set(out))


def main() -> None:
    PERSPECTIVE_PATH.write_text(render(), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main()
