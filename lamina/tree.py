"""Pytrees over optree: tuples, lists, dicts, namedtuples and None, as torch.func and JAX use.

``None`` is an empty subtree (not a leaf), as in JAX and torch.utils._pytree.
"""

from __future__ import annotations

from typing import Any

import optree

__all__ = ["flatten", "unflatten", "leaves", "structure_str", "tree_map"]

_NAMESPACE = "lamina"


def flatten(tree: Any) -> tuple[list, Any]:
    leaves, spec = optree.tree_flatten(tree, none_is_leaf=False, namespace=_NAMESPACE)
    return leaves, spec


def unflatten(spec: Any, leaves: list) -> Any:
    return optree.tree_unflatten(spec, leaves)


def leaves(tree: Any) -> list:
    return optree.tree_leaves(tree, none_is_leaf=False, namespace=_NAMESPACE)


def tree_map(fn, tree: Any, *rest: Any) -> Any:
    return optree.tree_map(fn, tree, *rest, none_is_leaf=False, namespace=_NAMESPACE)


def structure_str(spec: Any) -> str:
    """A short description of a tree structure for error messages."""
    text = str(spec)
    return text if len(text) < 120 else text[:117] + "..."
