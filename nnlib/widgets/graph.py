"""Over-smoothing explorer (notebook 16): node embeddings after k rounds of message passing.

Left: every node's embedding after ``depth`` rounds of aggregation, drawn in 2-D (projected on
the two principal directions of the starting features, so the axes stay put while the depth
changes), coloured by the node's class, with the graph's edges in grey. Right: how different
the embeddings still are (mean pairwise distance of their directions) against depth, for every
aggregation, the chosen one highlighted and the chosen depth marked.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from nnlib._checks import check_array, check_choice, check_int
from nnlib.data.graphs import check_adjacency
from nnlib.scratch.graph import AGGREGATIONS, mean_pairwise_distance, propagate
from nnlib.widgets.core import InteractiveFigure, dropdown, slider

HOW = ("gcn",) + AGGREGATIONS
LABELS = {"gcn": "GCN (symmetric)", "mean": "mean", "sum": "sum (rescaled)", "max": "max"}


def _embedding_frame(x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the top-2 principal directions (F, 2) of the starting features."""
    mean = x0.mean(axis=0)
    _, _, vt = np.linalg.svd(x0 - mean, full_matrices=False)
    basis = vt[:2].T
    if basis.shape[1] < 2:   # one feature only: a second axis of zeros
        basis = np.pad(basis, ((0, 0), (0, 2 - basis.shape[1])))
    return mean, basis


class OverSmoothingExplorer(InteractiveFigure):
    """Choose an aggregation and a depth; see the embeddings and the spread measure.

    adjacency: (N, N) symmetric; features: (N, F); labels: (N,) classes (for colours only).
    max_depth: the slider's range (all depths are computed once, up front).
    """

    def __init__(self, adjacency, features, labels, *, how: str = "gcn", depth: int = 0,
                 max_depth: int = 32):
        where = "OverSmoothingExplorer"
        self.adjacency = check_adjacency(adjacency, symmetric=True, where=where)
        n = len(self.adjacency)
        self.features = check_array(features, "features", where=where, ndim=2,
                                    shape_text="(N, F)")
        if len(self.features) != n:
            raise ValueError(f"{where}: features has {len(self.features)} rows but the graph "
                             f"has {n} nodes")
        self.labels = check_array(labels, "labels", where=where, dtype="int", shape=(n,),
                                  shape_text=f"({n},), one class per node")
        check_choice(how, "how", HOW, where=where)
        self.max_depth = check_int(max_depth, "max_depth", minimum=1, where=where)
        check_int(depth, "depth", minimum=0, maximum=self.max_depth, where=where)
        self.layers = {h: propagate(self.features, self.adjacency, self.max_depth, h)
                       for h in HOW}
        self.spread = {h: np.array([mean_pairwise_distance(x) for x in self.layers[h]])
                       for h in HOW}
        self.src, self.dst = np.nonzero(np.triu(self.adjacency, k=1))
        self._mean, self._basis = _embedding_frame(self.features.astype(np.float64))
        start = self.embedding_2d("gcn", 0)
        pad = 0.05 * (start.max(axis=0) - start.min(axis=0)) + 1e-9
        self._limits = (start.min(axis=0) - pad, start.max(axis=0) + pad)  # fixed axes
        controls = {
            "how": dropdown("aggregation", [(LABELS[h], h) for h in HOW], how, arg="how",
                            where=where),
            "depth": slider("depth (rounds)", depth, 0, self.max_depth, 1, integer=True,
                            arg="depth", where=where),
        }
        super().__init__(self._draw, controls, figsize=(9.5, 3.8), reuse=True,
                         title="Over-smoothing: embeddings after k rounds of message passing")

    def embedding_2d(self, how: str, depth: int) -> np.ndarray:
        """The (N, 2) points drawn for ``how`` at ``depth``.

        Each row is scaled to the mean row length of the starting features (only directions
        matter for the measure, and sum aggregation grows without bound), then projected.
        """
        x = self.layers[how][depth]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        scale = np.linalg.norm(self.features, axis=1).mean()
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0) * scale
        return (x - self._mean) @ self._basis

    def _build(self, fig) -> dict:
        """Both axes once; the points, edges, curves' emphasis, marker, legend and title are
        updated and blitted over them (see :func:`~nnlib.widgets.core._blit_png`)."""
        art = {}
        ax = fig.add_subplot(1, 2, 1)
        art["points"] = ax.scatter(np.zeros(len(self.labels)), np.zeros(len(self.labels)),
                                   c=self.labels, cmap="tab10", s=18, vmin=0, vmax=9, zorder=2,
                                   edgecolors="k", linewidths=0.3)
        art["edges"] = LineCollection([], colors="0.8", linewidths=0.5, zorder=1)
        ax.add_collection(art["edges"])  # (one collection: a line per edge is slow to draw)
        art["title"] = ax.set_title(" ")
        lo, hi = self._limits
        ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), xticks=[], yticks=[])
        ax2 = fig.add_subplot(1, 2, 2)
        steps = np.arange(self.max_depth + 1)
        art["curves"] = {h: ax2.plot(steps, self.spread[h], label=LABELS[h])[0] for h in HOW}
        art["marker"] = ax2.axvline(0, color="k", ls=":", lw=1)
        ax2.set(xlabel="depth (rounds of aggregation)", ylabel="mean pairwise distance",
                title="how different the nodes still are")
        ax2.set(xlim=ax2.get_xlim(), ylim=ax2.get_ylim())  # fixed: the curves never change
        art["ax2"], art["how"] = ax2, None
        fig.__dict__["_nnlib_artists"] = art
        return art

    def _draw(self, fig, how, depth):
        art = fig.__dict__.get("_nnlib_artists") or self._build(fig)
        pts = self.embedding_2d(how, depth)
        art["points"].set_offsets(pts)
        art["edges"].set_segments(np.stack([pts[self.src], pts[self.dst]], axis=1))
        spread = self.spread[how][depth]
        art["title"].set_text(f"{LABELS[how]}, depth {depth}: spread {spread:.3f}")
        art["marker"].set_xdata([depth, depth])
        if art["how"] != how:  # the chosen aggregation drawn bold, and so in the legend
            for h, line in art["curves"].items():
                line.set(linewidth=2.5 if h == how else 1, alpha=1 if h == how else 0.5)
            art["legend"] = art["ax2"].legend(fontsize=8)
            art["how"] = how
        art["animated"] = [art["edges"], art["points"], art["title"], *art["curves"].values(),
                           art["marker"], art["legend"]]
        return (f"{LABELS[how]} aggregation, {depth} rounds: mean pairwise distance of the "
                f"directions {spread:.3f} (at depth 0: {self.spread[how][0]:.3f})")


def over_smoothing_explorer(adjacency, features, labels, **kwargs) -> OverSmoothingExplorer:
    """Build an :class:`OverSmoothingExplorer` (see its docstring)."""
    return OverSmoothingExplorer(adjacency, features, labels, **kwargs)
