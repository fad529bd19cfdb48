"""Issue 16, part 3: the property-based fuzz carried to Part II of the course (notebooks 13-16):
``nnlib.scratch.generative``, ``nnlib.models`` (autoencoder, vae, gan, diffusion, vit, gnn),
``nnlib.train.transfer``, ``nnlib.scratch.patches``, ``nnlib.scratch.graph``,
``nnlib.data.graphs`` and the widgets of notebooks 13-16.

The oracle is the one of ``test_fuzz_api.py`` and ``test_fuzz_train_data_widgets.py``: one
argument at a time gets a bad value (Hypothesis, derandomised, a fixed number of examples);
the call must work (and give finite results) or raise one of nnlib's documented exceptions
(TypeError, ValueError and its ShapeError/NonFiniteError) with a message naming that argument.
Values that can never be right for the argument's kind (a bool or a string for a number, NaN,
a complex number, an object, a number for an array or a model) must be refused.

Every registry entry names the object it fuzzes (``target``), so that
``tests/test_fuzz_coverage.py`` can tell which public entry points are covered. The counts are
printed at the end of the module and written to ``<tmp>/nnlib_fuzz_counts_part2.json``.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import nnlib.scratch.generative as SG  # noqa: E402
from nnlib.data import graphs as DG  # noqa: E402
from nnlib.models import autoencoder as MA  # noqa: E402
from nnlib.models import diffusion as MD  # noqa: E402
from nnlib.models import gan as MG  # noqa: E402
from nnlib.models import gnn as GNN  # noqa: E402
from nnlib.models import vae as MV  # noqa: E402
from nnlib.models import vit as VIT  # noqa: E402
from nnlib.scratch import graph as SGR  # noqa: E402
from nnlib.scratch import patches as P  # noqa: E402
from nnlib.train import transfer as TR  # noqa: E402
from nnlib.widgets import graph as WGR  # noqa: E402
from nnlib.widgets import latent as WL  # noqa: E402
from nnlib.widgets import vit as WV  # noqa: E402
from tests.fuzz_common import (  # noqa: E402
    BOOL,
    CHOICE,
    DTYPE,
    FLOAT,
    INT,
    INT_PAIR,
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

# TypeError and ValueError (with ShapeError/NonFiniteError) only, as before the move to
# fuzz_common: no entry point here has a forward/backward state to misuse
FZ = Fuzzer("part2", "part II: generative, ViT, transfer, graphs",
            documented=(TypeError, ValueError))

torch.set_num_threads(1)


# -- fixtures shared by the entries (small, seeded) -------------------------------------------
RNG = np.random.default_rng(0)
IMAGES = RNG.normal(size=(2, 1, 8, 8))
A4 = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]], dtype=float)
X4 = RNG.normal(size=(4, 3))
EI4 = DG.adjacency_to_edge_index(A4)
TX4, TEI4 = torch.tensor(X4, dtype=torch.float32), torch.as_tensor(EI4)
GRAPH4 = DG.Graph(X4.astype(np.float32), EI4, np.array([0, 1, 0, 1]))
SMALL_VIT = VIT.ViTConfig(image_size=8, patch_size=4, embed_dim=8, depth=1, num_heads=2,
                          mlp_dim=8, num_classes=3)


def _vit():
    torch.manual_seed(0)
    return VIT.ViT(SMALL_VIT)


def _gnn_config(**k):
    return GNN.GNNConfig(**{"in_features": 3, "num_classes": 2, "hidden": 4, **k})


def _graph_set():
    return [DG.Graph(X4.astype(np.float32), EI4, 0), DG.Graph(X4.astype(np.float32), EI4, 1)]


def _explorer(**k):
    kw = {"adjacency": A4, "features": X4, "labels": np.array([0, 1, 0, 1]), "max_depth": 2,
          **k}
    return WGR.OverSmoothingExplorer(kw.pop("adjacency"), kw.pop("features"), kw.pop("labels"),
                                 **kw)


def _attention_explorer(**k):
    kw = {"model": _vit(), "images": IMAGES.astype(np.float32), **k}
    return WV.patch_attention_explorer(kw.pop("model"), kw.pop("images"), **kw)


def _rollout_weights():
    w = np.exp(RNG.normal(size=(2, 2, 5, 5)))
    return w / w.sum(-1, keepdims=True)


def _linear_probe(**k):
    kw = {"train_features": torch.randn(6, 3, generator=torch.Generator().manual_seed(0)),
          "train_labels": torch.tensor([0, 1, 0, 1, 0, 1]), "num_classes": 2, "epochs": 1, **k}
    return TR.linear_probe(kw.pop("train_features"), kw.pop("train_labels"),
                           kw.pop("num_classes"), **kw)


def _param_groups(**k):
    model = k.pop("model", None) if "model" in k else _vit()
    head = k.pop("head") if "head" in k else (model.head if isinstance(model, nn.Module)
                                              else _vit().head)
    return TR.param_groups(model, head, **{"lr": 1e-3, "pretrained_lr": 1e-4, **k})


def _scratch_gan_step(**k):
    gen = SG.Generator(rng=0)
    disc = SG.Discriminator(rng=0)
    import nnlib.scratch as S

    kw = {"generator": gen, "discriminator": disc,
          "opt_g": S.Adam(gen.parameters(), lr=1e-3), "opt_d": S.Adam(disc.parameters(), lr=1e-3),
          "x_real": RNG.normal(size=(4, 2)), "z": RNG.normal(size=(4, 2)), **k}
    args = [kw.pop(n) for n in ("generator", "discriminator", "opt_g", "opt_d", "x_real", "z")]
    return SG.gan_train_step(*args, **kw)


def _torch_gan_step(**k):
    torch.manual_seed(0)
    gen, disc = MG.Generator(), MG.Discriminator()
    kw = {"generator": gen, "discriminator": disc,
          "opt_g": torch.optim.Adam(gen.parameters(), lr=1e-3),
          "opt_d": torch.optim.Adam(disc.parameters(), lr=1e-3),
          "x_real": torch.randn(4, 2), "z": torch.randn(4, 2), **k}
    args = [kw.pop(n) for n in ("generator", "discriminator", "opt_g", "opt_d", "x_real", "z")]
    return MG.gan_train_step(*args, **kw)


SCHED, TSCHED = SG.NoiseSchedule(10), MD.NoiseSchedule(10)
T2 = torch.randn(4, 2)


def _scratch_fit_arg(**k):
    import nnlib.scratch as S

    model = k.pop("model") if "model" in k else S.Linear(3, 2, rng=0)
    params = model.parameters() if isinstance(model, S.Module) else S.Linear(3, 2).parameters()
    kw = {"data": (X4, np.array([0, 1, 0, 1])),
          "optimizer": S.SGD(params, lr=0.1), "loss_fn": S.CrossEntropyLoss(), "epochs": 1,
          "verbose": False, **k}
    return S.fit(model, kw.pop("data"), kw.pop("optimizer"), kw.pop("loss_fn"), **kw)


def _scratch_evaluate(**k):
    import nnlib.scratch as S

    kw = {"model": S.Linear(3, 2, rng=0), "data": (X4, np.array([0, 1, 0, 1])), **k}
    return S.evaluate(kw.pop("model"), kw.pop("data"), **kw)


def _ddpm_sample(**k):
    kw = {"model": SG.NoisePredictor(T=10, hidden=8, rng=0), "schedule": SCHED, "n": 3,
          "rng": 0, **k}
    return SG.ddpm_sample(kw.pop("model"), kw.pop("schedule"), kw.pop("n"), **kw)


def _torch_sample(**k):
    torch.manual_seed(0)
    kw = {"model": MD.Denoiser(SG.DiffusionConfig(T=10, hidden=8)), "schedule": TSCHED, "n": 3,
          **k}
    return MD.sample(kw.pop("model"), kw.pop("schedule"), kw.pop("n"), **kw)


def _ddpm_loss(**k):
    torch.manual_seed(0)
    kw = {"model": MD.Denoiser(SG.DiffusionConfig(T=10, hidden=8)), "x0": T2,
          "schedule": TSCHED, **k}
    return MD.ddpm_loss(kw.pop("model"), kw.pop("x0"), kw.pop("schedule"), **kw)


# (label, target, call(**k), {argument: spec})
ENTRIES = [
    # -- nnlib.scratch.patches (notebook 15) ---------------------------------------------
    ("patches.PatchEmbedding", P.PatchEmbedding, call(P.PatchEmbedding, image_size=8,
                                                      patch_size=4, embed_dim=4, rng=0),
     {"image_size": INT_PAIR, "patch_size": INT, "in_channels": INT, "embed_dim": INT,
      "dtype": DTYPE}),
    ("patches.ViTEmbedding", P.ViTEmbedding, call(P.ViTEmbedding, image_size=8, patch_size=4,
                                                  embed_dim=4, rng=0),
     {"image_size": INT_PAIR, "patch_size": INT, "in_channels": INT, "embed_dim": INT,
      "dtype": DTYPE}),
    ("patches.check_patch_size", P.check_patch_size, call(P.check_patch_size, image_size=8,
                                                          patch_size=4),
     {"image_size": INT_PAIR, "patch_size": INT}),
    ("patches.num_patches", P.num_patches, call(P.num_patches, image_size=8, patch_size=4),
     {"image_size": INT_PAIR, "patch_size": INT}),
    ("patches.patchify", P.patchify, call(P.patchify, x=IMAGES, patch_size=4),
     {"x": OBJ, "patch_size": INT}),
    ("patches.unpatchify", P.unpatchify, call(P.unpatchify, patches=P.patchify(IMAGES, 4),
                                              image_size=8, patch_size=4, channels=1),
     {"patches": OBJ, "image_size": INT_PAIR, "patch_size": INT, "channels": INT}),
    # -- nnlib.models.vit --------------------------------------------------------------------
    ("vit.ViTConfig", VIT.ViTConfig, call(VIT.ViTConfig),
     {"image_size": INT, "patch_size": INT, "in_channels": INT, "num_classes": INT,
      "embed_dim": INT, "depth": INT, "num_heads": INT, "mlp_dim": INT, "dropout": FLOAT}),
    ("vit.ViT", VIT.ViT, call(VIT.ViT), {"config": OBJ_NONE}),
    ("vit.PatchEmbed", VIT.PatchEmbed, call(VIT.PatchEmbed), {"config": OBJ}),
    ("vit.ViT.reset_head", VIT.ViT.reset_head, lambda **k: _vit().reset_head(**k),
     {"num_classes": INT}),
    ("vit.ViT.forward", VIT.ViT.forward, lambda **k: _vit()(**k), {"x": OBJ}),
    # -- nnlib.train.transfer ---------------------------------------------------------------
    ("transfer.freeze", TR.freeze, call(TR.freeze), {"module": OBJ}),
    ("transfer.unfreeze", TR.unfreeze, call(TR.unfreeze), {"module": OBJ}),
    ("transfer.param_groups", TR.param_groups, _param_groups,
     {"model": OBJ, "head": OBJ, "lr": FLOAT, "pretrained_lr": FLOAT, "weight_decay": FLOAT}),
    ("transfer.extract_features", TR.extract_features,
     lambda **k: TR.extract_features(**{"features": _vit().features,
                                        "x": torch.zeros(2, 1, 8, 8), **k}),
     {"features": OBJ, "x": OBJ, "batch_size": INT, "module": OBJ_NONE}),
    ("transfer.linear_probe", TR.linear_probe, _linear_probe,
     {"train_features": OBJ, "train_labels": OBJ, "num_classes": INT, "epochs": INT,
      "lr": FLOAT, "weight_decay": FLOAT, "batch_size": arg("int", none_ok=True),
      "seed": INT}),
    ("transfer.few_labels", TR.few_labels, call(TR.few_labels, labels=np.arange(12) % 3,
                                                per_class=2),
     {"labels": OBJ, "per_class": INT, "classes": arg("object", none_ok=True, seq_ok=True),
      "seed": INT}),
    ("transfer.torchvision_classifier", TR.torchvision_classifier,
     # pretrained=True would try to download ImageNet weights: True is valid, so not called
     lambda **k: None if k.get("pretrained") is True else TR.torchvision_classifier(
         **{"pretrained": False, **k}),
     {"name": CHOICE, "num_classes": INT, "pretrained": BOOL}),
    # -- nnlib.widgets.vit -------------------------------------------------------------------
    ("widgets.collect_vit_attention", WV.collect_vit_attention,
     lambda **k: WV.collect_vit_attention(**{"model": _vit(),
                                             "images": IMAGES.astype(np.float32), **k}),
     {"model": OBJ, "images": OBJ}),
    ("widgets.attention_rollout", WV.attention_rollout, call(WV.attention_rollout),
     {"weights": OBJ}),
    ("widgets.class_token_attention", WV.class_token_attention,
     lambda **k: WV.class_token_attention(**{"weights": _rollout_weights(), "layer": 0,
                                             "head": 0, **k}),
     {"weights": OBJ, "layer": arg("int", str_ok=True), "head": arg("int", str_ok=True)}),
    ("widgets.patch_attention_explorer", WV.patch_attention_explorer, _attention_explorer,
     {"model": OBJ, "images": OBJ, "labels": arg("object", none_ok=True, seq_ok=True),
      "max_examples": INT,
      "figsize": arg("float", seq_ok=True)}),
    # -- nnlib.scratch.graph (notebook 16) -----------------------------------------------------
    ("graph.gcn_norm", SGR.gcn_norm, call(SGR.gcn_norm, adjacency=A4),
     {"adjacency": OBJ, "add_self_loops": BOOL}),
    ("graph.GCNConv", SGR.GCNConv, call(SGR.GCNConv, in_features=3, out_features=2, rng=0),
     {"in_features": INT, "out_features": INT, "bias": BOOL, "adjacency": OBJ_NONE,
      "add_self_loops": BOOL, "dtype": DTYPE}),
    ("graph.GCNConv.forward", SGR.GCNConv.forward,
     lambda **k: SGR.GCNConv(3, 2, adjacency=A4, rng=0)(**k), {"x": OBJ}),
    ("graph.Aggregate", SGR.Aggregate, call(SGR.Aggregate, adjacency=A4),
     {"how": CHOICE, "adjacency": OBJ_NONE, "self_loops": BOOL}),
    ("graph.aggregate", SGR.aggregate, call(SGR.aggregate, x=X4, adjacency=A4),
     {"x": OBJ, "adjacency": OBJ, "how": CHOICE, "self_loops": BOOL}),
    ("graph.propagate", SGR.propagate, call(SGR.propagate, x=X4, adjacency=A4, steps=2),
     {"x": OBJ, "adjacency": OBJ, "steps": INT, "how": CHOICE}),
    ("graph.readout", SGR.readout, call(SGR.readout, x=X4, batch=np.array([0, 0, 1, 1])),
     {"x": OBJ, "batch": OBJ_NONE, "how": CHOICE, "num_graphs": arg("int", none_ok=True)}),
    ("graph.GraphReadout", SGR.GraphReadout, call(SGR.GraphReadout), {"how": CHOICE}),
    ("graph.SelectNodes", SGR.SelectNodes, call(SGR.SelectNodes),
     {"index": arg("object", none_ok=True, seq_ok=True)}),
    ("graph.dirichlet_energy", SGR.dirichlet_energy, call(SGR.dirichlet_energy, x=X4,
                                                          adjacency=A4),
     {"x": OBJ, "adjacency": OBJ, "normalized": BOOL}),
    ("graph.mean_pairwise_distance", SGR.mean_pairwise_distance,
     call(SGR.mean_pairwise_distance, x=X4), {"x": OBJ, "normalize": BOOL}),
    # -- nnlib.data.graphs -------------------------------------------------------------------
    ("graphs.Graph", DG.Graph, call(DG.Graph, x=X4, edge_index=EI4, y=np.zeros(4, int)),
     {"x": OBJ, "edge_index": OBJ, "y": arg("int", seq_ok=True), "name": arg("text",
                                                                              str_ok=True)}),
    ("graphs.adjacency_to_edge_index", DG.adjacency_to_edge_index,
     call(DG.adjacency_to_edge_index), {"adjacency": OBJ}),
    ("graphs.edge_index_to_adjacency", DG.edge_index_to_adjacency,
     call(DG.edge_index_to_adjacency, edge_index=EI4, num_nodes=4),
     {"edge_index": OBJ, "num_nodes": INT}),
    ("graphs.check_edge_index", DG.check_edge_index,
     call(DG.check_edge_index, edge_index=EI4, num_nodes=4),
     {"edge_index": OBJ, "num_nodes": INT}),
    ("graphs.check_adjacency", DG.check_adjacency, call(DG.check_adjacency, adjacency=A4),
     {"adjacency": OBJ, "num_nodes": arg("int", none_ok=True), "symmetric": BOOL}),
    ("graphs.to_undirected", DG.to_undirected, call(DG.to_undirected, edge_index=EI4,
                                                    num_nodes=4),
     {"edge_index": OBJ, "num_nodes": INT}),
    ("graphs.degree", DG.degree, call(DG.degree), {"adjacency": OBJ}),
    ("graphs.degree_matrix", DG.degree_matrix, call(DG.degree_matrix), {"adjacency": OBJ}),
    ("graphs.batch_graphs", DG.batch_graphs, call(DG.batch_graphs), {"graphs": SEQ_OBJ}),
    ("graphs.stochastic_block_model", DG.stochastic_block_model,
     call(DG.stochastic_block_model, nodes_per_block=10, degree=3.0),
     {"difficulty": FLOAT, "blocks": INT, "nodes_per_block": INT, "degree": FLOAT,
      "features": INT, "feature_signal": FLOAT, "seed": INT}),
    ("graphs.split_nodes", DG.split_nodes, call(DG.split_nodes, labels=np.arange(12) % 3,
                                                train_per_class=2),
     {"labels": OBJ, "train_per_class": INT, "val_fraction": FLOAT, "seed": INT}),
    ("graphs.graph_families", DG.graph_families, call(DG.graph_families, n_graphs=3),
     {"n_graphs": INT, "min_nodes": INT, "max_nodes": INT, "max_degree": INT, "seed": INT}),
    # -- nnlib.models.gnn --------------------------------------------------------------------
    ("gnn.GNNConfig", GNN.GNNConfig, _gnn_config,
     {"in_features": INT, "num_classes": INT, "hidden": INT, "layers": INT, "dropout": FLOAT,
      "conv": CHOICE, "readout": CHOICE}),
    ("gnn.GCNConv", GNN.GCNConv, call(GNN.GCNConv, in_features=3, out_features=2),
     {"in_features": INT, "out_features": INT, "bias": BOOL}),
    ("gnn.GATConv", GNN.GATConv, call(GNN.GATConv, in_features=3, out_features=2),
     {"in_features": INT, "out_features": INT, "negative_slope": FLOAT}),
    ("gnn.GCNConv.forward", GNN.GCNConv.forward,
     lambda **k: GNN.GCNConv(3, 2)(**{"x": TX4, "edge_index": TEI4, **k}),
     {"x": OBJ, "edge_index": OBJ}),
    ("gnn.NodeClassifier", GNN.NodeClassifier, call(GNN.NodeClassifier), {"config": OBJ}),
    ("gnn.GraphClassifier", GNN.GraphClassifier, call(GNN.GraphClassifier),
     {"config": OBJ}),
    ("gnn.add_self_loops", GNN.add_self_loops, call(GNN.add_self_loops, edge_index=TEI4,
                                                    num_nodes=4),
     {"edge_index": OBJ, "num_nodes": INT}),
    ("gnn.gcn_norm", GNN.gcn_norm, call(GNN.gcn_norm, edge_index=TEI4, num_nodes=4),
     {"edge_index": OBJ, "num_nodes": INT, "self_loops": BOOL}),
    ("gnn.aggregate", GNN.aggregate, call(GNN.aggregate, x=TX4, edge_index=TEI4),
     {"x": OBJ, "edge_index": OBJ, "how": CHOICE, "weight": OBJ_NONE}),
    ("gnn.readout", GNN.readout, call(GNN.readout, x=TX4, batch=torch.tensor([0, 0, 1, 1]),
                                      num_graphs=2),
     {"x": OBJ, "batch": OBJ, "num_graphs": INT, "how": CHOICE}),
    ("gnn.to_tensor_graph", GNN.to_tensor_graph, call(GNN.to_tensor_graph, graph=GRAPH4),
     {"graph": OBJ}),
    ("gnn.OnGraph", GNN.OnGraph, lambda **k: GNN.OnGraph(**{
        "model": GNN.NodeClassifier(_gnn_config()), "x": TX4, "edge_index": TEI4, **k}),
     {"model": OBJ, "x": OBJ, "edge_index": OBJ}),
    ("gnn.GraphSet", GNN.GraphSet, lambda **k: GNN.GraphSet(**{
        "model": GNN.GraphClassifier(_gnn_config()), "graphs": _graph_set(), **k}),
     {"model": OBJ, "graphs": SEQ_OBJ}),
    # -- nnlib.widgets.graph -----------------------------------------------------------------
    ("widgets.OverSmoothingExplorer", WGR.OverSmoothingExplorer, _explorer,
     {"adjacency": OBJ, "features": OBJ, "labels": OBJ, "how": CHOICE, "depth": INT,
      "max_depth": INT}),
    # -- nnlib.scratch.generative (notebooks 13-14) --------------------------------------------
    ("generative.VAEConfig", SG.VAEConfig, call(SG.VAEConfig),
     {"in_features": INT, "hidden": INT, "latent": INT}),
    ("generative.GANConfig", SG.GANConfig, call(SG.GANConfig),
     {"data_dim": INT, "noise_dim": INT, "hidden": INT, "output": CHOICE}),
    ("generative.DiffusionConfig", SG.DiffusionConfig, call(SG.DiffusionConfig),
     {"data_dim": INT, "hidden": INT, "depth": INT, "T": INT, "time_dim": INT,
      "beta_start": FLOAT, "beta_end": FLOAT}),
    ("generative.reparameterize", SG.reparameterize,
     call(SG.reparameterize, mu=X4, logvar=X4, eps=X4),
     {"mu": OBJ, "logvar": OBJ, "eps": OBJ}),
    ("generative.reparameterize_backward", SG.reparameterize_backward,
     call(SG.reparameterize_backward, grad_z=X4, logvar=X4, eps=X4),
     {"grad_z": OBJ, "logvar": OBJ, "eps": OBJ}),
    ("generative.gaussian_kl", SG.gaussian_kl, call(SG.gaussian_kl, mu=X4, logvar=X4),
     {"mu": OBJ, "logvar": OBJ}),
    ("generative.gaussian_kl_backward", SG.gaussian_kl_backward,
     call(SG.gaussian_kl_backward, mu=X4, logvar=X4), {"mu": OBJ, "logvar": OBJ}),
    ("generative.bernoulli_nll", SG.bernoulli_nll,
     call(SG.bernoulli_nll, logits=X4, x=np.full((4, 3), 0.5)), {"logits": OBJ, "x": OBJ}),
    ("generative.VAE", SG.VAE, call(SG.VAE, rng=0),
     {"config": OBJ_NONE, "dtype": DTYPE}),
    ("generative.discriminator_loss", SG.discriminator_loss,
     call(SG.discriminator_loss, real_logits=X4, fake_logits=X4),
     {"real_logits": SEQ_OBJ, "fake_logits": SEQ_OBJ}),
    ("generative.generator_loss", SG.generator_loss, call(SG.generator_loss, fake_logits=X4),
     {"fake_logits": SEQ_OBJ, "non_saturating": BOOL}),
    ("generative.Generator", SG.Generator, call(SG.Generator, rng=0),
     {"config": OBJ_NONE, "dtype": DTYPE}),
    ("generative.Discriminator", SG.Discriminator, call(SG.Discriminator, rng=0),
     {"config": OBJ_NONE, "dtype": DTYPE}),
    ("generative.mlp_generator", SG.mlp_generator, call(SG.mlp_generator, rng=0),
     {"noise_dim": INT, "hidden": INT, "data_dim": INT, "dtype": DTYPE}),
    ("generative.mlp_discriminator", SG.mlp_discriminator, call(SG.mlp_discriminator, rng=0),
     {"data_dim": INT, "hidden": INT, "dtype": DTYPE}),
    ("generative.gan_train_step", SG.gan_train_step, _scratch_gan_step,
     {"generator": OBJ, "discriminator": OBJ, "opt_g": OBJ, "opt_d": OBJ, "x_real": OBJ,
      "z": OBJ, "non_saturating": BOOL}),
    ("generative.NoiseSchedule", SG.NoiseSchedule, call(SG.NoiseSchedule, T=10),
     {"T": INT, "beta_start": FLOAT, "beta_end": FLOAT}),
    ("generative.linear_beta_schedule", SG.linear_beta_schedule,
     call(SG.linear_beta_schedule, T=10), {"T": INT, "beta_start": FLOAT, "beta_end": FLOAT}),
    ("generative.q_sample", SG.q_sample,
     call(SG.q_sample, x0=X4, t=np.array([0, 1, 2, 3]), noise=X4, schedule=SCHED),
     {"x0": OBJ, "t": arg("int", seq_ok=True), "noise": OBJ, "schedule": OBJ}),
    ("generative.noise_prediction_loss", SG.noise_prediction_loss,
     call(SG.noise_prediction_loss, pred_noise=X4, noise=X4),
     {"pred_noise": OBJ, "noise": OBJ}),
    ("generative.p_sample_step", SG.p_sample_step,
     call(SG.p_sample_step, x_t=X4, t=3, pred_noise=X4, schedule=SCHED, z=X4),
     {"x_t": OBJ, "t": INT, "pred_noise": OBJ, "schedule": OBJ, "z": OBJ_NONE}),
    ("generative.time_features", SG.time_features,
     call(SG.time_features, t=np.array([0, 5]), T=10),
     {"t": arg("int", seq_ok=True), "T": INT, "dim": INT}),
    ("generative.Denoiser", SG.Denoiser, call(SG.Denoiser, rng=0),
     {"config": OBJ_NONE, "dtype": DTYPE}),
    ("generative.Denoiser.forward", SG.Denoiser.forward,
     lambda **k: SG.NoisePredictor(hidden=8, rng=0)(**{"x": X4[:, :2], "t": np.arange(4),
                                                       **k}),
     {"x": OBJ, "t": arg("int", seq_ok=True)}),
    ("generative.NoisePredictor", SG.NoisePredictor, call(SG.NoisePredictor, hidden=8, rng=0),
     {"data_dim": INT, "hidden": INT, "T": INT, "time_dim": INT, "dtype": DTYPE}),
    ("generative.ddpm_sample", SG.ddpm_sample, _ddpm_sample,
     {"model": OBJ, "schedule": OBJ, "n": INT, "data_dim": INT, "keep_every": INT}),
    ("generative.ring_data", SG.ring_data, call(SG.ring_data, n=8, rng=0),
     {"n": INT, "modes": INT, "radius": FLOAT, "std": FLOAT}),
    ("generative.ring_coverage", SG.ring_coverage,
     call(SG.ring_coverage, samples=SG.ring_data(16, rng=0)),
     {"samples": OBJ, "modes": INT, "radius": FLOAT, "std": FLOAT}),
    # -- nnlib.models: autoencoder, vae, gan, diffusion ------------------------------------------
    ("autoencoder.AutoencoderConfig", MA.AutoencoderConfig, call(MA.AutoencoderConfig),
     {"in_features": INT, "hidden": arg("int", seq_ok=True), "latent": INT,
      "activation": arg("choice", str_ok=True, none_ok=True)}),
    ("autoencoder.Autoencoder(config)", MA.Autoencoder, call(MA.Autoencoder),
     {"config": OBJ_NONE}),
    ("autoencoder.reconstruction_errors", MA.reconstruction_errors,
     lambda **k: MA.reconstruction_errors(**{
         "model": MA.Autoencoder(MA.AutoencoderConfig(in_features=2, hidden=(3,), latent=2)),
         "x": T2, **k}),
     {"model": OBJ, "x": OBJ, "batch_size": INT}),
    ("autoencoder.add_noise", MA.add_noise, call(MA.add_noise, x=T2),
     {"x": OBJ, "std": FLOAT, "generator": OBJ_NONE}),
    ("autoencoder.EncoderClassifier", MA.EncoderClassifier,
     call(MA.EncoderClassifier, encoder=nn.Linear(2, 3), latent=3),
     {"encoder": OBJ, "latent": INT, "num_classes": INT}),
    ("vae.VAE", MV.VAE, call(MV.VAE), {"config": OBJ_NONE}),
    ("vae.VAE.sample", MV.VAE.sample,
     lambda **k: MV.VAE(SG.VAEConfig(in_features=4, hidden=3))
     .sample(**{"n": 2, **k}), {"n": INT, "generator": OBJ_NONE}),
    ("vae.gaussian_kl", MV.gaussian_kl, call(MV.gaussian_kl, mu=T2, logvar=T2),
     {"mu": OBJ, "logvar": OBJ}),
    ("vae.vae_loss", MV.vae_loss,
     call(MV.vae_loss, logits=T2, x=torch.full((4, 2), 0.5), mu=T2, logvar=T2),
     {"logits": OBJ, "x": OBJ, "mu": OBJ, "logvar": OBJ, "beta": FLOAT}),
    ("gan.Generator", MG.Generator, call(MG.Generator), {"config": OBJ_NONE}),
    ("gan.Discriminator", MG.Discriminator, call(MG.Discriminator), {"config": OBJ_NONE}),
    ("gan.discriminator_loss", MG.discriminator_loss,
     call(MG.discriminator_loss, real_logits=T2, fake_logits=T2),
     {"real_logits": OBJ, "fake_logits": OBJ, "real_label": FLOAT}),
    ("gan.generator_loss", MG.generator_loss, call(MG.generator_loss, fake_logits=T2),
     {"fake_logits": OBJ, "non_saturating": BOOL}),
    ("gan.gan_train_step", MG.gan_train_step, _torch_gan_step,
     {"generator": OBJ, "discriminator": OBJ, "opt_g": OBJ, "opt_d": OBJ, "x_real": OBJ,
      "z": OBJ, "non_saturating": BOOL, "real_label": FLOAT, "ctx": OBJ_NONE}),
    ("diffusion.NoiseSchedule", MD.NoiseSchedule, call(MD.NoiseSchedule, T=10),
     {"T": INT, "beta_start": FLOAT, "beta_end": FLOAT}),
    ("diffusion.time_features", MD.time_features,
     call(MD.time_features, t=torch.tensor([0, 5]), T=10),
     {"t": OBJ, "T": INT, "dim": INT}),
    ("diffusion.q_sample", MD.q_sample,
     call(MD.q_sample, x0=T2, t=torch.tensor([0, 1, 2, 3]), noise=T2, schedule=TSCHED),
     {"x0": OBJ, "t": INT, "noise": OBJ, "schedule": OBJ}),
    ("diffusion.Denoiser", MD.Denoiser, call(MD.Denoiser), {"config": OBJ_NONE}),
    ("diffusion.ddpm_loss", MD.ddpm_loss, _ddpm_loss,
     {"model": OBJ, "x0": OBJ, "schedule": OBJ, "generator": OBJ_NONE}),
    ("diffusion.p_sample_step", MD.p_sample_step,
     call(MD.p_sample_step, x_t=T2, t=3, pred_noise=T2, schedule=TSCHED, z=T2),
     {"x_t": OBJ, "t": INT, "pred_noise": OBJ, "schedule": OBJ, "z": OBJ_NONE,
      "clip": arg("float", none_ok=True, seq_ok=True)}),
    ("diffusion.sample", MD.sample, _torch_sample,
     {"model": OBJ, "schedule": OBJ, "n": INT, "generator": OBJ_NONE,
      "device": arg("choice", str_ok=True, none_ok=True),
      "clip": arg("float", none_ok=True, seq_ok=True)}),
    # -- nnlib.scratch.training (the NumPy fit, issue 11's shared signature) --------------------
    ("scratch.fit", __import__("nnlib.scratch.training", fromlist=["fit"]).fit,
     _scratch_fit_arg,
     {"model": OBJ, "data": OBJ, "optimizer": OBJ, "loss_fn": OBJ_NONE, "epochs": INT,
      "val_data": OBJ_NONE, "scheduler": OBJ_NONE, "early_stopping": OBJ_NONE,
      "callbacks": arg("object", none_ok=True, seq_ok=True), "scheduler_step": CHOICE,
      "clip_grad_norm": arg("float", none_ok=True), "batch_size": INT, "shuffle": BOOL,
      "seed": INT, "metric": arg("choice", str_ok=True, none_ok=True),
      "verbose": arg("int", bool_ok=True)}),
    ("scratch.evaluate", __import__("nnlib.scratch.training", fromlist=["fit"]).evaluate,
     _scratch_evaluate,
     {"model": OBJ, "data": OBJ, "loss_fn": OBJ_NONE, "batch_size": INT,
      "metric": arg("choice", str_ok=True, none_ok=True)}),
    # -- the short forms of the Part II widgets --------------------------------------------------
    ("widgets.over_smoothing_explorer", WGR.over_smoothing_explorer,
     lambda **k: WGR.over_smoothing_explorer(**{"adjacency": A4, "features": X4,
                                                "labels": np.array([0, 1, 0, 1]),
                                                "max_depth": 2, **k}),
     {"adjacency": OBJ, "features": OBJ, "labels": OBJ}),
    ("widgets.latent_explorer", WL.latent_explorer,
     lambda **k: WL.latent_explorer(**{"decode": lambda z: np.zeros((len(z), 784)),
                                       "codes": np.zeros((3, 2)), "labels": np.arange(3), **k}),
     {"decode": OBJ, "codes": OBJ, "labels": OBJ}),
    # -- widgets of notebooks 13-14 ------------------------------------------------------------
    ("widgets.interpolate", WL.interpolate,
     lambda **k: WL.interpolate(**{"z_a": np.zeros(2), "z_b": np.ones(2), **k}),
     {"z_a": SEQ_OBJ, "z_b": SEQ_OBJ, "steps": INT}),
]
# arguments whose documented values include some of the "sequence" bad values
SEQ_VALUES_OK = {("graphs.Graph", "y")}
test_bad_argument_is_refused_with_its_name_or_works = scalar_test(FZ, ENTRIES)


# -- bad arrays and objects, not scalars: each must be refused, naming the argument ----------
def _bad_data():
    ragged = [[1.0, 2.0], [3.0]]
    return [
        ("patches.patchify", "x", IMAGES[0], "one image without the batch axis"),
        ("patches.patchify", "x", IMAGES + 1j, "complex images"),
        ("patches.patchify", "x", np.full((1, 1, 8, 8), np.nan), "NaN images"),
        ("patches.patchify", "x", ragged, "a ragged list"),
        ("patches.patchify", "patch_size", 3, "3 does not divide 8"),
        ("patches.unpatchify", "patches", np.ones((2, 5, 16)), "5 patches for 4"),
        ("patches.unpatchify", "patches", np.ones((2, 4)), "2-D patches"),
        ("vit.ViT.forward", "x", torch.ones(2, 8, 8), "no channel axis"),
        ("vit.ViT.forward", "x", torch.ones(2, 1, 28, 28), "28 x 28 for an 8 x 8 ViT"),
        ("vit.ViT.forward", "x", np.ones((2, 1, 8, 8), dtype=np.float32), "a NumPy array"),
        ("transfer.extract_features", "x", torch.zeros(0, 1, 8, 8), "no images"),
        ("transfer.linear_probe", "train_labels", torch.tensor([0, 1]), "2 labels, 6 rows"),
        ("transfer.linear_probe", "train_features", torch.ones(6), "1-D features"),
        ("transfer.linear_probe", "train_labels", torch.tensor([0, 1, 2, 3, 4, 5]),
         "labels beyond num_classes"),
        ("transfer.few_labels", "labels", np.array([0.5, 1.0]), "float labels"),
        ("transfer.few_labels", "classes", [7], "a class that is not there"),
        ("transfer.few_labels", "per_class", 9, "more than the class holds"),
        ("transfer.param_groups", "head", nn.Linear(2, 2), "a head outside the model"),
        ("transfer.torchvision_classifier", "name", "vgg11", "not a ResNet"),
        ("widgets.attention_rollout", "weights", np.ones((2, 2, 5, 4)), "not square"),
        ("widgets.attention_rollout", "weights", np.ones((2, 5, 5)), "3-D"),
        ("widgets.class_token_attention", "layer", 5, "layer beyond the model's"),
        ("widgets.class_token_attention", "head", 7, "head beyond the model's"),
        ("widgets.class_token_attention", "layer", "layer 1", "a name, not an index"),
        ("widgets.patch_attention_explorer", "images", np.ones((2, 8, 8)), "no channel axis"),
        ("widgets.patch_attention_explorer", "images", np.ones((0, 1, 8, 8)), "no images"),
        ("widgets.patch_attention_explorer", "labels", np.array([1]), "1 label, 2 images"),
        ("graph.gcn_norm", "adjacency", np.ones((3, 4)), "not square"),
        ("graph.gcn_norm", "adjacency", np.triu(A4), "not symmetric"),
        ("graph.gcn_norm", "adjacency", -A4, "negative weights"),
        ("graph.gcn_norm", "adjacency", A4 + 1j, "complex"),
        ("graph.GCNConv.forward", "x", np.ones((5, 3)), "5 rows for 4 nodes"),
        ("graph.GCNConv.forward", "x", np.ones((4, 2)), "2 features for 3"),
        ("graph.GCNConv.forward", "x", np.full((4, 3), np.inf), "infinite features"),
        ("graph.aggregate", "x", np.ones(4), "1-D features"),
        ("graph.readout", "batch", np.array([0, 0, 1]), "3 graph ids for 4 nodes"),
        ("graph.readout", "batch", np.array([0, 0, -1, 1]), "a negative graph id"),
        ("graph.readout", "batch", np.array([0.0, 0, 1, 1]), "float ids"),
        ("graph.readout", "x", np.ones((0, 3)), "no nodes"),
        ("graph.propagate", "adjacency", np.triu(A4), "directed graph with gcn"),
        ("graph.SelectNodes", "index", np.array([0.5]), "a float index"),
        ("graphs.edge_index_to_adjacency", "edge_index", EI4.T, "(E, 2) instead of (2, E)"),
        ("graphs.edge_index_to_adjacency", "edge_index", EI4 + 4, "nodes beyond num_nodes"),
        ("graphs.edge_index_to_adjacency", "edge_index", EI4.astype(float), "float indices"),
        ("graphs.batch_graphs", "graphs", [], "no graphs"),
        ("graphs.batch_graphs", "graphs", [X4], "arrays, not Graph objects"),
        ("graphs.split_nodes", "labels", np.array([[0, 1]]), "2-D labels"),
        ("graphs.split_nodes", "train_per_class", 5, "more than a class holds"),
        ("graphs.Graph", "edge_index", EI4 + 4, "nodes beyond x's rows"),
        ("graphs.Graph", "y", np.zeros(3, int), "3 labels for 4 nodes"),
        ("gnn.GCNConv.forward", "edge_index", TEI4.T.contiguous(), "(E, 2)"),
        ("gnn.GCNConv.forward", "edge_index", TEI4.float(), "float edges"),
        ("gnn.GCNConv.forward", "x", TX4[:, :2], "2 features for 3"),
        ("gnn.GCNConv.forward", "x", X4, "a NumPy array"),
        ("gnn.aggregate", "edge_index", TEI4 + 4, "nodes beyond x's rows"),
        ("gnn.aggregate", "weight", torch.ones(3), "3 weights for 8 edges"),
        ("gnn.readout", "batch", torch.tensor([0, 0, 1]), "3 ids for 4 nodes"),
        ("gnn.readout", "batch", torch.tensor([0, 0, 1, 5]), "an id beyond num_graphs"),
        ("gnn.add_self_loops", "edge_index", EI4, "a NumPy array"),
        ("gnn.to_tensor_graph", "graph", (X4, EI4), "a tuple, not a Graph"),
        ("gnn.OnGraph", "edge_index", TEI4 + 4, "nodes beyond x's rows"),
        ("gnn.GraphSet", "graphs", [], "no graphs"),
        ("widgets.OverSmoothingExplorer", "how", "attention", "an unknown aggregation"),
        ("widgets.OverSmoothingExplorer", "depth", 3, "beyond max_depth"),
        ("widgets.OverSmoothingExplorer", "features", np.ones((3, 2)), "3 rows for 4 nodes"),
        ("widgets.OverSmoothingExplorer", "labels", np.zeros(3), "3 labels for 4 nodes"),
        ("widgets.OverSmoothingExplorer", "adjacency", np.triu(A4), "not symmetric"),
        ("generative.q_sample", "t", np.array([0, 1, 2, 10]), "a step beyond T - 1"),
        ("generative.q_sample", "t", np.array([0.5, 1, 2, 3]), "float steps"),
        ("generative.q_sample", "noise", X4[:3], "3 rows for 4"),
        ("generative.p_sample_step", "t", 10, "a step beyond T - 1"),
        ("generative.p_sample_step", "z", X4[:2], "2 rows for 4"),
        ("generative.time_features", "t", np.array([-1, 0]), "a negative step"),
        ("generative.time_features", "dim", 3, "an odd dimension"),
        ("generative.Denoiser.forward", "t", np.arange(3), "3 steps for 4 rows"),
        ("generative.Denoiser.forward", "x", X4, "3 features for 2"),
        ("generative.gaussian_kl", "logvar", X4[:2], "2 rows for 4"),
        ("generative.bernoulli_nll", "x", np.full((4, 2), 0.5), "2 pixels for 3"),
        ("generative.ring_coverage", "samples", np.ones((4, 3)), "3-D points"),
        ("generative.gan_train_step", "x_real", np.ones((4, 3)), "3-D data for a 2-D GAN"),
        ("generative.gan_train_step", "z", np.ones((4, 3)), "3 noise numbers for 2"),
        ("autoencoder.reconstruction_errors", "x", torch.ones(2, 3), "3 features for 2"),
        ("autoencoder.add_noise", "x", np.ones((2, 2)), "a NumPy array"),
        ("vae.gaussian_kl", "logvar", T2[:2], "2 rows for 4"),
        ("vae.vae_loss", "x", torch.ones(4, 3), "3 pixels for 2"),
        ("gan.discriminator_loss", "real_logits", X4, "a NumPy array"),
        ("gan.gan_train_step", "x_real", torch.ones(4, 3), "3-D data for a 2-D GAN"),
        ("diffusion.q_sample", "t", torch.tensor([0, 1, 2, 10]), "a step beyond T - 1"),
        ("diffusion.q_sample", "t", torch.tensor([0.5, 1, 2, 3]), "float steps"),
        ("diffusion.q_sample", "noise", T2[:3], "3 rows for 4"),
        ("diffusion.p_sample_step", "t", 10, "a step beyond T - 1"),
        ("diffusion.p_sample_step", "pred_noise", T2[:3], "3 rows for 4"),
        ("diffusion.p_sample_step", "clip", (1.0, -1.0), "lo above hi"),
        ("diffusion.ddpm_loss", "x0", torch.ones(4, 3), "3-D data for a 2-D model"),
        ("widgets.interpolate", "z_b", np.ones(3), "3 numbers for 2"),
    ]


BAD_DATA = _bad_data()


def test_every_bad_data_case_is_drawn():
    """Every case once (a list, not drawn: each is a mistake seen in notebooks 13-16)."""
    run_listed_cases(FZ, ENTRIES, BAD_DATA)


def test_zz_report_counts():
    """Last in the module: how much the fuzz covered (for the CI log and the issue note)."""
    FZ.report()
