"""The harvesters against the local replay server (a real HTTP server on an ephemeral port, no internet):
pagination to the end, throttling obeyed, faults retried, runs killed and resumed, complete windows not
fetched again, corrections, CNPJ downloads resumed with HTTP Range."""

from __future__ import annotations

import hashlib
import itertools
import json
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from harvest.common import Options
from harvest.http import Fetcher, Policy, RateLimiter, retry_after_seconds
from harvest.replay import CNPJ_ROOT, Faults, ReplayServer, World
from harvest.run import harvest

DAY0 = date(2025, 3, 3)
DAY1 = date(2025, 3, 4)
MODS = (4, 6, 8, 9)
FAST = Policy(rps=1000, retries=8, backoff_s=0.005, max_backoff_s=0.05, timeout_s=0.25)


class Killed(BaseException):
    """Stands for the process dying: not an Exception, so no harvester code catches it."""


@pytest.fixture(scope="module")
def world() -> World:
    # 60 a day: with pages of 10 (opts below) the GO pregões of one day take more than one page
    return World(start=DAY0, days=2, per_day=60, malformed_every=23, seed=11).build()


def opts(sources: Path, url: str, **kw: Any) -> Options:
    base: dict[str, Any] = {"date_from": DAY0, "date_to": DAY1, "uf": "GO", "base_url": url, "modalities": MODS,
                            "page_size": 10}
    base.update(kw)
    return Options(sources=sources, **base)


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def harvested(root: Path) -> tuple[Counter[str], Counter[tuple[str, int, int]], Counter[tuple[str, int, int, int]]]:
    """Every contratação, items envelope and results envelope in the folder, counted (1 each = no duplicate)."""
    contr: Counter[str] = Counter()
    for p in (root / "pncp" / "contratacoes").glob("*.json"):
        for r in json.loads(p.read_text(encoding="utf-8"))["data"]:
            contr[str(r.get("numeroControlePNCP"))] += 1
    items: Counter[tuple[str, int, int]] = Counter()
    for p in (root / "pncp" / "itens").glob("*.jsonl"):
        for line in p.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            items[(e["cnpj"], e["ano"], e["sequencial"])] += 1
    results: Counter[tuple[str, int, int, int]] = Counter()
    for p in (root / "pncp" / "resultados").glob("*.jsonl"):
        for line in p.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            results[(e["cnpj"], e["ano"], e["sequencial"], e["numeroItem"])] += 1
    return contr, items, results


def expected(world: World) -> tuple[set[str], set[tuple[str, int, int]]]:
    """What the harvest of GO, modalities MODS, DAY0..DAY1 must hold, from the world the server serves."""
    recs = [r for r in world.contratacoes if (r.get("unidadeOrgao") or {}).get("ufSigla") == "GO"
            and r["modalidadeId"] in MODS and str(r["dataPublicacaoPncp"])[:10] <= DAY1.isoformat()]
    good = [r for r in recs if r["numeroControlePNCP"]]
    keys = {(r["orgaoEntidade"]["cnpj"], r["anoCompra"], r["sequencialCompra"]) for r in good}
    return {str(r["numeroControlePNCP"]) for r in recs}, keys


# --- the client ------------------------------------------------------------------------------------


def test_retry_after_forms() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("0.25") == 0.25
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_rate_limiter_spaces_request_starts() -> None:
    t = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        t[0] += s

    lim = RateLimiter(4.0, clock=lambda: t[0], sleep=sleep)
    starts = []
    for _ in range(9):
        lim.wait()
        starts.append(t[0])
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) == pytest.approx(0.25)
    assert starts[-1] == pytest.approx(2.0)


# --- PNCP --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_pncp_window_to_the_end_with_faults_loses_and_duplicates_nothing(world: World, tmp_path: Path) -> None:
    faults = Faults.flaky(stall_s=0.5, retry_after_s=0.05)
    with ReplayServer(world, faults) as srv:
        m = harvest("pncp", opts(tmp_path, srv.url), policy=FAST)
        injected = dict(srv.stats.faults)
    want_controls, want_keys = expected(world)
    contr, items, results = harvested(tmp_path)
    assert set(contr) == want_controls
    assert max(n for c, n in contr.items() if c != "None") == 1
    assert set(items) == want_keys and max(items.values()) == 1
    want_results = {(k[0], k[1], k[2], it["numeroItem"]) for k in want_keys for it in world.items[k]
                    if it["temResultado"]}
    assert set(results) == want_results and max(results.values()) == 1
    # several pages for one window: paginated to the end
    assert any("-p0002" in f for f in m.files)
    # the faults happened and were retried
    assert injected.get("truncate", 0) > 0 and injected.get("5xx", 0) > 0
    assert m.http["truncated"] > 0 and m.http["retries"] >= sum(injected.values()) - injected.get("429", 0)
    assert m.status == "succeeded" and not m.windows_failed
    # the malformed records are kept in the page files and named in the manifest
    malformed = [e for e in m.errors if "malformed" in e["reason"]]
    bad = [r for r in world.contratacoes if r["numeroControlePNCP"] is None and r["modalidadeId"] in MODS
           and r["unidadeOrgao"]["ufSigla"] == "GO"]
    assert len(malformed) == len(bad) == contr["None"] > 0
    saved = json.loads(m.path(tmp_path).read_text(encoding="utf-8"))
    assert saved["records"]["contratacoes"] == sum(contr.values())


