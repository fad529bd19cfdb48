"""What ``Value`` and ``Tensor`` share: the order in which backward visits the graph.

A node is anything with a ``_prev`` tuple of the nodes it was computed from.
"""

from __future__ import annotations

from nnlib._checks import describe


def _check_node(root, where: str) -> None:
    """``root`` must be a graph node (a ``Value`` or a ``Tensor``)."""
    if not (hasattr(root, "_prev") and hasattr(root, "_backward")):
        hint = ("; call it once per output, or add the outputs into one first"
                if isinstance(root, (list, tuple)) else "")
        raise TypeError(f"{where}: root must be a Value or Tensor (a node of a computation "
                        f"graph), got {describe(root)}{hint}")


def topological_order(root) -> list:
    """Every node ``root`` depends on, each listed after all of its inputs; ``root`` last.

    Iterative depth-first search with an explicit stack: a recursive version hits Python's
    recursion limit (about 1,000 frames) on a chain of a few thousand operations.
    Each stack entry is ``(node, inputs_done)``: the second visit appends the node once
    everything it was computed from is already in the list.
    """
    _check_node(root, "topological_order")
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in visited)
    return order


def run_backward(root) -> None:
    """The chain rule over the graph, from ``root`` (whose ``grad`` is already seeded).

    Intermediate nodes start from zero on every call; leaves (nodes computed from nothing:
    inputs and parameters) keep adding, so gradients accumulate until ``zero_grad()``,
    as in PyTorch.
    """
    _check_node(root, "run_backward")
    if getattr(root, "grad", None) is None:
        raise ValueError("run_backward: root.grad is None; seed it first (root.grad = "
                         "np.ones_like(root.data) for a Tensor), or call root.backward(), "
                         "which seeds it")
    order = topological_order(root)
    for node in order:
        if node._prev and node is not root:
            node._reset_grad()
    for node in reversed(order):  # root first: a node's grad is complete before it is used
        node._backward()
