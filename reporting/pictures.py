"""The picture of a suspicious network (PNG), the same in the alert emails, the API and the console.

A finding's picture draws its own structure (`finding_network`: the firms, the partners and contacts that
link them, the tenders they met in and their bids), never the agency's other tenders. The layout is in
columns by kind of node (links | firms | items | tenders | agencies), ordered to cut crossings, so the same
network always gives the same picture; labels are names (CPFs masked), shortened with an ellipsis to fit,
and a placement pass keeps any two labels from overlapping (a label that cannot be placed is left out).
Everything an auditor reads is in Portuguese. matplotlib's Agg canvas draws through the object API (no
pyplot state, safe in the API's thread pool).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from reporting import br
from reporting.masking import guard, mask_cpf_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

# smallest picture (inches at `dpi`): 12 x 8 at 100 dpi is 1200 x 800 pixels
MIN_WIDTH, MIN_HEIGHT = 12.0, 8.0
FONT_PT = 10.0  # node labels; never under 9 pt at the minimum size
SMALL_PT = 9.0  # second lines and edge labels
MAX_NODES = 200
MAX_EDGE_LABELS = 16  # more edges than that: the legend alone says what each line means

COLORS = {
    "Agency": "#1f77b4", "Unit": "#aec7e8", "Tender": "#ff7f0e", "Item": "#ffbb78", "Supplier": "#2ca02c",
    "Person": "#d62728", "Address": "#9467bd", "Phone": "#8c564b", "Email": "#e377c2", "Sanction": "#000000",
}
LABEL_PT = {
    "Agency": "Órgão", "Unit": "Unidade", "Tender": "Licitação", "Item": "Item", "Supplier": "Fornecedor",
    "Person": "Sócio", "Address": "Endereço", "Phone": "Telefone", "Email": "E-mail", "Sanction": "Sanção",
}
MARKERS = {"Agency": "s", "Unit": "s", "Tender": "D", "Item": "d", "Supplier": "o", "Person": "^",
           "Address": "p", "Phone": "h", "Email": "h", "Sanction": "X"}
# columns, left to right: what links the firms, the firms, their items, tenders, the agencies
LAYER = {"Person": 0, "Address": 0, "Phone": 0, "Email": 0, "Sanction": 0, "Supplier": 1, "Item": 2, "Tender": 3,
         "Unit": 4, "Agency": 4}


@dataclass(frozen=True)
class EdgeStyle:
    legend: str  # what the legend says, in Portuguese
    color: str
    linestyle: str
    width: float
    text: str = ""  # the short label drawn on the edge itself ("" for none)


EDGE_STYLES: dict[str, EdgeStyle] = {
    "won": EdgeStyle("lance vencedor", "#2ca02c", "solid", 2.6, "venceu"),
    "lost": EdgeStyle("lance perdedor", "#7f7f7f", "dashed", 1.4, "perdeu"),
    "bid": EdgeStyle("lance", "#7f7f7f", "dotted", 1.2),
    "awarded": EdgeStyle("adjudicação", "#2ca02c", "solid", 2.6, "adjudicado"),
    "partner": EdgeStyle("sócio", "#d62728", "solid", 1.8, "sócio"),
    "contact": EdgeStyle("endereço/telefone/e-mail", "#9467bd", "solid", 1.6),
    "sanction": EdgeStyle("sanção", "#000000", "solid", 1.8, "sancionado"),
    "branch": EdgeStyle("filial de", "#17becf", "dashdot", 1.6, "filial"),
    "structure": EdgeStyle("publicou / contém", "#c7c7c7", "solid", 1.0),
}
_KIND_OF_TYPE = {"PARTNER_OF": "partner", "LOCATED_AT": "contact", "HAS_PHONE": "contact", "HAS_EMAIL": "contact",
                 "SANCTIONED": "sanction", "BRANCH_OF": "branch", "AWARDED": "awarded"}


def edge_kind(edge: dict[str, Any]) -> str:
    """The meaning of an edge, a key of EDGE_STYLES: a bid is won, lost or (no `won` known) just a bid."""
    t = edge.get("type", "")
    if t == "BID":
        won = edge.get("won")
        return "bid" if won is None else ("won" if won else "lost")
    return _KIND_OF_TYPE.get(t, "structure")


class Runner(Protocol):
    def read(self, name: str, params: Any = None) -> list[dict[str, Any]]: ...


# the finding's own network ------------------------------------------------------------------------------
def finding_network(runner: Runner, finding_id: str) -> dict[str, Any] | None:
    """`api/get_finding_network` shaped like the subject networks (CPFs re-masked); None when unknown."""
    rows = runner.read("api/get_finding_network", {"id": finding_id})
    if not rows:
        return None
    row = rows[0]
    nodes = [guard(n) for n in row.get("nodes") or [] if n.get("id")]
    ids = {n["id"] for n in nodes}
    edges = [e for e in row.get("edges") or [] if e.get("src") in ids and e.get("dst") in ids]
    return {"finding_id": row.get("finding_id") or finding_id, "subject_id": row.get("subject_id") or "",
            "title": row.get("title") or "",
            "detector": row.get("detector"), "nodes": nodes, "edges": edges}


def finding_picture(runner: Runner, finding_id: str, *, title: str | None = None) -> bytes | None:
    """The PNG of one finding's structure (≥ 1200 × 800 px), or None when the finding is unknown.
    `title` defaults to the finding's own title."""
    net = finding_network(runner, finding_id)
    if net is None:
        return None
    return network_png(net, title=title if title is not None else (net["title"] or finding_id))


