"""PyTorch models used in the notebooks, one small readable file each.

* ``mlp``              MLP (notebook 08)
* ``cnn``              LeNet, SmallCNN, ResidualBlock, DeepCNN (notebook 09)
* ``rnn``              SequenceRegressor, CharRNN (notebook 10)
* ``transformer_toy``  ToyTransformer, an encoder for toy sequence tasks (notebook 11)
* ``gpt``              GPTConfig, GPT, a nanoGPT-style decoder (notebook 12)
"""

from nnlib.models.cnn import DeepCNN, LeNet, ResidualBlock, SmallCNN
from nnlib.models.gpt import GPT, GPTConfig
from nnlib.models.mlp import MLP
from nnlib.models.rnn import CharRNN, SequenceRegressor
from nnlib.models.transformer_toy import ToyTransformer

__all__ = ["GPT", "MLP", "CharRNN", "DeepCNN", "GPTConfig", "LeNet", "ResidualBlock",
           "SequenceRegressor", "SmallCNN", "ToyTransformer"]
