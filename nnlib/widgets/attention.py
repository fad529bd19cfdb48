"""Widgets for notebook 11 (attention).

* ``plot_attention``: one attention map as a heatmap with token labels (also used for the
  notebook's static figures).
* ``attention_map_explorer``: browse a trained model's attention maps by layer, head and
  example.
* ``scaling_explorer``: why scores are divided by sqrt(d): the softmax over q.k of random
  unit-variance vectors, with and without the scaling, as d grows.
"""

from __future__ import annotations

import functools

import numpy as np

from nnlib._checks import (
    check_array,
    check_axes,
    check_bool,
    check_float_pair,
    check_instance,
    check_int,
    check_seed,
    check_text,
    check_token_ids,
    describe,
)
from nnlib.errors import ShapeError
from nnlib.scratch.functional import softmax
from nnlib.widgets.core import InteractiveFigure, dropdown, slider

MEAN_OF_HEADS = "mean of heads"
SCALINGS = ("÷ √d", "none")
DIMENSIONS = (1, 4, 16, 64, 256, 1024, 4096)


def plot_attention(ax, weights, key_labels=None, query_labels=None, title: str = "",
                   xlabel: str = "key (attended to)", ylabel: str = "query (attending)",
                   annotate: bool = False):
    """Heatmap of ``weights`` (Tq, Tk) on ``ax``: row i = how query i spreads its attention.

    Labels are strings per key / query; ``annotate`` writes each weight in its cell, except
    in blocked cells (weight exactly 0), which stay empty.
    """
    where = "plot_attention"
    check_axes(ax, where=where)
    weights = check_array(weights, "weights", ndim=2, shape_text="(Tq, Tk) (a matrix)",
                          where=where)
    for name, labels, size in (("key_labels", key_labels, weights.shape[1]),
                               ("query_labels", query_labels, weights.shape[0])):
        _check_labels(labels, name, size, where)
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        check_text(text, name, where=where)
    check_bool(annotate, "annotate", where=where)
    image = ax.imshow(weights, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    t_q, t_k = weights.shape
    ax.set_xticks(range(t_k), key_labels if key_labels is not None else range(t_k))
    ax.set_yticks(range(t_q), query_labels if query_labels is not None else range(t_q))
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if annotate:
        for i in range(t_q):
            for j in range(t_k):
                value = weights[i, j]
                if value == 0:
                    continue
                ax.text(j, i, f"{value:.2f}".lstrip("0") if value < 1 else "1", ha="center",
                        va="center", fontsize=10, color="white" if value > 0.6 else "black")
    return image


def _check_labels(labels, name: str, size: int, where: str) -> None:
    """None, or one label per row/column (a list, tuple, range or 1-D array; not a str)."""
    if labels is None:
        return
    if isinstance(labels, str) or not hasattr(labels, "__len__") or \
            (isinstance(labels, np.ndarray) and labels.ndim != 1):
        raise TypeError(f"{where}: {name} must be None or a sequence of labels (a list, "
                        f"tuple or range), got {describe(labels)}; e.g. list(text) for a "
                        "string's characters")
    if len(labels) != size:
        raise ShapeError(f"{where}: {name} must have one label per "
                         f"{'column (key)' if name == 'key_labels' else 'row (query)'} of "
                         f"weights, {size}, got {len(labels)} labels")


# -- a trained model's attention maps -------------------------------------------------------------
def collect_attention(model, inputs) -> tuple[np.ndarray, np.ndarray]:
    """Run ``model(inputs, return_attention=True)`` in eval mode without gradients.

    Returns the predictions (N, T) and the weights (layers, N, heads, T, T) as NumPy arrays.
    """
    import torch

    check_instance(model, "model", torch.nn.Module, "a ToyTransformer (a torch.nn.Module)",
                   where="collect_attention")
    inputs = check_token_ids(inputs, "inputs", ndim=2, where="collect_attention",
                             vocab_size=getattr(model, "vocab_size", None))
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        logits, attention = model(torch.as_tensor(inputs).to(device), return_attention=True)
    model.train(was_training)
    weights = np.stack([a.float().cpu().numpy() for a in attention])
    return logits.argmax(-1).cpu().numpy(), weights


def _build_map_artists(fig, shown, key_labels, query_labels) -> dict:
    """The explorer's axes, heat map and token labels; the labels are texts placed where
    tick labels go (invisible tick labels keep their room in the layout)."""
    from matplotlib.transforms import ScaledTranslation

    ax = fig.add_subplot()
    # placeholders as wide as the widest label (with room for a ✗) reserve the space
    widest_q = max(query_labels, key=len)
    image = plot_attention(ax, shown, key_labels, [widest_q + " ✗"] * len(query_labels),
                           xlabel="input token (key)",
                           ylabel="output position → predicted token")
    ax.tick_params(labelcolor="none")
    size = ax.xaxis.get_ticklabels()[0].get_fontsize() if key_labels else 10
    pad = (ax.xaxis.get_major_ticks()[0].get_pad() + 3.5) / 72
    down = ScaledTranslation(0, -pad, fig.dpi_scale_trans)
    left = ScaledTranslation(-pad, 0, fig.dpi_scale_trans)
    key_texts = [ax.text(j, 0, "", transform=ax.get_xaxis_transform() + down, ha="center",
                         va="top", fontsize=size) for j in range(len(key_labels))]
    query_texts = [ax.text(0, i, "", transform=ax.get_yaxis_transform() + left, ha="right",
                           va="center", fontsize=size) for i in range(len(query_labels))]
    return {"axes": list(fig.axes), "ax": ax, "image": image, "key_texts": key_texts,
            "query_texts": query_texts,
            # the frame: over the image
            "animated": [image, ax.title, *ax.spines.values(), *key_texts, *query_texts]}


def attention_map_explorer(model, inputs, targets=None, *, max_examples: int = 20,
                           figsize=(6.0, 5.0)) -> InteractiveFigure:
    """Browse the attention maps of ``model`` (a ``ToyTransformer``) on ``inputs`` (N, T).

    Controls: layer, head (or the mean of the heads), example. Keys are labelled with the
    input tokens, queries with the output position and the predicted token (a ✗ marks a
    wrong one when ``targets`` are given). Everything is computed once, up front.
    """
    where = "attention_map_explorer"
    max_examples = check_int(max_examples, "max_examples", minimum=1, where=where)
    check_float_pair(figsize, "figsize", minimum=1, where=where)
    inputs = check_token_ids(inputs, "inputs", ndim=2, where=where)[:max_examples]
    if inputs.ndim != 2 or len(inputs) == 0:
        raise ValueError(f"inputs must be (N, T) token ids with N >= 1, got {inputs.shape}")
    if targets is not None:
        targets = check_token_ids(targets, "targets", ndim=2, where=where,
                                  allow_negative=True)[:max_examples]  # -1: ignored
        if targets.shape != inputs.shape:
            raise ValueError(f"{where}: targets must have the shape of inputs "
                             f"{inputs.shape}, got {targets.shape}")
    predictions, weights = collect_attention(model, inputs)
    n_layers, n, n_heads = weights.shape[:3]

    def draw(fig, layer, head, example):
        layer_idx = int(layer.split()[-1]) - 1
        per_head = weights[layer_idx, example]                      # (H, T, T)
        shown = per_head.mean(0) if head == MEAN_OF_HEADS else per_head[int(head.split()[-1]) - 1]
        tokens, predicted = inputs[example], predictions[example]
        key_labels = [str(tok) for tok in tokens]
        query_labels = []
        for pos, tok in enumerate(predicted):
            wrong = targets is not None and tok != targets[example, pos]
            query_labels.append(f"{pos}→{tok}" + (" ✗" if wrong else ""))
        art = fig.__dict__.get("_nnlib_artists")
        if art is None or art["axes"] != fig.axes:  # built once, then only updated
            art = fig.__dict__["_nnlib_artists"] = _build_map_artists(fig, shown, key_labels,
                                                                      query_labels)
        ax = art["ax"]
        art["image"].set_data(shown)
        # the token labels are texts drawn with the picture: a new example draws no axis
        for text, label in zip(art["key_texts"], key_labels):
            text.set_text(label)
        for text, label in zip(art["query_texts"], query_labels):
            text.set_text(label)
        ax.set_title(f"{layer}, {head}, example {example}")
        status = f"input {' '.join(key_labels)} | predicted {' '.join(map(str, predicted))}"
        if targets is not None:
            right = int(np.sum(predicted == targets[example]))
            status += f" | {right}/{len(predicted)} tokens right"
        return status

    controls = {
        "layer": dropdown("layer", [f"layer {i + 1}" for i in range(n_layers)]),
        "head": dropdown("head", [f"head {i + 1}" for i in range(n_heads)] + [MEAN_OF_HEADS]),
        "example": slider("example", 0, 0, n - 1, 1, integer=True),
    }
    return InteractiveFigure(draw, controls, figsize=figsize, reuse=True,
                             title="Attention maps of the trained Transformer")


# -- why divide by sqrt(d) -------------------------------------------------------------------------
def softmax_saturation(d: int, scaled: bool, n_keys: int = 16, n_trials: int = 64,
                       seed: int = 0) -> dict:
    """Softmax over the scores of one query against ``n_keys`` keys, all N(0, 1) in R^d.

    Returns the weights of the first trial, the scores' standard deviation, the mean largest
    weight and the mean Frobenius norm of the softmax Jacobian (diag(p) - p p^T) over
    ``n_trials`` random draws: a norm near 0 means almost no gradient flows back.
    """
    where = "softmax_saturation"
    d = check_int(d, "d", minimum=1, maximum=1 << 16, where=where,
                  hint="the query and key dimension, e.g. 64")
    check_bool(scaled, "scaled", where=where)
    n_keys = check_int(n_keys, "n_keys", minimum=1, maximum=4096, where=where)
    n_trials = check_int(n_trials, "n_trials", minimum=1, maximum=4096, where=where)
    seed = check_seed(seed, optional=False, where=where)
    return _softmax_saturation(d, bool(scaled), n_keys, n_trials, seed)


@functools.lru_cache(maxsize=64)  # redraws revisit the same few settings
def _softmax_saturation(d: int, scaled: bool, n_keys: int, n_trials: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_trials, 1, d))
    k = rng.standard_normal((n_trials, n_keys, d))
    scores = (q @ k.transpose(0, 2, 1))[:, 0]                       # (trials, n_keys)
    if scaled:
        scores = scores / np.sqrt(d)
    p = softmax(scores, axis=-1)                                    # (trials, n_keys)
    jacobian = p[:, :, None] * np.eye(n_keys) - p[:, :, None] * p[:, None, :]
    return {"weights": p[0].copy(), "score_std": float(scores.std()),
            "max_weight": float(p.max(-1).mean()),
            "jacobian_norm": float(np.linalg.norm(jacobian, axis=(1, 2)).mean())}


