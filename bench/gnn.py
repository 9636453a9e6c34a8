"""GNN training time per epoch and inference throughput, by graph size, on CPU (and GPU when present).

Worlds: the graph tables of synthetic worlds when given (`--tables DIR ...`: `licitagraph synth` then
`licitagraph etl`; the graph then has agencies, partners and contacts besides tenders and firms), and
`gnn.toy.toy_bids` markets of `--sizes` bids (García format: tenders and firms only; `--sizes` with no
value skips them). For each world and device it times: building the graph, one full-batch training epoch
(forward + backward + step, label trick on), one sampled mini-batch epoch over every tender
(`NeighborSampler`, batch 1024, fan-out [20, 10]) and full-batch inference (tenders scored per second).
Prints a markdown table and writes it into docs/benchmarks.md between `<!-- gnn:start -->` and
`<!-- gnn:end -->` unless `--no-write`; rows of the section's previous table whose world was not measured
again are kept, marked "(earlier run)".

Usage: .venv/bin/python bench/gnn.py [--sizes 10000 100000 1000000] [--tables DIR ...] [--threads 2]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import pandas as pd
import torch

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
START, END = "<!-- gnn:start -->", "<!-- gnn:end -->"


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()


def measure(graph, labels: pd.Series, dev: torch.device, sampled_epoch: bool) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from gnn.data import TENDER
    from gnn.model import CollusionGNN
    from gnn.sampling import NeighborSampler
    from gnn.train import TrainConfig, _edge_dims, _forward

    cfg = TrainConfig(device=dev.type)
    data = graph.data
    n_t = data[TENDER].num_nodes
    y = torch.zeros(n_t)
    idx = graph.idx(TENDER, list(labels.index))
    y[idx] = torch.tensor(labels.to_numpy(), dtype=torch.float32)
    known = torch.zeros(n_t, dtype=torch.bool)
    known[idx[: len(idx) // 2]] = True
    target = idx[len(idx) // 2 :]
    model = CollusionGNN(data.metadata(), _edge_dims(data), cfg.hidden, cfg.layers, cfg.dropout).to(dev)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        _forward(model, graph, known, y, cfg, target[:2], dev, gen)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    out: dict[str, float] = {}

    def step(sampler: NeighborSampler | None) -> float:
        model.train()
        _sync(dev)
        t0 = time.perf_counter()
        logits = _forward(model, graph, known, y, cfg, target, dev, gen, sampler)["tender"]
        loss = loss_fn(logits, y[target].to(dev))
        opt.zero_grad()
        loss.backward()
        opt.step()
        _sync(dev)
        return time.perf_counter() - t0

    step(None)  # warm-up
    out["epoch_full_s"] = min(step(None) for _ in range(2))
    if sampled_epoch:
        sampler = NeighborSampler(data, cfg.num_neighbors)
        out["epoch_sampled_s"] = step(sampler)
    model.eval()
    with torch.no_grad():
        _sync(dev)
        t0 = time.perf_counter()
        _forward(model, graph, known, y, cfg, None, dev, gen)
        _sync(dev)
        out["infer_tenders_per_s"] = n_t / (time.perf_counter() - t0)
    return out


def _world_name(tables: Path) -> str:
    """`synth <bids> bids (seed s, n tenders)` from the ETL manifest / ground truth when present."""
    import json

    name = tables.name
    for gt in (
        tables / "ground_truth.json",
        tables.parent / "ground_truth.json",
        tables.parent / "sources" / "ground_truth.json",
    ):
        if gt.exists():
            meta = json.loads(gt.read_text())
            sizes = meta.get("sizes", {})
            return f"synth {sizes.get('bids', 0):,} bids (seed {meta.get('seed')}, ETL tables)"
    return name


def _earlier_rows(text: str, columns: list[str], measured: set[tuple[str, str, str]]) -> pd.DataFrame:
    """Rows of the section's current table for worlds not measured now, marked as earlier runs."""
    if START not in text or END not in text:
        return pd.DataFrame(columns=columns)
    section = text[text.index(START) : text.index(END)]
    lines = [ln for ln in section.splitlines() if ln.startswith("| ") and "---" not in ln]
    if not lines:
        return pd.DataFrame(columns=columns)
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = []
    for ln in lines[1:]:
        cells = dict(zip(head, (c.strip() for c in ln.strip("|").split("|")), strict=False))
        world = cells.get("world", "").replace(" (earlier run)", "")
        if (world, cells.get("device", ""), cells.get("threads", "2")) in measured:
            continue
        cells["world"] = world + " (earlier run)"
        rows.append({c: cells.get(c, "2" if c == "threads" else "") for c in columns})  # old rows: 2 threads
    return pd.DataFrame(rows, columns=columns)


