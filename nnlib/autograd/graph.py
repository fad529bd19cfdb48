"""What ``Value`` and ``Tensor`` share: the order in which backward visits the graph.

A node is anything with a ``_prev`` tuple of the nodes it was computed from.
"""

from __future__ import annotations


def topological_order(root) -> list:
    """Every node ``root`` depends on, each listed after all of its inputs; ``root`` last.

    Iterative depth-first search with an explicit stack: a recursive version hits Python's
    recursion limit (about 1,000 frames) on a chain of a few thousand operations.
    Each stack entry is ``(node, inputs_done)``: the second visit appends the node once
    everything it was computed from is already in the list.
    """
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
    order = topological_order(root)
    for node in order:
        if node._prev and node is not root:
            node._reset_grad()
    for node in reversed(order):  # root first: a node's grad is complete before it is used
        node._backward()
