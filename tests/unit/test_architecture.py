"""The house is one-way: every import between the project's packages points down the layers that
docs/architecture.md lists, nothing gets around that with importlib, no package cycle exists, and the API
never reaches Spark or torch.

The layers are read from the page itself (the block between `<!-- layers:start -->` and
`<!-- layers:end -->`), and so is its table of what each package imports, so the page shows the arrows as
they are: an import that changes them fails here until the page says so.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"
OUTSIDE = ("bench", "tests")  # not layered: they may import the packages, never the other way round
ENTRY_POINT = re.compile(r"^([a-z_]+)(?:\.[a-z_]+)+:[a-zA-Z_]+$")  # "pkg.module:attr", as Celery or uvicorn take


@dataclass(frozen=True)
class Use:
    source: str  # file, relative to the repository
    line: int
    target: str  # the imported package
    how: str  # "import", "entry point string", "importlib"


def _block(name: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert m, f"docs/architecture.md has no <!-- {name}:start --> ... <!-- {name}:end --> block"
    return [ln for ln in m.group(1).splitlines() if ln.strip() and not ln.startswith("```")]


def layers() -> dict[str, int]:
    """package -> layer index, 0 the lowest (the page lists the top layer first)."""
    rows = _block("layers")
    out: dict[str, int] = {}
    for i, row in enumerate(reversed(rows)):
        for pkg in row.split():
            out[pkg] = i
    return out


def project_packages() -> set[str]:
    return {p.name for p in REPO.iterdir() if (p / "__init__.py").is_file() and p.name not in OUTSIDE}


def _resolve(module: str | None, level: int, source: Path) -> str | None:
    if level == 0:
        return module
    parts = list(source.relative_to(REPO).with_suffix("").parts)[: -level]
    return ".".join([*parts, module] if module else parts)


def uses(root: str) -> list[Use]:
    """Every use of another top-level name from the .py files under `root`: imports at any depth (inside
    functions too), importlib / __import__ calls, and entry-point strings."""
    found: list[Use] = []
    for path in sorted((REPO / root).rglob("*.py")):
        rel = str(path.relative_to(REPO))
        tree = ast.parse(path.read_text(encoding="utf-8"), rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [Use(rel, node.lineno, a.name.split(".")[0], "import") for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node.module, node.level, path)
                if target:
                    found.append(Use(rel, node.lineno, target.split(".")[0], "import"))
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__", "spec_from_file_location"):
                    found.append(Use(rel, node.lineno, "?", "importlib"))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                m = ENTRY_POINT.match(node.value)
                if m:
                    found.append(Use(rel, node.lineno, m.group(1), "entry point string"))
    return found


def package_edges() -> dict[str, set[str]]:
    """package -> the other project packages it uses."""
    pkgs = project_packages()
    edges: dict[str, set[str]] = defaultdict(set)
    for pkg in pkgs:
        edges.setdefault(pkg, set())  # a package that imports nothing still gets its row
        for u in uses(pkg):
            if u.target in pkgs and u.target != pkg:
                edges[pkg].add(u.target)
    return edges


def test_the_page_lists_every_package_once() -> None:
    listed = layers()
    rows = _block("layers")
    assert sum(len(r.split()) for r in rows) == len(listed), "a package appears twice in the layers block"
    assert set(listed) == project_packages(), (
        f"docs/architecture.md's layers and the packages differ: only on the page {sorted(set(listed) - project_packages())}, "
        f"only in the tree {sorted(project_packages() - set(listed))}"
    )


def test_every_import_points_down_the_layers() -> None:
    layer = layers()
    pkgs = project_packages()
    wrong = [
        f"{u.source}:{u.line}: {u.source.split('/')[0]} (layer {layer[u.source.split('/')[0]]}) uses {u.target} "
        f"(layer {layer[u.target]}) by {u.how}"
        for pkg in pkgs
        for u in uses(pkg)
        if u.target in pkgs and u.target != pkg and layer[u.target] >= layer[pkg]
    ]
    assert not wrong, "imports against the layers of docs/architecture.md:\n" + "\n".join(wrong)


def test_no_package_gets_around_the_rule_with_importlib() -> None:
    dynamic = [f"{u.source}:{u.line}" for pkg in project_packages() for u in uses(pkg) if u.how == "importlib"]
    assert not dynamic, "importlib / __import__ in the project's packages (import by name instead):\n" + "\n".join(
        dynamic
    )


def test_no_cycle_between_packages_or_between_modules_of_a_package() -> None:
    import networkx as nx

    g = nx.DiGraph([(a, b) for a, bs in package_edges().items() for b in bs])
    assert not list(nx.simple_cycles(g)), f"package cycles: {list(nx.simple_cycles(g))}"

    mods: dict[str, Path] = {}
    for pkg in project_packages():
        for f in (REPO / pkg).rglob("*.py"):
            name = ".".join(f.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            mods[name] = f
    m = nx.DiGraph()
    for name, f in mods.items():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for t in targets:
                # a package's __init__ is no module of the cycle (importing a sibling goes through it)
                if t in mods and t != name and t.split(".")[0] == name.split(".")[0] and "." in t:
                    m.add_edge(name, t)
    assert not list(nx.simple_cycles(m)), f"module cycles: {list(nx.simple_cycles(m))}"


def test_bench_imports_no_test_code() -> None:
    wrong = [f"{u.source}:{u.line}" for u in uses("bench") if u.target == "tests"]
    assert not wrong, "bench/ imports from tests/ (move what both need into a package):\n" + "\n".join(wrong)


def test_the_page_shows_the_imports_as_they_are() -> None:
    edges = package_edges()
    layer = layers()
    want = [f"| `{p}` | {', '.join(f'`{t}`' for t in sorted(edges[p], key=lambda t: (-layer[t], t))) or '-'} |"
            for p in sorted(edges, key=lambda p: (-layer[p], p))]
    got = [r for r in _block("imports") if r.startswith("| `")]
    assert got == want, "docs/architecture.md's import table is out of date; it should read:\n" + "\n".join(want)


def test_the_api_reaches_neither_spark_nor_torch() -> None:
    """Importing the whole API (app factory and every route) loads no Spark, torch or pipeline step."""
    routes = sorted(p.stem for p in (REPO / "api" / "routes").glob("*.py") if p.stem != "__init__")
    code = (
        "import sys, api.main, api.cli\n"
        + "".join(f"import api.routes.{r}\n" for r in routes)
        + "heavy = ('pyspark', 'torch', 'torch_geometric', 'etl', 'gnn', 'detectors', 'evaluation', 'alerts')\n"
        + "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"the API imports {out.stdout.strip()}"


def test_the_checker_sees_function_level_imports_and_importlib(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker itself: an import inside a function and an importlib call are both found."""
    pkg = tmp_path / "a"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "b.py").write_text(
        "import importlib\n\ndef f():\n    from c.d import e\n    return importlib.import_module('c.x'), e\n"
        "TASK = 'c.tasks:run'\n"
    )
    monkeypatch.setitem(globals(), "REPO", tmp_path)
    got = {(u.target, u.how) for u in uses("a")}
    assert ("c", "import") in got and ("?", "importlib") in got and ("c", "entry point string") in got


def test_every_package_ships_and_is_type_checked() -> None:
    """A package added to the tree is copied into the image, installed by pip and checked by mypy."""
    import tomllib

    pkgs = project_packages()
    docker = set(re.findall(r"^COPY (\w+) \1$", (REPO / "Dockerfile").read_text(encoding="utf-8"), re.M))
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = {p.rstrip("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]}
    typed = set(config["tool"]["mypy"]["files"])
    assert pkgs <= docker, f"Dockerfile does not COPY {sorted(pkgs - docker)}"
    assert pkgs <= wheel, f"pyproject's packages.find does not include {sorted(pkgs - wheel)}"
    assert pkgs - {"cypher"} <= typed, f"mypy does not check {sorted(pkgs - {'cypher'} - typed)}"
