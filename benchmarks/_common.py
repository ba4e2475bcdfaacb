"""Shared pieces of the benchmarks: a moving point cloud, frame timing, JSON output."""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "QUALITIES",
    "meta",
    "make_trajectory",
    "ms_per_call",
    "time_scene",
    "timed_play",
    "write_json",
]

#: manim quality names and what they mean.
QUALITIES = {"low_quality": "480p15", "medium_quality": "720p30", "high_quality": "1080p60"}


def make_trajectory(n: int, steps: int = 100, seed: int = 0):
    """Gaussian noise moving onto a ring over ``steps`` steps, with a little jitter."""
    from manim_diffusion.core.trajectory import Trajectory

    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
    noise = rng.normal(size=(n, 2)) * 1.5
    s = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
    pts = (1 - s) * noise + s * ring + rng.normal(size=(steps + 1, n, 2)) * 0.02 * (1 - s)
    return Trajectory(times=s[:, 0, 0], points=pts.astype(np.float32))


def timed_play(scene: Any, *animations: Any, **kwargs: Any) -> None:
    """``scene.play(...)``, adding its wall time to ``scene.play_seconds``."""
    start = time.perf_counter()
    scene.play(*animations, **kwargs)
    scene.play_seconds = getattr(scene, "play_seconds", 0.0) + time.perf_counter() - start


def time_scene(
    scene_cls: type, quality: str, run_time: float, movie: bool = False, **attrs: Any
) -> float:
    """Render ``scene_cls`` and return milliseconds per frame of its timed ``play`` calls.

    The scene reads its settings (``run_time`` and ``attrs``) as class attributes and
    plays through :func:`timed_play`, so building the mobjects is not counted. Without
    ``movie`` the run is manim's dry run: every frame is drawn, none is encoded.
    """
    from manim import config, tempconfig

    with tempfile.TemporaryDirectory() as media, tempconfig(
        {
            "quality": quality,
            "media_dir": media,
            "disable_caching": True,
            "dry_run": not movie,
            "verbosity": "ERROR",
            "progress_bar": "none",
        }
    ):
        n_frames = round(run_time * config.frame_rate)
        cls = type(scene_cls.__name__, (scene_cls,), {"run_time": run_time, **attrs})
        scene = cls()
        scene.render()
    return 1000.0 * scene.play_seconds / n_frames


def ms_per_call(fn: Callable[[Any], Any], args: Iterable[Any]) -> float:
    """Mean milliseconds of ``fn(a)`` over ``args``."""
    args = list(args)
    start = time.perf_counter()
    for a in args:
        fn(a)
    return 1000.0 * (time.perf_counter() - start) / len(args)


def meta(**extra: Any) -> dict[str, Any]:
    """Python version and machine, plus ``extra``."""
    return {"python": sys.version.split()[0], "machine": platform.machine(), **extra}


def write_json(path: str | Path | None, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented JSON to ``path`` (nothing if ``path`` is None)."""
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
