"""Benchmark: what ContourField adds per frame on top of the cloud it outlines.

A DistributionCloud of ``--points`` points on 100-step paths, alone and with a
ContourField (4 highest-density levels, ``--grids`` nodes a side), timed in the same
run; "update" is the field's own rebuild per frame (binned KDE, levels, contourpy,
Bezier points) without drawing.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import (
    QUALITIES,
    make_trajectory,
    meta,
    ms_per_call,
    time_scene,
    timed_play,
    write_json,
)
from manim import Scene, ValueTracker, linear

from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects import ContourField, DistributionCloud

__all__ = ["ContourScene", "main"]


class ContourScene(Scene):
    """A cloud on a tracker, with contours over it when ``grid`` is set."""

    traj: Trajectory
    run_time: float
    grid: int | None

    def construct(self) -> None:
        t = ValueTracker(0.0)
        self.add(DistributionCloud(self.traj, time=t, radius=0.02, opacity=0.6))
        if self.grid:
            self.add(ContourField(self.traj, time=t, grid_size=self.grid))
        timed_play(self, t.animate.set_value(1.0), run_time=self.run_time, rate_func=linear)


def update_ms(traj: Trajectory, grid: int, frames: int) -> float:
    """Milliseconds of one contour rebuild (no drawing), over ``frames`` distinct times."""
    field = ContourField(traj, time=0.0, grid_size=grid)
    return ms_per_call(field.set_time, np.linspace(0.0, 1.0, frames)[1:])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a line per case; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=None, help="write results here")
    parser.add_argument("--points", type=int, nargs="+", default=[2000, 10_000])
    parser.add_argument("--grids", type=int, nargs="+", default=[100, 200])
    parser.add_argument("--qualities", nargs="+", default=["low_quality", "medium_quality"],
                        choices=list(QUALITIES))
    parser.add_argument("--run-time", type=float, default=4.0, help="seconds of the play")
    args = parser.parse_args(argv)
    warm = make_trajectory(100)
    time_scene(ContourScene, "low_quality", 0.2, traj=warm, grid=50)
    rows = []
    for quality in args.qualities:
        for n in args.points:
            traj = make_trajectory(n)
            cloud = time_scene(ContourScene, quality, args.run_time, traj=traj, grid=None)
            for grid in args.grids:
                both = time_scene(ContourScene, quality, args.run_time, traj=traj, grid=grid)
                update = update_ms(traj, grid, 61)
                rows.append({
                    "quality": quality, "resolution": QUALITIES[quality], "points": n,
                    "grid": grid, "cloud_ms": round(cloud, 2),
                    "cloud_contours_ms": round(both, 2),
                    "contours_extra_ms": round(both - cloud, 2),
                    "contour_update_ms": round(update, 3),
                })
                print(f"{QUALITIES[quality]:8s} n={n:6d} grid {grid:4d}  cloud {cloud:7.2f} "
                      f"ms/frame  cloud + contours {both:7.2f} ms/frame  (+{both - cloud:.2f}; "
                      f"update {update:.2f})", flush=True)
    write_json(args.json, {"meta": meta(run_time_s=args.run_time, path_steps=100,
                                        masses=[0.25, 0.5, 0.75, 0.9]), "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
