"""DistributionCloud: thousands of anti-aliased discs drawn as one image per frame."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from manim import (
    BLUE,
    YELLOW,
    CoordinateSystem,
    ManimColor,
    ParsableManimColor,
    ValueTracker,
    config,
)
from PIL.Image import Resampling

from ..core.trajectory import Trajectory
from .base import TimeDriven
from .frame_pixels import frame_geometry, image_corners
from .palettes import DEFAULT_PALETTE
from .renderer import ImageLayer
from .shared import Shared
from .sources import as_trajectory

__all__ = ["MAX_RADIUS", "DistributionCloud", "splat_discs"]

#: The largest disc radius a cloud draws, in scene units (a disc two units across, a
#: quarter of the frame's height). Its stamp costs memory and time with the square of
#: the radius in pixels; bigger discs are shapes, not points: use ``Dot`` or ``Circle``.
MAX_RADIUS = 1.0

_SUBPIXEL = 4  # disc centres are quantised to 1/4 pixel in x and y


@lru_cache(maxsize=16)
def _stamp_bank(
    radius_px: float, opacity: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Disc coverage stamps at ``_SUBPIXEL**2`` sub-pixel offsets.

    Returns ``(coverage, log_transmittance, positions, shift, size)``: coverage and
    ``log(1 - opacity * coverage)`` of shape ``(Q*Q, P)`` over the ``P`` stamp
    pixels that any offset touches, those pixels' ``(row, col)`` as ``(P, 2)``, the
    stamp's origin shift (stamp pixel ``u`` lies at ``pixel(centre) + u - shift``)
    and the stamp's bounding size.
    """
    q = _SUBPIXEL
    reach = int(np.ceil(radius_px + 1.0))
    offs = np.arange(-reach, reach + 1, dtype=np.float64) + 0.5  # pixel centres
    sub = np.arange(q) / q  # disc centre inside its pixel
    dy = offs[None, :, None, None, None] - sub[:, None, None, None, None]
    dx = offs[None, None, None, None, :] - sub[None, None, :, None, None]
    dist = np.sqrt(dy**2 + dx**2)  # (qy, K, qx, 1, K)
    cover = np.clip(radius_px + 0.5 - dist, 0.0, 1.0)
    if radius_px < 0.5:  # a disc smaller than a pixel: coverage by area
        cover *= min(1.0, np.pi * radius_px**2) / max(cover.max(), 1e-12)
    size = 2 * reach + 1
    cover = cover.transpose(0, 2, 1, 3, 4).reshape(q * q, size, size)
    used = cover.max(axis=0) > 0
    rows, cols = np.nonzero(used)
    lo = int(min(rows.min(), cols.min()))
    positions = np.stack([rows, cols], axis=1) - lo
    flat_cover = cover[:, rows, cols].astype(np.float32)
    a = np.clip(flat_cover * opacity, 0.0, 0.999)
    log_t = np.log1p(-a).astype(np.float32)
    return flat_cover, log_t, positions, reach - lo, int(positions.max()) + 1


