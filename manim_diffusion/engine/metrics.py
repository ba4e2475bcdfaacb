"""Sample quality: the energy distance between two point sets, and its floor."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["energy_distance", "energy_distance_floor"]


def energy_distance(x: np.ndarray | torch.Tensor, y: np.ndarray | torch.Tensor) -> float:
    """The (squared) energy distance ``2 E|X-Y| - E|X-X'| - E|Y-Y'|``.

    It is 0 exactly when the two distributions are equal, grows with any difference
    in location, spread or shape, and needs no bandwidth. Computed on all pairs (a
    V-statistic), so two finite samples of the same distribution give a small
    positive value: compare with :func:`energy_distance_floor`.
    On the 2D sets, 2000 against 2000 points: ~0.0006 for two draws of the same
    data, ~0.05 for pure noise against smiley.
    """
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))
    if xt.ndim != 2 or yt.ndim != 2 or xt.shape[1] != yt.shape[1]:
        raise ValueError(
            f"need two (N, D) arrays of one D, got {tuple(xt.shape)}, {tuple(yt.shape)}"
        )
    if len(xt) == 0 or len(yt) == 0:
        raise ValueError("energy distance needs at least one point on each side")
    if not (torch.isfinite(xt).all() and torch.isfinite(yt).all()):
        raise ValueError("energy distance got NaN or infinite points")
    xy = torch.cdist(xt, yt).mean()
    xx = torch.cdist(xt, xt).mean()
    yy = torch.cdist(yt, yt).mean()
    return float(2 * xy - xx - yy)


def energy_distance_floor(make: callable, n: int = 2000, seed: int = 0) -> float:
    """Energy distance between two independent draws of ``n`` points from ``make``.

    ``make(n, seed)`` returns points; this is the value a perfect model reaches.
    """
    return energy_distance(make(n, seed + 1_000_003), make(n, seed + 2_000_003))
