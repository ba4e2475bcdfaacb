"""Grid lines: a lattice of starting points drawn as lines, for the flow map to carry."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["FLOW_MAP_MEMORY", "GridLines", "check_size", "grid_lines", "human_bytes"]

#: The most bytes a grid or a flow map may hold by default (1 GiB): a 7 x 7 grid of
#: 2D lines over 50 steps holds about 1 MiB, so this stops only a mistake.
FLOW_MAP_MEMORY = 2**30


def human_bytes(size: float) -> str:
    """``size`` bytes as ``"1.5 GiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    raise AssertionError  # pragma: no cover - the loop returns


def check_size(size: int, what: str, fix: str, max_memory: int | None) -> None:
    """Refuse, in one line, ``size`` bytes over ``max_memory`` (FLOW_MAP_MEMORY by default)."""
    limit = FLOW_MAP_MEMORY if max_memory is None else max_memory
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"max_memory must be a positive number of bytes, got {max_memory!r}")
    if size > limit:
        raise ValueError(f"{what} would take {human_bytes(size)}, over the {human_bytes(limit)} "
                         f"limit (max_memory=): {fix}")


@dataclass(frozen=True)
class GridLines:
    """A lattice of ``n_lines`` nodes per axis, drawn as lines through the nodes.

    In D dimensions there are ``D * n_lines**(D-1)`` lines: through every node of the
    other axes, one line along each axis (in 2D, ``n_lines`` lines along x, then
    ``n_lines`` along y). Each line has ``points_per_line`` points, evenly spaced, and
    every ``per_cell``-th of them is a node, so the nodes lie on the lines.

    Parameters
    ----------
    points
        Shape ``(L, P, D)``: the points of each line (``L`` lines of ``P`` points).
    axis
        Shape ``(L,)``: the lattice axis each line runs along (0 first, then 1, ...).
    n_lines
        Nodes (and lines) per axis.
    per_cell
        Points per cell along a line: node ``k`` of a line is its point ``k * per_cell``.
    origin
        Shape ``(D,)``: the node with index ``(0, ..., 0)``.
    edges
        Shape ``(D, D)``: row ``a`` is the vector from the first node to the last along
        lattice axis ``a`` (a box rotated by ``angle`` has rotated edges).

    Examples
    --------
    .. manim:: GridLinesExample
        :save_last_frame:

        from manim_diffusion.analysis.grid_lines import grid_lines

        class GridLinesExample(Scene):
            def construct(self):
                grid = grid_lines(2.0, n_lines=5, points_per_line=33, angle=0.3)
                lines = VGroup(*(VMobject().set_points_as_corners(
                    np.c_[line, np.zeros(len(line))]) for line in grid.points))
                nodes = VGroup(*(Dot(np.r_[p, 0], radius=0.06, color=YELLOW)
                                 for p in grid.nodes().reshape(-1, 2)))
                self.add(lines, nodes, Text(f"{len(grid.points)} lines, "
                                            f"{grid.n_lines}x{grid.n_lines} nodes",
                                            font_size=26).to_corner(UL))
    """

    points: np.ndarray
    axis: np.ndarray
    n_lines: int
    per_cell: int
    origin: np.ndarray
    edges: np.ndarray

    @property
    def dim(self) -> int:
        """The dimension D of the points."""
        return int(self.points.shape[-1])

    @property
    def points_per_line(self) -> int:
        """Points per line, ``P``."""
        return int(self.points.shape[1])

    def node_index(self) -> np.ndarray:
        """Where each node lies in the flattened ``(L * P)`` points: shape ``(n,) * D``.

        Node ``(i_0, ..., i_{D-1})`` is taken from the line along axis 0 through it.
        """
        n, d = self.n_lines, self.dim
        idx = np.indices((n,) * d)
        line = np.ravel_multi_index(tuple(idx[1:]), (n,) * (d - 1)) if d > 1 else 0
        return np.asarray(line * self.points_per_line + idx[0] * self.per_cell)

    def nodes(self, curves: np.ndarray | None = None) -> np.ndarray:
        """The lattice nodes of ``curves`` (this grid's points by default).

        ``curves`` has shape ``(..., L, P, D)``, e.g. the flow map's points at some t;
        returns shape ``(..., n, ..., n, D)``, indexed by the nodes' lattice indices.
        """
        data = self.points if curves is None else np.asarray(curves)
        lead = data.shape[:-3]
        flat = data.reshape(*lead, -1, data.shape[-1])
        return np.take(flat, self.node_index(), axis=-2)


