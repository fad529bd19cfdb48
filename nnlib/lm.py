"""Old import path of the language-model training; it lives in ``nnlib.train.lm`` now, and
``get_batch`` in ``nnlib.data`` (issue 11). Kept only until every notebook moves."""

from __future__ import annotations

from nnlib.data.batching import as_token_tensor
from nnlib.data.batching import get_batch as _get_batch
from nnlib.train.lm import (
    RECIPES,
    LMHistory,
    TrainConfig,
    estimate_loss,
    generate_text,
    lr_multiplier,
    make_scheduler,
    shakespeare_recipe,
    train_lm,
)

__all__ = ["LMHistory", "RECIPES", "TrainConfig", "as_token_tensor", "estimate_loss",
           "generate_text", "get_batch", "lr_multiplier", "make_scheduler",
           "shakespeare_recipe", "train_lm"]


def get_batch(ids, block_size, batch_size, generator=None, device=None):
    """The old argument order of ``nnlib.data.get_batch(ids, batch_size=, block_size=)``."""
    return _get_batch(ids, batch_size=batch_size, block_size=block_size, generator=generator,
                      device=device)
