"""Benchmark: RasterTracer and TrajectoryTracer against manim's TracedPath, ms per frame.

Paths of ``--paths`` samples along 100-step trajectories, grown over the play: whole
paths, and a fading tail of 0.3 library time (the tracers' 6 opacity chunks against
a TracedPath with the same ``dissipating_time``). All three draw the same paths;
"update" is the vector tracer's own rebuild per frame without drawing.
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
from manim import YELLOW, Scene, TracedPath, ValueTracker, linear

from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects.raster_tracer import RasterTracer
from manim_diffusion.mobjects.tracer import TrajectoryTracer

__all__ = ["RasterScene", "TracedPathScene", "TracerScene", "main"]

STEPS = 100
TAIL = 0.3
VARIANTS = {"whole paths": None, f"fading tail {TAIL}": TAIL}


class TracerScene(Scene):
    """One TrajectoryTracer on a tracker."""

    traj: Trajectory
    run_time: float
    n_paths: int
    tail: float | None

    def construct(self) -> None:
        t = ValueTracker(0.0)
        self.add(TrajectoryTracer(self.traj, time=t, n_paths=self.n_paths,
                                  tail_length=self.tail, color=YELLOW))
        timed_play(self, t.animate.set_value(1.0), run_time=self.run_time, rate_func=linear)


class RasterScene(Scene):
    """One RasterTracer on a tracker: the same paths painted into one image."""

    traj: Trajectory
    run_time: float
    n_paths: int
    tail: float | None

    def construct(self) -> None:
        t = ValueTracker(0.0)
        self.add(RasterTracer(self.traj, time=t, n_paths=self.n_paths,
                              tail_length=self.tail, color=YELLOW))
        timed_play(self, t.animate.set_value(1.0), run_time=self.run_time, rate_func=linear)


class TracedPathScene(Scene):
    """The manim way: a TracedPath per sample, following its point frame by frame."""

    traj: Trajectory
    run_time: float
    n_paths: int
    tail: float | None

    def construct(self) -> None:
        t = ValueTracker(0.0)
        idx = np.sort(np.random.default_rng(0).choice(self.traj.n_points, self.n_paths,
                                                      replace=False))
        sub = Trajectory(times=self.traj.times, points=self.traj.points[:, idx])
        cache: dict[str, object] = {"t": None, "xyz": None}

        def point(i: int) -> np.ndarray:
            now = t.get_value()
            if cache["t"] != now:  # one interpolation per frame for all paths
                xy = sub.at(now)
                cache["t"], cache["xyz"] = now, np.c_[xy, np.zeros(len(xy))]
            return cache["xyz"][i]

        dissipate = None if self.tail is None else self.tail * self.run_time
        for i in range(self.n_paths):
            self.add(TracedPath(lambda i=i: point(i), stroke_width=2.0, stroke_color=YELLOW,
                                dissipating_time=dissipate))
        timed_play(self, t.animate.set_value(1.0), run_time=self.run_time, rate_func=linear)


def update_ms(traj: Trajectory, n_paths: int, tail: float | None, frames: int) -> float:
    """Milliseconds of one tracer rebuild (no drawing), over ``frames`` distinct times."""
    tracer = TrajectoryTracer(traj, time=0.0, n_paths=n_paths, tail_length=tail)
    return ms_per_call(tracer.set_time, np.linspace(0.0, 1.0, frames)[1:])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a line per case; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=None, help="write results here")
    parser.add_argument("--paths", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--qualities", nargs="+", default=["low_quality", "medium_quality"],
                        choices=list(QUALITIES))
    parser.add_argument("--run-time", type=float, default=4.0, help="seconds of the play")
    args = parser.parse_args(argv)
    traj = make_trajectory(max(args.paths), steps=STEPS)
    for cls in (TracerScene, RasterScene, TracedPathScene):  # warm-up
        time_scene(cls, "low_quality", 0.2, traj=traj, n_paths=5, tail=None)
    rows = []
    for quality in args.qualities:
        for n in args.paths:
            for variant, tail in VARIANTS.items():
                kw = {"traj": traj, "n_paths": n, "tail": tail}
                tracer = time_scene(TracerScene, quality, args.run_time, **kw)
                raster = time_scene(RasterScene, quality, args.run_time, **kw)
                traced = time_scene(TracedPathScene, quality, args.run_time, **kw)
                update = update_ms(traj, n, tail, 61)
                rows.append({
                    "quality": quality, "resolution": QUALITIES[quality], "paths": n,
                    "variant": variant, "tail_length": tail,
                    "raster_ms": round(raster, 2), "tracer_ms": round(tracer, 2),
                    "traced_path_ms": round(traced, 2), "ratio": round(traced / raster, 2),
                    "vector_ratio": round(traced / tracer, 2),
                    "tracer_update_ms": round(update, 3),
                })
                print(f"{QUALITIES[quality]:8s} {n:5d} paths {variant:17s} raster "
                      f"{raster:7.2f}  vector {tracer:7.2f} (update {update:.2f})  "
                      f"TracedPath {traced:7.2f} ms/frame  ratio {traced / raster:5.1f}x",
                      flush=True)
    write_json(args.json, {"meta": meta(run_time_s=args.run_time, path_steps=STEPS),
                           "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
