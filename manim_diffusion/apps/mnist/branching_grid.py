"""BranchingGrid: decoded digits of a sampling run's branches, one row per branch time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
from manim import (
    GREY_B,
    LEFT,
    RIGHT,
    UP,
    WHITE,
    YELLOW,
    Group,
    ParsableManimColor,
    Rectangle,
    Text,
    ValueTracker,
    VGroup,
)

from ...core.trajectory import Trajectory
from ...mobjects.base import TimeDriven, TimeLike
from ...mobjects.grid_image import GridImage
from .decode_cache import DecodeCache
from .ink import ramp_lut

__all__ = ["BranchingGrid"]

_EPS = 1e-9  # a cell whose branch time equals the current time is shown


class BranchesLike(Protocol):
    """What :class:`BranchingGrid` reads of a ``BranchSet`` (engine ``branching``)."""

    trunk: Trajectory
    branch_times: np.ndarray
    branches: np.ndarray
    ends: np.ndarray
    trunk_end: np.ndarray


def _time_text(t: float) -> str:
    return f"{round(float(t), 2):g}"


class BranchingGrid(TimeDriven, Group):
    """Where a sampling run could have gone: its branches' decoded digits on a grid.

    A ``BranchSet`` (``manim_diffusion.analysis.branching.branch``) holds one sampling
    run in a 2D latent plane (the trunk) and, at a few branch times, ``K`` fresh runs
    that leave the trunk there with new noise. The grid draws one row per branch time
    (labelled ``"branch at t = 0.2"``) and one column per branch, each cell the
    decoded image of that branch, and beside it the trunk's digit (labelled).

    Following the time, a cell is a faint placeholder until the time reaches its
    branch time; from then on it shows its branch's latent at the current time
    decoded (``live=True``: a blur at the branch point that sharpens into a digit by
    t = 1), or at once the branch's final digit (``live=False``). At t = 1 every cell
    is the decoded end point of its branch.

    All cells and the trunk are drawn as one image (Manim composites each image over
    the whole frame), decoded latents are cached, and a frame whose time did not
    change decodes nothing.

    Parameters
    ----------
    branches
        A ``BranchSet``, or anything with its fields ``trunk`` (a
        :class:`~manim_diffusion.core.trajectory.Trajectory` of one point),
        ``branch_times (B,)``, ``branches (B, K, S+1, *point)`` on the trunk's times,
        ``ends`` and ``trunk_end``. A point is a 2D latent, or an image
        ``(1, H, W)`` for a pixel-space model.
    decode
        A callable mapping points ``(M, *point)`` (float32) to images ``(M, H, W)`` in
        ``[0, 1]`` (numpy or torch), e.g. a VAE decoder; for pixel-space branches,
        the map from model space to [0, 1] (``PixelMNIST.to_unit`` and a squeeze).
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    live
        Show each started branch decoded at the current time (else its final digit).
    tile_height
        Side of one cell in scene units.
    buff
        Space between cells.
    trunk_gap
        Space between the grid and the trunk's cell.
    colors
        Colour ramp from ink 0 (the cell's background) to ink 1.
    cell_colors
        Optional ink colour of each cell, ``(B, K)`` (e.g. by the digit a classifier
        reads), instead of the ramp's top colour; the trunk keeps ``colors``.
    placeholder_opacity
        Opacity of the background of a cell whose branch has not started (0: nothing).
    font_size
        Of the row labels and the trunk's label.
    label_color
        Of the labels.
    trunk_label
        Text above the trunk's cell (``""``: none).
    kwargs
        Passed to :class:`~manim.Group`.

    Examples
    --------
    .. manim:: BranchingGridExample

        import numpy as np
        from manim_diffusion.analysis.branching import branch
        from manim_diffusion.apps.mnist.latent import load_latent_mnist
        from manim_diffusion.apps.mnist.branching_grid import BranchingGrid

        class BranchingGridExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                bs = branch(kit.model, steps=100, x_start=np.zeros((1, 2)), k=5, labels=3,
                            guidance=kit.guidance)
                t = ValueTracker(0)
                self.add(BranchingGrid(bs, kit.decode, time=t))
                self.play(t.animate.set_value(1), run_time=4)
    """

    def __init__(
        self,
        branches: BranchesLike,
        decode: Callable[[np.ndarray], Any],
        time: ValueTracker | float = 1.0,
        live: bool = True,
        tile_height: float = 0.8,
        buff: float = 0.12,
        trunk_gap: float = 0.6,
        colors: Sequence[ParsableManimColor] = ("#1C2028", WHITE),
        cell_colors: Sequence[Sequence[ParsableManimColor]] | None = None,
        placeholder_opacity: float = 0.35,
        font_size: float = 20,
        label_color: ParsableManimColor = GREY_B,
        trunk_label: str = "trunk",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.branch_set = branches
        self.branch_times, self._paths, self.trunk = self._check(branches)
        self.n_rows, self.n_cols = self._paths.shape[:2]
        if not (np.isfinite(tile_height) and tile_height > 0):
            raise ValueError(f"tile_height must be a positive number, got {tile_height}")
        if buff < 0 or trunk_gap < 0:
            raise ValueError(f"buff and trunk_gap must be >= 0, got {buff}, {trunk_gap}")
        self.live = bool(live)
        self.tile_height = float(tile_height)
        self.colors = tuple(colors)
        self.placeholder_opacity = float(np.clip(placeholder_opacity, 0.0, 1.0))
        self._set_time_source(time)
        self.point_shape = tuple(self._paths.shape[3:])
        self._decoder = DecodeCache(decode, point_shape=self.point_shape)
        self._luts = self._cell_luts(cell_colors)
        # every branch (and the trunk, last) as one trajectory on the trunk's times
        b, k = self.n_rows, self.n_cols
        flat = self._paths.reshape(b * k, *self._paths.shape[2:]).swapaxes(0, 1)
        self._all = Trajectory(times=self.trunk.times,
                               points=np.concatenate([flat, self.trunk.points], axis=1))

        tile = self._decoder(np.zeros((1, *self.point_shape), np.float32)).shape[1:]
        self.tile = (int(tile[0]), int(tile[1]))
        self._layout(buff, trunk_gap)
        self.image = GridImage(self._canvas.copy(), height=self._canvas.shape[0] / self._ppu)
        self.row_labels = VGroup()
        self.trunk_text: Text | None = None
        self.highlight_box: Rectangle | None = None
        self.highlighted: tuple[int, int] | None = None
        self.images = np.zeros((b, k, *self.tile), dtype=np.float32)
        self.trunk_image = np.zeros(self.tile, dtype=np.float32)
        self._visible = np.zeros((b, k), dtype=bool)
        self._key: float | None = None
        self.add(self.image)
        self._make_labels(font_size, label_color, trunk_label)
        self._follow_updates()

    def _make_labels(self, font_size: float, label_color: ParsableManimColor,
                     trunk_label: str) -> None:
        """A label left of each row and one above the trunk's cell."""
        centres = self.cell_centres()
        for row, bt in enumerate(self.branch_times):
            text = Text(f"branch at t = {_time_text(bt)}", font_size=font_size,
                        color=label_color)
            text.next_to(centres[row, 0], LEFT, buff=self.tile_height / 2 + 0.25)
            self.row_labels.add(text)
        self.add(self.row_labels)
        if trunk_label:
            self.trunk_text = Text(trunk_label, font_size=font_size, color=label_color)
            self.trunk_text.next_to(self.trunk_centre(), UP, buff=self.tile_height / 2 + 0.1)
            self.add(self.trunk_text)

    # ------------------------------------------------------------- checks
    @staticmethod
    def _check(bs: Any) -> tuple[np.ndarray, np.ndarray, Trajectory]:
        trunk = getattr(bs, "trunk", None)
        if not isinstance(trunk, Trajectory) or trunk.n_points != 1:
            raise ValueError("branches.trunk must be a Trajectory of one point, "
                             "shape (S+1, 1, *point)")
        times = np.asarray(bs.branch_times, dtype=np.float64).ravel()
        paths = np.asarray(bs.branches, dtype=np.float32)
        point = trunk.point_shape
        if paths.ndim != 3 + len(point) or paths.shape[0] != len(times) or (
                paths.shape[3:] != point):
            dims = ", ".join(map(str, point))
            raise ValueError(f"branches.branches must have shape (B, K, S+1, {dims}) with "
                             f"B = {len(times)} branch times, got {paths.shape}")
        if paths.shape[2] != len(trunk.times) or paths.shape[1] < 1:
            raise ValueError(f"branches.branches must follow the trunk's {len(trunk.times)} "
                             f"times, got shape {paths.shape}")
        if len(times) and not np.all(np.isfinite(times)):
            raise ValueError(f"branch_times must be finite, got {list(times)}")
        return times, paths, trunk

    def _cell_luts(self, cell_colors: Any) -> list[list[np.ndarray]]:
        """The colour look-up table of each cell, ``[B][K] -> (256, 4)``."""
        if cell_colors is None:
            lut = ramp_lut(self.colors)
            return [[lut] * self.n_cols for _ in range(self.n_rows)]
        rows = [list(r) for r in cell_colors]
        if len(rows) != self.n_rows or any(len(r) != self.n_cols for r in rows):
            raise ValueError(f"cell_colors must hold ({self.n_rows}, {self.n_cols}) colours")
        return [[ramp_lut((self.colors[0], c)) for c in r] for r in rows]

    # ------------------------------------------------------------- layout
    def _layout(self, buff: float, trunk_gap: float) -> None:
        """Pixel origins of the cells and the trunk on one transparent canvas."""
        th, tw = self.tile
        self._ppu = th / self.tile_height  # canvas pixels per scene unit
        gap = max(1, round(buff * self._ppu))
        tgap = max(1, round(trunk_gap * self._ppu))
        b, k = self.n_rows, self.n_cols
        height = b * th + (b - 1) * gap
        width = k * tw + (k - 1) * gap + tgap + tw
        ys = np.arange(b) * (th + gap)
        xs = np.arange(k) * (tw + gap)
        self._origins = np.stack(np.meshgrid(ys, xs, indexing="ij"), axis=-1)  # (B, K, 2)
        self._trunk_origin = ((height - th) // 2, width - tw)
        self._canvas = np.zeros((height, width, 4), dtype=np.uint8)
        empty = ramp_lut(self.colors)[0].copy()
        empty[3] = round(empty[3] * self.placeholder_opacity)
        self._placeholder = np.broadcast_to(empty, (th, tw, 4))

    def _to_scene(self, yx: np.ndarray) -> np.ndarray:
        """Scene points of canvas pixel positions ``(..., 2)`` (row, col), ``(..., 3)``."""
        ul, ur, ll = self.image.points[0], self.image.points[1], self.image.points[2]
        h, w = self._canvas.shape[:2]
        v = yx[..., 0:1] / h
        u = yx[..., 1:2] / w
        return ul + u * (ur - ul) + v * (ll - ul)

    def cell_centres(self) -> np.ndarray:
        """Scene points of the cells' centres, ``(B, K, 3)``, wherever the grid is now."""
        return self._to_scene(self._origins + np.array(self.tile) / 2)

    def trunk_centre(self) -> np.ndarray:
        """Scene point of the trunk cell's centre."""
        return self._to_scene(np.array(self._trunk_origin) + np.array(self.tile) / 2)

    def cell_size(self) -> float:
        """Side of a cell in scene units now (after any scaling)."""
        return float(np.linalg.norm(self.image.points[2] - self.image.points[0])
                     * self.tile[0] / self._canvas.shape[0])

    # ------------------------------------------------------------ updates
    def _on_time_source(self, time: TimeLike) -> None:
        """The next refresh redraws."""
        self._key = None

    def visible(self) -> np.ndarray:
        """Which cells show a digit now, ``(B, K)`` bool."""
        self.refresh()
        return self._visible.copy()

    def latents(self) -> np.ndarray:
        """The latents (or images) the cells show now, ``(B, K, *point)`` (NaN in blank cells)."""
        self.refresh()
        return self._shown_latents.copy()

    def tile_rgba(self, b: int, k: int) -> np.ndarray:
        """The RGBA pixels of cell ``(b, k)`` as drawn now, ``(H, W, 4)`` uint8."""
        self.refresh()
        y, x = self._origins[b, k]
        return self._canvas[y : y + self.tile[0], x : x + self.tile[1]].copy()

    def trunk_rgba(self) -> np.ndarray:
        """The RGBA pixels of the trunk's cell as drawn now."""
        self.refresh()
        y, x = self._trunk_origin
        return self._canvas[y : y + self.tile[0], x : x + self.tile[1]].copy()

    @property
    def decode_calls(self) -> int:
        """How many times the grid called ``decode``."""
        return self._decoder.calls

    def refresh(self) -> BranchingGrid:
        """Redraw the cells if the time changed."""
        t = self.get_time()
        if t == self._key:
            return self
        self._key = t
        b, k = self.n_rows, self.n_cols
        on = np.broadcast_to((t >= self.branch_times - _EPS)[:, None], (b, k))
        z = (self._all.at(t) if self.live else self._all.points[-1]).astype(np.float32)
        z_cells = z[:-1].reshape(b, k, *self.point_shape)
        shown = on.reshape(b, k, *([1] * len(self.point_shape)))
        self._shown_latents = np.where(shown, z_cells, np.nan).astype(np.float32)
        decoded = self._decoder(np.concatenate([z_cells[on], z[-1:]]))
        self.images[:] = 0.0
        self.images[on] = decoded[:-1]
        self.trunk_image = decoded[-1]
        th, tw = self.tile
        for i in range(b):
            for j in range(k):
                y, x = self._origins[i, j]
                if on[i, j]:
                    self._canvas[y : y + th, x : x + tw] = self._ink(self.images[i, j],
                                                                      self._luts[i][j])
                else:
                    self._canvas[y : y + th, x : x + tw] = self._placeholder
        y, x = self._trunk_origin
        self._canvas[y : y + th, x : x + tw] = self._ink(self.trunk_image,
                                                         ramp_lut(self.colors))
        self._visible = on.copy()
        self.image.set_rgba(self._canvas.copy())
        return self

    @staticmethod
    def _ink(image: np.ndarray, lut: np.ndarray) -> np.ndarray:
        return lut[np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)]

    # ---------------------------------------------------------- highlight
    def cell_frame(self, b: int, k: int, color: ParsableManimColor = YELLOW,
                   stroke_width: float = 4.0, buff: float = 0.06) -> Rectangle:
        """A new rectangle around cell ``(b, k)`` (not added: animate it in yourself)."""
        if not (0 <= b < self.n_rows and 0 <= k < self.n_cols):
            raise IndexError(f"cell ({b}, {k}) is outside the {self.n_rows} x {self.n_cols} grid")
        side = self.cell_size() + 2 * buff
        return Rectangle(width=side, height=side, color=color,
                         stroke_width=stroke_width).move_to(self.cell_centres()[b, k])

    def trunk_frame(self, color: ParsableManimColor = YELLOW, stroke_width: float = 4.0,
                    buff: float = 0.06) -> Rectangle:
        """A new rectangle around the trunk's cell (not added)."""
        side = self.cell_size() + 2 * buff
        return Rectangle(width=side, height=side, color=color,
                         stroke_width=stroke_width).move_to(self.trunk_centre())

    def highlight(self, b: int, k: int, color: ParsableManimColor = YELLOW,
                  stroke_width: float = 4.0, buff: float = 0.06) -> BranchingGrid:
        """Frame cell ``(b, k)`` (``self.highlight_box``), replacing an earlier frame."""
        box = self.cell_frame(b, k, color, stroke_width, buff)
        self.unhighlight()
        self.highlight_box = box
        self.highlighted = (int(b), int(k))
        self.add(box)
        return self

    def unhighlight(self) -> BranchingGrid:
        """Remove the frame of :meth:`highlight`."""
        if self.highlight_box is not None:
            self.remove(self.highlight_box)
        self.highlight_box = None
        self.highlighted = None
        return self

    def row_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Scene points left of the first cell and right of the last cell of each row."""
        c = self.cell_centres()
        half = self.cell_size() / 2
        return c[:, 0] + LEFT * half, c[:, -1] + RIGHT * half

