"""User errors on the command line: one line on stderr naming the bad value, exit code 2, never a traceback.

Each case runs the real `licitagraph` app in this process (typer's CliRunner) and fails before any server,
Spark session or torch model is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.graph_db import cli


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    (tmp_path / "not_json.json").write_text("{detector: 1", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "unknown_code.json").write_text('{"nosuch": {}}', encoding="utf-8")
    (tmp_path / "unknown_option.json").write_text('{"overpricing": {"nosuch_option": 1}}', encoding="utf-8")
    (tmp_path / "folder").mkdir()
    return tmp_path


# (arguments, with {d} for the temporary folder; a fragment the one line must hold)
CASES = {
    "synth negative tenders": (["synth", "--out", "{d}/w", "--tenders", "-5"], "-5"),
    "synth zero tenders": (["synth", "--out", "{d}/w", "--tenders", "0"], "--tenders"),
    "synth negative seed": (["synth", "--out", "{d}/w", "--seed", "-1"], "--seed"),
    "serve port too high": (["serve", "--port", "99999"], "99999"),
    "serve port zero": (["serve", "--port", "0"], "--port"),
    "detect missing config": (["detect", "--tables", "{d}", "--config", "{d}/missing.json"], "missing.json"),
    "detect config folder": (["detect", "--tables", "{d}", "--config", "{d}/folder"], "folder"),
    "detect config not json": (["detect", "--tables", "{d}", "--config", "{d}/not_json.json"], "not_json.json"),
    "detect config not an object": (["detect", "--tables", "{d}", "--config", "{d}/list.json"], "list.json"),
    "detect config unknown code": (["detect", "--tables", "{d}", "--config", "{d}/unknown_code.json"], "nosuch"),
    "detect config unknown option": (
        ["detect", "--tables", "{d}", "--config", "{d}/unknown_option.json"], "nosuch_option"),
    "detect fixture config not json": (
        ["detect", "--fixture", "{d}/overpricing.jsonl", "--config", "{d}/not_json.json"], "not_json.json"),
    "evaluate input folder": (
        ["evaluate", "--format", "garcia", "--input", "{d}/folder", "--out", "{d}/o"], "folder"),
    "evaluate missing input": (
        ["evaluate", "--format", "garcia", "--input", "{d}/none.csv", "--out", "{d}/o"], "none.csv"),
    "etl missing sources": (["etl", "--sources", "{d}/none", "--out", "{d}/t"], "none"),
    "load missing tables": (["load", "--tables", "{d}/none"], "none"),
    "train missing tables": (["train", "--tables", "{d}/none"], "none"),
    "train missing ground truth": (["train", "--tables", "{d}", "--ground-truth", "{d}/gt.json"], "gt.json"),
    "import-files missing tables": (["graph", "import-files", "--tables", "{d}/none", "--out", "{d}/csv"], "none"),
}


@pytest.mark.parametrize("args,fragment", list(CASES.values()), ids=list(CASES))
def test_user_error_is_one_line_and_exit_2(files: Path, args: list[str], fragment: str) -> None:
    res = cli(*(a.replace("{d}", str(files)) for a in args))
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1, (res.returncode, res.stdout, res.stderr)
    assert fragment in lines[0]
    assert not (files / "csv").exists() and not (files / "w").exists()  # failed before doing anything
