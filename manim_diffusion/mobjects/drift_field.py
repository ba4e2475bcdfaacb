"""DriftField: arrows of the score, velocity or SDE drift on a grid, following time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import (
    BLUE_D,
    RED,
    YELLOW,
    CoordinateSystem,
    ManimColor,
    ParsableManimColor,
    ValueTracker,
    VGroup,
    VMobject,
)

from ..analysis.fields import FIELDS, grid_points, vector_field
from ..core.model import Predictor
from .base import TimeDriven
from .colormaps import colorize
from .grid_image import GridImage
from .palettes import ERROR_COLORS
from .renderer import VPath
from .tracer import polylines_to_beziers

__all__ = [
    "DriftField",
    "ERROR_COLORS",
    "FieldErrorMap",
    "arrow_lengths",
    "arrow_polylines",
    "field_error",
    "set_arrow_bands",
]


def arrow_polylines(
    tails: np.ndarray, vectors: np.ndarray, tip_fraction: float = 0.3, tip_angle: float = 0.45
) -> tuple[np.ndarray, np.ndarray]:
    """Shafts and open arrowheads of arrows as straight-segment polylines.

    Parameters
    ----------
    tails, vectors
        Shape ``(M, 2)``: where each arrow starts and its extent (scene units).
    tip_fraction
        Length of each head's barbs relative to the arrow (capped at 0.15 units).
    tip_angle
        Angle between the shaft and each barb, in radians.

    Returns
    -------
    tuple of np.ndarray
        ``shafts`` of shape ``(2, M, 3)`` and ``heads`` of shape ``(3, M, 3)``
        (barb end, tip, other barb end), ready for :func:`polylines_to_beziers`.
    """
    tips = tails + vectors
    length = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, length, out=np.zeros_like(vectors), where=length > 0)
    barb = np.minimum(tip_fraction * length, 0.15)
    c, s = np.cos(tip_angle), np.sin(tip_angle)
    back = -unit
    left = np.stack([c * back[:, 0] - s * back[:, 1], s * back[:, 0] + c * back[:, 1]], 1)
    right = np.stack([c * back[:, 0] + s * back[:, 1], -s * back[:, 0] + c * back[:, 1]], 1)
    z = np.zeros((len(tails), 1))
    shafts = np.stack([np.hstack([tails, z]), np.hstack([tips, z])])
    heads = np.stack(
        [np.hstack([tips + barb * left, z]), np.hstack([tips, z]),
         np.hstack([tips + barb * right, z])]
    )
    return shafts, heads


class DriftField(TimeDriven, VGroup):
    """Arrows of a model's field on a grid at the current library time.

    The field is the score, the probability-flow velocity, the reverse-SDE drift, the
    step to x0-hat or the predicted noise (see
    :data:`~manim_diffusion.analysis.fields.FIELDS`) of any predictor: a trained model or
    an exact :class:`~manim_diffusion.densities.mixture.GaussianMixture`. Arrows are
    drawn as a handful of strokes (one per colour bin), so a 25 x 25 grid redraws in
    about a millisecond per frame.

    Arrow lengths are rescaled at every time so the field reads whatever its size: the
    arrow of the 95th-percentile magnitude is ``max_length`` times the grid spacing
    (the score grows like 1 / sigma towards the data end). Give ``scale_like`` another
    DriftField to draw two fields (e.g. learned and exact) on one scale. Arrows are
    coloured by magnitude, from ``colors[0]`` (weak) to ``colors[-1]`` (strong).

    Parameters
    ----------
    model
        Anything with ``predict(x, t)`` and a ``schedule``.
    kind
        One of ``FIELDS``: "velocity" (default), "score", "sde_drift", "denoise", "eps".
    time
        A ``ValueTracker`` of library time to follow, or a fixed time.
    axes
        The coordinate system of the data; the identity map when None.
    x_range, y_range
        The data region covered by the grid.
    density
        Arrows per row and column (an int, or ``(nx, ny)``).
    max_length
        Length of the 95th-percentile arrow, in grid spacings.
    scale_like
        Another DriftField whose scale this one copies.
    colors
        Colours from weak to strong arrows (several bins) or one colour.
    stroke_width, stroke_opacity
        Stroke style of every arrow.

    Examples
    --------
    .. manim:: DriftFieldExample

        from manim_diffusion import DriftField, GaussianMixture

        class DriftFieldExample(Scene):
            def construct(self):
                gm = GaussianMixture(means=[[-1.5, 0], [1.5, 0.5]], stds=0.3)
                t = ValueTracker(0.1)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6)
                self.add(axes, DriftField(gm, "score", time=t, axes=axes))
                self.play(t.animate.set_value(0.95), run_time=4)
    """

    def __init__(
        self,
        model: Predictor,
        kind: str = "velocity",
        time: ValueTracker | float = 0.5,
        axes: CoordinateSystem | None = None,
        x_range: tuple[float, float] = (-3.0, 3.0),
        y_range: tuple[float, float] = (-3.0, 3.0),
        density: int | tuple[int, int] = 17,
        max_length: float = 0.9,
        scale_like: DriftField | None = None,
        colors: str | ManimColor | Sequence[ParsableManimColor] = (BLUE_D, YELLOW, RED),
        stroke_width: float = 2.0,
        stroke_opacity: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if kind not in FIELDS:
            raise ValueError(f"unknown field {kind!r}; choose one of: {', '.join(FIELDS)}")
        if not max_length > 0:
            raise ValueError(f"max_length must be positive, got {max_length}")
        self.model = model
        self.kind = kind
        self.points_data = grid_points(x_range, y_range, density)
        nx = density if isinstance(density, int) else density[0]
        ny = density if isinstance(density, int) else density[1]
        self.spacing = min(
            (x_range[1] - x_range[0]) / max(nx - 1, 1), (y_range[1] - y_range[0]) / max(ny - 1, 1)
        )
        self.max_length = float(max_length)
        self.scale_like = scale_like
        if isinstance(colors, str | ManimColor):
            colors = [colors]
        self.colors = [ManimColor.parse(c) for c in colors]
        self._set_axes_map(axes)
        self._set_time_source(time)
        self._key: tuple | None = None
        self._cache: tuple[float, np.ndarray, float] | None = None
        for c in self.colors:
            self.add(VPath(stroke_color=c, stroke_width=stroke_width,
                              stroke_opacity=stroke_opacity, fill_opacity=0))
        self._follow_updates()

    def vectors(self) -> np.ndarray:
        """The field at the grid points now, in data units: ``(N, 2)``."""
        t = self.get_time()
        if self._cache is None or self._cache[0] != t:
            v = vector_field(self.model, self.points_data, t, self.kind)
            mag = np.linalg.norm(v, axis=1)
            ref = float(np.percentile(mag, 95)) if len(mag) else 0.0
            self._cache = (t, v, ref)
        return self._cache[1]

    def reference_magnitude(self) -> float:
        """The field magnitude drawn ``max_length`` grid spacings long."""
        if self.scale_like is not None:
            return self.scale_like.reference_magnitude()
        self.vectors()
        assert self._cache is not None
        return self._cache[2]

    def refresh(self) -> DriftField:
        """Redraw the arrows if the time, the axes or the reference scale changed."""
        vectors = self.vectors()
        ref = self.reference_magnitude()
        key = (self.get_time(), ref, self.data_map.key())
        if key == self._key:
            return self
        self._key = key
        v, strength = arrow_lengths(vectors, ref, self.max_length, self.spacing)
        a, _ = self.data_map.affine()
        shafts, heads = arrow_polylines(self.data_map(self.points_data), v @ a)
        set_arrow_bands(self.submobjects, shafts, heads, strength)
        return self


def arrow_lengths(
    vectors: np.ndarray, reference: float, max_length: float, spacing: float
) -> tuple[np.ndarray, np.ndarray]:
    """The drawn arrows of field vectors ``(M, D)``, and each one's strength in ``[0, 1]``.

    A vector of magnitude ``reference`` is drawn ``max_length`` grid spacings long;
    longer ones are capped at 1.6 times that, so outliers stay inside their cell. The
    strength is the magnitude over ``reference``, clipped (0 when ``reference`` is 0).
    """
    scale = max_length * spacing / reference if reference > 0 else 0.0
    v = vectors * scale
    length = np.linalg.norm(v, axis=1)
    cap = 1.6 * max_length * spacing
    v *= np.minimum(1.0, cap / np.maximum(length, 1e-12))[:, None]
    magnitude = np.linalg.norm(vectors, axis=1)
    strength = (np.clip(magnitude / reference, 0, 1) if reference > 0
                else np.zeros_like(magnitude))
    return v, strength


def set_arrow_bands(
    strokes: Sequence[VMobject], shafts: np.ndarray, heads: np.ndarray, strength: np.ndarray
) -> None:
    """Give each stroke (weakest band first) the shafts and heads of its band of strength."""
    n = len(strokes)
    bands = np.minimum((strength * n).astype(int), n - 1)
    for k, mob in enumerate(strokes):
        members = np.nonzero(bands == k)[0]
        mob.set_points(np.concatenate([polylines_to_beziers(shafts[:, members]),
                                       polylines_to_beziers(heads[:, members])]))


def field_error(
    model: Predictor, reference: Predictor, points: np.ndarray, t: float, kind: str = "velocity"
) -> np.ndarray:
    """Relative error ``|f - f_ref| / (|f_ref| + median |f_ref|)`` at ``points``.

    The median in the denominator keeps the ratio finite where the reference field
    vanishes (at its fixed points). Returns shape ``(N,)``, 0 where they agree.
    """
    f = vector_field(model, points, t, kind)
    ref = vector_field(reference, points, t, kind)
    size = np.linalg.norm(ref, axis=1)
    scale = size + (float(np.median(size)) or 1.0)
    return np.linalg.norm(f - ref, axis=1) / scale


class FieldErrorMap(TimeDriven, GridImage):
    """A heat map of how far a learned field is from the exact one at time t.

    Pixels show :func:`field_error` of ``model`` against ``reference`` (e.g. the
    exact :class:`~manim_diffusion.densities.mixture.GaussianMixture` of the data) on a
    grid over the data box: dark where they agree, bright red at ``vmax`` relative
    error and above. Put a :class:`DriftField` of each on top to see where the learned
    arrows go wrong (typically far from the data, where training saw no samples).

    Parameters
    ----------
    model, reference
        The learned and the exact predictor.
    kind
        The field compared (see :data:`~manim_diffusion.analysis.fields.FIELDS`).
    time
        A ``ValueTracker`` of library time, or a fixed time.
    axes
        The coordinate system of the data.
    x_range, y_range
        The data box covered.
    resolution
        Grid cells per side.
    vmax
        The relative error drawn brightest.

    Examples
    --------
    .. manim:: FieldErrorMapExample
        :save_last_frame:

        from manim_diffusion import DriftField, FieldErrorMap, GaussianMixture, load_pretrained

        class FieldErrorMapExample(Scene):
            def construct(self):
                exact = GaussianMixture.three_dots()
                model = load_pretrained("three_dots_ddpm")
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6)
                self.add(FieldErrorMap(model, exact, "score", time=0.9, axes=axes))
                self.add(DriftField(model, "score", time=0.9, axes=axes))
    """

    def __init__(
        self,
        model: Predictor,
        reference: Predictor,
        kind: str = "velocity",
        time: ValueTracker | float = 0.5,
        axes: CoordinateSystem | None = None,
        x_range: tuple[float, float] = (-3.0, 3.0),
        y_range: tuple[float, float] = (-3.0, 3.0),
        resolution: int = 48,
        vmax: float = 0.5,
        **kwargs: Any,
    ) -> None:
        if kind not in FIELDS:
            raise ValueError(f"unknown field {kind!r}; choose one of: {', '.join(FIELDS)}")
        if resolution < 2 or not vmax > 0:
            raise ValueError("resolution must be >= 2 and vmax positive")
        self.model, self.reference, self.kind = model, reference, kind
        self.vmax = float(vmax)
        self.resolution = int(resolution)
        xs = np.linspace(*x_range, resolution)
        ys = np.linspace(*y_range, resolution)[::-1]  # row 0 is the top of the image
        gx, gy = np.meshgrid(xs, ys)
        self._grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
        self._set_time_source(time)
        self._shown_time: float | None = None
        half_x = (x_range[1] - x_range[0]) / (2 * (resolution - 1))
        half_y = (y_range[1] - y_range[0]) / (2 * (resolution - 1))
        box = (x_range[0] - half_x, x_range[1] + half_x, y_range[0] - half_y, y_range[1] + half_y)
        super().__init__(self._image(self.get_time()), box=box, axes=axes, **kwargs)
        self._shown_time = self.get_time()
        self._follow_updates()

    def errors(self, t: float | None = None) -> np.ndarray:
        """The relative error on the grid, shape ``(resolution, resolution)``, top row first."""
        t = self.get_time() if t is None else t
        err = field_error(self.model, self.reference, self._grid, t, self.kind)
        return err.reshape(self.resolution, self.resolution)

    def _image(self, t: float) -> np.ndarray:
        return colorize(self.errors(t) / self.vmax, ERROR_COLORS)

    def refresh(self) -> FieldErrorMap:
        """Recompute the map if the time moved, and follow the axes."""
        t = self.get_time()
        if t != self._shown_time:
            self.set_rgba(self._image(t))
            self._shown_time = t
        return self.place()
