"""What sample() checks before a run: counts, starting points, labels and guidance."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..core.prediction import PointDim, Predictor, point_shape

__all__ = ["as_points", "check_count", "prepare_model", "start_shape"]


def check_count(name: str, value: object) -> int:
    """``value`` as an int if it is a positive integer; a ValueError naming it if not."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def as_points(x_start: np.ndarray | torch.Tensor | None) -> torch.Tensor | None:
    """The caller's starting points as a float32 tensor of our own (None stays None)."""
    if x_start is None:
        return None
    return torch.as_tensor(np.asarray(x_start, dtype=np.float32)).clone()


def _size(shape: tuple[int, ...]) -> str:
    """``3D`` for points of shape (3,), ``of shape (1, 28, 28)`` for others."""
    return f"{shape[0]}D" if len(shape) == 1 else f"of shape {shape}"


def start_shape(
    model: Predictor, x: torch.Tensor | None, n: int, dim: PointDim
) -> tuple[int, ...]:
    """The shape ``(n, *point)`` of a run's points, checked against the model's ``dim``.

    Without starting points ``x`` there are ``n`` of shape ``dim`` (the model's by
    default, 2D if it does not say); with them, theirs.
    """
    want = point_shape(model.dim)
    if x is None:
        shape = point_shape(dim) or want or (2,)
        size = check_count("n", n)
    else:
        point_ndim = 1 if want is None else len(want)
        if x.ndim != 1 + point_ndim or len(x) == 0:
            layout = "(n, dim)" if point_ndim == 1 else f"(n, *{want})"
            raise ValueError(
                f"x_start must have shape {layout} with n >= 1, got {tuple(x.shape)}"
            )
        if not torch.isfinite(x).all():
            raise ValueError("x_start has NaN or infinite values")
        shape, size = tuple(x.shape[1:]), len(x)
    if want is not None and shape != want:
        hint = f"x_start of shape (n, {want[0]}), or dim={want[0]}" if len(want) == 1 else (
            f"x_start of shape (n, *{want}), or dim={want}")
        points = f"{want[0]}D points" if len(want) == 1 else f"points {_size(want)}"
        given = (f"x_start has shape {tuple(x.shape)}" if x is not None
                 else f"dim={dim!r} asks for points of shape {(size, *shape)}")
        raise ValueError(f"the model works on {points}, the starting points are "
                         f"{_size(shape)}: {given} (pass {hint})")
    return (size, *shape)


def _refuse_unused_guidance(model: Predictor, guidance: object) -> None:
    if guidance == 1.0:
        return
    if int(getattr(model, "num_classes", 0) or 0):
        raise ValueError(f"guidance={guidance!r} steers each sample towards a class: pass "
                         "labels= too (an int for all, or one per sample)")
    raise ValueError(f"guidance={guidance!r} needs a class-conditional model and labels=; "
                     "this model is unconditional: leave guidance at 1")


def prepare_model(
    model: Predictor, labels: Any, guidance: float, precision: str, n: int
) -> tuple[Predictor, np.ndarray | None]:
    """The predictor a run steps with, precision and guidance applied, and the labels.

    Guidance without labels is refused rather than ignored.
    """
    if labels is None:
        _refuse_unused_guidance(model, guidance)
    if precision != "float32":
        if not hasattr(model, "to_precision"):
            raise ValueError(f"precision {precision!r} needs a trained DiffusionModel")
        model = model.to_precision(precision)
    if labels is None:
        return model, None
    if not hasattr(model, "guided"):
        raise ValueError("labels need a class-conditional DiffusionModel")
    lab = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    guided = model.guided(lab, guidance)
    return guided, np.broadcast_to(lab.numpy(), (n,)).copy()
