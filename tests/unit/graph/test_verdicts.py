"""graph/verdicts.py without a server: the status rules, the alert rule, the note and CSV handling, and the
queries a verdict sends (a RecordingRunner)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.runner import RecordingRunner
from graph.verdicts import (
    DEFAULT_STATUSES,
    EXPORT_COLUMNS,
    UnknownFinding,
    VerdictError,
    alerts_again,
    check_note,
    mask_cpfs,
    parse_statuses,
    record_verdict,
    status_for,
    status_when_back,
    write_csv,
)


def test_each_verdict_sets_its_status_and_nothing_else_is_a_verdict() -> None:
    assert [status_for(v) for v in ("confirmed", "dismissed", "needs_info")] == [
        "confirmed", "dismissed", "under_review"]
    for bad in ("under_review", "new", "superseded", "CONFIRMED", ""):
        with pytest.raises(VerdictError):
            status_for(bad)


def test_a_returning_finding_gets_its_reviewed_status_or_new() -> None:
    assert status_when_back("dismissed") == "dismissed"
    assert status_when_back("confirmed") == "confirmed"
    assert status_when_back("under_review") == "under_review"
    assert status_when_back(None) == "new"
    assert status_when_back("superseded") == "new"


def test_status_filter_takes_repeats_and_comma_lists_and_defaults_to_all_but_superseded() -> None:
    assert parse_statuses(None) == DEFAULT_STATUSES == ("new", "under_review", "confirmed", "dismissed")
    assert parse_statuses([]) == DEFAULT_STATUSES
    assert parse_statuses(["dismissed,new", "superseded"]) == ("new", "dismissed", "superseded")
    assert parse_statuses([" confirmed , "]) == ("confirmed",)
    with pytest.raises(VerdictError, match="bogus"):
        parse_statuses(["new,bogus"])


def test_notes_are_bounded_and_cpfs_masked() -> None:
    assert check_note(None) == ""
    assert check_note("Sócio 123.456.789-01 e 98765432100") == "Sócio ***456789** e ***654321**"
    assert check_note("x" * 2000) == "x" * 2000
    with pytest.raises(VerdictError, match="2001"):
        check_note("x" * 2001)
    assert mask_cpfs("CNPJ 12345678000190") == "CNPJ 12345678000190"  # a longer number is not a CPF


@pytest.mark.parametrize("status,score,at_verdict,version,at_version,expected", [
    ("new", 0.3, None, "1", None, True),
    (None, 0.3, None, "1", None, True),  # written before the lifecycle
    ("under_review", 0.3, 0.3, "1", "1", True),
    ("superseded", 1.0, None, "1", None, False),
    ("dismissed", 0.79, 0.7, "1", "1", False),
    ("dismissed", 0.8, 0.7, "1", "1", True),  # 0.7 + 0.1 in floats is 0.7999...: still materially worse
    ("dismissed", 0.3, 0.2, "1", "1", True),  # 0.2 + 0.1 is 0.30000000000000004
    ("dismissed", 0.95, 0.9, "2", "1", False),  # a new version alone does not undo a dismissal
    ("confirmed", 1.0, 0.4, "1", "1", False),
    ("confirmed", 0.4, 0.4, "2", "1", True),
])
def test_alert_rule(status: str | None, score: float, at_verdict: float | None, version: str,
                    at_version: str | None, expected: bool) -> None:
    assert alerts_again(status, score, at_verdict, version, at_version) is expected


def test_csv_is_semicolon_utf8_and_reads_back(tmp_path: Path) -> None:
    rows = [{"finding_id": "finding:1", "detector": "screens", "subject": "tender:1", "status": "dismissed",
             "verdict": "dismissed", "note": "Preço; de mercado\n\"ok\" — licitação", "who": "ana",
             "at": "2026-12-02T10:00:00+00:00", "run_id": "r1", "current_status": "dismissed"}]
    path = tmp_path / "out" / "v.csv"
    assert write_csv(rows, path) == 1
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.DictReader(fh, delimiter=";"))
    assert tuple(back[0]) == EXPORT_COLUMNS and back == rows


def test_record_verdict_sends_the_masked_note_and_says_when_the_finding_is_unknown() -> None:
    runner = RecordingRunner()
    with pytest.raises(UnknownFinding):  # the recording runner's write answers no row, as for an unknown id
        record_verdict(runner, "finding:00ff", "needs_info", "CPF 12345678901", "ana 12345678901")
    name, params = runner.calls[0]
    assert name == "api/v1_record_verdict"
    assert params["status"] == "under_review" and params["note"] == "CPF ***456789**"
    assert params["who"] == "ana ***456789**"
    assert not runner.statements  # nothing marked as changed when nothing was
    with pytest.raises(VerdictError):
        record_verdict(runner, "finding:00ff", "maybe", "", "ana")
    assert len(runner.calls) == 1  # refused before any query