def _box(bounds: float | Sequence[Sequence[float]], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper corners from an extent (a cube) or one (low, high) per axis."""
    if isinstance(bounds, int | float | np.integer | np.floating):
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        if not (math.isfinite(float(bounds)) and float(bounds) > 0):
            raise ValueError(f"an extent must be a positive number, got {bounds!r}")
        return np.full(dim, -float(bounds)), np.full(dim, float(bounds))
    box = np.asarray(bounds, dtype=np.float64)
    if box.ndim != 2 or box.shape[1] != 2 or len(box) < 1:
        raise ValueError("bounds must be an extent (a number) or one (low, high) pair per "
                         f"axis, e.g. [(-3, 3), (-2, 2)]; got shape {box.shape}")
    if not (np.isfinite(box).all() and (box[:, 1] > box[:, 0]).all()):
        raise ValueError("bounds must be finite, each high above its low")
    return box[:, 0], box[:, 1]


def _rotation(angle: float, rotation: np.ndarray | None, dim: int) -> np.ndarray:
    """The grid's rotation matrix (applied about the box's centre)."""
    if rotation is not None:
        rot = np.asarray(rotation, dtype=np.float64)
        if rot.shape != (dim, dim) or not np.allclose(rot @ rot.T, np.eye(dim), atol=1e-9):
            raise ValueError(f"rotation must be an orthonormal ({dim}, {dim}) matrix")
        return rot
    if angle and dim != 2:
        raise ValueError(f"angle rotates a 2D grid; give rotation= (a {dim}x{dim} matrix)")
    c, s = math.cos(float(angle)), math.sin(float(angle))
    return np.array([[c, -s], [s, c]]) if dim == 2 else np.eye(dim)


def grid_lines(
    bounds: float | Sequence[Sequence[float]] = 2.5,
    n_lines: int = 7,
    points_per_line: int = 97,
    *,
    dim: int = 2,
    angle: float = 0.0,
    rotation: np.ndarray | None = None,
    max_memory: int | None = None,
) -> GridLines:
    """A grid of lines over a box: ``n_lines`` per axis, sampled densely, nodes on them.

    Parameters
    ----------
    bounds
        A number ``e`` (the cube ``[-e, e]`` in ``dim`` dimensions), or one
        ``(low, high)`` pair per axis.
    n_lines
        Lines (and nodes) per axis, at least 2: 7 gives Diffusion Explorer's 7 x 7 mesh.
    points_per_line
        Points along each line; rounded up so that a point falls on every node
        (to ``per_cell * (n_lines - 1) + 1``).
    dim
        The dimension when ``bounds`` is a number.
    angle
        Turn a 2D grid by this many radians about the box's centre.
    rotation
        Or an orthonormal ``(D, D)`` matrix turning the grid about the box's centre.
    max_memory
        The most bytes the grid may take (float64); :data:`FLOW_MAP_MEMORY` by default.

    Returns
    -------
    GridLines
        The lines ``points`` of shape ``(D * n_lines**(D-1), P, D)`` and their nodes.

    Examples
    --------
    .. manim:: GridLinesFunctionExample
        :save_last_frame:

        from manim_diffusion.analysis.grid_lines import grid_lines

        class GridLinesFunctionExample(Scene):
            def construct(self):
                grid = grid_lines([(-3, 3), (-2, 2)], n_lines=7, angle=0.2)
                self.add(*(VMobject(color=BLUE).set_points_smoothly(
                    np.c_[line, np.zeros(len(line))]) for line in grid.points))
    """
    lo, hi = _box(bounds, dim)
    d = len(lo)
    for name, value, least in (("n_lines", n_lines, 2), ("points_per_line", points_per_line, 2)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"{name} must be an integer of at least {least}, got {value!r}")
    n = int(n_lines)
    per_cell = max(1, math.ceil((int(points_per_line) - 1) / (n - 1)))
    p = per_cell * (n - 1) + 1
    n_curves = d * n ** (d - 1)
    check_size(n_curves * p * d * 8, f"a grid of {n_curves:,} lines x {p:,} points "
               f"({n_curves * p:,} points of {d} values, float64)",
               "lower n_lines or points_per_line", max_memory)
    rot = _rotation(angle, rotation, d)
    edges = np.diag(hi - lo) @ rot.T  # row a: the box's edge along axis a, turned
    origin = (lo + hi) / 2 - edges.sum(axis=0) / 2
    u_line = np.linspace(0.0, 1.0, p)
    u_node = np.linspace(0.0, 1.0, n)
    blocks, axes = [], []
    for a in range(d):
        others = [b for b in range(d) if b != a]
        fixed = (np.stack(np.meshgrid(*([u_node] * (d - 1)), indexing="ij"), -1)
                 .reshape(-1, d - 1) if d > 1 else np.zeros((1, 0)))
        u = np.zeros((len(fixed), p, d))
        u[:, :, a] = u_line
        u[:, :, others] = fixed[:, None, :]
        blocks.append(origin + u @ edges)
        axes.append(np.full(len(fixed), a))
    return GridLines(points=np.concatenate(blocks), axis=np.concatenate(axes), n_lines=n,
                     per_cell=per_cell, origin=origin, edges=edges)
