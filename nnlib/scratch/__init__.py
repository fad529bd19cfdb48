"""nnlib's NumPy engine: layers, activations, losses and gradient checks, written from scratch."""

# --- core engine: module, layers, activations, losses, init, gradcheck --------------------
from nnlib.scratch import functional, init  # noqa: F401  (nnlib.scratch.functional as F)
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
from nnlib.scratch.module import (
    Module,
    NonFiniteError,
    NotForwardedError,
    Parameter,
    ShapeError,
    check_array,
)

# --- end of core engine --------------------------------------------------------------------

# --- optimisation: optimizers, schedules, perceptron, training loop -------------------------
# isort: split
from nnlib.scratch.lr_finder import LRRangeTestResult, lr_range_test  # noqa: F401
from nnlib.scratch.lr_scheduler import (  # noqa: F401
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    OneCycleLR,
    StepLR,
    WarmupCosineLR,
    lr_schedule_values,
)
from nnlib.scratch.optim import SGD, Adam, AdamW, Optimizer, RMSprop, clip_grad_norm_  # noqa: F401
from nnlib.scratch.perceptron import Perceptron  # noqa: F401
from nnlib.scratch.training import (  # noqa: F401
    Callback,
    EarlyStopping,
    History,
    TrainingDivergedError,
    accuracy,
    evaluate,
    fit,
    iterate_minibatches,
)

# --- end of optimisation --------------------------------------------------------------------

# --- convolution: Conv2d, pooling, im2col -----------------------------------------------------
# isort: split
from nnlib.scratch.conv import (  # noqa: F401
    AvgPool2d,
    Conv2d,
    MaxPool2d,
    col2im,
    conv2d,
    conv_output_size,
    im2col,
)

# --- end of convolution -----------------------------------------------------------------------

# --- recurrent: RNN, LSTM, GRU with backpropagation through time ---------------------------
# isort: split
from nnlib.scratch.recurrent import (  # noqa: F401
    GRU,
    LSTM,
    RNN,
    hidden_gradient_norms,
    spectral_radius,
    with_spectral_radius,
)

# --- end of recurrent -----------------------------------------------------------------------

# --- attention --- (embeddings, scaled dot-product and multi-head attention, positions)
# isort: split
from nnlib.scratch.attention import (  # noqa: F401
    AttentionCache,
    Embedding,
    LearnedPositionalEmbedding,
    MultiHeadAttention,
    PositionalEncoding,
    causal_mask,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
    scaled_dot_product_attention_forward,
    sinusoidal_positional_encoding,
)

# --- end of attention -----------------------------------------------------------------------

# --- gpt --- (a NumPy GPT, forward and backward, matched to nnlib.models.gpt.GPT)
# isort: split
from nnlib.scratch.gpt import GPT, GPTMLP, GPTBlock, GPTCausalSelfAttention  # noqa: F401

# --- end of gpt -----------------------------------------------------------------------------
