"""Each notebook-15 checker accepts a right answer and rejects plausible wrong ones."""

import numpy as np

from nnlib.exercises import evaluate


def test_15_1_unpatchify(solved):
    unpatchify = solved("15.1")
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


def test_15_2_vit_parameter_count(solved):
    vit_count = solved("15.2")
    assert evaluate("15.2", vit_count)[0] is True
    passed, message = evaluate("15.2", lambda cfg: vit_count(cfg) - cfg.embed_dim)
    assert passed is False and "class token" in message
    passed, message = evaluate("15.2", lambda cfg: vit_count(cfg) - 4 * cfg.depth * cfg.embed_dim)
    assert passed is False and "LayerNorm" in message
    assert evaluate("15.2", lambda cfg: 19658)[0] is False


def test_15_3_partial_freeze(solved):
    freeze_right = solved("15.3")
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


def test_15_4rollout(solved):
    rollout = solved("15.4")
    assert evaluate("15.4", rollout)[0] is True
    passed, message = evaluate("15.4", lambda w: rollout(w[::-1]))
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
