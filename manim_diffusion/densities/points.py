"""Points of shape (N, D), as numpy arrays or torch tensors: the checks every density shares."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["ArrayLike", "as_points_array", "as_points_tensor", "check_points", "like_input",
           "restore_kind"]

ArrayLike = np.ndarray | torch.Tensor


def check_points(shape: tuple[int, ...], dim: int | None) -> None:
    """Raise ``ValueError`` unless ``shape`` is ``(N, D)`` (with ``D = dim`` if given)."""
    if len(shape) != 2 or (dim is not None and shape[1] != dim):
        want = f"(N, {dim})" if dim is not None else "(N, D)"
        raise ValueError(f"points must have shape {want}, got {shape}")


def as_points_tensor(x: ArrayLike, dim: int | None = None) -> tuple[torch.Tensor, bool]:
    """``x`` as a float64 tensor of shape (N, D), and whether it came as numpy."""
    is_numpy = not isinstance(x, torch.Tensor)
    xt = x.double() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x, np.float64))
    check_points(tuple(xt.shape), dim)
    return xt, is_numpy


def as_points_array(x: ArrayLike, dim: int | None = None) -> tuple[np.ndarray, torch.Tensor | None]:
    """``x`` as a float64 array of shape (N, D), and the tensor it came as (if one)."""
    like = x if isinstance(x, torch.Tensor) else None
    arr = like.detach().cpu().double().numpy() if like is not None else np.asarray(x, np.float64)
    check_points(arr.shape, dim)
    return arr, like


def restore_kind(y: torch.Tensor, is_numpy: bool) -> ArrayLike:
    """``y`` back as numpy when the input was numpy (see :func:`as_points_tensor`)."""
    return y.detach().cpu().numpy() if is_numpy else y


def like_input(y: np.ndarray, like: torch.Tensor | None) -> ArrayLike:
    """``y`` as a tensor of ``like``'s dtype and device, or as it is without one."""
    if like is None:
        return y
    return torch.as_tensor(y, device=like.device).to(like.dtype)
