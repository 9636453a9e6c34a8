"""The API's versioned read cache (pure logic: a fake clock and a fake version probe)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from api.cache import VersionedCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Probe:
    def __init__(self) -> None:
        self.token: str | None = "v1"
        self.calls = 0

    def __call__(self) -> str | None:
        self.calls += 1
        return self.token


def make(ttl: float = 60.0, check: float = 1.0, n: int = 100) -> tuple[VersionedCache, Clock, Probe]:
    clock, probe = Clock(), Probe()
    return VersionedCache(probe, ttl_s=ttl, check_s=check, max_entries=n, clock=clock), clock, probe


def counter() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    return calls, compute


def test_hits_until_the_version_changes_and_then_recomputes() -> None:
    cache, clock, probe = make()
    calls, compute = counter()
    assert cache.get("a", compute) == 1
    assert cache.get("a", compute) == 1
    assert len(calls) == 1 and cache.stats.hits == 1
    probe.token = "v2"
    clock.now = 0.5  # inside check_s: the new token is not looked at yet
    assert cache.get("a", compute) == 1
    clock.now = 1.5
    assert cache.get("a", compute) == 2
    assert cache.stats.invalidations == 1


def test_the_probe_runs_at_most_once_per_check_interval() -> None:
    cache, clock, probe = make(check=1.0)
    _, compute = counter()
    for i in range(50):
        clock.now = i * 0.01
        cache.get(("k", i % 3), compute)
    assert probe.calls == 1
    clock.now = 2.0
    cache.get("k", compute)
    assert probe.calls == 2


def test_entries_expire_after_ttl_even_when_the_version_holds() -> None:
    cache, clock, _ = make(ttl=10.0)
    calls, compute = counter()
    cache.get("a", compute)
    clock.now = 9.9
    cache.get("a", compute)
    clock.now = 10.1
    cache.get("a", compute)
    assert len(calls) == 2


def test_ttl_zero_turns_caching_off() -> None:
    cache, _, probe = make(ttl=0.0)
    calls, compute = counter()
    for _ in range(3):
        cache.get("a", compute)
    assert len(calls) == 3 and probe.calls == 0 and len(cache) == 0


def test_least_recently_used_entries_go_first() -> None:
    cache, _, _ = make(n=2)
    cache.get("a", lambda: "A")
    cache.get("b", lambda: "B")
    cache.get("a", lambda: "A2")  # a is now the most recent
    cache.get("c", lambda: "C")  # evicts b
    assert cache.get("a", lambda: "new") == "A"
    assert cache.get("b", lambda: "new") == "new"


def test_errors_are_not_cached() -> None:
    cache, _, _ = make()

    def boom() -> int:
        raise RuntimeError("neo4j down")

    with pytest.raises(RuntimeError):
        cache.get("a", boom)
    assert cache.get("a", lambda: 7) == 7


def test_a_value_computed_across_a_version_change_is_not_kept() -> None:
    cache, clock, probe = make(check=0.0)

    def compute() -> str:
        probe.token = "v2"  # the graph changes while the query runs
        clock.now += 1
        cache.get("other", lambda: "x")  # another request notices the new version
        return "old"

    assert cache.get("a", compute) == "old"
    assert cache.get("a", lambda: "fresh") == "fresh"


def test_a_wiped_database_without_a_token_is_a_version_too() -> None:
    cache, clock, probe = make(check=0.0)
    cache.get("a", lambda: 1)
    probe.token = None
    clock.now = 1
    assert cache.get("a", lambda: 2) == 2


def test_threads_share_one_cache_safely() -> None:
    cache, _, _ = make(n=10)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(500):
                key = (k + i) % 20
                assert cache.get(("k", key), lambda key=key: key) == key
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(cache) <= 10


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        VersionedCache(lambda: None, ttl_s=-1, check_s=1)
