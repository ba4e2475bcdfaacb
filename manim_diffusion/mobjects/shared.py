"""Shared: an attribute that a mobject's copies share instead of copying."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

__all__ = ["Shared"]

T = TypeVar("T")


class Shared(Generic[T]):
    """Holds an object that copies of a mobject share (deepcopy returns the holder).

    Manim copies a mobject with :func:`copy.deepcopy`; a big array (a trajectory), a
    cache or a time source held here is not copied: the copy reads the same one.

    Parameters
    ----------
    value
        The shared object (``self.value``).
    """

    def __init__(self, value: T) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared[T]:
        return self
