"""Cloud3D: thousands of 3D points projected through a ThreeDScene's camera into one image."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from manim import BLUE, ParsableManimColor, ThreeDAxes, ValueTracker
from manim.camera.three_d_camera import ThreeDCamera

from ..core.trajectory import Trajectory
from .cloud import DistributionCloud, splat_discs
from .renderer import is_opengl
from .shared import Shared

__all__ = ["Cloud3D", "camera_pixels", "check_three_d_camera"]

#: How strongly near discs outweigh far ones where they overlap (their colour shows).
_NEAR_WEIGHT = 4.0


def check_three_d_camera(camera: object, what: str) -> ThreeDCamera:
    """``camera`` if it is a ``ThreeDScene``'s camera; else a ``TypeError`` naming ``what``."""
    if is_opengl():
        raise TypeError(f"{what} projects through Cairo's ThreeDCamera, which the OpenGL "
                        "renderer does not have: render this scene with --renderer=cairo")
    if not isinstance(camera, ThreeDCamera):
        raise TypeError(
            f"{what} projects 3D points through a ThreeDScene's camera: build it in a "
            f"ThreeDScene with camera=self.camera (got {type(camera).__name__}; in a plain "
            "Scene draw 2D points with DistributionCloud)"
        )
    return camera


def camera_pixels(camera: ThreeDCamera, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where ``camera`` draws scene points ``(N, 3)``: pixel ``(N, 2)`` and depth ``(N,)``.

    The projection is the camera's own (:meth:`~manim.ThreeDCamera.project_points`, with
    its rotation read from the phi, theta and gamma trackers now) followed by its map to
    the frame's pixels, so a point lands on the pixel where the camera draws a
    ``Dot3D`` at it. Depth is the rotated z: larger is nearer the viewer.

    Parameters
    ----------
    camera
        A ``ThreeDScene``'s camera (``self.camera``).
    points
        Scene points, shape ``(N, 3)``.

    Examples
    --------
    .. manim:: CameraPixelsExample
        :save_last_frame:

        from manim_diffusion import camera_pixels

        class CameraPixelsExample(ThreeDScene):
            def construct(self):
                self.set_camera_orientation(phi=60 * DEGREES, theta=30 * DEGREES)
                corner = np.array([[2.0, 2.0, 1.0]])
                (x, y), = camera_pixels(self.camera, corner)[0]
                self.add(Cube(side_length=2), Dot3D(corner[0], color=YELLOW))
                self.add_fixed_in_frame_mobjects(Text(f"pixel ({x:.0f}, {y:.0f})",
                                                      font_size=30).to_corner(UL))
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    camera.reset_rotation_matrix()
    projected = camera.project_points(pts)
    depth = projected[:, 2].copy()
    shifted = projected - camera.frame_center
    pixels = np.empty((len(pts), 2))
    pixels[:, 0] = shifted[:, 0] * (camera.pixel_width / camera.frame_width) + (
        camera.pixel_width / 2)
    pixels[:, 1] = camera.pixel_height / 2 - shifted[:, 1] * (
        camera.pixel_height / camera.frame_height)
    return pixels, depth