def scaling_explorer(d: int = 256, scaling: str = SCALINGS[1],
                     figsize=(6.0, 3.0)) -> InteractiveFigure:
    """Softmax weights of one random query over 16 random keys in R^d, with or without
    dividing the scores by sqrt(d); the status gives averages over 64 draws."""

    def draw(fig, d, scaling, seed):
        scaled = scaling == SCALINGS[0]
        stats = softmax_saturation(d, scaled, seed=seed)
        art = fig.__dict__.get("_nnlib_artists")
        if art is None or art["axes"] != fig.axes:  # built once, then only updated
            ax = fig.add_subplot()
            bars = list(ax.bar(range(16), np.zeros(16)))
            ax.set(ylim=(0, 1.05), xlabel="key", ylabel="attention weight")
            art = fig.__dict__["_nnlib_artists"] = {"axes": list(fig.axes), "ax": ax,
                                                    "bars": bars,
                                                    "animated": [*bars, ax.title]}
        for bar, weight in zip(art["bars"], stats["weights"]):
            bar.set_height(weight)
            bar.set_facecolor("tab:green" if scaled else "tab:red")
        art["ax"].set_title(f"d = {d}, scores {'q·k / √d' if scaled else 'q·k (not scaled)'}")
        return (f"score std {stats['score_std']:.1f}, largest weight "
                f"{stats['max_weight']:.3f} on average, ‖softmax Jacobian‖ "
                f"{stats['jacobian_norm']:.3f}")

    where = "scaling_explorer"
    controls = {
        "d": dropdown("d", DIMENSIONS, d, arg="d", where=where),
        "scaling": dropdown("scaling", SCALINGS, scaling, arg="scaling", where=where),
        "seed": slider("seed", 0, 0, 20, 1, integer=True),
    }
    return InteractiveFigure(draw, controls, figsize=figsize, reuse=True,
                             title="Why attention divides the scores by √d")
