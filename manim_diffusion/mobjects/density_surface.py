"""DensitySurface: a density over a plane as a 3D surface whose height follows the time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    OUT,
    CoordinateSystem,
    ManimColor,
    ParsableManimColor,
    ValueTracker,
    config,
)
from manim.camera.three_d_camera import ThreeDCamera
from PIL.Image import Resampling

from ..analysis.kde import Grid
from ..core.trajectory import Trajectory
from .base import TimeDriven
from .cloud import DistributionCloud
from .cloud_3d import camera_pixels
from .colormaps import colorize
from .grid_density import GridDensity, density_extent
from .palettes import INFERNO
from .quad_paint import paint_quads, pixel_box
from .renderer import ImageLayer, is_opengl
from .shared import Shared
from .sources import as_trajectory

__all__ = ["DensitySurface"]

#: Where a plain Scene's light comes from (manim's ThreeDCamera default).
_LIGHT = 9 * DOWN + 7 * LEFT + 10 * OUT


class DensitySurface(TimeDriven, ImageLayer):
    """A density over a 2D plane drawn as a 3D surface, its height ``scale * p_t(x, y)``.

    The density is evaluated on the nodes of a ``resolution`` grid over ``extent`` (by
    default the axes' x and y ranges), from any source
    :class:`~manim_diffusion.mobjects.grid_density.GridDensity` reads:

    - a :class:`~manim_diffusion.densities.mixture.GaussianMixture`: the exact ``p_t``
      at the current library time;
    - a :class:`~manim_diffusion.core.trajectory.Trajectory`, an ``(N, 2)`` array or a
      :class:`DistributionCloud`: a kernel density estimate of the points at the time;
    - a density with ``log_prob``, or a function ``f(xy)`` / ``f(xy, t)`` of points.

    Each grid cell is a face at the heights of its four corners, coloured by height
    through ``colors`` and lit as manim's 3D surfaces are. In a ``ThreeDScene`` pass
    the camera (``camera=self.camera``): every frame the faces are projected with the
    camera as it is then (``move_camera`` and ambient rotation carry the surface),
    sorted far to near and painted with pycairo
    (:func:`~manim_diffusion.mobjects.quad_paint.paint_quads`) into one image held
    fixed in the frame, when the camera asks for it. At 480p that costs about 15 ms a
    frame for 24 x 24 faces and 22 ms for 40 x 40, where manim's ``Surface`` of
    24 x 24 faces costs 300 ms (each face a VMobject the camera shades and sorts).
    Heights, colours and normals are computed for all faces at once, and only when
    the time (or the axes) changed; a moving camera alone only re-projects and
    repaints. Without a camera (a plain ``Scene``) the surface is seen from above, as
    manim's ``Surface`` is there.

    The surface follows its data: its place comes from ``axes`` (a ``ThreeDAxes``:
    heights in its z units; a 2D coordinate system or none: heights in scene units),
    so move the axes, not the surface. As for the camera's other fixed-in-frame
    mobjects, draw it after what it should cover (the floor, the axes) and before
    what should lie on top. Cairo renderer only.

    Parameters
    ----------
    source
        The density (see above), 2D.
    time
        Library time: a ``ValueTracker`` to follow or a float; default 1, or the
        cloud's time when ``source`` is a cloud.
    axes
        The coordinate system of the data (a ``ThreeDAxes`` in a ``ThreeDScene``).
    camera
        A ``ThreeDScene``'s camera (``self.camera``), or ``None`` in a plain Scene.
    extent
        ``(x0, x1, y0, y1)`` in data units; default the axes' ranges, else the
        points' box plus a margin, else ``(-3, 3, -3, 3)``.
    resolution
        Faces along x and y: one number, or ``(nx, ny)``; at least 2.
    scale
        Height per unit of density (or of log density above ``log_floor``).
    log
        Show ``log p_t`` above ``log_floor`` instead of ``p_t``: height
        ``scale * (max(log p, log_floor) - log_floor)``.
    log_floor
        The log density drawn at height 0 (lower values are clipped to it).
    colors
        Colour ramp from the lowest to the highest face.
    value_range
        ``(low, high)`` heights mapped to the ends of ``colors``; default
        ``(0, the current highest)``.
    opacity
        Opacity of the whole surface (faces hide the ones behind them).
    shading
        Strength of the lighting (0: flat colours; 1: as strong as manim's 3D camera
        lights its surfaces, which pales a colour ramp).
    checkerboard
        Darken every other face by this fraction (0, the default: off), as manim's
        ``Surface`` alternates two colours.
    stroke_width
        Width of the mesh lines between faces, in manim's stroke units (0: none).
    stroke_color, stroke_opacity
        The mesh lines' colour and opacity.
    bw_factor
        Bandwidth factor of the kernel density estimate (point sources).
    kwargs
        Passed to :class:`~manim.AbstractImageMobject`.

    Examples
    --------
    .. manim:: DensitySurfaceExample

        import numpy as np
        from manim_diffusion.engine import GaussianMixture
        from manim_diffusion.mobjects.density_surface import DensitySurface

        class DensitySurfaceExample(ThreeDScene):
            def construct(self):
                gm = GaussianMixture(means=[[-1.2, -0.6], [1.2, 0.9]], stds=[0.45, 0.35])
                axes = ThreeDAxes(x_range=[-3, 3], y_range=[-3, 3], z_range=[0, 1],
                                  x_length=6, y_length=6, z_length=2.5)
                self.set_camera_orientation(phi=62 * DEGREES, theta=-60 * DEGREES)
                t = ValueTracker(0.0)
                surface = DensitySurface(gm, time=t, axes=axes, camera=self.camera,
                                         resolution=30, scale=1.2)
                self.add(axes, surface)
                self.begin_ambient_camera_rotation(rate=0.25)
                self.play(t.animate.set_value(1.0), run_time=3)
    """

    _copies_share_sources = True  # a copy follows the same tracker, axes and camera

    def __init__(
        self,
        source: Any,
        time: ValueTracker | float | None = None,
        axes: CoordinateSystem | None = None,
        camera: ThreeDCamera | None = None,
        extent: tuple[float, float, float, float] | None = None,
        resolution: int | tuple[int, int] = 32,
        scale: float = 1.0,
        log: bool = False,
        log_floor: float = -10.0,
        colors: Sequence[ParsableManimColor] = INFERNO,
        value_range: tuple[float, float] | None = None,
        opacity: float = 1.0,
        shading: float = 0.5,
        checkerboard: float = 0.0,
        stroke_width: float = 0.0,
        stroke_color: ParsableManimColor = GREY_B,
        stroke_opacity: float = 0.5,
        bw_factor: float = 1.0,
        **kwargs: Any,
    ) -> None:
        density = GridDensity(source, bw_factor, owner="DensitySurface")
        self._density = Shared(density)
        if time is None and isinstance(source, DistributionCloud):
            self._follow_clock(source.get_time)
        else:
            self._set_time_source(1.0 if time is None else time)
        self._set_axes_map(axes)
        if camera is not None and is_opengl():
            raise TypeError("DensitySurface projects through Cairo's ThreeDCamera, which the "
                            "OpenGL renderer does not have: render with --renderer=cairo, "
                            "or pass camera=None for the view from above")
        if camera is not None and not isinstance(camera, ThreeDCamera):
            raise TypeError(f"camera must be a ThreeDScene's camera (self.camera, Cairo "
                            f"renderer) or None in a plain Scene, got {type(camera).__name__}")
        self._camera = Shared(camera)
        self.extent = density_extent(extent, axes, density.trajectory)
        nx, ny = _resolution(resolution)
        x0, x1, y0, y1 = self.extent
        self.grid = Grid(x0, x1, y0, y1, nx + 1, ny + 1)
        self._check_style(scale, log_floor, value_range, opacity, shading, checkerboard,
                          stroke_width, stroke_opacity)
        self.scale_factor, self.log, self.log_floor = float(scale), bool(log), float(log_floor)
        self.colors = tuple(ManimColor.parse(c) for c in colors)
        self.value_range = None if value_range is None else tuple(map(float, value_range))
        self.opacity, self.shading = float(opacity), float(shading)
        self.checkerboard, self.stroke_width = float(checkerboard), float(stroke_width)
        self.stroke_rgba = (*ManimColor.parse(stroke_color).to_rgb(), float(stroke_opacity))
        self._start_blank(nx, ny)
        super().__init__(scale_to_resolution=config.pixel_height,
                         resampling_algorithm=Resampling.NEAREST, **kwargs)
        if camera is not None:
            camera.add_fixed_in_frame_mobjects(self)
        self._follow_updates()

    def _start_blank(self, nx: int, ny: int) -> None:
        """The face layout, and nothing computed or drawn yet."""
        self._corner_index = _corner_index(nx, ny)
        self._odd = (np.add.outer(np.arange(ny), np.arange(nx)) % 2 == 1).ravel()
        self.heights = np.zeros((ny + 1, nx + 1))
        self._base_rgb = np.zeros((nx * ny, 3))
        self._height_key: float | None = None
        self._draw_key: tuple[Any, ...] | None = None
        self._shaded_key: tuple[Any, ...] | None = None
        self._shaded_value = (np.zeros((0, 3)), np.zeros((0, 3)))
        self._style_version = 0
        self._image = np.zeros((1, 1, 4), dtype=np.uint8)
        self._corners = np.zeros((4, 3))

    @staticmethod
    def _check_style(scale: float, log_floor: float, value_range: Any, opacity: float,
                     shading: float, checkerboard: float, stroke_width: float,
                     stroke_opacity: float) -> None:
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be a positive number, got {scale}")
        if not np.isfinite(log_floor):
            raise ValueError(f"log_floor must be a finite log density, got {log_floor}")
        if value_range is not None and not (len(value_range) == 2
                                            and value_range[1] > value_range[0]):
            raise ValueError(f"value_range must be (low, high) with low < high, got "
                             f"{value_range}")
        for name, v in (("opacity", opacity), ("checkerboard", checkerboard),
                        ("stroke_opacity", stroke_opacity)):
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {v}")
        if not (shading >= 0 and stroke_width >= 0):
            raise ValueError(f"shading and stroke_width must be >= 0, got {shading}, "
                             f"{stroke_width}")

    # ---------------------------------------------------------------- data
    @property
    def camera(self) -> ThreeDCamera | None:
        """The camera the surface is projected through (``None``: seen from above)."""
        return self._camera.value

    @property
    def density(self) -> GridDensity:
        """The source, as a density on grids."""
        return self._density.value

    def density_values(self, t: float | None = None) -> np.ndarray:
        """The density at the grid's nodes at ``t`` (now by default), ``(ny+1, nx+1)``."""
        return self.density.on_grid(self.grid, self.get_time() if t is None else t)

    def heights_from(self, density: np.ndarray) -> np.ndarray:
        """The heights (data units) that density values are drawn at."""
        if not self.log:
            return self.scale_factor * density
        with np.errstate(divide="ignore"):
            lp = np.log(density)
        return self.scale_factor * (np.maximum(lp, self.log_floor) - self.log_floor)

    def surface_points(self, xy: np.ndarray, t: float | None = None) -> np.ndarray:
        """Points ``(N, 2)`` lifted onto the surface: ``(x, y, height)``, ``(N, 3)``.

        The surface as it is now, or at library time ``t``. Heights are interpolated
        bilinearly between the grid's nodes; points outside the extent take the height
        of its edge.
        """
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if t is None:
            self._update_heights()
            h = self.heights
        else:
            h = self.heights_from(self.density_values(t))
        g = self.grid
        fx = np.clip((xy[:, 0] - g.x0) / g.dx, 0, g.nx - 1)
        fy = np.clip((xy[:, 1] - g.y0) / g.dy, 0, g.ny - 1)
        ix, iy = np.minimum(fx.astype(int), g.nx - 2), np.minimum(fy.astype(int), g.ny - 2)
        wx, wy = fx - ix, fy - iy
        z = ((1 - wx) * (1 - wy) * h[iy, ix] + wx * (1 - wy) * h[iy, ix + 1]
             + (1 - wx) * wy * h[iy + 1, ix] + wx * wy * h[iy + 1, ix + 1])
        return np.c_[xy, z]

    def lift(self, trajectory: Trajectory) -> Trajectory:
        """A 2D trajectory lifted onto the surface: each step at the surface's height then.

        For points that ride on the surface (e.g. a ``Cloud3D`` through the same
        ``ThreeDAxes``): step ``k`` is ``(x, y, height at time times[k])``.

        Parameters
        ----------
        trajectory
            A trajectory of 2D points, ``(S+1, N, 2)``.
        """
        traj = as_trajectory(trajectory)
        points = np.stack([self.surface_points(p, t) for p, t in zip(traj.points, traj.times,
                                                                       strict=True)])
        return replace(traj, points=points.astype(np.float32), predictions=None, extras={})

    def _update_heights(self) -> None:
        """Heights and face colours for the current time (only when it changed)."""
        t = self.get_time()
        if t == self._height_key:
            return
        self.heights = self.heights_from(self.density_values(t))
        idx = self._corner_index
        face = self.heights.ravel()[idx].mean(axis=1)
        lo, hi = self.value_range or (0.0, float(self.heights.max()))
        u = (face - lo) / (hi - lo) if hi > lo else np.zeros_like(face)
        self._base_rgb = colorize(u, self.colors)[:, :3] / 255.0
        if self.checkerboard:
            self._base_rgb[self._odd] *= 1.0 - self.checkerboard
        self._height_key = t

    def scene_nodes(self) -> np.ndarray:
        """The grid's nodes on the surface now, in scene coordinates, ``(M, 3)``."""
        self._update_heights()
        gx, gy = np.meshgrid(self.grid.x, self.grid.y)
        xyz = np.c_[gx.ravel(), gy.ravel(), self.heights.ravel()]
        axes = self.data_map.axes
        if axes is not None and axes.dimension == 3:
            return self.data_map.space(xyz)
        out = self.data_map.to_3d(xyz[:, :2])
        out[:, 2] = xyz[:, 2]
        return out

    # --------------------------------------------------------------- style
    def set_opacity(self, opacity: float, recurse: bool = True) -> DensitySurface:
        """Set the opacity of the whole surface (0 hides it)."""
        self.opacity = float(np.clip(opacity, 0.0, 1.0))
        self._style_version += 1  # drawn when the camera next asks
        return self

    def fade(self, darkness: float = 0.5, family: bool = True) -> DensitySurface:
        """Set the opacity to ``1 - darkness`` (what ``FadeIn``/``FadeOut`` use)."""
        return self.set_opacity(1.0 - darkness)

    def interpolate_color(self, mobject1: Any, mobject2: Any, alpha: float) -> DensitySurface:
        """Interpolate the opacity between two surfaces (for fades and transforms)."""
        o1 = getattr(mobject1, "opacity", self.opacity)
        o2 = getattr(mobject2, "opacity", self.opacity)
        return self.set_opacity(o1 + (o2 - o1) * alpha)

    def set_color(self, color: ParsableManimColor = GREY_B, alpha: Any = None,
                  family: bool = True) -> DensitySurface:
        """Colour every face ``color`` (a one-colour ramp)."""
        self.colors = (ManimColor.parse(color), ManimColor.parse(color))
        self._height_key = None  # new face colours
        self._style_version += 1
        return self.refresh()

    # -------------------------------------------------------------- render
    def _camera_state(self) -> tuple[float, ...]:
        cam = self.camera
        if cam is None:
            return ()
        return (cam.get_phi(), cam.get_theta(), cam.get_gamma(), cam.get_focal_distance(),
                cam.get_zoom(), *np.asarray(cam.frame_center, dtype=float).tolist(),
                *np.asarray(cam.light_source.points[0], dtype=float).tolist())

    def refresh(self) -> DensitySurface:
        """Follow the time: new heights if it changed (the image is drawn when the camera
        asks for it, in :meth:`get_pixel_array`, with the camera as it is then)."""
        self._update_heights()
        self.points = self._corners.copy()
        return self

    def _draw(self) -> None:
        """Paint the image if the time, the axes, the camera or the style changed."""
        self._update_heights()
        axes = self.data_map.axes
        axes_key = self.data_map.key_3d() if axes is not None and axes.dimension == 3 \
            else self.data_map.key()
        geometry = (int(config.pixel_width), int(config.pixel_height),
                    float(config.frame_width), float(config.frame_height))
        key = (self._height_key, axes_key, self._camera_state(), geometry, self._style_version)
        if key != self._draw_key:
            self._render(geometry, axes_key)
            self._draw_key = key
        self.points = self._corners.copy()

    def _project(self, nodes: np.ndarray, geometry: tuple[int, int, float, float]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pixels ``(M, 2)`` and depths ``(M,)`` of scene points, and the frame centre."""
        pw, ph, fw, fh = geometry
        cam = self.camera
        if cam is not None:
            pixels, depth = camera_pixels(cam, nodes)
            return pixels, depth, np.asarray(cam.frame_center, dtype=float)
        pixels = np.c_[nodes[:, 0] * (pw / fw) + pw / 2, ph / 2 - nodes[:, 1] * (ph / fh)]
        return pixels, nodes[:, 2].copy(), np.zeros(3)

    def _shaded(self, axes_key: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The nodes in scene coordinates and the lit face colours (kept while the camera
        alone moves)."""
        light = self._light_source()
        key = (self._height_key, axes_key, *light.tolist(), self._style_version)
        if key != self._shaded_key:
            nodes = self.scene_nodes()
            self._shaded_value = (nodes, self._lit(nodes, light))
            self._shaded_key = key
        return self._shaded_value

    def _render(self, geometry: tuple[int, int, float, float],
                axes_key: tuple[float, ...]) -> None:
        pw, ph, fw, fh = geometry
        nodes, rgb = self._shaded(axes_key)
        pixels, depth, centre = self._project(nodes, geometry)
        idx = self._corner_index
        finite = np.isfinite(pixels).all(axis=1)
        box = pixel_box(pixels[finite], pw, ph) if self.opacity > 0 and finite.any() else None
        if box is None:  # nothing to draw: a degenerate quad the camera skips
            self._image, self._corners = np.zeros((1, 1, 4), dtype=np.uint8), np.zeros((4, 3))
            return
        x0, y0, w, h = box
        order = np.argsort(depth[idx].mean(axis=1), kind="stable")  # far faces first
        order = order[finite[idx[order]].all(axis=1)]
        quads = pixels[idx[order]] - np.array([x0, y0])
        stroke = self.stroke_width * 0.01 * pw / fw  # manim's stroke units to pixels
        self._image = paint_quads(quads, rgb[order], (w, h), stroke, self.stroke_rgba, self.opacity)
        eps = 1e-3  # keep the camera's int() of the corner pixels on the right pixel
        xs = (np.array([x0, x0 + w]) + eps - pw / 2) * (fw / pw) + centre[0]
        ys = (ph / 2 - (np.array([y0, y0 + h]) + eps)) * (fh / ph) + centre[1]
        self._corners = np.array([[xs[0], ys[0], centre[2]], [xs[1], ys[0], centre[2]],
                                  [xs[0], ys[1], centre[2]], [xs[1], ys[1], centre[2]]])

    def _light_source(self) -> np.ndarray:
        cam = self.camera
        return np.asarray(cam.light_source.points[0] if cam is not None else _LIGHT, float)

    def _lit(self, nodes: np.ndarray, light: np.ndarray) -> np.ndarray:
        """Face colours with manim's 3D lighting: ``rgb + 0.5 (n . to_light)^3``."""
        if not self.shading:
            return self._base_rgb
        c = nodes[self._corner_index]  # (F, 4, 3): corners in order around the face
        normal = np.cross(c[:, 2] - c[:, 0], c[:, 3] - c[:, 1])
        a = self.data_map.axes
        if a is not None and a.dimension == 3 and np.linalg.det(self.data_map.affine_3d()[0]) < 0:
            normal = -normal  # the axes mirror the data: keep the normals pointing up
        normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
        to_light = light - c.mean(axis=1)
        to_light /= np.maximum(np.linalg.norm(to_light, axis=1, keepdims=True), 1e-12)
        light_amount = 0.5 * np.einsum("fd,fd->f", normal, to_light) ** 3
        light_amount = np.where(light_amount < 0, 0.5 * light_amount, light_amount)
        return np.clip(self._base_rgb + self.shading * light_amount[:, None], 0.0, 1.0)

    def reset_points(self) -> DensitySurface:
        """Set the four image corners (manim's hook; the surface places itself)."""
        self.points = self._corners.copy()
        return self

    def get_pixel_array(self) -> np.ndarray:
        """The RGBA image of the surface as the camera sees it now (uint8)."""
        self._draw()
        return self._image


def _resolution(resolution: Any) -> tuple[int, int]:
    """``(nx, ny)`` faces from one count or two."""
    sizes = (resolution, resolution) if np.ndim(resolution) == 0 else tuple(resolution)
    if len(sizes) != 2 or not all(isinstance(n, int | np.integer) and not isinstance(n, bool)
                                  and n >= 2 for n in sizes):
        raise ValueError(f"resolution must be an integer >= 2 or two of them (nx, ny), got "
                         f"{resolution!r}")
    return int(sizes[0]), int(sizes[1])


def _corner_index(nx: int, ny: int) -> np.ndarray:
    """Node indices of each face's corners, counter-clockwise, ``(nx * ny, 4)``."""
    j, i = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    base = (j * (nx + 1) + i).ravel()
    return np.stack([base, base + 1, base + nx + 2, base + nx + 1], axis=1)
