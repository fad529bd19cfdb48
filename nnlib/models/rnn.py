"""Recurrent models in PyTorch for notebook 10: a sequence regressor and a character model.

* ``SequenceRegressor``: reads ``(N, T, input_size)`` with an RNN, LSTM or GRU and predicts
  one number per sequence from the last hidden state (the adding problem).
* ``CharRNN``: embedding, GRU or LSTM, linear head: a character-level language model that
  predicts the next character and samples text (``generate``).
* ``train_with_adam``: Adam steps with gradient clipping on ``loss_fn(model, x, y)``, through
  ``nnlib.train``'s loop (``nnlib.train.generative.train_steps`` is the other step-counting
  entry point: it runs a step function of your own, for models with two optimizers or noise).

Initial hidden states are built with ``x.new_zeros(...)`` so they land on the input's device
and dtype: a ``torch.zeros(...)`` here would sit on the CPU and fail as soon as the model
runs on a GPU.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from nnlib import _checks
from nnlib.errors import ShapeError

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _check_cell(cell: str, where: str = "") -> type[nn.RNNBase]:
    return CELLS[_checks.check_choice(cell, "cell", sorted(CELLS), where=where)]


def _check_sizes(where: str, **sizes) -> list[int]:
    return [_checks.check_int(v, name, minimum=1, where=where) for name, v in sizes.items()]


def _check_rnn(rnn, where: str) -> nn.RNNBase:
    _checks.check_instance(rnn, "rnn", nn.RNNBase, "a torch.nn.RNN, LSTM or GRU", where=where)
    if not rnn.batch_first:
        raise ValueError(f"{where}: rnn must be built with batch_first=True (nnlib's batches "
                         "are (N, T, features)), got batch_first=False")
    return rnn


def zeros_state(rnn: nn.RNNBase, x: torch.Tensor):
    """The all-zero initial state of ``rnn`` for the batch ``x`` (N, T, features) (batch
    first), on ``x``'s device and dtype.

    Shape ``(num_layers * directions, N, hidden_size)``; a pair ``(h0, c0)`` for an LSTM.
    """
    _check_rnn(rnn, "zeros_state")                     # an nn.RNN/LSTM/GRU, batch first
    _checks.check_tensor(x, "x", where="zeros_state", ndim=3, shape_text="(N, T, features)")
    directions = 2 if rnn.bidirectional else 1
    h0 = x.new_zeros(rnn.num_layers * directions, x.shape[0], rnn.hidden_size,
                     dtype=rnn.weight_hh_l0.dtype)
    return (h0, torch.zeros_like(h0)) if isinstance(rnn, nn.LSTM) else h0


def _check_state(rnn: nn.RNNBase, state, batch: int, where: str) -> None:
    """A state fed back to ``rnn``: h (layers * dirs, N, H), or the pair (h, c) of an LSTM."""
    directions = 2 if rnn.bidirectional else 1
    shape = (rnn.num_layers * directions, batch, rnn.hidden_size)
    text = f"({shape[0]}, N={batch}, {shape[2]})"
    if isinstance(rnn, nn.LSTM):
        if not (isinstance(state, tuple) and len(state) == 2):
            raise TypeError(f"{where}: state must be None or the LSTM's pair (h, c) the model "
                            f"returned, got {_checks.describe(state)}")
        for i, part in enumerate(state):
            _checks.check_tensor(part, f"state[{i}]", where=where, shape=shape, shape_text=text)
    else:
        _checks.check_tensor(state, "state", where=where, shape=shape, shape_text=text,
                             floating=True)


def last_layer_state(rnn: nn.RNNBase, state) -> torch.Tensor:
    """The last layer's final hidden state(s), ``(N, directions * H)`` (forward then backward).

    ``state`` is what ``rnn`` returned: ``h_n`` (layers * directions, N, H), or the pair
    ``(h_n, c_n)`` for an LSTM."""
    where = "last_layer_state"
    _check_rnn(rnn, where)
    directions = 2 if rnn.bidirectional else 1
    want = (rnn.num_layers * directions, None, rnn.hidden_size)
    text = f"({rnn.num_layers * directions}, N, {rnn.hidden_size})"
    if isinstance(rnn, nn.LSTM):
        if not (isinstance(state, (tuple, list)) and len(state) == 2):
            raise TypeError(f"{where}: state must be the LSTM's pair (h_n, c_n), got "
                            f"{_checks.describe(state)}")
        _checks.check_tensor(state[0], "state[0]", where=where, shape=want, shape_text=text)
    else:
        _checks.check_tensor(state, "state", where=where, shape=want, shape_text=text)
    return _last_layer_state(rnn, state)


def _last_layer_state(rnn: nn.RNNBase, state) -> torch.Tensor:
    h_n = state[0] if isinstance(rnn, nn.LSTM) else state     # (layers * dirs, N, H)
    directions = 2 if rnn.bidirectional else 1
    return torch.cat(list(h_n[-directions:]), dim=-1)


class SequenceRegressor(nn.Module):
    """``(N, T, input_size) -> (N,)``: a recurrent layer, then a linear head on its final state.

    cell: "rnn" (tanh), "lstm" or "gru"; ``num_layers`` > 1 stacks layers (each reads the
    hidden states of the one below); ``bidirectional`` adds a second layer reading the
    sequence backwards, and the head sees both final states.
    """

    def __init__(self, input_size: int = 2, hidden_size: int = 32, cell: str = "lstm",
                 num_layers: int = 1, bidirectional: bool = False):
        super().__init__()
        where = "SequenceRegressor"
        input_size, hidden_size, num_layers = _check_sizes(
            where, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        bidirectional = _checks.check_bool(bidirectional, "bidirectional", where=where)
        self.cell = cell
        self.rnn = _check_cell(cell, where)(input_size, hidden_size, num_layers=num_layers,
                                            batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _checks.check_tensor(x, "x", where="SequenceRegressor", floating=True)
        if x.ndim != 3 or x.shape[-1] != self.rnn.input_size:
            raise ShapeError(f"SequenceRegressor: expected x of shape (N, T, "
                             f"{self.rnn.input_size}) (batch first), got {tuple(x.shape)}")
        _, state = self.rnn(x, zeros_state(self.rnn, x))
        return self.head(_last_layer_state(self.rnn, state)).squeeze(-1)  # (N,)


class CharRNN(nn.Module):
    """Character-level language model: ``Embedding -> GRU/LSTM -> Linear``.

    ``forward(idx (N, T) int64, state=None)`` returns ``logits (N, T, vocab_size)`` (the scores
    of the character that follows each position) and the final state, which can be fed back to
    continue a sequence.
    """

    def __init__(self, vocab_size: int, embed_size: int = 32, hidden_size: int = 128,
                 cell: str = "gru", num_layers: int = 1):
        super().__init__()
        where = "CharRNN"
        vocab_size, embed_size, hidden_size, num_layers = _check_sizes(
            where, vocab_size=vocab_size, embed_size=embed_size, hidden_size=hidden_size,
            num_layers=num_layers)
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.rnn = _check_cell(cell, where)(embed_size, hidden_size, num_layers=num_layers,
                                     batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx: torch.Tensor, state=None):
        where = "CharRNN"
        if not (isinstance(idx, torch.Tensor) and idx.device.type == "meta"):
            _checks.check_token_tensor(idx, "idx", vocab_size=self.vocab_size, where=where,
                                       ndim=2)
        if idx.dtype != torch.long:
            raise TypeError(f"{where}: expected idx (N, T) of dtype int64 (character ids), got "
                            f"dtype {idx.dtype}; use idx.long()")
        x = self.embed(idx)                                    # (N, T, embed_size)
        if state is None:
            state = zeros_state(self.rnn, x)
        else:
            _check_state(self.rnn, state, x.shape[0], where)
        out, state = self.rnn(x, state)                        # (N, T, hidden_size)
        return self.head(out), state                           # (N, T, vocab_size)

    @torch.no_grad()
    def generate(self, prompt, length: int, temperature: float = 1.0,
                 generator: torch.Generator | None = None) -> list[int]:
        """Continue ``prompt`` (a sequence of ids) by ``length`` sampled ids; returns them.

        The logits are divided by ``temperature`` before the softmax: below 1 sharpens the
        distribution (safer, more repetitive), above 1 flattens it (more surprising, more
        typos); 0 means always take the most likely character. Sampling happens on the CPU
        with ``generator`` so a seeded generator gives the same text on any device.
        """
        where = "CharRNN.generate"
        temperature = _checks.check_float(temperature, "temperature", minimum=0, where=where,
                                          hint="0 = always the most likely character")
        length = _checks.check_int(length, "length", minimum=0, where=where)
        _checks.check_torch_generator(generator, where=where)
        if isinstance(prompt, str):
            raise TypeError(f"{where}: prompt must be a sequence of character ids, got "
                            f"{_checks.describe(prompt)}; encode it first (vocab.encode(text))")
        if isinstance(prompt, (list, tuple)) and not prompt:
            raise ValueError(f"{where}: generate needs a prompt of at least one character id")
        prompt = _checks.check_token_ids(prompt, "prompt", vocab_size=self.vocab_size,
                                         where=where, ndim=1).tolist()
        if not prompt:
            raise ValueError(f"{where}: generate needs a prompt of at least one character id")
        was_training = self.training
        self.eval()
        device = self.head.weight.device
        logits, state = self(torch.tensor([prompt], device=device))
        out = []
        for _ in range(length):
            scores = logits[0, -1].float().cpu()
            if temperature == 0:
                next_id = int(scores.argmax())
            else:
                probs = torch.softmax(scores / temperature, dim=-1)
                next_id = int(torch.multinomial(probs, 1, generator=generator))
            out.append(next_id)
            logits, state = self(torch.tensor([[next_id]], device=device), state)
        self.train(was_training)
        return out


# -- data and training ------------------------------------------------------------------------
@torch.no_grad()
def char_loss(model: CharRNN, ids: torch.Tensor, seq_len: int = 128,
              max_windows: int | None = None) -> float:
    """Mean cross-entropy (nats per character) over consecutive windows of ``ids`` (n,)
    int64, at most ``max_windows`` of them."""
    where = "char_loss"
    _checks.check_instance(model, "model", CharRNN, "a CharRNN", where=where)
    _checks.check_token_tensor(ids, "ids", vocab_size=model.vocab_size, where=where, ndim=1)
    seq_len = _checks.check_int(seq_len, "seq_len", minimum=1, where=where)
    max_windows = _checks.check_optional_int(max_windows, "max_windows", minimum=1,
                                             where=where)
    was_training = model.training
    model.eval()
    n = (len(ids) - 1) // seq_len
    if max_windows is not None:
        n = min(n, max_windows)
    if n < 1:
        model.train(was_training)
        raise ValueError(f"{where}: need more than seq_len={seq_len} ids, got {len(ids)}")
    device = model.head.weight.device
    ids = ids.long()
    x = ids[:n * seq_len].view(n, seq_len).to(device)
    y = ids[1:n * seq_len + 1].view(n, seq_len).to(device)
    logits, _ = model(x)
    model.train(was_training)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item()


def train_with_adam(model: nn.Module, batch_fn: Callable[[], tuple], loss_fn: Callable,
                    steps: int, lr: float = 1e-2, clip_grad_norm: float | None = 1.0, *,
                    progress: bool = True) -> list[float]:
    """``steps`` Adam updates on batches from ``batch_fn()``; returns the training losses.

    ``loss_fn(model, inputs, targets)`` returns a scalar tensor. With ``clip_grad_norm`` the
    gradient norm is clipped to it before each step (``torch.nn.utils.clip_grad_norm_``, the
    same argument as ``nnlib.train.fit``'s), the standard guard against exploding gradients in
    recurrent nets. Batches are moved to the model's device. The loop is
    ``nnlib.train.core.run_steps``, the one under ``nnlib.train.fit``; ``progress`` shows a
    tqdm bar with the time left.
    """
    from nnlib.train.core import model_device, progress_bar, run_steps
    from nnlib.train.precision import Precision

    where = "train_with_adam"
    _checks.check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where)
    _checks.check_callable(batch_fn, "batch_fn", where=where)
    _checks.check_callable(loss_fn, "loss_fn", where=where)
    steps = _checks.check_int(steps, "steps", minimum=1, where=where)  # None would never end
    lr = _checks.check_float(lr, "lr", minimum=0, min_open=True, where=where)
    progress = _checks.check_bool(progress, "progress", where=where)
    if clip_grad_norm is not None:
        clip_grad_norm = _checks.check_float(clip_grad_norm, "clip_grad_norm", minimum=0,
                                             min_open=True, where=where,
                                             hint="the largest gradient norm allowed, or None")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    bar = progress_bar(steps, progress, unit="step")
    try:
        stats = run_steps(model, iter(batch_fn, None), optimizer,
                          _checked_once(loss_fn), steps=steps,
                          precision=Precision(model_device(model)),
                          clip_grad_norm=clip_grad_norm, measure_grad_norm=False, bar=bar,
                          name="batch_fn()")
    finally:
        if bar is not None:
            bar.close()
    return stats.losses


def _checked_once(loss_fn: Callable) -> Callable:
    """``loss_fn`` as run_steps' ``compute_loss``; nnlib's own losses check the first batch
    and then run unchecked, so the per-step cost stays that of the loss itself."""
    fast = _UNCHECKED.get(loss_fn)
    first = [True]

    def compute_loss(m, x, y):
        if fast is None or first[0]:
            first[0] = False
            return loss_fn(m, x, y), None
        return fast(m, x, y), None
    return compute_loss


def _check_loss_args(model, inputs, targets, where: str) -> None:
    _checks.check_callable(model, "model", where=where)
    _checks.check_tensor(inputs, "inputs", where=where)
    _checks.check_tensor(targets, "targets", where=where)


def regression_loss(model, inputs, targets) -> torch.Tensor:
    """Mean squared error of ``model(inputs)`` (N,) against ``targets`` (N,) (the same shape:
    ``mse_loss`` would broadcast (N,) against (N, 1) into an (N, N) table)."""
    where = "regression_loss"
    _check_loss_args(model, inputs, targets, where)
    _checks.check_tensor(targets, "targets", where=where, floating=True)
    pred = model(inputs)
    if pred.shape != targets.shape:
        raise ShapeError(f"{where}: targets must have the shape of model(inputs) "
                         f"{tuple(pred.shape)}, got {tuple(targets.shape)}")
    return nn.functional.mse_loss(pred, targets)


def _regression_loss(model, inputs, targets) -> torch.Tensor:
    return nn.functional.mse_loss(model(inputs), targets)


def next_char_loss(model, inputs, targets) -> torch.Tensor:
    """Cross-entropy of a ``CharRNN``'s predictions at every position: ``inputs`` and
    ``targets`` (N, T) int64 character ids."""
    where = "next_char_loss"
    _check_loss_args(model, inputs, targets, where)
    logits, _ = model(inputs)
    _check_token_targets(targets, logits, where)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def _check_token_targets(targets, logits, where: str) -> None:
    """Targets (N, T) of token ids for logits (N, T, vocab)."""
    _checks.check_token_tensor(targets, "targets", vocab_size=logits.shape[-1], where=where)
    if targets.shape != logits.shape[:-1]:
        raise ShapeError(f"{where}: targets must have shape {tuple(logits.shape[:-1])} (one id "
                         f"per position), got {tuple(targets.shape)}")
    if targets.dtype != torch.long:
        raise TypeError(f"{where}: targets must be int64 ids, got dtype {targets.dtype}; use "
                        "targets.long()")


def _next_char_loss(model, inputs, targets) -> torch.Tensor:
    logits, _ = model(inputs)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


_UNCHECKED = {regression_loss: _regression_loss, next_char_loss: _next_char_loss}
