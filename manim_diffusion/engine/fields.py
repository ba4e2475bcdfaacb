"""The vector fields that drive samples: score, probability-flow velocity, SDE drift.

Evaluated on any :class:`~manim_diffusion.engine.objectives.Predictor` (a trained
model or an exact :class:`~manim_diffusion.engine.analytic.GaussianMixture`) at one
library time, for the arrows of :class:`~manim_diffusion.mobjects.DriftField`.
"""

from __future__ import annotations

import numpy as np
import torch

from .objectives import Prediction, Predictor
from .threads import limited_threads

__all__ = ["FIELDS", "FIELD_T_MARGIN", "grid_points", "vector_field"]

#: Field names and what they are.
FIELDS: dict[str, str] = {
    "score": "grad log p_t(x), the direction of rising density (grows like 1 / sigma)",
    "velocity": "dx/dt of the probability-flow ODE: where DDIM and Euler move a point",
    "sde_drift": "the reverse SDE's drift v + g^2 score / 2: where DDPM pushes on average",
    "denoise": "x0-hat - x: from the point to the model's guess of its clean version",
    "eps": "the predicted noise epsilon-hat (the eps model's raw output)",
}

#: Fields are evaluated at t clipped to [margin, 1 - margin]: at t = 1 the score of
#: data with no noise left is infinite (sigma = 0), at t = 0 a flow path has alpha = 0.
FIELD_T_MARGIN = 1e-3


def grid_points(
    x_range: tuple[float, float] = (-3.0, 3.0),
    y_range: tuple[float, float] = (-3.0, 3.0),
    density: int | tuple[int, int] = 15,
) -> np.ndarray:
    """Points of a regular grid, shape ``(ny * nx, 2)``, row after row from the bottom."""
    nx, ny = (density, density) if isinstance(density, int) else density
    if nx < 1 or ny < 1:
        raise ValueError(f"grid density must be positive, got {density}")
    xs = np.linspace(*x_range, nx)
    ys = np.linspace(*y_range, ny)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _field_of(pred: Prediction, x: torch.Tensor, kind: str, g2: float) -> torch.Tensor:
    if kind == "score":
        return pred.score
    if kind == "velocity":
        return pred.velocity
    if kind == "sde_drift":
        return pred.velocity + 0.5 * g2 * pred.score
    if kind == "denoise":
        return pred.x0 - x
    return pred.eps


@torch.no_grad()
def vector_field(
    model: Predictor, points: np.ndarray, t: float, kind: str = "velocity"
) -> np.ndarray:
    """The field ``kind`` of ``model`` at ``points`` (shape ``(N, 2)``) and library time ``t``.

    ``t`` is clipped to ``[FIELD_T_MARGIN, 1 - FIELD_T_MARGIN]`` so that every arrow is
    finite at both ends. Returns float64 ``(N, 2)``.
    """
    if kind not in FIELDS:
        raise ValueError(f"unknown field {kind!r}; choose one of: {', '.join(FIELDS)}")
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("points have NaN or infinite values")
    tc = float(np.clip(t, FIELD_T_MARGIN, 1.0 - FIELD_T_MARGIN))
    x = torch.as_tensor(pts, dtype=torch.float32)
    with limited_threads(len(pts)):
        pred = model.predict(x, tc)
    g2 = float(model.schedule.drift_diffusion(tc)[1]) if kind == "sde_drift" else 0.0
    out = _field_of(pred, x, kind, g2).double().numpy()
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
