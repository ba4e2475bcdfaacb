"""TrailPainter: trails stroked with Cairo into one image, kept as time slices between frames."""

from __future__ import annotations

import math
from collections.abc import Callable

import cairo
import numpy as np

from .trace_paths import TracedPaths

__all__ = ["SLICES_PER_CHUNK", "WHOLE_PATH_SLICES", "TrailPainter", "alpha_view"]

#: Time slices across a whole path's span (whole paths, no tail).
WHOLE_PATH_SLICES = 32
#: Time slices per opacity chunk of a fading tail.
SLICES_PER_CHUNK = 4


def alpha_view(surface: cairo.ImageSurface) -> np.ndarray:
    """The pixels of an A8 Cairo surface as a ``(height, width)`` uint8 array (a view)."""
    surface.flush()
    h, w, stride = surface.get_height(), surface.get_width(), surface.get_stride()
    return np.ndarray((h, stride), dtype=np.uint8, buffer=surface.get_data())[:, :w]


class TrailPainter:
    """Paints traced paths up to a time into an RGBA image, reusing what it painted before.

    Library time is cut into slices on a fixed grid. The polylines of each slice are
    stroked once (per colour) into an alpha-only surface and kept, so a frame of a
    growing trail strokes only the unfinished slice at its head (and, for a fading
    tail, the cut slice at its end) and composites the kept slices, each with the
    opacity of its tail chunk. Strokes match manim's Cairo camera: butt caps, mitre
    joins, the paths of one colour and chunk as one Cairo path.

    Parameters
    ----------
    paths
        The traced samples and their colour groups.
    to_pixels
        Maps data points ``(K, D)`` to pixel positions ``(K, 2)`` in the image.
    size
        ``(width, height)`` of the image in pixels.
    line_width
        Stroke width in pixels.
    opacity
        Stroke opacity of the newest part of a path.
    tail_length
        Library time of a fading tail, or ``None`` for whole paths.
    n_chunks
        Opacity steps of a fading tail: chunk ``k`` (oldest 0) has opacity
        ``opacity * (k + 1) / n_chunks``, as in :class:`TrajectoryTracer`.
    head_radius
        Radius of a disc at each path's head in pixels; 0 draws none.

    Examples
    --------
    .. manim:: TrailPainterExample
        :save_last_frame:

        import numpy as np
        from manim_diffusion.core.trajectory import Trajectory
        from manim_diffusion.mobjects.trace_paths import TracedPaths
        from manim_diffusion.mobjects.trail_painter import TrailPainter

        class TrailPainterExample(Scene):
            def construct(self):
                s = np.linspace(0, 1, 41)
                angle = np.linspace(0, 2 * np.pi, 12, endpoint=False)
                pts = np.stack([np.cos(angle[None] + 3 * s[:, None]) * s[:, None],
                                np.sin(angle[None] + 3 * s[:, None]) * s[:, None]], axis=2)
                paths = TracedPaths(Trajectory(times=s, points=pts), n_paths=12)
                painter = TrailPainter(paths, lambda xy: xy * 150 + 200, (400, 400),
                                       line_width=3, tail_length=0.5, head_radius=5)
                self.add(ImageMobject(painter.paint(0.9)).set(height=6))
    """

    def __init__(
        self,
        paths: TracedPaths,
        to_pixels: Callable[[np.ndarray], np.ndarray],
        size: tuple[int, int],
        line_width: float,
        opacity: float = 1.0,
        tail_length: float | None = None,
        n_chunks: int = 6,
        head_radius: float = 0.0,
    ) -> None:
        self.paths = paths
        self.to_pixels = to_pixels
        self.size = (max(int(size[0]), 1), max(int(size[1]), 1))
        self.line_width = float(line_width)
        self.opacity = float(opacity)
        self.tail_length = tail_length
        self.n_chunks = n_chunks if tail_length is not None else 1
        self.head_radius = float(head_radius)
        t0, t1 = paths.span
        width = (t1 - t0) / WHOLE_PATH_SLICES if tail_length is None else (
            tail_length / (self.n_chunks * SLICES_PER_CHUNK))
        self.slice_width = width if width > 0 else 1.0
        self._slices: dict[tuple[int, int], cairo.ImageSurface] = {}
        self._base: list[tuple[cairo.ImageSurface, int]] = []  # whole paths: slices [0, n)
        self._template: np.ndarray | None = None

    # ----------------------------------------------------------------- time grid
    def _edge(self, j: int) -> float:
        return self.paths.span[0] + j * self.slice_width

    def _grid_range(self, start: float, t: float) -> tuple[int, int]:
        """Whole slices ``[lo, hi)`` inside ``[start, t]``."""
        t0, w = self.paths.span[0], self.slice_width
        lo = math.ceil((start - t0) / w - 1e-9)
        hi = math.floor((t - t0) / w + 1e-9)
        return lo, max(hi, lo)

    def _chunk(self, start: float, t: float, a: float, b: float) -> int:
        """The tail chunk (0 oldest) of the piece ``[a, b]`` of a tail ``[start, t]``.

        The tail is cut into ``n_chunks`` equal chunks, as the vector tracer cuts it;
        a piece belongs to the chunk of its middle.
        """
        if t <= start:
            return self.n_chunks - 1
        k = int((0.5 * (a + b) - start) / (t - start) * self.n_chunks)
        return min(max(k, 0), self.n_chunks - 1)

    # ------------------------------------------------------------------ strokes
    def _surface(self) -> tuple[cairo.ImageSurface, cairo.Context]:
        """An empty alpha surface whose context adds (Cairo's fast path for A8)."""
        surface = cairo.ImageSurface(cairo.FORMAT_A8, *self.size)
        ctx = cairo.Context(surface)
        ctx.set_operator(cairo.OPERATOR_ADD)
        ctx.set_line_width(self.line_width)
        ctx.set_line_cap(cairo.LINE_CAP_BUTT)
        ctx.set_line_join(cairo.LINE_JOIN_MITER)
        return surface, ctx

    def _pixels(self, ts: np.ndarray) -> np.ndarray:
        """Pixel positions of the traced samples at times ``ts``: ``(len(ts), M, 2)``."""
        xy = self.paths.positions(ts)
        return self.to_pixels(xy.reshape(-1, xy.shape[-1])).reshape(*xy.shape[:2], 2)

    @property
    def _step_alpha(self) -> float:
        """The alpha each piece is stroked with: one chunk's share of the opacity."""
        return self.opacity / self.n_chunks

    def _stroke(self, ctx: cairo.Context, a: float, b: float, group: int) -> None:
        """Stroke group ``group``'s paths over ``[a, b]`` as one Cairo path."""
        if b <= a or self._step_alpha <= 0:
            return
        polys = self._pixels(self.paths.vertex_times(a, b))[:, self.paths.groups[group][1]]
        if polys.shape[1] == 0:
            return
        move, line = ctx.move_to, ctx.line_to
        polys = polys.transpose(1, 0, 2)
        if np.isfinite(polys).all():  # one flat list: a third of nested lists' cost
            coords = iter(polys.ravel().tolist())
            for _ in range(polys.shape[0]):
                move(next(coords), next(coords))
                for _ in range(polys.shape[1] - 1):
                    line(next(coords), next(coords))
        else:  # a non-finite vertex breaks its path, like a dropped segment
            for poly, ok in zip(polys.tolist(), np.isfinite(polys).all(axis=2), strict=True):
                pen = False
                for (x, y), good in zip(poly, ok, strict=True):
                    if good:
                        (line if pen else move)(x, y)
                    pen = bool(good)
        ctx.set_source_rgba(0, 0, 0, self._step_alpha)
        ctx.stroke()

    def _slice(self, j: int, group: int) -> cairo.ImageSurface:
        """The kept surface of slice ``j`` of colour group ``group`` (stroked once)."""
        key = (j, group)
        surface = self._slices.get(key)
        if surface is None:
            surface, ctx = self._surface()
            self._stroke(ctx, self._edge(j), self._edge(j + 1), group)
            self._slices[key] = surface
        return surface

    def _forget(self, lo: int, hi: int) -> None:
        """Drop kept fading-tail slices outside ``[lo - window / 2, hi + 1]`` once there
        are twice a window's worth (a full-frame slice is 2 MB at 1080p)."""
        window = max(hi - lo, 1)
        if len(self._slices) > 2 * window * len(self.paths.groups) + 8:
            for key in [k for k in self._slices if k[0] < lo - window // 2 or k[0] > hi + 1]:
                del self._slices[key]

    # ------------------------------------------------------------------- frames
    def paint(self, t: float) -> np.ndarray:
        """The RGBA image (uint8, straight alpha) of the trails with heads at time ``t``."""
        t = self.paths.clamp(t)
        t0 = self.paths.span[0]
        start = t0 if self.tail_length is None else max(t0, t - self.tail_length)
        lo, hi = self._grid_range(start, t)
        if self.tail_length is not None:
            self._forget(lo, hi)
        layers = [self._group_alpha(g, t, start, lo, hi) for g in range(len(self.paths.groups))]
        return self._compose(layers)

    def _group_alpha(self, g: int, t: float, start: float, lo: int, hi: int) -> np.ndarray:
        """The alpha of colour group ``g``'s trails and heads at time ``t``.

        Every piece is stroked with ``opacity / n_chunks``; chunk ``k`` must show
        ``k + 1`` times that. So the chunks are added newest first into a running
        sum, and the running sum is added to the frame after each chunk: chunk ``k``
        is then counted ``k + 1`` times, with adds only (Cairo's fast path for alpha
        surfaces, where a plain "over" with an opacity is 30 times slower).
        """
        pieces: list[list[tuple[float, float, int | None]]] = [[] for _ in range(self.n_chunks)]
        for j in range(lo, hi):
            pieces[self._chunk(start, t, self._edge(j), self._edge(j + 1))].append(
                (self._edge(j), self._edge(j + 1), j))
        cut = [(start, t)] if lo == hi else [(start, self._edge(lo)), (self._edge(hi), t)]
        for a, b in cut:
            if b > a:
                pieces[self._chunk(start, t, a, b)].append((a, b, None))
        frame, frame_ctx = self._surface()
        if self.tail_length is None:
            frame_ctx.set_source_surface(self._whole_slices(g, hi), 0, 0)
            frame_ctx.paint()
            for a, b, kept in pieces[0]:
                if kept is None:
                    self._stroke(frame_ctx, a, b, g)
        else:
            running, run_ctx = self._surface()
            for chunk in reversed(pieces):
                for a, b, kept in chunk:
                    if kept is None:
                        self._stroke(run_ctx, a, b, g)
                    else:
                        run_ctx.set_source_surface(self._slice(kept, g), 0, 0)
                        run_ctx.paint()
                running.flush()
                frame_ctx.set_source_surface(running, 0, 0)
                frame_ctx.paint()
        if self.head_radius > 0:
            self._heads(frame_ctx, self._pixels(np.array([t]))[0, self.paths.groups[g][1]])
        return alpha_view(frame)

    def _whole_slices(self, g: int, hi: int) -> cairo.ImageSurface:
        """Group ``g``'s whole-path slices ``[0, hi)`` added up (kept, grown or rebuilt)."""
        while len(self._base) <= g:
            self._base.append((self._surface()[0], 0))
        base, done = self._base[g]
        if hi < done:  # time went back: add the kept slices up again
            base, done = self._surface()[0], 0
        ctx = cairo.Context(base)
        ctx.set_operator(cairo.OPERATOR_ADD)
        for j in range(done, hi):
            ctx.set_source_surface(self._slice(j, g), 0, 0)
            ctx.paint()
        base.flush()
        self._base[g] = (base, hi)
        return base

    def _heads(self, ctx: cairo.Context, xy: np.ndarray) -> None:
        r = self.head_radius
        for x, y in xy[np.isfinite(xy).all(axis=1)].tolist():
            ctx.new_sub_path()
            ctx.arc(x, y, r, 0.0, 2 * math.pi)
        ctx.set_source_rgba(0, 0, 0, 1.0)
        ctx.set_operator(cairo.OPERATOR_OVER)
        ctx.fill()
        ctx.set_operator(cairo.OPERATOR_ADD)

    def _compose(self, layers: list[np.ndarray]) -> np.ndarray:
        """Colour the groups' alphas and lay them over each other, first group lowest."""
        h, w = layers[0].shape
        rgbs = [np.asarray(c.to_rgb()) * 255.0 for c, _ in self.paths.groups]
        if len(layers) == 1:  # a copy of a coloured template: 10 times a fresh fill
            if self._template is None:
                self._template = np.zeros((h, w, 4), dtype=np.uint8)
                self._template[..., :3] = np.rint(rgbs[0]).astype(np.uint8)
            out = self._template.copy()
            out[..., 3] = layers[0]
            return out
        out = np.zeros((h, w, 4), dtype=np.uint8)
        rgb = np.zeros((h, w, 3))  # premultiplied
        alpha = np.zeros((h, w))
        for colour, layer in zip(rgbs, layers, strict=True):
            a = layer / 255.0
            rgb = colour * a[..., None] + rgb * (1 - a[..., None])
            alpha = a + alpha * (1 - a)
        out[..., :3] = np.rint(np.divide(rgb, alpha[..., None], out=np.zeros_like(rgb),
                                         where=alpha[..., None] > 0)).astype(np.uint8)
        out[..., 3] = np.rint(alpha * 255.0).astype(np.uint8)
        return out