def test_complete_windows_fetch_nothing_and_refresh_writes_a_correction(world: World, tmp_path: Path) -> None:
    with ReplayServer(world) as srv:
        first = harvest("pncp", opts(tmp_path, srv.url), policy=FAST)
        before = files_of(tmp_path)
        n = srv.stats.requests
        again = harvest("pncp", opts(tmp_path, srv.url), policy=FAST)
        assert srv.stats.requests == n and again.http["requests"] == 0
        assert len(again.windows_skipped) == len(first.windows_done)
        assert files_of(tmp_path) == before
        fix = harvest("pncp", opts(tmp_path, srv.url, date_to=DAY0, modalities=(6,), refresh=True), policy=FAST)
    new = sorted(set(files_of(tmp_path)) - set(before))
    assert new and all("-r01-p" in f for f in new)
    assert fix.records["contratacoes"] == sum(
        len(json.loads(before[f])["data"]) for f in before if "2025-03-03_2025-03-03-GO-m06" in f and "contratacoes/" in f)
    # the originals are untouched; the correction sorts after them
    assert all(files_of(tmp_path)[f] == b for f, b in before.items())
    orig = sorted(f for f in before if "contratacoes-2025-03-03_2025-03-03-GO-m06" in f)
    assert sorted([*orig, *[f for f in new if "contratacoes/" in f]])[: len(orig)] == orig


@pytest.mark.parametrize("kill_at", [1, 2, 9, 40, 90])
def test_killed_anywhere_resumes_to_the_same_files_refetching_at_most_one_request(
        world: World, tmp_path: Path, kill_at: int) -> None:
    with ReplayServer(world) as srv:
        small = {"date_to": DAY0, "modalities": (6, 8)}
        clean = harvest("pncp", opts(tmp_path / "clean", srv.url, **small), policy=FAST)
        total = clean.http["requests"]
        f = Fetcher(FAST)
        sent = [0]

        def die(url: str) -> None:
            sent[0] += 1
            if sent[0] == kill_at:
                raise Killed

        f.on_request(die)
        with pytest.raises(Killed):
            harvest("pncp", opts(tmp_path / "run", srv.url, **small), fetcher=f)
        done_before = sent[0] - 1  # the killed request never reached the server
        resumed = harvest("pncp", opts(tmp_path / "run", srv.url, **small), policy=FAST)
    assert files_of(tmp_path / "run") == files_of(tmp_path / "clean")
    contr, items, _ = harvested(tmp_path / "run")
    assert max(n for c, n in contr.items() if c != "None") == 1 and max(items.values()) == 1
    # the resumed run asked only for what the first run had not received (the one in flight at most)
    assert resumed.http["requests"] <= total - done_before + 1
    assert resumed.http["requests"] + done_before <= total + 1


@pytest.mark.slow
def test_throttling_obeyed(world: World, tmp_path: Path) -> None:
    # the server allows 40 requests a second (burst 3); a client asking 400 a second is told to wait
    faults = Faults(rate_limit_rps=40, burst=3, retry_after_s=0.1)
    with ReplayServer(world, faults) as srv:
        greedy = Policy(rps=400, retries=3, max_throttled=500, backoff_s=0.01, timeout_s=2)
        m = harvest("pncp", opts(tmp_path / "greedy", srv.url, date_to=DAY0, modalities=(6,)), policy=greedy)
        assert srv.stats.throttled > 0 and m.http["throttled"] == srv.stats.throttled
        assert srv.stats.early == 0  # never back before the Retry-After had passed
        assert m.http["waited_s"] >= 0.1 * srv.stats.throttled * 0.9
        # at the configured rate below the cap, no 429 at all
        throttled = srv.stats.throttled
        polite = Policy(rps=30, timeout_s=2)
        harvest("pncp", opts(tmp_path / "polite", srv.url, date_to=DAY0, modalities=(6,)), policy=polite)
        assert srv.stats.throttled == throttled
    assert files_of(tmp_path / "greedy") == files_of(tmp_path / "polite")


def test_truncated_pages_are_fetched_again(world: World, tmp_path: Path) -> None:
    faults = Faults(p_truncate=0.6, max_faults_per_url=2)
    with ReplayServer(world, faults) as srv:
        m = harvest("pncp", opts(tmp_path, srv.url, date_to=DAY0), policy=FAST)
        cut = srv.stats.faults["truncate"]
    assert cut > 10 and m.http["truncated"] == cut
    for p in (tmp_path / "pncp").rglob("*.json*"):
        text = p.read_text(encoding="utf-8")
        for doc in ([text] if p.suffix == ".json" else text.splitlines()):
            json.loads(doc)  # every file whole