def splat_discs(
    px: np.ndarray,
    py: np.ndarray,
    rgb: np.ndarray | None,
    radius_px: float,
    opacity: float,
    frame_size: tuple[int, int],
    single_rgb: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, tuple[int, int]] | None:
    """Splat anti-aliased discs at sub-pixel positions into a tight RGBA image.

    Parameters
    ----------
    px, py
        Disc centres in pixel coordinates (pixel ``i`` spans ``[i, i+1)``), ``(N,)``.
    rgb
        Per-disc colours ``(N, 3)`` in 0..255 (ignored when ``single_rgb`` is given).
    radius_px, opacity
        Disc radius in pixels and per-disc opacity.
    frame_size
        ``(width, height)`` of the frame; the image is clipped to it.
    single_rgb
        One colour ``(3,)`` for all discs (a faster path).
    weights
        A positive weight per disc ``(N,)`` in the colour mean (with ``rgb``): where
        discs overlap, the heavier ones' colour shows (a 3D cloud weights near points
        up, so they read as in front without sorting).

    Returns
    -------
    tuple or None
        ``(image, (x0, y0))``: an RGBA uint8 image and the frame pixel of its top
        left corner, or ``None`` when nothing is visible. Alpha is the exact union of
        the discs ("over" compositing), colour the coverage-weighted mean colour, so
        the result does not depend on the order of the discs.
    """
    cover, log_t, pos, shift, size = _stamp_bank(float(radius_px), float(opacity))
    fw, fh = frame_size
    q = _SUBPIXEL
    fx = np.rint(px * q).astype(np.int32)  # centres rounded to 1/q pixel
    fy = np.rint(py * q).astype(np.int32)
    bx, by = fx // q, fy // q
    keep = (bx > -size) & (bx < fw + size) & (by > -size) & (by < fh + size)
    if not keep.all():
        bx, by, fx, fy = bx[keep], by[keep], fx[keep], fy[keep]
        if rgb is not None:
            rgb = rgb[keep]
        if weights is not None:
            weights = weights[keep]
    if len(bx) == 0:
        return None
    sel = (fy - by * q) * q + (fx - bx * q)
    x_min, y_min = int(bx.min()), int(by.min())
    width = int(bx.max()) - x_min + size
    height = int(by.max()) - y_min + size
    origin = (x_min - shift, y_min - shift)  # frame pixel of the buffer's (0, 0)
    offsets = (pos[:, 0] * width + pos[:, 1]).astype(np.int32)
    idx = (((by - y_min) * width + (bx - x_min))[:, None] + offsets[None, :]).ravel()
    n_pix = width * height
    alpha = 1.0 - np.exp(np.bincount(idx, log_t[sel].ravel(), minlength=n_pix))
    img = np.empty((n_pix, 4), dtype=np.uint8)
    img[:, 3] = np.rint(alpha * 255.0)
    if single_rgb is not None:
        img[:, :3] = np.asarray(single_rgb, dtype=np.uint8)
    else:
        assert rgb is not None, "splat_discs needs rgb or single_rgb"
        w = cover[sel] if weights is None else cover[sel] * weights[:, None]
        wsum = np.bincount(idx, w.ravel(), minlength=n_pix)
        inv = np.divide(1.0, wsum, out=np.zeros_like(wsum), where=wsum > 0)
        for c in range(3):
            chan = np.bincount(idx, (w * rgb[:, c : c + 1]).ravel(), minlength=n_pix)
            img[:, c] = np.rint(np.minimum(chan * inv, 255.0))
    return _clip_to_frame(img.reshape(height, width, 4), origin, frame_size)


def _clip_to_frame(
    img: np.ndarray, origin: tuple[int, int], frame_size: tuple[int, int]
) -> tuple[np.ndarray, tuple[int, int]] | None:
    """Crop an image placed at ``origin`` to the frame ``(width, height)``."""
    x0, y0 = origin
    h, w = img.shape[:2]
    cx0, cy0 = max(0, -x0), max(0, -y0)
    cx1, cy1 = min(w, frame_size[0] - x0), min(h, frame_size[1] - y0)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    if (cx0, cy0, cx1, cy1) != (0, 0, w, h):
        img = img[cy0:cy1, cx0:cx1]
    return img, (x0 + cx0, y0 + cy0)


def _to_rgb255(color: ParsableManimColor) -> np.ndarray:
    return (np.asarray(ManimColor.parse(color).to_rgb(), dtype=np.float32) * 255.0).round()


