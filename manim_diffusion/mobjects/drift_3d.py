"""DriftField3D: a model's field at 3D points as arrows that face a ThreeDScene's camera."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import (
    BLUE_D,
    RED,
    YELLOW,
    ManimColor,
    ParsableManimColor,
    ThreeDAxes,
    ValueTracker,
    VGroup,
)
from manim.camera.three_d_camera import ThreeDCamera

from ..analysis.fields import FIELDS, grid_points_3d, vector_field
from ..core.model import Predictor
from .base import TimeDriven
from .cloud_3d import check_three_d_camera
from .drift_field import arrow_lengths, set_arrow_bands
from .renderer import VPath
from .shared import Shared

__all__ = ["DriftField3D", "facing_arrows"]


def facing_arrows(
    tails: np.ndarray, vectors: np.ndarray, toward_viewer: np.ndarray,
    tip_fraction: float = 0.3, tip_angle: float = 0.45,
) -> tuple[np.ndarray, np.ndarray]:
    """Shafts ``(2, M, 3)`` and heads ``(3, M, 3)`` of 3D arrows, barbs facing the viewer.

    Each head's two barbs lie in the plane through the shaft that faces the viewer
    (``toward_viewer``, a unit scene vector), so they open on screen at every camera
    angle; an arrow pointing straight at the viewer shows as a point.
    """
    tips = tails + vectors
    length = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, length, out=np.zeros_like(vectors), where=length > 0)
    side = np.cross(unit, toward_viewer)
    norm = np.linalg.norm(side, axis=1, keepdims=True)
    side = np.divide(side, norm, out=np.zeros_like(side), where=norm > 1e-9)
    barb = np.minimum(tip_fraction * length, 0.15)
    back = -np.cos(tip_angle) * unit
    spread = np.sin(tip_angle) * side
    heads = np.stack([tips + barb * (back + spread), tips, tips + barb * (back - spread)])
    return np.stack([tails, tips]), heads


class DriftField3D(TimeDriven, VGroup):
    """A model's drift (velocity, score, ...) at 3D points as arrows following the time.

    The arrows live in 3D and the ``ThreeDScene``'s camera projects them; their heads
    turn to face the viewer as the camera moves. Lengths are scaled as in
    :class:`~manim_diffusion.mobjects.DriftField` (the 95th percentile magnitude is
    ``max_length`` grid spacings; longer arrows are capped) and coloured in bands of
    magnitude, one stroke per band.

    Parameters
    ----------
    model
        Any 3D predictor: a trained 3D model or an exact 3D ``GaussianMixture``.
    camera
        The ``ThreeDScene``'s camera: ``self.camera`` (anything else raises).
    kind
        One of :data:`~manim_diffusion.analysis.fields.FIELDS` (default ``"velocity"``).
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    axes
        The ``ThreeDAxes`` of the data; without them, data units are scene units.
    points
        Where the arrows start, ``(M, 3)`` in data units; default: a 5x5x5 grid over
        ``[-2, 2]^3`` (:func:`~manim_diffusion.analysis.fields.grid_points_3d`).
    spacing
        The grid spacing the lengths are scaled to (data units); default: from
        ``points``' nearest neighbours.
    max_length
        Length of a 95th-percentile arrow, in grid spacings.
    colors
        Colours of the magnitude bands, weakest first.
    stroke_width, stroke_opacity
        Of the arrows.

    Examples
    --------
    .. manim:: DriftField3DExample

        from manim_diffusion import DriftField3D, GaussianMixture

        class DriftField3DExample(ThreeDScene):
            def construct(self):
                self.set_camera_orientation(phi=65 * DEGREES, theta=30 * DEGREES)
                gm = GaussianMixture(np.array([[1.2, 0, 0.8], [-1.2, 0.5, -0.8]]), 0.3)
                t = ValueTracker(0.2)
                self.add(DriftField3D(gm, camera=self.camera, time=t))
                self.begin_ambient_camera_rotation(rate=0.3)
                self.play(t.animate.set_value(0.9), run_time=3)
    """

    def __init__(
        self,
        model: Predictor,
        camera: ThreeDCamera,
        kind: str = "velocity",
        time: ValueTracker | float = 0.5,
        axes: ThreeDAxes | None = None,
        points: np.ndarray | None = None,
        spacing: float | None = None,
        max_length: float = 0.9,
        colors: Sequence[ParsableManimColor] = (BLUE_D, YELLOW, RED),
        stroke_width: float = 2.0,
        stroke_opacity: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._camera = Shared(check_three_d_camera(camera, "DriftField3D"))
        if kind not in FIELDS:
            raise ValueError(f"unknown field {kind!r}; choose one of: {', '.join(FIELDS)}")
        if not max_length > 0:
            raise ValueError(f"max_length must be positive, got {max_length}")
        if model.dim not in (3, None):
            raise ValueError(f"DriftField3D draws a 3D model's field, points (N, 3); this "
                             f"model works on points of shape {model.dim}")
        pts = grid_points_3d() if points is None else np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 3 or not len(pts):
            raise ValueError(f"points must have shape (M, 3), got {pts.shape}")
        self.model, self.kind, self.points_data = model, kind, pts
        self.spacing = float(spacing) if spacing else _nearest_spacing(pts)
        self.max_length = float(max_length)
        self._set_axes_map(axes)
        self._set_time_source(time)
        self._key: tuple[Any, ...] | None = None
        self._cache: tuple[float, np.ndarray, float] | None = None
        for c in colors:
            self.add(VPath(stroke_color=ManimColor.parse(c), stroke_width=stroke_width,
                              stroke_opacity=stroke_opacity, fill_opacity=0))
        self._follow_updates()

    @property
    def camera(self) -> ThreeDCamera:
        """The camera the arrows turn to face."""
        return self._camera.value

    def vectors(self) -> np.ndarray:
        """The field at the arrows' tails now, in data units: ``(M, 3)``."""
        t = self.get_time()
        if self._cache is None or self._cache[0] != t:
            v = vector_field(self.model, self.points_data, t, self.kind)
            ref = float(np.percentile(np.linalg.norm(v, axis=1), 95))
            self._cache = (t, v, ref)
        return self._cache[1]

    def refresh(self) -> DriftField3D:
        """Redraw the arrows if the time, the axes or the camera's angles changed."""
        vectors = self.vectors()
        assert self._cache is not None
        ref = self._cache[2]
        rotation = self.camera.generate_rotation_matrix()
        key = (self.get_time(), self.data_map.key_3d(), *np.round(rotation, 9).ravel())
        if key == self._key:
            return self
        self._key = key
        v, strength = arrow_lengths(vectors, ref, self.max_length, self.spacing)
        a, _ = self.data_map.affine_3d()
        shafts, heads = facing_arrows(self.data_map.space(self.points_data), v @ a,
                                      rotation[2])
        set_arrow_bands(self.submobjects, shafts, heads, strength)
        return self


def _nearest_spacing(points: np.ndarray) -> float:
    """The median distance from each point to its nearest other point (1.0 for one)."""
    if len(points) < 2:
        return 1.0
    sample = points[:: max(1, len(points) // 256)]
    d = np.linalg.norm(sample[:, None, :] - points[None, :, :], axis=2)
    d[d == 0] = np.inf
    return float(np.median(d.min(axis=1)))
