"""Points of many dimensions (images) seen on a plane: two fixed orthonormal directions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.trajectory import Trajectory

__all__ = ["PlaneProjection"]


@dataclass(frozen=True)
class PlaneProjection:
    """A plane through ``centre`` spanned by two orthonormal ``directions``.

    An image of ``D`` pixels is one point of a D-dimensional space; its sampling path
    is a path there. Seen through this plane (``(x - centre) . directions``) the
    paths of many images become 2D paths again, drawn by the same cloud and tracer as
    the 2D data sets. :meth:`random` takes a random plane, :meth:`pca` the plane of
    the data's two largest variances.

    Parameters
    ----------
    directions
        ``(2, D)`` orthonormal rows.
    centre
        ``(D,)``, the point the plane's origin sits at.
    kind
        ``"random"``, ``"pca"`` or a name of the caller's choosing.

    Examples
    --------
    Sampling paths of 60 digits in pixel space, seen on the data's PCA plane:

    .. manim:: PlaneProjectionExample
        :save_last_frame:

        from manim_diffusion import (DistributionCloud, PlaneProjection, TrajectoryTracer,
                                     load_pixel_mnist)

        class PlaneProjectionExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                run = kit.sample(labels=np.arange(60) % 10, steps=15, seed=0)
                plane = PlaneProjection.pca(kit.to_model(kit.digits))
                flat = plane.trajectory(run)  # (16, 60, 2): a 2D run
                lo, hi = flat.bounds(margin=1.0)
                axes = Axes(x_range=[lo[0], hi[0]], y_range=[lo[1], hi[1]], x_length=7,
                            y_length=7, tips=False)
                self.add(axes, TrajectoryTracer(flat, time=1.0, axes=axes, n_paths=40,
                                                stroke_width=1),
                         DistributionCloud(flat, time=1.0, axes=axes, radius=0.03))
    """

    directions: np.ndarray
    centre: np.ndarray
    kind: str = ""

    def __post_init__(self) -> None:
        d = np.asarray(self.directions, dtype=np.float64)
        c = np.asarray(self.centre, dtype=np.float64).ravel()
        if d.ndim != 2 or d.shape[0] != 2 or d.shape[1] != c.size:
            raise ValueError(f"directions must be (2, D) and centre (D,), got {d.shape} "
                             f"and {c.shape}")
        if not np.allclose(d @ d.T, np.eye(2), atol=1e-6):
            raise ValueError("directions must be orthonormal")
        object.__setattr__(self, "directions", d)
        object.__setattr__(self, "centre", c)

    @property
    def dim(self) -> int:
        """D, the dimension of the points projected."""
        return int(self.centre.size)

    @classmethod
    def random(cls, shape: int | tuple[int, ...], seed: int = 0,
               centre: np.ndarray | None = None) -> PlaneProjection:
        """A random plane through ``centre`` (the origin by default) for points of ``shape``."""
        dim = int(np.prod(shape))
        if dim < 2:
            raise ValueError(f"a plane needs points of at least 2 values, got shape {shape}")
        q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, 2)))
        c = np.zeros(dim) if centre is None else np.asarray(centre, np.float64).ravel()
        return cls(q.T, c, "random")

    @classmethod
    def pca(cls, data: np.ndarray) -> PlaneProjection:
        """The plane of ``data``'s two largest variances, through its mean (``(N, *shape)``)."""
        x = np.asarray(data, dtype=np.float64).reshape(len(data), -1)
        if len(x) < 3:
            raise ValueError(f"PCA needs at least 3 points, got {len(x)}")
        mean = x.mean(0)
        _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
        return cls(vt[:2], mean, "pca")

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Points ``(..., *shape)`` on the plane, ``(..., 2)``."""
        arr = np.asarray(points, dtype=np.float64)
        lead = self._lead(arr)
        flat = arr.reshape(*lead, self.dim)
        return ((flat - self.centre) @ self.directions.T).astype(np.float32)

    def _lead(self, arr: np.ndarray) -> tuple[int, ...]:
        """The leading axes of ``arr``: the trailing ones hold one point's D values."""
        for k in range(arr.ndim):
            if int(np.prod(arr.shape[k:])) == self.dim:
                return tuple(arr.shape[:k])
        raise ValueError(f"points of {self.dim} values expected, got shape {arr.shape}")

    def trajectory(self, run: Trajectory) -> Trajectory:
        """A run of images seen on the plane: a 2D run of the same times and labels."""
        if run.dim != self.dim:
            raise ValueError(f"the run's points have {run.dim} values, the plane {self.dim}")
        return Trajectory(
            times=run.times, points=self(run.points), steps=run.steps,
            predictions=None if run.predictions is None else self(run.predictions),
            labels=run.labels, sampler=run.sampler, nfe=run.nfe,
            meta={**run.meta, "projection": self.kind},
        )
