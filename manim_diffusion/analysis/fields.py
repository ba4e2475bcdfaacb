"""The vector fields that drive samples: score, probability-flow velocity, SDE drift.

Evaluated on any :class:`~manim_diffusion.core.model.Predictor` (a trained
model or an exact :class:`~manim_diffusion.densities.mixture.GaussianMixture`) at one
library time, for the arrows of :class:`~manim_diffusion.mobjects.DriftField`.
"""

from __future__ import annotations

import numpy as np
import torch

from ..core.model import Prediction, Predictor
from ..core.threads import limited_threads

__all__ = ["FIELDS", "FIELD_T_MARGIN", "grid_points", "grid_points_3d", "vector_field"]

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
    """Points of a regular grid, shape ``(ny * nx, 2)``, row after row from the bottom.

    Parameters
    ----------
    x_range, y_range
        The grid's extent, ends included.
    density
        Points per row and per column (one int for both), or ``(nx, ny)``.

    Examples
    --------
    A grid coloured by the density of the ``three_dots`` mixture:

    .. manim:: GridPointsExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, GaussianMixture, grid_points

        class GridPointsExample(Scene):
            def construct(self):
                points = grid_points((-3, 3), (-2, 2), density=(31, 21))
                density = GaussianMixture.three_dots().density(points, 1.0)
                axes = Axes(x_range=[-3, 3], y_range=[-2, 2], x_length=10.5, y_length=7)
                self.add(DistributionCloud(points, axes=axes, radius=0.07, values=density,
                                           colormap=[GREY_E, BLUE, YELLOW]))
    """
    nx, ny = (density, density) if isinstance(density, int) else density
    if nx < 1 or ny < 1:
        raise ValueError(f"grid density must be positive, got {density}")
    xs = np.linspace(*x_range, nx)
    ys = np.linspace(*y_range, ny)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def grid_points_3d(extent: float = 2.0, density: int = 5) -> np.ndarray:
    """The nodes of a cubic grid ``[-extent, extent]^3``, shape ``(density**3, 3)``.

    Parameters
    ----------
    extent
        Half the side of the cube, data units.
    density
        Nodes per side, at least 1.

    Examples
    --------
    .. manim:: GridPoints3DExample
        :save_last_frame:

        from manim_diffusion import Cloud3D, grid_points_3d

        class GridPoints3DExample(ThreeDScene):
            def construct(self):
                self.set_camera_orientation(phi=65 * DEGREES, theta=35 * DEGREES)
                self.add(Cloud3D(grid_points_3d(2.0, 6), camera=self.camera, radius=0.06,
                                 color=YELLOW))
    """
    if int(density) < 1:
        raise ValueError(f"density must be at least 1 node per side, got {density}")
    if not extent > 0:
        raise ValueError(f"extent must be positive, got {extent}")
    side = np.linspace(-extent, extent, int(density))
    gx, gy, gz = np.meshgrid(side, side, side, indexing="ij")
    return np.stack([gx.ravel(), gy.ravel(), gz.ravel()], axis=1)


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
    """The field ``kind`` of ``model`` at ``points`` (shape ``(N, D)``) and library time ``t``.

    ``t`` is clipped to ``[FIELD_T_MARGIN, 1 - FIELD_T_MARGIN]`` so that every arrow is
    finite at both ends. Returns float64 ``(N, D)``, D the model's point dimension (2,
    or 3 for a 3D model).

    Parameters
    ----------
    model
        Any predictor: a trained model or an exact
        :class:`~manim_diffusion.densities.mixture.GaussianMixture`.
    points
        Where to evaluate the field, shape ``(N, D)`` (e.g. from :func:`grid_points`).
    t
        Library time (0 = noise, 1 = data).
    kind
        One of :data:`FIELDS`: ``"score"``, ``"velocity"``, ``"sde_drift"``,
        ``"denoise"`` or ``"eps"``.

    Examples
    --------
    The probability-flow velocity of the exact ``three_dots`` mixture at t = 0.8, drawn
    with Manim's own arrows (:class:`~manim_diffusion.mobjects.DriftField` draws many
    arrows faster):

    .. manim:: VectorFieldExample
        :save_last_frame:

        from manim_diffusion import GaussianMixture, grid_points, vector_field

        class VectorFieldExample(Scene):
            def construct(self):
                gm = GaussianMixture.three_dots()
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6.8, y_length=6.8,
                            tips=False).shift(0.3 * DOWN)
                points = grid_points((-3, 3), (-3, 3), density=13)
                arrows = vector_field(gm, points, t=0.8, kind="velocity")
                arrows *= 0.4 / np.percentile(np.linalg.norm(arrows, axis=1), 95)
                self.add(axes, *(Arrow(axes.c2p(*p), axes.c2p(*(p + v)), buff=0,
                                       color=YELLOW, stroke_width=2,
                                       max_tip_length_to_length_ratio=0.3)
                                 for p, v in zip(points, arrows)))
                self.add(Text('vector_field(gm, points, t=0.8, kind="velocity")',
                              font_size=22).to_edge(UP, buff=0.15))
    """
    if kind not in FIELDS:
        raise ValueError(f"unknown field {kind!r}; choose one of: {', '.join(FIELDS)}")
    pts = np.asarray(points, dtype=np.float64)
    dim = model.dim if isinstance(model.dim, int) else None
    if pts.ndim != 2 or (dim is not None and pts.shape[1] != dim):
        want = f"(N, {dim}) for this {dim}D model" if dim else "(N, D)"
        raise ValueError(f"points must have shape {want}, got {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("points have NaN or infinite values")
    tc = float(np.clip(t, FIELD_T_MARGIN, 1.0 - FIELD_T_MARGIN))
    x = torch.as_tensor(pts, dtype=torch.float32)
    with limited_threads(len(pts)):
        pred = model.predict(x, tc)
    g2 = float(model.schedule.drift_diffusion(tc)[1]) if kind == "sde_drift" else 0.0
    out = _field_of(pred, x, kind, g2).double().numpy()
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
