"""Draw a small computational graph with matplotlib (no graphviz needed).

Inputs on the left, the output on the right. Each value is a box (label, data, grad);
the operation that produced it is a circle just before it.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from nnlib._checks import check_instance
from nnlib.autograd.graph import topological_order

MAX_NODES = 40


def _box_text(node) -> str:
    name = node.label or "·"
    if np.ndim(node.data) == 0:
        return f"{name}\ndata {float(node.data):.4f}\ngrad {float(node.grad):.4f}"
    return f"{name}\nshape {tuple(np.shape(node.data))}"


def draw_graph(root, fig: Figure | None = None) -> Figure:
    """The graph that computed ``root`` (a ``Value`` or ``Tensor``), drawn on ``fig``."""
    from nnlib.autograd.scalar import Value
    from nnlib.autograd.tensor import Tensor

    check_instance(root, "root", (Value, Tensor), "an autograd Value or Tensor (the result "
                   "of a computation)", where="draw_graph")
    check_instance(fig, "fig", Figure, "a matplotlib Figure", where="draw_graph",
                   optional=True)
    order = topological_order(root)
    if len(order) > MAX_NODES:
        raise ValueError(f"the graph has {len(order)} nodes; draw_graph shows at most "
                         f"{MAX_NODES}: draw a smaller expression")
    depth = {}
    for node in order:  # inputs come first, so their depth is known
        depth[id(node)] = 1 + max((depth[id(p)] for p in node._prev), default=-1)
    first_use: dict[int, int] = {}  # move each input next to the first operation using it
    for node in order:
        for parent in node._prev:
            if not parent._prev:
                first_use[id(parent)] = min(first_use.get(id(parent), depth[id(node)]),
                                            depth[id(node)])
    for key, d in first_use.items():
        depth[key] = d - 1
    columns: dict[int, list] = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for d, nodes in columns.items():
        for i, node in enumerate(nodes):
            pos[id(node)] = (3.0 * d, (len(nodes) - 1) / 2 - i)
    height = max(len(nodes) for nodes in columns.values())
    if fig is None:
        fig = Figure(figsize=(2.6 * len(columns) + 0.5, 1.3 * height + 0.6))
    ax = fig.add_subplot()
    ax.set_axis_off()
    arrow = dict(arrowstyle="-|>", color="0.45", lw=1.2, shrinkA=0)
    for node in order:
        x, y = pos[id(node)]
        ax.text(x, y, _box_text(node), ha="center", va="center", fontsize=11, family="monospace",
                bbox=dict(boxstyle="round,pad=0.4", fc="#e8f0fb", ec="#3a6ea5"))
        if node._op:
            reach = 8 + 3 * len(node._op)  # points from the circle's centre to its edge
            ax.text(x - 1.45, y, node._op, ha="center", va="center", fontsize=12,
                    bbox=dict(boxstyle="circle,pad=0.3", fc="#fdf1dc", ec="#c98a1b"))
            ax.annotate("", xy=(x - 0.75, y), xytext=(x - 1.45, y),
                        arrowprops=dict(arrow, shrinkA=reach, shrinkB=0))
            for parent in node._prev:  # from the right edge of the input's box
                px, py = pos[id(parent)]
                bend = "arc3,rad=-0.25" if x - px > 3 else "arc3"  # long edges curve around
                ax.annotate("", xy=(x - 1.45, y), xytext=(px + 0.75, py),
                            arrowprops=dict(arrow, shrinkB=reach, connectionstyle=bend))
    xs = [p[0] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.6 if len(columns) > 1 else -1.6, max(xs) + 0.9)
    ax.set_ylim(-height / 2, height / 2)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.98)
    return fig
