"""LatentMNISTPanel: a 2D latent scatter by class, moving samples and their decoded digits."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from manim import (
    BLACK,
    DOWN,
    GREY_B,
    RIGHT,
    UP,
    WHITE,
    Axes,
    CoordinateSystem,
    Dot,
    Group,
    ManimColor,
    ParsableManimColor,
    Rectangle,
    Text,
    ValueTracker,
    VGroup,
    VMobject,
)

from ...core.trajectory import Trajectory
from ...mobjects._coords import DataToScene, time_source
from ...mobjects.cloud import DistributionCloud, _Shared
from ...mobjects.heatmap import GridImage, colorize
from ...mobjects.tracer import TrajectoryTracer

__all__ = ["LatentMNISTPanel", "MNIST_PALETTE", "ToyLatentDigits", "toy_latent_digits"]

#: Ten colours that stay apart on a dark background, one per digit 0-9.
MNIST_PALETTE: tuple[str, ...] = (
    "#4DABF7",  # 0 blue
    "#FFA94D",  # 1 orange
    "#51CF66",  # 2 green
    "#FF6B6B",  # 3 red
    "#B197FC",  # 4 violet
    "#FFE066",  # 5 yellow
    "#F783AC",  # 6 pink
    "#CED4DA",  # 7 light grey
    "#C0895E",  # 8 brown
    "#3BC9DB",  # 9 cyan
)

_CACHE_SIZE = 4096  # decoded positions kept per panel
_MAX_POINTS = 25  # moving points a panel follows at most

_OPTIONS: dict[str, dict[str, Any]] = {
    "scatter_config": {"radius": 0.025, "opacity": 0.55, "clip": True},
    "legend_config": {"font_size": 22, "buff": 0.18, "spacing": 0.22, "names": None},
    "point_config": {"radius": 0.07, "stroke_color": WHITE, "stroke_width": 2.0,
                     "trail_length": 0.3, "trail_width": 2.5, "color": WHITE,
                     "colors": None},
    "digit_config": {"height": None, "columns": None, "buff": 0.2, "colors": (BLACK, WHITE),
                     "frame": True, "frame_width": 2.5, "labels": None, "font_size": 18,
                     "gap": 0.5},
    "strip_config": {"times": (0.2, 0.4, 0.6, 0.8, 1.0), "index": 0, "height": 0.75,
                     "buff": 0.15, "font_size": 16, "reveal": True, "dim": 0.2},
    "manifold_config": {"tiles": 15, "opacity": 0.9, "color": WHITE, "layer": "over"},
}


def _options(name: str, given: dict[str, Any] | None) -> dict[str, Any]:
    """The defaults of a ``*_config`` dict updated with ``given``; unknown keys raise."""
    defaults = _OPTIONS[name]
    given = dict(given or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(
            f"unknown {name} keys: {', '.join(unknown)} (known: {', '.join(defaults)})"
        )
    return {**defaults, **given}


# ----------------------------------------------------------------- decoding
class _DecodeCache:
    """Decoded images keyed by the exact float32 latent, least recently used dropped."""

    def __init__(self, decode: Callable[[np.ndarray], Any], size: int = _CACHE_SIZE) -> None:
        if not callable(decode):
            raise TypeError(f"decode must be a callable latents (M, 2) -> images (M, H, W), "
                            f"got {type(decode).__name__}")
        self.decode = decode
        self.size = size
        self.images: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.shape: tuple[int, int] | None = None
        self.calls = 0  # calls of ``decode``
        self.decoded = 0  # latents passed to ``decode``

    def _call(self, z: np.ndarray) -> np.ndarray:
        out = self.decode(z)
        if hasattr(out, "detach"):  # a torch tensor
            out = out.detach().cpu().numpy()
        out = np.asarray(out, dtype=np.float32)
        if out.ndim != 3 or out.shape[0] != len(z) or min(out.shape[1:]) < 1:
            raise ValueError(
                f"decode must map latents of shape (M, 2) to images of shape (M, H, W); "
                f"for M = {len(z)} it returned shape {out.shape}"
            )
        if self.shape is not None and out.shape[1:] != self.shape:
            raise ValueError(f"decode returned images of size {out.shape[1:]}, earlier "
                             f"{self.shape}")
        self.shape = out.shape[1:]
        self.calls += 1
        self.decoded += len(z)
        return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Images ``(M, H, W)`` of latents ``(M, 2)``, decoding only the ones not cached."""
        z = np.ascontiguousarray(z, dtype=np.float32).reshape(-1, 2)
        keys = [row.tobytes() for row in z]
        missing = list(dict.fromkeys(k for k in keys if k not in self.images))
        if missing:
            fresh = self._call(np.stack([np.frombuffer(k, dtype=np.float32) for k in missing]))
            for k, img in zip(missing, fresh, strict=True):
                self.images[k] = img
        out = []
        for k in keys:
            self.images.move_to_end(k)
            out.append(self.images[k])
        while len(self.images) > self.size:
            self.images.popitem(last=False)
        if not out:
            return np.zeros((0, *(self.shape or (1, 1))), dtype=np.float32)
        return np.stack(out)


