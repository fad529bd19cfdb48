"""The glossary: every term the course defines, where it is taught, and a one-line meaning.

Each entry is ``(term, notebook, definition)``. The book links the term to the section of
that notebook where the term first appears (a test checks that every term is found there).
"""

TERMS = [
    ("perceptron", "01", "A single threshold unit, ŷ = step(x·w + b), trained with Rosenblatt's "
     "rule; it can learn exactly the linearly separable problems."),
    ("linearly separable", "01", "Two classes that a straight line (a hyperplane in more "
     "dimensions) can separate without error; XOR is the classic counter-example."),
    ("learning rate", "01", "The step size η that scales every update of the weights."),
    ("epoch", "01", "One pass of the training algorithm over the whole training set."),
    ("activation function", "02", "The nonlinearity a unit applies to its weighted sum; without "
     "it a stack of layers collapses to one linear map."),
    ("sigmoid", "02", "σ(z) = 1 / (1 + e⁻ᶻ), squashing any number into (0, 1); its slope is at "
     "most 1/4."),
    ("ReLU", "02", "The rectified linear unit max(0, z): slope 1 for positive inputs, 0 for "
     "negative ones."),
    ("GELU", "02", "The Gaussian error linear unit z·Φ(z), a smooth ReLU used in Transformers."),
    ("softmax", "02", "Turns a vector of scores into probabilities: exponentiate, then divide by "
     "the sum; unchanged by adding a constant to every score."),
    ("saturate", "02", "An activation saturates where its slope is nearly zero (large |z| for "
     "sigmoid and tanh), so almost no gradient passes through it."),
    ("vanishing gradients", "02", "Gradients that shrink geometrically as they pass back through "
     "many layers or time steps, so early layers barely learn."),
    ("dead ReLU", "02", "A ReLU unit whose input is negative for every example: it outputs 0 and "
     "passes no gradient back."),
    ("multilayer perceptron", "03", "A stack of fully connected layers with nonlinear "
     "activations between them (MLP)."),
    ("hidden layer", "03", "A layer between the input and the output, whose values are never "
     "given by the data."),
    ("forward propagation", "03", "Computing a network's output layer by layer from its input."),
    ("universal approximation", "03", "The theorem that one wide enough hidden layer can "
     "approximate any continuous function on a bounded domain as closely as wanted."),
    ("backpropagation", "04", "The chain rule applied from the loss back through the graph of "
     "operations, giving every gradient in one backward sweep."),
    ("computational graph", "04", "The operations of a computation as nodes, with edges from "
     "each input to the operations that use it."),
    ("gradient checking", "04", "Comparing an analytic gradient with centred finite "
     "differences to find bugs in a backward pass."),
    ("loss", "05", "A number that measures how wrong the predictions are; training "
     "minimises its mean over the data."),
    ("mean squared error", "05", "The mean of (prediction − target)²; the negative "
     "log-likelihood of Gaussian noise, up to constants."),
    ("cross-entropy", "05", "−Σ y log p: the negative log-probability the model gives the "
     "correct class."),
    ("logit", "05", "An unnormalised score before a sigmoid or softmax; the logit of p is "
     "log(p / (1 − p))."),
    ("log-sum-exp", "05", "log Σ eᶻ computed as m + log Σ e^(z−m) with m = max z, so that "
     "nothing overflows."),
    ("maximum likelihood", "05", "Choosing the parameters that make the observed data most "
     "probable; minimising a negative log-likelihood."),
    ("optimizer", "06", "The rule that turns gradients into weight updates (SGD, momentum, Adam, "
     "…)."),
    ("mini-batch", "06", "A small random subset of the training data used for one gradient "
     "step."),
    ("momentum", "06", "An optimizer that moves along a running average of past gradients, "
     "damping oscillation and speeding up along consistent directions."),
    ("Adam", "06", "An optimizer that divides a momentum-averaged gradient by a running "
     "root-mean-square of the gradients, per coordinate."),
    ("learning-rate schedule", "06", "A rule that changes the learning rate during training "
     "(step decay, cosine, warmup, one-cycle)."),
    ("learning-rate range test", "06", "A short run that raises the learning rate "
     "exponentially and watches the loss, to find a good range."),
    ("reverse-mode automatic differentiation", "07", "Computing exact derivatives by recording the "
     "operations of a program, then applying the chain rule from the output back to the "
     "inputs: one backward sweep gives the gradient of a scalar with respect to everything."),
    ("topological order", "07", "An order of a graph's nodes in which every node comes after "
     "all the nodes it depends on."),
    ("validation set", "08", "Data held out from training and used to choose settings and "
     "stop training; the test set is then used once, at the end."),
    ("overfitting", "08", "Fitting the training data's noise: the training loss keeps falling "
     "while the validation loss rises."),
    ("dropout", "08", "A regulariser that zeroes each unit with probability p during training "
     "and scales the rest by 1/(1 − p)."),
    ("batch normalisation", "08", "Normalising each feature over the batch during training "
     "(and with running statistics at evaluation), then scaling and shifting it."),
    ("early stopping", "08", "Stopping training when the validation loss has not improved for "
     "some epochs, and keeping the best weights."),
    ("gradient clipping", "08", "Scaling the gradient down when its norm exceeds a threshold, "
     "to survive occasional huge gradients."),
    ("convolution", "09", "Sliding a small kernel over an input and taking a weighted sum at "
     "every position (in deep learning, cross-correlation)."),
    ("kernel", "09", "The small array of weights a convolution slides over its input."),
    ("padding", "09", "Extra values (usually zeros) added around an input so that a "
     "convolution can be centred on border pixels."),
    ("stride", "09", "How many positions a convolution or pooling window moves between "
     "outputs."),
    ("receptive field", "09", "The region of the input that can influence one unit's value."),
    ("pooling", "09", "Summarising each window of a feature map by its maximum or mean."),
    ("residual connection", "09", "Adding a block's input to its output, y = x + F(x), so the "
     "block learns a change to its input."),
    ("recurrent neural network", "10", "A network that reads a sequence one step at a time, "
     "updating a hidden state with the same weights at every step."),
    ("hidden state", "10", "The vector a recurrent network carries from one time step to the "
     "next."),
    ("backpropagation through time", "10", "Backpropagation through a recurrent network "
     "unrolled over its time steps."),
    ("LSTM", "10", "Long short-term memory: a recurrent cell with a memory cell and "
     "input, forget and output gates."),
    ("GRU", "10", "The gated recurrent unit: a recurrent cell with update and reset gates and "
     "no separate memory cell."),
    ("attention", "11", "A weighted average of values, with weights from how well a query "
     "matches each key."),
    ("scaled dot-product attention", "11", "softmax(Q Kᵀ / √d) V: attention whose scores are "
     "dot products divided by the square root of the key dimension."),
    ("multi-head attention", "11", "Several attentions in parallel on different learned "
     "projections, their outputs concatenated and projected."),
    ("causal mask", "11", "A mask that stops each position from attending to later positions."),
    ("positional encoding", "11", "Information about each token's position added to its "
     "embedding, since attention alone ignores order."),
    ("embedding", "11", "A learned vector for each token id, looked up from a table."),
    ("Transformer", "12", "A network of attention and feed-forward sub-layers, each wrapped in "
     "a residual connection and layer normalisation."),
    ("layer norm", "11", "Normalising each example's features to zero mean and unit "
     "variance, then scaling and shifting them."),
    ("GPT", "12", "A decoder-only Transformer trained to predict the next token."),
    ("temperature", "10", "Dividing the logits by T before sampling: T < 1 sharpens the "
     "distribution, T > 1 flattens it."),
    ("DistributedDataParallel", "12", "PyTorch's data parallelism: one model copy per process, "
     "gradients averaged across processes after every backward pass."),
    ("autoencoder", "13", "A network trained to reproduce its input through a narrow middle "
     "layer, so the middle layer must keep what matters most about the data."),
    ("latent space", "13", "The space of an autoencoder's middle-layer codes; nearby codes "
     "decode to similar outputs."),
    ("anomaly score", "13", "How unusual an input looks to a model trained on normal data, "
     "for example an autoencoder's reconstruction error."),
    ("variational autoencoder", "13", "An autoencoder whose encoder outputs a distribution over "
     "codes and whose loss adds a KL term pulling it towards a standard normal, so sampling "
     "from that normal and decoding generates new data (VAE)."),
    ("reparameterisation trick", "13", "Writing a sample as z = μ + σ·ε with ε ~ N(0, I), so "
     "the sampling step has gradients with respect to μ and σ."),
    ("ELBO", "13", "The evidence lower bound: expected reconstruction log-likelihood minus the "
     "KL divergence from the prior; a VAE maximises it."),
    ("GAN", "14", "A generative adversarial network: a generator maps noise to samples and a "
     "discriminator learns to tell them from real data; each is trained against the other."),
    ("discriminator", "14", "The GAN's classifier that outputs the probability that its input "
     "is real data rather than a generated sample."),
    ("mode collapse", "14", "A GAN failure in which the generator covers only a few modes of "
     "the data, producing little variety."),
    ("diffusion model", "14", "A generative model that learns to undo a fixed process which "
     "adds noise step by step; sampling starts from pure noise and denoises."),
    ("DDPM", "14", "Denoising diffusion probabilistic models: a network predicts the noise "
     "added at step t, trained with a mean squared error."),
    ("adjacency matrix", "16", "The n × n matrix A with A[i, j] = 1 where an edge joins node "
     "i to node j, 0 elsewhere."),
    ("message passing", "16", "A graph layer in which every node gathers messages from its "
     "neighbours, aggregates them (sum, mean or max) and updates its own vector."),
    ("graph convolution", "16", "The GCN layer: weight each node's and its neighbours' "
     "features by D̃^-1/2 (A + I) D̃^-1/2 (D̃ the degrees of A + I), sum them, then apply a "
     "shared linear map."),
    ("over-smoothing", "16", "As GNN layers are stacked, node embeddings grow alike, until "
     "nodes of different classes can no longer be told apart."),
    ("readout", "16", "Pooling all node vectors of a graph (sum, mean or max) into one "
     "vector for graph-level prediction."),
    ("graph attention", "16", "A message-passing layer whose neighbour weights come from a "
     "learned attention score instead of the node degrees (GAT)."),
    ("stochastic block model", "16", "A random graph whose nodes belong to communities, with "
     "edges more likely inside a community than between communities."),
    ("Vision Transformer", "15", "A Transformer that classifies an image by cutting it into "
     "patches and reading them as a sequence of tokens (ViT)."),
    ("patch embedding", "15", "The ViT's input layer: each p × p patch flattened and mapped "
     "to a vector by one shared linear map (a convolution with kernel size and stride p)."),
    ("class token", "15", "An extra learned token put in front of the patch tokens; the "
     "classifier reads its output vector."),
    ("attention rollout", "15", "Following attention through the layers by multiplying their "
     "attention matrices (each mixed with the identity for the residual path)."),
    ("inductive bias", "15", "What a model assumes before it sees data, such as a CNN's "
     "locality and weight sharing; the right assumptions save data."),
    ("transfer learning", "15", "Reusing a network trained on one task as the starting "
     "point for another task."),
    ("linear probe", "15", "Training only a new linear classifier on the frozen features of "
     "a pretrained network."),
    ("fine-tuning", "15", "Training a pretrained network further on the new task, often with "
     "a smaller learning rate for the pretrained part."),
    ("catastrophic forgetting", "15", "The drop in a network's accuracy on an old task after "
     "it is trained on a new one."),
]
