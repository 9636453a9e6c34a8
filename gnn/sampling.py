"""Mini-batch neighbour sampling in plain torch (PyG's NeighborLoader needs pyg-lib or torch-sparse).

`sample_subgraph` grows, hop by hop, the set of nodes that a batch of seed nodes depends on: for every
relation whose destination type has frontier nodes, it keeps up to `k` incoming edges per frontier node,
chosen uniformly without replacement (random keys sorted within each node's edge group). The result is a
`HeteroData` whose seed nodes come first, in the order given, with `n_id` holding each node's index in
the full graph, as NeighborLoader would return it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch_geometric.data import HeteroData
from torch_geometric.typing import EdgeType


@dataclass
class _CSC:
    perm: Tensor  # edge ids sorted by destination
    ptr: Tensor  # destination -> start offset in perm


class NeighborSampler:
    """Reusable sampler over one graph (the CSC index is built once per relation)."""

    def __init__(self, data: HeteroData, num_neighbors: list[int]) -> None:
        self.data = data
        self.num_neighbors = num_neighbors
        self.csc: dict[EdgeType, _CSC] = {}
        for et in data.edge_types:
            dst = data[et].edge_index[1]
            n_dst = data[et[2]].num_nodes
            perm = torch.argsort(dst, stable=True)
            counts = torch.bincount(dst, minlength=n_dst)
            ptr = torch.zeros(n_dst + 1, dtype=torch.long)
            ptr[1:] = torch.cumsum(counts, 0)
            self.csc[et] = _CSC(perm, ptr)

    def _sample_edges(self, et: EdgeType, nodes: Tensor, k: int, gen: torch.Generator) -> Tensor:
        """Edge ids: up to k incoming edges of each node in `nodes`."""
        csc = self.csc[et]
        start, end = csc.ptr[nodes], csc.ptr[nodes + 1]
        deg = end - start
        total = int(deg.sum())
        if total == 0:
            return torch.empty(0, dtype=torch.long)
        owner = torch.repeat_interleave(torch.arange(nodes.numel()), deg)
        offset = torch.arange(total) - torch.repeat_interleave(torch.cumsum(deg, 0) - deg, deg)
        pos = start[owner] + offset
        if k >= 0:
            keys = torch.rand(total, generator=gen)
            order = torch.argsort(owner.double() + keys.double() * 0.5, stable=True)
            # rank of each edge within its owner's group after the random shuffle
            rank = torch.arange(total) - torch.repeat_interleave(torch.cumsum(deg, 0) - deg, deg)
            keep = order[rank < k]
            pos = pos[keep]
        return csc.perm[pos]

    def sample(self, seeds: dict[str, Tensor], generator: torch.Generator | None = None) -> HeteroData:
        gen = generator or torch.Generator().manual_seed(0)
        data = self.data
        nodes: dict[str, list[Tensor]] = {nt: [] for nt in data.node_types}
        seen: dict[str, Tensor] = {
            nt: torch.zeros(data[nt].num_nodes, dtype=torch.bool) for nt in data.node_types
        }
        frontier: dict[str, Tensor] = {}
        for nt, s in seeds.items():
            s = s.unique(sorted=False) if s.numel() != s.unique().numel() else s
            nodes[nt].append(s)
            seen[nt][s] = True
            frontier[nt] = s
        edges: dict[EdgeType, list[Tensor]] = {et: [] for et in data.edge_types}
        for k in self.num_neighbors:
            new: dict[str, list[Tensor]] = {nt: [] for nt in data.node_types}
            for et in data.edge_types:
                dst_nodes = frontier.get(et[2])
                if dst_nodes is None or dst_nodes.numel() == 0:
                    continue
                e = self._sample_edges(et, dst_nodes, k, gen)
                if e.numel() == 0:
                    continue
                edges[et].append(e)
                new[et[0]].append(data[et].edge_index[0, e])
            frontier = {}
            for nt, parts in new.items():
                if not parts:
                    continue
                cand = torch.cat(parts).unique()
                cand = cand[~seen[nt][cand]]
                seen[nt][cand] = True
                nodes[nt].append(cand)
                frontier[nt] = cand
        return self._subgraph(nodes, edges)

    def _subgraph(self, nodes: dict[str, list[Tensor]], edges: dict[EdgeType, list[Tensor]]) -> HeteroData:
        data = self.data
        out = HeteroData()
        local: dict[str, Tensor] = {}
        for nt in data.node_types:
            n_id = torch.cat(nodes[nt]) if nodes[nt] else torch.empty(0, dtype=torch.long)
            m = torch.full((data[nt].num_nodes,), -1, dtype=torch.long)
            m[n_id] = torch.arange(n_id.numel())
            local[nt] = m
            out[nt].n_id = n_id
            out[nt].x = data[nt].x[n_id]
            out[nt].num_nodes = n_id.numel()
        for et in data.edge_types:
            e = torch.cat(edges[et]).unique() if edges[et] else torch.empty(0, dtype=torch.long)
            ei = data[et].edge_index[:, e]
            src, dst = local[et[0]][ei[0]], local[et[2]][ei[1]]
            ok = (src >= 0) & (dst >= 0)
            out[et].edge_index = torch.stack([src[ok], dst[ok]])
            out[et].e_id = e[ok]
            if "edge_attr" in data[et]:
                out[et].edge_attr = data[et].edge_attr[e[ok]]
        return out