@lru_cache(maxsize=64)
def _ramp_lut(colors: tuple[ParsableManimColor, ...]) -> np.ndarray:
    """RGBA of 256 evenly spaced ink values through a colour ramp, ``(256, 4)`` uint8."""
    return colorize(np.linspace(0.0, 1.0, 256), colors, 1.0, 0.0)


def _ink_rgba(images: np.ndarray, colors: Sequence[ParsableManimColor]) -> np.ndarray:
    """Greyscale images ``(..., H, W)`` in [0, 1] to opaque RGBA through a colour ramp."""
    levels = np.rint(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
    return _ramp_lut(tuple(colors))[levels]


# -------------------------------------------------------------- toy digits
class ToyLatentDigits(NamedTuple):
    """A stand-in for a trained 2D-latent MNIST model (see :func:`toy_latent_digits`)."""

    codes: np.ndarray
    labels: np.ndarray
    decode: Callable[[np.ndarray], np.ndarray]
    trajectory: Trajectory
    centres: np.ndarray


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float,
         n: int = 16) -> np.ndarray:
    a = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def _line(*pts: tuple[float, float]) -> np.ndarray:
    return np.array(pts, dtype=np.float64)


def _glyph_strokes() -> list[list[np.ndarray]]:
    """Polylines of the digits 0-9 in a box of about [-0.4, 0.4] x [-0.65, 0.65]."""
    return [
        [_arc(0, 0, 0.36, 0.62, 0, 360, 32)],
        [_line((-0.16, 0.42), (0.04, 0.64), (0.0, -0.64))],
        [np.concatenate([_arc(0, 0.3, 0.34, 0.32, 160, -30),
                         _line((-0.38, -0.62), (0.42, -0.62))])],
        [_arc(0, 0.33, 0.32, 0.3, 150, -90), _arc(0, -0.3, 0.37, 0.33, 90, -150)],
        [_line((-0.22, 0.64), (-0.4, -0.18), (0.42, -0.18)),
         _line((0.2, 0.5), (0.2, -0.64))],
        [_line((0.38, 0.62), (-0.3, 0.62), (-0.34, 0.08)),
         _arc(0, -0.24, 0.38, 0.37, 125, -150)],
        [_line((0.22, 0.64), (-0.3, -0.12)), _arc(0.02, -0.3, 0.34, 0.33, 0, 360, 24)],
        [_line((-0.4, 0.62), (0.4, 0.62), (-0.08, -0.64))],
        [_arc(0, 0.33, 0.29, 0.28, 0, 360, 24), _arc(0, -0.3, 0.36, 0.33, 0, 360, 24)],
        [_arc(0, 0.3, 0.33, 0.3, 0, 360, 24), _line((0.33, 0.3), (0.18, -0.64))],
    ]


@lru_cache(maxsize=4)
def _glyph_templates(size: int) -> np.ndarray:
    """Anti-aliased stroke images of the ten toy digits, ``(10, size, size)`` in [0, 1]."""
    c = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    gx, gy = np.meshgrid(c, -c)  # row 0 at the top
    pix = np.stack([gx.ravel(), gy.ravel()], axis=1)
    sigma = 2.6 / size  # about 1.3 pixels
    out = np.empty((10, size * size))
    for k, strokes in enumerate(_glyph_strokes()):
        a = np.concatenate([s[:-1] for s in strokes])
        b = np.concatenate([s[1:] for s in strokes])
        ab = b - a
        t = ((pix[:, None, :] - a[None]) * ab[None]).sum(-1) / (ab * ab).sum(-1)[None]
        near = a[None] + np.clip(t, 0.0, 1.0)[..., None] * ab[None]
        d2 = ((pix[:, None, :] - near) ** 2).sum(-1).min(axis=1)
        out[k] = np.minimum(1.0, 1.4 * np.exp(-d2 / (2 * sigma**2)))
    return out.reshape(10, size, size)


