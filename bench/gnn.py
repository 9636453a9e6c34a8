"""GNN training time per epoch and inference throughput, by graph size, on CPU (and GPU when present).

Worlds: the graph tables of synthetic worlds when given (`--tables DIR ...`, from `etl.synth` + the ETL),
else `gnn.toy.toy_bids` markets of 10k / 100k / 1M bids (García format, same builder path after the
tables are read). For each world and device it times: building the graph, one full-batch training epoch
(forward + backward + step, label trick on), one sampled mini-batch epoch over every tender
(`NeighborSampler`, batch 1024, fan-out [20, 10]) and full-batch inference (tenders scored per second).
Prints a markdown table and writes it into docs/benchmarks.md between `<!-- gnn:start -->` and
`<!-- gnn:end -->` unless `--no-write`.

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
    from gnn.models import CollusionGNN
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
        worlds.append((str(tables), g, time.perf_counter() - t0))
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
        for dev in devices:
            m = measure(g, lab, dev, not args.no_sampled)
            rows.append(
                {
                    "world": name,
                    "bid edges": f"{bids_n:,}",
                    "tenders": f"{g.data[TENDER].num_nodes:,}",
                    "device": dev.type,
                    "build s": f"{build_s:.1f}",
                    "epoch full s": f"{m['epoch_full_s']:.3f}",
                    "epoch sampled s": f"{m['epoch_sampled_s']:.2f}" if "epoch_sampled_s" in m else "-",
                    "inference tenders/s": f"{m['infer_tenders_per_s']:,.0f}",
                }
            )
            print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    table = "\n".join(
        ["| " + " | ".join(df.columns) + " |", "|" + " --- |" * len(df.columns)]
        + ["| " + " | ".join(str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    )
    gpu = "no GPU on this machine" if len(devices) == 1 else torch.cuda.get_device_name(0)
    section = (
        f"{START}\n{platform.processor() or platform.machine()}, "
        f"{args.threads} torch threads, {gpu}; hidden 64, 2 layers. Machine shared and loaded while measuring.\n\n"
        f"{table}\n{END}"
    )
    print(section)
    if not args.no_write:
        text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
        if START in text and END in text:
            text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
        else:
            text = text.rstrip() + "\n\n" + section + "\n"
        DOC.write_text(text)


if __name__ == "__main__":
    main()
