"""The picture of a suspicious network (PNG), shared by the API and the alert emails.

networkx lays the nodes out (seeded, so the same network gives the same picture) and matplotlib's Agg
canvas draws them through the object API (no pyplot state, safe in the API's thread pool).
"""

from __future__ import annotations

import io
from typing import Any

COLORS = {
    "Agency": "#1f77b4", "Unit": "#aec7e8", "Tender": "#ff7f0e", "Item": "#ffbb78", "Supplier": "#2ca02c",
    "Person": "#d62728", "Address": "#9467bd", "Phone": "#8c564b", "Email": "#e377c2", "Sanction": "#000000",
}


def network_png(network: dict[str, Any], *, title: str | None = None, width: float = 8.0, height: float = 6.0,
                dpi: int = 100, max_labels: int = 40) -> bytes:
    """Draw `{"subject_id", "nodes": [{id, label, caption, risk_score}], "edges": [{src, dst, type}]}`."""
    import networkx as nx
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    g = nx.MultiDiGraph()
    nodes = {n["id"]: n for n in network.get("nodes", [])}
    for nid, n in nodes.items():
        g.add_node(nid, **{"label": n.get("label") or "?"})
    for e in network.get("edges", []):
        if e["src"] in nodes and e["dst"] in nodes:
            g.add_edge(e["src"], e["dst"], type=e.get("type", ""))
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(111)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    if g.number_of_nodes():
        pos = nx.spring_layout(nx.Graph(g), seed=7, k=None)
        subject = network.get("subject_id")
        colors = [COLORS.get(g.nodes[n]["label"], "#7f7f7f") for n in g.nodes]
        sizes = [700 if n == subject else 260 for n in g.nodes]
        nx.draw_networkx_edges(nx.Graph(g), pos, ax=ax, alpha=0.4, width=1.0)
        nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colors, node_size=sizes, linewidths=1.5,
                               edgecolors=["#d62728" if n == subject else "#ffffff" for n in g.nodes])
        if g.number_of_nodes() <= max_labels:
            labels = {nid: str(nodes[nid].get("caption") or nid)[:28] for nid in g.nodes}
            nx.draw_networkx_labels(g, pos, labels=labels, ax=ax, font_size=7)
        present = sorted({g.nodes[n]["label"] for n in g.nodes})
        ax.legend(handles=[Patch(color=COLORS.get(lab, "#7f7f7f"), label=lab) for lab in present],
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    else:
        ax.text(0.5, 0.5, "sem rede", ha="center", va="center")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()
