from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from synth import generate


@dataclass
class Loaded:
    out: Path
    counts: dict[str, int]
    records: list[dict[str, Any]] = field(default_factory=list)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # item id -> item (+ tender control)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # item id -> result
    bids: list[dict[str, str]] = field(default_factory=list)
    receita: dict[str, list[list[str]]] = field(default_factory=dict)
    ceis: list[dict[str, str]] = field(default_factory=list)
    cnep: list[dict[str, str]] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)


def read_zip_rows(path: Path) -> list[list[str]]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert len(names) == 1, names
        text = zf.read(names[0]).decode("iso-8859-1")
    return list(csv.reader(io.StringIO(text), delimiter=";", quotechar='"'))


def load(out: Path, counts: dict[str, int]) -> Loaded:
    data = Loaded(out, counts)
    for f in sorted((out / "pncp" / "contratacoes").glob("*.json")):
        data.records.extend(json.loads(f.read_text(encoding="utf-8"))["data"])
    for f in sorted((out / "pncp" / "itens").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            env = json.loads(line)
            control = f"{env['cnpj']}-1-{env['sequencial']:06d}/{env['ano']}"
            for it in env["response"]:
                data.items[f"item:{control}:{it['numeroItem']}"] = {**it, "_control": control}
    for f in sorted((out / "pncp" / "resultados").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            env = json.loads(line)
            control = f"{env['cnpj']}-1-{env['sequencial']:06d}/{env['ano']}"
            assert len(env["response"]) == 1
            data.results[f"item:{control}:{env['numeroItem']}"] = env["response"][0]
    for f in sorted((out / "bids" / "generic").glob("*.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            data.bids.extend(csv.DictReader(fh, delimiter=";", quotechar='"'))
    for f in sorted((out / "cnpj").glob("*.zip")):
        data.receita.setdefault("".join(ch for ch in f.stem if not ch.isdigit()), []).extend(read_zip_rows(f))
    for kind in ("ceis", "cnep"):
        for f in sorted((out / "sancoes" / kind).glob("*.csv")):
            with f.open(encoding="iso-8859-1", newline="") as fh:
                getattr(data, kind).extend(csv.DictReader(fh, delimiter=";", quotechar='"'))
    data.truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def synth_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    out = tmp_path_factory.mktemp("synth") / "world"
    counts = generate(out, seed=7, tenders=400)
    yield load(out, counts)
