"""Benchmark: DistributionCloud against a VGroup of Dots, ms per frame of a 4 s play."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from manim import (
    BLUE,
    Dot,
    Scene,
    ValueTracker,
    VGroup,
    config,
    linear,
    tempconfig,
)

from manim_diffusion.engine.trajectory import Trajectory
from manim_diffusion.mobjects.cloud import DistributionCloud

__all__ = ["main", "make_trajectory", "time_scene"]

RUN_TIME = 4.0
RADIUS = 0.03


def make_trajectory(n: int, steps: int = 100, seed: int = 0) -> Trajectory:
    """Gaussian noise moving onto a ring over ``steps`` steps, with a little jitter."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
    noise = rng.normal(size=(n, 2)) * 1.5
    s = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
    pts = (1 - s) * noise + s * ring + rng.normal(size=(steps + 1, n, 2)) * 0.02 * (1 - s)
    return Trajectory(times=s[:, 0, 0], points=pts.astype(np.float32))


class CloudScene(Scene):
    """The cloud version: one DistributionCloud on a tracker."""

    traj: Trajectory

    def construct(self) -> None:
        t = ValueTracker(0.0)
        self.add(DistributionCloud(self.traj, time=t, radius=RADIUS, color=BLUE))
        self.play(t.animate.set_value(1.0), run_time=RUN_TIME, rate_func=linear)


class DotsScene(Scene):
    """The slow way: one Dot per point, moved by an updater."""

    traj: Trajectory

    def construct(self) -> None:
        t = ValueTracker(0.0)
        traj = self.traj
        dots = VGroup(*[Dot(radius=RADIUS, color=BLUE) for _ in range(traj.n_points)])

        def follow(group: VGroup) -> None:
            xy = traj.at(t.get_value())
            for dot, p in zip(group, xy, strict=True):
                dot.move_to([p[0], p[1], 0.0])

        dots.add_updater(follow)
        self.add(dots)
        self.play(t.animate.set_value(1.0), run_time=RUN_TIME, rate_func=linear)


def time_scene(scene_cls: type[Scene], traj: Trajectory, quality: str, movie: bool) -> float:
    """Render a scene and return milliseconds per frame of its play call."""
    with tempfile.TemporaryDirectory() as media, tempconfig(
        {
            "quality": quality,
            "media_dir": media,
            "disable_caching": True,
            "dry_run": not movie,  # dry run: every frame is drawn, none is encoded
            "verbosity": "ERROR",
            "progress_bar": "none",
        }
    ):
        n_frames = round(RUN_TIME * config.frame_rate)
        cls = type(scene_cls.__name__, (scene_cls,), {"traj": traj})
        scene = cls()
        start = time.perf_counter()
        scene.render()
        elapsed = time.perf_counter() - start
    return 1000.0 * elapsed / n_frames


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, default=None, help="write results here")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10_000])
    parser.add_argument(
        "--qualities", nargs="+", default=["low_quality", "medium_quality"],
        help="manim quality names (low = 480p15, medium = 720p30)",
    )
    parser.add_argument("--movie", action="store_true", help="also time with movie writing")
    args = parser.parse_args(argv)
    modes = [False, True] if args.movie else [False]
    warm = make_trajectory(100)  # first render of a process pays imports and set-up
    time_scene(CloudScene, warm, "low_quality", False)
    time_scene(DotsScene, warm, "low_quality", False)
    rows = []
    for quality in args.qualities:
        for movie in modes:
            for n in args.sizes:
                traj = make_trajectory(n)
                cloud = time_scene(CloudScene, traj, quality, movie)
                dots = time_scene(DotsScene, traj, quality, movie)
                row = {
                    "quality": quality, "movie": movie, "points": n,
                    "cloud_ms": round(cloud, 2), "dots_ms": round(dots, 2),
                    "ratio": round(dots / cloud, 2),
                }
                rows.append(row)
                print(
                    f"{quality:15s} movie={movie!s:5s} n={n:6d}  cloud {cloud:7.2f} ms/frame"
                    f"  dots {dots:7.2f} ms/frame  ratio {dots / cloud:6.1f}x",
                    flush=True,
                )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"python": sys.version.split()[0], "machine": platform.machine(),
                "run_time_s": RUN_TIME, "radius": RADIUS}
        args.json.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
