"""The heterogeneous GNN: per-type encoders, HeteroConv layers, tender and supplier heads.

Sizes are lazy (`Linear(-1, hidden)`), so the model is built from `data.metadata()` alone and fits any
feature schema. Each relation gets its own `EdgeSAGEConv`, a GraphSAGE convolution whose messages also
see the edge's attributes (bid / lowest bid, rank, winner) and may be scaled by a per-edge weight: the
weight is 1 in training and inference, and its gradient is the edge saliency used as evidence.

Tender inputs are extended with two label channels (`known`, `label`) for the label trick (Shi et al.
2021, UniMP): the labels of *training* tenders are fed as inputs so a test tender can learn from the
known cases its firms took part in; which labels are visible is decided by `gnn.train`, never here.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import HeteroConv, MessagePassing
from torch_geometric.nn.dense.linear import Linear
from torch_geometric.typing import EdgeType, NodeType

LABEL_CHANNELS = 2


class EdgeSAGEConv(MessagePassing):
    """mean_j (W x_j + U e_ij) * w_ij, plus a root term W_r x_i; lazy input sizes."""

    def __init__(self, out_channels: int, edge_dim: int | None = None) -> None:
        super().__init__(aggr="mean")
        self.lin_src = Linear(-1, out_channels)
        self.lin_dst = Linear(-1, out_channels, bias=False)
        self.lin_edge = Linear(edge_dim, out_channels, bias=False) if edge_dim else None

    def forward(
        self,
        x: Tensor | tuple[Tensor, Tensor],
        edge_index: Tensor,
        edge_attr: Tensor | None = None,
        edge_weight: Tensor | None = None,
    ) -> Tensor:
        x_src, x_dst = (x, x) if isinstance(x, Tensor) else x
        out = self.propagate(
            edge_index,
            x=(self.lin_src(x_src), x_dst),
            edge_attr=edge_attr,
            edge_weight=edge_weight,
            size=(x_src.size(0), x_dst.size(0)),
        )
        return out + self.lin_dst(x_dst)

    def message(self, x_j: Tensor, edge_attr: Tensor | None, edge_weight: Tensor | None) -> Tensor:
        m = x_j
        if self.lin_edge is not None and edge_attr is not None:
            m = m + self.lin_edge(edge_attr)
        if edge_weight is not None:
            m = m * edge_weight.view(-1, 1)
        return m


class CollusionGNN(nn.Module):
    """Tender-level collusion logit and supplier-level cartel logit."""

    def __init__(
        self,
        metadata: tuple[list[NodeType], list[EdgeType]],
        edge_dims: dict[EdgeType, int],
        hidden: int = 64,
        layers: int = 2,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        node_types, edge_types = metadata
        self.node_types = list(node_types)
        self.edge_types = [tuple(et) for et in edge_types]
        self.dropout = dropout
        self.encoders = nn.ModuleDict({nt: Linear(-1, hidden) for nt in node_types})
        self.convs = nn.ModuleList(
            HeteroConv(
                {et: EdgeSAGEConv(hidden, edge_dims.get(et)) for et in self.edge_types},
                aggr="sum",
            )
            for _ in range(layers)
        )
        self.norms = nn.ModuleList(
            nn.ModuleDict({nt: nn.LayerNorm(hidden) for nt in node_types}) for _ in range(layers)
        )
        self.tender_head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.firm_head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def embed(
        self,
        x_dict: dict[str, Tensor],
        edge_index_dict: dict[EdgeType, Tensor],
        edge_attr_dict: dict[EdgeType, Tensor] | None = None,
        edge_weight_dict: dict[EdgeType, Tensor] | None = None,
    ) -> dict[str, Tensor]:
        h = {nt: torch.relu(self.encoders[nt](x)) for nt, x in x_dict.items()}
        h0 = h
        kwargs: dict[str, dict[EdgeType, Tensor]] = {}
        if edge_attr_dict:
            kwargs["edge_attr_dict"] = edge_attr_dict
        if edge_weight_dict:
            kwargs["edge_weight_dict"] = edge_weight_dict
        for conv, norm_any in zip(self.convs, self.norms, strict=True):
            norm: nn.ModuleDict = norm_any  # type: ignore[assignment]
            out = conv(h, edge_index_dict, **kwargs)
            h = {
                nt: nn.functional.dropout(
                    torch.relu(norm[nt](out[nt] + h[nt])) if nt in out else h[nt],
                    p=self.dropout,
                    training=self.training,
                )
                for nt in h
            }
        # Skip connection from the inputs keeps the tender's own screens in the head's view.
        return {nt: torch.cat([h[nt], h0[nt]], dim=-1) for nt in h}

    def forward(
        self,
        x_dict: dict[str, Tensor],
        edge_index_dict: dict[EdgeType, Tensor],
        edge_attr_dict: dict[EdgeType, Tensor] | None = None,
        edge_weight_dict: dict[EdgeType, Tensor] | None = None,
    ) -> dict[str, Tensor]:
        h = self.embed(x_dict, edge_index_dict, edge_attr_dict, edge_weight_dict)
        out = {"tender": self.tender_head(h["tender"]).squeeze(-1)}
        if "firm" in h:
            out["firm"] = self.firm_head(h["firm"]).squeeze(-1)
        return out