def main() -> None:
    import sys

    # this script is called gnn.py: keep its folder off the path so `gnn` is the package
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(here.parent))
    from gnn.data import TENDER, from_bids, from_tables
    from gnn.toy import toy_bids

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--tables", type=Path, nargs="*", default=[])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-sampled", action="store_true", help="skip the sampled epoch")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    worlds = []
    for tables in args.tables:
        t0 = time.perf_counter()
        g = from_tables(tables)
        worlds.append((_world_name(tables), g, time.perf_counter() - t0))
    for n in args.sizes:
        bids = toy_bids(n_tenders=max(n // 5, 10), n_firms=max(n // 40, 60), cartel_size=5, seed=0)
        t0 = time.perf_counter()
        g = from_bids(bids)
        worlds.append((f"toy {len(bids):,} bids", g, time.perf_counter() - t0))
    rows = []
    for name, g, build_s in worlds:
        lab = pd.Series(0, index=g.ids[TENDER])
        lab.iloc[::4] = 1
        bids_n = int(g.data["firm", "bids", "tender"].edge_index.size(1))
        edges_n = sum(int(g.data[et].edge_index.size(1)) for et in g.data.edge_types)
        for dev in devices:
            m = measure(g, lab, dev, not args.no_sampled)
            rows.append(
                {
                    "world": name,
                    "bid edges": f"{bids_n:,}",
                    "all edges": f"{edges_n:,}",
                    "nodes": f"{sum(int(g.data[nt].num_nodes) for nt in g.data.node_types):,}",
                    "tenders": f"{g.data[TENDER].num_nodes:,}",
                    "device": dev.type,
                    "threads": str(args.threads) if dev.type == "cpu" else "-",
                    "build s": f"{build_s:.1f}",
                    "epoch full s": f"{m['epoch_full_s']:.3f}",
                    "epoch sampled s": f"{m['epoch_sampled_s']:.2f}" if "epoch_sampled_s" in m else "-",
                    "inference tenders/s": f"{m['infer_tenders_per_s']:,.0f}",
                }
            )
            print(rows[-1], flush=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    df = pd.DataFrame(rows)
    earlier = _earlier_rows(text, list(df.columns), {(r["world"], r["device"], r["threads"]) for r in rows})
    if len(earlier):
        df = pd.concat([df, earlier], ignore_index=True)
    table = "\n".join(
        ["| " + " | ".join(df.columns) + " |", "|" + " --- |" * len(df.columns)]
        + ["| " + " | ".join(str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    )
    gpu = "no GPU on this machine" if len(devices) == 1 else torch.cuda.get_device_name(0)
    import os
    from datetime import UTC, datetime

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    section = (
        f"{START}\n`.venv/bin/python bench/gnn.py {' '.join(sys.argv[1:])}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()} "
        f"({os.cpu_count()} CPUs, shared; load average {load:.1f} at the end), "
        f"{gpu}; hidden 64, 2 layers, default `TrainConfig`. `build s`: reading the tables (or the bids) and "
        "building the graph; `epoch full s`: one full-batch training step (forward, backward, AdamW, label "
        "trick on, loss on half of the tenders), best of 2 after a warm-up; `epoch sampled s`: the same over "
        "sampled mini-batches (1,024 target tenders, fan-out [20, 10]); inference: one full-batch forward, "
        "no gradient, all tenders. `nodes` and `all edges` count every node and edge type (reverse edges "
        "included); `threads`: torch intra-op threads (training uses 1 below 200k edges, `gnn.train."
        "SMALL_GRAPH_EDGES`). Rows marked (earlier run) come from a previous run of this script.\n\n"
        f"{table}\n{END}"
    )
    print(section)
    if not args.no_write:
        if START in text and END in text:
            text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
        else:
            text = text.rstrip() + "\n\n" + section + "\n"
        DOC.write_text(text)


if __name__ == "__main__":
    main()
