"""3D point sets: seeded float32 arrays of N points inside the box [-2.5, 2.5]^3.

:func:`~manim_diffusion.data.datasets.make_dataset` takes their names too
(``make_dataset("spring", 2000, seed=0)``); :data:`DATASETS_3D` lists them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .geometry import BOX, TETRAHEDRON_CENTRES, TETRAHEDRON_STD

__all__ = [
    "DATASETS_3D",
    "LABELLED_3D",
    "SPRING_HEIGHT",
    "SPRING_NOISE",
    "SPRING_RADIUS",
    "SPRING_TURNS",
    "spring_curve",
]

#: The spring: a helix of SPRING_TURNS turns of radius SPRING_RADIUS about the z axis,
#: rising from SPRING_HEIGHT[0] to SPRING_HEIGHT[1], each point jittered by SPRING_NOISE.
SPRING_RADIUS = 1.2
SPRING_TURNS = 4.0
SPRING_HEIGHT = (-1.8, 1.8)
SPRING_NOISE = 0.05

_MOEBIUS_RADIUS, _MOEBIUS_HALF_WIDTH = 1.5, 0.6
_TORUS_RADII = (1.5, 0.5)  # from the axis to the tube's centre, and the tube's
_SURFACE_NOISE = 0.03


def _finish(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    points = points[rng.permutation(len(points))]
    return np.clip(points, -BOX, BOX).astype(np.float32)


def spring_curve(s: np.ndarray | float) -> np.ndarray:
    """Points on the centre line of the ``spring`` data set, at arc fractions ``s``.

    The data set is this helix, drawn uniformly along its length (``s`` uniform in
    [0, 1]) and jittered by :data:`SPRING_NOISE`: a curve to draw behind its samples.

    Parameters
    ----------
    s
        Fractions of the way along the spring, in [0, 1] (0: the bottom end).

    Returns
    -------
    numpy.ndarray
        Shape ``(*s.shape, 3)``, float64.

    Examples
    --------
    The spring's centre line seen from the side (x, z) and from above (x, y), with
    the data set:

    .. manim:: SpringCurveExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, make_dataset
        from manim_diffusion.data.datasets_3d import spring_curve

        class SpringCurveExample(Scene):
            def construct(self):
                data = make_dataset("spring", 2000, seed=0)
                line = spring_curve(np.linspace(0, 1, 400))
                for side, (i, j), title in [(LEFT, (0, 2), "side: x, z"),
                                            (RIGHT, (0, 1), "top: x, y")]:
                    axes = Axes(x_range=[-2.5, 2.5], y_range=[-2.5, 2.5], x_length=5.5,
                                y_length=5.5, tips=False).shift(3.4 * side + 0.3 * DOWN)
                    curve = VMobject(color=YELLOW, stroke_width=2).set_points_as_corners(
                        [axes.c2p(p[i], p[j]) for p in line])
                    self.add(axes, DistributionCloud(data[:, [i, j]], axes=axes,
                                                     radius=0.015), curve,
                             Text(title, font_size=26).next_to(axes, UP))
    """
    s = np.asarray(s, dtype=np.float64)
    angle = 2 * np.pi * SPRING_TURNS * s
    low, high = SPRING_HEIGHT
    return np.stack(
        [SPRING_RADIUS * np.cos(angle), SPRING_RADIUS * np.sin(angle), low + (high - low) * s],
        axis=-1,
    )


def spring(n: int, seed: int = 0) -> np.ndarray:
    """A coil spring: a helix of four turns about the z axis (see :func:`spring_curve`)."""
    rng = np.random.default_rng(seed)
    pts = spring_curve(rng.uniform(0, 1, n))
    return _finish(pts + rng.normal(0, SPRING_NOISE, pts.shape), rng)


def _on_surface(
    n: int,
    rng: np.random.Generator,
    embed: Callable[[np.ndarray, np.ndarray], np.ndarray],
    area: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ranges: tuple[tuple[float, float], tuple[float, float]],
) -> np.ndarray:
    """``n`` points uniform on the surface ``embed(u, v)``, by rejection on its area
    element ``area(u, v)`` (the parameters drawn uniformly in ``ranges``)."""
    (u0, u1), (v0, v1) = ranges
    uu, vv = np.linspace(u0, u1, 64), np.linspace(v0, v1, 64)
    top = 1.05 * float(area(*np.meshgrid(uu, vv)).max())
    kept: list[np.ndarray] = []
    while sum(len(k) for k in kept) < n:
        u, v = rng.uniform(u0, u1, 2 * n), rng.uniform(v0, v1, 2 * n)
        keep = rng.uniform(0, top, 2 * n) < area(u, v)
        kept.append(embed(u[keep], v[keep]))
    return np.concatenate(kept)[:n]


def _moebius_embed(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    r = _MOEBIUS_RADIUS + v * np.cos(u / 2)
    return np.stack([r * np.cos(u), r * np.sin(u), v * np.sin(u / 2)], axis=-1)


def _moebius_area(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.sqrt((_MOEBIUS_RADIUS + v * np.cos(u / 2)) ** 2 + v**2 / 4)


def moebius(n: int, seed: int = 0) -> np.ndarray:
    """A Moebius strip of radius 1.5 and width 1.2 about the z axis, uniform on its area."""
    rng = np.random.default_rng(seed)
    w = _MOEBIUS_HALF_WIDTH
    pts = _on_surface(n, rng, _moebius_embed, _moebius_area, ((0, 2 * np.pi), (-w, w)))
    return _finish(pts + rng.normal(0, _SURFACE_NOISE, pts.shape), rng)


def _torus_embed(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    big, small = _TORUS_RADII
    r = big + small * np.cos(v)
    return np.stack([r * np.cos(u), r * np.sin(u), small * np.sin(v)], axis=-1)


def _torus_area(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    big, small = _TORUS_RADII
    return np.broadcast_to(big + small * np.cos(v), np.broadcast(u, v).shape)


def torus(n: int, seed: int = 0) -> np.ndarray:
    """The surface of a torus (radii 1.5 and 0.5) about the z axis, uniform on its area."""
    rng = np.random.default_rng(seed)
    pts = _on_surface(n, rng, _torus_embed, _torus_area, ((0, 2 * np.pi), (0, 2 * np.pi)))
    return _finish(pts + rng.normal(0, _SURFACE_NOISE, pts.shape), rng)


def swiss_roll_3d(n: int, seed: int = 0) -> np.ndarray:
    """The 2D ``swiss_roll`` spiral in the (x, y) plane, extruded along z over [-1.5, 1.5]."""
    rng = np.random.default_rng(seed)
    r = 1.5 * np.pi * (1 + 2 * rng.uniform(0, 1, n))  # the spiral of datasets.swiss_roll
    pts = np.c_[r * np.cos(r) / 6.5, r * np.sin(r) / 6.5, rng.uniform(-1.5, 1.5, n)]
    pts[:, :2] += rng.normal(0, 0.05, (n, 2))
    return _finish(pts, rng)


def _gaussian_mixture_3d(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(TETRAHEDRON_CENTRES), n)
    pts = TETRAHEDRON_CENTRES[labels] + rng.normal(0, TETRAHEDRON_STD, (n, 3))
    return np.clip(pts, -BOX, BOX).astype(np.float32), labels.astype(np.int64)


def gaussian_mixture_3d(n: int, seed: int = 0) -> np.ndarray:
    """Four Gaussian blobs at the vertices of a tetrahedron (labels 0-3; its exact
    mixture is :meth:`~manim_diffusion.densities.mixture.GaussianMixture.tetrahedron`)."""
    return _gaussian_mixture_3d(n, seed)[0]


#: The 3D data sets by name; :func:`~manim_diffusion.data.datasets.make_dataset` takes them.
DATASETS_3D: dict[str, Callable[[int, int], np.ndarray]] = {
    "spring": spring,
    "moebius": moebius,
    "swiss_roll_3d": swiss_roll_3d,
    "torus": torus,
    "gaussian_mixture_3d": gaussian_mixture_3d,
}

#: The 3D data sets that come with class labels.
LABELLED_3D: dict[str, Callable[[int, int], tuple[np.ndarray, np.ndarray]]] = {
    "gaussian_mixture_3d": _gaussian_mixture_3d,
}
