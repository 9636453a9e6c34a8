"""The graph's data version: one token that changes whenever a load or a scoring run writes what readers show.

Readers that cache (the API) compare the token instead of re-reading everything: a new token means the
graph changed since they cached. The token is random (not a counter), so a wiped and reloaded database
never repeats an earlier version. Writers call `bump_data_version` after their last write; a missing
node (a database never loaded by licitagraph, or just built by `neo4j-admin database import`) reads as
`None`, which is a version like any other.
"""

from __future__ import annotations

from graph.runner import QueryRunner, Statement
from graph.schema import VERSION_LABEL

VERSION_ID = "graph"

BUMP = (
    f"MERGE (v:{VERSION_LABEL} {{id: $id}}) "
    "SET v.token = randomUUID(), v.updated_at = datetime(), v.reason = $reason"
)
READ = f"OPTIONAL MATCH (v:{VERSION_LABEL} {{id: $id}}) RETURN v.token AS token"


def bump_data_version(runner: QueryRunner, reason: str) -> None:
    """Mark the graph as changed (after a load or a findings write); `reason` is kept for whoever looks."""
    runner.execute([Statement(BUMP, {"id": VERSION_ID, "reason": reason})])


def data_version(runner: QueryRunner) -> str | None:
    """The current token, or None when nothing has marked the graph yet."""
    res = runner.execute([Statement(READ, {"id": VERSION_ID})], write=False)
    rows = res[0].rows if res else []
    return str(rows[0]["token"]) if rows and rows[0]["token"] is not None else None
