"""nnlib's NumPy engine: layers, activations, losses and gradient checks, written from scratch.

The API follows PyTorch's names and argument orders (``Linear``, ``Conv2d``, ``RNN``,
``MultiheadAttention``, ``Softmax(dim=-1)``, ``SGD``, ``Adam``, ``GPT(GPTConfig(...))``, ...).
Deliberate differences from PyTorch, all of them (CONTRIBUTING.md repeats this table):

* Linear weight: PyTorch ``(out, in)``, ``y = x W^T + b``; nnlib ``(in, out)``, ``y = x @ W +
  b`` (the course's batch-first ``X @ W``; ``from_torch``/``to_torch`` transpose).
* RNN/LSTM/GRU weights: PyTorch ``weight_ih_l0 (gates*H, in)``, ``b_ih + b_hh``; nnlib
  ``weight_x (in, gates*H)``, one ``bias`` (GRU keeps two) (same layout rule; outside the GRU
  only the sum of the two biases matters).
* RNN/LSTM/GRU state: PyTorch ``(layers, N, H)``, ``batch_first=False`` by default; nnlib ``(N,
  H)``, always batch first, one layer, one direction (fewer axes while learning BPTT).
* Backpropagation: PyTorch autograd records the graph; ``loss.backward()``; nnlib every layer
  has ``backward(grad_out)``; the loss object has its own ``backward()`` returning dL/dpred:
  ``model.backward(loss_fn.backward())`` (the chain rule stays visible).
* A loss's value: PyTorch a 0-d tensor; nnlib a Python ``float`` (nothing to detach).
* ``param.grad``: PyTorch ``None`` until the first backward; nnlib a zero array from the start
  (no ``None`` checks).
* Backward twice: PyTorch "Trying to backward through the graph a second time"; nnlib
  ``NotForwardedError`` for layers; a loss's ``backward()`` may be repeated (it has no side
  effects) (gradients would be added twice).
* Input changed in place before backward: PyTorch detected by tensor version counters; nnlib
  layers keep their own copy of the input (the weight gradient stays right).
* Optimizers: PyTorch ``param_groups``, per-group hyperparameters; nnlib no ``param_groups``:
  one set of hyperparameters, plain attributes (``opt.lr``) (readable update code).
* Schedulers: PyTorch some recursive (``lr *= gamma``); nnlib closed form ``lr_at(t)``: an lr
  set by hand is overwritten at the next ``step()`` (whole curves without training).
* Plain functions: PyTorch ``F.softmax(x, dim)``; nnlib ``functional.softmax(x, axis)`` (NumPy's
  word in NumPy functions); the layers take ``dim`` like PyTorch's.
* ``MultiheadAttention``: PyTorch ``batch_first=False``, ``dropout`` third positional, no causal
  flag; nnlib always batch first, no dropout, ``bias``/``causal`` keyword-only, ``causal=True``
  builds the mask.
* ``Dropout(p=1)``: PyTorch allowed (all zeros); nnlib refused: ``0 <= p < 1`` (scaling by
  ``1/(1-p)``).
* ``BatchNorm1d(momentum=None)``: PyTorch cumulative average; nnlib refused (a number in ``[0,
  1]``).
* ``LayerNorm``: PyTorch any trailing ``normalized_shape``; nnlib the last axis only.
* ``Conv2d``: PyTorch dilation, groups, padding modes; nnlib zero padding, stride only.
* Errors: PyTorch mostly ``RuntimeError``/``IndexError``; nnlib
  ``TypeError``/``ValueError``/``ShapeError``/``NonFiniteError``/``NotForwardedError``
  (``nnlib.errors``); an out-of-range token id is a ``ValueError`` (one policy, messages name
  the argument).
* NaN/inf: PyTorch propagate silently; nnlib layer inputs, hyperparameters and ``lr`` at
  ``step()`` are checked: ``NonFiniteError`` (a learner sees where it started); the plain
  functions of ``scratch.functional`` propagate NaN data, as PyTorch does.
* Integer and bool input: PyTorch refused by most layers; nnlib arrays cast to float64 (a
  single ``True``/``False``, complex, strings refused) (NumPy arrays default to int).
* A single number to an element-wise layer (``ReLU()(3.0)``): PyTorch refused (a layer takes a
  tensor); nnlib the NumPy layers return NumPy's result (a scalar or a 0-d array); the
  ``nnlib.autograd.nn`` layers refuse it, as PyTorch does (NumPy functions take scalars).
* NumPy ``GPT``: PyTorch (nanoGPT) dropout, optional biases; nnlib ``GPT(GPTConfig(...))`` as
  the PyTorch ``GPT``, but ``dropout=0`` and ``bias=True`` only (the forward equals the PyTorch
  model in eval mode).
* ``fit`` / ``evaluate``: PyTorch (``nnlib.train``) ``fit(model, loader, optimizer, loss_fn, *,
  epochs, ...)`` over DataLoaders, with ``device``, ``precision``, ``progress``, ``live_plot``;
  nnlib the same arguments in the same order; ``data`` may also be ``(X, y)`` arrays cut by
  ``batch_size``/``shuffle``/``seed``; ``metric=`` any function; no devices, mixed precision or
  progress bar (NumPy has no DataLoader and runs on the CPU).
* Generative models: PyTorch ``VAE``, ``Generator``, ``Discriminator``, ``Denoiser`` take a
  config; ``ddpm_loss(model, x0, schedule)`` draws t and noise; ``sample(...)``; nnlib the same
  classes and the same config classes; losses return ``(loss, gradient)``
  (``noise_prediction_loss``, ``discriminator_loss``, ``generator_loss``); ``ddpm_sample``;
  ``mlp_generator``, ``NoisePredictor`` as short forms (explicit backward: the caller draws t
  and noise and sees every gradient).
"""