# drawing -------------------------------------------------------------------------------------------------
@dataclass
class Drawing:
    """A drawn picture, open for inspection (tests): the figure, its label texts and its edge lines."""

    figure: Figure
    labels: list[tuple[str, Text]] = field(default_factory=list)  # (node id or "edge:src>dst", text)
    edges: list[tuple[dict[str, Any], Any]] = field(default_factory=list)  # (edge, Line2D)
    legend_texts: list[str] = field(default_factory=list)

    def label_boxes(self) -> list[tuple[str, Bbox]]:
        """The window extent (pixels) of every visible label, as drawn."""
        r = self.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        return [(k, t.get_window_extent(r)) for k, t in self.labels if t.get_visible()]

    def texts(self) -> list[str]:
        """Every visible text of the picture: title, labels and legend."""
        from matplotlib.text import Text

        return [t.get_text() for t in self.figure.findobj(Text) if t.get_visible() and t.get_text()]

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=self.figure.dpi)
        return buf.getvalue()


def network_png(network: dict[str, Any], *, title: str | None = None, width: float = MIN_WIDTH,
                height: float = MIN_HEIGHT, dpi: int = 100, max_labels: int = MAX_NODES) -> bytes:
    """Draw `{"subject_id" or "finding_id", "nodes": [{id, label, caption, ...}], "edges": [{src, dst, type,
    won?}]}` as a PNG of at least 1200 × 800 pixels (smaller sizes asked for are raised to that)."""
    return draw_network(network, title=title, width=width, height=height, dpi=dpi, max_labels=max_labels).png()


def _truncate(text: str, max_px: float, measure: Any) -> str:
    """`text` shortened with an ellipsis until it is at most `max_px` wide (as `measure` says)."""
    if max_px <= 0 or not text:
        return ""
    w = measure(text)
    if w <= max_px:
        return text
    n = max(1, int(len(text) * max_px / w))
    while n > 1 and measure(text[:n].rstrip() + "…") > max_px:
        n -= 1
    return text[:n].rstrip() + "…"


def _wrap(text: str, max_px: float, max_lines: int, measure: Any) -> list[str]:
    """`text` on at most `max_lines` lines of at most `max_px`, broken between words; the last line is
    shortened with an ellipsis when the text does not fit."""
    words, lines = text.split(), list[str]()
    while words and len(lines) < max_lines - 1:
        n = len(words)
        while n > 1 and measure(" ".join(words[:n])) > max_px:
            n -= 1
        if n == len(words):
            break
        lines.append(_truncate(" ".join(words[:n]), max_px, measure))
        words = words[n:]
    if words:
        lines.append(_truncate(" ".join(words), max_px, measure))
    return lines