def test_a_source_that_fails_is_recorded(tmp_path: Path) -> None:
    from harvest.run import harvest_many

    w = World(start=DAY0, days=1, per_day=5).build()
    broken = Faults(p_5xx=1.0, max_faults_per_url=1000)  # answers 503 to everything
    with ReplayServer(w) as srv, ReplayServer(w, broken) as down:

        def make(source: str) -> Options:
            return opts(tmp_path, down.url if source == "pncp" else srv.url, date_to=DAY0)

        out = harvest_many(["pncp", "sancoes"], make, policy=Policy(rps=100, retries=1, backoff_s=0.01, timeout_s=1))
    assert out["pncp"]["status"] == "partial" and out["pncp"]["windows_failed"] == len(MODS)
    assert out["sancoes"]["status"] == "succeeded"
    assert (tmp_path / "sancoes" / "ceis" / "20250303_CEIS.csv").exists()


# --- the other sources -------------------------------------------------------------------------------


def test_cnpj_months_resume_with_range_and_checksums(tmp_path: Path) -> None:
    w = World(start=DAY0, days=1, per_day=5).build()
    # a bigger zip so that a download can be cut mid-way
    big = b"".join(f'"{i:08d}";"EMPRESA {i}";"2062";"49";"1000,00";"01";""\n'.encode() for i in range(40000))
    w.files[f"{CNPJ_ROOT}2025-02/Empresas1.zip"] = _stored_zip("EMPRECSV", big)
    faults = Faults(p_truncate=1.0, max_faults_per_url=2)  # every file cut short twice
    with ReplayServer(w, faults) as srv:
        m = harvest("cnpj", Options(sources=tmp_path, base_url=srv.url), policy=FAST)
        assert srv.stats.ranges > 0  # resumed where the cut left it, not from zero
        again = harvest("cnpj", Options(sources=tmp_path, base_url=srv.url), policy=FAST)
        older = harvest("cnpj", Options(sources=tmp_path, base_url=srv.url, months="2025-01"), policy=FAST)
    assert m.windows_done == ["2025-02"] and again.windows_skipped == ["2025-02"]
    assert again.http["by_kind"].get("zip", 0) == 0  # a month held: listings only
    assert older.windows_done == ["2025-01"]
    for path, body in w.files.items():
        if path.startswith(CNPJ_ROOT):
            got = tmp_path / "cnpj" / path[len(CNPJ_ROOT):]
            assert got.read_bytes() == body
    sums = (tmp_path / ".harvest" / "cnpj" / "2025-02.sha256").read_text().splitlines()
    assert len(sums) == 6
    for line in sums:
        digest, name = line.split()
        assert hashlib.sha256((tmp_path / "cnpj" / "2025-02" / name).read_bytes()).hexdigest() == digest


def _stored_zip(member: str, data: bytes) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(member, data)
    return out.getvalue()


def test_sancoes_latest_day_and_compras_bids(tmp_path: Path) -> None:
    w = World(start=DAY0, days=2, per_day=30).build()
    with ReplayServer(w, Faults.flaky(stall_s=0.5, retry_after_s=0.05)) as srv:
        # the portal has nothing after DAY0 + 4: the harvester walks back to the newest day published
        s = harvest("sancoes", opts(tmp_path, srv.url, date_to=date(2025, 3, 9)), policy=FAST)
        c = harvest("compras", opts(tmp_path, srv.url, date_from=date(2025, 3, 4), date_to=date(2025, 3, 5)),
                    policy=FAST)
    assert sorted(p.name for p in (tmp_path / "sancoes").rglob("*.csv")) == ["20250307_CEIS.csv", "20250307_CNEP.csv"]
    assert s.windows_done == ["ceis/20250307", "cnep/20250307"]
    ceis = (tmp_path / "sancoes" / "ceis" / "20250307_CEIS.csv").read_bytes().decode("iso-8859-1")
    assert ceis.startswith('"CADASTRO";"CÓDIGO DA SANÇÃO"') and w.sanctioned[0][0] in ceis
    import csv

    rows = [r for p in sorted((tmp_path / "bids" / "generic").glob("*.csv"))
            for r in csv.DictReader(p.open(encoding="utf-8"), delimiter=";")]
    assert len(rows) == len(w.compras_results) == c.records["propostas"]
    by_item = Counter((r["numero_controle_pncp"], r["numero_item"]) for r in rows if r["vencedor"] == "S")
    assert set(by_item.values()) == {1}  # one winner an item, the others ranked behind
    assert sum(r["vencedor"] == "N" for r in rows) == 3 * len(by_item)
    assert all("," in r["valor_unitario"] or r["valor_unitario"].isdigit() for r in rows)