from nnlib.scratch import functional, init  # (nnlib.scratch.functional as F)
from nnlib.scratch.activations import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
)
from nnlib.scratch.attention import (
    AttentionCache,
    Embedding,
    LearnedPositionalEmbedding,
    MultiHeadAttention,
    MultiheadAttention,
    PositionalEncoding,
    causal_mask,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
    scaled_dot_product_attention_forward,
    sinusoidal_positional_encoding,
)
from nnlib.scratch.conv import (
    AvgPool2d,
    Conv2d,
    MaxPool2d,
    col2im,
    conv2d,
    conv_output_size,
    im2col,
)
from nnlib.scratch.gpt import GPT, GPTMLP, GPTBlock, GPTCausalSelfAttention, GPTConfig
from nnlib.scratch.gradcheck import (
    GradcheckError,
    GradcheckReport,
    gradcheck,
    max_relative_error,
    numerical_gradient,
)
from nnlib.scratch.layers import BatchNorm1d, Dropout, Flatten, LayerNorm, Linear, Sequential
from nnlib.scratch.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CategoricalCrossEntropy,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    Loss,
    MSELoss,
    NLLLoss,
)
from nnlib.scratch.lr_finder import LRRangeTestResult, lr_range_test
from nnlib.scratch.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    OneCycleLR,
    StepLR,
    WarmupCosineLR,
    lr_schedule_values,
)
from nnlib.scratch.module import (
    Module,
    NonFiniteError,
    NotForwardedError,
    Parameter,
    ShapeError,
    check_array,
)
from nnlib.scratch.optim import SGD, Adam, AdamW, Optimizer, RMSprop, clip_grad_norm_
from nnlib.scratch.perceptron import Perceptron
from nnlib.scratch.recurrent import (
    GRU,
    LSTM,
    RNN,
    hidden_gradient_norms,
    spectral_radius,
    with_spectral_radius,
)
from nnlib.scratch.training import (
    Callback,
    EarlyStopping,
    History,
    TrainingDivergedError,
    accuracy,
    evaluate,
    fit,
    iterate_minibatches,
)