def _caption(n: dict[str, Any]) -> str:
    """The node's name, CPFs masked; phones written `(62) 99999-0000`."""
    caption = str(n.get("caption") or LABEL_PT.get(str(n.get("label")), "?"))
    digits = "".join(c for c in caption if c.isdigit())
    if n.get("label") == "Phone" and digits == caption and len(digits) in (10, 11):
        return f"({digits[:2]}) {digits[2:-4]}-{digits[-4:]}"
    return mask_cpf_text(caption)


def _detail(n: dict[str, Any]) -> str:
    """A short second line: the document (masked CPF for people), or the tender's process number."""
    label = n.get("label")
    if label in ("Supplier", "Person", "Agency") and n.get("document"):
        doc = str(n["document"])
        if len(doc) == 14 and doc.isdigit():
            doc = f"{doc[:2]}.{doc[2:5]}.{doc[5:8]}/{doc[8:12]}-{doc[12:]}"
        return mask_cpf_text(doc)
    if label == "Phone":
        return ""
    if label == "Item" and n.get("_won_at") is not None:
        return f"vencedor: {br.money(n['_won_at'])}"
    if label == "Tender" and n.get("process_number"):
        year = n.get("year")
        proc = str(n["process_number"])
        return f"Processo {proc}" + (f" ({year})" if year and str(year) not in proc else "")
    return ""


def _crossings(layers: dict[int, list[str]], edges: list[tuple[str, str]]) -> int:
    """How many pairs of edges cross, with the columns in their current order."""
    where = {nid: (k, (i + 0.5) / len(ids)) for k, ids in layers.items() for i, nid in enumerate(ids)}
    spans: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for a, b in edges:
        (ka, ya), (kb, yb) = where[a], where[b]
        if ka != kb:
            key, ys = ((ka, kb), (ya, yb)) if ka < kb else ((kb, ka), (yb, ya))
            spans.setdefault(key, []).append(ys)
    n = 0
    for pairs in spans.values():
        for i, (a0, b0) in enumerate(pairs):
            n += sum(1 for a1, b1 in pairs[i + 1:] if (a0 - a1) * (b0 - b1) < 0)
    return n


def _order_layers(layers: dict[int, list[str]], nbrs: dict[str, set[str]], edges: list[tuple[str, str]]) -> None:
    """Barycenter sweeps (Sugiyama): left to right, each column ordered by the mean position of its
    neighbours in the columns before it, then right to left by those after it; the order with the fewest
    crossings is kept. Ties keep the previous order, so the result is deterministic."""
    keys = sorted(layers)
    count = len(edges) <= 400  # counting is quadratic; past that, the last sweep stands
    best, best_n = {k: list(v) for k, v in layers.items()}, _crossings(layers, edges) if count else 0
    for sweep in range(8):
        down = sweep % 2 == 0
        for key in (keys[1:] if down else keys[-2::-1]):
            rank = {nid: (i + 0.5) / len(ids) for k, ids in layers.items() if (k < key if down else k > key)
                    for i, nid in enumerate(ids)}
            ids = layers[key]
            keyed = []
            for i, nid in enumerate(ids):
                ns = [rank[m] for m in nbrs.get(nid, ()) if m in rank]
                keyed.append((sum(ns) / len(ns) if ns else (i + 0.5) / len(ids), i, nid))
            layers[key] = [nid for _, _, nid in sorted(keyed)]
        if count:
            n = _crossings(layers, edges)
            if n < best_n:
                best, best_n = {k: list(v) for k, v in layers.items()}, n
    if count:
        layers.update(best)


