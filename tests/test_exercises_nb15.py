"""Each notebook-15 checker accepts a right answer and rejects plausible wrong ones."""

import numpy as np

from nnlib.exercises import evaluate
from nnlib.exercises.nb15 import _rollout, _vit_count


def unpatchify(patches, image_size, p, c):
    n, g = len(patches), image_size // p
    grid = patches.reshape(n, g, g, c, p, p)
    return grid.transpose(0, 3, 1, 4, 2, 5).reshape(n, c, image_size, image_size)


def test_15_1_unpatchify():
    assert evaluate("15.1", unpatchify)[0] is True
    passed, message = evaluate("15.1", lambda P, s, p, c: P.reshape(len(P), c, s, s))
    assert passed is False and "plain reshape" in message

    def grid_transposed(patches, s, p, c):
        n, g = len(patches), s // p
        return patches.reshape(n, g, g, c, p, p).transpose(0, 3, 2, 4, 1, 5).reshape(n, c, s, s)
    passed, message = evaluate("15.1", grid_transposed)
    assert passed is False and "transposed" in message
    passed, message = evaluate("15.1", lambda P, s, p, c: unpatchify(P, s, p, c)[:, 0])
    assert passed is False and "(N, C, H, W)" in message


def test_15_2_vit_parameter_count():
    assert evaluate("15.2", _vit_count)[0] is True
    passed, message = evaluate("15.2", lambda cfg: _vit_count(cfg) - cfg.embed_dim)
    assert passed is False and "class token" in message
    passed, message = evaluate("15.2", lambda cfg: _vit_count(cfg) - 4 * cfg.depth * cfg.embed_dim)
    assert passed is False and "LayerNorm" in message
    assert evaluate("15.2", lambda cfg: 19658)[0] is False


def freeze_right(vit):
    for p in vit.parameters():
        p.requires_grad_(False)
    for m in (vit.blocks[-1], vit.norm, vit.head):
        for p in m.parameters():
            p.requires_grad_(True)
    return sum(p.numel() for p in vit.parameters() if p.requires_grad)


def test_15_3_partial_freeze():
    assert evaluate("15.3", freeze_right)[0] is True

    def head_only(vit):
        for p in vit.parameters():
            p.requires_grad_(False)
        for p in vit.head.parameters():
            p.requires_grad_(True)
        return sum(p.numel() for p in vit.head.parameters())
    passed, message = evaluate("15.3", head_only)
    assert passed is False and "frozen" in message

    def no_count(vit):
        freeze_right(vit)
        return None
    passed, message = evaluate("15.3", no_count)
    assert passed is False and "return the number" in message

    def positions_left_trainable(vit):
        n = freeze_right(vit)
        vit.pos_embed.requires_grad_(True)
        return n
    passed, message = evaluate("15.3", positions_left_trainable)
    assert passed is False and "pos_embed is trainable" in message


def test_15_4_rollout():
    assert evaluate("15.4", _rollout)[0] is True
    passed, message = evaluate("15.4", lambda w: _rollout(w[::-1]))
    assert passed is False and "wrong order" in message

    def no_identity(w):
        out = np.eye(w.shape[-1])
        for layer in w:
            out = layer.mean(0) @ out
        return out
    passed, message = evaluate("15.4", no_identity)
    assert passed is False and "identity" in message

    def no_renorm(w):
        out = np.eye(w.shape[-1])
        for layer in w:
            out = (layer.mean(0) + np.eye(w.shape[-1])) @ out
        return out
    passed, message = evaluate("15.4", no_renorm)
    assert passed is False and "divide each row" in message
