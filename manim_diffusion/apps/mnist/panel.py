"""LatentMNISTPanel: a 2D latent scatter by class, moving samples and their decoded digits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from manim import (
    BLACK,
    CoordinateSystem,
    Dot,
    Group,
    ManimColor,
    ParsableManimColor,
    ValueTracker,
    VGroup,
    VMobject,
)
from manim.mobject.opengl.opengl_vectorized_mobject import OpenGLVMobject

from ...core.trajectory import Trajectory
from ...mobjects.base import TimeDriven, TimeLike
from ...mobjects.grid_image import GridImage
from ...mobjects.palettes import MNIST_PALETTE
from ...mobjects.shared import Shared
from ...mobjects.tracer import TrajectoryTracer
from .decode_cache import DecodeCache
from .digits import DecodedDigits
from .manifold import decoded_manifold
from .options import panel_options
from .scatter import check_codes, class_legend, codes_scatter, latent_axes, latent_extent
from .strip import TimeStrip
from .tile_sheet import TileSheet
from .toy_digits import ToyLatentDigits, toy_latent_digits

__all__ = ["LatentMNISTPanel", "MNIST_PALETTE", "ToyLatentDigits", "toy_latent_digits"]

_MAX_POINTS = 25  # moving points a panel follows at most


class LatentMNISTPanel(TimeDriven, Group):
    """A 2D latent space: codes by class, samples moving through it, their decoded digits.

    The panel shows the latent codes of a data set (e.g. the MNIST test set through a
    VAE's encoder) as a :class:`DistributionCloud` coloured by class, a legend of the
    classes in their colours, and optionally

    - samples moving along a latent :class:`~manim_diffusion.core.trajectory.Trajectory`
      with the time tracker (a marker and a short fading trail each), and beside the
      scatter the decoded image of each one, redrawn as it moves (from a blurred
      mixture at t = 0 to a crisp digit at t = 1);
    - a strip of one sample's decoded images at fixed times;
    - the decoded manifold: a grid of decoded tiles over the latent plane, as one image
      pinned to the axes box.

    The panel only reads arrays and calls ``decode``; it never trains. A latent is
    decoded once: images are cached by the exact latent position, and a frame whose
    positions did not change decodes nothing. All the digits are drawn as one image
    (Manim composites each image mobject over the whole frame, which is what costs).
    Moving the panel moves everything with its axes. Fade the panel as a whole, or
    the samples' parts with :meth:`set_sample_opacity`: ``FadeIn`` of a part would
    make Manim split the panel and stop its updater.

    Parameters
    ----------
    codes
        Latent codes of shape ``(N, 2)``.
    labels
        Integer class labels of shape ``(N,)``, from 0 to one less than the number of
        palette colours.
    decode
        A callable mapping latents ``(M, 2)`` (float32) to images ``(M, H, W)`` in
        ``[0, 1]`` (numpy or torch), e.g. a VAE decoder.
    trajectory
        Optional: a sampling run of 2D latents, ``(S+1, K, 2)``, whose points move with
        the time; its ``labels`` (if any) colour them.
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    indices
        Which of the trajectory's points to follow (default: all, at most 25).
    axes
        Axes of the latent plane; default: a square-celled box of side ``size`` over
        ``extent``, built by the panel (``self.axes``). Axes given are used as they are
        and not added to the panel.
    extent
        ``(x0, x1, y0, y1)`` of the latent plane shown; default: the codes' 0.5 to 99.5
        percentiles plus a margin (or the ranges of given axes).
    size
        The longer side of the panel's own axes box, in scene units.
    palette
        One colour per class (default :data:`MNIST_PALETTE`); labels index it.
    manifold
        Show the decoded manifold (``self.manifold``).
    strip
        Show a strip of decoded images of one sample at fixed times (``self.strip``).
    axes_config
        Passed to :class:`~manim.Axes` when the panel builds its axes.
    scatter_config
        ``radius`` (scene units), ``opacity`` of the codes, ``clip`` (hide codes
        outside the extent).
    legend_config
        ``font_size``, ``buff`` (above the box), ``spacing`` (between entries),
        ``names`` (texts of the classes, default their numbers).
    point_config
        ``radius``, ``stroke_color``, ``stroke_width`` of the markers, ``color`` (of
        unlabelled samples), ``colors`` (one per followed sample, instead of the class
        colours), ``trail_length`` (library time; 0 or ``None``: no trail),
        ``trail_width``.
    digit_config
        ``height`` of each image (default: fit beside the box), ``columns`` (default:
        up to five rows), ``buff`` between images, ``gap`` to the box, ``colors`` (the
        ramp from ink 0 to 1, or ``"point"`` for black to the sample's colour),
        ``frame`` and ``frame_width`` (a border in the sample's colour), ``labels``
        (a text under each image), ``font_size``.
    strip_config
        ``times``, ``index`` (which followed sample), ``height``, ``buff``,
        ``font_size``, ``reveal`` (dim the images of times not reached yet), ``dim``
        (their opacity).
    manifold_config
        ``tiles`` (along the longer side), ``opacity``, ``color`` (of the ink; the
        background is transparent), ``layer`` (``"over"`` or ``"under"`` the scatter).
    kwargs
        Passed to :class:`~manim.Group`.

    Examples
    --------
    .. manim:: LatentMNISTPanelExample

        from manim_diffusion.apps.mnist.panel import LatentMNISTPanel, toy_latent_digits

        class LatentMNISTPanelExample(Scene):
            def construct(self):
                toy = toy_latent_digits(n=3000, classes=[3, 7])
                t = ValueTracker(0)
                panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode,
                                         toy.trajectory, time=t, strip=True)
                self.add(panel.center())
                self.play(t.animate.set_value(1), run_time=3)
    """

    scatter_config: dict[str, Any]  # the *_config dicts, defaults filled in
    legend_config: dict[str, Any]
    point_config: dict[str, Any]
    digit_config: dict[str, Any]
    strip_config: dict[str, Any]
    manifold_config: dict[str, Any]

    def __init__(
        self,
        codes: np.ndarray,
        labels: np.ndarray,
        decode: Callable[[np.ndarray], Any],
        trajectory: Trajectory | None = None,
        time: ValueTracker | float = 1.0,
        indices: Sequence[int] | np.ndarray | None = None,
        axes: CoordinateSystem | None = None,
        extent: tuple[float, float, float, float] | None = None,
        size: float = 5.5,
        palette: Sequence[ParsableManimColor] = MNIST_PALETTE,
        manifold: bool = False,
        strip: bool = False,
        axes_config: dict[str, Any] | None = None,
        scatter_config: dict[str, Any] | None = None,
        legend_config: dict[str, Any] | None = None,
        point_config: dict[str, Any] | None = None,
        digit_config: dict[str, Any] | None = None,
        strip_config: dict[str, Any] | None = None,
        manifold_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.codes, self.labels = check_codes(codes, labels)
        self.palette = [ManimColor.parse(c) for c in palette]
        self.n_classes = len(self.palette)  # one class per colour
        if self.n_classes == 0:
            raise ValueError("palette must hold one colour per class, got none")
        if len(self.labels) and self.labels.max() >= self.n_classes:
            raise ValueError(f"labels reach {self.labels.max()} but the palette has only "
                             f"{self.n_classes} colours (one per class)")
        if not (np.isfinite(size) and size > 0):
            raise ValueError(f"size must be a positive number of scene units, got {size}")
        self._configure(scatter_config, legend_config, point_config, digit_config,
                        strip_config, manifold_config)
        self._decoder = Shared(DecodeCache(decode))
        self._time_arg = time
        self._set_time_source(time)
        self.extent = latent_extent(extent, axes, self.codes)
        own_axes = axes is None
        self.axes = latent_axes(self.extent, size, axes_config) if own_axes else axes
        self._set_axes_map(self.axes)
        self._make_plane(own_axes, manifold)
        self._want_strip = bool(strip)
        self.trajectory: Trajectory | None = None
        self.trail: TrajectoryTracer | None = None
        self.markers = VGroup()
        self.digits: TileSheet | None = None
        self.digit_frames = VGroup()
        self.digit_labels = VGroup()
        self.strip: Group | None = None
        self._digit_part: DecodedDigits | None = None
        self._strip_part: TimeStrip | None = None
        self._key: tuple[Any, ...] | None = None
        if trajectory is not None:
            self.set_trajectory(trajectory, indices)
        elif strip:
            raise ValueError("strip=True needs a trajectory")
        self._follow_updates()

    # ------------------------------------------------------------ set-up
    def _configure(self, *given: dict[str, Any] | None) -> None:
        """The six ``*_config`` dicts, defaults filled in (in the signature's order)."""
        names = ("scatter_config", "legend_config", "point_config", "digit_config",
                 "strip_config", "manifold_config")
        for name, cfg in zip(names, given, strict=True):
            setattr(self, name, panel_options(name, cfg))
        if self.manifold_config["layer"] not in ("over", "under"):
            raise ValueError(f"manifold_config layer must be 'over' or 'under', got "
                             f"{self.manifold_config['layer']!r}")

    def _make_plane(self, own_axes: bool, manifold: bool) -> None:
        """The axes (if the panel's own), the scatter, the manifold and the legend."""
        self.scatter = codes_scatter(self.codes, self.labels, self.extent, self.axes,
                                     self.palette, self.scatter_config)
        self.legend = class_legend(self.palette, self._box(), self.legend_config)
        self.manifold: GridImage | None = None
        if manifold:
            self.manifold, self.manifold_latents = decoded_manifold(
                self._decoder.value, self.extent, self.axes, self.manifold_config)
        layers: list[Any] = [self.axes] if own_axes else []
        if self.manifold is not None and self.manifold_config["layer"] == "under":
            layers.append(self.manifold)
        layers.append(self.scatter)
        if self.manifold is not None and self.manifold_config["layer"] == "over":
            layers.append(self.manifold)
        self.add(*layers, self.legend)

    def _box(self) -> tuple[np.ndarray, np.ndarray]:
        """Scene corners (lower left, upper right) of the latent extent."""
        x0, x1, y0, y1 = self.extent
        pts = self.data_map.to_3d(np.array([[x0, y0], [x1, y1]]))
        return np.minimum(pts[0], pts[1]), np.maximum(pts[0], pts[1])

    # ------------------------------------------------------- moving parts
    def set_trajectory(
        self, trajectory: Trajectory, indices: Sequence[int] | np.ndarray | None = None
    ) -> LatentMNISTPanel:
        """Follow the points of another sampling run (rebuilds markers, trail and digits).

        Call it between animations, not inside one: the panel's family changes.
        """
        idx = self._chosen(trajectory, indices)
        sub = trajectory.subset(idx)
        if sub.labels is not None and len(sub.labels) and sub.labels.max() >= len(self.palette):
            raise ValueError(f"trajectory labels reach {sub.labels.max()} but the palette has "
                             f"{len(self.palette)} colours")
        self.remove(*[m for m in (self.trail, self.markers, self.digits, self.digit_frames,
                                  self.digit_labels, self.strip) if m is not None])
        self.trajectory = sub
        self.indices = idx
        self._traj = Shared(sub)
        pc = self.point_config
        self.point_colors = self._colors_of(sub)
        self.trail = self._make_trail(sub) if pc["trail_length"] else None
        self.markers = VGroup(*(
            Dot(radius=pc["radius"], color=c, stroke_color=pc["stroke_color"],
                stroke_width=pc["stroke_width"]) for c in self.point_colors))
        self._build_digits(sub.n_points)
        self.strip = self._make_strip() if self._want_strip else None
        parts = [self.trail, self.markers, self.digit_frames, self.digits, self.digit_labels,
                 self.strip]
        self.add(*[m for m in parts if m is not None])
        self._sample_parts = Group(*[m for m in parts if m is not None])
        self._base_opacity = [
            (m, m.get_fill_opacity(), m.get_stroke_opacity())
            for m in self._sample_parts.get_family()
            if isinstance(m, VMobject | OpenGLVMobject)
        ]
        self._key = None
        return self.refresh()

    @staticmethod
    def _chosen(trajectory: Trajectory, indices: Sequence[int] | np.ndarray | None) -> np.ndarray:
        """The indices of the points to follow (all of a small run), checked."""
        if not isinstance(trajectory, Trajectory) or trajectory.dim != 2:
            raise ValueError("trajectory must be a Trajectory of 2D latents, shape (S+1, K, 2)")
        k_all = trajectory.n_points
        if indices is None:
            if k_all > _MAX_POINTS:
                raise ValueError(f"the trajectory has {k_all} points; pass indices= to choose "
                                 f"at most {_MAX_POINTS} to follow")
            return np.arange(k_all)
        idx = np.asarray(indices, dtype=np.int64).ravel()
        if len(idx) == 0 or len(idx) > _MAX_POINTS:
            raise ValueError(f"indices must choose 1 to {_MAX_POINTS} points, got {len(idx)}")
        if idx.min() < 0 or idx.max() >= k_all:
            raise ValueError(f"indices must lie in [0, {k_all}), got {idx.min()}..{idx.max()}")
        return idx

    def _colors_of(self, sub: Trajectory) -> list[ManimColor]:
        """One colour per followed point: given, by class, or the one point colour."""
        pc = self.point_config
        k = sub.n_points
        if pc["colors"] is not None:
            if len(pc["colors"]) != k:
                raise ValueError(f"point_config colors must have one colour per followed "
                                 f"point ({k}), got {len(pc['colors'])}")
            return [ManimColor.parse(c) for c in pc["colors"]]
        if sub.labels is not None:
            return [self.palette[int(lab)] for lab in sub.labels]
        return [ManimColor.parse(pc["color"])] * k

    def _make_trail(self, sub: Trajectory) -> TrajectoryTracer:
        """The fading trail of every followed point, in the points' colours."""
        pc = self.point_config
        # one colour slot per distinct point colour, through the tracer's palette
        distinct = list(dict.fromkeys(c.to_hex() for c in self.point_colors))
        slots = np.array([distinct.index(c.to_hex()) for c in self.point_colors])
        return TrajectoryTracer(
            Trajectory(times=sub.times, points=sub.points, labels=slots), time=self._time_arg,
            axes=self.axes, indices=np.arange(sub.n_points), tail_length=pc["trail_length"],
            n_chunks=4, palette=distinct, stroke_width=pc["trail_width"])

    def set_sample_opacity(self, opacity: float) -> LatentMNISTPanel:
        """Fade the followed samples' parts (markers, trails, digits, frames, labels, strip).

        Animate it to fade them in after :meth:`set_trajectory`, e.g.
        ``UpdateFromAlphaFunc(panel, lambda m, a: m.set_sample_opacity(a))``: Manim's
        ``FadeIn`` / ``FadeOut`` of a part of the panel would split the panel in the
        scene and stop its updater.
        """
        if self.trajectory is None:
            return self
        a = float(np.clip(opacity, 0.0, 1.0))
        for mob, fill, stroke in self._base_opacity:
            # this mobject only: Cairo's keyword is ``family``, OpenGL's ``recurse``
            only = {"recurse": False} if isinstance(mob, OpenGLVMobject) else {"family": False}
            mob.set_fill(opacity=fill * a, **only)
            mob.set_stroke(opacity=stroke * a, **only)
        for sheet in (self.digits, getattr(self, "_strip_sheet", None) if self.strip else None):
            if sheet is not None:
                sheet.set_opacity(a)
        return self

    def _digit_colors(self, k: int) -> Sequence[ParsableManimColor]:
        colors = self.digit_config["colors"]
        if isinstance(colors, str):
            if colors != "point":
                raise ValueError(f"digit_config colors must be a colour ramp or 'point', "
                                 f"got {colors!r}")
            return (BLACK, self.point_colors[k])
        return tuple(colors)

    def _build_digits(self, k: int) -> None:
        """One sheet image of ``k`` tiles beside the box, with frames and labels."""
        lo, hi = self._box()
        room = hi[1] - lo[1]
        if self._want_strip:
            room -= self.strip_config["height"] + self.strip_config["font_size"] / 48 + 0.6
        part = DecodedDigits(self._decoder.value, self.latent_points(),
                             [self._digit_colors(i) for i in range(k)], self.point_colors,
                             self.digit_config, (lo, hi), room)
        self._digit_part = part
        self.digits, self.digit_frames, self.digit_labels = part.sheet, part.frames, part.labels

    def _make_strip(self) -> Group:
        """One sheet image of one point's decoded images at fixed times, with labels."""
        assert self.trajectory is not None  # set_trajectory sets it before making the strip
        part = TimeStrip(self._decoder.value, self._traj.value,
                         [self._digit_colors(i) for i in range(self.trajectory.n_points)],
                         self.strip_config, self.digit_config["gap"], self._box())
        self._strip_part = part
        self.strip_times, self.strip_latents, self.strip_images = (
            part.times, part.latents, part.images)
        self._strip_sheet = part.sheet
        return part.group

    # ------------------------------------------------------------ updates
    def _on_time_source(self, time: TimeLike) -> None:
        """The trail follows the new time too; the next refresh redraws."""
        self._time_arg = time
        if self.trail is not None:
            self.trail.set_time(time)
        self._key = None

    def latent_points(self) -> np.ndarray:
        """The followed points' latents at the current time, ``(K, 2)`` (float32)."""
        if self.trajectory is None:
            return np.zeros((0, 2), dtype=np.float32)
        return self._traj.value.at(self.get_time()).astype(np.float32)

    def decoded_images(self) -> np.ndarray:
        """The images shown beside the scatter now, ``(K, H, W)`` in [0, 1]."""
        self.refresh()
        if self._digit_part is None:
            return np.zeros((0, 28, 28), dtype=np.float32)
        return self._digit_part.images

    @property
    def decode_calls(self) -> int:
        """How many times the panel called ``decode``."""
        return self._decoder.value.calls

    @property
    def decoded_count(self) -> int:
        """How many latents the panel passed to ``decode`` (each distinct one once)."""
        return self._decoder.value.decoded

    def refresh(self) -> LatentMNISTPanel:
        """Move the markers and redraw the digits whose latents changed."""
        if self.trajectory is None:
            return self
        t = self.get_time()
        key = (t, self.data_map.key())
        if key == self._key:
            return self
        self._key = key
        z = self.latent_points()
        for dot, p in zip(self.markers, self.data_map.to_3d(z), strict=True):
            dot.move_to(p)
        assert self._digit_part is not None  # set_trajectory builds the digits
        self._digit_part.update(self._decoder.value, z)
        if self._strip_part is not None:
            self._strip_part.reveal(t)
        return self