def draw_network(network: dict[str, Any], *, title: str | None = None, width: float = MIN_WIDTH,
                 height: float = MIN_HEIGHT, dpi: int = 100, max_labels: int = MAX_NODES) -> Drawing:
    """Lay out and draw the network; see the module docstring. Returns the drawing for inspection."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    width, height = max(width, MIN_WIDTH * 100 / dpi), max(height, MIN_HEIGHT * 100 / dpi)
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    drawing = Drawing(fig)
    W = fig.bbox.width
    ax = fig.add_axes((0.01, 0.03, 0.76, 0.86))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    leg_ax = fig.add_axes((0.78, 0.03, 0.21, 0.86))
    leg_ax.set_axis_off()
    if title:
        t = fig.text(0.01, 0.97, "", fontsize=14, fontweight="bold", ha="left", va="top")
        t.set_text(_truncate(mask_cpf_text(title), W * 0.96, lambda s: _measure(t, s, renderer)))
    sub = network.get("finding_id") or network.get("subject_id")
    if sub:
        fig.text(0.01, 0.925, str(sub), fontsize=SMALL_PT, color="#555555", ha="left", va="top")

    nodes = {n["id"]: n for n in network.get("nodes", []) if n.get("id")}
    if len(nodes) > MAX_NODES:
        nodes = dict(list(nodes.items())[:MAX_NODES])
    edges = [e for e in network.get("edges", []) if e.get("src") in nodes and e.get("dst") in nodes
             and e["src"] != e["dst"]]
    if not nodes:
        ax.text(0.5, 0.5, "sem rede para mostrar", ha="center", va="center", fontsize=FONT_PT + 2)
        return drawing
    for e in edges:  # an item's winning unit price is its second line (an overpricing picture's point)
        if e.get("type") == "BID" and e.get("won") and e.get("unit_value") is not None \
                and nodes[e["dst"]].get("label") == "Item":
            nodes[e["dst"]] = {**nodes[e["dst"]], "_won_at": e["unit_value"]}
    center = {network.get("subject_id"), *(n["id"] for n in nodes.values() if n.get("named"))} - {None}

    # columns and their order
    nbrs: dict[str, set[str]] = {nid: set() for nid in nodes}
    for e in edges:
        nbrs[e["src"]].add(e["dst"])
        nbrs[e["dst"]].add(e["src"])
    layers: dict[int, list[str]] = {}
    start = sorted(nodes, key=lambda nid: (nid not in center, str(nodes[nid].get("caption") or nid), nid))
    for nid in start:
        layers.setdefault(LAYER.get(str(nodes[nid].get("label")), 2), []).append(nid)
    _order_layers(layers, nbrs, [(e["src"], e["dst"]) for e in edges])

    # positions: each column a slot of the axes; names wrap on two lines when the columns have room, and a
    # column too tall for its rows wraps into sub-columns
    ax_w, ax_h = ax.bbox.width, ax.bbox.height
    tallest = max(len(ids) for ids in layers.values())
    line_px = FONT_PT * 1.3 * dpi / 72
    # second lines (documents, process numbers) only while every column still fits in one
    details = any(_detail(n) for n in nodes.values()) and tallest * (line_px * 2 + 8) <= ax_h * 0.96
    name_lines = 2 if tallest * (line_px * (2 + details) + 8) <= ax_h * 0.96 else 1
    row_px = line_px * (name_lines + details) + 8
    max_rows = max(1, int(ax_h * 0.96 // row_px))
    slots: list[tuple[int, list[str]]] = []
    for k in sorted(layers):
        ids = layers[k]
        per = -(-len(ids) // max_rows)
        rows = -(-len(ids) // per)
        for j in range(per):
            slots.append((k, ids[j * rows:(j + 1) * rows]))
    slot_w = 1.0 / len(slots)
    inset = min(0.03, slot_w * 0.1)
    pos: dict[str, tuple[float, float]] = {}
    for si, (_, ids) in enumerate(slots):
        step = min(1.0 / max(len(ids), 1), 0.2)
        top = 0.5 + step * (len(ids) - 1) / 2
        for i, nid in enumerate(ids):
            pos[nid] = (si * slot_w + inset, top - i * step)
    label_px = (slot_w - inset) * ax_w - 24

    # edges, under the nodes; a bid drawn from the firm to the tender or item; two nodes of one column (a
    # branch, a partner company) joined by an arc to the left, so the line does not run through the others
    for e in edges:
        kind = edge_kind(e)
        st = EDGE_STYLES[kind]
        xs, ys = _curve(pos[e["src"]], pos[e["dst"]], min(0.05, slot_w * 0.3))
        (line,) = ax.plot(xs, ys, color=st.color, linestyle=st.linestyle, linewidth=st.width,
                          zorder=1, alpha=0.9, solid_capstyle="round")
        line.set_gid(kind)
        drawing.edges.append((e, line))

    # nodes
    kinds_present: list[str] = []
    for nid, n in nodes.items():
        lab = str(n.get("label") or "?")
        if lab not in kinds_present:
            kinds_present.append(lab)
        big = nid in center
        size = 360 if nid == network.get("subject_id") else 240 if big else 150
        ax.scatter([pos[nid][0]], [pos[nid][1]], s=size, marker=MARKERS.get(lab, "o"),
                   c=COLORS.get(lab, "#7f7f7f"), edgecolors="#d62728" if big else "#ffffff",
                   linewidths=2.4 if big else 1.0, zorder=3)

    # labels: node labels first (the finding's own nodes before the rest), then edge labels where they fit
    to_px = ax.transData.transform
    taken: list[Bbox] = []
    from matplotlib.transforms import Bbox as _Bbox

    for nid in nodes:
        px, py = to_px(pos[nid])
        r = 9.0
        taken.append(_Bbox.from_extents(px - r, py - r, px + r, py + r))
    order = sorted(nodes, key=lambda nid: (nid not in center, LAYER.get(str(nodes[nid].get("label")), 2) != 1, nid))
    for nid in order[:max_labels]:
        n = nodes[nid]
        caption = _caption(n)
        detail = _detail(n) if details else ""
        detail = "" if detail in caption else detail
        txt = ax.text(0, 0, "", fontsize=FONT_PT, fontweight="bold" if nid in center else "normal", zorder=5,
                      va="center", ha="left", color="#111111",
                      bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})
        x, y = pos[nid]
        # in a crowded picture the subject's own label may run wider than its column when that fits
        for px_wide in ([260.0, label_px] if nid in center and label_px < 150 else [label_px]):
            txt.set_visible(True)  # an invisible text measures nothing
            lines = _wrap(caption, px_wide, name_lines, lambda s, t=txt: _measure(t, s, renderer))
            if detail:
                lines.append(_truncate(detail, px_wide, lambda s, t=txt: _measure(t, s, renderer)))
            txt.set_text("\n".join(x for x in lines if x))
            # above right of the node first: an edge leaving it level runs under the label, not behind it
            if _place(txt, [(x, y, 11, 2, "left", "bottom"), (x, y, 11, -2, "left", "top"),
                            (x, y, 0, 10, "center", "bottom"), (x, y, 0, -10, "center", "top"),
                            (x, y, -11, 2, "right", "bottom")], taken, renderer, ax.bbox):
                drawing.labels.append((nid, txt))
                break
    labelled = [(e, line) for e, line in drawing.edges if EDGE_STYLES[line.get_gid()].text]
    for e, line in labelled if len(labelled) <= MAX_EDGE_LABELS else []:
        st = EDGE_STYLES[line.get_gid()]
        xs, ys = line.get_data()
        word = st.text
        if e.get("unit_value") is not None and nodes[e["dst"]].get("label") == "Item":
            word = f"{word} {br.money(e['unit_value'])}"  # on an item, the price is the point
        txt = ax.text(0, 0, word, fontsize=SMALL_PT, color=st.color if st.color != "#c7c7c7" else "#555555",
                      zorder=4, va="center", ha="center", fontstyle="italic",
                      bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
        cands = [(*_along(xs, ys, f), 0.0, 0.0, "center", "center") for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75)]
        # a label on a crossing would name the wrong edge: it must touch no other line
        others = [seg for o, ln in drawing.edges if o is not e for seg in _segments(ln, to_px)]
        if _place(txt, cands, taken, renderer, ax.bbox, avoid=others):
            drawing.labels.append((f"edge:{e['src']}>{e['dst']}", txt))

    # legend, in Portuguese: kinds of node present, then the meanings of the edges present
    handles: list[Any] = []
    for lab in sorted(kinds_present, key=lambda x: (LAYER.get(x, 2), x)):
        handles.append(Line2D([], [], linestyle="none", marker=MARKERS.get(lab, "o"), markersize=10,
                              markerfacecolor=COLORS.get(lab, "#7f7f7f"), markeredgecolor="#ffffff",
                              label=LABEL_PT.get(lab, lab)))
    if center:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=11, markerfacecolor="#ffffff",
                              markeredgecolor="#d62728", markeredgewidth=2.4,
                              label="citado no achado" if network.get("finding_id") else "centro da rede"))
    drawn = {line.get_gid() for _, line in drawing.edges}
    for kind, st in EDGE_STYLES.items():
        if kind in drawn:
            handles.append(Line2D([], [], color=st.color, linestyle=st.linestyle,  # type: ignore[arg-type]
                                  linewidth=max(st.width, 1.6), label=st.legend))
    leg = leg_ax.legend(handles=handles, loc="upper left", fontsize=10.5, frameon=False, title="Legenda",
                        title_fontsize=12, alignment="left", handlelength=2.4, labelspacing=0.8,
                        borderaxespad=0.2)
    drawing.legend_texts = [t.get_text() for t in leg.get_texts()]
    fig.text(0.78, 0.03, f"{len(nodes)} nós, {len(edges)} ligações", fontsize=SMALL_PT, color="#555555",
             ha="left", va="bottom")
    return drawing


def _measure(t: Text, s: str, renderer: Any) -> float:
    t.set_text(s)
    return float(t.get_window_extent(renderer).width)


def _curve(a: tuple[float, float], b: tuple[float, float], bulge: float) -> tuple[list[float], list[float]]:
    """The points of an edge: a straight line, or an arc bulging left when both ends share a column."""
    (x0, y0), (x1, y1) = a, b
    if abs(x0 - x1) > 1e-9:
        return [x0, x1], [y0, y1]
    n = 24
    ts = [i / n for i in range(n + 1)]
    return [x0 - bulge * 4 * t * (1 - t) for t in ts], [y0 + (y1 - y0) * t for t in ts]


def _along(xs: Any, ys: Any, f: float) -> tuple[float, float]:
    """The point at fraction `f` of a polyline's points (its straight line for two points)."""
    xs, ys = list(xs), list(ys)
    if len(xs) == 2:
        return xs[0] + (xs[1] - xs[0]) * f, ys[0] + (ys[1] - ys[0]) * f
    i = round(f * (len(xs) - 1))
    return xs[i], ys[i]


