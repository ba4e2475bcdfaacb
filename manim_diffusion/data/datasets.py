"""2D point sets: seeded float32 arrays of N points inside the box [-2.5, 2.5]^2.

:func:`make_dataset` also makes the 3D sets of :mod:`.datasets_3d` (:data:`DATASETS_3D`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, overload

import numpy as np

from .datasets_3d import DATASETS_3D, LABELLED_3D
from .geometry import (
    BOX,
    EYE_CENTRES,
    EYE_RADIUS,
    FACE_RADIUS,
    MOUTH_ANGLES,
    MOUTH_CENTRE,
    MOUTH_RADIUS,
    SMILEY_NOISE,
    SMILEY_SHARES,
    THREE_DOTS_CENTRES,
    THREE_DOTS_STD,
)

__all__ = ["DATASETS", "DATASETS_3D", "LABELLED", "make_dataset", "dataset_names"]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _finish(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    points = points[rng.permutation(len(points))]
    return np.clip(points, -BOX, BOX).astype(np.float32)


def _split(n: int, shares: list[float]) -> list[int]:
    counts = [int(n * s) for s in shares]
    counts[0] += n - sum(counts)
    return counts


def smiley(n: int, seed: int = 0) -> np.ndarray:
    """A smiley face: outline circle, two eyes and a smiling mouth (see :mod:`.geometry`)."""
    rng = _rng(seed)
    n_face, n_left, n_right, n_mouth = _split(n, list(SMILEY_SHARES))
    a = rng.uniform(0, 2 * np.pi, n_face)
    face = FACE_RADIUS * np.c_[np.cos(a), np.sin(a)]
    eyes = [
        np.array(centre) + EYE_RADIUS * np.sqrt(rng.uniform(0, 1, (k, 1)))
        * np.c_[np.cos(b := rng.uniform(0, 2 * np.pi, k)), np.sin(b)]
        for centre, k in zip(EYE_CENTRES, (n_left, n_right), strict=True)
    ]
    m = rng.uniform(*MOUTH_ANGLES, n_mouth)
    mx, my = MOUTH_CENTRE
    mouth = np.c_[mx + MOUTH_RADIUS * np.cos(m), my + MOUTH_RADIUS * np.sin(m)]
    pts = np.concatenate([face, *eyes, mouth])
    return _finish(pts + rng.normal(0, SMILEY_NOISE, pts.shape), rng)


def _three_dots(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = _rng(seed)
    labels = rng.integers(0, 3, n)
    pts = THREE_DOTS_CENTRES[labels] + rng.normal(0, THREE_DOTS_STD, (n, 2))
    return np.clip(pts, -BOX, BOX).astype(np.float32), labels.astype(np.int64)


def three_dots(n: int, seed: int = 0) -> np.ndarray:
    """Three Gaussian blobs at the corners of a triangle (labels 0, 1, 2)."""
    return _three_dots(n, seed)[0]


def two_moons(n: int, seed: int = 0) -> np.ndarray:
    """Two interleaved half circles."""
    rng = _rng(seed)
    k1, k2 = _split(n, [0.5, 0.5])
    a, b = rng.uniform(0, np.pi, k1), rng.uniform(0, np.pi, k2)
    upper = np.c_[np.cos(a), np.sin(a)]
    lower = np.c_[1 - np.cos(b), 0.5 - np.sin(b)]
    pts = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 1.6
    return _finish(pts + rng.normal(0, 0.06, pts.shape), rng)


def swiss_roll(n: int, seed: int = 0) -> np.ndarray:
    """A 2D swiss roll (a spiral band)."""
    rng = _rng(seed)
    r = 1.5 * np.pi * (1 + 2 * rng.uniform(0, 1, n))
    pts = np.c_[r * np.cos(r), r * np.sin(r)] / 6.5
    return _finish(pts + rng.normal(0, 0.05, pts.shape), rng)


def checkerboard(n: int, seed: int = 0) -> np.ndarray:
    """Uniform points on the dark squares of a 4x4 checkerboard."""
    rng = _rng(seed)
    cells = np.array([(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0])
    pick = cells[rng.integers(0, len(cells), n)]
    pts = (pick + rng.uniform(0, 1, (n, 2))) - 2.0
    return _finish(pts, rng)


def rings(n: int, seed: int = 0) -> np.ndarray:
    """Two concentric rings."""
    rng = _rng(seed)
    k1, k2 = _split(n, [0.6, 0.4])
    radius = np.r_[np.full(k1, 1.8), np.full(k2, 0.8)]
    a = rng.uniform(0, 2 * np.pi, n)
    pts = radius[:, None] * np.c_[np.cos(a), np.sin(a)]
    return _finish(pts + rng.normal(0, 0.05, pts.shape), rng)


def spiral(n: int, seed: int = 0) -> np.ndarray:
    """A single thin Archimedean spiral arm."""
    rng = _rng(seed)
    s = np.sqrt(rng.uniform(0, 1, n))
    a = 4 * np.pi * s
    pts = 2.0 * s[:, None] * np.c_[np.cos(a), np.sin(a)]
    return _finish(pts + rng.normal(0, 0.04, pts.shape), rng)


def gaussian_mixture(n: int, seed: int = 0) -> np.ndarray:
    """Eight small Gaussians evenly spaced on a circle of radius 1.8."""
    rng = _rng(seed)
    angles = 2 * np.pi * np.arange(8) / 8
    centres = 1.8 * np.c_[np.cos(angles), np.sin(angles)]
    pts = centres[rng.integers(0, 8, n)] + rng.normal(0, 0.12, (n, 2))
    return _finish(pts, rng)


DATASETS: dict[str, Callable[[int, int], np.ndarray]] = {
    "smiley": smiley,
    "three_dots": three_dots,
    "two_moons": two_moons,
    "swiss_roll": swiss_roll,
    "checkerboard": checkerboard,
    "rings": rings,
    "spiral": spiral,
    "gaussian_mixture": gaussian_mixture,
}

#: Data sets that come with class labels (2D and 3D).
LABELLED: dict[str, Callable[[int, int], tuple[np.ndarray, np.ndarray]]] = {
    "three_dots": _three_dots,
    **LABELLED_3D,
}

_BY_DIM = {2: DATASETS, 3: DATASETS_3D}


def dataset_names(dim: int | None = 2) -> list[str]:
    """Names accepted by :func:`make_dataset`: the 2D sets by default.

    Parameters
    ----------
    dim
        2 for the 2D sets of :data:`DATASETS`, 3 for the 3D sets of
        :data:`DATASETS_3D`, None for both (2D first).

    Examples
    --------
    .. manim:: DatasetNamesExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, dataset_names, make_dataset

        class DatasetNamesExample(Scene):
            def construct(self):
                for i, name in enumerate(dataset_names()):
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=2.8,
                                y_length=2.8).set_opacity(0)
                    axes.move_to([(i % 4 - 1.5) * 3.3, 1.9 - (i // 4) * 3.6, 0])
                    self.add(DistributionCloud(make_dataset(name, 1000, seed=0), axes=axes,
                                               radius=0.012),
                             Text(name, font_size=22).next_to(axes, UP, buff=0.05))
    """
    if dim is None:
        return [*DATASETS, *DATASETS_3D]
    if dim not in _BY_DIM:
        raise ValueError(f"dim must be 2, 3 or None (every set), got {dim!r}")
    return list(_BY_DIM[dim])


@overload
def make_dataset(
    name: str, n: int, seed: int = ..., with_labels: Literal[False] = ...
) -> np.ndarray: ...
@overload
def make_dataset(
    name: str, n: int, seed: int = ..., *, with_labels: Literal[True]
) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def make_dataset(
    name: str, n: int, seed: int = ..., with_labels: bool = ...
) -> np.ndarray | tuple[np.ndarray, np.ndarray]: ...
def make_dataset(
    name: str, n: int, seed: int = 0, with_labels: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``n`` points of the data set ``name``, as float32 of shape ``(n, D)``.

    ``D`` is 2 for the sets of :data:`DATASETS` and 3 for those of :data:`DATASETS_3D`.

    Parameters
    ----------
    name
        One of :data:`DATASETS` or :data:`DATASETS_3D` (see :func:`dataset_names`).
    n
        Number of points, at least 1.
    seed
        Seed of the generator: the same seed gives the same points.
    with_labels
        Also return integer class labels (only for :data:`LABELLED` sets).

    Examples
    --------
    The smiley, and the three dots coloured by their labels:

    .. manim:: MakeDatasetExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, make_dataset

        class MakeDatasetExample(Scene):
            def construct(self):
                smiley = make_dataset("smiley", 2000, seed=0)
                dots, labels = make_dataset("three_dots", 2000, seed=0, with_labels=True)
                for points, side, labelled in [(smiley, LEFT, None), (dots, RIGHT, labels)]:
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6)
                    axes.shift(3.4 * side).set_opacity(0)
                    self.add(DistributionCloud(points, axes=axes, radius=0.02,
                                               labels=labelled))
    """
    makers = {**DATASETS, **DATASETS_3D}
    if not isinstance(name, str) or name not in makers:
        raise ValueError(
            f"unknown data set {name!r}; choose one of: {', '.join(DATASETS)} (2D); "
            f"{', '.join(DATASETS_3D)} (3D)"
        )
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"the number of points must be a positive integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if with_labels:
        if name not in LABELLED:
            raise ValueError(
                f"data set {name!r} has no labels; labelled sets: {', '.join(LABELLED)}"
            )
        return LABELLED[name](int(n), seed)
    return makers[name](int(n), seed)
