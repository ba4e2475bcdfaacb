"""Benchmark: DistributionCloud against a VGroup of Dots, ms per frame of a 4 s play."""

from __future__ import annotations

import argparse

from _common import QUALITIES, make_trajectory, meta, time_scene, timed_play, write_json
from manim import BLUE, Dot, Scene, ValueTracker, VGroup, linear

from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects.cloud import DistributionCloud

__all__ = ["CloudScene", "DotsScene", "main"]

RADIUS = 0.03


class CloudScene(Scene):
    """The cloud version: one DistributionCloud on a tracker."""

    traj: Trajectory
    run_time: float

    def construct(self) -> None:
        t = ValueTracker(0.0)
        self.add(DistributionCloud(self.traj, time=t, radius=RADIUS, color=BLUE))
        timed_play(self, t.animate.set_value(1.0), run_time=self.run_time, rate_func=linear)


class DotsScene(Scene):
    """The slow way: one Dot per point, moved by an updater."""

    traj: Trajectory
    run_time: float

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
        timed_play(self, t.animate.set_value(1.0), run_time=self.run_time, rate_func=linear)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a line per case; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", default=None, help="write results here")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10_000])
    parser.add_argument(
        "--qualities", nargs="+", default=["low_quality", "medium_quality"],
        choices=list(QUALITIES), help="manim quality names (low = 480p15, medium = 720p30)",
    )
    parser.add_argument("--run-time", type=float, default=4.0, help="seconds of the play")
    parser.add_argument("--movie", action="store_true", help="also time with mp4 writing")
    args = parser.parse_args(argv)
    modes = [False, True] if args.movie else [False]
    warm = make_trajectory(100)  # first render of a process pays imports and set-up
    time_scene(CloudScene, "low_quality", 0.2, traj=warm)
    time_scene(DotsScene, "low_quality", 0.2, traj=warm)
    rows = []
    for quality in args.qualities:
        for movie in modes:
            for n in args.sizes:
                traj = make_trajectory(n)
                cloud = time_scene(CloudScene, quality, args.run_time, movie, traj=traj)
                dots = time_scene(DotsScene, quality, args.run_time, movie, traj=traj)
                rows.append({
                    "quality": quality, "resolution": QUALITIES[quality], "movie": movie,
                    "points": n, "cloud_ms": round(cloud, 2), "dots_ms": round(dots, 2),
                    "ratio": round(dots / cloud, 2),
                })
                print(
                    f"{QUALITIES[quality]:8s} mp4={movie!s:5s} n={n:6d}  cloud {cloud:7.2f} "
                    f"ms/frame  dots {dots:7.2f} ms/frame  ratio {dots / cloud:6.1f}x",
                    flush=True,
                )
    write_json(args.json, {"meta": meta(run_time_s=args.run_time, radius=RADIUS,
                                        path_steps=100), "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