def toy_latent_digits(
    n: int = 2000,
    classes: Sequence[int] = tuple(range(10)),
    steps: int = 40,
    radius: float = 2.0,
    spread: float = 0.35,
    seed: int = 0,
    size: int = 28,
) -> ToyLatentDigits:
    """A deterministic stand-in for a trained 2D-latent MNIST model, without weights.

    Ten Gaussian clusters of latent codes on a circle, a decoder that blends ten
    stroke-drawn digit templates by closeness to the cluster centres (a code near a
    centre decodes to a crisp digit, one between clusters or at the origin to a blurred
    mixture), and a trajectory of one sample per requested class moving from Gaussian
    noise (t = 0) to its class centre (t = 1) on a bent path.

    Parameters
    ----------
    n
        Number of codes.
    classes
        The class of each moving sample of the trajectory.
    steps
        Sampler steps of the trajectory.
    radius, spread
        Radius of the circle of cluster centres and the clusters' standard deviation.
    seed
        Seed of the codes, the labels and the starting noise.
    size
        Side of the decoded images in pixels.

    Returns
    -------
    ToyLatentDigits
        ``codes (n, 2)``, ``labels (n,)``, ``decode`` (latents ``(M, 2)`` to images
        ``(M, size, size)``), ``trajectory`` (``(steps + 1, K, 2)`` with labels) and
        the cluster ``centres (10, 2)``.

    Examples
    --------
    The ten clusters, and what the decoder draws at their centres and halfway between
    them (placed a little outside the circle), and at the origin.

    .. manim:: ToyLatentDigitsExample

        import numpy as np
        from manim_diffusion import DistributionCloud, MNIST_PALETTE, toy_latent_digits

        class ToyLatentDigitsExample(Scene):
            def construct(self):
                toy = toy_latent_digits(n=3000)
                axes = Axes(x_range=[-3.2, 3.2], y_range=[-3.2, 3.2], x_length=7.4,
                            y_length=7.4)
                self.add(axes, DistributionCloud(toy.codes, axes=axes, labels=toy.labels,
                                                 palette=MNIST_PALETTE, opacity=0.5))
                angle = np.pi / 2 - np.pi * np.arange(20) / 10  # centres and midpoints
                ring = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
                points = np.vstack([ring, [[0.0, 0.0]]])
                for z, image in zip(points, toy.decode(points)):
                    tile = ImageMobject(np.uint8(255 * image)).set(height=0.6)
                    self.add(tile.move_to(axes.c2p(*(1.4 * z))))
    """
    rng = np.random.default_rng(seed)
    angles = np.pi / 2 - 2 * np.pi * np.arange(10) / 10
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = rng.integers(0, 10, n)
    codes = (centres[labels] + spread * rng.normal(size=(n, 2))).astype(np.float32)
    templates = _glyph_templates(size)
    tau = 0.45 * radius * np.sin(np.pi / 10)  # half the gap between neighbours

    def decode(z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64).reshape(-1, 2)
        d2 = ((z[:, None, :] - centres[None]) ** 2).sum(-1)
        logits = -d2 / (2 * tau**2)
        w = np.exp(logits - logits.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        sharp = np.exp(-d2.min(axis=1) / (2 * (2 * spread) ** 2))  # 1 at a centre
        img = np.einsum("mk,khw->mhw", w, templates)
        return np.clip(img * (0.55 + 0.45 * sharp)[:, None, None], 0.0, 1.0).astype(
            np.float32)

    cls = np.asarray(classes, dtype=np.int64).ravel()
    if len(cls) == 0 or cls.min() < 0 or cls.max() > 9:
        raise ValueError(f"classes must be digits 0-9, got {list(cls)}")
    noise = rng.normal(size=(len(cls), 2))
    target = centres[cls] + 0.5 * spread * rng.normal(size=(len(cls), 2))
    s = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
    ease = 1 - (1 - s) ** 2
    bend = np.sin(np.pi * s) * 0.6 * np.stack([-(target - noise)[:, 1],
                                               (target - noise)[:, 0]], axis=1)[None]
    wobble = 0.08 * rng.normal(size=(steps + 1, len(cls), 2)) * (1 - s) ** 2
    points = (1 - ease) * noise[None] + ease * target[None] + 0.25 * bend + wobble
    trajectory = Trajectory(times=s[:, 0, 0], points=points.astype(np.float32),
                            labels=cls, sampler="toy")
    return ToyLatentDigits(codes, labels, decode, trajectory, centres)


class _TileSheet(GridImage):
    """Equal tiles on a grid inside one RGBA image: one image mobject however many tiles.

    Manim's Cairo camera composites every image mobject over the whole frame (a few ms
    at 480p, about 18 ms at 1080p), so the panel draws all its digits as one image.
    Gaps between tiles are transparent; tile ``i`` fills row ``i // columns``, column
    ``i % columns``.
    """

    def __init__(self, n: int, columns: int, tile: tuple[int, int], height: float,
                 hgap: float, vgap: float, **kwargs: Any) -> None:
        self.n_tiles, self.columns = n, columns
        self.rows = int(np.ceil(n / columns))
        self.tile = (int(tile[0]), int(tile[1]))
        th, tw = self.tile
        self.px_per_unit = th / height
        self.gaps = (max(1, round(hgap * self.px_per_unit)),
                     max(1, round(vgap * self.px_per_unit)))
        gx, gy = self.gaps
        canvas = np.zeros((self.rows * th + (self.rows - 1) * gy,
                           columns * tw + (columns - 1) * gx, 4), dtype=np.uint8)
        self._tiles = np.zeros((n, th, tw, 4), dtype=np.uint8)
        self._tile_opacity = np.ones(n)
        super().__init__(canvas, height=canvas.shape[0] / self.px_per_unit, **kwargs)

    def _origin(self, i: int) -> tuple[int, int]:
        """Canvas pixel (row, col) of tile ``i``'s upper left corner."""
        r, c = divmod(i, self.columns)
        return r * (self.tile[0] + self.gaps[1]), c * (self.tile[1] + self.gaps[0])

    def _paint(self, i: int) -> None:
        y, x = self._origin(i)
        th, tw = self.tile
        tile = self._tiles[i]
        if self._tile_opacity[i] < 1.0:
            tile = tile.copy()
            tile[..., 3] = np.rint(tile[..., 3] * self._tile_opacity[i]).astype(np.uint8)
        self._rgba[y : y + th, x : x + tw] = tile
        self._shown = None

    def set_tile(self, i: int, rgba: np.ndarray) -> _TileSheet:
        """Show an RGBA image of the tile's size in tile ``i``."""
        rgba = np.asarray(rgba)
        if rgba.shape != (*self.tile, 4):
            raise ValueError(f"tile images must have shape {(*self.tile, 4)}, got {rgba.shape}")
        self._tiles[i] = rgba
        self._paint(i)
        return self

    def set_tile_opacity(self, i: int, opacity: float) -> _TileSheet:
        """Scale tile ``i``'s alpha (the sheet's own opacity applies on top)."""
        self._tile_opacity[i] = float(np.clip(opacity, 0.0, 1.0))
        self._paint(i)
        return self

    def tile_centres(self) -> np.ndarray:
        """Scene points of the tiles' centres, ``(n, 3)``, wherever the sheet is now."""
        ul, ur, ll = self.points[0], self.points[1], self.points[2]
        h, w = self._rgba.shape[:2]
        out = np.zeros((self.n_tiles, 3))
        for i in range(self.n_tiles):
            y, x = self._origin(i)
            u = (x + self.tile[1] / 2) / w
            v = (y + self.tile[0] / 2) / h
            out[i] = ul + u * (ur - ul) + v * (ll - ul)
        return out


# ------------------------------------------------------------------- panel
class LatentMNISTPanel(Group):
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
        self.codes, self.labels = self._check_codes(codes, labels)
        self.palette = [ManimColor.parse(c) for c in palette]
        self.n_classes = len(self.palette)  # one class per colour
        if self.n_classes == 0:
            raise ValueError("palette must hold one colour per class, got none")
        if len(self.labels) and self.labels.max() >= self.n_classes:
            raise ValueError(f"labels reach {self.labels.max()} but the palette has only "
                             f"{self.n_classes} colours (one per class)")
        if not (np.isfinite(size) and size > 0):
            raise ValueError(f"size must be a positive number of scene units, got {size}")
        self.scatter_config = _options("scatter_config", scatter_config)
        self.legend_config = _options("legend_config", legend_config)
        self.point_config = _options("point_config", point_config)
        self.digit_config = _options("digit_config", digit_config)
        self.strip_config = _options("strip_config", strip_config)
        self.manifold_config = _options("manifold_config", manifold_config)
        if self.manifold_config["layer"] not in ("over", "under"):
            raise ValueError(f"manifold_config layer must be 'over' or 'under', got "
                             f"{self.manifold_config['layer']!r}")
        self._decoder = _Shared(_DecodeCache(decode))
        self._time_arg = time
        self._time = time_source(time)
        self.extent = self._extent(extent, axes, self.codes)
        own_axes = axes is None
        self.axes = self._make_axes(self.extent, size, axes_config) if own_axes else axes
        self._map = DataToScene(self.axes)

        shown = self.codes
        if self.scatter_config["clip"]:  # codes outside the extent are not drawn
            x0, x1, y0, y1 = self.extent
            inside = ((shown[:, 0] >= x0) & (shown[:, 0] <= x1)
                      & (shown[:, 1] >= y0) & (shown[:, 1] <= y1))
            shown = np.where(inside[:, None], shown, np.nan).astype(np.float32)
        self.scatter = DistributionCloud(
            shown, axes=self.axes, radius=self.scatter_config["radius"],
            opacity=self.scatter_config["opacity"], palette=self.palette, labels=self.labels)
        self.legend = self._make_legend()
        self.manifold: GridImage | None = self._make_manifold() if manifold else None
        layers: list[Any] = [self.axes] if own_axes else []
        if self.manifold is not None and self.manifold_config["layer"] == "under":
            layers.append(self.manifold)
        layers.append(self.scatter)
        if self.manifold is not None and self.manifold_config["layer"] == "over":
            layers.append(self.manifold)
        self.add(*layers, self.legend)

        self._want_strip = bool(strip)
        self.trajectory: Trajectory | None = None
        self.trail: TrajectoryTracer | None = None
        self.markers = VGroup()
        self.digits: _TileSheet | None = None
        self.digit_frames = VGroup()
        self.digit_labels = VGroup()
        self.strip: Group | None = None
        self._key: tuple[Any, ...] | None = None
        self._shown: np.ndarray | None = None
        self._images: np.ndarray | None = None
        self._strip_state: tuple[bool, ...] | None = None
        if trajectory is not None:
            self.set_trajectory(trajectory, indices)
        elif strip:
            raise ValueError("strip=True needs a trajectory")
        self.add_updater(lambda m: m.refresh())
        self.refresh()

    # ------------------------------------------------------------ checks
    @staticmethod
    def _check_codes(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = np.asarray(codes, dtype=np.float32)
        if c.ndim != 2 or c.shape[1] != 2:
            raise ValueError(f"codes must have shape (N, 2), got {c.shape}")
        lab = np.asarray(labels)
        if lab.shape != (len(c),):
            raise ValueError(f"labels must have shape ({len(c)},), got {lab.shape}")
        if len(lab) and not np.issubdtype(lab.dtype, np.integer):
            if not np.all(lab == np.round(lab)):
                raise ValueError("labels must be integers")
        lab = lab.astype(np.int64)
        if len(lab) and lab.min() < 0:
            raise ValueError(f"labels must be >= 0, got {lab.min()}")
        return c, lab

    @staticmethod
    def _extent(
        extent: tuple[float, float, float, float] | None,
        axes: CoordinateSystem | None,
        codes: np.ndarray,
    ) -> tuple[float, float, float, float]:
        if extent is None and axes is not None:
            extent = (axes.x_range[0], axes.x_range[1], axes.y_range[0], axes.y_range[1])
        if extent is None:
            finite = codes[np.isfinite(codes).all(axis=1)]
            if len(finite):
                lo, hi = np.percentile(finite, [0.5, 99.5], axis=0)
                m = 0.08 * float(np.max(hi - lo)) + 1e-3
                extent = (lo[0] - m, hi[0] + m, lo[1] - m, hi[1] + m)
            else:
                extent = (-3.0, 3.0, -3.0, 3.0)
        x0, x1, y0, y1 = (float(v) for v in extent)
        if not (np.isfinite([x0, x1, y0, y1]).all() and x1 > x0 and y1 > y0):
            raise ValueError(f"extent must be (x0, x1, y0, y1) with x0 < x1 and y0 < y1, "
                             f"got {extent}")
        return x0, x1, y0, y1

    @staticmethod
    def _make_axes(extent: tuple[float, float, float, float], size: float,
                   axes_config: dict[str, Any] | None) -> Axes:
        x0, x1, y0, y1 = extent
        scale = size / max(x1 - x0, y1 - y0)
        cfg: dict[str, Any] = {
            "tips": False,
            "axis_config": {"stroke_opacity": 0.3, "include_ticks": False, "stroke_width": 1.5},
        }
        cfg.update(axes_config or {})
        return Axes(x_range=[x0, x1, 1], y_range=[y0, y1, 1], x_length=(x1 - x0) * scale,
                    y_length=(y1 - y0) * scale, **cfg)

    def _box(self) -> tuple[np.ndarray, np.ndarray]:
        """Scene corners (lower left, upper right) of the latent extent."""
        x0, x1, y0, y1 = self.extent
        pts = self._map.to_3d(np.array([[x0, y0], [x1, y1]]))
        return np.minimum(pts[0], pts[1]), np.maximum(pts[0], pts[1])

    # ------------------------------------------------------------ legend
    def _make_legend(self) -> VGroup:
        cfg = self.legend_config
        names = cfg["names"]
        if names is None:
            names = [str(k) for k in range(self.n_classes)]
        names = list(names)
        if len(names) != self.n_classes:
            raise ValueError(f"legend_config names must have {self.n_classes} entries, "
                             f"got {len(names)}")
        legend = VGroup(*(Text(name, font_size=cfg["font_size"], color=self.palette[k])
                          for k, name in enumerate(names)))
        legend.arrange(RIGHT, buff=cfg["spacing"], aligned_edge=DOWN)
        lo, hi = self._box()
        legend.move_to(((lo[0] + hi[0]) / 2, hi[1] + cfg["buff"] + legend.height / 2, 0))
        return legend

    # ---------------------------------------------------------- manifold
    def _make_manifold(self) -> GridImage:
        cfg = self.manifold_config
        tiles = cfg["tiles"]
        if isinstance(tiles, bool) or not isinstance(tiles, int) or tiles < 1:
            raise ValueError(f"manifold_config tiles must be a positive integer, got {tiles!r}")
        x0, x1, y0, y1 = self.extent
        long_side = max(x1 - x0, y1 - y0)
        nx = max(1, round(tiles * (x1 - x0) / long_side))
        ny = max(1, round(tiles * (y1 - y0) / long_side))
        xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
        ys = y1 - (np.arange(ny) + 0.5) * (y1 - y0) / ny  # top row first
        gx, gy = np.meshgrid(xs, ys)
        imgs = self._decoder.value(np.stack([gx.ravel(), gy.ravel()], axis=1))
        h, w = imgs.shape[1:]
        mosaic = imgs.reshape(ny, nx, h, w).transpose(0, 2, 1, 3).reshape(ny * h, nx * w)
        rgba = np.empty((*mosaic.shape, 4), dtype=np.uint8)
        rgba[..., :3] = (np.asarray(ManimColor.parse(cfg["color"]).to_rgb()) * 255).round()
        rgba[..., 3] = np.rint(mosaic * 255.0)
        image = GridImage(rgba, box=self.extent, axes=self.axes)
        image.set_opacity(cfg["opacity"])
        self.manifold_latents = np.stack([gx, gy], axis=-1)  # (ny, nx, 2)
        return image

    # ------------------------------------------------------- moving parts
    def set_trajectory(
        self, trajectory: Trajectory, indices: Sequence[int] | np.ndarray | None = None
    ) -> LatentMNISTPanel:
        """Follow the points of another sampling run (rebuilds markers, trail and digits).

        Call it between animations, not inside one: the panel's family changes.
        """
        if not isinstance(trajectory, Trajectory) or trajectory.dim != 2:
            raise ValueError("trajectory must be a Trajectory of 2D latents, shape (S+1, K, 2)")
        k_all = trajectory.n_points
        if indices is None:
            if k_all > _MAX_POINTS:
                raise ValueError(f"the trajectory has {k_all} points; pass indices= to choose "
                                 f"at most {_MAX_POINTS} to follow")
            idx = np.arange(k_all)
        else:
            idx = np.asarray(indices, dtype=np.int64).ravel()
            if len(idx) == 0 or len(idx) > _MAX_POINTS:
                raise ValueError(f"indices must choose 1 to {_MAX_POINTS} points, got {len(idx)}")
            if idx.min() < 0 or idx.max() >= k_all:
                raise ValueError(f"indices must lie in [0, {k_all}), got {idx.min()}..{idx.max()}")
        sub = trajectory.subset(idx)
        if sub.labels is not None and len(sub.labels) and sub.labels.max() >= len(self.palette):
            raise ValueError(f"trajectory labels reach {sub.labels.max()} but the palette has "
                             f"{len(self.palette)} colours")
        self.remove(*[m for m in (self.trail, self.markers, self.digits, self.digit_frames,
                                  self.digit_labels, self.strip) if m is not None])
        self.trajectory = sub
        self.indices = idx
        self._traj = _Shared(sub)
        k = sub.n_points
        pc = self.point_config
        if pc["colors"] is not None:
            if len(pc["colors"]) != k:
                raise ValueError(f"point_config colors must have one colour per followed "
                                 f"point ({k}), got {len(pc['colors'])}")
            self.point_colors = [ManimColor.parse(c) for c in pc["colors"]]
        elif sub.labels is not None:
            self.point_colors = [self.palette[int(lab)] for lab in sub.labels]
        else:
            self.point_colors = [ManimColor.parse(pc["color"])] * k

        self.trail = None
        if pc["trail_length"]:
            # one colour slot per distinct point colour, through the tracer's palette
            distinct = list(dict.fromkeys(c.to_hex() for c in self.point_colors))
            slots = np.array([distinct.index(c.to_hex()) for c in self.point_colors])
            self.trail = TrajectoryTracer(
                Trajectory(times=sub.times, points=sub.points, labels=slots), time=self._time_arg,
                axes=self.axes, indices=np.arange(k), tail_length=pc["trail_length"],
                n_chunks=4, palette=distinct, stroke_width=pc["trail_width"])
        self.markers = VGroup(*(
            Dot(radius=pc["radius"], color=c, stroke_color=pc["stroke_color"],
                stroke_width=pc["stroke_width"]) for c in self.point_colors))
        self._build_digits(k)
        self.strip = self._make_strip() if self._want_strip else None
        parts = [self.trail, self.markers, self.digit_frames, self.digits, self.digit_labels,
                 self.strip]
        self.add(*[m for m in parts if m is not None])
        self._sample_parts = Group(*[m for m in parts if m is not None])
        self._base_opacity = [
            (m, m.get_fill_opacity(), m.get_stroke_opacity())
            for m in self._sample_parts.get_family() if isinstance(m, VMobject)
        ]
        self._key = None
        self._strip_state = None
        return self.refresh()

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
            mob.set_fill(opacity=fill * a, family=False)
            mob.set_stroke(opacity=stroke * a, family=False)
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
        cfg = self.digit_config
        labels = cfg["labels"]
        if labels is not None and len(labels) != k:
            raise ValueError(f"digit_config labels must have one text per followed point "
                             f"({k}), got {len(labels)}")
        columns = cfg["columns"] or int(np.ceil(k / 5))
        if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
            raise ValueError(f"digit_config columns must be a positive integer, got {columns!r}")
        rows = int(np.ceil(k / columns))
        lo, hi = self._box()
        label_h = 0.0 if labels is None else cfg["font_size"] / 48 + 0.1
        room = hi[1] - lo[1]
        if self._want_strip:
            room -= self.strip_config["height"] + self.strip_config["font_size"] / 48 + 0.6
        height = cfg["height"]
        if height is None:
            height = min(1.6, (room - (rows - 1) * (cfg["buff"] + label_h)) / rows - label_h)
            height = max(height, 0.3)
        self._images = self._decoder.value(self.latent_points())
        self._shown = self.latent_points()
        self.digits = _TileSheet(k, columns, self._images.shape[1:], height,
                                 cfg["buff"], cfg["buff"] + label_h)
        for i, img in enumerate(self._images):
            self.digits.set_tile(i, _ink_rgba(img, self._digit_colors(i)))
        self.digits.next_to((hi[0], hi[1], 0), RIGHT, buff=cfg["gap"], aligned_edge=UP)
        self.digits.shift(UP * (hi[1] - self.digits.get_top()[1]))
        centres = self.digits.tile_centres()
        self.digit_frames = VGroup(*(
            Rectangle(width=height, height=height, stroke_color=self.point_colors[i],
                      stroke_width=cfg["frame_width"] if cfg["frame"] else 0,
                      fill_opacity=0).move_to(centres[i]) for i in range(k)))
        self.digit_labels = VGroup()
        if labels is not None:
            for frame, text in zip(self.digit_frames, labels, strict=True):
                self.digit_labels.add(Text(str(text), font_size=cfg["font_size"], color=GREY_B)
                                      .next_to(frame, DOWN, buff=0.08))

    def _make_strip(self) -> Group:
        """One sheet image of one point's decoded images at fixed times, with labels."""
        cfg = self.strip_config
        times = np.asarray(cfg["times"], dtype=np.float64).ravel()
        if len(times) == 0 or not np.all((times >= 0) & (times <= 1)):
            raise ValueError(f"strip_config times must lie in [0, 1], got {list(times)}")
        index = cfg["index"]
        assert self.trajectory is not None  # set_trajectory sets it before making the strip
        if not 0 <= index < self.trajectory.n_points:
            raise ValueError(f"strip_config index must choose one of the "
                             f"{self.trajectory.n_points} followed points, got {index}")
        self.strip_times = times
        self.strip_latents = np.stack([self._traj.value.at(float(s))[index] for s in times])
        self.strip_images = self._decoder.value(self.strip_latents)
        size = cfg["height"]
        sheet = _TileSheet(len(times), len(times), self.strip_images.shape[1:], size,
                           cfg["buff"], 0.0)
        for i, img in enumerate(self.strip_images):
            sheet.set_tile(i, _ink_rgba(img, self._digit_colors(index)))
        frames = VGroup()
        texts = VGroup()
        for s, centre in zip(times, sheet.tile_centres(), strict=True):
            frame = Rectangle(width=size, height=size, stroke_width=1, stroke_color=GREY_B,
                              stroke_opacity=0.6).move_to(centre)
            frames.add(frame)
            texts.add(Text(f"t = {s:g}", font_size=cfg["font_size"], color=GREY_B)
                      .next_to(frame, DOWN, buff=0.06))
        strip = Group(sheet, frames, texts)
        lo, hi = self._box()
        strip.next_to((hi[0], lo[1], 0), RIGHT, buff=self.digit_config["gap"],
                      aligned_edge=DOWN)
        strip.shift(UP * (lo[1] - strip.get_bottom()[1]))
        self._strip_sheet = sheet
        return strip

    # ------------------------------------------------------------ updates
    def get_time(self) -> float:
        """The library time the panel shows now."""
        return float(self._time())

    def set_time(self, time: ValueTracker | float) -> LatentMNISTPanel:
        """Follow another tracker, or freeze at a time."""
        self._time_arg = time
        self._time = time_source(time)
        if self.trail is not None:
            self.trail.set_time(time)
        self._key = None
        return self.refresh()

    def latent_points(self) -> np.ndarray:
        """The followed points' latents at the current time, ``(K, 2)`` (float32)."""
        if self.trajectory is None:
            return np.zeros((0, 2), dtype=np.float32)
        return self._traj.value.at(self.get_time()).astype(np.float32)

    def decoded_images(self) -> np.ndarray:
        """The images shown beside the scatter now, ``(K, H, W)`` in [0, 1]."""
        self.refresh()
        if self._images is None:
            return np.zeros((0, 28, 28), dtype=np.float32)
        return self._images

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
        key = (t, self._map.key())
        if key == self._key:
            return self
        self._key = key
        z = self.latent_points()
        for dot, p in zip(self.markers, self._map.to_3d(z), strict=True):
            dot.move_to(p)
        moved = np.any(z != self._shown, axis=1)
        if moved.any():
            images = self._decoder.value(z[moved])
            # set_trajectory builds the digits with the trajectory
            assert self._images is not None and self.digits is not None
            self._images[moved] = images
            for i, img in zip(np.flatnonzero(moved), images, strict=True):
                self.digits.set_tile(int(i), _ink_rgba(img, self._digit_colors(int(i))))
            self._shown = z
        if self.strip is not None and self.strip_config["reveal"]:
            state = tuple(bool(t >= s - 1e-9) for s in self.strip_times)
            if state != self._strip_state:
                for j, on in enumerate(state):
                    self._strip_sheet.set_tile_opacity(j, 1.0 if on else self.strip_config["dim"])
                self._strip_state = state
        return self
