"""Read-only views of a registry: a mapping that projects each entry, kept in step."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar

__all__ = ["RegistryView"]

S = TypeVar("S")
V = TypeVar("V")


class RegistryView(Mapping[str, V], Generic[S, V]):
    """A read-only mapping ``name -> project(source[name])`` over a registry.

    It reads the registry on every access, so it can never disagree with it, and it
    has no way to change it. It prints like the dict it stands for.

    Parameters
    ----------
    source
        The registry: entries by name.
    project
        What the view shows of each entry.
    """

    def __init__(self, source: Mapping[str, S], project: Callable[[S], V]) -> None:
        self._source = source
        self._project = project

    def __getitem__(self, name: str) -> V:
        return self._project(self._source[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __repr__(self) -> str:
        return repr(dict(self))