def _segments(line: Any, to_px: Any) -> list[tuple[Any, Any]]:
    """A drawn line's segments, in pixels."""
    pts = to_px(line.get_xydata())
    return [(pts[i], pts[i + 1]) for i in range(len(pts) - 1)]


def _hits(p0: Any, p1: Any, box: Bbox) -> bool:
    """Whether the segment p0-p1 (pixels) passes through `box` (Liang-Barsky clipping)."""
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def _place(txt: Text, candidates: Sequence[tuple[float, float, float, float, str, str]], taken: list[Bbox],
           renderer: Any, frame: Bbox, avoid: Sequence[tuple[Any, Any]] = ()) -> bool:
    """Put `txt` at the first candidate (x, y, dx pt, dy pt, ha, va) whose box overlaps no box in `taken`,
    crosses no segment of `avoid` and stays inside `frame`; hide it when none does. The box placed joins
    `taken`."""
    from matplotlib.transforms import offset_copy

    fig = txt.get_figure()
    for x, y, dx, dy, ha, va in candidates:
        txt.set_position((x, y))
        txt.set_horizontalalignment(ha)  # type: ignore[arg-type]
        txt.set_verticalalignment(va)  # type: ignore[arg-type]
        txt.set_transform(offset_copy(txt.axes.transData, fig=fig, x=dx, y=dy, units="points"))  # type: ignore
        box = txt.get_window_extent(renderer).expanded(1.0, 1.0)
        pad = box.padded(2)
        inside = pad.x0 >= frame.x0 and pad.x1 <= frame.x1 and pad.y0 >= frame.y0 and pad.y1 <= frame.y1
        if inside and not any(pad.overlaps(b) for b in taken) and not any(_hits(a, b, pad) for a, b in avoid):
            taken.append(pad)
            return True
    txt.set_visible(False)
    return False
