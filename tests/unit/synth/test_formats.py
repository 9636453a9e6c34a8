"""The simulator keeps its own copy of the source formats (it imports only core): they must still be what
the ETL reads."""

from __future__ import annotations

from etl.sources.bids import GENERIC_COLUMNS
from synth.writers import GENERIC_BID_HEADER


def test_generic_bid_header_is_what_the_etl_reads() -> None:
    assert tuple(GENERIC_BID_HEADER) == tuple(GENERIC_COLUMNS)
