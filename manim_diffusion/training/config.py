"""The base of every training config: shared field checks and the dict a checkpoint stores."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

__all__ = ["RunConfig"]


@dataclass
class RunConfig:
    """What every training config shares: validation by field kind, and :meth:`to_dict`.

    A subclass is a dataclass whose fields decide one training run; it names its
    fields by kind in the class variables below and adds its own checks in
    :meth:`check_more`. The base has no fields, so a subclass's fields, their order
    and :meth:`to_dict` are its own (checkpoints store that dict: it must not change).
    """

    #: Fields that must be integers >= 1 (``bool`` is refused).
    positive_ints: ClassVar[tuple[str, ...]] = ("batch_size", "threads")
    #: Fields that must be finite numbers > 0.
    positive_numbers: ClassVar[tuple[str, ...]] = ("lr",)
    #: Fields that must be finite numbers >= 0.
    non_negative_numbers: ClassVar[tuple[str, ...]] = ()
    #: Fields that must lie in ``[0, 1)``.
    fractions: ClassVar[tuple[str, ...]] = ()
    #: Fields that are non-empty tuples of positive layer widths.
    widths: ClassVar[tuple[str, ...]] = ()

    def validate(self) -> Self:
        """Check every field; returns the config itself, raises ValueError naming the field."""
        for name in self.positive_ints:
            check_positive_int(name, getattr(self, name))
        for name in self.positive_numbers:
            value = getattr(self, name)
            if not (_is_number(value) and value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name in self.non_negative_numbers:
            value = getattr(self, name)
            if not (_is_number(value) and value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        for name in self.fractions:
            value = getattr(self, name)
            if not (_is_number(value) and 0 <= value < 1):
                raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
        for name in self.widths:
            value = getattr(self, name)
            if not value or min(value) < 1:
                raise ValueError(f"{name} widths must be positive, got {value!r}")
        self.check_more()
        return self

    def check_more(self) -> None:
        """Checks of this config's own (a subclass overrides it); raises ValueError."""

    def to_dict(self) -> dict[str, Any]:
        """The config as a dict of plain values (tuples become lists), in field order."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
        }


def check_positive_int(name: str, value: object) -> None:
    """Raise ValueError unless ``value`` is an integer >= 1 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_non_negative_int(name: str, value: object) -> None:
    """Raise ValueError unless ``value`` is an integer >= 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