class Cloud3D(DistributionCloud):
    """Thousands of 3D samples as depth-shaded discs, seen through a ``ThreeDScene``'s camera.

    Every frame the points are projected with the camera's own projection (its phi,
    theta, gamma, focal distance, zoom and frame centre as they are at that frame, so
    ``move_camera`` and ``begin_ambient_camera_rotation`` carry the cloud) and splatted
    into one image, held fixed in the frame. Near points are brighter, and where discs
    overlap the nearer disc's colour shows. At 2,000 points a frame costs a few
    milliseconds, where a ``VGroup`` of ``Dot3D`` spheres costs seconds.

    Colours work as in :class:`DistributionCloud` (``color``, ``palette`` with
    ``labels``, ``values`` with ``colormap``); discs keep one size on screen (no
    perspective growth). Like the camera's other fixed-in-frame mobjects it is drawn
    after the shaded 3D surfaces.

    Parameters
    ----------
    source
        A :class:`~manim_diffusion.core.trajectory.Trajectory` of 3D points, or an
        array ``(N, 3)`` for a static cloud.
    camera
        The ``ThreeDScene``'s camera: ``self.camera`` (anything else raises).
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    axes
        The ``ThreeDAxes`` of the data; without them, data units are scene units.
    radius
        Disc radius in scene units on screen.
    depth_shading
        How much darker the farthest points are than the nearest, in ``[0, 1]``.
    depth_range
        The depth (scene units) from the frame's centre at which a point is drawn
        fully near (or fully far, behind it); default: half the diagonal of the
        bounding box of the points at the trajectory's last time (the data).
    kwargs
        ``color``, ``palette``, ``labels``, ``values``, ``colormap``, ``value_range``
        and ``opacity`` as for :class:`DistributionCloud`.

    Examples
    --------
    .. manim:: Cloud3DExample

        import numpy as np
        from manim_diffusion import Cloud3D, Trajectory

        class Cloud3DExample(ThreeDScene):
            def construct(self):
                self.set_camera_orientation(phi=70 * DEGREES, theta=30 * DEGREES)
                rng = np.random.default_rng(0)
                a = rng.uniform(0, 6 * np.pi, 2000)
                spring = np.stack([1.5 * np.cos(a), 1.5 * np.sin(a), a / 3 - np.pi], 1)
                noise = rng.normal(size=(2000, 3))
                s = np.linspace(0, 1, 31)[:, None, None]
                traj = Trajectory(times=s[:, 0, 0], points=(1 - s) * noise + s * spring)
                t = ValueTracker(0)
                self.add(Cloud3D(traj, camera=self.camera, time=t, color=TEAL))
                self.begin_ambient_camera_rotation(rate=0.4)
                self.play(t.animate.set_value(1), run_time=3)
    """

    _point_dim = 3

    def __init__(
        self,
        source: Trajectory | np.ndarray,
        camera: ThreeDCamera,
        time: ValueTracker | float = 1.0,
        axes: ThreeDAxes | None = None,
        radius: float = 0.03,
        depth_shading: float = 0.6,
        depth_range: float | None = None,
        color: ParsableManimColor = BLUE,
        palette: Sequence[ParsableManimColor] | None = None,
        labels: np.ndarray | None = None,
        values: np.ndarray | None = None,
        colormap: Sequence[ParsableManimColor] | Callable[[np.ndarray], np.ndarray] | None = None,
        value_range: tuple[float, float] | None = None,
        opacity: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self._camera = Shared(check_three_d_camera(camera, "Cloud3D"))
        if not 0.0 <= depth_shading <= 1.0:
            raise ValueError(f"depth_shading must lie in [0, 1], got {depth_shading}")
        if depth_range is not None and not depth_range > 0:
            raise ValueError(f"depth_range must be positive scene units, got {depth_range}")
        self.depth_shading = float(depth_shading)
        self._depth_range = depth_range
        super().__init__(source, time=time, axes=axes, radius=radius, color=color,
                         palette=palette, labels=labels, values=values, colormap=colormap,
                         value_range=value_range, opacity=opacity, **kwargs)
        camera.add_fixed_in_frame_mobjects(self)

    @property
    def camera(self) -> ThreeDCamera:
        """The camera the cloud is projected through."""
        return self._camera.value

    def scene_points(self) -> np.ndarray:
        """The points at the current time in scene coordinates, ``(N, 3)``."""
        return self.data_map.space(self.data_points())

    def depth_range(self) -> float:
        """The depth over which the shading runs from near to far (scene units)."""
        if self._depth_range is not None:
            return self._depth_range
        key = (self.data_map.key_3d(), id(self.trajectory))
        if getattr(self, "_depth_cache", (None, 0.0))[0] != key:  # not every frame
            self._depth_cache = (key, self._data_depth_range())
        return self._depth_cache[1]

    def _data_depth_range(self) -> float:
        final = self.data_map.space(self.trajectory.final)
        final = final[np.isfinite(final).all(axis=1)]
        if not len(final):
            return 1.0
        return max(0.5 * float(np.linalg.norm(final.max(axis=0) - final.min(axis=0))), 1e-6)

    def _camera_state(self) -> tuple[float, ...]:
        cam = self.camera
        return (cam.get_phi(), cam.get_theta(), cam.get_gamma(), cam.get_focal_distance(),
                cam.get_zoom(), *np.asarray(cam.frame_center, dtype=float).tolist())

    def refresh(self) -> Cloud3D:
        """Nothing to do until the camera draws: see :meth:`get_pixel_array`.

        An updater would project with the camera as it was before the scene's other
        updaters ran (an ambient rotation turns the camera after them), and the frame
        would show the cloud a frame late or pay for two projections.
        """
        return self

    def get_pixel_array(self) -> np.ndarray:
        """The image of the points as the camera sees them now (the camera asks first).

        Re-projects and redraws only if the time, the axes, the camera or the style
        changed since the last frame, and places the image's corners before the
        camera reads them.
        """
        self._redraw()
        return self._image

    def _draw_key(self, geometry: tuple[float, float, int, int]) -> tuple[Any, ...]:
        return (self.get_time(), self.data_map.key_3d(), self._camera_state(), geometry,
                self._style_version)

    def _frame_centre(self) -> np.ndarray:
        return np.asarray(self.camera.frame_center, dtype=float)

    def _splat(
        self, geometry: tuple[float, float, int, int]
    ) -> tuple[np.ndarray, tuple[int, int]] | None:
        sx, _, pw, ph = geometry
        xyz = self.scene_points()
        finite = np.isfinite(xyz).all(axis=1)
        base = self._rgb if self._rgb is not None else np.broadcast_to(
            np.asarray(self._single_rgb, dtype=np.float32), (len(xyz), 3))
        if not finite.all():
            xyz, base = xyz[finite], base[finite]
        if not (len(xyz) and self.opacity > 0):
            return None
        pixels, depth = camera_pixels(self.camera, xyz)
        near = np.clip(0.5 + 0.5 * depth / self.depth_range(), 0.0, 1.0)  # 1: nearest
        shade = 1.0 - self.depth_shading * (1.0 - near)
        rgb = (base * shade[:, None].astype(np.float32)).astype(np.float32)
        return splat_discs(pixels[:, 0].astype(np.float32), pixels[:, 1].astype(np.float32),
                           rgb, self.radius * sx, self.opacity, (pw, ph),
                           weights=np.exp(_NEAR_WEIGHT * near))
