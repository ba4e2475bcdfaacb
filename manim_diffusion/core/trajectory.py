"""The Trajectory record: one sampling run, in library time (0 = noise, 1 = data)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Trajectory"]


@dataclass
class Trajectory:
    """Points of a sampling run at every step, in library time.

    Parameters
    ----------
    times
        Shape ``(S+1,)``, rising from 0 (pure noise) to 1 (data).
    points
        Shape ``(S+1, N, D)``: the N samples after each of the S steps
        (``points[0]`` is the starting noise); or ``(S+1, N, *shape)`` for points of
        any shape, e.g. ``(S+1, N, 1, 28, 28)`` for images.
    steps
        Shape ``(S+1,)``: the sampler's own time label of each row, e.g. DDPM's
        integer step ``T .. 0`` or a noise level sigma. Defaults to ``times``.
    predictions
        Optional, shape ``(S+1, N, D)``: the model's estimate of the clean point
        (x0-hat) made at each row's time; the last row repeats the final points.
    labels
        Optional, shape ``(N,)`` integer class labels (conditional sampling).
    sampler
        Name of the sampler that made the run.
    nfe
        Number of network evaluations the run spent.
    meta
        Free-form string metadata (checkpoint hash, seed, ...).
    extras
        Optional named arrays that follow the points, each of shape ``(S+1, N, ...)``
        (a value at every row) or ``(S, N, ...)`` (what happened over each step, from
        row ``i`` to row ``i+1``, e.g. a Langevin walk's gradient steps and noise
        kicks). :meth:`subset` keeps the chosen points of each; :meth:`thin` keeps the
        rows of a per-row array and sums the steps it merges of a per-step one.

    Examples
    --------
    A hand-made run: noise turning as it moves onto a ring, its start (grey), its end
    (blue) and the paths of a few points:

    .. manim:: TrajectoryExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, Trajectory, TrajectoryTracer

        class TrajectoryExample(Scene):
            def construct(self):
                rng = np.random.default_rng(0)
                angle = rng.uniform(0, 2 * np.pi, 1000)
                ring = 2.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
                s = np.linspace(0, 1, 31)[:, None]  # 31 times, as a column
                mix = (1 - s[..., None]) * rng.normal(size=(1000, 2)) + s[..., None] * ring
                turn = 2 * (1 - s)  # each point turns as it goes
                points = np.stack([np.cos(turn) * mix[..., 0] - np.sin(turn) * mix[..., 1],
                                   np.sin(turn) * mix[..., 0] + np.cos(turn) * mix[..., 1]], -1)
                traj = Trajectory(times=s[:, 0], points=points)
                self.add(DistributionCloud(traj.at(0.0), color=GREY_B, radius=0.02),
                         TrajectoryTracer(traj, time=1.0, n_paths=30),
                         DistributionCloud(traj, time=1.0, radius=0.03))
    """

    times: np.ndarray
    points: np.ndarray
    steps: np.ndarray | None = None
    predictions: np.ndarray | None = None
    labels: np.ndarray | None = None
    sampler: str = ""
    nfe: int = 0
    meta: dict[str, str] = field(default_factory=dict)
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.times = np.asarray(self.times, dtype=np.float64)
        self.points = np.asarray(self.points, dtype=np.float32)
        if self.times.ndim != 1 or len(self.times) < 1:
            raise ValueError(f"times must have shape (S+1,), got {self.times.shape}")
        if self.points.ndim < 3 or self.points.shape[0] != len(self.times):
            raise ValueError(
                f"points must have shape (S+1, N, D) = ({len(self.times)}, N, D), or "
                f"(S+1, N, *shape) for points of any shape; got {self.points.shape}"
            )
        if not np.isfinite(self.times).all():
            raise ValueError("times have NaN or infinite values")
        if np.any(np.diff(self.times) < 0):
            raise ValueError("times must rise from 0 (noise) to 1 (data)")
        if self.times[0] < 0 or self.times[-1] > 1:
            raise ValueError(
                f"times must lie in [0, 1], got [{self.times[0]}, {self.times[-1]}]"
            )
        self.steps = self.times.copy() if self.steps is None else np.asarray(self.steps)
        if self.steps.shape != self.times.shape:
            raise ValueError(f"steps must have shape {self.times.shape}, got {self.steps.shape}")
        if self.predictions is not None:
            self.predictions = np.asarray(self.predictions, dtype=np.float32)
            if self.predictions.shape != self.points.shape:
                raise ValueError(
                    f"predictions must have shape {self.points.shape}, "
                    f"got {self.predictions.shape}"
                )
        if self.labels is not None:
            self.labels = np.asarray(self.labels, dtype=np.int64)
            if self.labels.shape != (self.n_points,):
                raise ValueError(
                    f"labels must have shape ({self.n_points},), got {self.labels.shape}"
                )
        self.extras = {str(k): np.asarray(v) for k, v in self.extras.items()}
        for name, arr in self.extras.items():
            if arr.ndim < 2 or arr.shape[0] not in (self.n_steps, self.n_steps + 1) or (
                arr.shape[1] != self.n_points
            ):
                raise ValueError(
                    f"extra array {name!r} must have shape (S+1, N, ...) or (S, N, ...) with "
                    f"S = {self.n_steps}, N = {self.n_points}; got {arr.shape}"
                )

    @property
    def n_steps(self) -> int:
        """Number of sampler steps S."""
        return len(self.times) - 1

    @property
    def n_points(self) -> int:
        """Number of samples N."""
        return self.points.shape[1]

    @property
    def dim(self) -> int:
        """Dimension D of each point (for an image, its number of values C H W)."""
        return int(np.prod(self.points.shape[2:]))

    @property
    def point_shape(self) -> tuple[int, ...]:
        """The shape of one point: ``(D,)``, or ``(C, H, W)`` for an image."""
        return tuple(self.points.shape[2:])

    @property
    def final(self) -> np.ndarray:
        """The samples at the end of the run, shape ``(N, D)``."""
        return self.points[-1]

    def _locate(self, t: float) -> tuple[int, float]:
        """Row index ``i`` and weight ``w`` so that t lies ``w`` of the way to row i+1."""
        try:
            t = float(t)
        except (TypeError, ValueError):
            raise TypeError(f"t must be a number (library time), got {t!r}") from None
        if not np.isfinite(t):
            raise ValueError(f"t must be a finite number in [0, 1], got {t}")
        t = min(max(t, float(self.times[0])), float(self.times[-1]))
        if self.n_steps == 0:
            return 0, 0.0
        i = int(np.searchsorted(self.times, t, side="right")) - 1
        if i >= self.n_steps:  # at the end: the last row, even when times repeat there
            return self.n_steps, 0.0
        i = max(i, 0)
        span = self.times[i + 1] - self.times[i]
        w = 0.0 if span <= 0 else (t - self.times[i]) / span
        return i, float(min(max(w, 0.0), 1.0))

    def at(self, t: float, array: str = "points") -> np.ndarray:
        """The points (or predictions) at library time ``t``, interpolated linearly.

        ``t`` outside the run's span is clamped to its ends, so a time tracker may
        overshoot safely. Returns shape ``(N, D)``.
        """
        data = self.points if array == "points" else self.predictions
        if data is None:
            raise ValueError(f"this trajectory has no {array!r}")
        i, w = self._locate(t)
        if w == 0.0:
            return data[i].copy()
        return (1.0 - w) * data[i] + w * data[i + 1]

    def path_until(self, t: float, indices: np.ndarray | None = None) -> np.ndarray:
        """Rows of the path up to time ``t``, the last one interpolated at ``t``.

        Returns shape ``(k, M, D)`` for the chosen point ``indices`` (all by default).
        """
        idx = slice(None) if indices is None else np.asarray(indices)
        i, w = self._locate(t)
        head = self.points[: i + 1, idx]
        if w == 0.0:
            return head
        tip = (1.0 - w) * self.points[i, idx] + w * self.points[i + 1, idx]
        return np.concatenate([head, tip[None]], axis=0)

    def predicted(self) -> Trajectory:
        """The run of the model's guesses: x0-hat at every row as the points.

        What a denoiser predicts of the data from each noisy point at each time (by
        Tweedie's formula, the mean of the data given that point): at pure noise every
        guess is near the data's mean; the guesses sharpen into the data's shape before
        the samples do. Give it to a cloud to draw it beside the samples.

        Returns
        -------
        Trajectory
            Same times, steps and labels; ``points`` are this run's ``predictions``.

        Examples
        --------
        .. manim:: PredictedExample
            :save_last_frame:

            from manim_diffusion import DistributionCloud, load_pretrained, sample

            class PredictedExample(Scene):
                def construct(self):
                    run = sample(load_pretrained("smiley_ddpm"), "ddim", 50, n=1500,
                                 seed=0)
                    left = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5,
                                y_length=5).shift(3 * LEFT)
                    right = left.copy().shift(6 * RIGHT)
                    self.add(DistributionCloud(run, time=0.4, axes=left, radius=0.02),
                             DistributionCloud(run.predicted(), time=0.4, axes=right,
                                               radius=0.02, color=YELLOW))
        """
        if self.predictions is None:
            raise ValueError("this run has no predictions: sample it with "
                             "record_predictions=True (the default)")
        return Trajectory(times=self.times, points=self.predictions, steps=self.steps,
                          labels=self.labels, sampler=self.sampler, nfe=self.nfe,
                          meta={**self.meta, "shows": "predictions"})

    def subset(self, indices: np.ndarray) -> Trajectory:
        """A trajectory of the chosen samples only."""
        idx = np.asarray(indices)
        return Trajectory(
            times=self.times,
            points=self.points[:, idx],
            steps=self.steps,
            predictions=None if self.predictions is None else self.predictions[:, idx],
            labels=None if self.labels is None else self.labels[idx],
            sampler=self.sampler,
            nfe=self.nfe,
            meta=dict(self.meta),
            extras={name: arr[:, idx] for name, arr in self.extras.items()},
        )

    def thin(self, every: int) -> Trajectory:
        """Every ``every``-th row (the first and the last always kept), for lighter paths."""
        if every < 1:
            raise ValueError(f"every must be a positive integer, got {every}")
        rows = np.unique(np.r_[np.arange(0, self.n_steps + 1, every), self.n_steps])
        assert self.steps is not None  # __post_init__ fills it in
        return Trajectory(
            times=self.times[rows],
            points=self.points[rows],
            steps=self.steps[rows],
            predictions=None if self.predictions is None else self.predictions[rows],
            labels=self.labels,
            sampler=self.sampler,
            nfe=self.nfe,
            meta=dict(self.meta),
            extras={name: self._thin_extra(arr, rows) for name, arr in self.extras.items()},
        )

    def _thin_extra(self, arr: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """A per-row array at ``rows``; a per-step one summed over the merged steps."""
        if len(arr) == self.n_steps + 1:
            return arr[rows]
        cum = np.concatenate([np.zeros_like(arr[:1], dtype=np.float64),
                              np.cumsum(arr, axis=0, dtype=np.float64)])
        merged = cum[rows[1:]] - cum[rows[:-1]]
        return merged.astype(arr.dtype) if np.issubdtype(arr.dtype, np.floating) else merged

    def bounds(self, margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corners of the box holding every point of the run."""
        lo = self.points.reshape(-1, self.dim).min(axis=0) - margin
        hi = self.points.reshape(-1, self.dim).max(axis=0) + margin
        return lo, hi

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the run to an ``.npz`` file atomically (no pickled objects)."""
        path = Path(path)
        # values typed Any: numpy's stub would let a **dict of arrays fill the
        # `allow_pickle: bool` parameter of savez_compressed, so it rejects ndarray
        arrays: dict[str, Any] = {
            "times": self.times,
            "points": self.points,
            "steps": np.asarray(self.steps),
            "sampler": np.array(self.sampler),
            "nfe": np.array(self.nfe),
            "meta_keys": np.array(list(self.meta.keys()), dtype=str),
            "meta_values": np.array([str(v) for v in self.meta.values()], dtype=str),
        }
        if self.predictions is not None:
            arrays["predictions"] = self.predictions
        if self.labels is not None:
            arrays["labels"] = self.labels
        for name, arr in self.extras.items():
            arrays[f"extra_{name}"] = arr
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez_compressed(f, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Trajectory:
        """Read a run written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(
                    times=z["times"],
                    points=z["points"],
                    steps=z["steps"],
                    predictions=z["predictions"] if "predictions" in z else None,
                    labels=z["labels"] if "labels" in z else None,
                    sampler=str(z["sampler"]),
                    nfe=int(z["nfe"]),
                    meta=dict(
                        zip(z["meta_keys"].tolist(), z["meta_values"].tolist(), strict=True)
                    ),
                    extras={k[len("extra_"):]: z[k] for k in z.files if k.startswith("extra_")},
                )
        except (OSError, KeyError, ValueError) as err:
            raise ValueError(
                f"{path} is not a trajectory file written by Trajectory.save ({err})"
            ) from err