class DistributionCloud(TimeDriven, ImageLayer):
    """Thousands of samples of a distribution as anti-aliased discs, moving with time.

    The points are splatted with numpy into one RGBA image per frame, covering the
    points' bounding box only, which Manim's Cairo camera composites onto the frame in
    a plain :class:`~manim.Scene`. It draws 10,000 points faster than a few hundred
    :class:`~manim.Dot` mobjects.

    The cloud follows its data: its position comes from the points and ``axes``
    (moving, shifting or scaling it with Manim's methods has no lasting effect; move
    the axes instead). It renders with the pixel density of ``manim.config`` and a
    camera whose frame is centred at the origin (a plain ``Scene``).

    Parameters
    ----------
    source
        A :class:`~manim_diffusion.core.trajectory.Trajectory` of 2D points, or an
        array of shape ``(N, 2)`` for a static cloud.
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    axes
        The coordinate system of the data; without one, data units are scene units.
    radius
        Disc radius in scene units, above 0 and at most :data:`MAX_RADIUS` (1.0).
    color
        The colour of every disc (unless ``palette`` or ``values`` is given).
    palette
        Colours per class label, used with ``labels`` (or the trajectory's labels).
    labels
        Integer class labels of shape ``(N,)``; default: ``source.labels``.
    values
        A value per point, shape ``(N,)``, coloured through ``colormap``.
    colormap
        Colours evenly spaced over ``value_range`` (a gradient), or a callable mapping
        values in ``[0, 1]`` to RGB in ``[0, 1]``, shape ``(N, 3)``.
    value_range
        The ``(low, high)`` values mapped to the ends of ``colormap``; default: the
        values' finite minimum and maximum.
    opacity
        Opacity of one disc; where discs overlap the alpha adds up as in painting one
        over the other.
    kwargs
        Passed to :class:`~manim.AbstractImageMobject`.

    Examples
    --------
    .. manim:: DistributionCloudExample

        import numpy as np
        from manim_diffusion.core.trajectory import Trajectory
        from manim_diffusion.mobjects import DistributionCloud

        class DistributionCloudExample(Scene):
            def construct(self):
                rng = np.random.default_rng(0)
                angle = rng.uniform(0, 2 * np.pi, 2000)
                ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
                noise = rng.normal(size=(2000, 2))
                s = np.linspace(0, 1, 51)[:, None, None]
                traj = Trajectory(times=s[:, 0, 0], points=(1 - s) * noise + s * ring)
                t = ValueTracker(0)
                self.add(DistributionCloud(traj, time=t, radius=0.03, color=TEAL))
                self.play(t.animate.set_value(1), run_time=3)
    """

    _copies_share_sources = True  # a copy follows the same tracker and axes, cheaply
    _point_dim = 2  # the dimension of the points it draws (a 3D cloud: 3)

    def __init__(
        self,
        source: Trajectory | np.ndarray,
        time: ValueTracker | float = 1.0,
        axes: CoordinateSystem | None = None,
        radius: float = 0.03,
        color: ParsableManimColor = BLUE,
        palette: Sequence[ParsableManimColor] | None = None,
        labels: np.ndarray | None = None,
        values: np.ndarray | None = None,
        colormap: Sequence[ParsableManimColor] | Callable[[np.ndarray], np.ndarray] | None = None,
        value_range: tuple[float, float] | None = None,
        opacity: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self._traj = Shared(as_trajectory(source, self._point_dim))
        self._set_time_source(time)
        self._set_axes_map(axes)
        self._check_radius(radius)
        self.radius = float(radius)
        self.opacity = float(np.clip(opacity, 0.0, 1.0))
        self._cache_key: tuple[Any, ...] | None = None
        self._image = np.zeros((1, 1, 4), dtype=np.uint8)
        self._corners = np.zeros((4, 3))
        self._style_version = 0
        self._rgb: np.ndarray | None = None
        self._single_rgb: np.ndarray | None = _to_rgb255(color)
        super().__init__(
            scale_to_resolution=config.pixel_height,
            resampling_algorithm=Resampling.NEAREST,
            color=color,
            **kwargs,
        )
        if values is not None or colormap is not None:
            self.set_values(values, colormap, value_range)
        elif palette is not None or labels is not None:
            self.set_palette(palette, labels)
        self._follow_updates()

    # ------------------------------------------------------------------ data
    @property
    def trajectory(self) -> Trajectory:
        """The trajectory the cloud shows (a static cloud has one row)."""
        return self._traj.value

    @property
    def n_points(self) -> int:
        """Number of points N (drawn or not)."""
        return self.trajectory.n_points

    def set_axes(self, axes: CoordinateSystem | None) -> DistributionCloud:
        """Map the data through other axes (``None``: data units are scene units)."""
        self._set_axes_map(axes)
        return self.refresh()

    def set_source(self, source: Trajectory | np.ndarray) -> DistributionCloud:
        """Show other points; colours per point must still fit their number."""
        traj = as_trajectory(source, self._point_dim)
        if self._rgb is not None and len(self._rgb) != traj.n_points:
            raise ValueError(
                f"the cloud colours {len(self._rgb)} points, the new source has "
                f"{traj.n_points}: set its colours again"
            )
        self._traj = Shared(traj)
        return self._restyled()

    def data_points(self) -> np.ndarray:
        """The points at the current time in data coordinates, ``(N, 2)``."""
        return self.trajectory.at(self.get_time())

    def scene_points(self) -> np.ndarray:
        """The points at the current time in scene coordinates, ``(N, 2)``."""
        return self.data_map(self.data_points())

    # ----------------------------------------------------------------- style
    @staticmethod
    def _check_radius(radius: float) -> None:
        if not (np.isfinite(radius) and radius > 0):
            raise ValueError(f"radius must be a positive number of scene units, got {radius}")
        if radius > MAX_RADIUS:
            raise ValueError(f"radius must be at most {MAX_RADIUS} scene units (a disc "
                             f"{2 * MAX_RADIUS:g} units across), got {radius}; point clouds "
                             "use radii near 0.03, and for a few big discs use manim's Dot "
                             "or Circle")

    def _restyled(self) -> DistributionCloud:
        self._style_version += 1
        return self.refresh()

    def set_radius(self, radius: float) -> DistributionCloud:
        """Set the disc radius in scene units."""
        self._check_radius(radius)
        self.radius = float(radius)
        return self._restyled()

    def set_color(
        self, color: ParsableManimColor = BLUE, alpha: Any = None, family: bool = True
    ) -> DistributionCloud:
        """Draw every disc in one colour."""
        self.color = ManimColor.parse(color)
        self._single_rgb = _to_rgb255(color)
        self._rgb = None
        return self._restyled()

    def set_palette(
        self,
        palette: Sequence[ParsableManimColor] | None = None,
        labels: np.ndarray | None = None,
    ) -> DistributionCloud:
        """Colour the discs by class label (``labels`` or the trajectory's labels)."""
        labels = self.trajectory.labels if labels is None else np.asarray(labels)
        if labels is None:
            raise ValueError("a palette needs labels: pass labels=, shape (N,)")
        if labels.shape != (self.n_points,):
            raise ValueError(f"labels must have shape ({self.n_points},), got {labels.shape}")
        colors = np.stack([_to_rgb255(c) for c in (palette or DEFAULT_PALETTE)])
        self._single_rgb = None
        self._rgb = colors[np.mod(labels.astype(np.int64), len(colors))]
        return self._restyled()

    def set_values(
        self,
        values: np.ndarray | None,
        colormap: Sequence[ParsableManimColor] | Callable[[np.ndarray], np.ndarray] | None = None,
        value_range: tuple[float, float] | None = None,
    ) -> DistributionCloud:
        """Colour the discs by a value per point through a colour gradient."""
        if values is None:
            raise ValueError(f"values must have shape ({self.n_points},), got None")
        v = np.asarray(values, dtype=np.float64)
        if v.shape != (self.n_points,):
            raise ValueError(f"values must have shape ({self.n_points},), got {v.shape}")
        finite = v[np.isfinite(v)]
        lo, hi = value_range or ((finite.min(), finite.max()) if len(finite) else (0.0, 1.0))
        u = np.clip((v - lo) / (hi - lo) if hi > lo else np.zeros_like(v), 0.0, 1.0)
        u = np.nan_to_num(u, nan=0.0)
        if callable(colormap):
            rgb = np.asarray(colormap(u), dtype=np.float64)[:, :3] * 255.0
        else:
            stops = np.stack([_to_rgb255(c) for c in (colormap or (BLUE, YELLOW))])
            xs = np.linspace(0.0, 1.0, len(stops))
            rgb = np.stack([np.interp(u, xs, stops[:, c]) for c in range(3)], axis=1)
        self._single_rgb = None
        self._rgb = np.clip(rgb, 0, 255).astype(np.float32)
        return self._restyled()

    def set_opacity(self, opacity: float, recurse: bool = True) -> DistributionCloud:
        """Set the opacity of one disc (0 hides the cloud)."""
        self.opacity = float(np.clip(opacity, 0.0, 1.0))
        return self._restyled()

    def fade(self, darkness: float = 0.5, family: bool = True) -> DistributionCloud:
        """Set the opacity to ``1 - darkness`` (what ``FadeIn``/``FadeOut`` use)."""
        return self.set_opacity(1.0 - darkness)

    def interpolate_color(
        self, mobject1: Any, mobject2: Any, alpha: float
    ) -> DistributionCloud:
        """Interpolate the opacity between two clouds (for fades and transforms)."""
        o1 = getattr(mobject1, "opacity", self.opacity)
        o2 = getattr(mobject2, "opacity", self.opacity)
        return self.set_opacity(o1 + (o2 - o1) * alpha)

    # ---------------------------------------------------------------- render
    @staticmethod
    def _camera_geometry() -> tuple[float, float, int, int]:
        """Pixels per scene unit in x and y, and the frame size in pixels."""
        return frame_geometry()

    def refresh(self) -> DistributionCloud:
        """Render the cloud for the current time and geometry if either changed."""
        return self._redraw()

    def _draw_key(self, geometry: tuple[float, float, int, int]) -> tuple[Any, ...]:
        """What the image depends on: it is redrawn when this changes."""
        return (self.get_time(), self.data_map.key(), geometry, self._style_version)

    def _redraw(self) -> DistributionCloud:
        geometry = self._camera_geometry()
        key = self._draw_key(geometry)
        if key != self._cache_key:
            self._place(self._splat(geometry), geometry)
            self._cache_key = key
        self.points = self._corners.copy()
        return self

    def _splat(
        self, geometry: tuple[float, float, int, int]
    ) -> tuple[np.ndarray, tuple[int, int]] | None:
        """The discs' image and its top-left frame pixel (None: nothing to draw)."""
        sx, sy, pw, ph = geometry
        xy = self.scene_points()
        finite = np.isfinite(xy).all(axis=1)
        rgb = self._rgb
        if not finite.all():
            xy = xy[finite]
            rgb = None if rgb is None else rgb[finite]
        if not (len(xy) and self.opacity > 0):  # a NaN opacity draws nothing too
            return None
        px = (xy[:, 0] * np.float32(sx) + np.float32(pw / 2)).astype(np.float32)
        py = (np.float32(ph / 2) - xy[:, 1] * np.float32(sy)).astype(np.float32)
        return splat_discs(px, py, rgb, self.radius * sx, self.opacity, (pw, ph),
                           self._single_rgb)

    def _frame_centre(self) -> np.ndarray:
        """The scene point at the frame's centre (the origin for a plain Scene's camera)."""
        return np.zeros(3)

    def _place(self, out: tuple[np.ndarray, tuple[int, int]] | None,
               geometry: tuple[float, float, int, int]) -> None:
        """Keep the image and set its corners where the camera draws it on its pixels."""
        if out is None:  # nothing to draw: a degenerate quad the camera skips
            self._image = np.zeros((1, 1, 4), dtype=np.uint8)
            self._corners = np.zeros((4, 3))
            return
        self._image, origin = out
        self._corners = image_corners(origin, self._image.shape[:2], geometry,
                                      self._frame_centre())

    def reset_points(self) -> DistributionCloud:
        """Set the four image corners (manim's hook; the cloud places itself)."""
        self.points = self._corners.copy()
        return self

    def get_pixel_array(self) -> np.ndarray:
        """The RGBA image of the points, covering their bounding box (uint8)."""
        self.refresh()
        return self._image
