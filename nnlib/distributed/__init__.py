"""Training on several processes at once (notebook 12): ``nnlib.distributed.train_ddp``.

Launch, one process per GPU (or per CPU worker)::

    torchrun --standalone --nproc_per_node=2 -m nnlib.distributed.train_ddp --help

Importing this package starts nothing; the script only runs under ``-m``.
"""
