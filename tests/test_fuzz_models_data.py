"""Issue 16: the property-based fuzz of the PyTorch models (notebooks 08-12), the data helpers,
the seed/device utilities, the exercise registry and ``nnlib.train.StepContext``.

The oracle is the one of ``tests/fuzz_common.py``: one argument at a time gets a bad value
(Hypothesis, derandomised, a fixed number of examples); the call must work (and give finite
results) or raise one of nnlib's documented exceptions with a message naming that argument.
Values that can never be right for the argument's kind must be refused. Every model here is
tiny (a few hundred parameters), so the module runs in a few minutes on one core.
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("hypothesis")
from torch import nn  # noqa: E402

import nnlib  # noqa: E402
from nnlib import data as D  # noqa: E402
from nnlib import exercises as EX  # noqa: E402
from nnlib import models as M  # noqa: E402
from nnlib import utils as U  # noqa: E402
from nnlib.data import bpe as BPE  # noqa: E402
from nnlib.data import dates as DT  # noqa: E402
from nnlib.errors import TrainingDivergedError  # noqa: E402
from nnlib.models import cnn as CNN  # noqa: E402
from nnlib.models import generation as GEN  # noqa: E402
from nnlib.models import gpt as GPT  # noqa: E402
from nnlib.models import mlp as MLP  # noqa: E402
from nnlib.models import resnet_demo as RD  # noqa: E402
from nnlib.models import rnn as RNN  # noqa: E402
from nnlib.models import seq2seq as S2S  # noqa: E402
from nnlib.models import transformer_toy as TT  # noqa: E402
from nnlib.train import StepContext  # noqa: E402
from nnlib.train_common import Callback  # noqa: E402
from tests.fuzz_common import (  # noqa: E402
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    OBJ,
    OBJ_NONE,
    SEQ_OBJ,
    Fuzzer,
    arg,
    call,
    run_listed_cases,
    scalar_test,
)

pytestmark = pytest.mark.slow  # thousands of generated cases: make test runs them, unit-fast not

FZ = Fuzzer("models_data", "PyTorch models, data, utilities, exercises")
torch.set_num_threads(1)

INT_NONE, FLOAT_NONE = arg("int", none_ok=True), arg("float", none_ok=True)
TEXT = arg("text", str_ok=True)
IDS = arg("int", seq_ok=True)             # token ids: one id, or a list such as [1]
CHOICE_NONE = arg("choice", str_ok=True, none_ok=True)


# -- tiny models and data (seeded) -------------------------------------------------------------
def _seeded(make):
    def run(*args, **kwargs):
        torch.manual_seed(0)
        return make(*args, **kwargs)
    return run


GPT_CFG = GPT.GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
S2S_CFG = S2S.Seq2SeqConfig(src_vocab_size=9, tgt_vocab_size=9, max_src_len=6, max_tgt_len=5,
                            d_model=8, num_heads=2, num_encoder_layers=1, num_decoder_layers=1,
                            dim_feedforward=8)
S2S_SIZES = dict(src_vocab_size=9, tgt_vocab_size=9, max_src_len=6, max_tgt_len=5, d_model=8,
                 num_heads=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8)
TOY_SIZES = dict(vocab_size=7, max_len=6, d_model=8, num_heads=2, num_layers=1,
                 dim_feedforward=8)
BLOCK_SIZES = dict(d_model=8, num_heads=2, dim_feedforward=8)

gpt = _seeded(lambda: GPT.GPT(GPT_CFG))
char_rnn = _seeded(lambda: M.CharRNN(10, embed_size=4, hidden_size=6))
regressor = _seeded(lambda: M.SequenceRegressor(input_size=2, hidden_size=3))
toy = _seeded(lambda: M.ToyTransformer(**TOY_SIZES))
s2s = _seeded(lambda: S2S.Seq2SeqTransformer(S2S_CFG))

IDS_GPT = torch.tensor([[1, 2], [3, 4]])
IDS_CHAR = torch.tensor([[1, 2, 3], [4, 5, 6]])
CHAR_STREAM = torch.arange(20) % 10
X_SEQ = torch.randn(4, 5, 2, generator=torch.Generator().manual_seed(0))
Y_REG = torch.zeros(4)
TOY_IN = torch.tensor([[1, 2, 3, 4], [5, 6, 1, 2]])
SRC = torch.tensor([[2, 3, 4, 0], [5, 6, 7, 8]])
TGT = torch.tensor([[3, 4, 5], [6, 7, 8]])
LOGITS = torch.tensor([[0.5, 1.0, -1.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
LSTM = nn.LSTM(2, 3, batch_first=True)
LSTM_STATE = LSTM(X_SEQ)[1]


def _regression_batch():
    return X_SEQ, Y_REG


def _train_with_adam(**k):
    kw = {"model": regressor(), "batch_fn": _regression_batch,
          "loss_fn": RNN.regression_loss, "steps": 2, "progress": False, **k}
    return RNN.train_with_adam(kw.pop("model"), kw.pop("batch_fn"), kw.pop("loss_fn"),
                               kw.pop("steps"), **kw)


def _kv(**k):
    kw = {"model": gpt(), "idx": IDS_GPT, "max_new_tokens": 3,
          "generator": torch.Generator().manual_seed(0), **k}
    return GEN.generate_with_kv_cache(kw.pop("model"), kw.pop("idx"), kw.pop("max_new_tokens"),
                                      **kw)


def _solution(**k):
    kw = {"exercise_id": "00.1", "now": True, **k}
    return EX.solution(kw.pop("exercise_id"), **kw)


class _Hook(Callback):
    pass


# (label, target, call(**k), {argument: spec})
ENTRIES = [
    # -- nnlib.models.cnn, resnet_demo, mlp ----------------------------------------------------
    ("models.DeepCNN", M.DeepCNN, call(_seeded(M.DeepCNN), depth=1, width=2),
     {"depth": INT, "width": INT, "residual": BOOL, "num_classes": INT}),
    ("models.DeepCNN.forward", M.DeepCNN.forward,
     lambda **k: _seeded(M.DeepCNN)(depth=1, width=2)(**{"x": torch.zeros(1, 1, 28, 28), **k}),
     {"x": OBJ}),
    ("models.MLP.forward", M.MLP.forward,
     lambda **k: _seeded(M.MLP)([4, 3])(**{"x": torch.zeros(2, 4), **k}), {"x": OBJ}),
    ("models.ResidualBlock", M.ResidualBlock, call(_seeded(M.ResidualBlock), channels=2),
     {"channels": INT, "residual": BOOL}),
    ("models.ResidualBlock.forward", M.ResidualBlock.forward,
     lambda **k: _seeded(M.ResidualBlock)(2)(**{"x": torch.zeros(1, 2, 4, 4), **k}),
     {"x": OBJ}),
    ("resnet_demo.BasicBlock.forward", RD.BasicBlock.forward,
     lambda **k: _seeded(RD.BasicBlock)(2)(**{"x": torch.zeros(2, 2, 4, 4), **k}),
     {"x": OBJ}),
    ("cnn.conv_bn_relu", CNN.conv_bn_relu, call(CNN.conv_bn_relu, in_channels=1, out_channels=2),
     {"in_channels": INT, "out_channels": INT}),
    ("resnet_demo.BasicBlock", RD.BasicBlock, call(_seeded(RD.BasicBlock), channels=2),
     {"channels": INT, "residual": BOOL}),
    ("resnet_demo.DepthDemoCNN", RD.DepthDemoCNN,
     call(_seeded(RD.DepthDemoCNN), depth=1, width=2),
     {"depth": INT, "width": INT, "residual": BOOL, "num_classes": INT}),
    ("resnet_demo.he_init_", RD.he_init_, lambda **k: RD.he_init_(**{"model": nn.Linear(2, 2),
                                                                    **k}),
     {"model": OBJ}),
    ("mlp.init_linear_layers", MLP.init_linear_layers,
     lambda **k: MLP.init_linear_layers(**{"model": nn.Linear(3, 2), "init": "he", **k}),
     {"model": OBJ, "init": arg("float", str_ok=True)}),
    # -- nnlib.models.rnn --------------------------------------------------------------------
    ("models.SequenceRegressor", M.SequenceRegressor,
     call(_seeded(M.SequenceRegressor), input_size=2, hidden_size=3),
     {"input_size": INT, "hidden_size": INT, "cell": CHOICE, "num_layers": INT,
      "bidirectional": BOOL}),
    ("models.SequenceRegressor.forward", M.SequenceRegressor.forward,
     lambda **k: regressor()(**{"x": X_SEQ, **k}), {"x": OBJ}),
    ("models.CharRNN", M.CharRNN, call(_seeded(M.CharRNN), vocab_size=10, embed_size=4,
                                       hidden_size=6),
     {"vocab_size": INT, "embed_size": INT, "hidden_size": INT, "cell": CHOICE,
      "num_layers": INT}),
    ("models.CharRNN.forward", M.CharRNN.forward,
     lambda **k: char_rnn()(**{"idx": IDS_CHAR, **k}), {"idx": OBJ, "state": OBJ_NONE}),
    ("models.CharRNN.generate", M.CharRNN.generate,
     lambda **k: char_rnn().generate(**{"prompt": [1, 2], "length": 3,
                                        "generator": torch.Generator().manual_seed(0), **k}),
     {"prompt": IDS, "length": INT, "temperature": FLOAT, "generator": OBJ_NONE}),
    ("rnn.zeros_state", RNN.zeros_state, call(RNN.zeros_state, rnn=LSTM, x=X_SEQ),
     {"rnn": OBJ, "x": OBJ}),
    ("rnn.last_layer_state", RNN.last_layer_state,
     call(RNN.last_layer_state, rnn=LSTM, state=LSTM_STATE), {"rnn": OBJ, "state": OBJ}),
    ("rnn.char_loss", RNN.char_loss,
     lambda **k: RNN.char_loss(**{"model": char_rnn(), "ids": CHAR_STREAM, "seq_len": 4, **k}),
     {"model": OBJ, "ids": OBJ, "seq_len": INT, "max_windows": INT_NONE}),
    ("rnn.regression_loss", RNN.regression_loss,
     lambda **k: RNN.regression_loss(**{"model": regressor(), "inputs": X_SEQ,
                                        "targets": Y_REG, **k}),
     {"model": OBJ, "inputs": OBJ, "targets": OBJ}),
    ("rnn.next_char_loss", RNN.next_char_loss,
     lambda **k: RNN.next_char_loss(**{"model": char_rnn(), "inputs": IDS_CHAR,
                                       "targets": IDS_CHAR, **k}),
     {"model": OBJ, "inputs": OBJ, "targets": OBJ}),
    ("rnn.train_with_adam", RNN.train_with_adam, _train_with_adam,
     {"model": OBJ, "batch_fn": OBJ, "loss_fn": OBJ, "steps": INT, "lr": FLOAT,
      "clip_grad_norm": FLOAT_NONE, "progress": BOOL}),
    # -- nnlib.models.transformer_toy ----------------------------------------------------------
    ("models.ToyTransformer", M.ToyTransformer, call(_seeded(M.ToyTransformer), **TOY_SIZES),
     {"vocab_size": INT, "max_len": INT, "d_model": INT, "num_heads": INT, "num_layers": INT,
      "dim_feedforward": INT, "dropout": FLOAT, "positional": CHOICE}),
    ("models.ToyTransformer.forward", M.ToyTransformer.forward,
     lambda **k: toy()(**{"idx": TOY_IN, **k}),
     {"idx": OBJ, "key_padding_mask": OBJ_NONE, "return_attention": BOOL}),
    ("transformer_toy.EncoderBlock", TT.EncoderBlock, call(_seeded(TT.EncoderBlock),
                                                           **BLOCK_SIZES),
     {"d_model": INT, "num_heads": INT, "dim_feedforward": INT, "dropout": FLOAT}),
    ("transformer_toy.EncoderBlock.forward", TT.EncoderBlock.forward,
     lambda **k: _seeded(TT.EncoderBlock)(**BLOCK_SIZES)(**{"x": torch.zeros(2, 3, 8), **k}),
     {"x": OBJ, "key_padding_mask": OBJ_NONE}),
    ("transformer_toy.sinusoidal_table", TT.sinusoidal_table,
     call(TT.sinusoidal_table, max_len=5, d_model=4),
     {"max_len": INT, "d_model": INT, "base": FLOAT}),
    ("transformer_toy.token_loss", TT.token_loss,
     lambda **k: TT.token_loss(**{"model": toy(), "inputs": TOY_IN, "targets": TOY_IN, **k}),
     {"model": OBJ, "inputs": OBJ, "targets": OBJ}),
    ("transformer_toy.sequence_accuracy", TT.sequence_accuracy,
     lambda **k: TT.sequence_accuracy(**{"model": toy(), "inputs": TOY_IN, "targets": TOY_IN,
                                         **k}),
     {"model": OBJ, "inputs": IDS, "targets": IDS}),
    ("transformer_toy.train_toy_transformer", TT.train_toy_transformer,
     lambda **k: TT.train_toy_transformer(**{"model": toy(), "inputs": TOY_IN,
                                             "targets": TOY_IN, "steps": 2, "batch_size": 2,
                                             "progress": False, **k}),
     {"model": OBJ, "inputs": IDS, "targets": IDS, "steps": INT, "batch_size": INT,
      "lr": FLOAT, "seed": INT, "progress": BOOL}),
    # -- nnlib.models.seq2seq ----------------------------------------------------------------
    ("seq2seq.Seq2SeqConfig", S2S.Seq2SeqConfig, call(S2S.Seq2SeqConfig, **S2S_SIZES),
     {**{name: INT for name in S2S_SIZES}, "dropout": FLOAT, "pad_id": INT, "bos_id": INT}),
    ("seq2seq.Seq2SeqTransformer", S2S.Seq2SeqTransformer,
     call(_seeded(S2S.Seq2SeqTransformer), config=S2S_CFG), {"config": OBJ}),
    ("seq2seq.EncoderBlock", S2S.EncoderBlock, call(_seeded(S2S.EncoderBlock), **BLOCK_SIZES),
     {"d_model": INT, "num_heads": INT, "dim_feedforward": INT, "dropout": FLOAT}),
    ("seq2seq.DecoderBlock", S2S.DecoderBlock, call(_seeded(S2S.DecoderBlock), **BLOCK_SIZES),
     {"d_model": INT, "num_heads": INT, "dim_feedforward": INT, "dropout": FLOAT}),
    ("seq2seq.EncoderBlock.forward", S2S.EncoderBlock.forward,
     lambda **k: _seeded(S2S.EncoderBlock)(**BLOCK_SIZES)(**{"x": torch.zeros(2, 3, 8), **k}),
     {"x": OBJ, "padding": OBJ_NONE}),
    ("seq2seq.DecoderBlock.forward", S2S.DecoderBlock.forward,
     lambda **k: _seeded(S2S.DecoderBlock)(**BLOCK_SIZES)(**{
         "y": torch.zeros(2, 3, 8), "memory": torch.zeros(2, 4, 8), **k}),
     {"y": OBJ, "memory": OBJ, "memory_padding_mask": OBJ_NONE}),
    ("seq2seq.Seq2SeqTransformer.forward", S2S.Seq2SeqTransformer.forward,
     lambda **k: s2s()(**{"src": SRC, "tgt_in": TGT, **k}),
     {"src": OBJ, "tgt_in": OBJ, "return_attention": BOOL}),
    ("seq2seq.Seq2SeqTransformer.greedy_decode", S2S.Seq2SeqTransformer.greedy_decode,
     lambda **k: s2s().greedy_decode(**{"src": SRC, "length": 3, **k}),
     {"src": OBJ, "length": INT, "return_attention": BOOL}),
    ("seq2seq.shift_right", S2S.shift_right, call(S2S.shift_right, tgt=TGT, bos_id=1),
     {"tgt": OBJ, "bos_id": INT}),
    ("seq2seq.seq2seq_loss", S2S.seq2seq_loss,
     lambda **k: S2S.seq2seq_loss(**{"model": s2s(), "src": SRC, "tgt": TGT, **k}),
     {"model": OBJ, "src": OBJ, "tgt": OBJ}),
    ("seq2seq.seq2seq_accuracy", S2S.seq2seq_accuracy,
     lambda **k: S2S.seq2seq_accuracy(**{"model": s2s(), "src": SRC, "tgt": TGT, **k}),
     {"model": OBJ, "src": IDS, "tgt": IDS}),
    ("seq2seq.train_seq2seq", S2S.train_seq2seq,
     lambda **k: S2S.train_seq2seq(**{"model": s2s(), "src": SRC, "tgt": TGT, "steps": 2,
                                      "batch_size": 2, "progress": False, **k}),
     {"model": OBJ, "src": IDS, "tgt": IDS, "steps": INT, "batch_size": INT, "lr": FLOAT,
      "seed": INT, "progress": BOOL}),
    # -- nnlib.models.gpt and generation -------------------------------------------------------
    ("models.GPT", M.GPT, call(_seeded(M.GPT), config=GPT_CFG), {"config": OBJ}),
    ("models.GPT.forward", M.GPT.forward, lambda **k: gpt()(**{"idx": IDS_GPT, **k}),
     {"idx": OBJ, "targets": OBJ_NONE}),
    ("models.GPT.generate", M.GPT.generate,
     lambda **k: gpt().generate(**{"idx": IDS_GPT, "max_new_tokens": 2,
                                   "generator": torch.Generator().manual_seed(0), **k}),
     {"idx": OBJ, "max_new_tokens": INT, "temperature": FLOAT, "top_k": INT_NONE,
      "generator": OBJ_NONE}),
    ("gpt.GPTBlock", GPT.GPTBlock, call(_seeded(GPT.GPTBlock), config=GPT_CFG),
     {"config": OBJ}),
    ("gpt.GPTCausalSelfAttention", GPT.GPTCausalSelfAttention,
     call(_seeded(GPT.GPTCausalSelfAttention), config=GPT_CFG), {"config": OBJ}),
    ("gpt.GPTMLP", GPT.GPTMLP, call(_seeded(GPT.GPTMLP), config=GPT_CFG), {"config": OBJ}),
    *[(f"gpt.{cls.__name__}.forward", cls.forward,
       lambda cls=cls, **k: _seeded(cls)(GPT_CFG)(**{"x": torch.zeros(2, 3, 8), **k}),
       {"x": OBJ}) for cls in (GPT.GPTBlock, GPT.GPTCausalSelfAttention, GPT.GPTMLP)],
    ("generation.top_p_filter", GEN.top_p_filter,   # -inf marks a dropped token: softmax it
     lambda **k: torch.softmax(GEN.top_p_filter(**{"logits": LOGITS, "p": 0.9, **k}), -1),
     {"logits": OBJ, "p": FLOAT}),
    ("generation.sample_next", GEN.sample_next,
     lambda **k: GEN.sample_next(**{"logits": LOGITS,
                                    "generator": torch.Generator().manual_seed(0), **k}),
     {"logits": OBJ, "temperature": FLOAT, "top_k": INT_NONE, "top_p": FLOAT_NONE,
      "generator": OBJ_NONE}),
    ("generation.generate_with_kv_cache", GEN.generate_with_kv_cache, _kv,
     {"model": OBJ, "idx": OBJ, "max_new_tokens": INT, "temperature": FLOAT,
      "top_k": INT_NONE, "top_p": FLOAT_NONE, "generator": OBJ_NONE}),
    # -- nnlib.data ------------------------------------------------------------------------------
    ("data.CharVocab", D.CharVocab, call(D.CharVocab), {"text": TEXT}),
    ("data.CharVocab.encode", D.CharVocab.encode,
     lambda **k: D.CharVocab("hello 1").encode(**k),
     {"text": TEXT}),
    ("data.CharVocab.decode", D.CharVocab.decode,
     lambda **k: D.CharVocab("hello").decode(**k), {"ids": IDS}),
    ("bpe.BPETokenizer", BPE.BPETokenizer,
     call(BPE.BPETokenizer, chars=["a", "b"], merges=[(0, 1)]),
     {"chars": arg("text", str_ok=True, seq_ok=True), "merges": SEQ_OBJ}),
    ("bpe.BPETokenizer.train", BPE.BPETokenizer.train,
     call(BPE.BPETokenizer.train, text="low lower lowest", num_merges=3),
     {"text": TEXT, "num_merges": INT, "chars": arg("text", str_ok=True, none_ok=True,
                                                     seq_ok=True)}),
    ("bpe.BPETokenizer.encode", BPE.BPETokenizer.encode,
     lambda **k: BPE.BPETokenizer.train("low lower 1", 2).encode(**k), {"text": TEXT}),
    ("bpe.BPETokenizer.decode", BPE.BPETokenizer.decode,
     lambda **k: BPE.BPETokenizer.train("low lower", 2).decode(**k), {"ids": IDS}),
    ("dates.DateVocab", DT.DateVocab, call(DT.DateVocab), {}),   # no arguments
    ("dates.DateVocab.encode", DT.DateVocab.encode, lambda **k: DT.DateVocab().encode(**k),
     {"text": TEXT}),
    ("dates.DateVocab.decode", DT.DateVocab.decode, lambda **k: DT.DateVocab().decode(**k),
     {"ids": IDS}),
    ("dates.date_task", DT.date_task, call(DT.date_task, n=4),
     {"n": INT, "seed": INT, "max_src_len": INT}),
    ("dates.format_date", DT.format_date,
     call(DT.format_date, date=datetime.date(1994, 3, 7), style="dd.mm.yyyy"),
     {"date": OBJ, "style": CHOICE}),
    ("data.load_shakespeare", D.load_shakespeare, call(D.load_shakespeare), {}),  # no arguments
    ("data.logic_gate", D.logic_gate, call(D.logic_gate, name="xor"), {"name": CHOICE}),
    ("data.mnist_datasets", D.mnist_datasets, call(D.mnist_datasets),
     {"source": CHOICE, "normalize_mean_std": BOOL, "flatten": BOOL, "fashion": BOOL,
      "transform": OBJ_NONE}),
    ("data.mnist_dataloaders", D.mnist_dataloaders, call(D.mnist_dataloaders),
     {"batch_size": INT, "source": CHOICE, "seed": INT, "flatten": BOOL, "fashion": BOOL,
      "transform": OBJ_NONE, "num_workers": INT}),
    ("data.mnist_train_val_loaders", D.mnist_train_val_loaders,
     call(D.mnist_train_val_loaders),
     {"batch_size": INT, "val_size": INT, "seed": INT, "source": CHOICE}),
    # -- nnlib, nnlib.utils ------------------------------------------------------------------
    ("nnlib.get_device", nnlib.get_device, call(nnlib.get_device, prefer="cpu"),
     {"prefer": CHOICE_NONE, "announce": BOOL, "gpu_hint": BOOL}),
    ("nnlib.set_seed", nnlib.set_seed, call(nnlib.set_seed), {"seed": INT}),
    ("utils.get_rng", U.get_rng, call(U.get_rng), {}),                  # no arguments
    ("utils.full_run_notice", U.full_run_notice,
     call(U.full_run_notice, full_run=True, estimate_minutes_cpu=5.0, device="cpu"),
     {"full_run": BOOL, "estimate_minutes_cpu": FLOAT,
      "device": arg("device", str_ok=True, none_ok=True), "estimate_minutes_gpu": FLOAT_NONE}),
    # -- nnlib.exercises, nnlib.train.StepContext --------------------------------------------
    ("exercises.checker", EX.checker, call(EX.checker), {"exercise_id": CHOICE}),
    ("exercises.solution", EX.solution, _solution, {"exercise_id": CHOICE, "now": BOOL}),
    ("train.StepContext", StepContext, call(StepContext),
     {"precision": OBJ_NONE, "clip_grad_norm": FLOAT_NONE, "hooks": SEQ_OBJ,
      "model": OBJ_NONE, "measure_grad_norm": BOOL}),
]

# a huge learning rate is a valid number; two steps with it diverge, which nnlib reports
OTHER_ERRORS = {(label, "lr"): TrainingDivergedError
                for label in ("rnn.train_with_adam", "transformer_toy.train_toy_transformer",
                              "seq2seq.train_seq2seq")}
ALIASES = {key: ("learning rate",) for key in OTHER_ERRORS}

test_bad_argument_is_refused_with_its_name_or_works = scalar_test(
    FZ, ENTRIES, aliases=ALIASES, other_errors=OTHER_ERRORS)


# -- bad arrays, tensors and objects: each must be refused, naming the argument ----------------
def _bad_data():
    f_ids = IDS_CHAR.float()
    return [
        ("models.CharRNN.forward", "idx", f_ids, "float ids"),
        ("models.MLP.forward", "x", torch.zeros(2, 4, dtype=torch.float64),
         "float64 (what torch.from_numpy gives)"),
        ("models.MLP.forward", "x", np.zeros((2, 4), np.float32), "a NumPy array"),
        ("models.DeepCNN.forward", "x", torch.zeros(1, 1, 28, 28, dtype=torch.uint8), "bytes"),
        ("models.ResidualBlock.forward", "x", torch.zeros(1, 3, 4, 4), "3 channels for 2"),
        ("resnet_demo.BasicBlock.forward", "x", torch.zeros(2, 4, 4), "no batch axis"),
        ("gpt.GPTBlock.forward", "x", torch.zeros(2, 3, 6), "6 channels for 8"),
        ("gpt.GPTMLP.forward", "x", torch.zeros(2, 3, 8, dtype=torch.long), "integers"),
        ("gpt.GPTCausalSelfAttention.forward", "x", torch.zeros(3, 8), "no batch axis"),
        ("transformer_toy.EncoderBlock.forward", "key_padding_mask", torch.zeros(2, 3),
         "a float mask"),
        ("transformer_toy.EncoderBlock.forward", "x", np.zeros((2, 3, 8)), "a NumPy array"),
        ("seq2seq.EncoderBlock.forward", "padding", torch.zeros(2, 4, dtype=torch.bool),
         "a mask of the wrong length"),
        ("seq2seq.DecoderBlock.forward", "memory", torch.zeros(3, 4, 8), "3 rows for 2"),
        ("seq2seq.DecoderBlock.forward", "memory", torch.zeros(2, 4, 6), "6 channels for 8"),
        ("seq2seq.DecoderBlock.forward", "memory_padding_mask", torch.ones(2, 3, dtype=bool),
         "a mask of the decoder's length"),
        ("models.CharRNN.forward", "idx", torch.tensor([[1, 10]]), "an id beyond vocab_size"),
        ("models.CharRNN.forward", "idx", IDS_CHAR.numpy(), "a NumPy array"),
        ("models.CharRNN.forward", "state", [torch.zeros(1, 2, 6)], "a list for the state"),
        ("models.CharRNN.generate", "prompt", "hello", "text instead of ids"),
        ("models.CharRNN.generate", "prompt", [1, 12], "an id beyond vocab_size"),
        ("models.CharRNN.generate", "prompt", [1.5], "a float id"),
        ("models.CharRNN.generate", "prompt", [], "an empty prompt"),
        ("models.SequenceRegressor.forward", "x", X_SEQ[0], "one sequence without a batch"),
        ("models.SequenceRegressor.forward", "x", X_SEQ.long(), "integer inputs"),
        ("models.SequenceRegressor.forward", "x", X_SEQ.numpy(), "a NumPy array"),
        ("models.DeepCNN.forward", "x", np.zeros((1, 1, 28, 28), np.float32), "NumPy"),
        ("rnn.zeros_state", "rnn", nn.LSTM(2, 3), "batch_first=False"),
        ("rnn.zeros_state", "x", X_SEQ[0], "2-D input"),
        ("rnn.last_layer_state", "state", LSTM_STATE[0], "h_n alone for an LSTM"),
        ("rnn.last_layer_state", "state", (torch.zeros(2, 4, 3), torch.zeros(2, 4, 3)),
         "two layers' states for one"),
        ("rnn.char_loss", "ids", CHAR_STREAM.float(), "float ids"),
        ("rnn.char_loss", "ids", CHAR_STREAM[:3], "fewer ids than seq_len"),
        ("rnn.char_loss", "ids", CHAR_STREAM + 10, "ids beyond vocab_size"),
        ("rnn.char_loss", "model", regressor(), "not a CharRNN"),
        ("rnn.regression_loss", "targets", Y_REG[:, None], "(N, 1) targets for (N,)"),
        ("rnn.regression_loss", "targets", Y_REG.long(), "integer targets"),
        ("rnn.next_char_loss", "targets", IDS_CHAR[:, :2], "2 targets for 3 positions"),
        ("rnn.next_char_loss", "targets", IDS_CHAR.float(), "float targets"),
        ("rnn.next_char_loss", "targets", IDS_CHAR + 10, "targets beyond vocab_size"),
        ("rnn.train_with_adam", "batch_fn", [(X_SEQ, Y_REG)], "a list, not a function"),
        ("models.ToyTransformer.forward", "idx", TOY_IN.float(), "float ids"),
        ("models.ToyTransformer.forward", "idx", torch.ones(1, 7, dtype=torch.long),
         "longer than max_len"),
        ("models.ToyTransformer.forward", "idx", TOY_IN + 7, "ids beyond vocab_size"),
        ("models.ToyTransformer.forward", "key_padding_mask", torch.zeros(2, 3, dtype=bool),
         "a mask of the wrong length"),
        ("models.ToyTransformer.forward", "key_padding_mask", torch.zeros(2, 4),
         "a float mask"),
        ("transformer_toy.token_loss", "targets", TOY_IN[:, :3], "3 targets for 4"),
        ("transformer_toy.sequence_accuracy", "targets", TOY_IN[:1], "1 row for 2"),
        ("transformer_toy.sequence_accuracy", "inputs", TOY_IN.float(), "float inputs"),
        ("transformer_toy.train_toy_transformer", "targets", TOY_IN[:, :3], "3 for 4"),
        ("transformer_toy.train_toy_transformer", "inputs", TOY_IN + 7, "ids beyond vocab"),
        ("transformer_toy.train_toy_transformer", "inputs",
         torch.ones(2, 7, dtype=torch.long), "longer than max_len"),
        ("seq2seq.Seq2SeqTransformer.forward", "src", SRC.float(), "float source ids"),
        ("seq2seq.Seq2SeqTransformer.forward", "tgt_in", torch.ones(2, 6, dtype=torch.long),
         "longer than max_tgt_len"),
        ("seq2seq.Seq2SeqTransformer.forward", "src", torch.zeros(2, 3, dtype=torch.long),
         "all padding"),
        ("seq2seq.Seq2SeqTransformer.greedy_decode", "length", 6, "beyond max_tgt_len"),
        ("seq2seq.shift_right", "tgt", TGT[0], "one row without a batch"),
        ("seq2seq.shift_right", "tgt", TGT.float(), "float ids"),
        ("seq2seq.seq2seq_loss", "tgt", TGT + 9, "ids beyond tgt_vocab_size"),
        ("seq2seq.seq2seq_loss", "tgt", TGT[:1], "1 row for 2"),
        ("seq2seq.seq2seq_accuracy", "tgt", torch.ones(2, 6, dtype=torch.long), "too long"),
        ("seq2seq.train_seq2seq", "tgt", TGT[:1], "1 row for 2"),
        ("seq2seq.train_seq2seq", "src", SRC + 9, "ids beyond src_vocab_size"),
        ("seq2seq.train_seq2seq", "src", np.zeros((2, 0), np.int64), "empty sources"),
        ("seq2seq.Seq2SeqConfig", "bos_id", 9, "beyond tgt_vocab_size"),
        ("seq2seq.Seq2SeqConfig", "d_model", 9, "not divisible by num_heads"),
        ("models.GPT.forward", "idx", IDS_GPT.float(), "float ids"),
        ("models.GPT.forward", "targets", IDS_GPT[:, :1], "targets of another shape"),
        ("models.GPT.forward", "idx", torch.ones(1, 9, dtype=torch.long), "beyond block_size"),
        ("generation.generate_with_kv_cache", "idx", IDS_GPT + 11, "ids beyond vocab_size"),
        ("generation.generate_with_kv_cache", "max_new_tokens", 7, "beyond block_size"),
        ("generation.generate_with_kv_cache", "model", char_rnn(), "not a GPT"),
        ("generation.sample_next", "logits", LOGITS[0], "1-D logits"),
        ("generation.sample_next", "logits", torch.full((1, 3), float("nan")), "NaN logits"),
        ("generation.sample_next", "logits", torch.full((1, 3), float("-inf")),
         "nothing left to draw"),
        ("generation.sample_next", "logits", torch.ones(1, 3, dtype=torch.long), "int logits"),
        ("generation.top_p_filter", "logits", LOGITS.numpy(), "a NumPy array"),
        ("data.CharVocab", "text", "", "an empty text"),
        ("data.CharVocab.encode", "text", "hello?", "an unknown character"),
        ("data.CharVocab.decode", "ids", np.array([0.0, 1.0]), "float ids"),
        ("data.CharVocab.decode", "ids", [4], "an id beyond the vocabulary"),
        ("bpe.BPETokenizer", "merges", [(0, 5)], "a merge of a token that does not exist"),
        ("bpe.BPETokenizer", "merges", [(0, 1, 2)], "a triple"),
        ("bpe.BPETokenizer", "chars", ["a", "a"], "a repeated character"),
        ("bpe.BPETokenizer", "chars", ["ab"], "two characters in one"),
        ("bpe.BPETokenizer.train", "chars", "lo", "characters missing"),
        ("bpe.BPETokenizer.decode", "ids", [1.5], "a float id"),
        ("bpe.BPETokenizer.decode", "ids", [100], "an id beyond the vocabulary"),
        ("dates.DateVocab.decode", "ids", np.array([1.0]), "a float id"),
        ("dates.DateVocab.decode", "ids", [-1], "a negative id"),
        ("dates.DateVocab.encode", "text", "7 März 1994", "an unknown character"),
        ("dates.date_task", "max_src_len", 10, "shorter than the longest date"),
        ("dates.format_date", "date", "1994-03-07", "a string, not a date"),
        ("dates.format_date", "style", "7/3/94", "an unknown style"),
        ("data.logic_gate", "name", "XOR3", "an unknown gate"),
        ("data.mnist_datasets", "fashion", True, "Fashion-MNIST is not bundled"),
        ("data.mnist_train_val_loaders", "val_size", 4000, "all the training digits"),
        ("nnlib.get_device", "prefer", "gpu", "an unknown device"),
        ("nnlib.set_seed", "seed", 2**64, "beyond what torch takes"),
        ("utils.full_run_notice", "device", "gpu", "an unknown device"),
        ("exercises.checker", "exercise_id", "4.2", "one digit for the notebook"),
        ("exercises.solution", "exercise_id", "04-2", "a dash, not a dot"),
        ("train.StepContext", "hooks", [_Hook(), "early"], "a string among the callbacks"),
        ("train.StepContext", "clip_grad_norm", 0.0, "a zero norm"),
        ("train.StepContext", "model", LSTM_STATE, "a tuple of tensors, not a model"),
    ]


BAD_DATA = _bad_data()


def test_every_bad_data_case_is_refused():
    """Each case once (a list, not drawn: each is a mistake a learner makes in notebooks 08-12)."""
    run_listed_cases(FZ, ENTRIES, BAD_DATA)


def test_entry_points_without_arguments_work():
    """The entry points with nothing to fuzz still run and return what they promise."""
    FZ.run("data.load_shakespeare[no arguments]", D.load_shakespeare, ("",), False,
           check=lambda text: text.startswith("First Citizen"))
    FZ.run("dates.DateVocab[no arguments]", DT.DateVocab, ("",), False,
           check=lambda vocab: vocab.decode(vocab.encode("7 March 1994")) == "7 March 1994")
    FZ.run("utils.get_rng[no arguments]", U.get_rng, ("",), False,
           check=lambda rng: isinstance(rng, np.random.Generator))
    nnlib.set_seed(0)   # the scalar fuzz re-seeded nnlib's generators; leave them as tests expect


def test_zz_report_counts():
    """Last in the module: how much the fuzz covered (for the CI log and the issue note)."""
    FZ.report()
