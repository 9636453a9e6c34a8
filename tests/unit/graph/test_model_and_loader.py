"""Schema statements, identifier safety and the loader's statements, recorded without a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.tables import NODE_TABLES, REL_TABLES, table
from graph.loader import CHECKPOINT_KEYS, Loader, node_statement, rel_statement
from graph.runner import RecordingRunner
from graph.schema import ident, label_for_id, schema_statements
from synth.table_world import write_world


def test_schema_is_idempotent_with_a_unique_id_per_label_and_fulltext_indexes() -> None:
    stmts = schema_statements()
    assert all("IF NOT EXISTS" in s for s in stmts)
    for spec in NODE_TABLES:
        assert any(f"FOR (n:`{spec.name}`) REQUIRE n.id IS UNIQUE" in s for s in stmts), spec.name
    assert any("FOR (n:`Finding`) REQUIRE n.id IS UNIQUE" in s for s in stmts)
    ft = [s for s in stmts if s.startswith("CREATE FULLTEXT INDEX")]
    for label in ("Supplier", "Person", "Agency", "Item"):
        assert any(f"`{label}`" in s for s in ft), label


def test_identifiers_are_checked() -> None:
    assert ident("Supplier") == "`Supplier`"
    for bad in ("Supplier`) DETACH DELETE n //", "a b", "", "1abc"):
        with pytest.raises(ValueError):
            ident(bad)
    assert label_for_id("supplier:123") == "Supplier" and label_for_id("weird:1") is None


def test_statements_use_only_contract_labels() -> None:
    assert node_statement(table("Tender")).startswith("UNWIND $rows AS row MERGE (n:`Tender` {id: row.id})")
    st = rel_statement(table("PARTNER_OF"), "Person", "Supplier")
    assert "MERGE (a)-[r:`PARTNER_OF`]->(b)" in st and "(a:`Person` {id: row.src})" in st
    with pytest.raises(ValueError):
        rel_statement(table("BID"), "Person", "Item")


def test_loader_writes_nodes_before_relationships_with_a_checkpoint_per_batch(tmp_path: Path) -> None:
    _, counts = write_world(tmp_path)
    runner = RecordingRunner()
    report = Loader(runner, batch_size=10).load(tmp_path)
    texts = [s.text for s in runner.statements]
    first_rel = next(i for i, t in enumerate(texts) if "MERGE (a)-[r:" in t)
    last_node = max(i for i, t in enumerate(texts) if "MERGE (n:" in t)
    assert last_node < first_rel
    assert report.rows("node") == sum(counts[t.name] for t in NODE_TABLES)
    assert report.rows("rel") == sum(counts[t.name] for t in REL_TABLES)
    rows = sum(len(s.params["rows"]) for s in runner.statements if "rows" in s.params and "UNWIND" in s.text)
    assert rows == report.rows("node") + report.rows("rel")
    batches = [s for s in runner.statements if s.text.startswith("MERGE (c:LoadCheckpoint") and "kind = 'batch'" in s.text]
    assert len(batches) == sum(t.batches for t in report.tables)
    # every relationship row's endpoints come from the row, never from the statement text
    assert not any("supplier:" in t for t in texts)


def test_loader_skips_checkpointed_files(tmp_path: Path) -> None:
    write_world(tmp_path)
    first = RecordingRunner()
    Loader(first).load(tmp_path)
    done = [{"key": s.params["file"]} for s in first.statements if "kind = 'file'" in s.text]
    again = RecordingRunner(answers={CHECKPOINT_KEYS: done})
    report = Loader(again).load(tmp_path)
    assert report.rows("node") == report.rows("rel") == 0
    assert sum(t.files_skipped for t in report.tables) == len(done)
    full = RecordingRunner(answers={CHECKPOINT_KEYS: done})
    assert Loader(full, full=True).load(tmp_path).rows("node") > 0


def test_a_load_that_writes_marks_a_new_data_version_and_a_skipped_one_does_not(tmp_path: Path) -> None:
    write_world(tmp_path)
    first = RecordingRunner()
    Loader(first).load(tmp_path)
    bumps = [s for s in first.statements if "DataVersion" in s.text and "randomUUID()" in s.text]
    assert len(bumps) == 1 and first.statements[-1] is bumps[0]  # after the last write
    done = [{"key": s.params["file"]} for s in first.statements if "kind = 'file'" in s.text]
    again = RecordingRunner(answers={CHECKPOINT_KEYS: done})
    Loader(again).load(tmp_path)
    assert not any("DataVersion" in s.text for s in again.statements)
    assert any("FOR (n:`DataVersion`) REQUIRE n.id IS UNIQUE" in s for s in schema_statements())


def test_prefetch_keeps_order_and_hands_errors_to_the_consumer() -> None:
    from graph.loader import prefetch

    assert list(prefetch(iter(range(50)), depth=2)) == list(range(50))

    def broken() -> Iterator[int]:
        yield 1
        raise OSError("disk gone")

    got: list[int] = []
    with pytest.raises(OSError, match="disk gone"):
        for x in prefetch(broken()):
            got.append(x)
    assert got == [1]


def _empty_counts() -> dict[str, list[dict[str, Any]]]:
    from graph.loader import count_statement

    return {count_statement(t): [{"c": 0}] for t in (*NODE_TABLES, *REL_TABLES)}


def test_first_load_of_empty_labels_creates_and_anything_else_merges(tmp_path: Path) -> None:
    write_world(tmp_path)
    fresh = RecordingRunner(answers=_empty_counts())
    report = Loader(fresh).load(tmp_path)
    assert {t.created_with for t in report.tables} == {"CREATE"}
    texts = [s.text for s in fresh.statements]
    assert any(" CREATE (n:`Tender`) SET n = row" in t for t in texts)
    assert any("CREATE (a)-[r:`BID`]->(b)" in t for t in texts)
    assert not any("MERGE (n:`Tender`" in t or "MERGE (a)-[r:" in t for t in texts)
    # a label already holding entities (count store says so), or a table with checkpointed batches: MERGE
    answers = _empty_counts()
    answers[next(k for k in answers if "`Tender`" in k)] = [{"c": 3}]
    partly = RecordingRunner(answers={**answers, CHECKPOINT_KEYS: [{"key": "BID|part-0.parquet|1|1#5000#0"}]})
    by_table = {t.table: t.created_with for t in Loader(partly).load(tmp_path).tables}
    assert by_table["Tender"] == "MERGE" and by_table["BID"] == "MERGE" and by_table["Item"] == "CREATE"
    # without the counts (unknown) nothing is created blindly
    assert {t.created_with for t in Loader(RecordingRunner()).load(tmp_path).tables} == {"MERGE"}


def test_keys_unique_sees_duplicates_across_files(tmp_path: Path) -> None:
    from graph.loader import keys_unique
    from graph.tables_io import table_files
    from synth.table_world import write_table

    write_world(tmp_path)
    spec = table("Supplier")
    assert keys_unique(table_files(tmp_path, spec))
    import pyarrow.parquet as pq

    first = pq.read_table(table_files(tmp_path, spec)[0].path).to_pylist()[0]
    write_table(tmp_path, spec, [first], prefix="dup")
    assert not keys_unique(table_files(tmp_path, spec))
    bid = table("BID")
    assert keys_unique(table_files(tmp_path, bid))
